"""validate_screening_form: the one form's brain.

Each turn reads the latest message for everything it says (actions/understand), records the
answers to open questions (actions/policy), holds a rule-out for confirmation, and asks the
next question the rules engine still finds worth asking (plan: one slot per question id, the
history checklist and the tumour and liver groups standing in for several).

rasa-sdk's FormValidationAction.run extracts and validates one slot per turn and leaves the
asking to `utter_ask_<slot>` responses. Here a message can answer several questions at once and
the questions' texts are the trial's data, so `run` is this action's own: it reads the whole
message, sets the answered slots, and utters the next question itself (no per-question
responses). There is therefore no `required_slots`/`validate_<slot>` to override: the plan is
recomputed from the engine's report on every turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions import answer_log, policy, render
from actions.base import Chat, ChatAction
from actions.common import REQUEST_WORDS, bot_text, latest_intent, patient_id_in
from actions.language import criterion_label
from actions.messages import say, text
from actions.page_payload import page_payload
from actions.records import as_of, failure_message
from actions.screening import (
    ASKED,
    CONFIRMING,
    FOCUS,
    GROUPS,
    LAST_QUESTION,
    LIVER,
    MISSES,
    REQUESTED,
    SWITCH_TO,
    TUMOUR,
    Screening,
    caller_of,
)
from actions.understand import Finding, bare, extract, looks_like
from actions.vocab import CHECKLIST, vocab
from fhir_ingest.errors import IngestError

# Intents that are requests, not answers. They step out of the form (a rule replies, then the
# form asks again) only when the message answers nothing: "he stopped the TB treatment early"
# is an answer that holds the word "stop".
COMMAND_INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thanks",
        "help",
        "screen_patient",
        "ask_why",
        "explain_term",
        "change_answer",
        "summary",
        "start_over",
        "screen_another",
        "stop",
        "go_on",
        "switch_language",
        "out_of_scope",
    }
)
COMMAND_MIN_CONFIDENCE = 0.4
# "book me a flight" steps out; a vague reply the classifier half-guesses as out of scope is a
# reply that could not be used (it counts towards the two tries before "not sure").
OUT_OF_SCOPE_MIN_CONFIDENCE = 0.7
YES = frozenset({"affirm"})
NO = frozenset({"deny"})
ALL_APPLY = re.compile(r"\b(all (of them|three|apply|applies|yes)|all|yes to all|every one|both)\b", re.I)
NONE_APPLY = re.compile(r"\b(none|neither|nil|no to (all|both)|none of (these|them|the above))\b", re.I)
MAX_MISSES = 2


@dataclass
class Turn:
    """What the latest message did."""

    events: list[EventType] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # lines said before the next question
    buttons: list[str] = field(default_factory=list)  # offered with the next question
    stepped_out: bool = False  # a request, not an answer: the form is rejected, a rule replies
    done: bool = False  # this turn already said all it needs (e.g. a switch question)
    screening: Screening | None = None  # a new patient's screening started this turn


def question_payload(slot: str, items: list[str]) -> dict[str, Any]:
    """Machine-readable side of a question (the web page and the tests use it)."""
    v = vocab()
    if slot in (CHECKLIST, *GROUPS):
        return {"question": slot, "criteria": [v.question(i).criterion for i in items], "items": items}
    return {"question": slot, "criteria": [v.question(slot).criterion]}


def bare_kind(
    tracker: Tracker, findings: list[Finding], pending: str | None, message: str, lang: str
) -> str | None:
    """yes | no | not_sure when the reply is a bare one (its finding for the pending question)."""
    kind = bare(message, lang)
    if kind:
        return kind
    for f in findings:
        if f.question_id == pending and str(f.value) in ("yes", "no", "not_sure", "none"):
            return "no" if f.value == "none" else str(f.value)
    intent = latest_intent(tracker)
    if intent in YES:
        return "yes"
    if intent in NO:
        return "no"
    if intent == "not_sure":
        return "not_sure"
    return None


def buttons_for(slot: str, lang: str) -> list[str]:
    """The choices offered as buttons after an unusable reply (message catalogue `choices`)."""
    table = text("choices", lang)
    if slot in table:
        return list(table[slot])
    q = vocab().questions.get(slot)
    return list(table["number"] if q is not None and q.type == "number" else table["yes_no"])


class ValidateScreeningForm(ChatAction, FormValidationAction):
    action_name = "validate_screening_form"

    async def act(self, chat: Chat) -> list[EventType]:
        dispatcher, tracker, lang = chat.dispatcher, chat.tracker, chat.lang
        s = Screening.from_tracker(tracker)
        if s is None or chat.caller is None:
            chat.say("no_form")
            return [SlotSet(REQUESTED, None)]
        try:
            await s.load()
        except IngestError as e:
            # The HTTP status and a generic reason only, never the server's diagnostics.
            dispatcher.utter_message(**failure_message(e, s.patient_id, s.audience, lang))
            return [SlotSet(REQUESTED, None)]
        turn = await self.take(dispatcher, s, tracker, lang)
        if turn.stepped_out or turn.done:
            return turn.events
        return [*turn.events, *self.ask(dispatcher, turn.screening or s, tracker, lang, turn)]

    # --- asking --------------------------------------------------------------------------------
    def ask(
        self, dispatcher: CollectingDispatcher, s: Screening, tracker: Tracker, lang: str, turn: Turn
    ) -> list[EventType]:
        confirming = _slot_after(tracker, turn.events, CONFIRMING)
        prefix = "\n".join(turn.said)
        if confirming:
            key = "confirm_rule_out_patient" if s.audience == "patient" else "confirm_rule_out"
            line = say(key, lang, restated=policy.restate(confirming, lang), patient=s.patient_id)
            qid = confirming["question_id"]
            dispatcher.utter_message(
                **bot_text(
                    f"{prefix}\n{line}" if prefix else line,
                    question=qid,
                    criteria=[vocab().question(qid).criterion],
                    confirm=True,
                    value=confirming["value"],
                ),
                buttons=_buttons(text("choices.confirm", lang)),
            )
            return [SlotSet(REQUESTED, qid)]
        report = s.report()
        plan = s.plan(report)
        if not plan:  # a criterion failed (and no "go on"), or nothing is left to ask
            if prefix:
                dispatcher.utter_message(text=prefix)
            return [SlotSet(REQUESTED, None)]
        nxt = plan[0]
        items = s.members(nxt, report) if nxt in (CHECKLIST, *GROUPS) else []
        question = render.question(nxt, s, items, lang)
        dispatcher.utter_message(
            **bot_text(
                f"{prefix}\n{question}" if prefix else question,
                **question_payload(nxt, items),
                **page_payload(s, report, plan),  # the web pages' progress and criteria panel
            ),
            buttons=_buttons(turn.buttons),
        )
        asked = list(_slot_after(tracker, turn.events, ASKED) or [])
        if not asked or asked[-1] != nxt:
            asked.append(nxt)
        return [SlotSet(REQUESTED, nxt), SlotSet(LAST_QUESTION, nxt), SlotSet(ASKED, asked)]

    # --- reading the reply -----------------------------------------------------------------------
    async def take(self, dispatcher: CollectingDispatcher, s: Screening, tracker: Tracker, lang: str) -> Turn:
        requested = tracker.get_slot(REQUESTED)
        candidates = tracker.slots_to_validate()
        if not requested or candidates.get(requested) is None:
            return Turn()  # (re)entering the form: just ask
        message = str(candidates[requested])
        clear = [SlotSet(requested, None)]
        switch_to = tracker.get_slot(SWITCH_TO)
        if switch_to:
            return await self.take_switch(dispatcher, s, tracker, message, switch_to, lang, clear)
        confirming = tracker.get_slot(CONFIRMING)
        pending = requested
        members = set(s.members(requested, s.report()))
        findings = extract(
            message, lang, None if requested in (CHECKLIST, *GROUPS) else pending, s.audience, as_of()
        )
        if confirming:
            kind = bare_kind(
                tracker,
                [f for f in findings if f.question_id == confirming["question_id"]],
                confirming["question_id"],
                message,
                lang,
            )
            if kind == "yes" and not [f for f in findings if f.question_id != confirming["question_id"]]:
                held = Finding(confirming["question_id"], confirming["value"], confirming.get("words", ""))
                policy.take(s, [held], {held.question_id}, confirmed=True)
                answer_log.saved(tracker, s, [held.question_id], words=held.words or None)
                return Turn(
                    [
                        *clear,
                        SlotSet(CONFIRMING, None),
                        SlotSet(held.question_id, held.value),
                        *s.answer_events(),
                    ]
                )
            if kind == "no" and len(findings) <= 1:
                return Turn([*clear, SlotSet(CONFIRMING, None)], said=[say("confirm_dropped", lang)])
            clear.append(SlotSet(CONFIRMING, None))  # another answer: read it as the reply itself
        intent = latest_intent(tracker)
        confidence = float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0)
        # What counts as an answer: a finding for a question still open (naming a topic that is
        # settled, as in "change my answer about TB", answers nothing).
        usable = [f for f in findings if policy.open_question(s, f.question_id, members)]
        if not usable and self.names_other_patient(tracker, message, s):
            new = patient_id_in(tracker)
            return Turn(
                [*clear, SlotSet(SWITCH_TO, new), SlotSet(REQUESTED, requested)],
                said=[],
                done=self._ask_switch(dispatcher, s, new, lang),
            )
        floor = OUT_OF_SCOPE_MIN_CONFIDENCE if intent == "out_of_scope" else COMMAND_MIN_CONFIDENCE
        command = intent in COMMAND_INTENTS and confidence >= floor
        if not usable and command and looks_like(str(intent), message, lang):
            return Turn([*clear, ActionExecutionRejected("screening_form")], stepped_out=True)
        if requested in (CHECKLIST, *GROUPS) and not findings and bare(message, lang) == "not_sure":
            # "not sure" to a grouped question: ask its items one by one
            s.one_by_one = s.one_by_one | {requested}
            if requested == CHECKLIST:
                s.checklist = "not_sure"
            return Turn([*clear, SlotSet(requested, "not_sure"), *s.answer_events()])
        if requested == CHECKLIST:
            findings = self.checklist_reply(findings, members, message, tracker, lang)
        elif requested in GROUPS:
            findings = self.group_reply(requested, findings, members, message, tracker, lang)
        taken = policy.take(s, findings, members)
        answer_log.saved(tracker, s, [f.question_id for f in taken.recorded])
        events: list[EventType] = [*clear]
        events += [SlotSet(f.question_id, f.value) for f in taken.recorded]
        said: list[str] = []
        if taken.recorded:
            said.append(say("noted", lang, patient=s.patient_id, items=policy.noted(taken.recorded, lang)))
        if taken.confirm is not None:
            c = taken.confirm
            events.append(
                SlotSet(CONFIRMING, {"question_id": c.question_id, "value": c.value, "words": c.words})
            )
        answered = bool(members & {f.question_id for f in taken.recorded}) or taken.confirm is not None
        if requested == CHECKLIST and members <= {f.question_id for f in taken.recorded}:
            s.checklist = "named"  # every item answered; otherwise the rest are grouped again
            events.append(SlotSet(CHECKLIST, "named"))
        if requested in GROUPS and answered:
            events.append(SlotSet(requested, "answered"))
        if s.focus in members and answered:
            s.focus = None
            events.append(SlotSet(FOCUS, None))
        misses = dict(tracker.get_slot(MISSES) or {})
        if answered or taken.recorded:
            misses.pop(requested, None)
        else:
            misses[requested] = misses.get(requested, 0) + 1
            if misses[requested] >= MAX_MISSES:
                self.give_up(s, requested, members, events, said, lang)
                misses.pop(requested, None)
            else:
                # One line a criterion (ascites and encephalopathy both settle Child-Pugh), in
                # the conversation's language.
                settled = dict.fromkeys(vocab().question(f.question_id).criterion for f in taken.skipped)
                understood = [say("already_settled", lang, label=criterion_label(c, lang)) for c in settled]
                extra = say("understood_prefix", lang, items="; ".join(understood)) if understood else ""
                said.append(say("not_understood_pending", lang, understood=extra))
        events.append(SlotSet(MISSES, misses))
        buttons = buttons_for(requested, lang) if requested in misses else []
        return Turn([*events, *s.answer_events()], said=said, buttons=buttons)

    def give_up(
        self,
        s: Screening,
        requested: str,
        members: set[str],
        events: list[EventType],
        said: list[str],
        lang: str,
    ) -> None:
        """Second unusable reply: 'not sure' for the item (a group is then asked one by one)."""
        v = vocab()
        if requested == CHECKLIST:
            s.checklist = "not_sure"
            events.append(SlotSet(CHECKLIST, "not_sure"))
            label = "the history items"
        elif requested in GROUPS:
            s.one_by_one = s.one_by_one | {requested}
            events.append(SlotSet(requested, "not_sure"))
            label = ", ".join(v.label(v.question(m).criterion) for m in sorted(members))
        else:
            s.answer(requested, "not_sure", words="(no usable answer twice)")
            events.append(SlotSet(requested, "not_sure"))
            label = v.label(v.question(requested).criterion)
        said.append(say("gave_up", lang, label=label))

    def checklist_reply(
        self, findings: list[Finding], items: set[str], message: str, tracker: Tracker, lang: str
    ) -> list[Finding]:
        """History checklist: named items take their value; 'none of these' or naming the items
        that apply makes the others "no" (the question said so)."""
        chain = {f.question_id for f in findings}
        named_yes = any(f.question_id in items and f.value == "yes" for f in findings)
        none = latest_intent(tracker) == "none_of_these" or bool(NONE_APPLY.search(message))
        if named_yes or ((none or bare(message, lang) == "no") and not findings):
            findings = [*findings, *(Finding(i, "no", message) for i in sorted(items) if i not in chain)]
        return findings

    def group_reply(
        self, group: str, findings: list[Finding], items: set[str], message: str, tracker: Tracker, lang: str
    ) -> list[Finding]:
        got = {f.question_id for f in findings}
        kind = bare(message, lang) or {"affirm": "yes", "deny": "no"}.get(latest_intent(tracker) or "")
        if group == LIVER:
            said_none = (
                kind == "no" or NONE_APPLY.search(message) or latest_intent(tracker) == "none_of_these"
            )
            if said_none and not findings:
                findings = [*findings, *(Finding(i, "none", message) for i in sorted(items) if i not in got)]
            return findings
        if group == TUMOUR:
            exceptions = any(f.question_id in items and f.value == "no" for f in findings)
            if kind == "yes" or ALL_APPLY.search(message) or exceptions:
                findings = [*findings, *(Finding(i, "yes", message) for i in sorted(items) if i not in got)]
        return findings

    # --- another patient -------------------------------------------------------------------------
    def names_other_patient(self, tracker: Tracker, message: str, s: Screening) -> bool:
        """An explicit request naming another patient (a number inside an answer is not one)."""
        caller = caller_of(tracker)
        if caller is None or caller.role != "clinician":
            return False
        pid = patient_id_in(tracker)
        if not pid or pid == s.patient_id:
            return False
        return latest_intent(tracker) in ("screen_patient", "screen_another") and bool(
            REQUEST_WORDS.search(message)
        )

    def _ask_switch(self, dispatcher: CollectingDispatcher, s: Screening, new: str, lang: str) -> bool:
        dispatcher.utter_message(
            **bot_text(say("switch_confirm", lang, current=s.patient_id, new=new), switch_to=new),
            buttons=_buttons(text("choices.confirm", lang)),
        )
        return True

    async def take_switch(
        self,
        dispatcher: CollectingDispatcher,
        s: Screening,
        tracker: Tracker,
        message: str,
        new: str,
        lang: str,
        clear: list[EventType],
    ) -> Turn:
        kind = bare(message, lang) or {"affirm": "yes", "deny": "no"}.get(latest_intent(tracker) or "")
        if kind == "yes":
            from actions.session import begin

            caller = caller_of(tracker)
            started = await begin(dispatcher, new, caller.role if caller else "clinician", lang, "", tracker)
            if started is None:  # not found: the screening goes on
                return Turn([*clear, SlotSet(SWITCH_TO, None)])
            fresh, events = started
            # Rasa ends a form on any requested_slot None: the new patient's first question follows
            events = [e for e in events if not (e.get("name") == REQUESTED and e.get("value") is None)]
            return Turn([*clear, *events], screening=fresh)
        return Turn([*clear, SlotSet(SWITCH_TO, None)], said=[say("switch_kept", lang, current=s.patient_id)])


def _slot_after(tracker: Tracker, events: list[EventType], slot: str) -> Any:
    value = tracker.get_slot(slot)
    for e in events:
        if isinstance(e, dict) and e.get("event") == "slot" and e.get("name") == slot:
            value = e.get("value")
    return value


def _buttons(titles: list[str]) -> list[dict[str, str]]:
    return [{"title": t, "payload": t} for t in titles]
