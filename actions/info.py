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
    entity_values,
    form_active,
    latest_text,
    loaded_screening,
    screening_or_say,
)
from actions.language import conversation_lang, sentences
from actions.messages import say
from actions.screening import (
    LANGUAGE,
    LAST_QUESTION,
    REQUESTED,
    Screening,
    caller_of,
)
from actions.understand_zh import detect_language, language_switch, terms_in
from actions.vocab import find_phrases, vocab
from fhir_ingest.errors import IngestError


class ActionSummary(Action):
    def name(self) -> str:
        return "action_summary"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        s = await screening_or_say(dispatcher, tracker, "lines.nothing_screened")
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
        dispatcher.utter_message(text=render.why(qid, report, s, conversation_lang(tracker)))
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
        lang = conversation_lang(tracker)
        if detect_language(latest_text(tracker)) == "zh":
            keys += terms_in(latest_text(tracker))  # Chinese words for the terms
        if not keys:
            dispatcher.utter_message(text=say("lines.which_term", lang))
            return []
        dispatcher.utter_message(text="\n".join(render.explain(k, lang) for k in dict.fromkeys(keys)))
        return []


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        caller = caller_of(tracker)
        lang = conversation_lang(tracker)
        if caller is not None and caller.role == "patient":
            dispatcher.utter_message(text=say("lines.greet_patient", lang))
        else:
            greet = sentences(lang, say("lines.greet_clinician", lang), say("lines.name_a_patient", lang))
            dispatcher.utter_message(text=greet)
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
    return say("lines.help", conversation_lang(tracker))


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = conversation_lang(tracker)
        text = sentences(lang, say("lines.out_of_scope", lang), help_text(tracker))
        if form_active(tracker):
            text = say("lines.out_of_scope_form", lang)
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
        lang = language_switch(text) or (
            "zh" if re.search(r"[\u4e00-\u9fff]|chinese|mandarin|zhongwen", text, re.I) else "en"
        )
        dispatcher.utter_message(text=say("language_set", lang))
        events: list[EventType] = [SlotSet(LANGUAGE, lang)]
        # A question pending is asked again in the new language (the form waits for its answer).
        s = Screening.from_tracker(tracker) if form_active(tracker) else None
        if s is not None and caller_of(tracker) is not None:
            s.lang = lang
            try:
                await s.load()
            except IngestError:
                return events
            from actions.form import Turn, ValidateScreeningForm

            events += ValidateScreeningForm().ask(dispatcher, s, tracker, lang, Turn())
        return events
