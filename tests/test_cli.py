"""The `prescreen` command as a user runs it: a real process, real files, a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRESCREEN = str(Path(sys.executable).parent / "prescreen")
COHORT = str(REPO / "data" / "synthetic" / "bundles")
AS_OF = "2026-11-24"


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PRESCREEN, *args], capture_output=True, text=True, timeout=120, env=dict(os.environ, **(env or {}))
    )


def test_check_from_folder_prints_contract_json():
    out = run("check", "icc-001", "--fhir-dir", COHORT, "--as-of", AS_OF)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["patient"] == "Patient/icc-001"
    assert report["trial"] == "NCT03951597"
    assert report["as_of"] == AS_OF
    assert len(report["criteria"]) == 36
    assert report["missing"] == [c["id"] for c in report["criteria"] if c["status"] == "unknown"]
    assert len(report["input_hash"]) == 64


def test_check_text_leads_with_the_verdict():
    out = run("check", "icc-001", "--fhir-dir", COHORT, "--as-of", AS_OF, "--format", "text")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1].startswith("Verdict: ")


def test_unknown_patient_is_one_line_error_and_nonzero():
    out = run("check", "no-such-patient", "--fhir-dir", COHORT, "--as-of", AS_OF)
    assert out.returncode != 0
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    assert "no-such-patient" in out.stderr


def test_unreachable_server_is_one_line_error_and_nonzero():
    out = run("check", "icc-001", "--fhir-base", "http://127.0.0.1:9/fhir", "--as-of", AS_OF)
    assert out.returncode != 0
    assert len(out.stderr.strip().splitlines()) == 1


def test_bad_as_of_is_refused():
    out = run("check", "icc-001", "--fhir-dir", COHORT, "--as-of", "24/11/2026")
    assert out.returncode != 0
    assert "--as-of" in out.stderr


def test_unknown_patient_on_server(fhir_base, fhir_token):
    out = run("check", "no-such-patient", "--fhir-base", fhir_base, env={"PRESCREEN_FHIR_TOKEN": fhir_token})
    assert out.returncode != 0
    assert len(out.stderr.strip().splitlines()) == 1


def test_server_without_token_names_the_auth_failure(fhir_base):
    env = {k: v for k, v in os.environ.items() if k != "PRESCREEN_FHIR_TOKEN"}
    out = subprocess.run(
        [PRESCREEN, "check", "icc-001", "--fhir-base", fhir_base],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode != 0
    assert "401" in out.stderr


def test_demo_runs_on_embedded_defaults():
    out = run("demo")
    assert out.returncode == 0, out.stderr
    assert "Verdict: " in out.stdout


def check_via(proxy, token: str) -> subprocess.CompletedProcess:
    """`prescreen check icc-001` against HAPI through the fault proxy."""
    return run(
        "check",
        "icc-001",
        "--fhir-base",
        proxy.base_url,
        "--as-of",
        AS_OF,
        env={"PRESCREEN_FHIR_TOKEN": token},
    )


def test_check_through_faults_retries_and_reports(fhir_base, fhir_token):
    """429, 503 and an invalid resource on the way: the report still comes, the bad resource
    is named on stderr and skipped, and the retries really happened."""
    from tests.support.fault_proxy import FaultProxy

    with FaultProxy(fhir_base) as proxy:
        proxy.inject("429", times=1, path_regex=r"/Observation", retry_after=1)
        proxy.inject("503", times=1, path_regex=r"/Condition")
        proxy.inject("invalid_resource", times=1, path_regex=r"/Observation")
        out = check_via(proxy, fhir_token)
        assert out.returncode == 0, out.stderr
        assert proxy.count(fault="429") == 1 and proxy.count(fault="503") == 1
        assert proxy.count(r"/Condition") >= 2  # the 503 was retried
    report = json.loads(out.stdout)
    assert len(report["criteria"]) == 36
    assert "skipped" in out.stderr and "fault-invalid-1" in out.stderr


def test_check_with_persistently_truncated_json_fails_in_one_line(fhir_base, fhir_token):
    from tests.support.fault_proxy import FaultProxy

    with FaultProxy(fhir_base) as proxy:
        proxy.inject("truncate", times=50, path_regex=r"/Condition")
        out = check_via(proxy, fhir_token)
    assert out.returncode != 0
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("prescreen: error:")


def test_every_argument_of_every_command_has_help():
    import argparse

    from bot.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [
        f"{name} {action.dest}"
        for name, command in sub.choices.items()
        for action in command._actions
        if not isinstance(action, argparse._HelpAction) and not (action.help or "").strip()
    ]
    assert not missing
    for name, command in sub.choices.items():
        assert "--verbose" in command.format_help(), name


def test_runtime_errors_exit_1_and_usage_errors_exit_2(tmp_path):
    missing = run("check", "icc-001", "--fhir-dir", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and missing.stderr.startswith("prescreen: error:")
    usage = run("check", "icc-001", "--fhir-dir", str(tmp_path), "--as-of", "24/11/2026")
    assert usage.returncode == 2 and "--as-of" in usage.stderr
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("prescreen ")
