"""The patient intake portal in a real browser, as a patient uses it: a link from the study
team, the notice, one question at a time with buttons or typed answers, a reload mid-way,
a restart of the front, and the end. Every request the browser makes is recorded."""

from __future__ import annotations

import time

import requests
from webutil import AS_OF, REPO, SHOTS, elapsed, no_horizontal_scroll, shot, wait_idle

from eligibility import Answer, load_trial, screen
from fhir_ingest.sources import DirSource
from web import strings

EN = strings.portal("en")
COHORT = REPO / "data" / "synthetic" / "bundles"


def patient_questions() -> list:
    return [q for q in load_trial().questions if q.text.get("patient")]


def question_shown(text: str):
    """The trial question whose patient wording the page shows (the page shows no ids)."""
    found = [q for q in patient_questions() if q.text["patient"] in text]
    assert len(found) == 1, f"no single question matches {text!r}"
    return found[0]


def passing_answer(q) -> str:
    """The yes/no answer that lets the criterion pass (the oracle's choice)."""
    decides = q.decides
    return next(a for a in ("yes", "no") if decides.get(a) == "pass")


def current_question(page) -> str:
    return page.locator("#log .msg.bot").last.inner_text()


def agree(page) -> float:
    """Press 'Yes, start the questions'; returns the time the chat page was opened."""
    page.get_by_role("button", name=EN["agree"]).click()
    page.wait_for_url("**/portal/chat")
    return time.monotonic()


def test_intake_by_buttons_only_at_360px(web, visit):
    pid = web.fresh_patient("icc-001")
    v = visit(width=360)
    page = v.page
    opened = time.monotonic()
    page.goto(web.invite(pid))
    assert page.locator("h1").inner_text() == EN["notice_heading"]
    for key in ("notice_who", "notice_reads", "notice_use", "notice_decide"):
        assert EN[key] in page.content()
    assert pid not in page.content() and pid not in page.url
    assert no_horizontal_scroll(page)
    shot(page, "portal-360-1-notice")

    chat_opened = agree(page)
    page.locator("#choices button").first.wait_for()
    first_question = elapsed(chat_opened)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "timing.txt").write_text(  # for the people looking at the screenshots; not a timed test
        f"link opened -> first question: {elapsed(opened)} s; "
        f"chat page -> first question: {first_question} s\n"
    )
    assert pid not in page.content() and pid not in page.url
    assert page.locator("#progress").inner_text().startswith("About")
    assert no_horizontal_scroll(page)
    shot(page, "portal-360-2-first-question")

    page.get_by_role("button", name=EN["help_button"]).click()
    assert page.locator("#help").is_visible() and page.locator("#help").inner_text()
    assert page.get_by_role("button", name=EN["help_hide"]).get_attribute("aria-expanded") == "true"
    shot(page, "portal-360-3-help")

    answers: list[Answer] = []
    for step in range(25):
        if page.locator("#result").is_visible():
            break
        q = question_shown(current_question(page))
        answer = passing_answer(q)
        answers.append(Answer(q.id, answer, by="patient"))
        page.get_by_role("button", name=EN[f"answer_{answer}"], exact=True).click()
        wait_idle(page)
        assert no_horizontal_scroll(page)
        if step == 2:
            shot(page, "portal-360-4-mid-way")
    result = page.locator("#result")
    assert result.is_visible()
    verdict = result.get_attribute("data-verdict")
    # The oracle: the rules engine on the same record and the same answers.
    expected = screen(DirSource(COHORT).load(pid).resources, AS_OF, answers).verdict
    assert verdict == expected == web.slots(web.subject(pid))["verdict"]
    assert EN[f"result_{verdict}"] in result.inner_text() and EN["result_next"] in result.inner_text()
    text = page.locator("body").inner_text()
    assert "Verdict:" not in text and "Observation/" not in text and pid not in page.content()
    assert no_horizontal_scroll(page)
    shot(page, "portal-360-5-result")
    assert v.other_hosts(web.url) == [], "requests to another host"


def test_intake_by_keyboard_only(web, visit):
    pid = web.fresh_patient("icc-002")
    v = visit(width=1280, height=900)
    page = v.page
    page.goto(web.invite(pid))
    shot(page, "portal-desktop-1-notice")
    # Tab to "Yes, start the questions" and press Enter: no mouse anywhere in this test.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent") == EN["agree"]:
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/portal/chat")
    page.locator("#choices button").first.wait_for()
    wait_idle(page)
    shot(page, "portal-desktop-2-first-question")
    # Focus is on the question; the answer buttons come next in the tab order.
    assert page.evaluate("() => document.activeElement.classList.contains('msg')")
    typed = False
    for _ in range(25):
        if page.locator("#result").is_visible():
            break
        if not typed:  # the first answer typed in the box, then Enter
            page.keyboard.press("Tab")
            while page.evaluate("() => document.activeElement.id") != "answer":
                page.keyboard.press("Tab")
            page.keyboard.type("not sure")
            page.keyboard.press("Enter")
            typed = True
        else:  # the others: Tab to the "Not sure" button, Space
            page.keyboard.press("Tab")
            while page.evaluate("() => document.activeElement.textContent") != EN["not_sure"]:
                page.keyboard.press("Tab")
            page.keyboard.press("Space")
        wait_idle(page)
    result = page.locator("#result")
    assert result.is_visible()
    assert result.get_attribute("data-verdict") == "needs_information"
    assert page.evaluate("() => document.activeElement.id") == "result"  # read out next
    shot(page, "portal-desktop-3-result")
    assert v.other_hosts(web.url) == []


