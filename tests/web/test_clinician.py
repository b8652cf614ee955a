"""The clinician chat page in a real browser: sign in with a token (kept for the tab only),
chat beside the criteria panel, the panel changing after an answer, the verdict at the end,
"copy report" and "download JSON"."""

from __future__ import annotations

import json

from playwright.sync_api import expect
from webutil import shot, wait_idle

from eligibility import load_trial
from web import strings

CL = strings.clinician("en")
VERDICT_CODES = {"potentially eligible": "potentially_eligible", "ineligible": "ineligible",
                 "needs information": "needs_information"}  # fmt: skip


def sign_in(page, base: str, token: str) -> None:
    page.goto(base + "/clinician")
    page.get_by_label(CL["token_label"]).fill(token)
    page.keyboard.press("Enter")


def say(page, text: str) -> None:
    page.get_by_label(CL["message_label"]).fill(text)
    page.keyboard.press("Enter")
    wait_idle(page)


def statuses(page) -> dict[str, str]:
    rows = page.locator("#criteria li")
    return {
        rows.nth(i).get_attribute("data-criterion"): rows.nth(i).get_attribute("data-status")
        for i in range(rows.count())
    }


def test_criteria_panel_follows_the_answers_and_shows_the_verdict(web, visit):
    v = visit(
        width=1280, height=1000, permissions=["clipboard-read", "clipboard-write"], accept_downloads=True
    )
    page = v.page
    sign_in(page, web.url, web.clinician_token("dr-panel"))
    page.locator("#workspace").wait_for()
    # The token is kept for this tab only: no cookie, nothing in localStorage.
    assert v.context.cookies() == []
    assert page.evaluate("() => localStorage.length") == 0
    assert page.evaluate("() => sessionStorage.getItem('prescreen.token')")

    say(page, "pre-screen patient icc-013")
    before = statuses(page)
    assert set(before) == {c.id for c in load_trial().criteria}  # every criterion, once
    platelets = page.locator("#criteria li[data-criterion='platelets']")
    assert "Observation/" in platelets.inner_text()  # evidence: resource, value, date
    assert page.locator("#verdict").get_attribute("data-verdict") is None  # not yet at the end
    shot(page, "clinician-desktop-1-panel")

    say(page, "yes")  # answers the first question the bot asked
    after = statuses(page)
    changed = {c for c in after if after[c] != before[c]}
    assert changed, "the panel did not change after an answer"
    for c in changed:
        row = page.locator(f"#criteria li[data-criterion='{c}']")
        assert "changed" in (row.get_attribute("class") or "")
        assert "(clinician)" in row.inner_text()  # the answer is the evidence
    shot(page, "clinician-desktop-2-after-answer")

    say(page, "stop")
    verdict_line = next(
        line
        for line in page.locator("#log .msg.bot").last.inner_text().splitlines()
        if line.startswith("Verdict: ")
    )
    code = VERDICT_CODES[verdict_line.removeprefix("Verdict: ").strip()]
    assert page.locator("#verdict").get_attribute("data-verdict") == code
    final = statuses(page)
    shot(page, "clinician-desktop-3-verdict")

    page.get_by_role("button", name=CL["copy"]).click()
    copied = json.loads(page.evaluate("() => navigator.clipboard.readText()"))
    assert copied["verdict"] == code and copied["patient"] == "Patient/icc-013"
    with page.expect_download() as d:
        page.get_by_role("button", name=CL["download"]).click()
    downloaded = json.loads(open(d.value.path(), encoding="utf-8").read())
    assert downloaded == copied
    assert d.value.suggested_filename.endswith(".json")
    assert v.other_hosts(web.url) == []

    page.reload()  # the same tab: still signed in, the panel still there
    page.locator("#workspace").wait_for()
    assert statuses(page) == final and page.locator("#verdict").get_attribute("data-verdict") == code


def test_clinician_page_at_360px(web, visit):
    v = visit(width=360)
    page = v.page
    sign_in(page, web.url, web.clinician_token("dr-phone"))
    page.locator("#workspace").wait_for()
    say(page, "check icc-014 for the ICC trial")
    assert page.locator("#criteria li").count() > 0
    width, client = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= client
    shot(page, "clinician-360")


def test_patient_or_bad_token_is_refused(web, visit):
    page = visit(width=1280).page
    for token in (web.patient_token("icc-001"), "not-a-token"):
        sign_in(page, web.url, token)
        expect(page.locator("#signin-error")).to_have_text(CL["token_refused"])
        assert page.locator("#workspace").is_hidden()
        assert page.evaluate("() => sessionStorage.getItem('prescreen.token')") is None
