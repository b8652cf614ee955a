"""Batch runs and the screening log: each patient is screened with their stored answers (fresh
ones: see screening_log.reuse), every report feeds the coordinator's queue, and the patients
whose verdict changed since their previous screening are named.

Without the log (PRESCREEN_SCREENING_LOG=off) a batch screens from the record alone, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from eligibility import Trial, load_trial
from screening_log import Store, StoreError, enabled, open_store, reusable
from screening_log.queue import whom_to_ask
from screening_log.store import StoredAnswer

from .outfile import read_lines
from .runner import PatientOutcome, ScreenJob, error_line, one_line, screen_one

BATCH_SUBJECT = "batch"


@dataclass
class Rescreen:
    """The worker for `batch.runner.run` plus what it needs afterwards."""

    source: object
    as_of: date
    store: Store | None
    trial: Trial = field(default_factory=load_trial)
    screened: set[str] = field(default_factory=set)
    with_answers: set[str] = field(default_factory=set)
    before: dict[str, str] = field(default_factory=dict)  # patient -> verdict before this run
    writer: object | None = None  # a writeback.Writer when --write-back
    kept: dict[str, tuple] = field(default_factory=dict)  # patient -> (Report, answers), for write-back
    write_failures: int = 0
    # Before any record of this run is read: what `--since last` counts from next time.
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, patient_id: str) -> PatientOutcome:
        if self.store is None:
            return screen_one(self.source, patient_id, self.as_of)
        answers_of = self.store.answers
        outcome, kept = screen_with_answers(self.source, answers_of, self.trial, patient_id, self.as_of)
        if kept is not None and self.writer is not None:
            with self._lock:
                self.kept[patient_id] = kept
        return outcome

    def observe(self, outcome: PatientOutcome) -> None:
        """What the run's outcomes tell the queue (`batch.runner.run` calls this in the main
        process, whether the patient was screened in a thread or in a worker process)."""
        with self._lock:
            if outcome.logged:
                self.screened.add(outcome.patient_id)
            if outcome.with_answers:
                self.with_answers.add(outcome.patient_id)

    def job_for(self, candidates: list[str], record_only: ScreenJob) -> Callable[[str], PatientOutcome]:
        """The job for `batch.runner.run`: without the log, the record-only job; over a folder
        (processes screen faster), the record-only job when no candidate has a stored answer,
        else `AnswersJob`, which worker processes run with their own connection to the log;
        this worker (threads) on a server or with write-back (its reports stay in this process)."""
        if self.store is None:
            return record_only
        if self.writer is not None or not record_only.parallel:
            return self
        try:
            if any(self.store.answers(pid, self.trial.id) for pid in candidates):
                return AnswersJob(record_only.source, record_only.as_of, self.store.db.url, self.trial)
        except StoreError:
            return self
        self.screened.update(candidates)  # every report line feeds the queue (errors are skipped)
        return record_only

    def feed_queue(self, out: Path, label: str) -> list[tuple[str, str, str]]:
        """Record this run's reports in the log; returns (patient, before, now) for changed verdicts."""
        if self.store is None or not self.screened:
            return []
        try:
            return self._feed(out, label)
        except StoreError as e:
            from common.errors import AppError

            raise AppError(f"the reports are written, but the queue was not updated: {e}") from None

    def _feed(self, out: Path, label: str) -> list[tuple[str, str, str]]:
        ask = whom_to_ask(self.trial)
        changed = []
        self.store.audit(
            subject=BATCH_SUBJECT,
            role="system",
            action="batch_run",
            channel=f"batch {label}",
            trial=self.trial.id,
            detail={"started": self.started.isoformat(), "patients": len(self.screened)},
        )
        for line in read_lines(out):
            pid = str(line.get("patient", "")).removeprefix("Patient/")
            if pid not in self.screened or line.get("verdict") == "error":
                continue
            sid = self.store.start_screening(
                trial=self.trial.id,
                patient=pid,
                by="system",
                subject=BATCH_SUBJECT,
                channel=f"batch {label}",
                as_of=line.get("as_of"),
            )
            self.store.finish_screening(sid, line, ask)
            if self.writer is not None and pid in self.kept:
                from writeback import write_back_screening

                report, answers = self.kept[pid]
                outcome = write_back_screening(
                    self.store,
                    sid,
                    report,
                    answers,
                    writer=self.writer,
                    trial=self.trial,
                    with_response=False,
                )
                self.write_failures += 0 if outcome.ok else 1
            was = self.before.get(pid)
            if was and was != line.get("verdict"):
                changed.append((pid, was, str(line.get("verdict"))))
        return changed


