"""Rules tests: every criterion of shared/spec/criteria.md, written from the spec.

Test classes carry ``CRITERION`` (the criterion id they pin down); builders.py builds the FHIR
resources and runs the engine (``eligibility.screen``)."""

from __future__ import annotations

import pytest
from builders import clean_patient


@pytest.fixture
def clean() -> list[dict]:
    """The clean record: passes every criterion the record alone can pass."""
    return clean_patient()
