"""`prescreen invite` as a coordinator runs it (a real process, the real state folder)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from web.store import PortalStore

PRESCREEN = str(Path(sys.executable).parent / "prescreen")


def run(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    full = dict(os.environ, PRESCREEN_STATE_DIR=str(tmp_path), **env)
    if "PRESCREEN_PUBLIC_URL" not in env:
        full.pop("PRESCREEN_PUBLIC_URL", None)
    return subprocess.run([PRESCREEN, "invite", *args], capture_output=True, text=True, env=full)


def test_prints_one_url_with_a_code_and_no_patient_id(tmp_path):
    out = run(tmp_path, "--patient", "icc-001", "--hours", "2", "--lang", "zh")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 1 and "icc-001" not in lines[0]
    m = re.fullmatch(r"http://127\.0\.0\.1:5005/portal/i/([A-Za-z0-9_-]{32})", lines[0])
    assert m, lines[0]
    state = PortalStore(tmp_path / "portal.sqlite3").invite_state(m.group(1))
    assert state.status == "valid" and state.lang == "zh"


def test_port_and_public_url(tmp_path):
    out = run(tmp_path, "--patient", "icc-001", "--port", "8123")
    assert out.stdout.startswith("http://127.0.0.1:8123/portal/i/")
    out = run(tmp_path, "--patient", "icc-001", PRESCREEN_PUBLIC_URL="https://screening.example.org/")
    assert out.stdout.startswith("https://screening.example.org/portal/i/")


def test_bad_input_is_a_usage_error(tmp_path):
    bad = (
        ["--patient", "../etc"],
        ["--patient", "icc-001", "--hours", "inf"],
        ["--patient", "icc-001", "--hours", "0"],
        ["--patient", "icc-001", "--lang", "fr"],
    )
    for args in bad:
        out = run(tmp_path, *args)
        assert out.returncode == 2 and out.stdout == "", args
        assert len(out.stderr.strip().splitlines()) <= 3 and "Traceback" not in out.stderr


def test_an_invitation_is_in_the_audit_trail(tmp_path):
    from screening_log import open_store

    out = run(
        tmp_path,
        "--patient",
        "icc-002",
        "--hours",
        "5",
        "--as",
        "coordinator-li",
        PRESCREEN_SCREENING_LOG="on",
    )
    assert out.returncode == 0, out.stderr
    trail = open_store(f"sqlite:///{tmp_path / 'screening-log.sqlite3'}").trail("icc-002")
    events = [e for e in trail if e.action == "invitation"]
    assert len(events) == 1
    assert events[0].subject == "coordinator-li" and events[0].role == "coordinator"
