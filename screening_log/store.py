"""The store's operations: answers in, answers out, screenings, the queue, the audit trail.

Answers are appended, never changed: a correction or a withdrawal is a new row, so the history
of who said what stays whole. The audit trail names actions, question and criterion ids and
verdicts; never a record value (lab results, report text) and never the words people typed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Any

from screening_log.db import Database, default_url
from screening_log.schema import migrate

ROLES = ("clinician", "patient", "coordinator", "system")
ANSWER_KINDS = ("answer", "correction", "withdrawn")


def now() -> datetime:
    return datetime.now(timezone.utc)


def stamp(when: datetime | None = None) -> str:
    when = when or now()
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds")


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class StoredAnswer:
    """One row of the answer history."""

    id: str
    trial: str
    patient: str
    question_id: str
    criterion: str
    value: Any  # None for a withdrawal
    kind: str  # answer | correction | withdrawn
    by: str  # clinician | patient
    subject: str  # the token's subject
    channel: str
    words: str | None
    at: datetime
    screening_id: str | None = None
    override: bool = False

    @property
    def day(self) -> date:
        return self.at.date()


@dataclass(frozen=True)
class Screening:
    id: str
    trial: str
    patient: str
    conversation: str | None
    by: str
    subject: str
    channel: str
    as_of: str | None
    started_at: datetime
    finished_at: datetime | None
    verdict: str | None
    failed: list[dict[str, str]] = field(default_factory=list)  # [{id, reason}]
    missing: list[dict[str, str]] = field(default_factory=list)  # [{id, ask}]
    reused: list[str] = field(default_factory=list)  # ids of stored answers re-used
    rules_version: str | None = None
    input_hash: str | None = None
    writeback: str | None = None


@dataclass(frozen=True)
class AuditEvent:
    id: str
    at: datetime
    subject: str
    role: str
    patient: str | None
    trial: str | None
    action: str
    channel: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class QueueEntry:
    """A patient's latest finished screening, as the coordinator's queue lists it."""

    patient: str
    state: str  # potentially_eligible | needs_information | ineligible
    screening: Screening


class Store:
    """The screening log at one database URL (migrated on open)."""

    def __init__(self, url: str | None = None) -> None:
        self.db = Database(url or default_url())
        migrate(self.db)

    @property
    def kind(self) -> str:
        return self.db.kind

    # --- answers -----------------------------------------------------------------------------

    def add_answer(
        self,
        *,
        trial: str,
        patient: str,
        question_id: str,
        criterion: str,
        value: Any,
        by: str,
        subject: str,
        channel: str,
        words: str | None = None,
        kind: str = "answer",
        override: bool = False,
        screening_id: str | None = None,
        at: datetime | None = None,
    ) -> StoredAnswer:
        """Append one answer (or correction, or withdrawal) and its audit event, atomically."""
        if by not in ("clinician", "patient"):
            raise ValueError(f"answers come from a clinician or a patient, not {by!r}")
        if kind not in ANSWER_KINDS:
            raise ValueError(f"unknown answer kind {kind!r}")
        row = StoredAnswer(
            id=new_id(), trial=trial, patient=patient, question_id=question_id, criterion=criterion,
            value=None if kind == "withdrawn" else value, kind=kind, by=by, subject=subject, channel=channel,
            words=words, at=parse_stamp(stamp(at)), screening_id=screening_id, override=override,
        )  # fmt: skip
        with self.db.connect() as c:
            _insert(c, "answers", _ANSWER_COLUMNS, row)
            # What changed, by whom: the question and what the person answered (their words stay
            # in the answers table only).
            detail = {"question": question_id, "criterion": criterion}
            if kind != "withdrawn":
                detail["answer"] = row.value
            if screening_id:
                detail["screening"] = screening_id
            self._audit(c, at=row.at, action=kind, detail=detail, **_who(row))
        return row

    def answers(self, patient: str, trial: str) -> list[StoredAnswer]:
        """The patient's whole answer history for the trial, oldest first."""
        return self._select(StoredAnswer, "WHERE trial = ? AND patient = ? ORDER BY at, id", (trial, patient))

    # --- screenings ---------------------------------------------------------------------------

    def start_screening(
        self,
        *,
        trial: str,
        patient: str,
        by: str,
        subject: str,
        channel: str,
        as_of: str | None,
        conversation: str | None = None,
        reused: list[str] | None = None,
        at: datetime | None = None,
    ) -> str:
        s = Screening(
            id=new_id(), trial=trial, patient=patient, conversation=conversation, by=by, subject=subject,
            channel=channel, as_of=as_of, started_at=parse_stamp(stamp(at)), finished_at=None, verdict=None,
            reused=reused or [],
        )  # fmt: skip
        with self.db.connect() as c:
            _insert(c, "screenings", _STARTED_COLUMNS, s)
            detail = {"screening": s.id, "reused_answers": len(s.reused)}
            self._audit(c, at=s.started_at, action="screening_started", detail=detail, **_who(s))
        return s.id

    def open_screening(self, conversation: str, patient: str, trial: str) -> str | None:
        """The latest screening of this patient started in this conversation, if any."""
        with self.db.connect() as c:
            rows = c.execute(
                "SELECT id FROM screenings WHERE conversation = ? AND patient = ? AND trial = ? "
                "ORDER BY started_at DESC, id DESC LIMIT 1",
                (conversation, patient, trial),
            )
        return rows[0][0] if rows else None

    def finish_screening(
        self, screening_id: str, report: dict[str, Any], ask: dict[str, str], at: datetime | None = None
    ) -> Screening:
        """Record a screening's outcome (again, when the conversation changed it): the verdict,
        what rules the patient out and why, what is missing and whom to ask (`ask`: criterion ->
        who)."""
        failed = [
            {"id": r["id"], "reason": r.get("reason", "")}
            for r in report.get("criteria", [])
            if r.get("status") == "fail"
        ]
        missing = [{"id": cid, "ask": ask.get(cid, "")} for cid in report.get("missing", [])]
        with self.db.connect() as c:
            before = _one_screening(c, screening_id)
            after = replace(
                before, finished_at=parse_stamp(stamp(at)), verdict=report.get("verdict"), failed=failed,
                missing=missing, as_of=report.get("as_of"), rules_version=report.get("rules_version"),
                input_hash=report.get("input_hash"),
            )  # fmt: skip
            _update(c, "screenings", _FINISHED_COLUMNS, after)
            # Criterion ids and the verdict only: the reasons quote record values.
            detail = {
                "screening": screening_id,
                "verdict": after.verdict,
                "failed": [f["id"] for f in failed],
                "missing": [m["id"] for m in missing],
            }
            action = "screening_finished" if before.finished_at is None else "screening_updated"
            self._audit(c, at=after.finished_at, action=action, detail=detail, **_who(before))
        return self.screening(screening_id)

    def set_writeback(self, screening_id: str, outcome: str) -> None:
        with self.db.connect() as c:
            c.execute("UPDATE screenings SET writeback = ? WHERE id = ?", (outcome, screening_id))

    def screening(self, screening_id: str) -> Screening:
        with self.db.connect() as c:
            return _one_screening(c, screening_id)

    def screenings(self, patient: str, trial: str) -> list[Screening]:
        clause = "WHERE patient = ? AND trial = ? ORDER BY started_at, id"
        return self._select(Screening, clause, (patient, trial))

    def latest_verdicts(self, trial: str) -> dict[str, str]:
        """patient -> verdict of their latest finished screening."""
        return {e.patient: e.state for e in self.queue(trial)}

    def queue(self, trial: str, since: date | None = None, until: date | None = None) -> list[QueueEntry]:
        """Each patient's latest finished screening (any channel), optionally finished between
        `since` and `until` (dates, both included)."""
        clause = "WHERE trial = ? AND finished_at IS NOT NULL ORDER BY patient, finished_at, id"
        finished = self._select(Screening, clause, (trial,))
        latest: dict[str, Screening] = {}
        for s in finished:
            latest[s.patient] = s
        out = []
        for s in latest.values():
            day = s.finished_at.date() if s.finished_at else None
            if day is None or (since and day < since) or (until and day > until):
                continue
            out.append(QueueEntry(patient=s.patient, state=s.verdict or "needs_information", screening=s))
        return out

    # --- the audit trail -----------------------------------------------------------------------

    def audit(
        self,
        *,
        subject: str,
        role: str,
        action: str,
        channel: str,
        patient: str | None = None,
        trial: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Record an event that is not an answer or a screening: an invitation, an export, a
        look at the queue or at a patient's trail, a write-back."""
        with self.db.connect() as c:
            return self._audit(c, subject=subject, role=role, patient=patient, trial=trial, action=action,
                               channel=channel, detail=detail or {})

    def trail(self, patient: str | None = None, since: date | None = None) -> list[AuditEvent]:
        """Audit events (of one patient, or all), oldest first."""
        where, params = [], []
        if patient is not None:
            where.append("patient = ?")
            params.append(patient)
        if since is not None:
            where.append("at >= ?")
            params.append(since.isoformat())
        clause = ("WHERE " + " AND ".join(where) + " " if where else "") + "ORDER BY at, id"
        return self._select(AuditEvent, clause, params)

    def _select(self, cls: type, clause: str, params: tuple | list) -> list:
        """The rows of cls's table that `clause` (WHERE ... ORDER BY ...) picks, as cls."""
        with self.db.connect() as c:
            return _select_in(c, cls, clause, params)

    def _audit(self, c, *, at: datetime | None = None, **what: Any) -> AuditEvent:
        """One audit event in the open transaction `c`; `what` holds the AuditEvent fields other
        than id and at (subject, role, patient, trial, action, channel, detail)."""
        if what["role"] not in ROLES:
            raise ValueError(f"unknown role {what['role']!r}")
        event = AuditEvent(id=new_id(), at=parse_stamp(stamp(at)), **what)
        _insert(c, "audit", _AUDIT_COLUMNS, event)
        return event


def _who(row: StoredAnswer | Screening) -> dict[str, Any]:
    """Who acted, about whom, from where: the audit fields an answer or a screening settles."""
    return {"subject": row.subject, "role": row.by, "patient": row.patient, "trial": row.trial,
            "channel": row.channel}


# --- rows <-> dataclasses -------------------------------------------------------------------------
# Each table is described once: its columns in order, the dataclass field each one holds and how a
# value is written to the column and read back. INSERT, UPDATE and SELECT are built from these.


def _same(v: Any) -> Any:
    return v


def _json_text(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def _maybe(write: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`write` for a value, None for None (nullable columns)."""
    return lambda v: None if v is None else write(v)


def _json_list(text: str | None) -> list:
    return json.loads(text) if text else []


@dataclass(frozen=True)
class _Column:
    name: str
    holds: str = ""  # the dataclass field, when it is not named like the column
    write: Callable[[Any], Any] = _same
    read: Callable[[Any], Any] = _same

    @property
    def attr(self) -> str:
        return self.holds or self.name


def _plain(*names: str) -> list[_Column]:
    return [_Column(n) for n in names]


_AT = _Column("at", write=stamp, read=parse_stamp)
_BY = _Column("by_role", "by")

_ANSWER_COLUMNS = [
    *_plain("id", "trial", "patient", "question_id", "criterion"),
    _Column("value", write=_maybe(_json_text), read=_maybe(json.loads)),
    *_plain("kind"), _BY, *_plain("subject", "channel", "words"), _AT, *_plain("screening_id"),
    _Column("override", write=int, read=bool),
]  # fmt: skip
_AUDIT_COLUMNS = [
    *_plain("id"), _AT, *_plain("subject", "role", "patient", "trial", "action", "channel"),
    _Column("detail", write=lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True),
            read=lambda text: json.loads(text) if text else {}),
]  # fmt: skip
_SCREENING_COLUMNS = [
    *_plain("id", "trial", "patient", "conversation"), _BY, *_plain("subject", "channel", "as_of"),
    _Column("started_at", write=stamp, read=parse_stamp),
    _Column("finished_at", write=_maybe(stamp), read=_maybe(parse_stamp)),
    *_plain("verdict"),
    _Column("failed", write=_json_text, read=_json_list),
    _Column("missing", write=json.dumps, read=_json_list),
    _Column("reused", write=json.dumps, read=_json_list),
    *_plain("rules_version", "input_hash", "writeback"),
]  # fmt: skip
_SCREENING = {col.name: col for col in _SCREENING_COLUMNS}
# Written when a screening starts, and when it finishes (again, when a conversation changes it).
_STARTED_COLUMNS = [_SCREENING[n] for n in ("id", "trial", "patient", "conversation", "by_role", "subject",
                                             "channel", "as_of", "started_at", "reused")]
_FINISHED_COLUMNS = [_SCREENING[n] for n in ("finished_at", "verdict", "failed", "missing", "as_of",
                                              "rules_version", "input_hash")]


def _names(columns: list[_Column]) -> str:
    return ", ".join(col.name for col in columns)


def _insert(c, table: str, columns: list[_Column], row: Any) -> None:
    c.execute(
        f"INSERT INTO {table} ({_names(columns)}) VALUES ({','.join('?' * len(columns))})",
        tuple(col.write(getattr(row, col.attr)) for col in columns),
    )


def _update(c, table: str, columns: list[_Column], row: Any) -> None:
    """Set `columns` of the row with row.id to the row's values."""
    sets = ", ".join(f"{col.name} = ?" for col in columns)
    values = [col.write(getattr(row, col.attr)) for col in columns]
    c.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values, row.id))


def _load(cls: type, columns: list[_Column], r: tuple) -> Any:
    return cls(**{col.attr: col.read(v) for col, v in zip(columns, r, strict=True)})


_TABLES: dict[type, tuple[str, list[_Column]]] = {
    StoredAnswer: ("answers", _ANSWER_COLUMNS),
    Screening: ("screenings", _SCREENING_COLUMNS),
    AuditEvent: ("audit", _AUDIT_COLUMNS),
}


def _select_in(c, cls: type, clause: str, params: tuple | list) -> list:
    table, columns = _TABLES[cls]
    rows = c.execute(f"SELECT {_names(columns)} FROM {table} {clause}", params)
    return [_load(cls, columns, r) for r in rows]


def _one_screening(c, screening_id: str) -> Screening:
    found = _select_in(c, Screening, "WHERE id = ?", (screening_id,))
    if not found:
        raise KeyError(screening_id)
    return found[0]


_OPEN: dict[str, Store] = {}


def open_store(url: str | None = None) -> Store:
    """The store at `url` (default: PRESCREEN_DB_URL, else SQLite in the state directory),
    migrated once per process."""
    key = url or default_url()
    store = _OPEN.get(key)
    if store is None:
        store = _OPEN[key] = Store(key)
    return store
