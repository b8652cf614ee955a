"""actions/records.py: a record is loaded once per screening and shared; a slow load answers
at once and finishes in the background; a background failure is reported on the next turn."""

from __future__ import annotations

import asyncio
import threading

import pytest

from actions.records import RecordCache, RecordLoading, failure_text
from fhir_ingest.errors import FhirError, PatientNotFound


class Source:
    """A real folder source with a gate: a fault at the boundary (slowness, failure)."""

    def __init__(self, delay: float = 0.0, fail: BaseException | None = None) -> None:
        from fhir_ingest.sources import DirSource
        from tests.service.conftest import COHORT

        self.inner = DirSource(COHORT)
        self.delay, self.fail, self.calls = delay, fail, 0
        self.lock = threading.Lock()

    def load(self, pid: str):
        with self.lock:
            self.calls += 1
        if self.delay:
            threading.Event().wait(self.delay)
        if self.fail is not None:
            raise self.fail
        return self.inner.load(pid)


def run(coro):
    return asyncio.run(coro)


def test_concurrent_turns_share_one_load_and_later_turns_use_the_cache():
    cache = RecordCache(ttl=60, wait=5)
    src = Source(delay=0.3)
    cache.set_source(src)

    async def go():
        a, b = await asyncio.gather(cache.load("icc-001"), cache.load("icc-001"))
        c = await cache.load("icc-001")
        return a, b, c

    a, b, c = run(go())
    assert a is b is c and src.calls == 1


def test_stale_record_is_loaded_again():
    cache = RecordCache(ttl=0.0, wait=5)
    src = Source()
    cache.set_source(src)
    run(cache.load("icc-001"))
    run(cache.load("icc-001"))
    assert src.calls == 2


def test_slow_load_answers_loading_then_the_record_is_there():
    cache = RecordCache(ttl=60, wait=0.2)
    src = Source(delay=1.0)
    cache.set_source(src)

    async def go():
        with pytest.raises(RecordLoading):
            await cache.load("icc-002")
        await asyncio.sleep(1.5)
        return await cache.load("icc-002")

    assert run(go()).patient_id == "icc-002" and src.calls == 1


def test_background_failure_is_reported_on_the_next_turn_then_retried():
    cache = RecordCache(ttl=60, wait=0.1)
    src = Source(delay=0.5, fail=FhirError(503, "http://x/Patient/icc-003", "Wenbin Li MRN ZS20260037"))
    cache.set_source(src)

    async def go():
        with pytest.raises(RecordLoading):
            await cache.load("icc-003")
        await asyncio.sleep(1.0)
        with pytest.raises(FhirError) as seen:
            await cache.load("icc-003")
        return seen.value

    err = run(go())
    text = failure_text(err, "icc-003", "clinician")
    assert "HTTP 503" in text and "Wenbin" not in text and "ZS20260037" not in text
    assert "503" not in failure_text(err, "icc-003", "patient")
    assert "icc-003" not in failure_text(PatientNotFound("icc-003", "x"), "icc-003", "patient")
