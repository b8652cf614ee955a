"""The service's HTTP surface as a client meets it: limits, refusals, headers, health, and
conversations that survive a Rasa restart and a dead action server."""

from __future__ import annotations

import os
import signal
import stat
import time

import requests
from svc import clinician, say, texts

from bot.access.tokens import issue, patient_subject


def test_oversize_and_malformed_requests_are_refused_and_service_still_answers(service):
    url = service.webhook
    token = clinician("dr-limits")
    auth = {"Authorization": f"Bearer {token}"}
    # 1 MB without a token: refused by size before anything reads it
    assert requests.post(url, data=b"x" * 1_000_000, timeout=30).status_code == 413
    # the same straight at Rasa (behind the balancer): Sanic's own limit
    direct = service.rasa_url + "/webhooks/prescreen/webhook"
    assert requests.post(direct, data=b"x" * 1_000_000, timeout=30).status_code == 413
    assert requests.post(url, data=b"{not json", headers=auth, timeout=30).status_code == 400
    assert requests.post(url, json=["a list"], headers=auth, timeout=30).status_code == 400
    assert requests.post(url, json={"message": 42}, headers=auth, timeout=30).status_code == 400
    assert requests.post(url, json={"message": "a" * 2001}, headers=auth, timeout=30).status_code == 413
    assert requests.get(url, headers=auth, timeout=30).status_code in (403, 405)
    assert requests.post(url, json={"message": "hi"}, timeout=30).status_code == 401
    assert "icc-002" in texts(say(url, token, "pre-screen patient icc-002"))
    assert "icc-002" in texts(say(url, token, "summary so far"))


def test_no_version_no_caching_and_only_chat_paths(service):
    base = f"http://127.0.0.1:{service.public_port}"
    root = requests.get(base + "/", timeout=30)
    assert root.status_code == 404 and "Rasa" not in root.text and "3.6" not in root.text
    direct = requests.get(service.rasa_url + "/", timeout=30)  # Rasa itself, should it be reached
    assert "Rasa" not in direct.text and "3.6" not in direct.text
    assert requests.get(base + "/version", timeout=30).status_code == 404
    assert (
        requests.post(base + "/webhooks/rest/webhook", json={"message": "hi"}, timeout=30).status_code == 404
    )
    r = say(service.webhook, clinician("dr-cache"), "hello")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "nginx/" not in r.headers.get("Server", "")


def test_health_reports_each_part(service):
    r = requests.get(f"http://127.0.0.1:{service.public_port}/health", timeout=30)
    assert r.status_code == 200
    report = r.json()
    assert report["status"] == "ok" and report["tracker_store"] == "SQLite"
    assert set(report["parts"]) == {"rasa", "actions", "nginx"}
    assert all(p["status"] == "up" for p in report["parts"].values())


def test_state_directory_and_logs_are_private(service, service_state):
    assert stat.S_IMODE(os.stat(service_state).st_mode) == 0o700
    for path in [service_state / "logs", *service_state.glob("*"), *(service_state / "logs").glob("*")]:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


def test_clinician_named_like_a_patient_subject_gets_a_conversation_of_their_own(service):
    patient_token = issue("patient", patient="icc-003")
    texts(say(service.webhook, patient_token, "start"))
    # A clinician whose user name is the patient token's subject: before the fix, the same
    # Rasa conversation (the patient's screening, the patient's slots).
    twin = clinician(patient_subject("icc-003"))
    reply = texts(say(service.webhook, twin, "summary so far"))
    assert "icc-003" not in reply and "answered" not in reply and "Name a patient" in reply
    assert "So far you have answered" in texts(say(service.webhook, patient_token, "summary so far"))


def test_patient_ids_that_are_paths_never_reach_the_source(service):
    token = clinician("dr-paths")
    for text in (
        "pre-screen patient ..",
        "check patient .",
        "screen %2e%2e",
    ):
        reply = texts(say(service.webhook, token, text))
        assert "Patient icc-001" not in reply and "criteria settled" not in reply, (text, reply)
    for bad in ("..", ".", "icc-001\n"):
        reply = texts(say(service.webhook, issue("patient", patient=bad), "start"))
        assert "criteria settled" not in reply and "Verdict" not in reply, (bad, reply)


