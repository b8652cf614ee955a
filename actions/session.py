"""The course of a screening: start (a patient named, or "start over"), finish (the Verdict),
stop, go on after a rule-out, replies with no question pending, and "screen another patient".

Actions that may lead into the form set `next_step` (ask | finish | wait) and the rules
(data/rules.yml) branch on it, so the dialogue itself stays declarative.
"""

from __future__ import annotations

import dataclasses

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answer_log, policy, render
from actions.base import Chat, ChatAction
from actions.common import (
    ID_AFTER,
    REQUEST_WORDS,
    bot_text,
    deactivate_if_active,
    latest_intent,
    latest_text,
    next_step,
    patient_id_in,
)
from actions.language import claimed, sentences
from actions.messages import say
from actions.page_payload import page_payload
from actions.records import as_of, failure_text, loading_payload
from actions.screening import (
    CLOSED,
    CONFIRMING,
    GO_ON,
    LANGUAGE,
    REPORT,
    VERDICT,
    Screening,
    caller_of,
    fresh_screening_events,
)
from actions.understand import bare, extract
from fhir_ingest.errors import IngestError, PatientNotFound


class ActionStartScreening(ChatAction):
    """A patient named (or "start over"): a fresh screening, the record loaded, two or three
    lines on what it settled, and whatever the opening message itself said about the patient
    recorded ("id 123, unresectable, never had IO"); then the form asks, or the screening ends."""

    action_name = "action_start_screening"

    async def act(self, chat: Chat) -> list[EventType]:
        tracker, caller = chat.tracker, chat.caller
        # A screening starts in the invite's language when the channel passed one (a portal's
        # new session); else the conversation's.
        lang = claimed(tracker) or chat.lang
        if caller is None:
            chat.dispatcher.utter_message(text=say("lines.no_caller", lang))
            return next_step(tracker, "wait")
        pid = self.patient_wanted(tracker)
        if caller.role == "patient":
            if pid and pid != caller.patient:
                chat.dispatcher.utter_message(text=say("lines.own_record_only", lang))
                return next_step(tracker, "wait")
            pid = caller.patient
        if not pid:
            chat.dispatcher.utter_message(text=say("which_patient", lang))
            return next_step(tracker, "wait")
        opening = latest_text(tracker) if self.reads_opening else ""
        started = await begin(chat.dispatcher, pid, caller.role, lang, opening, tracker, self.reuse_stored)
        if started is None:
            return next_step(tracker, "wait")
        s, events = started
        return [
            *deactivate_if_active(tracker),
            *events,
            SlotSet(LANGUAGE, lang),  # the conversation's language, held from its first screening
            *next_step(tracker, "ask" if s.plan(s.report()) else "finish"),
        ]

    reads_opening = True
    reuse_stored = True  # start from the patient's stored answers (actions/answer_log.py)

    def patient_wanted(self, tracker: Tracker) -> str | None:
        return patient_id_in(tracker)


async def begin(
    dispatcher: CollectingDispatcher,
    pid: str,
    role: str,
    lang: str,
    opening: str = "",
    tracker: Tracker | None = None,
    reuse_stored: bool = True,
) -> tuple[Screening, list[EventType]] | None:
    """Load a patient's record and say what it settled; re-use the patient's stored answers
    (actions/answer_log.py); record what the opening message said. None (after saying so) when
    the record cannot be loaded: an unknown id gets one line."""
    s = Screening(patient_id=pid, audience=role, lang=lang)
    try:
        await s.load(fresh=True)
    except PatientNotFound:
        dispatcher.utter_message(text=say("cannot_find", lang, patient=pid))
        return None
    except IngestError as e:  # status and a generic reason only (actions/records.py)
        dispatcher.utter_message(**bot_text(failure_text(e, pid, role, lang), **loading_payload(e, pid)))
        return None
    stored = (
        answer_log.start(tracker, s) if tracker is not None and reuse_stored else answer_log.Started()
    )
    record_report = s.report(with_answers=False)
    events = fresh_screening_events(pid, role) + stored.events
    said = ""
    if opening:
        taken = policy.take(s, extract(opening, lang, None, role, as_of()), set())
        if taken.recorded:
            said = "\n" + say("noted", lang, patient=pid, items=policy.noted(taken.recorded, lang))
        if taken.confirm is not None:
            c = taken.confirm
            events.append(
                SlotSet(CONFIRMING, {"question_id": c.question_id, "value": c.value, "words": c.words})
            )
        events += s.answer_events()
    plan = s.plan(s.report())
    dispatcher.utter_message(
        **bot_text(
            render.opening(record_report, s, len(plan)) + said,
            patient=pid,
            settled_by_record=[r.id for r in record_report.criteria if r.status in ("pass", "fail")],
        )
    )
    if stored.text:
        dispatcher.utter_message(text=stored.text)
    return s, events


class ActionStartOver(ActionStartScreening):
    """Same patient, answers dropped (stored ones too: they stay in the history, unused here)."""

    action_name = "action_start_over"
    reuse_stored = False
    reads_opening = False

    def patient_wanted(self, tracker: Tracker) -> str | None:
        return tracker.get_slot("patient_id")


