"""The synthetic cohort against the engine: designed expectations, coverage, reproducibility."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eligibility import load_trial, screen
from fhir_ingest.sources import DirSource

REPO = Path(__file__).resolve().parent.parent
COHORT = REPO / "data" / "synthetic" / "bundles"
GENERATOR = REPO / "tools" / "generate_cohort.py"
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


def _generate(*args: str, python: tuple[str, ...] = (sys.executable,)) -> subprocess.CompletedProcess:
    return subprocess.run([*python, str(GENERATOR), *args], capture_output=True, text=True, timeout=120)


def test_committed_cohort_is_what_the_generator_writes():
    """--check regenerates everything in memory and compares it with data/synthetic/."""
    done = _generate("--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("ok: 44 patients")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_scale_mode_runs_on_the_standard_library_alone_and_is_seeded(tmp_path):
    # -S: no site-packages, so neither the app nor any installed package is importable.
    bare = (sys.executable, "-S")
    runs = {}
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        done = _generate("--count", "12", "--out", str(tmp_path / name), "--seed", seed, python=bare)
        assert done.returncode == 0, done.stderr
        runs[name] = _files(tmp_path / name)
    assert len(runs["a"]) == 13  # 12 patients and the Group
    assert runs["a"] == runs["b"]
    assert runs["a"] != runs["c"]
    group = json.loads(runs["a"]["group-gen-cohort.json"])["entry"][0]["resource"]
    assert group["quantity"] == 12
