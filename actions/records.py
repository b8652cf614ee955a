"""Where the action server reads patient records, and a small in-memory cache of them.

The source is set by whoever starts the action server (`prescreen serve`): a FHIR server
(PRESCREEN_FHIR_BASE, auth from the usual PRESCREEN_FHIR_TOKEN / SMART variables) or a folder
(PRESCREEN_FHIR_DIR); the as-of date by PRESCREEN_AS_OF (default today). Slots hold only the
patient id and the answers; the record itself stays here, in memory, for a few minutes.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import OrderedDict
from datetime import date
from typing import Any

from common.options import as_of_or_today
from fhir_ingest.configure import source_from_env
from fhir_ingest.records import PatientRecord

CACHE_SECONDS = float(os.environ.get("PRESCREEN_RECORD_CACHE_SECONDS", "600"))
CACHE_SIZE = 64


def as_of() -> date:
    return as_of_or_today(os.environ.get("PRESCREEN_AS_OF"))


def source_description() -> str:
    if os.environ.get("PRESCREEN_FHIR_DIR"):
        return "the record folder"
    return "the FHIR server"


class RecordCache:
    """patient id -> (loaded at, record); loads run in a thread so the event loop stays free."""

    def __init__(self, ttl: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[str, tuple[float, PatientRecord]] = OrderedDict()
        self._lock = threading.Lock()
        self._source: Any = None

    def source(self) -> Any:
        if self._source is None:
            self._source = source_from_env()
        return self._source

    def set_source(self, source: Any) -> None:
        """Tests and the terminal chat point the cache at a source directly."""
        with self._lock:
            self._source = source
            self._items.clear()

    def _cached(self, patient_id: str) -> PatientRecord | None:
        with self._lock:
            hit = self._items.get(patient_id)
            if hit and time.monotonic() - hit[0] < self.ttl:
                self._items.move_to_end(patient_id)
                return hit[1]
        return None

    async def load(self, patient_id: str, fresh: bool = False) -> PatientRecord:
        if not fresh:
            hit = self._cached(patient_id)
            if hit is not None:
                return hit
        source = self.source()
        record = await asyncio.to_thread(source.load, patient_id)
        with self._lock:
            self._items[patient_id] = (time.monotonic(), record)
            self._items.move_to_end(patient_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return record


RECORDS = RecordCache()
