"""The coordinator's queue page (issue 14): a real web front with the screening log on, a study
team token in the browser tab, the patients by state, the CSV export, and the audit trail."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from webutil import free_port

from bot.access.tokens import issue
from eligibility import screen
from fhir_ingest.sources import DirSource
from screening_log import Store
from screening_log.queue import whom_to_ask

REPO = Path(__file__).resolve().parents[2]
COHORT = REPO / "data" / "synthetic" / "bundles"
AS_OF = "2026-11-24"


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    state = tmp_path_factory.mktemp("queue-state")
    secret = secrets.token_urlsafe(32)
    store = Store(f"sqlite:///{state / 'screening-log.sqlite3'}")
    for pid in ("icc-001", "icc-003"):
        report = screen(DirSource(COHORT).load(pid).resources, AS_OF)
        sid = store.start_screening(
            trial="NCT03951597", patient=pid, by="clinician", subject="dr-li", channel="chat", as_of=AS_OF
        )
        store.finish_screening(sid, report.to_dict(), whom_to_ask(report_trial()))
    port = free_port()
    env = dict(
        os.environ,
        PRESCREEN_STATE_DIR=str(state),
        PRESCREEN_SCREENING_LOG="on",
        PRESCREEN_TOKEN_SECRET=secret,
        PRESCREEN_RASA_UPSTREAMS="http://127.0.0.1:9",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.server", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if requests.get(f"{url}/healthz", timeout=2).ok:
                break
        except requests.RequestException:
            time.sleep(0.5)
    try:
        yield url, secret, store
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def report_trial():
    from eligibility import load_trial

    return load_trial()


def test_the_queue_api_answers_only_the_study_team(front):
    url, secret, store = front
    page = requests.get(f"{url}/queue", timeout=10)
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert requests.get(f"{url}/queue/api/entries", timeout=10).status_code == 401
    patient = issue("patient", patient="icc-001", secret=secret)
    denied = requests.get(
        f"{url}/queue/api/entries", headers={"Authorization": f"Bearer {patient}"}, timeout=10
    )
    assert denied.status_code == 403
    token = issue("clinician", user="coordinator-wu", secret=secret)
    auth = {"Authorization": f"Bearer {token}"}
    body = requests.get(f"{url}/queue/api/entries", headers=auth, timeout=10).json()
    states = {e["patient"]: e["state"] for e in body["entries"]}
    assert set(states) == {"icc-001", "icc-003"} and body["user"] == "coordinator-wu"
    assert all(s in ("potentially_eligible", "needs_information", "ineligible") for s in states.values())
    later = requests.get(f"{url}/queue/api/entries?since=2999-01-01", headers=auth, timeout=10).json()
    assert later["entries"] == []
    csv = requests.get(f"{url}/queue/api/entries.csv", headers=auth, timeout=10)
    assert csv.headers["Content-Type"].startswith("text/csv") and csv.text.startswith("patient,state,")
    assert "icc-003" in csv.text
    trail = store.trail("icc-003")
    assert any(e.action == "export" and e.subject == "coordinator-wu" and e.channel == "web" for e in trail)
    assert any(e.action == "queue_viewed" for e in store.trail())


def test_the_queue_page_in_a_browser(front, browser):
    url, secret, _ = front
    token = issue("clinician", user="coordinator-wu", secret=secret)
    context = browser.new_context(viewport={"width": 360, "height": 780})
    try:
        page = context.new_page()
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) else None)
        page.goto(f"{url}/queue")
        page.fill("#token", token)
        page.click("#signin-form button[type=submit]")
        page.locator('tr[data-patient="icc-001"]').wait_for(timeout=15000)
        assert page.locator('tr[data-patient="icc-003"]').count() == 1
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert not outside
    finally:
        context.close()
