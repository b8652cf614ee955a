"""A folder batch with stored answers (the screening log on) is screened in worker processes,
as a plain folder batch is, with the same reports as the threaded run: the job carries the
log's URL and each process opens the log itself."""

from __future__ import annotations

import os
import pickle
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

from batchutil import AS_OF, COHORT, PRESCREEN, by_patient, read_jsonl

from batch.outfile import ReportFile
from batch.rescreen import AnswersJob, Rescreen
from batch.runner import ScreenJob, run
from eligibility import load_trial
from fhir_ingest.sources import DirSource
from screening_log import Store

TRIAL = load_trial()
CRITERION = {q.id: q.criterion for q in TRIAL.questions}
DAY = date.fromisoformat(AS_OF)
IDS = [f"icc-{i:03d}" for i in range(1, 13)]
STORED = {  # a clinician's answers from the day before
    "icc-001": {"unresectable": "yes", "measurable_lesion": "yes", "prior_checkpoint_inhibitor": "no"},
    "icc-002": {"prior_checkpoint_inhibitor": "yes"},
    "icc-005": {"tissue_available": "yes"},
}


def log_with_answers(folder: Path) -> Store:
    store = Store(f"sqlite:///{folder / 'screening-log.sqlite3'}")
    for pid, answers in STORED.items():
        for qid, value in answers.items():
            store.add_answer(trial=TRIAL.id, patient=pid, question_id=qid, criterion=CRITERION[qid],
                             value=value, by="clinician", subject="dr-wang", channel="chat",
                             at=datetime(2026, 11, 23, 10, tzinfo=timezone.utc))
    return store


def screened(tmp_path: Path, name: str, store: Store, in_processes: bool):
    source = DirSource(COHORT)
    worker = Rescreen(source, DAY, store)
    job = worker.job_for(IDS, ScreenJob(source, DAY)) if in_processes else worker
    out = ReportFile(tmp_path / f"{name}.jsonl")
    out.prepare(resume=False, retry_errors=False, overwrite=False)
    result = run(IDS, job, out, done={}, workers=2, on_outcome=worker.observe)
    out.close()
    return job, result, worker, by_patient(read_jsonl(tmp_path / f"{name}.jsonl"))


def test_stored_answers_in_processes_give_the_threaded_reports(tmp_path):
    store = log_with_answers(tmp_path)
    job, in_procs, procs_worker, procs_lines = screened(tmp_path, "procs", store, in_processes=True)
    assert isinstance(job, AnswersJob) and pickle.loads(pickle.dumps(job)).store_url == store.db.url
    assert in_procs.complete and in_procs.workers and os.getpid() not in in_procs.workers
    _, in_threads, threads_worker, threads_lines = screened(tmp_path, "threads", store, in_processes=False)
    assert in_threads.workers == {os.getpid()}
    assert procs_lines == threads_lines and len(procs_lines) == len(IDS)
    assert procs_worker.with_answers == threads_worker.with_answers == set(STORED)
    assert procs_worker.screened == threads_worker.screened == set(IDS)
    # the stored answers are in the reports: icc-002's checkpoint inhibitor rules it out
    assert procs_lines["Patient/icc-002"]["verdict"] == "ineligible"
    assert in_procs.counts == in_threads.counts


def test_batch_command_with_stored_answers_uses_worker_processes(tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    log_with_answers(state)
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(IDS) + "\n")
    env = dict(os.environ, PRESCREEN_STATE_DIR=str(state), PRESCREEN_SCREENING_LOG="on")
    env.pop("PRESCREEN_DB_URL", None)
    out = tmp_path / "night.jsonl"
    done = subprocess.run(
        [PRESCREEN, "batch", "--fhir-dir", str(COHORT), "--as-of", AS_OF, "--patients", str(ids), "--out",
         str(out), "--workers", "2", "--no-progress", "-v"],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "worker processes" in done.stderr, done.stderr
    assert f"{len(STORED)} patients screened with their stored answers" in done.stderr
    assert len(read_jsonl(out)) == len(IDS)
