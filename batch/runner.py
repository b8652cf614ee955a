"""The batch loop: a bounded pool of worker threads, one writer, resume and clean stops.

Workers fetch and screen (I/O-bound on a server: threads overlap the waits); only the
main thread writes, so lines never interleave. SIGINT/SIGTERM set a flag instead of
raising at an arbitrary point: the first stops taking new patients and writes those in
flight, the second abandons them. Either way the file holds whole lines only.
"""

from __future__ import annotations

import queue
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from common.errors import AppError
from fhir_ingest.errors import FhirAuthError, FhirUnreachable, IngestError

from .outfile import ReportFile
from .progress import Progress

MAX_ERROR_CHARS = 300


@dataclass
class PatientOutcome:
    """What one worker made of one patient."""

    patient_id: str
    line: dict
    issues: int = 0
    # Failures that would hit every patient alike (server down, token refused): what went
    # wrong, without the request path (it names the patient).
    systemic: str | None = None


@dataclass
class RunResult:
    total: int
    already_done: int
    written: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    issues: int = 0
    interrupted: bool = False
    aborted: str | None = None  # why the run gave up (a one-line error), if it did

    @property
    def complete(self) -> bool:
        return not self.interrupted and self.aborted is None


def one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
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
        report = screen(record.resources, as_of).to_dict()
    except Exception as e:  # noqa: BLE001 - one patient's failure must not stop the run
        systemic = None
        if isinstance(e, (FhirUnreachable, FhirAuthError)):
            kind = "FHIR server unreachable" if e.status is None else f"FHIR server answered {e.status}"
            detail = "; ".join(x for x in (e.outcome_text, e.reason) if x)
            systemic = f"{kind}: {detail}" if detail else kind
        return PatientOutcome(patient_id, error_line(patient_id, one_line(e)), systemic=systemic)
    if report.get("patient") != f"Patient/{patient_id}":
        # A record without its Patient resource: keep the line findable by the id we asked.
        report["patient"] = f"Patient/{patient_id}"
    return PatientOutcome(patient_id, report, issues=len(record.issues))


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
) -> RunResult:
    """Screen every id not in `done`, writing each report as it arrives."""
    todo = [pid for pid in dict.fromkeys(patient_ids) if pid not in done]
    result = RunResult(total=len(todo) + len(done), already_done=len(done))
    for verdict in done.values():
        result.counts[verdict] = result.counts.get(verdict, 0) + 1
    if not todo:
        return result
    workers = max(1, min(workers, len(todo)))
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
                    progress.message("prescreen batch: stopping; writing the patients in flight "
                                     "(interrupt again to abandon them)")
            if signals.count >= 2:
                break  # abandoned: their patients have no line, so --resume screens them
            try:
                outcome = results.get(timeout=0.2)
            except queue.Empty:
                continue
            if outcome is None:
                running -= 1
                continue
            out.write(outcome.line)
            verdict = outcome.line["verdict"]
            result.written += 1
            result.issues += outcome.issues
            result.counts[verdict] = result.counts.get(verdict, 0) + 1
            if progress:
                progress.advance(verdict)
            systemic_in_a_row = systemic_in_a_row + 1 if outcome.systemic else 0
            if outcome.systemic and systemic_in_a_row >= limit and result.aborted is None:
                # The server is down or refuses us: do not turn the rest of the night into errors.
                result.aborted = f"{systemic_in_a_row} patients in a row failed: {outcome.systemic}"
                stop.set()
    return result
