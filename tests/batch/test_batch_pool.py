"""Batch over a folder in a pool of processes, and deceased patients counted apart."""

from __future__ import annotations

import json
import os
import signal
import threading
from datetime import date
from pathlib import Path

import pytest

from batch.outfile import ReportFile, read_lines
from batch.runner import ScreenJob, run
from fhir_ingest.sources import DirSource

AS_OF = date(2026, 11, 24)


def patient(pid: str, **extra) -> dict:
    return {"resourceType": "Patient", "id": pid, "gender": "male", "birthDate": "1960-01-01", **extra}


def icc(pid: str) -> dict:
    return {
        "resourceType": "Condition",
        "id": f"c-{pid}",
        "subject": {"reference": f"Patient/{pid}"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C22.1"}]},
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
            ]
        },
    }


def folder(tmp_path: Path, n: int, deceased: dict[str, dict] | None = None) -> Path:
    root = tmp_path / "fhir"
    root.mkdir()
    for i in range(n):
        pid = f"p{i:03d}"
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": patient(pid, **(deceased or {}).get(pid, {}))}, {"resource": icc(pid)}],
        }
        (root / f"{pid}.json").write_text(json.dumps(bundle))
    (root / "broken.json").write_text("{not json")
    return root


def run_job(tmp_path: Path, root: Path, ids: list[str], workers: int):
    out = ReportFile(tmp_path / f"r{workers}.jsonl")
    out.prepare(resume=False, retry_errors=False, overwrite=False)
    result = run(ids, ScreenJob(DirSource(root), AS_OF), out, done={}, workers=workers)
    out.close()
    return result, list(read_lines(tmp_path / f"r{workers}.jsonl"))


def test_folder_job_is_screened_in_processes_with_every_patient_once(tmp_path):
    root = folder(tmp_path, 40)
    ids = DirSource(root).patient_ids() + ["nobody"]
    assert ScreenJob(DirSource(root), AS_OF).parallel
    one, lines_1 = run_job(tmp_path, root, ids, workers=1)
    two, lines_2 = run_job(tmp_path, root, ids, workers=2)
    assert two.complete and two.written == 41
    by_1 = {x["patient"]: x for x in lines_1}
    by_2 = {x["patient"]: x for x in lines_2}
    assert set(by_2) == {f"Patient/{p}" for p in ids}
    assert by_1 == by_2  # processes change nothing but speed
    assert by_2["Patient/nobody"]["verdict"] == "error"
    assert one.counts == two.counts


def test_worker_processes_have_other_pids(tmp_path):
    job = ScreenJob(DirSource(folder(tmp_path, 2)), AS_OF)
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1) as pool:
        outcome = pool.submit(job, "p001").result()
        child = pool.submit(os.getpid).result()
    assert outcome.line["patient"] == "Patient/p001" and child != os.getpid()


def test_deceased_patients_are_reported_and_counted_apart(tmp_path):
    root = folder(
        tmp_path, 6, deceased={"p001": {"deceasedDateTime": "2026-03-02"}, "p004": {"deceasedBoolean": True}}
    )
    result, lines = run_job(tmp_path, root, DirSource(root).patient_ids(), workers=2)
    by = {x["patient"]: x for x in lines}
    assert by["Patient/p001"]["verdict"] == "ineligible"
    assert by["Patient/p001"]["notes"][0] == "deceased 2026-03-02"
    assert by["Patient/p004"]["notes"][0] == "deceased"
    assert result.counts["deceased"] == 2
    assert sum(result.counts.values()) == 6


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals")
def test_sigint_stops_the_process_pool_with_whole_lines(tmp_path):
    root = folder(tmp_path, 400)
    ids = DirSource(root).patient_ids()
    path = tmp_path / "r2.jsonl"
    finished = threading.Event()

    def interrupt_once_lines_arrive() -> None:
        # Signal while the run is writing: after its first lines, never after it ended.
        while not finished.is_set():
            if path.exists() and path.stat().st_size > 0:
                os.kill(os.getpid(), signal.SIGINT)
                return
            finished.wait(0.005)

    watcher = threading.Thread(target=interrupt_once_lines_arrive, daemon=True)
    watcher.start()
    out = ReportFile(path)
    out.prepare(resume=False, retry_errors=False, overwrite=False)
    # A signal that lands just outside run() must not stop the test session.
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    try:
        result = run(ids, ScreenJob(DirSource(root), AS_OF), out, done={}, workers=2)
    finally:
        finished.set()
        out.close()
        watcher.join()
        signal.signal(signal.SIGINT, previous)
    lines = list(read_lines(path))
    assert result.interrupted and 0 < result.written < len(ids)
    assert len(lines) == result.written
    assert len({x["patient"] for x in lines}) == len(lines)
