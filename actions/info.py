"""Answers about the screening rather than to it: summary so far, why a question, what a term
means, greeting, help, and the fallback for anything out of scope."""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import render
from actions.common import (
    NAME_A_PATIENT,
    entity_values,
    form_active,
    latest_text,
    loaded_screening,
    screening_or_say,
)
from actions.messages import say
from actions.screening import (
    LANGUAGE,
    LAST_QUESTION,
    REQUESTED,
    caller_of,
)
from actions.vocab import find_phrases, vocab
from fhir_ingest.errors import IngestError


class ActionSummary(Action):
    def name(self) -> str:
        return "action_summary"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        s = await screening_or_say(dispatcher, tracker, "Nothing screened yet.")
        if s is None:
            return []
        report = s.report()
        dispatcher.utter_message(
            text=render.summary(report, s, len(s.plan(report)), s.report(with_answers=False))
        )
        return []


class ActionExplainWhy(Action):
    def name(self) -> str:
        return "action_explain_why"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        qid = tracker.get_slot(REQUESTED) if form_active(tracker) else tracker.get_slot(LAST_QUESTION)
        report = s = None
        try:
            s = await loaded_screening(tracker)
            report = s.report() if s else None
        except IngestError:
            pass  # the reason from the trial data is still worth giving
        dispatcher.utter_message(text=render.why(qid, report, s))
        return []


class ActionExplainTerm(Action):
    def name(self) -> str:
        return "action_explain_term"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        g = vocab().glossary
        words = {k: tuple(str(w).lower() for w in entry["words"]) for k, entry in g.items()}
        keys = [k for t in entity_values(tracker, "term") for _, k, _ in find_phrases(t, words)]
        keys += [k for _, k, _ in find_phrases(latest_text(tracker), words)]
        if not keys:
            dispatcher.utter_message(
                text="I can explain ECOG, Child-Pugh, RECIST, ICC, PD-1/PD-L1 antibodies, "
                "Cockcroft-Gault, ULN and the trial itself. Which one?"
            )
            return []
        dispatcher.utter_message(text="\n".join(render.explain(k) for k in dict.fromkeys(keys)))
        return []


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        caller = caller_of(tracker)
        if caller is not None and caller.role == "patient":
            dispatcher.utter_message(
                text="Hello. I can ask you a few questions for the NCT03951597 study team "
                "(a trial for bile duct cancer in the liver). Say 'start' when you are "
                "ready. The study team makes the final decision."
            )
        else:
            dispatcher.utter_message(
                text="Hello. I pre-screen patients for trial NCT03951597 (Gemox + lenvatinib "
                f"+ toripalimab in advanced ICC) from their record. {NAME_A_PATIENT}"
            )
        return []


class ActionHelp(Action):
    def name(self) -> str:
        return "action_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=help_text(tracker))
        return []


def help_text(tracker: Tracker) -> str:
    return (
        "I pre-screen for NCT03951597 from the record and ask only what it cannot settle. You can say: "
        "'pre-screen patient 123', 'why do you ask?', 'what is ECOG / Child-Pugh / RECIST?', "
        "'change my answer about TB', 'summary so far', 'start over', 'screen another patient', 'stop'."
    )


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = "Sorry, that is outside what I can do. " + help_text(tracker)
        if form_active(tracker):
            text = "Sorry, that is outside what I can do here; let's finish this question (or say 'stop')."
        dispatcher.utter_message(text=text)
        return []


class ActionSwitchLanguage(Action):
    """'中文' / 'English please': the conversation's language (texts and answer reading)."""

    def name(self) -> str:
        return "action_switch_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = latest_text(tracker)
        lang = "zh" if re.search(r"[\u4e00-\u9fff]|chinese|mandarin|zhongwen", text, re.I) else "en"
        dispatcher.utter_message(text=say("language_set", lang))
        return [SlotSet(LANGUAGE, lang)]