def test_rasa_killed_mid_conversation_loses_nothing(service):
    token = clinician("dr-restart")
    opening = texts(say(service.webhook, token, "pre-screen patient icc-004"))
    assert "icc-004" in opening
    rasa = service.part("rasa")
    os.kill(rasa.proc.pid, signal.SIGKILL)
    rasa.proc.wait()
    assert service.supervise(say=lambda m: None)  # restarted
    service._wait(rasa)
    assert rasa.alive() and len(rasa.restarts) == 1
    reply = texts(say(service.webhook, token, "summary so far"))
    assert "Summary so far for icc-004" in reply, reply


def test_dead_action_server_is_a_clear_error_then_restarted(service):
    token = clinician("dr-deadactions")
    actions = service.part("actions")
    os.kill(actions.proc.pid, signal.SIGKILL)
    actions.proc.wait()
    r = say(service.webhook, token, "pre-screen patient icc-005")
    assert r.status_code == 503 and "send your message again" in r.json()["error"]
    health = requests.get(f"http://127.0.0.1:{service.public_port}/health", timeout=30).json()
    assert health["parts"]["actions"]["status"] == "down" and health["status"] == "degraded"
    assert service.supervise(say=lambda m: None)
    service._wait(actions)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = say(service.webhook, token, "pre-screen patient icc-005")
        if r.status_code == 200:
            break
        time.sleep(1)
    assert "icc-005" in texts(r)


def test_revoked_token_is_refused_from_the_next_request(service):
    from bot.access.tokens import revoke

    token = clinician("dr-leaked")
    assert say(service.webhook, token, "hello").status_code == 200
    revoke(token)
    assert say(service.webhook, token, "hello").status_code == 401


def test_action_server_keeps_a_patient_conversation_on_its_patient(service):
    """Whatever an action would do, a patient conversation holding another patient is refused."""
    from bot.access.keys import action_secret

    port = service.action_ports[0]
    claims = {"sub": patient_subject("icc-006"), "role": "patient", "patient": "icc-006"}
    tracker = {
        "sender_id": f"patient:{claims['sub']}",
        "slots": {"patient_id": "icc-007"},
        "latest_message": {"text": "summary so far", "metadata": {"prescreen": claims}},
        "events": [],
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    body = {
        "next_action": "action_summary",
        "sender_id": tracker["sender_id"],
        "tracker": tracker,
        "domain": {},
    }
    r = requests.post(
        f"http://127.0.0.1:{port}/webhook",
        json=body,
        headers={"Authorization": f"Bearer {action_secret()}"},
        timeout=30,
    )
    assert r.status_code == 200
    out = r.json()
    assert out["responses"] == [{"text": "This conversation can only screen your own record."}]
    assert {"event": "slot", "name": "patient_id", "value": None, "timestamp": None} in out["events"]
    # a clinician's claims in a patient-keyed conversation: refused the same way
    tracker["slots"]["patient_id"] = None
    tracker["latest_message"]["metadata"]["prescreen"] = {"sub": "x", "role": "clinician", "patient": None}
    r = requests.post(
        f"http://127.0.0.1:{port}/webhook",
        json=body,
        headers={"Authorization": f"Bearer {action_secret()}"},
        timeout=30,
    )
    assert r.json()["responses"][0]["text"].startswith("This conversation can only screen")


def test_logs_of_the_run_hold_no_patient_data(service, service_state):
    """Runs last in this module: every conversation above (restart, dead action server,
    refusals) has written its logs. No patient id, name, MRN, birth date or record value."""
    token = clinician("dr-logs")
    for text in ("pre-screen patient icc-001", "no", "summary so far", "why do you ask?", "stop"):
        say(service.webhook, token, text)
    patient_token = issue("patient", patient="icc-002")
    for text in ("start", "yes", "summary so far"):
        say(service.webhook, patient_token, text)
    logs = "\n".join(p.read_text(errors="replace") for p in (service_state / "logs").glob("*.log"))
    logs += "\n".join(p.read_text(errors="replace") for p in (service_state / "run").rglob("*.log"))
    assert len(logs) > 500  # the servers did log
    for secret in ("icc-00", "李文斌", "Wenbin", "ZS20260037", "1968-03-14", "unresectable", "Verdict"):
        assert secret not in logs, f"{secret!r} in the logs"
