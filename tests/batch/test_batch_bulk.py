"""`prescreen batch --bulk`: FHIR Bulk Data export from the real HAPI, then screening the files."""

from __future__ import annotations

import json
import re

import pytest
import requests
from batchutil import AS_OF, COHORT, batch, by_patient, read_jsonl

try:
    from support.fault_proxy import FaultProxy
except ImportError:
    from tests.support.fault_proxy import FaultProxy

POLL = r"\$export-poll-status"


@pytest.fixture(scope="module")
def bulk_run(fhir_base, fhir_token, tmp_path_factory):
    """(reports by patient, requests the server saw) of a bulk run through the fault proxy."""
    out = tmp_path_factory.mktemp("bulk") / "night.jsonl"
    with FaultProxy(fhir_base) as proxy:
        # The first poll is told to come back in 2 s: the client must wait that long.
        proxy.inject("429", times=1, path_regex=POLL, retry_after=2)
        done = batch("--fhir-base", proxy.base_url, "--as-of", AS_OF, "--out", str(out), "--bulk",
                     "--no-progress", token=fhir_token)
        assert done.returncode == 0, done.stderr
        seen = list(proxy.seen)
    return by_patient(read_jsonl(out)), seen, out


def test_bulk_gives_the_verdicts_of_search_mode(bulk_run, search_run):
    reports, _, _ = bulk_run
    assert reports.keys() == search_run.keys()
    assert {p: x["verdict"] for p, x in reports.items()} == {p: x["verdict"] for p, x in search_run.items()}


def test_bulk_protocol_kick_off_poll_download_delete(bulk_run):
    _, seen, out = bulk_run
    kick = [s for s in seen if "/Patient/$export" in s.path]
    assert len(kick) == 1 and kick[0].status == 202
    assert "_type=" in kick[0].path and "Medication%2C" not in kick[0].path
    polls = [s for s in seen if re.search(POLL, s.path) and s.method == "GET"]
    assert polls[0].fault == "429" and polls[1].at - polls[0].at >= 1.9  # Retry-After honoured
    assert polls[-1].status == 200
    downloads = [s for s in seen if "/Binary/" in s.path]
    assert downloads and all(s.status == 200 for s in downloads)
    assert [s.method for s in seen if re.search(POLL, s.path)][-1] == "DELETE"
    folders = list(out.with_suffix(".bulk").glob("export-*"))
    assert len(folders) == 1 and (folders[0] / "_export.manifest").is_file()


def test_bulk_group_export(fhir_base, fhir_token, tmp_path):
    out = tmp_path / "group.jsonl"
    done = batch("--fhir-base", fhir_base, "--as-of", AS_OF, "--out", str(out), "--bulk", "--group",
                 "icc-cohort", "--no-progress", token=fhir_token)
    assert done.returncode == 0, done.stderr
    members = json.loads((COHORT / "group-icc-cohort.json").read_text())["entry"][0]["resource"]["member"]
    assert sorted(by_patient(read_jsonl(out))) == sorted(m["entity"]["reference"] for m in members)


# --- incremental runs -------------------------------------------------------------------

PID = "batch-since-1"


def _resources(platelets: float) -> list[dict]:
    subject = {"reference": f"Patient/{PID}"}
    return [
        {"resourceType": "Patient", "id": PID, "gender": "male", "birthDate": "1962-05-01"},
        {"resourceType": "Condition", "id": f"{PID}-icc", "subject": subject,
         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                        "code": "active"}]},
         "verificationStatus": {"coding": [{
             "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C22.1"}]}},
        {"resourceType": "Observation", "id": f"{PID}-plt", "status": "final", "subject": subject,
         "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                   "code": "laboratory"}]}],
         "code": {"coding": [{"system": "http://loinc.org", "code": "777-3"}]},
         "effectiveDateTime": "2026-11-20",
         "valueQuantity": {"value": platelets, "unit": "10*9/L", "system": "http://unitsofmeasure.org",
                           "code": "10*9/L"}},
    ]


@pytest.fixture
def extra_patient(fhir_base, fhir_token):
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {fhir_token}", "Content-Type": "application/fhir+json"})

    def put(resource: dict) -> None:
        r = session.put(f"{fhir_base}/{resource['resourceType']}/{resource['id']}", data=json.dumps(resource),
                        timeout=60)
        assert r.status_code in (200, 201), r.text

    for res in _resources(platelets=250):
        put(res)
    yield put
    for res in reversed(_resources(platelets=250)):
        session.delete(f"{fhir_base}/{res['resourceType']}/{res['id']}", timeout=60)


def test_since_screens_only_what_changed(fhir_base, fhir_token, tmp_path, extra_patient, monkeypatch):
    from bot.cli.check import run_check
    from fhir_ingest.configure import open_source

    bulk_dir = tmp_path / "mirror"
    full = tmp_path / "full.jsonl"
    done = batch("--fhir-base", fhir_base, "--as-of", AS_OF, "--out", str(full), "--bulk", "--bulk-dir",
                 str(bulk_dir), "--no-progress", token=fhir_token)
    assert done.returncode == 0, done.stderr
    first = by_patient(read_jsonl(full))
    assert first[f"Patient/{PID}"]["verdict"] != "error"
    platelets = next(c for c in first[f"Patient/{PID}"]["criteria"] if c["id"] == "platelets")
    assert platelets["status"] == "pass"

    extra_patient(_resources(platelets=50)[2])  # a new platelet count: now too low
    inc = tmp_path / "inc.jsonl"
    done = batch("--fhir-base", fhir_base, "--as-of", AS_OF, "--out", str(inc), "--bulk", "--bulk-dir",
                 str(bulk_dir), "--since", "last", "--no-progress", token=fhir_token)
    assert done.returncode == 0, done.stderr
    lines = read_jsonl(inc)
    assert [x["patient"] for x in lines] == [f"Patient/{PID}"]  # only the patient that changed
    assert lines[0]["verdict"] == "ineligible"
    monkeypatch.setenv("PRESCREEN_FHIR_TOKEN", fhir_token)
    assert lines[0] == json.loads(run_check(PID, open_source(fhir_base, None), AS_OF, "json"))
    assert len(list(bulk_dir.glob("export-*"))) == 2  # the full export and the increment


def test_since_without_an_earlier_export_is_refused(fhir_base, fhir_token, tmp_path):
    done = batch("--fhir-base", fhir_base, "--out", str(tmp_path / "r.jsonl"), "--bulk", "--since", "last",
                 "--no-progress", token=fhir_token)
    assert done.returncode == 1 and "--since" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