def test_reload_and_front_restart_resume_the_same_place(web, visit):
    pid = web.fresh_patient("icc-003")
    v = visit(width=360)
    page = v.page
    page.goto(web.invite(pid))
    agree(page)
    page.locator("#choices button").first.wait_for()
    first = current_question(page)
    page.get_by_role("button", name=EN["not_sure"]).click()
    wait_idle(page)
    second = current_question(page)
    assert second != first
    before = page.locator("#log .msg").all_inner_texts()

    page.reload()
    page.locator("#choices button").first.wait_for()
    wait_idle(page)
    assert page.locator("#log .msg").all_inner_texts() == before  # same conversation, same place
    assert current_question(page) == second

    # "Stop for now", then come back: nothing was sent, the same question waits.
    page.get_by_role("button", name=EN["stop_button"]).click()
    assert page.locator("#stopped").is_visible() and not page.locator("#answer-area").is_visible()
    shot(page, "portal-360-6-stopped")
    page.get_by_role("button", name=EN["go_on"]).click()
    assert current_question(page) == second

    web.restart_front()  # the front's own store keeps sessions and conversations
    page.reload()
    page.locator("#choices button").first.wait_for()
    wait_idle(page)
    assert page.locator("#log .msg").all_inner_texts() == before
    page.get_by_role("button", name=EN["not_sure"]).click()  # and the conversation goes on
    wait_idle(page)
    third = current_question(page)
    assert third not in (first, second)
    assert len(page.locator("#log .msg").all_inner_texts()) == len(before) + 2
    assert v.other_hosts(web.url) == []


def test_expired_and_reused_invitations(web, visit):
    pid = web.fresh_patient("icc-005")
    expired = web.invite(pid, hours=1, now=time.time() - 2 * 3600)
    v = visit()
    page = v.page
    r = page.goto(expired)
    assert r.status == 410
    assert EN["bad_expired"] in page.content() and EN["bad_next"] in page.content()
    shot(page, "portal-360-expired")
    assert requests.post(expired + "/start", timeout=30, allow_redirects=False).status_code == 410

    link = web.invite(pid)
    page.goto(link)
    agree(page)
    page.locator("#choices button").first.wait_for()
    # The same browser coming back by the same link goes back to its questions...
    page.goto(link)
    page.wait_for_url("**/portal/chat")
    # ...another browser (or anyone else with the link) is told it was used.
    other = visit()
    r = other.page.goto(link)
    assert r.status == 410
    assert EN["bad_used"] in other.page.content()
    shot(other.page, "portal-360-used")
    assert requests.post(link + "/start", timeout=30, allow_redirects=False).status_code == 410
    r = other.page.goto(web.url + "/portal/i/not-a-code-that-exists-at-all")
    assert r.status == 404 and EN["bad_unknown"] in other.page.content()
    # Without a session the chat page and its API say the visit is over.
    r = other.page.goto(web.url + "/portal/chat")
    assert r.status == 401 and EN["ended_body"] in other.page.content()


def test_call_me_instead_and_leave(web, visit):
    pid = web.fresh_patient("icc-007")
    v = visit()
    page = v.page
    link = web.invite(pid)
    page.goto(link)
    page.get_by_role("button", name=EN["call"]).click()
    assert EN["call_body"] in page.content()
    assert any(p == pid for p, _, _ in web.store.call_requests())
    page.goto(link)  # asking for a call does not spend the link
    page.get_by_role("link", name=EN["leave"]).click()
    assert EN["left_body"] in page.content()
    assert web.store.invite_state(link.rsplit("/", 1)[1]).status == "valid"


def test_chinese_pages(web, visit):
    pid = web.fresh_patient("icc-012")
    zh = strings.portal("zh")
    v = visit()
    page = v.page
    link = web.invite(pid, lang="zh")
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").inner_text() == zh["notice_heading"]
    assert zh["notice_use"] in page.content()
    shot(page, "portal-360-zh-notice")
    page.get_by_role("link", name="English").click()  # the language switch
    assert page.locator("h1").inner_text() == EN["notice_heading"]
    page.get_by_role("link", name="中文").click()
    page.get_by_role("button", name=zh["agree"]).click()
    page.locator("#choices button").first.wait_for()
    wait_idle(page)
    # The page speaks Chinese; its answer buttons work whatever language the chat asks in.
    assert page.locator("#progress").inner_text().startswith("大约")
    assert page.get_by_role("button", name=zh["help_button"]).is_visible()
    asked = page.locator("#log .msg.bot").count()
    # The invite's language reaches the chat: the questions themselves are in Chinese.
    first = page.locator("#log .msg.bot").last.inner_text()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in first), first
    page.get_by_role("button", name=zh["not_sure"]).click()
    wait_idle(page)
    assert page.locator("#log .msg.bot").count() > asked
    assert page.locator("#choices button").count() > 0 or page.locator("#result").is_visible()
    shot(page, "portal-360-zh-question")
