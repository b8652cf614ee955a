"""Where the action server reads patient records, a per-process cache of them, and what users
are told when a record cannot be had.

The source is set by whoever starts the action server (`prescreen serve`): a FHIR server
(PRESCREEN_FHIR_BASE, auth from the usual PRESCREEN_FHIR_TOKEN / SMART variables) or a folder
(PRESCREEN_FHIR_DIR); the as-of date by PRESCREEN_AS_OF (default today). Slots hold only the
patient id and the answers; the record itself stays here, in memory.

A record is loaded once for a screening and kept while it is fresh (PRESCREEN_RECORD_CACHE_SECONDS,
default 600): every later turn of the conversation reuses it, and the engine's report for the same
record and answers is computed once (`report_for`). A load that takes longer than
PRESCREEN_RECORD_WAIT_SECONDS (default 8) goes on in the background while the action answers at
once that the record is loading (`RecordLoading`); the next turn picks the record up.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from typing import Any

from actions.messages import say
from common.options import as_of_or_today
from eligibility import Answer, Report, screen
from fhir_ingest.configure import source_from_env
from fhir_ingest.errors import (
    FhirAuthError,
    FhirBadResponse,
    FhirError,
    FhirUnreachable,
    IngestError,
    PatientNotFound,
)
from fhir_ingest.records import PatientRecord

CACHE_SECONDS = float(os.environ.get("PRESCREEN_RECORD_CACHE_SECONDS", "600"))
WAIT_SECONDS = float(os.environ.get("PRESCREEN_RECORD_WAIT_SECONDS", "8"))
CACHE_SIZE = 64
REPORTS_SIZE = 256


class RecordLoading(IngestError):
    """The record is still loading (a slow server): tell the user and let them come back."""

    def __init__(self, patient_id: str) -> None:
        self.patient_id = patient_id
        super().__init__("the record is still loading")


def as_of() -> date:
    return as_of_or_today(os.environ.get("PRESCREEN_AS_OF"))


def source_description(lang: str = "en") -> str:
    return say(
        "failure.source_folder" if os.environ.get("PRESCREEN_FHIR_DIR") else "failure.source_server", lang
    )


def failure_text(
    error: Exception, patient_id: str | None = None, audience: str = "clinician", lang: str = "en"
) -> str:
    """What a user is told when a record could not be loaded: the HTTP status and a generic
    reason, never the server's diagnostics (an OperationOutcome can hold names, MRNs, values).
    A patient is told even less: no status, no server details. In the conversation's language."""
    if patient_id and audience == "clinician":
        whose = say("failure.whose_patient", lang, patient=patient_id)
    else:
        whose = say("failure.whose", lang)
    source = source_description(lang)
    if isinstance(error, RecordLoading):
        return say("failure.loading", lang, whose=whose, source=source)
    if isinstance(error, PatientNotFound):
        return say("failure.not_found", lang, whose=whose, source=source)
    if audience != "clinician":
        return say("failure.later", lang, whose=whose)
    if isinstance(error, FhirAuthError):
        kind = "auth"
    elif isinstance(error, FhirUnreachable):
        kind = "unreachable"
    elif isinstance(error, FhirBadResponse):
        kind = "unreadable"
    elif isinstance(error, FhirError) and error.status is not None and error.status >= 500:
        kind = "internal"
    elif isinstance(error, FhirError):
        kind = "refused"
    else:
        kind = "other"
    reason = say(f"failure.reason.{kind}", lang)
    status = getattr(error, "status", None)
    if status:
        return say("failure.loaded_status", lang, whose=whose, reason=reason, status=status)
    return say("failure.loaded", lang, whose=whose, reason=reason)


