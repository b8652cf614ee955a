"""validate_screening_form: the one form's brain.

Its required slots are the engine's `next_questions` (one slot per question id, plus the
history checklist standing in for several). Each run reads the reply to the requested
question, records it as an answer, re-runs the engine, and either asks the next question
(this action utters it: the text comes from the trial data, so no action_ask_* per question)
or ends the form by setting requested_slot to None (a criterion failed, or nothing is left).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import answer_log, render
from actions.common import bot_text, latest_intent
from actions.interpret import Reply, interpret, interpret_checklist
from actions.page_payload import page_payload
from actions.records import failure_text
from actions.screening import ASKED, FOCUS, LAST_QUESTION, REQUESTED, Screening, caller_of
from actions.vocab import CHECKLIST, vocab
from fhir_ingest.errors import IngestError

# Intents that step out of the form (a rule answers them, then the form asks again)...
META_INTENTS = frozenset(
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
        "out_of_scope",
    }
)
META_MIN_CONFIDENCE = 0.4
# ...unless the reply is a bare answer ("yes measurable", "ECOG 1", "none of these").
BARE_ANSWER_WORDS = 3
CHANGE_WORDS = re.compile(
    r"\b(change|chnage|correct (the|my|that)|correction|wrong|mistake|update|amend|undo|fix|revise)\b", re.I
)


def steps_out(reply: Reply, text: str, intent: str | None, confidence: float, checklist: bool) -> bool:
    """Whether a reply is not an answer but a request the rules should handle."""
    if intent == "change_answer" and CHANGE_WORDS.search(text):
        return True
    if intent not in META_INTENTS:
        return False
    if reply.value is None:
        return True  # not an answer at all: let the rule for that intent reply
    if checklist or confidence < META_MIN_CONFIDENCE:
        return False  # naming checklist items is the answer; a weak guess does not beat the words
    return len(text.split()) > BARE_ANSWER_WORDS


def question_payload(qid: str, screening: Screening, items: list[str]) -> dict[str, Any]:
    """Machine-readable side of a question (the web page and the tests use it)."""
    v = vocab()
    if qid == CHECKLIST:
        return {"question": qid, "criteria": [v.question(i)["criterion"] for i in items], "items": items}
    return {"question": qid, "criteria": [v.question(qid)["criterion"]]}


@dataclass
class Taken:
    """What the latest message did to the requested question."""

    events: list[EventType] = field(default_factory=list)
    hint: str | None = None  # the reply did not fit: say this, ask again
    stepped_out: bool = False  # a request, not an answer: the form is rejected, a rule replies


class ValidateScreeningForm(FormValidationAction):
    def name(self) -> str:
        return "validate_screening_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """The dynamic required slots: the questions still worth asking, in the engine's order."""
        s = Screening.from_tracker(tracker)
        if s is None:
            return []
        await s.load()
        return s.plan(s.report())

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        s = Screening.from_tracker(tracker)
        if s is None or caller_of(tracker) is None:
            dispatcher.utter_message(
                text="No patient is being screened. Name one, e.g. 'pre-screen patient 123'."
            )
            return [SlotSet(REQUESTED, None)]
        try:
            await s.load()
        except IngestError as e:
            dispatcher.utter_message(text=failure_text(e, s.patient_id, s.audience))
            return [SlotSet(REQUESTED, None)]
        taken = self._take_reply(s, tracker)
        if taken.stepped_out:
            return taken.events  # a rule handles the request; then the form resumes and asks again
        report = s.report()
        plan = s.plan(report)
        if not plan:  # a criterion failed (and no "go on"), or nothing is left to ask
            return [*taken.events, SlotSet(REQUESTED, None)]
        nxt = plan[0]
        items = s.checklist_items(report) if nxt == CHECKLIST else []
        text = render.question(nxt, s, items)
        dispatcher.utter_message(
            **bot_text(
                f"{taken.hint}\n{text}" if taken.hint else text,
                **question_payload(nxt, s, items),
                **page_payload(s, report, plan),  # the web pages' progress and criteria panel
            )
        )
        asked = list(tracker.get_slot(ASKED) or [])
        if not asked or asked[-1] != nxt:
            asked.append(nxt)
        return [*taken.events, SlotSet(REQUESTED, nxt), SlotSet(LAST_QUESTION, nxt), SlotSet(ASKED, asked)]

    def _take_reply(self, s: Screening, tracker: Tracker) -> Taken:
        """Turn the reply to the requested question into answers (recorded in `s`)."""
        requested = tracker.get_slot(REQUESTED)
        candidates = tracker.slots_to_validate()
        if not requested or candidates.get(requested) is None:
            return Taken()  # (re)entering the form: just ask
        text, intent, v = str(candidates[requested]), latest_intent(tracker), vocab()
        confidence = float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0)
        checklist = requested == CHECKLIST
        reply = (
            interpret_checklist(s.checklist_items(s.report()), text, intent, v)
            if checklist
            else interpret(v.question(requested), text, intent, v)
        )
        if steps_out(reply, text, intent, confidence, checklist):
            return Taken(
                [SlotSet(requested, None), ActionExecutionRejected("screening_form")], stepped_out=True
            )
        if reply.value is None:
            return Taken([SlotSet(requested, None)], hint=reply.hint)
        events: list[EventType] = []
        if checklist:
            for qid, value in reply.named.items():
                s.answer(qid, value)
                events.append(SlotSet(qid, value))
            s.checklist = reply.value
        else:
            s.answer(requested, reply.value)
        events.append(SlotSet(requested, reply.value))
        if s.focus == requested:
            s.focus = None
            events.append(SlotSet(FOCUS, None))
        answer_log.saved(tracker, s, [*reply.named, requested] if checklist else [requested])
        return Taken([*events, *s.answer_events()])
