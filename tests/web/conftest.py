"""Fixtures of the web tests: the real stack with the front (see webutil.py) and Debian's
Chromium driven by Playwright."""

from __future__ import annotations

import os
import secrets
import sys

import pytest
from webutil import AS_OF, CHROMIUM, CHROMIUM_ARGS, Visit, Web, free_port

from bot.supervisor import Stack, StackConfig


@pytest.fixture(scope="session")
def web(tmp_path_factory, fhir_base, fhir_token):
    state = tmp_path_factory.mktemp("prescreen-web-state")
    secret = secrets.token_urlsafe(32)
    api_token = secrets.token_urlsafe(16)
    cfg = StackConfig(
        fhir_base=fhir_base,
        as_of=AS_OF,
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        api_token=api_token,
        log_dir=state / "logs",
        extra_env={
            "PRESCREEN_FHIR_TOKEN": fhir_token,
            "PRESCREEN_STATE_DIR": str(state),
            "PRESCREEN_TOKEN_SECRET": secret,
        },
    )
    stack = Stack(cfg)
    stack.start(say=lambda m: print(m, file=sys.stderr))
    yield Web(stack=stack, state=state, secret=secret, api_token=api_token)
    stack.stop()


# One browser a test module: Playwright's sync API keeps an event loop running while it is open,
# and tests after the web ones (asyncio.run in the chat tests) need none running.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} missing: `make install` installs it (requirements/apt.d/web.txt)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def visit(browser):
    """visit(width=360) -> Visit; contexts are closed after the test."""
    opened = []

    def make(width: int = 360, height: int = 780, bypass_csp: bool = False, **kw) -> Visit:
        ctx = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=bypass_csp, **kw)
        page = ctx.new_page()
        seen: list[str] = []
        page.on("request", lambda r: seen.append(r.url))
        opened.append(ctx)
        return Visit(ctx, page, seen)

    yield make
    for ctx in opened:
        ctx.close()
