"""The log's tables, versioned: each migration runs once, in order, under a lock.

Portable SQL (SQLite and PostgreSQL): text ids (UUIDs), ISO-8601 UTC timestamps with
microseconds (they sort as text), JSON in text columns.
"""

from __future__ import annotations

from screening_log.db import Conn, Database

SCHEMA_VERSION = 1

MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        # One row per answer, correction or withdrawal: never updated, never deleted.
        """CREATE TABLE IF NOT EXISTS answers (
            id TEXT PRIMARY KEY,
            trial TEXT NOT NULL,
            patient TEXT NOT NULL,
            question_id TEXT NOT NULL,
            criterion TEXT NOT NULL,
            value TEXT,
            kind TEXT NOT NULL,
            by_role TEXT NOT NULL,
            subject TEXT NOT NULL,
            channel TEXT NOT NULL,
            words TEXT,
            at TEXT NOT NULL,
            screening_id TEXT,
            override INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX IF NOT EXISTS answers_patient ON answers (trial, patient, at)",
        # One row per screening (a conversation's, or one patient of a batch run).
        """CREATE TABLE IF NOT EXISTS screenings (
            id TEXT PRIMARY KEY,
            trial TEXT NOT NULL,
            patient TEXT NOT NULL,
            conversation TEXT,
            by_role TEXT NOT NULL,
            subject TEXT NOT NULL,
            channel TEXT NOT NULL,
            as_of TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            verdict TEXT,
            failed TEXT,
            missing TEXT,
            reused TEXT,
            rules_version TEXT,
            input_hash TEXT,
            writeback TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS screenings_patient ON screenings (trial, patient, finished_at)",
        "CREATE INDEX IF NOT EXISTS screenings_conversation ON screenings (conversation, patient)",
        # The audit trail: who did what to whose screening, when, from where. Never record values.
        """CREATE TABLE IF NOT EXISTS audit (
            id TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            subject TEXT NOT NULL,
            role TEXT NOT NULL,
            patient TEXT,
            trial TEXT,
            action TEXT NOT NULL,
            channel TEXT NOT NULL,
            detail TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS audit_patient ON audit (patient, at)",
    ),
}


def migrate(db: Database) -> int:
    """Bring the schema to SCHEMA_VERSION; returns the version found before."""
    with db.connect() as c:
        if db.kind == "postgresql":
            # Two processes starting at once must not both migrate.
            c.execute("SELECT pg_advisory_xact_lock(?)", (0x50524553,))
        c.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        found = _version(c)
        if found > SCHEMA_VERSION:
            from screening_log.db import StoreError

            raise StoreError(
                f"the screening log has schema version {found}, newer than this program's {SCHEMA_VERSION}"
            )
        for version in range(found + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version]:
                c.execute(statement)
        if found == 0:
            c.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        elif found < SCHEMA_VERSION:
            c.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
    return found


def _version(c: Conn) -> int:
    rows = c.execute("SELECT version FROM schema_version")
    return int(rows[0][0]) if rows else 0
