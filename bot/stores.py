"""Rasa's production stores, as an endpoints file generated for each run.

- Tracker store (conversations, durable): SQL. SQLite in the state directory by default
  (embedded; survives restarts), PostgreSQL (or any SQLAlchemy URL Rasa supports) when
  PRESCREEN_TRACKER_URL names one, e.g. postgresql://rasa@db.internal:5432/prescreen. The
  password, if any, goes in PRESCREEN_TRACKER_PASSWORD (or the URL); it is passed to Rasa by
  environment variable, never written into the generated file.
- Lock store (one message of a conversation at a time across Rasa servers): Redis when
  PRESCREEN_LOCK_URL names one (redis://host:port/db) or when several Rasa servers run
  (`serve --replicas N` starts a private redis-server on loopback if none is named); Rasa's
  in-memory lock store for a single server.
- The action server endpoint, as endpoints.yml has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

TRACKER_URL_ENV = "PRESCREEN_TRACKER_URL"
TRACKER_PASSWORD_ENV = "PRESCREEN_TRACKER_PASSWORD"
LOCK_URL_ENV = "PRESCREEN_LOCK_URL"
LOCK_PASSWORD_ENV = "PRESCREEN_LOCK_PASSWORD"
CACHED_SQL_STORE = "bot.tracker_store.CachedSQLTrackerStore"


class StoreConfigError(ValueError):
    """A store URL that cannot be used (message names the variable, never a password)."""


@dataclass(frozen=True)
class TrackerStore:
    dialect: str  # sqlite | postgresql
    db: str  # a file path for SQLite, a database name otherwise
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str | None, default_sqlite: Path) -> TrackerStore:
        if not url:
            return cls("sqlite", str(default_sqlite))
        parts = urlsplit(url)
        scheme = parts.scheme.split("+", 1)[0]
        if scheme == "sqlite":
            path = unquote(parts.path)
            if not path or path == "/":
                raise StoreConfigError(f"${TRACKER_URL_ENV}: sqlite:////absolute/path.db")
            return cls("sqlite", path)
        if scheme in ("postgresql", "postgres"):
            db = parts.path.lstrip("/")
            if not db or not parts.hostname:
                raise StoreConfigError(f"${TRACKER_URL_ENV}: postgresql://user@host:port/database")
            return cls(
                "postgresql",
                unquote(db),
                host=parts.hostname,
                port=parts.port or 5432,
                username=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
            )
        raise StoreConfigError(f"${TRACKER_URL_ENV}: only sqlite and postgresql URLs are supported")

    def endpoint(self) -> dict:
        # Rasa's SQL store with the current conversations kept in memory (bot/tracker_store.py).
        out: dict = {"type": CACHED_SQL_STORE, "dialect": self.dialect, "db": self.db}
        if self.host:
            out.update({"url": self.host, "port": self.port})  # Rasa passes `url` as `host`
        if self.username:
            out["username"] = self.username
        if self.password:
            out["password"] = "${" + TRACKER_PASSWORD_ENV + "}"
        return out

    def describe(self) -> str:
        if self.dialect == "sqlite":
            return f"SQLite {self.db}"
        return f"PostgreSQL {self.host}:{self.port}/{self.db}"


@dataclass(frozen=True)
class LockStore:
    host: str
    port: int
    db: int = 0
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> LockStore:
        parts = urlsplit(url)
        if parts.scheme != "redis" or not parts.hostname:
            raise StoreConfigError(f"${LOCK_URL_ENV}: redis://host:port/db")
        db = parts.path.lstrip("/") or "0"
        if not db.isdigit():
            raise StoreConfigError(f"${LOCK_URL_ENV}: the database is a number")
        return cls(
            parts.hostname, parts.port or 6379, int(db), unquote(parts.password) if parts.password else None
        )

    def endpoint(self) -> dict:
        out: dict = {
            "type": "redis",
            "url": self.host,
            "port": self.port,
            "db": self.db,
            "key_prefix": "prescreen",
        }
        if self.password:
            out["password"] = "${" + LOCK_PASSWORD_ENV + "}"
        return out


def endpoints(tracker: TrackerStore, lock: LockStore | None) -> dict:
    out: dict = {
        "action_endpoint": {
            "url": "${PRESCREEN_ACTION_URL}",
            "headers": {"Authorization": "Bearer ${PRESCREEN_ACTION_SECRET}"},
            # The domain goes only to actions that declare `send_domain` (domain.yml).
            "enable_selective_domain": True,
        },
        "tracker_store": tracker.endpoint(),
    }
    if lock is not None:
        out["lock_store"] = lock.endpoint()
    return out


def store_env(tracker: TrackerStore, lock: LockStore | None) -> dict[str, str]:
    """The passwords, for Rasa's environment (the file names only the variables)."""
    env = {}
    if tracker.password:
        env[TRACKER_PASSWORD_ENV] = tracker.password
    if lock is not None and lock.password:
        env[LOCK_PASSWORD_ENV] = lock.password
    return env


def write_endpoints(path: Path, tracker: TrackerStore, lock: LockStore | None) -> Path:
    text = "# Generated by prescreen serve for this run (bot/stores.py); do not edit.\n"
    text += yaml.safe_dump(endpoints(tracker, lock), sort_keys=False)
    path.write_text(text)
    path.chmod(0o600)
    return path
