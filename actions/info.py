"""Answers about the screening rather than to it: summary so far, why a question, what a term
means, greeting, help, and the fallback for anything out of scope."""

from __future__ import annotations

import re

from rasa_sdk.events import EventType, SlotSet

from actions import render
from actions.base import Chat, ChatAction
from actions.common import entity_values, form_active, latest_text, loaded_screening
from actions.language import sentences
from actions.messages import say
from actions.screening import (
    LANGUAGE,
    LAST_QUESTION,
    REQUESTED,
    Screening,
)
from actions.understand_zh import detect_language, language_switch, terms_in
from actions.vocab import find_phrases, vocab
from fhir_ingest.errors import IngestError


class ActionSummary(ChatAction):
    action_name = "action_summary"

    async def act(self, chat: Chat) -> list[EventType]:
        s = await chat.screening("lines.nothing_screened")
        if s is None:
            return []
        report = s.report()
        chat.dispatcher.utter_message(
            text=render.summary(report, s, len(s.plan(report)), s.report(with_answers=False))
        )
        return []


class ActionExplainWhy(ChatAction):
    action_name = "action_explain_why"

    async def act(self, chat: Chat) -> list[EventType]:
        tracker = chat.tracker
        qid = tracker.get_slot(REQUESTED) if form_active(tracker) else tracker.get_slot(LAST_QUESTION)
        report = s = None
        try:
            s = await loaded_screening(tracker)
            report = s.report() if s else None
        except IngestError:
            pass  # the reason from the trial data is still worth giving
        chat.dispatcher.utter_message(text=render.why(qid, report, s, chat.lang))
        return []


class ActionExplainTerm(ChatAction):
    action_name = "action_explain_term"

    async def act(self, chat: Chat) -> list[EventType]:
        g = vocab().glossary
        words = {k: tuple(str(w).lower() for w in entry["words"]) for k, entry in g.items()}
        message = latest_text(chat.tracker)
        keys = [k for t in entity_values(chat.tracker, "term") for _, k, _ in find_phrases(t, words)]
        keys += [k for _, k, _ in find_phrases(message, words)]
        if detect_language(message) == "zh":
            keys += terms_in(message)  # Chinese words for the terms
        if not keys:
            chat.say("lines.which_term")
            return []
        chat.dispatcher.utter_message(
            text="\n".join(render.explain(k, chat.lang) for k in dict.fromkeys(keys))
        )
        return []


class ActionGreet(ChatAction):
    action_name = "action_greet"

    async def act(self, chat: Chat) -> list[EventType]:
        if chat.caller is not None and chat.caller.role == "patient":
            chat.say("lines.greet_patient")
        else:
            greet = sentences(
                chat.lang, say("lines.greet_clinician", chat.lang), say("lines.name_a_patient", chat.lang)
            )
            chat.dispatcher.utter_message(text=greet)
        return []


class ActionHelp(ChatAction):
    action_name = "action_help"

    async def act(self, chat: Chat) -> list[EventType]:
        chat.say("lines.help")
        return []


class ActionOutOfScope(ChatAction):
    action_name = "action_out_of_scope"

    async def act(self, chat: Chat) -> list[EventType]:
        if form_active(chat.tracker):
            chat.say("lines.out_of_scope_form")
        else:
            chat.dispatcher.utter_message(
                text=sentences(chat.lang, say("lines.out_of_scope", chat.lang), say("lines.help", chat.lang))
            )
        return []


class ActionSwitchLanguage(ChatAction):
    """'中文' / 'English please': the conversation's language (texts and answer reading)."""

    action_name = "action_switch_language"

    async def act(self, chat: Chat) -> list[EventType]:
        text = latest_text(chat.tracker)
        lang = language_switch(text) or (
            "zh" if re.search(r"[\u4e00-\u9fff]|chinese|mandarin|zhongwen", text, re.I) else "en"
        )
        chat.dispatcher.utter_message(text=say("language_set", lang))
        events: list[EventType] = [SlotSet(LANGUAGE, lang)]
        # A question pending is asked again in the new language (the form waits for its answer).
        s = Screening.from_tracker(chat.tracker) if form_active(chat.tracker) else None
        if s is not None and chat.caller is not None:
            s.lang = lang
            try:
                await s.load()
            except IngestError:
                return events
            from actions.form import Turn, ValidateScreeningForm

            events += ValidateScreeningForm().ask(chat.dispatcher, s, chat.tracker, lang, Turn())
        return events
