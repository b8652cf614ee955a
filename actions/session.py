"""The course of a screening: start (a patient named, or "start over"), finish (the Verdict),
stop, go on after a rule-out, replies with no question pending, and "screen another patient".

Actions that may lead into the form set `next_step` (ask | finish | wait) and the rules
(data/rules.yml) branch on it, so the dialogue itself stays declarative.
"""

from __future__ import annotations

import dataclasses

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answer_log, render
from actions.common import (
    NAME_A_PATIENT,
    NO_CALLER,
    OWN_RECORD_ONLY,
    bot_text,
    deactivate_if_active,
    latest_intent,
    latest_text,
    next_step,
    patient_id_in,
    screening_or_say,
)
from actions.interpret import yes_no
from actions.page_payload import page_payload
from actions.records import failure_text, loading_payload, source_description
from actions.screening import (
    CLOSED,
    GO_ON,
    REPORT,
    VERDICT,
    Screening,
    caller_of,
    fresh_screening_events,
)
from fhir_ingest.errors import IngestError, PatientNotFound


class ActionStartScreening(Action):
    """A patient named (or "start over"): a fresh screening, the record loaded, two or three
    lines on what it settled; then the form asks, or the screening ends at once."""

    reuse_stored = True  # start from the patient's stored answers (actions/answer_log.py)

    def name(self) -> str:
        return "action_start_screening"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        caller = caller_of(tracker)
        if caller is None:
            dispatcher.utter_message(text=NO_CALLER)
            return next_step(tracker, "wait")
        pid = self.patient_wanted(tracker)
        if caller.role == "patient":
            if pid and pid != caller.patient:
                dispatcher.utter_message(text=OWN_RECORD_ONLY)
                return next_step(tracker, "wait")
            pid = caller.patient
        if not pid:
            dispatcher.utter_message(text=f"Which patient? {NAME_A_PATIENT}")
            return next_step(tracker, "wait")
        s = Screening(patient_id=pid, audience=caller.role)
        try:
            await s.load(fresh=True)
        except PatientNotFound:
            dispatcher.utter_message(
                text=f"I cannot find patient {pid} in {source_description()}. " "Please check the id."
            )
            return next_step(tracker, "wait")
        except IngestError as e:  # status and a generic reason only (actions/records.py)
            dispatcher.utter_message(**bot_text(failure_text(e, pid, caller.role), **loading_payload(e, pid)))
            return next_step(tracker, "wait")
        stored = answer_log.start(tracker, s) if self.reuse_stored else answer_log.Started()
        record_report = s.report(with_answers=False)
        plan = s.plan(record_report)
        dispatcher.utter_message(
            **bot_text(
                render.opening(record_report, s, len(plan)),
                patient=pid,
                settled_by_record=[r.id for r in record_report.criteria if r.status in ("pass", "fail")],
            )
        )
        if stored.text:
            dispatcher.utter_message(text=stored.text)
        events = fresh_screening_events(pid, caller.role) + stored.events
        return events + next_step(tracker, "ask" if plan else "finish")

    def patient_wanted(self, tracker: Tracker) -> str | None:
        return patient_id_in(tracker)


class ActionStartOver(ActionStartScreening):
    """Same patient, answers dropped (stored ones too: they stay in the history, unused here)."""

    reuse_stored = False

    def name(self) -> str:
        return "action_start_over"

    def patient_wanted(self, tracker: Tracker) -> str | None:
        return tracker.get_slot("patient_id")


class ActionFinishScreening(Action):
    def name(self) -> str:
        return "action_finish_screening"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return await finish(dispatcher, tracker, stopped=False)


class ActionStop(Action):
    def name(self) -> str:
        return "action_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [
            *deactivate_if_active(tracker),
            *await finish(dispatcher, tracker, stopped=True),
            SlotSet(CLOSED, True),
        ]


async def finish(dispatcher: CollectingDispatcher, tracker: Tracker, stopped: bool) -> list[EventType]:
    """The end of a screening: Verdict line, failures, unknowns, pending; slots verdict and
    screening_report (contract.md)."""
    s = await screening_or_say(dispatcher, tracker)
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


class ActionGoOn(Action):
    """'go on' after a rule-out (or after 'stop'): ask the remaining questions anyway."""

    def name(self) -> str:
        return "action_go_on"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return await go_on(dispatcher, tracker)


async def go_on(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    s = await screening_or_say(dispatcher, tracker)
    if s is None:
        return next_step(tracker, "wait")
    s.go_on = True
    report = s.report()
    plan = s.plan(report)
    if not plan:
        dispatcher.utter_message(text="There is nothing left to ask.")
        return [SlotSet(GO_ON, True), *next_step(tracker, "finish")]
    if report.verdict == "ineligible":
        dispatcher.utter_message(
            text="Going on with the remaining questions; they cannot change the verdict."
        )
    return [SlotSet(GO_ON, True), SlotSet(CLOSED, False), *next_step(tracker, "ask")]


class ActionReplyOutsideForm(Action):
    """yes / no / a number with no question pending: after a rule-out, yes = go on, no = stop."""

    def name(self) -> str:
        return "action_reply_outside_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        s = Screening.from_tracker(tracker)
        verdict = tracker.get_slot(VERDICT)
        answer = yes_no(latest_text(tracker), latest_intent(tracker))
        offered = s is not None and verdict == "ineligible" and not s.go_on and not tracker.get_slot(CLOSED)
        if offered and answer in ("yes", "no"):
            if answer == "yes":
                return await go_on(dispatcher, tracker)
            dispatcher.utter_message(
                text=f"Stopped. Screening of {s.patient_id}: Verdict: ineligible.\n" f"{NAME_A_PATIENT}"
            )
            return [SlotSet(CLOSED, True), *next_step(tracker, "wait")]
        if s is None:
            dispatcher.utter_message(text=f"No question is pending. {NAME_A_PATIENT}")
        elif verdict:
            dispatcher.utter_message(
                text=f"The screening of {s.patient_id} is complete. Name another patient, "
                "or say 'summary so far', 'start over' or 'change my answer about ...'."
            )
        else:
            dispatcher.utter_message(
                text="No question is pending. Say 'go on' to continue the screening of "
                f"{s.patient_id}, or 'summary so far'."
            )
        return next_step(tracker, "wait")


class ActionScreenAnother(Action):
    def name(self) -> str:
        return "action_screen_another"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        caller = caller_of(tracker)
        events = deactivate_if_active(tracker) + fresh_screening_events(None, None)
        if caller is not None and caller.role == "patient":
            dispatcher.utter_message(text=f"{OWN_RECORD_ONLY} Say 'start' to begin again.")
        else:
            dispatcher.utter_message(text=f"Screening cleared. {NAME_A_PATIENT}")
        return events
