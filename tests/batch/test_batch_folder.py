"""`prescreen batch --fhir-dir` as a user runs it: a real process on the synthetic cohort."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from batch.candidates import has_icc_condition
from eligibility import screen
from fhir_ingest.sources import DirSource

REPO = Path(__file__).resolve().parents[2]
PRESCREEN = str(Path(sys.executable).parent / "prescreen")
COHORT = REPO / "data" / "synthetic" / "bundles"
AS_OF = "2026-11-24"


def batch(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([PRESCREEN, "batch", *args], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("folder") / "night.jsonl"
    done = batch("--fhir-dir", str(COHORT), "--as-of", AS_OF, "--out", str(out), "--workers", "2")
    assert done.returncode == 0, done.stderr
    return out


def test_every_icc_patient_once_with_the_reports_of_check(folder_run):
    source = DirSource(COHORT)
    expected = [p for p in source.patient_ids() if has_icc_condition(source.load(p).resources)]
    assert len(expected) >= 20
    lines = read_jsonl(folder_run)
    assert sorted(x["patient"] for x in lines) == sorted(f"Patient/{p}" for p in expected)
    for line in lines:
        pid = line["patient"].removeprefix("Patient/")
        assert line == screen(source.load(pid).resources, AS_OF).to_dict(), pid


def test_check_prints_the_same_report(folder_run):
    line = next(x for x in read_jsonl(folder_run) if x["patient"] == "Patient/icc-001")
    check = subprocess.run([PRESCREEN, "check", "icc-001", "--fhir-dir", str(COHORT), "--as-of", AS_OF],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout) == line


def test_summaries_next_to_the_output(folder_run):
    csv_path, html_path = folder_run.with_suffix(".csv"), folder_run.with_suffix(".html")
    rows = list(csv.DictReader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
    lines = read_jsonl(folder_run)
    assert len(rows) == len(lines)
    by_verdict = {}
    for x in lines:
        by_verdict[x["verdict"]] = by_verdict.get(x["verdict"], 0) + 1
    page = html_path.read_text(encoding="utf-8")
    for section in ("Verdicts", "Attrition funnel", "Most often missing", "Patients"):
        assert f"<h2>{section}</h2>" in page
    assert f"<td class=n>{len(lines)}</td>" in page
    assert "icc-001" in page and "<script" not in page


def test_patients_file_and_unknown_patient_becomes_an_error_line(tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("icc-001\nno-such-patient\nicc-014\n")
    out = tmp_path / "r.jsonl"
    done = batch("--fhir-dir", str(COHORT), "--as-of", AS_OF, "--out", str(out), "--patients", str(ids))
    assert done.returncode == 0, done.stderr
    by = {x["patient"]: x for x in read_jsonl(out)}
    assert set(by) == {"Patient/icc-001", "Patient/no-such-patient", "Patient/icc-014"}
    assert by["Patient/no-such-patient"] == {
        "patient": "Patient/no-such-patient", "verdict": "error", "criteria": [],
        "error": by["Patient/no-such-patient"]["error"]}
    assert "not found" in by["Patient/no-such-patient"]["error"]
    assert by["Patient/icc-014"]["verdict"] != "error"  # on a list, non-ICC patients are screened too


def test_refuses_to_overwrite_and_resumes_a_finished_run(tmp_path):
    out = tmp_path / "r.jsonl"
    args = ("--fhir-dir", str(COHORT), "--as-of", AS_OF, "--out", str(out), "--no-progress")
    assert batch(*args).returncode == 0
    first = out.read_text()
    again = batch(*args)
    assert again.returncode != 0 and "--resume" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    resumed = batch(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_text() == first  # nothing left to do, nothing repeated
    other_day = batch(*args[:2], "--as-of", "2026-12-01", "--out", str(out), "--resume")
    assert other_day.returncode != 0 and "2026-11-24" in other_day.stderr


def test_refuses_to_run_without_a_source(tmp_path):
    # Quietly screening the synthetic cohort would look like a real run; `prescreen demo` does that.
    env = {k: v for k, v in os.environ.items() if k != "PRESCREEN_FHIR_BASE"}
    out = tmp_path / "r.jsonl"
    done = subprocess.run([PRESCREEN, "batch", "--out", str(out), "--no-progress"], capture_output=True,
                          text=True, timeout=300, env=env)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "prescreen: error: give --fhir-base URL or --fhir-dir DIR (or set PRESCREEN_FHIR_BASE)"]
    assert not out.exists()


@pytest.mark.parametrize("args,message", [
    (("--workers", "0"), "--workers"),
    (("--retry-errors",), "--retry-errors"),
    (("--since", "2026-01-01"), "--since"),
    (("--bulk",), "--bulk needs a FHIR server"),
    (("--as-of", "24/11/2026"), "--as-of"),
    (("--icc-code", "C22.1"), "--icc-code"),
])
def test_bad_arguments_are_one_line_errors(tmp_path, args, message):
    done = batch("--fhir-dir", str(COHORT), "--out", str(tmp_path / "r.jsonl"), *args)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr
