"""Where the log lives and how to talk to it: SQLite (default) or PostgreSQL, one small interface.

SQL is written once with `?` placeholders; PostgreSQL gets them as `%s`. Every operation is its
own transaction, committed before returning: a process killed at any moment loses no committed
answer. PostgreSQL operations open their own connection (a restarted server is simply
reconnected to); SQLite keeps one connection a thread and process, because opening and closing
one per operation (closing checkpoints the WAL file) was a per-turn cost of the chat.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DB_URL_ENV = "PRESCREEN_DB_URL"
SWITCH_ENV = "PRESCREEN_SCREENING_LOG"  # "off": no store at all (each conversation on its own)
STATE_DIR_ENV = "PRESCREEN_STATE_DIR"
SQLITE_NAME = "screening-log.sqlite3"
BUSY_TIMEOUT_MS = 15_000


class StoreError(Exception):
    """The screening log could not be opened or written (one line, no patient data)."""


def state_dir() -> Path:
    """The state directory (same rule as the chat's keys): $PRESCREEN_STATE_DIR, else
    $XDG_STATE_HOME/prescreen, else ~/.local/state/prescreen."""
    if os.environ.get(STATE_DIR_ENV):
        return Path(os.environ[STATE_DIR_ENV])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "prescreen"


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


def default_url() -> str:
    """PRESCREEN_DB_URL when set (postgresql://...), else the SQLite file in the state directory."""
    return os.environ.get(DB_URL_ENV) or f"sqlite:///{state_dir() / SQLITE_NAME}"


def describe(url: str) -> str:
    """The URL without credentials, for messages."""
    if url.startswith("sqlite:///"):
        return url
    head, _, tail = url.partition("://")
    return f"{head}://{tail.rpartition('@')[2]}"


class Database:
    """A connection factory for one URL; `?` placeholders in, rows (tuples) out."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            self.kind = "sqlite"
            self.path = Path(url[len("sqlite:///") :])
            self._prepare_sqlite_file()
        elif url.startswith(("postgresql://", "postgres://")):
            self.kind = "postgresql"
            self.path = None
        else:
            raise StoreError(f"{DB_URL_ENV} must be sqlite:///PATH or postgresql://..., got {describe(url)}")
        self._local = threading.local()

    def _sqlite(self) -> sqlite3.Connection:
        """This thread's connection (a new one after a fork: SQLite connections must not cross)."""
        held = getattr(self._local, "sqlite", None)
        if held is not None and held[0] == os.getpid():
            return held[1]
        try:
            conn = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a commit survives a power cut
        except sqlite3.Error as e:
            raise StoreError(f"cannot open the screening log {self.path}: {e}") from None
        self._local.sqlite = (os.getpid(), conn)
        return conn

    def _prepare_sqlite_file(self) -> None:
        assert self.path is not None
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if folder == state_dir():
                os.chmod(folder, 0o700)
            # Created 0600 before SQLite opens it; its -wal/-shm files take the same mode.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            os.chmod(self.path, 0o600)
        except OSError as e:
            raise StoreError(f"cannot create the screening log in {folder}: {e.strerror}") from None

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A connection in a transaction: committed on success, rolled back on error."""
        if self.kind == "sqlite":
            conn = self._sqlite()
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield Conn(conn, "?")
                conn.execute("COMMIT")
            except BaseException as e:
                try:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                if isinstance(e, sqlite3.Error):  # a broken connection is not used again
                    self._local.__dict__.pop("sqlite", None)
                    conn.close()
                raise
        else:
            import psycopg

            try:
                conn = psycopg.connect(self.url, connect_timeout=10)
            except psycopg.Error as e:
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise StoreError(f"cannot reach the screening log at {describe(self.url)}: {first}") from None
            try:
                with conn.transaction():
                    yield Conn(conn, "%s")
            finally:
                conn.close()


class Conn:
    """One open connection; translates placeholders."""

    def __init__(self, conn: Any, mark: str) -> None:
        self.conn = conn
        self.mark = mark

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        if self.mark != "?":
            sql = sql.replace("?", self.mark)
        cur = self.conn.execute(sql, tuple(params))
        try:
            return list(cur.fetchall()) if cur.description else []
        finally:
            cur.close()
