"""The synthetic cohort against the engine: designed expectations, coverage, reproducibility."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eligibility import load_trial, screen
from fhir_ingest.sources import DirSource

REPO = Path(__file__).resolve().parent.parent
COHORT = REPO / "data" / "synthetic" / "bundles"
EXPECTED = json.loads((REPO / "data" / "synthetic" / "expected.json").read_text())
AS_OF = EXPECTED["as_of"]
PATIENTS = sorted(EXPECTED["patients"])


@pytest.fixture(scope="module")
def source() -> DirSource:
    return DirSource(COHORT)


@pytest.fixture(scope="module")
def reports(source):
    return {pid: screen(source.load(pid).resources, AS_OF) for pid in PATIENTS}


def test_cohort_has_at_least_twenty_candidates():
    assert len(PATIENTS) >= 20


@pytest.mark.parametrize("pid", PATIENTS)
def test_engine_matches_designed_expectations(reports, pid):
    want = EXPECTED["patients"][pid]
    got = {r.id: r.status for r in reports[pid].criteria}
    diffs = {
        cid: (want["criteria"][cid], got[cid])
        for cid in want["criteria"]
        if want["criteria"][cid] != got[cid]
    }
    assert diffs == {}, f"{pid} ({want['story']}): expected vs engine {diffs}"
    assert reports[pid].verdict == want["verdict"]


def test_every_status_the_record_can_produce_is_covered(reports):
    """Across the cohort each criterion shows every status the record alone can give it."""
    seen: dict[str, set[str]] = {}
    for report in reports.values():
        for r in report.criteria:
            seen.setdefault(r.id, set()).add(r.status)
    declared = {cid: set(entry) for cid, entry in EXPECTED["coverage"].items()}
    ids = [c.id for c in load_trial().criteria]
    assert sorted(declared) == sorted(ids)
    missing = {
        cid: declared[cid] - seen.get(cid, set()) for cid in ids if declared[cid] - seen.get(cid, set())
    }
    assert missing == {}
    # Every criterion the record can settle shows both a settled and an unsettled patient.
    for cid in ids:
        if cid in ("informed_consent", "investigator_judgment"):
            assert seen[cid] == {"pending"}
        else:
            assert "unknown" in seen[cid]


def test_reports_are_reproducible(source):
    pid = PATIENTS[0]
    a = screen(source.load(pid).resources, AS_OF).to_dict()
    b = screen(list(reversed(source.load(pid).resources)), AS_OF).to_dict()
    assert a == b


def test_every_failure_shows_evidence(reports):
    for pid, report in reports.items():
        for r in report.criteria:
            if r.status == "fail":
                assert r.evidence, f"{pid} {r.id} fails without evidence"
