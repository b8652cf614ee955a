"""Batch pieces on their own: the report file, the worker pool, summaries, candidates, limits."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import pytest

from batch import candidates as cand
from batch.outfile import OutFileError, ReportFile, RunState, prefix_of, read_lines, state_path
from batch.progress import Progress
from batch.ratelimit import RateLimiter
from batch.runner import PatientOutcome, error_line, one_line, run
from batch.summary import render_html, summarise, write_csv
from fhir_ingest.errors import FhirUnreachable, PatientNotFound


def report(pid: str, verdict: str = "needs_information", fails=(), unknown=("tuberculosis",)) -> dict:
    criteria = [{"id": c, "kind": "inclusion", "status": "fail", "reason": f"{c} failed", "evidence": []}
                for c in fails]
    criteria += [{"id": c, "kind": "exclusion", "status": "unknown", "reason": f"ask {c}", "evidence": []}
                 for c in unknown]
    return {"patient": f"Patient/{pid}", "trial": "NCT03951597", "as_of": "2026-11-24", "verdict": verdict,
            "criteria": criteria, "missing": list(unknown), "notes": [], "rules_version": "1",
            "input_hash": "x"}


def ok(pid: str) -> PatientOutcome:
    return PatientOutcome(pid, report(pid))


def lines(path: Path) -> list[dict]:
    return list(read_lines(path))


# --- the report file -------------------------------------------------------------------


def test_prefix_and_state_names():
    assert prefix_of(Path("runs/night.jsonl")) == Path("runs/night")
    assert prefix_of(Path("runs/night.out")) == Path("runs/night.out")
    assert state_path(Path("a/b.jsonl")) == Path("a/b.state.json")


def test_existing_file_needs_resume_or_overwrite(tmp_path):
    out = tmp_path / "r.jsonl"
    out.write_text(json.dumps(report("a")) + "\n")
    with pytest.raises(OutFileError, match="--resume"):
        ReportFile(out).prepare(resume=False, retry_errors=False, overwrite=False)
    f = ReportFile(out)
    assert f.prepare(resume=False, retry_errors=False, overwrite=True) == {}
    f.close()
    assert out.read_text() == ""


def test_resume_cuts_a_torn_last_line(tmp_path):
    out = tmp_path / "r.jsonl"
    whole = json.dumps(report("a")) + "\n"
    out.write_text(whole + json.dumps(report("b"))[:40])  # killed mid-write
    f = ReportFile(out)
    assert f.prepare(resume=True, retry_errors=False, overwrite=False) == {"a": "needs_information"}
    f.write(report("b"))
    f.close()
    assert [x["patient"] for x in lines(out)] == ["Patient/a", "Patient/b"]


def test_resume_refuses_a_broken_middle_line(tmp_path):
    out = tmp_path / "r.jsonl"
    out.write_text("not json\n" + json.dumps(report("a")) + "\n")
    with pytest.raises(OutFileError, match="line 1"):
        ReportFile(out).prepare(resume=True, retry_errors=False, overwrite=False)


def test_retry_errors_drops_error_lines(tmp_path):
    out = tmp_path / "r.jsonl"
    out.write_text(json.dumps(report("a")) + "\n" + json.dumps(error_line("b", "boom")) + "\n")
    f = ReportFile(out)
    assert f.prepare(resume=True, retry_errors=True, overwrite=False) == {"a": "needs_information"}
    f.close()
    assert [x["patient"] for x in lines(out)] == ["Patient/a"]


def test_run_state_round_trip(tmp_path):
    path = tmp_path / "s.json"
    RunState("2026-11-24", ["a", "b"], "http://x/fhir", "server", {"since": "t"}).save(path)
    back = RunState.load(path)
    assert back is not None and back.candidates == ["a", "b"] and back.extra == {"since": "t"}
    assert RunState.load(tmp_path / "none.json") is None


# --- the worker pool -------------------------------------------------------------------


def test_every_patient_exactly_once_whatever_the_order(tmp_path):
    out = ReportFile(tmp_path / "r.jsonl")
    out.prepare(resume=False, retry_errors=False, overwrite=False)
    ids = [f"p{i:03d}" for i in range(60)]

    def work(pid: str) -> PatientOutcome:
        time.sleep(0.001 * (hash(pid) % 7))  # finish out of order
        return ok(pid)

    result = run(ids + ids[:5], work, out, done={}, workers=8)
    out.close()
    got = [x["patient"] for x in lines(tmp_path / "r.jsonl")]
    assert sorted(got) == [f"Patient/{p}" for p in ids]
    assert result.complete and result.written == 60


def test_resume_skips_done_and_a_raising_worker_becomes_an_error_line(tmp_path):
    out = ReportFile(tmp_path / "r.jsonl")
    out.prepare(resume=False, retry_errors=False, overwrite=False)

    def work(pid: str) -> PatientOutcome:
        if pid == "bad":
            raise RuntimeError("engine bug\nsecond line")
        return ok(pid)

    result = run(["a", "bad", "c"], work, out, done={"a": "ineligible"}, workers=2)
    out.close()
    by = {x["patient"]: x for x in lines(tmp_path / "r.jsonl")}
    assert set(by) == {"Patient/bad", "Patient/c"}
    assert by["Patient/bad"] == {"patient": "Patient/bad", "verdict": "error",
                                 "error": "RuntimeError: engine bug", "criteria": []}
    assert result.counts == {"ineligible": 1, "error": 1, "needs_information": 1}


def test_systemic_failures_stop_the_run(tmp_path):
    out = ReportFile(tmp_path / "r.jsonl")
    out.prepare(resume=False, retry_errors=False, overwrite=False)
    down = FhirUnreachable(None, "http://x/fhir/Patient/1", base_url="http://x/fhir",
                           reason="connection refused")

    def work(pid: str) -> PatientOutcome:
        return PatientOutcome(
            pid, error_line(pid, one_line(down)), systemic="FHIR server unreachable: refused"
        )

    result = run([str(i) for i in range(200)], work, out, done={}, workers=2, max_systemic_failures=5)
    out.close()
    assert result.aborted == "5 patients in a row failed: FHIR server unreachable: refused"
    assert 5 <= result.written < 200


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals")
def test_sigint_finishes_in_flight_and_leaves_whole_lines(tmp_path):
    out = ReportFile(tmp_path / "r.jsonl")
    out.prepare(resume=False, retry_errors=False, overwrite=False)
    started = threading.Event()

    def work(pid: str) -> PatientOutcome:
        started.set()
        time.sleep(0.05)
        return ok(pid)

    threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    result = run([str(i) for i in range(500)], work, out, done={}, workers=4)
    out.close()
    assert result.interrupted and 0 < result.written < 500
    assert len(lines(tmp_path / "r.jsonl")) == result.written  # whole lines, one per patient


def test_one_line_errors():
    assert one_line(PatientNotFound("x", "folder f")) == "patient 'x' not found in folder f"
    assert one_line(ValueError("")) == "ValueError: ValueError"
    assert len(one_line(RuntimeError("y" * 1000))) == 300


# --- summaries -------------------------------------------------------------------------


def _summary_file(tmp_path: Path) -> Path:
    rows = [
        report("e1", "potentially_eligible", unknown=()),
        report("n1", "needs_information", unknown=("tuberculosis", "autoimmune")),
        report("i1", "ineligible", fails=("age", "platelets")),
        report("i2", "ineligible", fails=("platelets",), unknown=("tuberculosis",)),
        report("<script>alert(1)</script>", "ineligible", fails=("age",)),
        error_line("x1", "FHIR server error 500 on GET Patient/…: <b>boom</b> & more"),
        report("=cmd|' /C calc'!A0", "needs_information"),
    ]
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_summary_counts_funnel_and_missing(tmp_path):
    s = summarise(_summary_file(tmp_path))
    assert s.verdicts == {"potentially_eligible": 1, "needs_information": 2, "ineligible": 3, "error": 1}
    assert s.fails == {"age": 2, "platelets": 2}
    # i1 fails age and platelets: age (first in trial order) removes it; platelets only i2.
    assert s.removed == {"age": 2, "platelets": 1}
    assert s.missing_all["tuberculosis"] == 5 and s.missing_open["tuberculosis"] == 2
    assert [r.verdict for r in s.rows][0] == "potentially_eligible"


def test_html_escapes_everything(tmp_path):
    page = render_html(summarise(_summary_file(tmp_path)), title="T <x>", facts=[("source", "<img src=x>")])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>boom</b>" not in page and "&lt;b&gt;boom&lt;/b&gt; &amp; more" in page
    assert "<img" not in page and "T &lt;x&gt;" in page


def test_csv_has_one_row_per_patient_and_defuses_formulas(tmp_path):
    import csv

    path = tmp_path / "r.csv"
    write_csv(summarise(_summary_file(tmp_path)), path)
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 7
    assert {r["patient"] for r in rows} >= {"e1", "x1", "'=cmd|' /C calc'!A0"}
    i1 = next(r for r in rows if r["patient"] == "i1")
    assert i1["failed"] == "age; platelets" and "age: age failed" in i1["reasons"]
    assert next(r for r in rows if r["patient"] == "x1")["error"].startswith("FHIR server error 500")


# --- candidates ------------------------------------------------------------------------


def cond(system: str, code: str, status: str = "confirmed") -> dict:
    return {"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p"},
            "code": {"coding": [{"system": system, "code": code}]},
            "verificationStatus": {"coding": [{"code": status}]}}


@pytest.mark.parametrize("system,code,expected", [
    ("http://hl7.org/fhir/sid/icd-10-cm", "C22.1", True),
    ("http://hl7.org/fhir/sid/icd-10-cn", "C22.100x001", True),  # national extension, by stem
    ("http://hl7.org/fhir/sid/icd-10", "C22.1", True),
    ("http://snomed.info/sct", "109842005", True),
    ("http://hl7.org/fhir/sid/icd-10-cm", "C24.0", False),  # extrahepatic
    ("http://hl7.org/fhir/sid/icd-10-cm", "C22.0", False),  # HCC
    ("http://snomed.info/sct", "312104005", False),  # cholangiocarcinoma, site unspecified
])
def test_icc_conditions(system, code, expected):
    assert cand.has_icc_condition([cond(system, code)]) is expected


def test_entered_in_error_is_not_a_candidate():
    wrong = cond("http://hl7.org/fhir/sid/icd-10-cm", "C22.1", "entered-in-error")
    assert not cand.has_icc_condition([wrong])


def test_search_tokens_cover_every_icd10_system_and_snomed():
    tokens = cand.icc_tokens()
    for system in cand.ICD10_SYSTEMS:
        assert f"{system}|C22.1" in tokens
    assert "http://snomed.info/sct|109842005" in tokens
    assert cand.icc_tokens(["http://hl7.org/fhir/sid/icd-10-cn|C22.100x001"])[-1].endswith("x001")


def test_patients_file(tmp_path):
    f = tmp_path / "ids.txt"
    f.write_text("# tonight\nicc-001\n\nPatient/icc-002  # moved\nicc-001\n")
    assert cand.from_file(f) == ["icc-001", "icc-002"]
    f.write_text("icc-001\nnot an id!\n")
    with pytest.raises(cand.CandidateError, match="line 2"):
        cand.from_file(f)


# --- rate limit and progress -----------------------------------------------------------


def test_rate_limiter_spaces_requests():
    now = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    limiter = RateLimiter(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire()
    assert now[0] == pytest.approx(1.0)  # 5 requests at 4/s: the last one 1 s after the first
    assert waits == pytest.approx([0.25] * 4)


def test_progress_line_has_rate_and_eta():
    import io

    now = [0.0]
    p = Progress(10, stream=io.StringIO(), clock=lambda: now[0], already=["ineligible"])
    for _ in range(4):
        now[0] += 0.5
        p.advance("needs_information")
    text = p.line()
    assert "5/10" in text and "2.0/s" in text and "ETA 0:02" in text and "needs-info 4" in text


def test_bulk_never_sends_our_token_to_another_host():
    from batch.bulk import BulkClient, BulkError
    from fhir_ingest.auth import BearerToken
    from fhir_ingest.client import FhirClient
    from fhir_ingest.errors import FhirBadResponse

    bulk = BulkClient(FhirClient("http://127.0.0.1:9/fhir", auth=BearerToken("secret")))
    with pytest.raises(BulkError, match="another host"):
        bulk.wait("http://elsewhere.example/status?_jobId=1")
    manifest = {"output": [{"type": "Patient", "url": "https://files.example/out.ndjson"}]}
    with pytest.raises(BulkError, match="another host"):
        bulk.download(manifest, Path(tempfile.mkdtemp()))  # requiresAccessToken defaults to true
    with pytest.raises(FhirBadResponse, match="another server"):
        bulk.client.request("GET", "https://files.example/out.ndjson")  # the one request path refuses too
