"""Helpers of the web tests (fixtures in conftest.py). The web front under test: the real
stack (Rasa in .venv-rasa, the action server, the front) on free loopback ports, reading the
HAPI server of tests/conftest.py, and Debian's Chromium driven by Playwright
(executable_path: nothing is downloaded; `playwright install` never runs).

The stack signs tokens with a secret of its own, passed explicitly, so these tests do not
depend on (or change) the process environment that other test folders set.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.access.tokens import issue, patient_subject
from bot.supervisor import Stack, free_port  # noqa: F401 (the web tests import free_port from here)
from tests.support.rasa_api import tracker_slots
from web.store import PortalStore

AS_OF = "2026-11-24"
REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = REPO / "out" / "screenshots"  # looked at by people; /out/ is not committed
AXE = Path(__file__).with_name("vendor") / "axe.min.js"


@dataclass
class Web:
    """The running stack and what the tests need to drive it."""

    stack: Stack
    state: Path
    secret: str
    api_token: str
    used_patients: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        return self.stack.web_url

    @property
    def store(self) -> PortalStore:
        return PortalStore(self.state / "portal.sqlite3")

    def invite(self, patient: str, hours: float = 72, lang: str = "en", now: float | None = None) -> str:
        code = self.store.create_invite(patient, hours, lang, now=now)
        return f"{self.url}/portal/i/{code}"

    def fresh_patient(self, patient: str) -> str:
        """Each test screens its own patient: Rasa keys a patient's conversation by patient."""
        assert patient not in self.used_patients, f"{patient} already used by another test"
        self.used_patients.add(patient)
        return patient

    def clinician_token(self, user: str = "dr-web") -> str:
        return issue("clinician", user=user, secret=self.secret)

    def patient_token(self, patient: str) -> str:
        return issue("patient", patient=patient, secret=self.secret)

    def subject(self, patient: str) -> str:
        return patient_subject(patient, self.secret)

    def slots(self, sender: str) -> dict:
        """What Rasa holds for a patient's conversation."""
        return tracker_slots(self.stack.rasa_url, f"patient:{sender}", self.api_token)

    def restart_front(self) -> None:
        """Stop the front (SIGTERM) and start it again on the same port and state."""
        self.stack.restart_part("web")


@dataclass
class Visit:
    """A browser context with every request it made recorded."""

    context: object
    page: object
    requests: list[str]

    def other_hosts(self, base: str) -> list[str]:
        return [u for u in self.requests if not (u.startswith(base + "/") or u == base) and not _local(u)]


def _local(url: str) -> bool:
    return url.startswith(("data:", "blob:", "about:"))


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_scroll(page) -> bool:
    width, client = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return width <= client


def wait_idle(page) -> None:
    page.wait_for_selector("body[data-busy='0']", timeout=90_000)


def run_cli(*args: str, state: Path, secret: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRESCREEN_STATE_DIR=str(state), PRESCREEN_TOKEN_SECRET=secret)
    prescreen = str(Path(sys.executable).parent / "prescreen")  # the installed console script
    return subprocess.run([prescreen, *args], capture_output=True, text=True, env=env, cwd=REPO)


def elapsed(since: float) -> float:
    return round(time.monotonic() - since, 2)


CODE_IN_URL = re.compile(r"/portal/i/([A-Za-z0-9_-]+)$")
