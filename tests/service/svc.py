"""Helpers of the service tests: talking to the chat as a client does."""

from __future__ import annotations

import requests

from bot.access.tokens import issue


def say(url: str, token: str, text: str, **kw) -> requests.Response:
    return requests.post(
        url, json={"message": text}, headers={"Authorization": f"Bearer {token}"}, timeout=120, **kw
    )


def texts(r: requests.Response) -> str:
    assert r.status_code == 200, (r.status_code, r.text)
    return "\n".join(m.get("text", "") for m in r.json())


def clinician(user: str) -> str:
    return issue("clinician", user=user)
