"""The same record through HAPI and through files gives the same report, patient by patient."""

from __future__ import annotations

from pathlib import Path

import pytest

from eligibility import screen
from fhir_ingest.configure import open_source
from fhir_ingest.sources import DirSource

REPO = Path(__file__).resolve().parent.parent
COHORT = REPO / "data" / "synthetic" / "bundles"
AS_OF = "2026-11-24"


@pytest.fixture(scope="module")
def server_source(fhir_base, fhir_token, monkeypatch_module):
    monkeypatch_module.setenv("PRESCREEN_FHIR_TOKEN", fhir_token)
    return open_source(fhir_base, None)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_identical_reports_from_hapi_and_from_files(server_source):
    files = DirSource(COHORT)
    ids = [p for p in files.patient_ids()]
    assert len(ids) >= 20
    assert set(ids) <= set(server_source.patient_ids())
    for pid in ids:
        from_files = screen(files.load(pid).resources, AS_OF).to_dict()
        from_server = screen(server_source.load(pid).resources, AS_OF).to_dict()
        assert from_server == from_files, pid
