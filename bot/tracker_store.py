"""Rasa's SQL tracker store with the current conversations kept in memory (runs inside Rasa).

Rasa's SQLTrackerStore rebuilds a conversation from all its events on every message, counts the
stored events again on every save, and adds each new event as an ORM object; with SQLite it also
opens and closes a connection per call (SQLAlchemy 1.4 pools no file connections), and closing
the last connection to a WAL database checkpoints it. In a profile of our turns
(benchmarks/profile_turn.py) those were the largest costs after the action-answer validation.

This store:
- keeps the tracker it rebuilt or saved last, and reuses it only while the database still ends
  at the same event (the conversation's largest event id: one indexed query). Events are only
  ever appended, and Rasa's lock store lets one server at a time work on a conversation, so an
  unchanged last id means nothing changed elsewhere. Anything else (another replica wrote, a turn
  failed half-way, a new session) falls back to Rasa's own rebuild and count;
- saves the new events in one multi-row insert, with the same columns Rasa writes;
- keeps a small pool of SQLite connections (WAL mode, synchronous=NORMAL: a killed process loses
  nothing committed, and commits do not wait for a disk flush).

Idle conversations leave memory after IDLE_SECONDS ($PRESCREEN_CONVERSATION_IDLE_SECONDS; the
database keeps them), and at most MAX_CACHED stay.

Configured by the endpoints file that bot/stores.py generates (its `type`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)
# How long an idle conversation stays in memory (the database keeps it for ever).
IDLE_ENV = "PRESCREEN_CONVERSATION_IDLE_SECONDS"
IDLE_SECONDS = float(os.environ.get(IDLE_ENV) or 900)
MAX_CACHED = 2000
SESSION_STARTED = SessionStarted.type_name
SQLITE_POOL = 4  # Rasa calls the store from its event loop: a few connections are plenty


@dataclass
class Cached:
    used: float
    last_id: int | None  # the conversation's largest event id when this tracker matched the database
    count: int  # events of the current session in the database (== len(tracker.events))
    tracker: Any


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        LIVE.append(self)
        self._cache: OrderedDict[str, Cached] = OrderedDict()
        self._guard = threading.Lock()
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url,
                poolclass=sa.pool.QueuePool,
                pool_size=SQLITE_POOL,
                max_overflow=SQLITE_POOL,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            with self.engine.connect() as conn:  # the file's journal mode sticks; set it now
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _last_id(self, session: Any, sender_id: str) -> int | None:
        return (
            session.query(sa.func.max(self.SQLEvent.id)).filter(self.SQLEvent.sender_id == sender_id).scalar()
        )

    def _session_count(self, session: Any, sender_id: str) -> int:
        """Events of the current session in the database, counted as Rasa counts them."""
        return self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()

    def _expire(self, now: float) -> None:
        while self._cache:
            key, entry = next(iter(self._cache.items()))
            if now - entry.used < IDLE_SECONDS and len(self._cache) <= MAX_CACHED:
                break
            self._cache.pop(key)

    def _fresh(self, sender_id: str, last_id: int | None) -> Cached | None:
        """The cached entry when the database still ends where it did, and the tracker was not
        changed since (a turn that failed before saving leaves extra events on it)."""
        now = time.monotonic()
        with self._guard:
            self._expire(now)
            hit = self._cache.get(sender_id)
            if hit is None or hit.last_id != last_id or len(hit.tracker.events) != hit.count:
                return None
            hit.used = now
            self._cache.move_to_end(sender_id)
            return hit

    async def retrieve(self, sender_id: str) -> Any:
        with self.session_scope() as session:
            last_id = self._last_id(session, sender_id)
        hit = self._fresh(sender_id, last_id)
        if hit is not None:
            return hit.tracker
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(sender_id, tracker, last_id, len(tracker.events))
        return tracker

    async def save(self, tracker: Any) -> None:
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        with self.session_scope() as session:
            last_id = self._last_id(session, sender_id)
            with self._guard:
                hit = self._cache.get(sender_id)
                known = hit.count if hit is not None and hit.last_id == last_id else None
            if known is None:  # Rasa's own count of the current session's stored events
                known = self._session_count(session, sender_id)
            rows = [self._row(sender_id, event) for event in list(tracker.events)[known:]]
            stored = known + len(rows)
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
                last_id = self._last_id(session, sender_id)
                if any(row["type_name"] == SESSION_STARTED for row in rows):
                    # A new session: Rasa reads back only the current session, which is shorter
                    # than this tracker when it still holds an old one; ask, as Rasa would count.
                    stored = self._session_count(session, sender_id)
            session.commit()
        if stored == len(tracker.events):
            self._remember(sender_id, tracker, last_id, len(tracker.events))
        else:
            with self._guard:
                self._cache.pop(sender_id, None)
        logger.debug("tracker stored")

    @staticmethod
    def _row(sender_id: str, event: Any) -> dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _remember(self, sender_id: str, tracker: Any, last_id: int | None, count: int) -> None:
        with self._guard:
            self._cache[sender_id] = Cached(time.monotonic(), last_id, count, tracker)
            self._cache.move_to_end(sender_id)

    def cached_conversations(self) -> int:
        with self._guard:
            self._expire(time.monotonic())
            return len(self._cache)


LIVE: list[CachedSQLTrackerStore] = []  # the stores of this process, for the channel's health


def conversations_in_memory() -> int | None:
    """Conversations held in memory by this Rasa process (None: not our store)."""
    return sum(store.cached_conversations() for store in LIVE) if LIVE else None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")  # two replicas on one file wait, not fail
    cursor.close()
