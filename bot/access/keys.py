"""Shared secrets of the chat stack: the token-signing key and the action server's key.

Each comes from the environment when set, else from a file generated at first use under the
state directory ($PRESCREEN_STATE_DIR, else $XDG_STATE_HOME/prescreen, else
~/.local/state/prescreen), mode 0600. Standard library only: both virtualenvs import this.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TOKEN_SECRET_ENV = "PRESCREEN_TOKEN_SECRET"
ACTION_SECRET_ENV = "PRESCREEN_ACTION_SECRET"


def state_dir() -> Path:
    if os.environ.get("PRESCREEN_STATE_DIR"):
        return Path(os.environ["PRESCREEN_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "prescreen"


def _file_secret(name: str) -> str:
    folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    try:
        # O_EXCL: two processes starting at once must not write two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
        # An empty file: a writer was interrupted; take over.
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC, 0o600)
    value = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(value + "\n")
    return value


def token_secret() -> str:
    """The HS256 key that signs chat access tokens."""
    return os.environ.get(TOKEN_SECRET_ENV) or _file_secret("token-secret")


def action_secret() -> str:
    """The bearer key Rasa presents to the action server."""
    return os.environ.get(ACTION_SECRET_ENV) or _file_secret("action-secret")
