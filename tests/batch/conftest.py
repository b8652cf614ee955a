"""Batch test fixtures: one search-mode run over the HAPI cohort, shared by the server tests."""

from __future__ import annotations

import time

import pytest
from batchutil import AS_OF, batch, by_patient, read_jsonl


@pytest.fixture(scope="session")
def search_run(fhir_base, fhir_token, tmp_path_factory) -> dict[str, dict]:
    """{"Patient/id": report} of `prescreen batch` in search mode over the whole server."""
    out = tmp_path_factory.mktemp("search") / "night.jsonl"
    t0 = time.monotonic()
    done = batch("--fhir-base", fhir_base, "--as-of", AS_OF, "--out", str(out), "--workers", "4",
                 "--no-progress", token=fhir_token)
    assert done.returncode == 0, done.stderr
    print(f"search run: {time.monotonic() - t0:.1f} s")
    return by_patient(read_jsonl(out))
