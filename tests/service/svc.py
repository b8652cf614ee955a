"""Helpers of the service tests: talking to the chat as a client does."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bot.access.tokens import issue
from bot.supervisor import ROOT, Stack, StackConfig, free_port, quiet_env, rasa_python

REPO = Path(__file__).resolve().parent.parent.parent
COHORT = REPO / "data" / "synthetic" / "bundles"
AS_OF = "2026-11-24"


def folder_config(state: Path, **kw) -> StackConfig:
    return StackConfig(
        fhir_dir=str(COHORT),
        as_of=AS_OF,
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=state / "logs",
        extra_env={"PRESCREEN_STATE_DIR": str(state)},
        **kw,
    )




def proxied_config(proxy_url: str, fhir_token: str, state: Path, logs: str, **env: str) -> StackConfig:
    """A stack reading HAPI through a fault proxy, no retries (the proxy decides what fails)."""
    return StackConfig(
        fhir_base=proxy_url,
        as_of=AS_OF,
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=state / logs,
        extra_env={
            "PRESCREEN_STATE_DIR": str(state),
            "PRESCREEN_FHIR_TOKEN": fhir_token,
            "PRESCREEN_FHIR_RETRIES": "0",
            **env,
        },
    )


@contextmanager
def running(cfg: StackConfig) -> Iterator[Stack]:
    """A started stack, stopped on the way out."""
    stack = Stack(cfg)
    stack.start(say=lambda m: None)
    try:
        yield stack
    finally:
        stack.stop()


def in_rasa(script: str, *args: str) -> str:
    """Run a script in Rasa's environment (.venv-rasa); it must print "ok" last. Its output."""
    out = subprocess.run(
        [str(rasa_python()), "-c", script, *args],
        cwd=ROOT,
        env=quiet_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0 and out.stdout.strip().splitlines()[-1:] and \
        out.stdout.strip().splitlines()[-1].startswith("ok"), (out.stdout[-800:], out.stderr[-3000:])
    return out.stdout


def say(url: str, token: str, text: str, **kw) -> requests.Response:
    return requests.post(
        url, json={"message": text}, headers={"Authorization": f"Bearer {token}"}, timeout=120, **kw
    )


def texts(r: requests.Response) -> str:
    assert r.status_code == 200, (r.status_code, r.text)
    return "\n".join(m.get("text", "") for m in r.json())


def clinician(user: str) -> str:
    return issue("clinician", user=user)
