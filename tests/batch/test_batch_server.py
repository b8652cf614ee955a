"""`prescreen batch` against the real HAPI server holding the synthetic cohort."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from batchutil import AS_OF, COHORT, batch, by_patient, icc_patients, read_jsonl, start_batch

try:
    from support.fault_proxy import FaultProxy
except ImportError:  # run from the repository root with rootdir on sys.path
    from tests.support.fault_proxy import FaultProxy


def test_search_finds_every_icc_patient_exactly_once(search_run):
    assert len(icc_patients()) >= 20
    assert sorted(search_run) == sorted(f"Patient/{p}" for p in icc_patients())
    assert not [x for x in search_run.values() if x["verdict"] == "error"]


def test_same_reports_as_check(search_run, fhir_base, fhir_token, monkeypatch):
    from bot.cli.check import run_check
    from fhir_ingest.configure import open_source

    monkeypatch.setenv("PRESCREEN_FHIR_TOKEN", fhir_token)
    source = open_source(fhir_base, None)
    for ref, line in search_run.items():
        pid = ref.removeprefix("Patient/")
        assert json.loads(run_check(pid, source, AS_OF, "json")) == line, pid


def test_check_command_agrees(search_run, fhir_base, fhir_token):
    import subprocess

    from batchutil import PRESCREEN, env_with

    for pid in ("icc-001", "icc-002", "icc-017"):
        check = subprocess.run([PRESCREEN, "check", pid, "--fhir-base", fhir_base, "--as-of", AS_OF],
                               capture_output=True, text=True, timeout=120, env=env_with(fhir_token))
        assert check.returncode == 0, check.stderr
        assert json.loads(check.stdout) == search_run[f"Patient/{pid}"]


def test_folder_run_gives_the_verdicts_of_the_server_run(search_run, tmp_path):
    out = tmp_path / "folder.jsonl"
    done = batch("--fhir-dir", str(COHORT), "--as-of", AS_OF, "--out", str(out), "--no-progress")
    assert done.returncode == 0, done.stderr
    folder = by_patient(read_jsonl(out))
    assert folder.keys() == search_run.keys()
    diff = {p: (folder[p]["verdict"], search_run[p]["verdict"]) for p in folder
            if folder[p]["verdict"] != search_run[p]["verdict"]}
    assert not diff
    failed = {p: ({c["id"] for c in folder[p]["criteria"] if c["status"] == "fail"},
                  {c["id"] for c in search_run[p]["criteria"] if c["status"] == "fail"}) for p in folder}
    assert not {p: f for p, f in failed.items() if f[0] != f[1]}


def test_group_members(fhir_base, fhir_token, tmp_path, search_run):
    out = tmp_path / "group.jsonl"
    done = batch("--fhir-base", fhir_base, "--as-of", AS_OF, "--out", str(out), "--group", "icc-cohort",
                 "--no-progress", token=fhir_token)
    assert done.returncode == 0, done.stderr
    group = by_patient(read_jsonl(out))
    members = json.loads((COHORT / "group-icc-cohort.json").read_text())["entry"][0]["resource"]["member"]
    assert sorted(group) == sorted(m["entity"]["reference"] for m in members)
    for ref, line in search_run.items():
        assert group[ref] == line


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_and_resumed_run_loses_and_repeats_nothing(fhir_base, fhir_token, tmp_path, search_run, sig):
    out = tmp_path / "night.jsonl"
    args = ("--fhir-base", fhir_base, "--as-of", AS_OF, "--out", str(out), "--no-progress")
    # Slowed down (10 requests/s, about one patient a second) so that the kill lands mid-run.
    proc = start_batch(*args, "--workers", "2", "--rate", "10", token=fhir_token)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 5):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.2)
        proc.send_signal(sig)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    before = read_jsonl(out)
    assert 5 <= len(before) < len(search_run), "the kill should land mid-run"
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        assert out.read_bytes().endswith(b"\n")  # a clean stop leaves whole lines only
    resumed = batch(*args, "--resume", "--workers", "4", token=fhir_token)
    assert resumed.returncode == 0, resumed.stderr
    after = read_jsonl(out)
    assert after[: len(before)] == before  # what was written stays as it was
    assert by_patient(after) == search_run  # each patient exactly once, the same reports


def test_faults_become_retries(fhir_base, fhir_token, tmp_path, search_run):
    out = tmp_path / "faults.jsonl"
    with FaultProxy(fhir_base) as proxy:
        proxy.inject("429", times=3, path_regex=r"/Observation\?", retry_after=1)
        proxy.inject("503", times=2, path_regex=r"/Condition\?patient")
        proxy.inject("502", times=1, path_regex=r"/Patient/icc-0")
        done = batch("--fhir-base", proxy.base_url, "--as-of", AS_OF, "--out", str(out), "--no-progress",
                     token=fhir_token)
        assert done.returncode == 0, done.stderr
        assert proxy.count(fault="429") == 3 and proxy.count(fault="503") == 2
        assert proxy.count(fault="502") == 1
    assert by_patient(read_jsonl(out)) == search_run


def test_a_patient_that_keeps_failing_becomes_an_error_line(fhir_base, fhir_token, tmp_path, search_run):
    out = tmp_path / "faults.jsonl"
    with FaultProxy(fhir_base) as proxy:
        proxy.inject("503", times=1000, path_regex=r"/AllergyIntolerance\?patient=icc-007(&|$)")
        done = batch("--fhir-base", proxy.base_url, "--as-of", AS_OF, "--out", str(out), "--no-progress",
                     "--retries", "2", token=fhir_token)
    assert done.returncode == 0, done.stderr
    lines = by_patient(read_jsonl(out))
    assert lines.keys() == search_run.keys()
    bad = lines.pop("Patient/icc-007")
    assert bad["verdict"] == "error" and bad["criteria"] == []
    assert "503" in bad["error"] and "\n" not in bad["error"]
    assert "icc-007" not in bad["error"]  # query values are elided from messages
    assert lines == {p: x for p, x in search_run.items() if p != "Patient/icc-007"}


def test_server_down_stops_the_run_with_one_line(tmp_path, fhir_token):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ids = tmp_path / "ids.txt"
    ids.write_text("".join(f"p{i}\n" for i in range(40)))
    out = tmp_path / "r.jsonl"
    done = batch("--fhir-base", f"http://127.0.0.1:{port}/fhir", "--out", str(out), "--patients", str(ids),
                 "--no-progress", token=fhir_token)
    assert done.returncode == 1  # a runtime failure; 2 is for usage errors
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("prescreen: error: stopped:") and "--resume --retry-errors" in last
    assert "connection refused" in last and "Patient/p" not in last  # no patient id on stderr
    assert 10 <= len(read_jsonl(out)) < 40


def test_unreachable_server_for_the_candidate_search_is_one_line(tmp_path):
    done = batch("--fhir-base", "http://127.0.0.1:9/fhir", "--out", str(tmp_path / "r.jsonl"),
                 "--no-progress")
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1


def test_resume_with_retry_errors_screens_them_again(fhir_base, fhir_token, tmp_path, search_run):
    out = tmp_path / "r.jsonl"
    lines = list(search_run.values())
    broken = {"patient": lines[0]["patient"], "verdict": "error", "error": "x", "criteria": []}
    out.write_text("".join(json.dumps(x) + "\n" for x in [broken, *lines[1:]]))
    Path(str(out).removesuffix(".jsonl") + ".state.json").write_text(json.dumps(
        {"version": 1, "as_of": AS_OF, "source": fhir_base, "mode": "server",
         "candidates": [x["patient"].removeprefix("Patient/") for x in lines]}))
    done = batch("--fhir-base", fhir_base, "--out", str(out), "--resume", "--retry-errors", "--no-progress",
                 token=fhir_token)
    assert done.returncode == 0, done.stderr
    assert by_patient(read_jsonl(out)) == search_run