class ActionFinishScreening(ChatAction):
    action_name = "action_finish_screening"

    async def act(self, chat: Chat) -> list[EventType]:
        return await finish(chat, stopped=False)


class ActionStop(ChatAction):
    action_name = "action_stop"

    async def act(self, chat: Chat) -> list[EventType]:
        return [
            *deactivate_if_active(chat.tracker),
            *await finish(chat, stopped=True),
            SlotSet(CLOSED, True),
        ]


async def finish(chat: Chat, stopped: bool) -> list[EventType]:
    """The end of a screening: Verdict line, failures, unknowns, pending; slots verdict and
    screening_report (contract.md)."""
    dispatcher, tracker = chat.dispatcher, chat.tracker
    s = await chat.screening()
    if s is None:
        return []
    report = s.report()
    remaining = 0
    if report.verdict == "ineligible" and not s.go_on:
        remaining = len(dataclasses.replace(s, go_on=True, focus=None).plan(report))
    dispatcher.utter_message(
        **bot_text(
            render.finish(report, s, remaining, stopped=stopped),
            verdict=report.verdict,
            patient=s.patient_id,
            **page_payload(s, report),  # the clinician page's criteria panel
        )
    )
    trouble = await answer_log.finished(tracker, s, report)
    if trouble:
        dispatcher.utter_message(text=trouble)
    return [SlotSet(VERDICT, report.verdict), SlotSet(REPORT, report.to_dict())]


class ActionGoOn(ChatAction):
    """'go on' after a rule-out (or after 'stop'): ask the remaining questions anyway."""

    action_name = "action_go_on"

    async def act(self, chat: Chat) -> list[EventType]:
        return await go_on(chat)


async def go_on(chat: Chat) -> list[EventType]:
    s = await chat.screening()
    if s is None:
        return next_step(chat.tracker, "wait")
    s.go_on = True
    report = s.report()
    plan = s.plan(report)
    if not plan:
        chat.say("lines.nothing_left")
        return [SlotSet(GO_ON, True), *next_step(chat.tracker, "finish")]
    if report.verdict == "ineligible":
        chat.say("lines.going_on")
    return [SlotSet(GO_ON, True), SlotSet(CLOSED, False), *next_step(chat.tracker, "ask")]


def names_a_patient(tracker: Tracker, s: Screening | None) -> bool:
    """A request naming a patient other than the one on screen, with no question pending."""
    caller = caller_of(tracker)
    pid = patient_id_in(tracker)
    if caller is None or caller.role != "clinician" or not pid or (s is not None and pid == s.patient_id):
        return False
    text = latest_text(tracker)
    return bool(REQUEST_WORDS.search(text) or ID_AFTER.search(text))


class ActionReplyOutsideForm(ChatAction):
    """yes / no / a number with no question pending: after a rule-out, yes = go on, no = stop."""

    action_name = "action_reply_outside_form"

    async def act(self, chat: Chat) -> list[EventType]:
        dispatcher, tracker, lang = chat.dispatcher, chat.tracker, chat.lang
        s = Screening.from_tracker(tracker)
        verdict = tracker.get_slot(VERDICT)
        answer = bare(latest_text(tracker), lang) or {"affirm": "yes", "deny": "no"}.get(
            latest_intent(tracker) or ""
        )
        offered = s is not None and verdict == "ineligible" and not s.go_on and not tracker.get_slot(CLOSED)
        if answer is None and names_a_patient(tracker, s):
            # an opening the NLU took for an answer ("58 y/o man with ICC, id 123, can he go on?")
            return await ActionStartScreening().act(chat)
        if offered and answer in ("yes", "no"):
            if answer == "yes":
                return await go_on(chat)
            verdict_line = say(
                "render.verdict_line", lang, verdict=say("render.verdict_words.ineligible", lang)
            )
            stopped = say("lines.stopped_ineligible", lang, patient=s.patient_id, verdict=verdict_line)
            dispatcher.utter_message(text=f"{stopped}\n{say('lines.name_a_patient', lang)}")
            return [SlotSet(CLOSED, True), *next_step(tracker, "wait")]
        if s is None:
            no_pending = sentences(lang, say("lines.no_pending", lang), say("lines.name_a_patient", lang))
            dispatcher.utter_message(text=no_pending)
        elif verdict:
            dispatcher.utter_message(text=say("lines.complete", lang, patient=s.patient_id))
        else:
            dispatcher.utter_message(text=say("lines.no_pending_go_on", lang, patient=s.patient_id))
        return next_step(tracker, "wait")


class ActionScreenAnother(ChatAction):
    action_name = "action_screen_another"

    async def act(self, chat: Chat) -> list[EventType]:
        events = deactivate_if_active(chat.tracker) + fresh_screening_events(None, None)
        if chat.caller is not None and chat.caller.role == "patient":
            chat.say("lines.own_record_restart")
        else:
            lang = chat.lang
            chat.dispatcher.utter_message(
                text=sentences(lang, say("lines.cleared", lang), say("lines.name_a_patient", lang))
            )
        return events
