"""`prescreen serve` as an operator runs it: killed with SIGKILL it leaves no child behind;
SIGHUP stops it cleanly; a pid file left by a killed run is cleaned up on the next start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from svc import COHORT

from bot.procs import PidFile, start_time
from bot.supervisor import free_port

EXE = Path(sys.executable).parent / "prescreen"


def _serve(state: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()  # nginx over the Rasa servers (its /health); the web front on another port
    env = dict(os.environ, PRESCREEN_STATE_DIR=str(state))
    env.pop("PRESCREEN_TOKEN_SECRET", None)
    proc = subprocess.Popen(
        [str(EXE), "serve", "--fhir-dir", str(COHORT), "--as-of", "2026-11-24"]
        + ["--port", str(free_port()), "--rasa-port", str(port), "--action-port", str(free_port())],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode()
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc, port
        except requests.RequestException:
            pass
        time.sleep(1)
    proc.kill()
    pytest.fail("prescreen serve did not come up")


def _children(state: Path, port: int) -> dict[str, dict]:
    return json.loads((state / "run" / f"serve-{port}.json").read_text())["children"]


def _gone(children: dict[str, dict], timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    alive = list(children)
    while alive and time.monotonic() < deadline:
        alive = [n for n, c in children.items() if start_time(c["pid"]) == c["start"]]
        time.sleep(0.2)
    return alive


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP])
def test_killed_serve_leaves_no_child(tmp_path, sig):
    state = tmp_path / "state"
    proc, port = _serve(state)
    children = _children(state, port)
    assert set(children) == {"rasa", "actions", "nginx", "web"}  # the web front too
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert _gone(children) == [], "children still running after the supervisor died"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/health", timeout=5)


def test_stale_pid_file_is_cleaned_up_on_start(tmp_path):
    """A supervisor that died where PDEATHSIG could not help (here: a child started without
    it): the next start stops what the pid file names, and only that."""
    leftover = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True
    )
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        path = tmp_path / "serve-1.json"
        path.write_text(
            json.dumps(
                {
                    "supervisor": {"pid": 999999, "start": 1},
                    "children": {"rasa": {"pid": leftover.pid, "start": start_time(leftover.pid)}},
                }
            )
        )
        assert PidFile(path).clean_stale() == ["rasa"]
        assert leftover.wait(timeout=15) is not None
        assert bystander.poll() is None and not path.exists()
    finally:
        for p in (leftover, bystander):
            if p.poll() is None:
                p.kill()
                p.wait()
