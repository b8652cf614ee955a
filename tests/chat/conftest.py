"""Fixtures for the action tests: the synthetic cohort as the record source."""

from __future__ import annotations

import pytest
from chatsim import AS_OF, COHORT, Chat

from actions.records import RECORDS
from fhir_ingest.sources import DirSource


@pytest.fixture(autouse=True)
def cohort_source(monkeypatch):
    monkeypatch.setenv("PRESCREEN_AS_OF", AS_OF)
    RECORDS.set_source(DirSource(COHORT))
    yield RECORDS
    RECORDS.set_source(None)


@pytest.fixture
def chat() -> Chat:
    return Chat()
