"""Shared secrets of the chat stack: the token-signing keys and the action server's key.

Each comes from the environment when set, else from a file generated at first use under the
state directory ($PRESCREEN_STATE_DIR, else $XDG_STATE_HOME/prescreen, else
~/.local/state/prescreen). The folder is 0700 and every file in it 0600, also when it existed
before with looser modes. Standard library only: both virtualenvs import this.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TOKEN_SECRET_ENV = "PRESCREEN_TOKEN_SECRET"
# During a key change the old key still verifies (never signs): tokens already handed out keep
# working until they expire, so the key can change without downtime.
PREVIOUS_TOKEN_SECRET_ENV = "PRESCREEN_TOKEN_SECRET_PREVIOUS"
ACTION_SECRET_ENV = "PRESCREEN_ACTION_SECRET"
# HS256 with a key shorter than its 256-bit output can be brute-forced offline from one token.
MIN_SECRET_CHARS = 32


class WeakSecret(ValueError):
    """A configured secret is too short (message names the variable, never the value)."""


def state_dir() -> Path:
    if os.environ.get("PRESCREEN_STATE_DIR"):
        return Path(os.environ["PRESCREEN_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "prescreen"


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) as 0700; tighten it when it exists with a looser mode."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = path.stat()
    if st.st_mode & 0o077 and st.st_uid == os.getuid():
        path.chmod(0o700)
    return path


def ensure_state_dir() -> Path:
    return private_dir(state_dir())


def private_file(path: Path, append: bool = True):
    """Open a file for writing (binary), created 0600 and tightened to 0600 if it existed."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "ab" if append else "wb")


def _file_secret(name: str) -> str:
    path = ensure_state_dir() / name
    try:
        # O_EXCL: two processes starting at once must not write two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
        if value:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
            return value
        # An empty file: a writer was interrupted; take over.
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC, 0o600)
    value = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(value + "\n")
    return value


def _env_secret(name: str) -> str | None:
    value = os.environ.get(name)
    if not value:
        return None
    if len(value) < MIN_SECRET_CHARS:
        raise WeakSecret(f"${name} is too short: use at least {MIN_SECRET_CHARS} random characters")
    return value


def token_secret() -> str:
    """The HS256 key that signs (and verifies) chat access tokens."""
    return _env_secret(TOKEN_SECRET_ENV) or _file_secret("token-secret")


def verification_secrets() -> list[str]:
    """Keys a token may be signed with: the current one, then the previous one during a change."""
    keys = [token_secret()]
    previous = _env_secret(PREVIOUS_TOKEN_SECRET_ENV)
    if previous and previous not in keys:
        keys.append(previous)
    return keys


def action_secret() -> str:
    """The bearer key Rasa presents to the action server."""
    return _env_secret(ACTION_SECRET_ENV) or _file_secret("action-secret")
