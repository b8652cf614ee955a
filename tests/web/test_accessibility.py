"""axe-core (vendored, tests/web/vendor) over each page a patient or clinician sees: no
serious or critical violation of WCAG 2.1 A/AA (contrast, labels, names, landmarks...).

axe is injected into a context that bypasses the page's CSP (the pages themselves forbid
inline script); users never receive it."""

from __future__ import annotations

from webutil import AXE, wait_idle

from web import strings

EN = strings.portal("en")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_portal_pages_have_no_serious_violations(web, visit):
    for width, patient in ((360, "icc-013"), (1280, "icc-014")):
        pid = web.fresh_patient(patient)
        page = visit(width=width, bypass_csp=True).page
        link = web.invite(pid)
        page.goto(link)
        assert serious_violations(page) == [], "notice"
        page.get_by_role("button", name=EN["agree"]).click()
        page.locator("#choices button").first.wait_for()
        wait_idle(page)
        page.get_by_role("button", name=EN["help_button"]).click()
        assert serious_violations(page) == [], "question with help"
        for _ in range(25):
            if page.locator("#result").is_visible():
                break
            page.get_by_role("button", name=EN["not_sure"]).click()
            wait_idle(page)
        assert page.locator("#result").is_visible()
        assert serious_violations(page) == [], "result"
        page.goto(link)  # same browser: back to its conversation
        other = visit(width=width, bypass_csp=True).page
        other.goto(link)  # used link
        assert serious_violations(other) == [], "used link page"


def test_clinician_page_has_no_serious_violations(web, visit):
    for width in (360, 1280):
        page = visit(width=width, bypass_csp=True).page
        page.goto(web.url + "/clinician")
        page.locator("#signin").wait_for()
        assert serious_violations(page) == [], "sign-in"
        page.get_by_label("Clinician token").fill(web.clinician_token(f"dr-axe-{width}"))
        page.keyboard.press("Enter")
        page.locator("#workspace").wait_for()
        page.get_by_label("Message").fill("pre-screen patient icc-012")
        page.keyboard.press("Enter")
        wait_idle(page)
        assert page.locator("#criteria li").count() > 0
        assert serious_violations(page) == [], "chat with criteria panel"
