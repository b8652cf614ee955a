"""One patient's screening as the slots hold it, and what the rules engine says about it.

Slots hold the patient id, the audience and the answers (with who gave them); the record
stays in the action server's cache (actions/records.py). Every turn re-runs the engine on
record + answers: it is pure and takes milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.language import conversation_lang
from actions.records import RECORDS, report_for
from actions.vocab import CHECKLIST, vocab
from common.wire import METADATA_KEY
from eligibility import Answer, Question, Report, next_questions
from fhir_ingest.records import PatientRecord

PATIENT, AUDIENCE, ANSWERS, GO_ON, CLOSED = "patient_id", "audience", "answers", "go_on", "closed"
VERDICT, REPORT, FOCUS, LAST_QUESTION, ASKED = (
    "verdict",
    "screening_report",
    "focus_question",
    "last_question",
    "asked",
)
REQUESTED = "requested_slot"
CHECKLIST_STATES = ("none", "named", "not_sure")
# Dialogue state beside the answers: a rule-out held for confirmation, unusable replies per
# question, a patient switch waiting for its confirmation, the conversation's language.
CONFIRMING, MISSES, SWITCH_TO, LANGUAGE = "confirming", "misses", "switch_to", "language"
# Grouped questions (clinicians): the tumour items when all three are unknown, ascites with
# encephalopathy. A group slot holding "not_sure" means: ask its items one by one.
TUMOUR, LIVER = "tumour_checklist", "liver_status"
GROUPS: dict[str, tuple[str, ...]] = {
    TUMOUR: ("unresectable", "measurable_lesion", "tissue_available"),
    LIVER: ("ascites", "encephalopathy"),
}


@dataclass(frozen=True)
class Caller:
    """Who is typing, as the channel verified it: role and, for a patient, their own id."""

    role: str
    patient: str | None = None


def caller_of(tracker: Tracker) -> Caller | None:
    meta = (tracker.latest_message or {}).get("metadata") or {}
    info = meta.get(METADATA_KEY) if isinstance(meta, dict) else None
    if not isinstance(info, dict) or info.get("role") not in ("clinician", "patient"):
        return None
    if info["role"] == "patient" and not info.get("patient"):
        return None
    return Caller(role=info["role"], patient=info.get("patient") if info["role"] == "patient" else None)


def question_slots() -> list[str]:
    return [*vocab().questions, CHECKLIST, *GROUPS]


def answers_from(raw: Any) -> list[Answer]:
    out = []
    for a in raw or []:
        if isinstance(a, dict) and a.get("question_id") in vocab().questions:
            out.append(
                Answer(
                    a["question_id"],
                    a.get("value"),
                    by=a.get("by", "clinician"),
                    override=bool(a.get("override", False)),
                    words=str(a.get("words") or ""),
                )
            )
    return out


def answer_dicts(answers: list[Answer]) -> list[dict[str, Any]]:
    return [a.to_dict() for a in answers]


def _checklist_state(value: Any) -> str | None:
    """The checklist slot once answered (none | named | not_sure); raw reply text is not an answer."""
    return value if value in CHECKLIST_STATES else None


@dataclass
class Screening:
    patient_id: str
    audience: str
    answers: list[Answer] = field(default_factory=list)
    go_on: bool = False
    checklist: str | None = None
    focus: str | None = None
    record: PatientRecord | None = None
    one_by_one: frozenset[str] = frozenset()  # groups to ask item by item
    lang: str = "en"  # the conversation's language (actions.language): the words, not the logic
    _reports: dict[tuple, Report] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> Screening | None:
        pid = tracker.get_slot(PATIENT)
        if not pid:
            return None
        return cls(
            patient_id=pid,
            audience=tracker.get_slot(AUDIENCE) or "clinician",
            answers=answers_from(tracker.get_slot(ANSWERS)),
            go_on=bool(tracker.get_slot(GO_ON)),
            checklist=_checklist_state(tracker.get_slot(CHECKLIST)),
            focus=tracker.get_slot(FOCUS),
            one_by_one=frozenset(g for g in GROUPS if tracker.get_slot(g) == "not_sure"),
            lang=conversation_lang(tracker),
        )

    async def load(self, fresh: bool = False) -> Screening:
        self.record = await RECORDS.load(self.patient_id, fresh=fresh)
        return self

    def report(self, with_answers: bool = True) -> Report:
        """The engine's report on record + answers; one turn asks for it many times (each
        finding is tried), so it is computed once per distinct set of answers."""
        assert self.record is not None, "load() first"
        answers = tuple(self.answers) if with_answers else ()
        key = (
            id(self.record),
            tuple((a.question_id, str(a.value), a.by, a.override, a.words) for a in answers),
        )
        hit = self._reports.get(key)
        if hit is None:
            # Memoised across turns too (actions/records.py): the same record and answers.
            hit = self._reports[key] = report_for(self.record, answers)
        return hit

    def _questions(self, report: Report) -> list[Question]:
        # After a rule-out, only a clinician's "go on" asks for the rest (which cannot change it).
        trial = vocab().trial
        return next_questions(trial, report, self.audience, self.answers, after_failure=self.go_on)

    def plan(self, report: Report) -> list[str]:
        """The slots still to request, in order: question ids, the checklist standing in for its
        items when two or more are pending. After a failure, only if the user chose to go on."""
        ids = [
            q.id
            for q in next_questions(
                vocab().trial, report, self.audience, self.answers, after_failure=self.go_on
            )
        ]
        v = vocab()
        if self.audience == "clinician":
            for group, members in GROUPS.items():
                if group not in self.one_by_one and all(m in ids for m in members):
                    at = ids.index(members[0])
                    ids = [i for i in ids if i not in members]
                    ids.insert(at, group)
        if self.audience == "clinician" and self.checklist is None:
            members = [i for i in ids if i in v.checklist_items]
            if len(members) >= v.checklist_min:
                at = ids.index(members[0])
                ids = [i for i in ids if i not in members]
                ids.insert(at, CHECKLIST)
        if self.focus in ids:
            ids.remove(self.focus)
            ids.insert(0, self.focus)
        return ids

    def members(self, slot: str, report: Report) -> list[str]:
        """The questions a grouped slot stands for (a single question stands for itself)."""
        if slot == CHECKLIST:
            return self.checklist_items(report)
        return list(GROUPS.get(slot, (slot,)))

    def checklist_items(self, report: Report) -> list[str]:
        """The history questions the checklist stands for right now."""
        saved, self.checklist = self.checklist, None
        try:
            ids = [q.id for q in self._questions(report)]
        finally:
            self.checklist = saved
        return [i for i in ids if i in vocab().checklist_items]

    def answer(self, qid: str, value: Any, words: str = "") -> None:
        """Record an answer (with the words it came from); a new answer replaces the old one."""
        self.answers = [a for a in self.answers if a.question_id != qid]
        self.answers.append(Answer(qid, value, by=self.audience, words=words))

    def forget(self, qids: list[str]) -> list[Answer]:
        """Drop the answers to these questions; returns what was dropped."""
        dropped = [a for a in self.answers if a.question_id in qids]
        self.answers = [a for a in self.answers if a.question_id not in qids]
        return dropped

    def answer_events(self) -> list[EventType]:
        return [SlotSet(ANSWERS, answer_dicts(self.answers))]


def fresh_screening_events(patient_id: str | None, audience: str | None) -> list[EventType]:
    """Slots of a new screening: nothing carries over from the previous patient."""
    events: list[EventType] = [
        SlotSet(PATIENT, patient_id),
        SlotSet(AUDIENCE, audience),
        SlotSet(ANSWERS, []),
        SlotSet(GO_ON, False),
        SlotSet(CLOSED, False),
        SlotSet(VERDICT, None),
        SlotSet(REPORT, None),
        SlotSet(FOCUS, None),
        SlotSet(LAST_QUESTION, None),
        SlotSet(ASKED, []),
        SlotSet(REQUESTED, None),
        SlotSet(CONFIRMING, None),
        SlotSet(MISSES, None),
        SlotSet(SWITCH_TO, None),
    ]
    events += [SlotSet(slot, None) for slot in question_slots()]
    return events
