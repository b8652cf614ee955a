"""The store's operations: answers in, answers out, screenings, the queue, the audit trail.

Answers are appended, never changed: a correction or a withdrawal is a new row, so the history
of who said what stays whole. The audit trail names actions, question and criterion ids and
verdicts; never a record value (lab results, report text) and never the words people typed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
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
            id=new_id(),
            trial=trial,
            patient=patient,
            question_id=question_id,
            criterion=criterion,
            value=None if kind == "withdrawn" else value,
            kind=kind,
            by=by,
            subject=subject,
            channel=channel,
            words=words,
            at=parse_stamp(stamp(at)),
            screening_id=screening_id,
            override=override,
        )
        with self.db.connect() as c:
            c.execute(
                "INSERT INTO answers (id, trial, patient, question_id, criterion, value, kind, by_role, "
                "subject, channel, words, at, screening_id, override) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    row.id,
                    trial,
                    patient,
                    question_id,
                    criterion,
                    None if row.value is None else json.dumps(row.value, ensure_ascii=False),
                    kind,
                    by,
                    subject,
                    channel,
                    words,
                    stamp(row.at),
                    screening_id,
                    int(override),
                ),
            )
            # What changed, by whom: the question and what the person answered (their words stay
            # in the answers table only).
            detail = {"question": question_id, "criterion": criterion}
            if kind != "withdrawn":
                detail["answer"] = row.value
            if screening_id:
                detail["screening"] = screening_id
            self._audit(
                c,
                subject=subject,
                role=by,
                patient=patient,
                trial=trial,
                action=kind,
                channel=channel,
                detail=detail,
                at=row.at,
            )
        return row

    def answers(self, patient: str, trial: str) -> list[StoredAnswer]:
        """The patient's whole answer history for the trial, oldest first."""
        with self.db.connect() as c:
            rows = c.execute(
                "SELECT id, trial, patient, question_id, criterion, value, kind, by_role, subject, channel, "
                "words, at, screening_id, override FROM answers WHERE trial = ? AND patient = ? "
                "ORDER BY at, id",
                (trial, patient),
            )
        return [
            StoredAnswer(
                id=r[0],
                trial=r[1],
                patient=r[2],
                question_id=r[3],
                criterion=r[4],
                value=None if r[5] is None else json.loads(r[5]),
                kind=r[6],
                by=r[7],
                subject=r[8],
                channel=r[9],
                words=r[10],
                at=parse_stamp(r[11]),
                screening_id=r[12],
                override=bool(r[13]),
            )
            for r in rows
        ]

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
        sid = new_id()
        when = stamp(at)
        with self.db.connect() as c:
            c.execute(
                "INSERT INTO screenings (id, trial, patient, conversation, by_role, subject, channel, as_of, "
                "started_at, reused) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    sid,
                    trial,
                    patient,
                    conversation,
                    by,
                    subject,
                    channel,
                    as_of,
                    when,
                    json.dumps(reused or []),
                ),
            )
            self._audit(
                c,
                subject=subject,
                role=by,
                patient=patient,
                trial=trial,
                action="screening_started",
                channel=channel,
                detail={"screening": sid, "reused_answers": len(reused or [])},
                at=parse_stamp(when),
            )
        return sid

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
        when = stamp(at)
        with self.db.connect() as c:
            rows = c.execute(
                "SELECT subject, by_role, patient, trial, channel, finished_at FROM screenings "
                "WHERE id = ?",
                (screening_id,),
            )
            if not rows:
                raise KeyError(screening_id)
            subject, role, patient, trial, channel, before = rows[0]
            c.execute(
                "UPDATE screenings SET finished_at = ?, verdict = ?, failed = ?, missing = ?, as_of = ?, "
                "rules_version = ?, input_hash = ? WHERE id = ?",
                (
                    when,
                    report.get("verdict"),
                    json.dumps(failed, ensure_ascii=False),
                    json.dumps(missing),
                    report.get("as_of"),
                    report.get("rules_version"),
                    report.get("input_hash"),
                    screening_id,
                ),
            )
            # Criterion ids and the verdict only: the reasons quote record values.
            self._audit(
                c,
                subject=subject,
                role=role,
                patient=patient,
                trial=trial,
                action="screening_finished" if before is None else "screening_updated",
                channel=channel,
                detail={
                    "screening": screening_id,
                    "verdict": report.get("verdict"),
                    "failed": [f["id"] for f in failed],
                    "missing": [m["id"] for m in missing],
                },
                at=parse_stamp(when),
            )
        return self.screening(screening_id)

    def set_writeback(self, screening_id: str, outcome: str) -> None:
        with self.db.connect() as c:
            c.execute("UPDATE screenings SET writeback = ? WHERE id = ?", (outcome, screening_id))

    def screening(self, screening_id: str) -> Screening:
        with self.db.connect() as c:
            rows = c.execute(f"SELECT {_SCREENING_COLUMNS} FROM screenings WHERE id = ?", (screening_id,))
        if not rows:
            raise KeyError(screening_id)
        return _screening(rows[0])

    def screenings(self, patient: str, trial: str) -> list[Screening]:
        with self.db.connect() as c:
            rows = c.execute(
                f"SELECT {_SCREENING_COLUMNS} FROM screenings WHERE patient = ? AND trial = ? "
                "ORDER BY started_at, id",
                (patient, trial),
            )
        return [_screening(r) for r in rows]

    def latest_verdicts(self, trial: str) -> dict[str, str]:
        """patient -> verdict of their latest finished screening."""
        return {e.patient: e.state for e in self.queue(trial)}

    def queue(self, trial: str, since: date | None = None, until: date | None = None) -> list[QueueEntry]:
        """Each patient's latest finished screening (any channel), optionally finished between
        `since` and `until` (dates, both included)."""
        with self.db.connect() as c:
            rows = c.execute(
                f"SELECT {_SCREENING_COLUMNS} FROM screenings WHERE trial = ? AND finished_at IS NOT NULL "
                "ORDER BY patient, finished_at, id",
                (trial,),
            )
        latest: dict[str, Screening] = {}
        for r in rows:
            s = _screening(r)
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
            return self._audit(
                c,
                subject=subject,
                role=role,
                patient=patient,
                trial=trial,
                action=action,
                channel=channel,
                detail=detail or {},
                at=None,
            )

    def trail(self, patient: str | None = None, since: date | None = None) -> list[AuditEvent]:
        """Audit events (of one patient, or all), oldest first."""
        sql = "SELECT id, at, subject, role, patient, trial, action, channel, detail FROM audit"
        where, params = [], []
        if patient is not None:
            where.append("patient = ?")
            params.append(patient)
        if since is not None:
            where.append("at >= ?")
            params.append(since.isoformat())
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self.db.connect() as c:
            rows = c.execute(sql + " ORDER BY at, id", params)
        return [
            AuditEvent(
                id=r[0],
                at=parse_stamp(r[1]),
                subject=r[2],
                role=r[3],
                patient=r[4],
                trial=r[5],
                action=r[6],
                channel=r[7],
                detail=json.loads(r[8]) if r[8] else {},
            )
            for r in rows
        ]

    def _audit(
        self,
        c,
        *,
        subject: str,
        role: str,
        patient: str | None,
        trial: str | None,
        action: str,
        channel: str,
        detail: dict[str, Any],
        at: datetime | None,
    ) -> AuditEvent:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        event = AuditEvent(
            id=new_id(),
            at=parse_stamp(stamp(at)),
            subject=subject,
            role=role,
            patient=patient,
            trial=trial,
            action=action,
            channel=channel,
            detail=detail,
        )
        c.execute(
            "INSERT INTO audit (id, at, subject, role, patient, trial, action, channel, detail) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (
                event.id,
                stamp(event.at),
                subject,
                role,
                patient,
                trial,
                action,
                channel,
                json.dumps(detail, ensure_ascii=False, sort_keys=True),
            ),
        )
        return event


_SCREENING_COLUMNS = (
    "id, trial, patient, conversation, by_role, subject, channel, as_of, started_at, finished_at, verdict, "
    "failed, missing, reused, rules_version, input_hash, writeback"
)


def _screening(r: tuple) -> Screening:
    return Screening(
        id=r[0],
        trial=r[1],
        patient=r[2],
        conversation=r[3],
        by=r[4],
        subject=r[5],
        channel=r[6],
        as_of=r[7],
        started_at=parse_stamp(r[8]),
        finished_at=parse_stamp(r[9]) if r[9] else None,
        verdict=r[10],
        failed=json.loads(r[11]) if r[11] else [],
        missing=json.loads(r[12]) if r[12] else [],
        reused=json.loads(r[13]) if r[13] else [],
        rules_version=r[14],
        input_hash=r[15],
        writeback=r[16],
    )


_OPEN: dict[str, Store] = {}


def open_store(url: str | None = None) -> Store:
    """The store at `url` (default: PRESCREEN_DB_URL, else SQLite in the state directory),
    migrated once per process."""
    key = url or default_url()
    store = _OPEN.get(key)
    if store is None:
        store = _OPEN[key] = Store(key)
    return store