class RecordCache:
    """patient id -> (loaded at, record). Loads run in a thread so the event loop stays free;
    two turns wanting the same record share one load."""

    def __init__(
        self, ttl: float = CACHE_SECONDS, size: int = CACHE_SIZE, wait: float = WAIT_SECONDS
    ) -> None:
        self.ttl = ttl
        self.size = size
        self.wait = wait
        self._items: OrderedDict[str, tuple[float, PatientRecord]] = OrderedDict()
        self._loading: dict[str, asyncio.Task] = {}
        # A background load that failed: its error answers the next turn (once, for a while),
        # so a failing server is reported instead of "still loading" again and again.
        self._failed: dict[str, tuple[float, BaseException]] = {}
        self._lock = threading.Lock()
        self._source: Any = None
        self.loads = 0  # how many times a source was asked (tests check the cache works)

    def source(self) -> Any:
        if self._source is None:
            self._source = source_from_env()
        return self._source

    def set_source(self, source: Any) -> None:
        """Tests and the terminal chat point the cache at a source directly."""
        with self._lock:
            self._source = source
            self._items.clear()
        self._loading.clear()
        self._failed.clear()
        REPORTS.clear()

    def _cached(self, patient_id: str) -> PatientRecord | None:
        with self._lock:
            hit = self._items.get(patient_id)
            if hit and time.monotonic() - hit[0] < self.ttl:
                self._items.move_to_end(patient_id)
                return hit[1]
        return None

    def _store(self, patient_id: str, record: PatientRecord) -> None:
        with self._lock:
            self._items[patient_id] = (time.monotonic(), record)
            self._items.move_to_end(patient_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    async def _fetch(self, patient_id: str) -> PatientRecord:
        self.loads += 1
        try:
            record = await asyncio.to_thread(self.source().load, patient_id)
            self._store(patient_id, record)
            return record
        except Exception as e:
            self._failed[patient_id] = (time.monotonic(), e)
            raise
        finally:
            self._loading.pop(patient_id, None)

    async def load(self, patient_id: str, fresh: bool = False) -> PatientRecord:
        """The record, from the cache when fresh enough (`fresh`: only a load started now or
        one already under way will do). Raises RecordLoading when it takes longer than `wait`."""
        if not fresh:
            hit = self._cached(patient_id)
            if hit is not None:
                return hit
        task = self._loading.get(patient_id)
        failed = self._failed.pop(patient_id, None)
        if task is None and failed is not None and time.monotonic() - failed[0] < self.ttl:
            raise failed[1]
        if task is None:
            task = asyncio.ensure_future(self._fetch(patient_id))
            task.add_done_callback(_consume)  # a load nobody waits for must not log "never retrieved"
            self._loading[patient_id] = task
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout=self.wait)
        except asyncio.TimeoutError:
            raise RecordLoading(patient_id) from None
        except Exception:
            self._failed.pop(patient_id, None)  # this caller saw the error: the next one retries
            raise

    def is_loading(self, patient_id: str) -> bool:
        return patient_id in self._loading


def _consume(task: asyncio.Task) -> None:
    if not task.cancelled():
        task.exception()


class ReportMemo:
    """The engine's report for (record, as-of, answers), computed once: a turn asks for the
    same report several times (the form's slot list, its question, the summary)."""

    def __init__(self, size: int = REPORTS_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple, tuple[PatientRecord, Report]] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get(self, record: PatientRecord, on: date, answers: Sequence[Answer]) -> Report:
        key = (
            id(record),
            on.isoformat(),
            tuple((a.question_id, repr(a.value), a.by, a.override) for a in answers),
        )
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] is record:
                self._items.move_to_end(key)
                return hit[1]
        report = screen(record.resources, on, list(answers))
        with self._lock:
            self._items[key] = (record, report)  # the record kept alive: its id cannot be reused
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return report


def report_for(record: PatientRecord, answers: Sequence[Answer] = ()) -> Report:
    return REPORTS.get(record, as_of(), answers)


RECORDS = RecordCache()
REPORTS = ReportMemo()


def loading_payload(error: Exception, patient_id: str) -> dict[str, Any]:
    """The custom payload of a "record is loading" reply: the Rasa channel (bot/rasa_channel.py)
    sees it, reverts the turn and replays its message on the user's next one."""
    return {"loading": True} if isinstance(error, RecordLoading) else {}


def failure_message(
    error: Exception, patient_id: str | None = None, audience: str = "clinician", lang: str = "en"
) -> dict[str, Any]:
    """Keyword arguments for dispatcher.utter_message: `failure_text`, and for a record still
    loading the payload that has the channel replay the message once it is there."""
    out: dict[str, Any] = {"text": failure_text(error, patient_id, audience, lang)}
    payload = loading_payload(error, patient_id or "")
    if payload:
        out["json_message"] = payload
    return out
