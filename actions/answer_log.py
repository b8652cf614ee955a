"""The chat's seam to the screening log (screening_log/): a screening starts from the patient's
stored answers, every answer and correction given in the chat is stored, and each finished
screening is recorded (the coordinator's queue, the audit trail) and, with write-back on,
written to the FHIR server.

Four calls, made by the actions: `start` (a patient named), `saved` (answers taken),
`withdrawn` (an answer cleared), `finished` (the Verdict given). The store failing never stops
a conversation: the chat goes on, says once that answers are not being kept, and the failure
is logged without patient data.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.records import as_of
from actions.vocab import vocab
from common.wire import METADATA_KEY
from eligibility import Report
from screening_log import Reuse, Store, StoredAnswer, StoreError, enabled, open_store, reusable

log = logging.getLogger(__name__)

WRITE_BACK_ENV = "PRESCREEN_WRITE_BACK"
ANSWERS_SLOT = "answers"
STORE_DOWN = "(Answers are not being saved right now: the screening log is unavailable.)"


@dataclass(frozen=True)
class Who:
    subject: str
    role: str
    channel: str
    conversation: str

    def stamp(self) -> dict[str, str]:
        """Who gave an entry, as the store records it on answers and screenings."""
        return {"by": self.role, "subject": self.subject, "channel": self.channel}


def who(tracker: Tracker) -> Who | None:
    """The verified caller (token claims from the channel), or None: then nothing is stored."""
    if not enabled():
        return None
    meta = (tracker.latest_message or {}).get("metadata") or {}
    info = meta.get(METADATA_KEY) if isinstance(meta, dict) else None
    if not isinstance(info, dict) or info.get("role") not in ("clinician", "patient") or not info.get("sub"):
        return None
    # A front end (the web portal) may name its channel; plain webhook calls are "chat".
    channel = str(info.get("channel") or "chat")[:40]
    return Who(str(info["sub"]), info["role"], channel, tracker.sender_id)


@dataclass
class Started:
    """What `start` did: the text to say (or None) and the slot events for the re-used answers."""

    text: str | None = None
    events: list[EventType] = field(default_factory=list)


def start(tracker: Tracker, screening: Any) -> Started:
    """Load the patient's stored answers into `screening` (fresh, not stale, not superseded by a
    newer record entry), open a screening in the log, and say what is re-used."""
    caller = who(tracker)
    if caller is None:
        return Started()
    trial = vocab().trial
    try:
        store = open_store()
        history = store.answers(screening.patient_id, trial.id)
        reuse = reusable(
            history, trial, as_of(), resources=screening.record.resources if screening.record else None
        )
        _open(store, caller, screening.patient_id, as_of().isoformat(), reused=reuse.ids)
    except StoreError as e:
        log.warning("screening log unavailable at start: %s", e)
        return Started(text=STORE_DOWN)
    screening.answers = reuse.answers()
    text = describe_reuse(reuse, screening.audience)
    events: list[EventType] = [SlotSet(ANSWERS_SLOT, [a.to_dict() for a in screening.answers])]
    return Started(text=text, events=events)


def _open(store: Store, caller: Who, patient: str, day: str | None, reused: list[str] | None = None) -> str:
    """Open a screening of `patient` in the log, in this conversation; its id."""
    return store.start_screening(
        trial=vocab().trial.id,
        patient=patient,
        as_of=day,
        conversation=caller.conversation,
        reused=reused,
        **caller.stamp(),
    )


def saved(
    tracker: Tracker, screening: Any, qids: Iterable[str], kind: str = "answer", words: str | None = None
) -> None:
    """Store the screening's current answers to these questions, with the words that gave them:
    the latest message, or `words` (a confirmed rule-out: the words it restated, not the "yes")."""
    entries = []
    for qid in dict.fromkeys(qids):
        a = next((x for x in screening.answers if x.question_id == qid), None)
        if a is not None:
            entries.append((qid, a.value, bool(a.override)))
    words = (words or str((tracker.latest_message or {}).get("text") or ""))[:500] or None
    _append(tracker, screening, entries, kind=kind, words=words, lost="answer not stored")


def withdrawn(tracker: Tracker, screening: Any, qids: Iterable[str]) -> None:
    """Store that these answers were cleared ('change my answer about TB' with no new value)."""
    entries = [(qid, None, False) for qid in dict.fromkeys(qids) if qid in vocab().questions]
    _append(tracker, screening, entries, kind="withdrawn", words=None, lost="withdrawal not stored")


def _append(
    tracker: Tracker,
    screening: Any,
    entries: list[tuple[str, Any, bool]],
    *,
    kind: str,
    words: str | None,
    lost: str,
) -> None:
    """Append (question id, value, override) entries of one kind to the conversation's screening."""
    caller = who(tracker)
    if caller is None:
        return
    v = vocab()
    try:
        store = open_store()
        sid = store.open_screening(caller.conversation, screening.patient_id, v.trial.id)
        # the same on every entry: the patient, the screening, who said it in which words, the kind
        common = {"trial": v.trial.id, "patient": screening.patient_id, "screening_id": sid}
        common |= {"words": words, "kind": kind, **caller.stamp()}
        for qid, value, override in entries:
            criterion = v.question(qid).criterion
            store.add_answer(question_id=qid, criterion=criterion, value=value, override=override, **common)
    except StoreError as e:
        log.warning("screening log unavailable, %s: %s", lost, e)


