"""`prescreen batch` with the screening log (stored answers in, the queue fed, changed verdicts
named), `prescreen queue` (states, date filters, CSV export) and `prescreen audit`."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from eligibility import load_trial
from screening_log import Store

REPO = Path(__file__).resolve().parents[2]
PRESCREEN = str(REPO / ".venv" / "bin" / "prescreen")
COHORT = REPO / "data" / "synthetic" / "bundles"
TRIAL = load_trial()
CRITERION = {q.id: q.criterion for q in TRIAL.questions}
# Every question icc-001's record leaves open, answered so that the patient is potentially eligible.
ALL_CLEAR = {
    "tissue_available": "yes",
    "unresectable": "yes",
    "measurable_lesion": "yes",
    "prior_checkpoint_inhibitor": "no",
    "other_malignancy": "no",
    "tb_ever": "no",
    "autoimmune": "no",
    "ild_pneumonitis": "no",
    "cardiopulmonary_renal": "no",
    "recent_bleeding": "no",
    "active_infection": "no",
    "substance_abuse": "no",
    "platinum_allergy": "no",
}


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    e = dict(os.environ, PRESCREEN_STATE_DIR=str(tmp_path / "state"), PRESCREEN_SCREENING_LOG="on")
    e.pop("PRESCREEN_DB_URL", None)
    return e


def store_of(env: dict[str, str]) -> Store:
    return Store(f"sqlite:///{env['PRESCREEN_STATE_DIR']}/screening-log.sqlite3")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PRESCREEN, *args], capture_output=True, text=True, timeout=600, env=env)


def answer(store: Store, patient: str, qid: str, value, by: str = "clinician", days_ago: int = 1) -> None:
    at = datetime(2026, 11, 24, 10, tzinfo=timezone.utc) - timedelta(days=days_ago)
    store.add_answer(
        trial=TRIAL.id,
        patient=patient,
        question_id=qid,
        criterion=CRITERION[qid],
        value=value,
        by=by,
        subject="dr-wang" if by == "clinician" else f"patient:{patient}",
        channel="chat",
        at=at,
    )


def batch(
    env, tmp_path, name: str, *patients: str, source: tuple[str, ...] = ("--fhir-dir", str(COHORT)), extra=()
) -> subprocess.CompletedProcess:
    """`prescreen batch` over `patients` (the cohort folder unless `source` says otherwise)."""
    ids = tmp_path / f"{name}.txt"
    ids.write_text("\n".join(patients) + "\n")
    done = run(
        env,
        "batch",
        *source,
        "--as-of",
        "2026-11-24",
        "--patients",
        str(ids),
        "--out",
        str(tmp_path / f"{name}.jsonl"),
        "--no-progress",
        *extra,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_batch_uses_stored_answers_feeds_the_queue_and_names_changed_verdicts(env, tmp_path):
    first = batch(env, tmp_path, "night1", "icc-001", "icc-002", "icc-004")
    assert "verdict changed" not in first.stderr
    store = store_of(env)
    states = {e.patient: e.state for e in store.queue(TRIAL.id)}
    assert states["icc-001"] == "needs_information" and states["icc-004"] == "ineligible"
    for qid, value in ALL_CLEAR.items():
        answer(store, "icc-001", qid, value, by="patient" if qid == "tb_ever" else "clinician")
    answer(store, "icc-002", "prior_checkpoint_inhibitor", "yes")
    second = batch(env, tmp_path, "night2", "icc-001", "icc-002", "icc-004")
    assert "2 patients screened with their stored answers" in second.stderr
    assert "icc-001: needs information -> potentially eligible" in second.stderr
    assert "icc-002: needs information -> ineligible" in second.stderr
    assert "icc-004" not in second.stderr.split("verdict changed")[1]
    line = next(x for x in (tmp_path / "night2.jsonl").read_text().splitlines() if '"Patient/icc-002"' in x)
    assert '"source":"clinician"' in line  # the stored answer is the evidence

    shown = run(env, "queue")
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert text.index("Potentially eligible: awaiting the study team (1)") < text.index("Ruled out (2)")
    assert "x prior_checkpoint_inhibitor: clinician answer: rules out" in text
    assert "x age:" in text  # icc-004, with the record's reason
    assert "via batch night2.jsonl" in text

    out = tmp_path / "queue.csv"
    exported = run(env, "queue", "--csv", str(out), "--as", "coordinator-li")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {r["patient"]: r["state"] for r in rows} == {
        "icc-001": "potentially_eligible",
        "icc-002": "ineligible",
        "icc-004": "ineligible",
    }
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    trail = run(env, "audit", "--patient", "icc-002")
    assert "coordinator:coordinator-li  via cli  export" in trail.stdout
    assert "system:batch  via batch night2.jsonl  screening_finished" in trail.stdout
    assert "clinician:dr-wang  via chat  answer" in trail.stdout


def test_queue_lists_what_is_missing_and_whom_to_ask_and_filters_by_date(env, tmp_path):
    batch(env, tmp_path, "run", "icc-001")
    text = run(env, "queue").stdout
    assert "Needs information (1):" in text
    assert "? ask clinician or patient: tissue_available, unresectable" in text
    assert "? ask clinician: measurable_lesion" in text
    today = date.today()
    assert "icc-001" in run(env, "queue", "--since", today.isoformat(), "--until", today.isoformat()).stdout
    later = run(env, "queue", "--since", (today + timedelta(days=1)).isoformat())
    assert "The queue is empty" in later.stdout
    bad = run(env, "queue", "--since", "2026-12-01", "--until", "2026-11-01")
    assert bad.returncode == 2 and "--until is before --since" in bad.stderr


def test_audit_of_an_unknown_patient_says_so(env):
    done = run(env, "audit", "--patient", "nobody")
    assert done.returncode == 0 and "nothing recorded for patient nobody" in done.stderr
    off = run(dict(env, PRESCREEN_SCREENING_LOG="off"), "queue")
    assert (
        off.returncode == 1
        and off.stderr.strip() == "prescreen: error: the screening log is off (PRESCREEN_SCREENING_LOG=off)"
    )
    refused = run(env, "serve", "--fhir-dir", str(COHORT), "--write-back")
    assert refused.returncode == 2 and "--write-back needs a FHIR server" in refused.stderr


# --- re-screening what a record change touched, on a FHIR server --------------------------------


def _own_patient(pid: str, platelets: float) -> list[dict]:
    subject = {"reference": f"Patient/{pid}"}
    coded = {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
    confirmed = {"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}
    return [
        {"resourceType": "Patient", "id": pid, "gender": "male", "birthDate": "1962-05-01"},
        {
            "resourceType": "Condition",
            "id": f"{pid}-icc",
            "subject": subject,
            "clinicalStatus": {"coding": [coded]},
            "verificationStatus": {"coding": [confirmed]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C22.1"}]},
        },
        {
            "resourceType": "Observation",
            "id": f"{pid}-plt",
            "status": "final",
            "subject": subject,
            "code": {"coding": [{"system": "http://loinc.org", "code": "777-3"}]},
            "effectiveDateTime": "2026-11-20",
            "valueQuantity": {
                "value": platelets,
                "unit": "10*9/L",
                "system": "http://unitsofmeasure.org",
                "code": "10*9/L",
            },
        },
    ]


@pytest.fixture
def own_patients(fhir_base, fhir_token):
    import json

    import requests

    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {fhir_token}", "Content-Type": "application/fhir+json"})

    def put(resource: dict) -> None:
        r = session.put(
            f"{fhir_base}/{resource['resourceType']}/{resource['id']}", data=json.dumps(resource), timeout=60
        )
        assert r.status_code in (200, 201), r.text

    pids = ["answers-since-1", "answers-since-2"]
    for pid in pids:
        for res in _own_patient(pid, 250):
            put(res)
    yield put, session
    # What write-back made refers to these patients' resources (HAPI keeps references whole):
    # it goes first, then the patients, so that later tests find the cohort alone.
    for pid in pids:
        for query in (
            f"AuditEvent?entity=Patient/{pid}",
            f"Provenance?entity=Patient/{pid}",
            f"ResearchSubject?patient=Patient/{pid}",
            f"QuestionnaireResponse?subject=Patient/{pid}",
        ):
            r = session.delete(f"{fhir_base}/{query}", timeout=60)
            assert r.status_code in (200, 204), r.text
        for res in reversed(_own_patient(pid, 250)):
            r = session.delete(f"{fhir_base}/{res['resourceType']}/{res['id']}", timeout=60)
            assert r.status_code in (200, 204), r.text


def test_batch_since_rescreens_touched_patients_and_writes_back(
    env, tmp_path, fhir_base, fhir_token, own_patients
):
    put, session = own_patients
    env = dict(env, PRESCREEN_FHIR_TOKEN=fhir_token)
    def run_batch(name: str, *extra: str) -> subprocess.CompletedProcess:
        return batch(env, tmp_path, name, "answers-since-1", "answers-since-2",
                     source=("--fhir-base", fhir_base), extra=("--write-back", *extra))

    run_batch("first")
    time.sleep(1.5)  # the first run's own writes (and the patients' creation) stay before `since`
    before_change = datetime.now(timezone.utc) - timedelta(seconds=0.5)
    put(_own_patient("answers-since-1", 50)[2])  # new labs: platelets 50 rule the patient out
    again = run_batch("since", "--since", before_change.isoformat())
    lines = (tmp_path / "since.jsonl").read_text().splitlines()
    assert len(lines) == 1 and '"Patient/answers-since-1"' in lines[0]
    assert "answers-since-1: needs information -> ineligible" in again.stderr
    last = run_batch("last", "--since", "last")  # nothing changed since the previous run started
    assert (tmp_path / "last.jsonl").read_text() == "" and "verdict changed" not in last.stderr

    found = session.get(
        f"{fhir_base}/ResearchSubject",
        timeout=30,
        params={"identifier": "urn:prescreen:research-subject|NCT03951597:answers-since-1"},
    ).json()
    assert [e["resource"]["status"] for e in found.get("entry", [])] == ["ineligible"]  # once, updated
    prov = session.get(
        f"{fhir_base}/Provenance",
        timeout=30,
        params={"target": f"ResearchSubject/{found['entry'][0]['resource']['id']}"},
    ).json()
    assert len(prov.get("entry", [])) == 2  # one per screening of that patient
    for entry in prov["entry"]:
        assert any(
            a["who"].get("display", "").startswith("prescreen rules engine")
            for a in entry["resource"]["agent"]
        )


def test_a_folder_batch_without_stored_answers_screens_in_processes_and_feeds_the_queue(sqlite_store):
    from datetime import date as day

    from batch.rescreen import AnswersJob, Rescreen
    from batch.runner import ScreenJob
    from fhir_ingest.sources import DirSource

    source = DirSource(REPO / "data" / "synthetic" / "bundles")
    record_only = ScreenJob(source, day(2026, 11, 24))
    worker = Rescreen(source, day(2026, 11, 24), sqlite_store)
    assert worker.job_for(["icc-001", "icc-002"], record_only) is record_only
    assert worker.screened == {"icc-001", "icc-002"}  # their lines still feed the queue
    sqlite_store.add_answer(
        trial="NCT03951597",
        patient="icc-002",
        question_id="unresectable",
        criterion="unresectable",
        value="yes",
        by="clinician",
        subject="dr-li",
        channel="chat",
    )
    again = Rescreen(source, day(2026, 11, 24), sqlite_store)
    job = again.job_for(["icc-001", "icc-002"], record_only)  # stored answers go in, in processes
    assert isinstance(job, AnswersJob) and job.parallel and job.store_url == sqlite_store.db.url