@dataclass(frozen=True)
class AnswersJob(ScreenJob):
    """Screen one patient with their stored answers, picklable: it carries the screening log's
    URL, not a connection, and each worker process opens the log itself (`open_store` keeps one
    per process)."""

    store_url: str = ""
    trial: Trial | None = None

    def screen(self, source: object, patient_id: str) -> PatientOutcome:
        trial = self.trial or load_trial()
        try:
            answers_of = open_store(self.store_url).answers
        except StoreError:  # the log unreachable from this process: the record alone
            return screen_one(source, patient_id, self.as_of)
        return screen_with_answers(source, answers_of, trial, patient_id, self.as_of)[0]


def screen_with_answers(
    source: object,
    answers_of: Callable[[str, str], list[StoredAnswer]],
    trial: Trial,
    patient_id: str,
    as_of: date,
) -> tuple[PatientOutcome, tuple | None]:
    """One patient screened from the record and their fresh stored answers; and (Report, answers)
    for write-back. A patient is never lost: on any failure, the record-only path (or its error line)."""
    from eligibility import screen

    try:
        record = source.load(patient_id)
        reuse = reusable(answers_of(patient_id, trial.id), trial, as_of, resources=record.resources)
        answers = reuse.answers()
        result = screen(record.resources, as_of, answers, trial=trial)
        report = result.to_dict()
    except Exception:  # noqa: BLE001 - the record-only path says what failed, as a plain batch does
        return screen_one(source, patient_id, as_of), None
    if report.get("patient") != f"Patient/{patient_id}":
        report["patient"] = f"Patient/{patient_id}"
    outcome = PatientOutcome(
        patient_id,
        report,
        issues=len(record.issues),
        deceased=bool(result.deceased),
        logged=True,
        with_answers=bool(reuse.used),
    )
    return outcome, (result, answers)


def rescreen_worker(source: object, as_of: date, write_back: bool = False, client: object = None) -> Rescreen:
    """The batch worker: with the screening log on, stored answers in and the queue fed; with
    `write_back`, each screening written to the FHIR server (ResearchSubject, Provenance)."""
    if not enabled():
        if write_back:
            from common.errors import UsageError

            raise UsageError("--write-back needs the screening log (PRESCREEN_SCREENING_LOG is off)")
        return Rescreen(source, as_of, None)
    try:
        store = open_store()
        worker = Rescreen(source, as_of, store)
        if write_back:
            from writeback import Writer

            worker.writer = Writer(client or source.client)
        worker.before = store.latest_verdicts(worker.trial.id)
        return worker
    except StoreError as e:
        from common.errors import AppError

        raise AppError(f"{e} (PRESCREEN_SCREENING_LOG=off screens without it)") from None


def say_changes(changed: list[tuple[str, str, str]], with_answers: int, say: Callable[[str], None]) -> None:
    if with_answers:
        say(f"{with_answers} patients screened with their stored answers")
    if not changed:
        return
    words = {"potentially_eligible": "potentially eligible", "needs_information": "needs information"}
    say(f"verdict changed for {len(changed)} patients:")
    for pid, was, now in changed:
        say(f"  {pid}: {words.get(was, was)} -> {words.get(now, now)}")


__all__ = ["AnswersJob", "Rescreen", "error_line", "one_line", "rescreen_worker", "say_changes"]


def touched_since(client, since: str, types: list[str]) -> set[str]:
    """Ids of the patients with a resource of these types (or their Patient resource) changed on
    or after `since` (`_lastUpdated`): whom a record change may have re-decided."""
    from fhir_ingest.records import patient_id_of

    touched: set[str] = set()
    for rtype in dict.fromkeys(["Patient", *types]):
        for r in client.search(rtype, {"_lastUpdated": f"ge{since}", "_count": "200"}):
            pid = r.get("id") if rtype == "Patient" else patient_id_of(r)
            if pid:
                touched.add(str(pid))
    return touched


def last_batch_start(trial_id: str) -> str | None:
    """When the previous batch run recorded in the screening log started (for --since last)."""
    if not enabled():
        return None
    runs = [e for e in open_store().trail() if e.action == "batch_run" and e.trial == trial_id]
    return str(runs[-1].detail["started"]) if runs else None