async def finished(tracker: Tracker, screening: Any, report: Report) -> str | None:
    """Record the screening's outcome; with write-back on, write it to the FHIR server.
    Returns a line for the user when something went wrong (None otherwise)."""
    caller = who(tracker)
    if caller is None:
        return None
    trial = vocab().trial
    try:
        store = open_store()
        sid = store.open_screening(caller.conversation, screening.patient_id, trial.id)
        if sid is None:  # a conversation older than the log: open one now
            sid = _open(store, caller, screening.patient_id, report.as_of)
        from screening_log.queue import whom_to_ask

        store.finish_screening(sid, report.to_dict(), whom_to_ask(trial))
    except StoreError as e:
        log.warning("screening log unavailable at finish: %s", e)
        return STORE_DOWN
    if os.environ.get(WRITE_BACK_ENV, "").lower() not in ("1", "true", "yes", "on"):
        return None
    from writeback import write_back_screening

    outcome = await asyncio.to_thread(
        write_back_screening, store, sid, report, screening.answers, screening.record
    )
    if outcome.ok:
        return None
    if caller.role == "patient":
        return None  # the study team sees it in the queue; the patient's answers are kept
    return (
        f"Your answers are saved, but writing this screening to the FHIR server failed ({outcome.summary})."
    )


# --- what the chat says about re-used answers ------------------------------------------------


def _phrase(a: StoredAnswer) -> str:
    v = vocab()
    label = v.label(a.criterion)
    q = v.question(a.question_id)
    if q.follow_up:
        label = f"{label} ({a.question_id.replace('_', ' ')})"
    value = a.value
    if isinstance(value, str):
        value = value.replace("_", " ")
    return f"{label}: {value}"


def describe_reuse(reuse: Reuse, audience: str) -> str | None:
    if not (reuse.used or reuse.stale or reuse.superseded):
        return None
    lines: list[str] = []
    groups: dict[tuple[str, str, str], list[StoredAnswer]] = defaultdict(list)
    for a in reuse.used:
        groups[(a.by, a.day.isoformat(), a.subject)].append(a)
    for (by, day, subject), items in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        said = "; ".join(_phrase(a) for a in items)
        if audience == "patient":
            if by == "patient":
                lines.append(f"From your answers on {day}: {said}.")
            else:
                lines.append(f"Your care team already answered {len(items)} question(s) on {day}.")
        elif by == "clinician":
            lines.append(f"From the referring clinician's answers on {day} ({subject}): {said}.")
        else:
            lines.append(f"From the patient's own answers on {day}: {said}.")
    if reuse.stale:
        names = ", ".join(f"{vocab().label(a.criterion)} (answered {a.day.isoformat()})" for a in reuse.stale)
        lines.append(f"Asking again, older than their window: {names}.")
    if reuse.superseded:
        names = ", ".join(vocab().label(a.criterion) for a in reuse.superseded)
        lines.append(f"Not re-used, the record has newer entries: {names}.")
    if reuse.used:
        lines.append("Say 'change my answer about ...' to correct any of them.")
    return "\n".join(lines)
