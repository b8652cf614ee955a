"""Reading what Rasa holds for a conversation through its HTTP API (enabled for tests only)."""

from __future__ import annotations

from typing import Any

import requests


def tracker_slots(rasa_url: str, conversation: str, api_token: str) -> dict[str, Any]:
    """The slots of a conversation, keyed role:subject (bot/access/tokens.conversation_key)."""
    r = requests.get(
        f"{rasa_url}/conversations/{conversation}/tracker", params={"token": api_token}, timeout=30
    )
    assert r.status_code == 200, r.text
    return r.json()["slots"]
