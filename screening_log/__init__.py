"""The screening log: every answer people gave, every screening and its verdict, and the audit
trail (who looked at which patient's eligibility, and what they said), kept per patient and
trial outside the chat's tracker.

SQLite under the state directory by default; PostgreSQL when PRESCREEN_DB_URL names one.
Imports nothing from bot/, actions/ or batch/: every channel calls into it.
"""

from screening_log.db import StoreError, enabled
from screening_log.reuse import Reuse, reusable
from screening_log.store import AuditEvent, QueueEntry, Screening, Store, StoredAnswer, open_store

__all__ = [
    "AuditEvent",
    "QueueEntry",
    "Reuse",
    "Screening",
    "Store",
    "StoreError",
    "StoredAnswer",
    "enabled",
    "open_store",
    "reusable",
]
