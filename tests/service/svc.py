"""Helpers of the service tests: talking to the chat as a client does."""

from __future__ import annotations

from pathlib import Path

import requests

from bot.access.tokens import issue
from bot.supervisor import StackConfig, free_port

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




def say(url: str, token: str, text: str, **kw) -> requests.Response:
    return requests.post(
        url, json={"message": text}, headers={"Authorization": f"Bearer {token}"}, timeout=120, **kw
    )


def texts(r: requests.Response) -> str:
    assert r.status_code == 200, (r.status_code, r.text)
    return "\n".join(m.get("text", "") for m in r.json())


def clinician(user: str) -> str:
    return issue("clinician", user=user)
