"""'change my answer about TB': forget an answer and its follow-ups, take the new value if the
message gives one, else ask that question again first."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions import answer_log
from actions.base import Chat, ChatAction
from actions.common import (
    entity_values,
    latest_text,
    next_step,
)
from actions.language import criterion_label
from actions.messages import say
from actions.messages import text as say_table
from actions.records import as_of
from actions.render import value_shown
from actions.screening import (
    CLOSED,
    FOCUS,
    REPORT,
    VERDICT,
    Screening,
)
from actions.understand import extract
from actions.understand_zh import topics_in
from actions.vocab import CHECKLIST, find_phrases, vocab

YES_WORD = re.compile(
    r"\b(yes|yeah|yep|did|does|has|had|is|was|positive|confirmed|true)\b\s*[.!]?$|"
    r"\b(should be|to|is actually|actually) (yes|positive)\b",
    re.I,
)


def say_join(items: list[str], lang: str) -> str:
    return str(say_table("render.list_sep", lang)).join(items)


# "the history list" named in a change request ("修改病史清单的回答")
CHECKLIST_WORDS = re.compile(r"病史清单|以上各项|那几项|清单")


class ActionChangeAnswer(ChatAction):
    """'change my answer about TB': forget that answer (and its follow-ups), take the new value
    if the message gives one, else ask the question again first."""

    action_name = "action_change_answer"

    async def act(self, chat: Chat) -> list[EventType]:
        dispatcher, tracker, lang = chat.dispatcher, chat.tracker, chat.lang
        s = await chat.screening()
        if s is None:
            return next_step(tracker, "wait")
        v, text = vocab(), latest_text(tracker)
        roots = self.topics(tracker, s, text)
        if not roots and lang != "en":
            roots = self.topics_named(s, text)
        if not roots and lang != "en":
            labels = say_table("answer_labels", lang)
            answered = [labels.get(q, q) for q in sorted({v.root_of(a.question_id) for a in s.answers})]
            dispatcher.utter_message(text=say("change.which", lang, answered=say_join(answered, lang)))
            return next_step(tracker, "wait")
        if not roots:
            answered = sorted({v.root_of(a.question_id) for a in s.answers})
            listed = ", ".join(answered) if answered else "nothing yet"
            dispatcher.utter_message(
                text=f"Which answer should I change? You have answered: {listed}. "
                "For example: 'change my answer about TB'."
            )
            return next_step(tracker, "wait")
        events: list[EventType] = []
        changed: list[str] = []
        cleared: list[str] = []  # question ids whose answers were dropped (for the answer log)
        for root in roots:
            qids = [root, *v.follow_ups(root)] if root != CHECKLIST else [CHECKLIST, *v.checklist_items]
            dropped = s.forget(qids)
            cleared += [a.question_id for a in dropped]
            if not dropped and root != CHECKLIST:
                continue
            events += [SlotSet(q, None) for q in qids]
            if root == CHECKLIST:
                s.checklist = None
            changed.append(root)
        if not changed and lang != "en":
            crit = [v.question(r).criterion for r in roots if r != CHECKLIST]
            dispatcher.utter_message(
                text=say(
                    "change.nothing", lang, topics=say_join([criterion_label(c, lang) for c in crit], lang)
                )
            )
            return next_step(tracker, "wait")
        if not changed:
            report = s.report()
            crit = [v.question(r).criterion for r in roots if r != CHECKLIST]
            why = "; ".join(f"{v.label(c)}: {report.result(c).reason}" for c in crit)
            dispatcher.utter_message(
                text=f"There is no answer about that to change: {why}. "
                "What the record settled is not asked; if the record is wrong, "
                "the investigator should correct it at source."
            )
            return next_step(tracker, "wait")
        root = changed[0]
        value = (
            self.new_value(root, text, s.audience, lang) if len(changed) == 1 and root != CHECKLIST else None
        )
        if value is not None:
            s.answer(root, value)
            answer_log.withdrawn(tracker, s, [q for q in cleared if q != root])
            answer_log.saved(tracker, s, [root], kind="correction")
            events.append(SlotSet(root, value))
            if lang != "en":
                label, shown = (
                    say_table("answer_labels", lang).get(root, root),
                    value_shown(root, value, lang),
                )
                dispatcher.utter_message(text=say("render.changed", lang, label=label, value=shown))
            else:
                dispatcher.utter_message(text=f"Changed: {root} = {value}.")
        else:
            answer_log.withdrawn(tracker, s, cleared)
            s.focus = root
            events.append(SlotSet(FOCUS, root))
            if lang != "en":
                labels = say_table("answer_labels", lang)
                topics = say_join([labels.get(r, say("checklist_name", lang)) for r in changed], lang)
                dispatcher.utter_message(text=say("change.cleared", lang, topics=topics))
            else:
                dispatcher.utter_message(
                    text=f"Cleared your answer{'s' if len(changed) > 1 else ''} about "
                    f"{', '.join(changed)}; I will ask again."
                )
        events += s.answer_events()
        # The verdict may change either way: a new form run recomputes everything.
        events += [SlotSet(VERDICT, None), SlotSet(REPORT, None), SlotSet(CLOSED, False)]
        plan = s.plan(s.report())
        return events + next_step(tracker, "ask" if plan else "finish")

    def topics(self, tracker: Tracker, s: Screening, text: str) -> list[str]:
        v = vocab()
        # The NLU's topic entities first, then any topic word in the whole message.
        keys = [k for t in entity_values(tracker, "topic") for _, k, _ in find_phrases(t, v.topics)]
        keys += [k for _, k, _ in find_phrases(text, v.topics)]
        if not keys and any(
            w in text.lower() for w in ("last answer", "previous answer", "last one", "that answer")
        ):
            keys = [s.answers[-1].question_id] if s.answers else []
        roots: list[str] = []
        for k in keys:
            if k == CHECKLIST:
                root = CHECKLIST
            else:
                if s.audience not in v.question(k).audience:
                    k = next(
                        (
                            q
                            for q in v.questions
                            if v.question(q).criterion == v.question(k).criterion
                            and s.audience in v.question(q).audience
                        ),
                        k,
                    )
                root = v.root_of(k)
            if root not in roots:
                roots.append(root)
        return roots

    def topics_named(self, s: Screening, text: str) -> list[str]:
        """Questions a message in another language names ("修改关于结核的回答"): the roots of the
        topics its extractor's lexicon finds, for questions this audience is asked."""
        v = vocab()
        roots: list[str] = []
        for qid in topics_in(text):
            if qid in v.questions and s.audience in v.question(qid).audience:
                root = v.root_of(qid)
                if root not in roots:
                    roots.append(root)
        if CHECKLIST_WORDS.search(text):
            roots.append(CHECKLIST)
        return roots

    def new_value(self, qid: str, text: str, audience: str, lang: str) -> Any:
        """A value given in the same message ('change ECOG to 0', 'TB: no'), else None. Naming
        the topic is not a value: "change my answer about TB" does not say the patient had TB,
        so a yes needs its own word ("TB should be yes")."""
        found = [f for f in extract(text, lang, qid, audience, as_of()) if f.question_id == qid]
        if len(found) != 1:
            return None
        f = found[0]
        if f.value == "yes" and not f.negated and not YES_WORD.search(text):
            return None
        return f.value
