"""A FHIR server that errs or is slow, seen from the chat (real HAPI behind the fault proxy):
no server diagnostics reach users, and a slow record answers at once and continues."""

from __future__ import annotations

import time

import pytest
from svc import clinician, proxied_config, running, say, texts

from bot.access.tokens import issue
from tests.support.fault_proxy import FaultProxy

LEAK = "Patient Wenbin Li MRN ZS20260037 bilirubin 31.2 umol/L"


@pytest.fixture(scope="module")
def faulty(service_state, fhir_base, fhir_token):
    with FaultProxy(fhir_base) as proxy:
        cfg = proxied_config(
            proxy.base_url, fhir_token, service_state, "logs-fhir", PRESCREEN_RECORD_WAIT_SECONDS="2"
        )
        with running(cfg) as stack:
            yield stack, proxy


def test_operation_outcome_text_never_reaches_users_or_logs(faulty, service_state):
    stack, proxy = faulty
    # 401 is not retried: the answer comes at once (a retried 503 would be "still loading")
    proxy.inject("401", times=50, path_regex=r"Patient|Observation", text=LEAK)
    try:
        reply = texts(say(stack.webhook, clinician("dr-oo"), "pre-screen patient icc-001"))
        assert "could not be loaded" in reply and "HTTP 401" in reply
        patient_reply = texts(say(stack.webhook, issue("patient", patient="icc-001"), "start"))
        assert "could not be loaded" in patient_reply and "401" not in patient_reply
        for secret in ("Wenbin", "ZS20260037", "31.2", "bilirubin", "OperationOutcome"):
            assert secret not in reply and secret not in patient_reply
        logs = "\n".join(p.read_text(errors="replace") for p in (service_state / "logs-fhir").glob("*.log"))
        for secret in ("Wenbin", "ZS20260037", "31.2"):
            assert secret not in logs
    finally:
        proxy.clear()


def test_slow_record_answers_at_once_then_continues(faulty):
    stack, proxy = faulty
    proxy.inject("delay", times=1, path_regex=r"Patient", seconds=6)
    token = clinician("dr-slow")
    started = time.monotonic()
    first = texts(say(stack.webhook, token, "pre-screen patient icc-002"))
    assert time.monotonic() - started < 15
    assert "loading" in first and "Response Timeout" not in first
    time.sleep(7)
    later = texts(say(stack.webhook, token, "any news?"))
    assert "Patient icc-002" in later and "criteria settled" in later, later


def test_check_on_stderr_withholds_server_diagnostics(faulty, fhir_token):
    import os
    import subprocess
    import sys
    from pathlib import Path

    stack, proxy = faulty
    proxy.inject("401", times=5, path_regex=r"Patient", text=LEAK)
    try:
        exe = Path(sys.executable).parent / "prescreen"
        env = dict(os.environ, PRESCREEN_FHIR_TOKEN=fhir_token)
        out = subprocess.run(
            [str(exe), "check", "icc-001", "--fhir-base", proxy.base_url, "--as-of", "2026-11-24"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode != 0 and "401" in out.stderr
        for secret in ("Wenbin", "ZS20260037", "31.2"):
            assert secret not in out.stderr and secret not in out.stdout
    finally:
        proxy.clear()
