"""Durable portal state in SQLite under the state directory (folder 0700, file 0600):
invitations (one-time codes), patient sessions, and each patient conversation as the page
shows it, so a reload or a restart of the front resumes where the patient was.

Codes and session ids are stored as SHA-256 digests only: a copy of the file lets no one
open a portal. `prescreen invite` writes invitations into the same file the front reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.access.keys import state_dir

DB_NAME = "portal.sqlite3"
MAX_INVITE_HOURS = 24 * 30  # a month: longer-lived codes are refused

SCHEMA = """
CREATE TABLE IF NOT EXISTS invites (
    code_hash TEXT PRIMARY KEY, patient TEXT NOT NULL, lang TEXT NOT NULL,
    created REAL NOT NULL, expires REAL NOT NULL, used REAL);
CREATE TABLE IF NOT EXISTS sessions (
    sid_hash TEXT PRIMARY KEY, patient TEXT NOT NULL, lang TEXT NOT NULL,
    invite TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS turns (
    convo TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (convo, seq));
CREATE TABLE IF NOT EXISTS call_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT, patient TEXT NOT NULL, lang TEXT NOT NULL, at REAL NOT NULL);
"""


def default_path() -> Path:
    return state_dir() / DB_NAME


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class InviteState:
    """What a code is: `valid`, `used`, `expired` or `unknown` (and its language)."""

    status: str
    lang: str = "en"


@dataclass(frozen=True)
class Session:
    patient: str
    lang: str
    invite: str  # digest of the code it came from
    expires: float


class PortalStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.path.parent, 0o700)
        if not self.path.exists():
            # Created 0600 before SQLite opens it; its -wal/-shm files take the same mode.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(self.path, 0o600)
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # the front reads while `invite` writes
            db.executescript(SCHEMA)
        finally:
            db.close()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        # One short connection per operation: the front and `prescreen invite` share the file.
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    # --- invitations -----------------------------------------------------------------------
    def create_invite(self, patient: str, hours: float, lang: str, now: float | None = None) -> str:
        if not (0 < hours <= MAX_INVITE_HOURS):
            raise ValueError(f"hours must be more than 0 and at most {MAX_INVITE_HOURS}")
        code = secrets.token_urlsafe(24)
        now = time.time() if now is None else now
        with self._db() as db:
            db.execute(
                "INSERT INTO invites VALUES (?, ?, ?, ?, ?, NULL)",
                (digest(code), patient, lang, now, now + hours * 3600),
            )
        return code

    def invite_state(self, code: str, now: float | None = None) -> InviteState:
        now = time.time() if now is None else now
        with self._db() as db:
            row = db.execute(
                "SELECT lang, expires, used FROM invites WHERE code_hash = ?", (digest(code),)
            ).fetchone()
        if row is None:
            return InviteState("unknown")
        lang, expires, used = row
        if used is not None:
            return InviteState("used", lang)
        return InviteState("expired" if expires <= now else "valid", lang)

    def exchange(
        self, code: str, session_hours: float, lang: str | None = None
    ) -> tuple[str, Session] | None:
        """Spend a valid code (once, atomically) for a new session: (session id, session)."""
        now = time.time()
        key = digest(code)
        with self._db() as db:
            spent = db.execute(
                "UPDATE invites SET used = ? WHERE code_hash = ? AND used IS NULL AND expires > ?",
                (now, key, now),
            )
            if spent.rowcount != 1:
                return None
            patient, invite_lang, invite_expires = db.execute(
                "SELECT patient, lang, expires FROM invites WHERE code_hash = ?", (key,)
            ).fetchone()
            sid = secrets.token_urlsafe(32)
            session = Session(
                patient=patient,
                lang=lang or invite_lang,
                invite=key,
                expires=min(now + session_hours * 3600, invite_expires),
            )
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
                (digest(sid), patient, session.lang, key, now, session.expires),
            )
            db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
        return sid, session

    # --- sessions --------------------------------------------------------------------------
    def session(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._db() as db:
            row = db.execute(
                "SELECT patient, lang, invite, expires FROM sessions WHERE sid_hash = ?", (digest(sid),)
            ).fetchone()
        if row is None or row[3] <= time.time():
            return None
        return Session(*row)

    def set_lang(self, sid: str, lang: str) -> None:
        with self._db() as db:
            db.execute("UPDATE sessions SET lang = ? WHERE sid_hash = ?", (lang, digest(sid)))

    def end_session(self, sid: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE sid_hash = ?", (digest(sid),))

    # --- what the page shows ---------------------------------------------------------------
    def add_turns(self, convo: str, bodies: list[dict[str, Any]]) -> None:
        now = time.time()
        with self._db() as db:
            (last,) = db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM turns WHERE convo = ?", (convo,)
            ).fetchone()
            db.executemany(
                "INSERT INTO turns VALUES (?, ?, ?, ?)",
                [(convo, last + n, json.dumps(b, ensure_ascii=False), now) for n, b in enumerate(bodies, 1)],
            )

    def turns(self, convo: str) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT body FROM turns WHERE convo = ? ORDER BY seq", (convo,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    # --- "please call me instead" ----------------------------------------------------------
    def request_call(self, patient: str, lang: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO call_requests (patient, lang, at) VALUES (?, ?, ?)", (patient, lang, time.time())
            )

    def call_requests(self) -> list[tuple[str, str, float]]:
        with self._db() as db:
            return [tuple(r) for r in db.execute("SELECT patient, lang, at FROM call_requests ORDER BY id")]

    def patient_of_invite(self, code: str) -> tuple[str, str] | None:
        """(patient, lang) of a code that is still valid; nothing for a used or expired one."""
        now = time.time()
        with self._db() as db:
            row = db.execute(
                "SELECT patient, lang FROM invites WHERE code_hash = ? AND used IS NULL AND expires > ?",
                (digest(code), now),
            ).fetchone()
        return (row[0], row[1]) if row else None
