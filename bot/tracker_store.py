"""Rasa's SQL tracker store with the current conversations kept in memory (runs inside Rasa).

Rasa's SQLTrackerStore rebuilds a conversation from all its events on every message: in a
profile of our turns (benchmarks/profile_turn.py) that was the largest cost left after the
action-answer validation. This store keeps the tracker it rebuilt or saved last, and reuses it
only while the database still holds exactly those events (a count and the last row id, one
indexed query): events are only ever appended, and Rasa's lock store lets one server at a time
work on a conversation, so a matching count means nothing changed elsewhere. Anything else
(another replica wrote, a turn failed half-way, a new session) falls back to Rasa's own rebuild.

Idle conversations leave memory after IDLE_SECONDS (the database keeps them), and at most
MAX_CACHED stay. SQLite runs in WAL mode with synchronous=NORMAL: a killed process loses
nothing committed, and commits no longer wait for a disk flush.

Configured by the endpoints file that bot/stores.py generates (its `type`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

logger = logging.getLogger(__name__)
IDLE_SECONDS = 900.0
MAX_CACHED = 2000


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cache: OrderedDict[str, tuple[float, tuple[int, int | None], Any]] = OrderedDict()
        self._guard = threading.Lock()
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            with self.engine.connect() as conn:  # the file's journal mode sticks; set it now
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")

    def _stamp(self, sender_id: str) -> tuple[int, int | None]:
        """(events of the current session, last event id) as the database has them now."""
        with self.session_scope() as session:
            count = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()
            last = (
                session.query(sa.func.max(self.SQLEvent.id))
                .filter(self.SQLEvent.sender_id == sender_id)
                .scalar()
            )
        return count, last

    def _expire(self, now: float) -> None:
        while self._cache:
            key, (used, _, _) = next(iter(self._cache.items()))
            if now - used < IDLE_SECONDS and len(self._cache) <= MAX_CACHED:
                break
            self._cache.pop(key)

    async def retrieve(self, sender_id: str) -> Any:
        stamp = self._stamp(sender_id)
        now = time.monotonic()
        with self._guard:
            self._expire(now)
            hit = self._cache.get(sender_id)
            if hit is not None and hit[1] == stamp and len(hit[2].events) == stamp[0]:
                self._cache[sender_id] = (now, stamp, hit[2])
                self._cache.move_to_end(sender_id)
                return hit[2]
        tracker = await super().retrieve(sender_id)
        self._remember(sender_id, tracker, stamp)
        return tracker

    async def save(self, tracker: Any) -> None:
        await super().save(tracker)
        stamp = self._stamp(tracker.sender_id)
        self._remember(tracker.sender_id, tracker, stamp)

    def _remember(self, sender_id: str, tracker: Any, stamp: tuple[int, int | None]) -> None:
        with self._guard:
            # Only a tracker that is exactly the stored session can stand in for a rebuild.
            if tracker is not None and len(tracker.events) == stamp[0]:
                self._cache[sender_id] = (time.monotonic(), stamp, tracker)
                self._cache.move_to_end(sender_id)
            else:
                self._cache.pop(sender_id, None)

    def cached_conversations(self) -> int:
        return len(self._cache)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")  # two replicas on one file wait, not fail
    cursor.close()
