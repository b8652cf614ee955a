"""Benchmark of the screening log (prints figures; not a test).

  .venv/bin/python benchmarks/bench_answers.py [--patients 200] [--answers 12] [--postgres]

For SQLite (a temporary state directory) and, with --postgres, a private PostgreSQL cluster
(tests/support/postgres.py), it prints:
  - the median and p95 time to store one answer (one committed transaction, with its audit event);
  - the median and p95 time to start a screening from stored answers (history read + re-use
    rules + the record check against the engine), per patient, on the synthetic cohort;
  - the time to build the coordinator's queue over every patient.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.common import pct  # noqa: E402
from eligibility import load_trial  # noqa: E402
from fhir_ingest.sources import DirSource  # noqa: E402
from screening_log import Store, reusable  # noqa: E402

COHORT = REPO / "data" / "synthetic" / "bundles"
AS_OF = date(2026, 11, 24)


def bench(url: str, label: str, patients: int, per_patient: int) -> None:
    rng = random.Random(0)
    trial = load_trial()
    questions = [q for q in trial.questions if q.get("type") == "yes_no" and not q.get("follow_up")]
    store = Store(url)
    source = DirSource(COHORT)
    ids = source.patient_ids()
    writes: list[float] = []
    for i in range(patients):
        pid = ids[i % len(ids)] if i < len(ids) else f"bench-{i}"
        for q in rng.sample(questions, min(per_patient, len(questions))):
            t = time.perf_counter()
            store.add_answer(
                trial=trial.id,
                patient=pid,
                question_id=q["id"],
                criterion=q["criterion"],
                value=rng.choice(["yes", "no"]),
                by=rng.choice(["clinician", "patient"]),
                subject="bench",
                channel="chat",
                words="bench",
            )
            writes.append(time.perf_counter() - t)
    starts: list[float] = []
    for pid in ids:
        record = source.load(pid)
        t = time.perf_counter()
        reusable(store.answers(pid, trial.id), trial, AS_OF, resources=record.resources)
        starts.append(time.perf_counter() - t)
        sid = store.start_screening(
            trial=trial.id,
            patient=pid,
            by="clinician",
            subject="bench",
            channel="chat",
            as_of=AS_OF.isoformat(),
        )
        store.finish_screening(sid, {"verdict": "needs_information", "criteria": [], "missing": []}, {})
    t = time.perf_counter()
    rows = store.queue(trial.id)
    queue_s = time.perf_counter() - t
    print(
        f"{label}: {len(writes)} answers stored: median {pct(writes, 50) * 1000:.2f} ms, "
        f"p95 {pct(writes, 95) * 1000:.2f} ms"
    )
    print(
        f"{label}: screening start from stored answers ({len(starts)} patients): "
        f"median {pct(starts, 50) * 1000:.1f} ms, p95 {pct(starts, 95) * 1000:.1f} ms"
    )
    print(f"{label}: queue of {len(rows)} patients in {queue_s * 1000:.1f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=200)
    ap.add_argument("--answers", type=int, default=12, help="answers per patient")
    ap.add_argument("--postgres", action="store_true", help="also on a private PostgreSQL cluster")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{Path(tmp) / 'log.sqlite3'}", "sqlite", args.patients, args.answers)
    if args.postgres:
        from tests.support.postgres import PrivatePostgres

        with PrivatePostgres() as pg:
            bench(pg.url, "postgresql", args.patients, args.answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
