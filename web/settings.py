"""Settings of the web front: where it listens, the Rasa server(s) it forwards to, limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.access.keys import state_dir

DEFAULT_PORT = 5005  # contract.md: chat and pages on the same loopback port
# Where the webhook is forwarded: one Rasa server, or a load balancer over several
# (comma-separated base URLs; tried in turn, the next one when one cannot be reached).
UPSTREAMS_ENV = "PRESCREEN_RASA_UPSTREAMS"
PUBLIC_URL_ENV = "PRESCREEN_PUBLIC_URL"  # the base URL patients reach, behind a reverse proxy
WEBHOOK_PATH = "/webhooks/prescreen/webhook"


def upstreams_from_env(default: str | None = None) -> tuple[str, ...]:
    raw = os.environ.get(UPSTREAMS_ENV) or default or ""
    return tuple(u.strip().rstrip("/") for u in raw.split(",") if u.strip())


def public_url(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> str:
    return (os.environ.get(PUBLIC_URL_ENV) or f"http://{host}:{port}").rstrip("/")


@dataclass(frozen=True)
class WebConfig:
    upstreams: tuple[str, ...]
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    state: Path = field(default_factory=state_dir)
    session_hours: float = 8.0  # a portal session; never beyond the invitation's own expiry
    patient_token_minutes: float = 5.0  # each forwarded patient message carries a fresh token
    max_body_bytes: int = 16 * 1024  # any request to the front; larger ones get 413 unread
    max_message_chars: int = 1000  # one answer typed by a patient
    upstream_timeout: float = 90.0  # a first turn loads the record from the hospital server
    secure_cookie: bool = False  # set behind HTTPS (PRESCREEN_SECURE_COOKIE=1)
    portal_rate_per_minute: int = 30  # messages one portal session may send

    def __post_init__(self) -> None:
        if not self.upstreams:
            raise ValueError(f"no Rasa server to forward to (set {UPSTREAMS_ENV})")
