"""The batch loop: a bounded pool of workers, one writer, resume and clean stops.

On a server, workers are threads (fetching is I/O-bound: threads overlap the waits). On a
folder or a bulk export, screening is CPU-bound (parsing, validation, rules), so a
`ScreenJob` over a folder runs in a pool of processes across cores; each process opens the
folder's on-disk index itself. Only the main process writes, so lines never interleave.
SIGINT/SIGTERM set a flag instead of raising at an arbitrary point: the first stops taking
new patients and writes those in flight, the second abandons them. Either way the file holds
whole lines only. A deceased patient is reported (verdict ineligible, note "deceased DATE")
and counted apart, as "deceased".
"""

from __future__ import annotations

import os
import queue
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from common.errors import AppError
from fhir_ingest.errors import FhirAuthError, FhirError, FhirUnreachable, IngestError

from .outfile import ReportFile
from .progress import Progress

MAX_ERROR_CHARS = 300
# What stands in a report line or on stderr for a FHIR server's OperationOutcome text, which can
# hold names, MRNs and values: the status and the request say what failed, never the record.
WITHHELD = "server diagnostics withheld"


@dataclass
class PatientOutcome:
    """What one worker made of one patient."""

    patient_id: str
    line: dict
    issues: int = 0
    # Failures that would hit every patient alike (server down, token refused): what went
    # wrong, without the request path (it names the patient).
    systemic: str | None = None
    deceased: bool = False
    # With the screening log (batch/rescreen.py): screened from the record and the stored
    # answers (its line feeds the queue), and whether any stored answer was used.
    logged: bool = False
    with_answers: bool = False
    worker: int = field(default_factory=os.getpid)  # the process that screened it

    @property
    def tally(self) -> str:
        """The count this patient goes under: its verdict, or "deceased"."""
        return "deceased" if self.deceased else self.line["verdict"]


@dataclass
class RunResult:
    total: int
    already_done: int
    written: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    issues: int = 0
    interrupted: bool = False
    aborted: str | None = None  # why the run gave up (a one-line error), if it did
    workers: set[int] = field(default_factory=set)  # the processes that screened (pids)

    @property
    def complete(self) -> bool:
        return not self.interrupted and self.aborted is None


def one_line(e: BaseException) -> str:
    """The error of a report line: one line, and for a FHIR failure the status, the request
    (query values elided) and our own reason, with the server's diagnostics withheld."""
    shown = str(e)
    if isinstance(e, FhirError) and e.outcome_text:
        shown = shown.replace(e.outcome_text, WITHHELD)
    text = shown.strip().splitlines()[0] if shown.strip() else ""
    text = text or type(e).__name__
    if not isinstance(e, IngestError | AppError):
        text = f"{type(e).__name__}: {text}"  # an unexpected failure: say what kind
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def error_line(patient_id: str, message: str) -> dict:
    """The contract's error report."""
    return {"patient": f"Patient/{patient_id}", "verdict": "error", "error": message, "criteria": []}


def screen_one(source, patient_id: str, as_of: date) -> PatientOutcome:
    """Load and screen one patient; any failure becomes an error line, never an exception."""
    from eligibility import screen

    try:
        record = source.load(patient_id)
        screened = screen(record.resources, as_of)
        report = screened.to_dict()
    except Exception as e:  # noqa: BLE001 - one patient's failure must not stop the run
        systemic = None
        if isinstance(e, (FhirUnreachable, FhirAuthError)):
            kind = "FHIR server unreachable" if e.status is None else f"FHIR server answered {e.status}"
            # Our own reason ("connection refused"), never the server's diagnostics.
            systemic = f"{kind}: {e.reason}" if e.reason else kind
        return PatientOutcome(patient_id, error_line(patient_id, one_line(e)), systemic=systemic)
    if report.get("patient") != f"Patient/{patient_id}":
        # A record without its Patient resource: keep the line findable by the id we asked.
        report["patient"] = f"Patient/{patient_id}"
    return PatientOutcome(patient_id, report, issues=len(record.issues), deceased=bool(screened.deceased))


@dataclass(frozen=True)
class ScreenJob:
    """Screen one patient of `source` as of `as_of`: picklable, so that a folder source can be
    screened in worker processes (the source crosses as its path)."""

    source: Any
    as_of: date

    def __call__(self, patient_id: str) -> PatientOutcome:
        return self.screen(self.source, patient_id)

    def screen(self, source: Any, patient_id: str) -> PatientOutcome:
        """One patient from `source` (in a worker process: that process's own open copy)."""
        return screen_one(source, patient_id, self.as_of)

    @property
    def parallel(self) -> bool:
        """Worth processes: a local folder, where the work is CPU, not waiting on a server."""
        from fhir_ingest.dir_source import DirSource

        return isinstance(self.source, DirSource)


_SOURCES: dict[str, Any] = {}  # in a worker process: one open folder source per path


def _screen_chunk(job: ScreenJob, patient_ids: list[str]) -> list[PatientOutcome]:
    # Each chunk arrives with a fresh copy of the source; reuse the process's own (its index
    # connection stays open across chunks).
    key = str(getattr(job.source, "path", id(job.source)))
    source = _SOURCES.setdefault(key, job.source)
    return [job.screen(source, pid) for pid in patient_ids]


