"""Security of the front, tested from outside (HTTP and the browser): a patient session reaches
only its own patient; pages forbid inline script and other hosts; HTML typed by a user stays
text; request sizes are capped; nothing about a conversation is cached."""

from __future__ import annotations

import json
import re

import pytest
import requests
from webutil import wait_idle

from web import strings

EN = strings.portal("en")


def portal_session(web, patient: str) -> requests.Session:
    """A patient's browser session, as the page gets it: the invitation spent for a cookie."""
    s = requests.Session()
    r = s.post(web.invite(patient) + "/start", allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["Location"] == "/portal/chat"
    r = s.post(f"{web.url}/portal/api/start", json={}, timeout=120)
    assert r.status_code == 200, r.text
    return s


def csp(headers) -> dict[str, list[str]]:
    out = {}
    for part in headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def test_pages_send_a_csp_without_inline_script_or_other_hosts(web):
    code_url = web.invite("icc-027")
    paths = [
        "/clinician",
        code_url.removeprefix(web.url),
        "/portal/left",
        "/portal/chat",
        "/static/portal.js",
        "/portal/i/unknown-code-0000000000",
    ]
    for path in paths:
        r = requests.get(web.url + path, timeout=30)
        policy = csp(r.headers)
        assert policy["default-src"] == ["'none'"], path
        assert policy["script-src"] == ["'self'"], path  # no 'unsafe-inline', no 'unsafe-eval', no host
        assert policy["connect-src"] == ["'self'"] and policy["form-action"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        for values in policy.values():
            assert not any(re.match(r"(https?:|\*|data:)", v) for v in values), (path, values)
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"  # the code in the URL goes nowhere
    # Every page's scripts come from files: no inline <script> that would run.
    html = requests.get(code_url, timeout=30).text + requests.get(web.url + "/clinician", timeout=30).text
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag


def test_the_browser_enforces_the_csp(web, visit):
    v = visit()
    page = v.page
    page.goto(web.url + "/clinician")
    ran = page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__inline = 1'; document.body.appendChild(s);
                   return window.__inline === 1; }"""
    )
    assert ran is False, "an inline script ran"
    blocked = page.evaluate("() => fetch('http://127.0.0.2:9/x').then(() => false, () => true)")
    assert blocked is True
    assert all(u.startswith(web.url) for u in v.requests)


def test_html_in_answers_is_shown_as_text(web, visit):
    pid = web.fresh_patient("icc-017")
    v = visit()
    page = v.page
    page.goto(web.invite(pid))
    page.get_by_role("button", name=EN["agree"]).click()
    page.locator("#choices button").first.wait_for()
    evil = '<img src="/static/evil.png" onerror="window.__xss=1"><b>bold</b>'
    page.get_by_label(EN["answer_label"]).fill(evil)
    page.keyboard.press("Enter")
    wait_idle(page)
    assert page.locator("#log .msg.user").last.inner_text().endswith(evil)
    assert page.locator("#log img, #log b, #log script").count() == 0
    assert page.evaluate("() => window.__xss") is None
    assert not any("evil.png" in u for u in v.requests)
    # The same on the clinician page.
    page.goto(web.url + "/clinician")
    page.get_by_label("Clinician token").fill(web.clinician_token("dr-html"))
    page.keyboard.press("Enter")
    page.locator("#workspace").wait_for()
    page.get_by_label("Message").fill(evil)
    page.keyboard.press("Enter")
    wait_idle(page)
    assert page.locator("#log .msg.user").last.inner_text().endswith(evil)
    assert page.locator("#log img, #log b").count() == 0 and page.evaluate("() => window.__xss") is None


def test_a_patient_session_cannot_screen_or_read_another_patient(web):
    own, other = web.fresh_patient("icc-020"), "icc-030"
    s = portal_session(web, own)
    for text in (f"pre-screen patient {other}", f"check {other} for the ICC trial", "screen another patient"):
        r = s.post(f"{web.url}/portal/api/send", json={"message": text}, timeout=120)
        assert r.status_code == 200, r.text
        slots = web.slots(web.subject(own))
        assert slots["patient_id"] in (own, None), slots["patient_id"]
    state = s.get(f"{web.url}/portal/api/state", timeout=30)
    body = state.text
    assert set(state.json()) == {"items", "pending", "result", "lang"}
    for leak in ('"report"', '"criteria"', '"evidence"', "Observation/", own, '"q"'):
        assert leak not in body, leak
    # No other patient's conversation was touched through this session.
    assert web.slots(web.subject(other))["patient_id"] is None

    # The session cookie opens no door to the webhook or the clinician API.
    hook = f"{web.url}/webhooks/prescreen/webhook"
    assert s.post(hook, json={"message": "hi"}, timeout=30).status_code == 401
    assert s.get(f"{web.url}/clinician/api/whoami", timeout=30).status_code == 401
    # A patient token on the webhook: its own conversation only, and no report in replies.
    auth = {"Authorization": f"Bearer {web.patient_token(own)}"}
    r = requests.post(hook, json={"message": "start"}, headers=auth, timeout=120)
    assert r.status_code == 200
    assert all("report" not in (m.get("custom") or {}) for m in r.json())
    spoof = {"message": "start", "sender": web.subject(other)}
    assert requests.post(hook, json=spoof, headers=auth, timeout=30).status_code == 403
    assert requests.get(f"{web.url}/clinician/api/whoami", headers=auth, timeout=30).status_code == 403


def test_the_clinician_payload_carries_the_report(web):
    hook = f"{web.url}/webhooks/prescreen/webhook"
    auth = {"Authorization": f"Bearer {web.clinician_token('dr-payload')}"}
    r = requests.post(hook, json={"message": "pre-screen patient icc-029"}, headers=auth, timeout=120)
    reports = [m["custom"]["report"] for m in r.json() if "report" in (m.get("custom") or {})]
    assert reports and reports[-1]["patient"] == "Patient/icc-029"
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/webhooks/prescreen/webhook", "/portal/api/send"])
def test_request_bodies_are_capped_before_they_are_read(web, path):
    r = requests.post(web.url + path, data=b"x" * (1024 * 1024), timeout=30)
    assert r.status_code == 413


def test_long_answers_and_non_json_posts_are_refused(web):
    s = portal_session(web, web.fresh_patient("icc-032"))
    r = s.post(f"{web.url}/portal/api/send", json={"message": "no " * 400}, timeout=30)
    assert r.status_code == 413 and r.json()["error"] == EN["too_long"]
    # A form post from another site (no JSON) is not taken as an answer.
    r = s.post(f"{web.url}/portal/api/send", data={"message": "yes"}, timeout=30)
    assert r.status_code == 415


def test_nothing_about_a_conversation_is_cached(web):
    s = portal_session(web, web.fresh_patient("icc-039"))
    responses = [
        s.get(f"{web.url}/portal/api/state", timeout=30),
        s.post(f"{web.url}/portal/api/send", json={"message": "not sure"}, timeout=120),
        s.get(f"{web.url}/portal/chat", timeout=30),
        requests.post(f"{web.url}/webhooks/prescreen/webhook", json={"message": "hi"}, timeout=30),
        requests.get(web.invite("icc-040"), timeout=30),
    ]
    for r in responses:
        assert r.headers["Cache-Control"] == "no-store", r.url


def test_session_cookie_is_http_only_strict_and_short_lived(web):
    r = requests.post(web.invite("icc-040") + "/start", allow_redirects=False, timeout=30)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/portal" in cookie
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
    assert 0 < max_age <= 8 * 3600
    page = requests.get(f"{web.url}/portal/chat", cookies=r.cookies, timeout=30).text
    assert "icc-040" not in page and r.cookies["prescreen_portal"] not in page
    data = json.loads(re.search(r'id="page-data">(.*?)</script>', page).group(1))
    assert set(data) == {"lang", "s"}  # strings only