def _ignore_signals() -> None:
    # Worker processes leave SIGINT/SIGTERM to the parent, which stops them in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class _Signals:
    """Counts SIGINT/SIGTERM while installed (main thread only; elsewhere a no-op)."""

    def __init__(self) -> None:
        self.count = 0
        self._old: dict[int, object] = {}

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.count += 1

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def run(
    patient_ids: Sequence[str],
    work: Callable[[str], PatientOutcome],
    out: ReportFile,
    *,
    done: dict[str, str],
    workers: int = 4,
    progress: Progress | None = None,
    max_systemic_failures: int | None = None,
    on_outcome: Callable[[PatientOutcome], None] | None = None,
) -> RunResult:
    """Screen every id not in `done`, writing each report as it arrives; `on_outcome` sees each
    outcome in the main process after its line is written (whichever pool screened it)."""
    todo = [pid for pid in dict.fromkeys(patient_ids) if pid not in done]
    result = RunResult(total=len(todo) + len(done), already_done=len(done))
    for verdict in done.values():
        result.counts[verdict] = result.counts.get(verdict, 0) + 1
    if not todo:
        return result
    workers = max(1, min(workers, len(todo)))
    if isinstance(work, ScreenJob) and work.parallel and workers > 1:
        return _run_processes(todo, work, out, result, workers, progress, on_outcome)
    limit = max_systemic_failures or max(10, 2 * workers)
    tasks: queue.SimpleQueue[str | None] = queue.SimpleQueue()
    for pid in todo:
        tasks.put(pid)
    for _ in range(workers):
        tasks.put(None)
    results: queue.Queue[PatientOutcome | None] = queue.Queue(maxsize=2 * workers)  # back-pressure
    stop = threading.Event()

    def worker() -> None:
        try:
            while not stop.is_set():
                pid = tasks.get()
                if pid is None:
                    break
                try:
                    outcome = work(pid)
                except Exception as e:  # noqa: BLE001 - `work` should not raise; if it does, say so
                    outcome = PatientOutcome(pid, error_line(pid, one_line(e)))
                results.put(outcome)
        finally:
            results.put(None)  # the main loop counts these to know when every worker is done

    threads = [threading.Thread(target=worker, name=f"batch-{i}", daemon=True) for i in range(workers)]
    for t in threads:
        t.start()
    running = workers
    systemic_in_a_row = 0
    with _Signals() as signals:
        while running:
            if signals.count and not stop.is_set():
                stop.set()  # first signal: finish what is in flight
                result.interrupted = True
                if progress:
                    progress.message(
                        "prescreen batch: stopping; writing the patients in flight "
                        "(interrupt again to abandon them)"
                    )
            if signals.count >= 2:
                break  # abandoned: their patients have no line, so --resume screens them
            try:
                outcome = results.get(timeout=0.2)
            except queue.Empty:
                continue
            if outcome is None:
                running -= 1
                continue
            _record(outcome, out, result, progress, on_outcome)
            systemic_in_a_row = systemic_in_a_row + 1 if outcome.systemic else 0
            if outcome.systemic and systemic_in_a_row >= limit and result.aborted is None:
                # The server is down or refuses us: do not turn the rest of the night into errors.
                result.aborted = f"{systemic_in_a_row} patients in a row failed: {outcome.systemic}"
                stop.set()
    return result


def _record(
    outcome: PatientOutcome,
    out: ReportFile,
    result: RunResult,
    progress: Progress | None,
    on_outcome: Callable[[PatientOutcome], None] | None = None,
) -> None:
    out.write(outcome.line)
    if on_outcome is not None:
        on_outcome(outcome)
    result.workers.add(outcome.worker)
    result.written += 1
    result.issues += outcome.issues
    result.counts[outcome.tally] = result.counts.get(outcome.tally, 0) + 1
    if progress:
        progress.advance(outcome.tally)


def _run_processes(
    todo: list[str],
    job: ScreenJob,
    out: ReportFile,
    result: RunResult,
    processes: int,
    progress: Progress | None,
    on_outcome: Callable[[PatientOutcome], None] | None = None,
) -> RunResult:
    """Screen `todo` in a pool of processes, a few patients per task (fewer round trips),
    at most two tasks per process in flight (bounded memory, prompt stops)."""
    import multiprocessing

    chunk = max(1, min(16, len(todo) // (processes * 8) or 1))
    chunks = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    pending: dict[Future, list[str]] = {}
    with (
        _Signals() as signals,
        ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_ignore_signals) as pool,
    ):
        queue_ = iter(chunks)
        stopping = False
        while True:
            if signals.count and not stopping:
                stopping = result.interrupted = True
                if progress:
                    progress.message(
                        "prescreen batch: stopping; writing the patients in flight "
                        "(interrupt again to abandon them)"
                    )
            if signals.count >= 2:
                for f in pending:
                    f.cancel()
                break
            while not stopping and len(pending) < 2 * processes:
                ids = next(queue_, None)
                if ids is None:
                    break
                pending[pool.submit(_screen_chunk, job, ids)] = ids
            if not pending:
                break
            finished, _ = wait(list(pending), timeout=0.2, return_when=FIRST_COMPLETED)
            for f in finished:
                ids = pending.pop(f)
                try:
                    outcomes = f.result()
                except Exception as e:  # noqa: BLE001 - a dead worker must not lose its patients
                    outcomes = [PatientOutcome(pid, error_line(pid, one_line(e))) for pid in ids]
                for outcome in outcomes:
                    _record(outcome, out, result, progress, on_outcome)
    return result
