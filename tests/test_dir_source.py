"""DirSource on temporary folders (Bundles, single resources, NDJSON, broken files) and
on the committed synthetic cohort."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from fhir_ingest.dir_index import INDEX_NAME
from fhir_ingest.dir_source import PatientWithoutRecord
from fhir_ingest.errors import IngestError, PatientNotFound
from fhir_ingest.sources import DirSource, PatientRecord

try:
    from support import cohort
except ImportError:  # pragma: no cover
    from tests.support import cohort


def patient(pid: str) -> dict:
    return {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1960-01-01"}


def obs(oid: str, subject: str, value: object = 182, status: str = "final") -> dict:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": status,
        "code": {"coding": [{"system": "http://loinc.org", "code": "777-3"}]},
        "subject": {"reference": subject},
        "effectiveDateTime": "2026-11-10",
        "valueQuantity": {"value": value, "unit": "10*9/L"},
    }


def med_request(mid: str, subject: str, medication_ref: str) -> dict:
    return {
        "resourceType": "MedicationRequest",
        "id": mid,
        "status": "active",
        "intent": "order",
        "subject": {"reference": subject},
        "medicationReference": {"reference": medication_ref},
    }


def medication(mid: str) -> dict:
    return {
        "resourceType": "Medication",
        "id": mid,
        "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                             "code": "1547545", "display": "pembrolizumab"}]},
    }


def write(path: Path, obj: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")
    return path


def refs(record: PatientRecord) -> list[str]:
    return [f"{r['resourceType']}/{r['id']}" for r in record.resources]


# --- folder shapes --------------------------------------------------------------------


def test_transaction_bundle_with_urn_uuid_references(tmp_path: Path) -> None:
    pid_url = "urn:uuid:1b4f0c4e-0000-4000-8000-000000000001"
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": pid_url, "resource": patient("p1"),
             "request": {"method": "PUT", "url": "Patient/p1"}},
            # no id on the resource: it comes from request.url
            {"fullUrl": "urn:uuid:1b4f0c4e-0000-4000-8000-000000000002",
             "resource": {k: v for k, v in obs("o1", pid_url).items() if k != "id"},
             "request": {"method": "PUT", "url": "Observation/o1"}},
            {"fullUrl": "urn:uuid:1b4f0c4e-0000-4000-8000-000000000003",
             "resource": obs("o2", pid_url),
             "request": {"method": "POST", "url": "Observation"}},
        ],
    }
    write(tmp_path / "p1.json", bundle)
    src = DirSource(tmp_path)
    assert src.patient_ids() == ["p1"]
    rec = src.load("p1")
    assert refs(rec) == ["Observation/o1", "Observation/o2", "Patient/p1"]
    # urn:uuid references are resolved as a FHIR server would on a transaction
    assert {r["subject"]["reference"] for r in rec.of_type("Observation")} == {"Patient/p1"}
    assert rec.issues == []


def test_single_resources_nested_folders_and_absolute_references(tmp_path: Path) -> None:
    write(tmp_path / "a" / "patient.json", patient("p2"))
    write(tmp_path / "a" / "b" / "obs.json",
          obs("o9", "https://ehr.example.org/fhir/Patient/p2/_history/3"))
    write(tmp_path / "other.txt", "not FHIR, and ignored")
    rec = DirSource(tmp_path).load("p2")
    assert refs(rec) == ["Observation/o9", "Patient/p2"]


def test_ndjson_bulk_export_groups_by_patient_and_reports_bad_lines(tmp_path: Path) -> None:
    write(tmp_path / "Patient.ndjson",
          "\n".join(json.dumps(patient(p)) for p in ("p1", "p2")) + "\n")
    lines = [json.dumps(obs("o1", "Patient/p1")), "{not json", "",
             json.dumps(obs("o2", "Patient/p2")), json.dumps([1, 2])]
    write(tmp_path / "Observation.ndjson", "\n".join(lines) + "\n")
    src = DirSource(tmp_path)
    assert src.patient_ids() == ["p1", "p2"]
    r1, r2 = src.load("p1"), src.load("p2")
    assert refs(r1) == ["Observation/o1", "Patient/p1"]
    assert refs(r2) == ["Observation/o2", "Patient/p2"]
    wheres = sorted(i.where for i in r1.issues)
    # a broken line could be anyone's: every record is told
    assert wheres == ["Observation.ndjson:2", "Observation.ndjson:5"]
    assert [i.where for i in r2.issues] == wheres
    assert all("\n" not in str(i) for i in r1.issues)


def test_malformed_file_is_an_issue_not_fatal(tmp_path: Path) -> None:
    write(tmp_path / "good.json", {"resourceType": "Bundle", "type": "collection",
                                   "entry": [{"resource": patient("p1")}]})
    write(tmp_path / "broken.json", '{"resourceType": "Bundle", "entry": [')
    write(tmp_path / "array.json", [patient("p9")])
    src = DirSource(tmp_path)
    rec = src.load("p1")
    assert refs(rec) == ["Patient/p1"]
    messages = {i.where: i.message for i in rec.issues}
    assert set(messages) == {"array.json", "broken.json:1"}
    assert messages["broken.json:1"].startswith("invalid JSON")
    assert src.issues == rec.issues


def test_invalid_resource_skipped_and_reported_rest_loads(tmp_path: Path) -> None:
    write(tmp_path / "p1.json", {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": patient("p1")},
        {"resource": obs("good", "Patient/p1")},
        {"resource": obs("bad-value", "Patient/p1", value="abc")},
        {"resource": obs("bad-status", "Patient/p1", status="banana")},
        {"resource": {"resourceType": "Nonsense", "id": "x1",
                      "subject": {"reference": "Patient/p1"}}},
        "a string, not an entry",
    ]})
    rec = DirSource(tmp_path).load("p1")
    assert refs(rec) == ["Observation/good", "Patient/p1"]
    by_ref = {i.reference: i for i in rec.issues}
    assert set(by_ref) == {"Observation/bad-value", "Observation/bad-status", "Nonsense/x1", "?"}
    assert "valueQuantity.value" in by_ref["Observation/bad-value"].message
    assert "status" in by_ref["Observation/bad-status"].message
    assert "banana" not in by_ref["Observation/bad-status"].message  # no record values
    assert by_ref["?"].where == "p1.json#entry[5]"
    assert by_ref["Observation/bad-value"].where == "p1.json#entry[2]"


def test_medications_attached_contained_kept_missing_reported(tmp_path: Path) -> None:
    write(tmp_path / "meds" / "Medication.ndjson",
          json.dumps(medication("pembro")) + "\n" + json.dumps(medication("unused")) + "\n")
    contained = med_request("mr2", "Patient/p1", "#m1")
    contained["contained"] = [{**medication("m1")}]
    write(tmp_path / "p1.json", {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": patient("p1")},
        {"resource": med_request("mr1", "Patient/p1", "Medication/pembro")},
        {"resource": contained},
        {"resource": med_request("mr3", "Patient/p1", "Medication/gone")},
    ]})
    rec = DirSource(tmp_path).load("p1")
    assert refs(rec) == ["Medication/pembro", "MedicationRequest/mr1", "MedicationRequest/mr2",
                         "MedicationRequest/mr3", "Patient/p1"]
    assert rec.of_type("MedicationRequest")[1]["contained"][0]["id"] == "m1"
    assert [(i.reference, i.message) for i in rec.issues] == [
        ("Medication/gone", "referenced Medication not found")]


def test_duplicates_across_files_keep_latest(tmp_path: Path) -> None:
    old = {**obs("o1", "Patient/p1", value=100), "meta": {"lastUpdated": "2026-01-01T00:00:00Z"}}
    new = {**obs("o1", "Patient/p1", value=200), "meta": {"lastUpdated": "2026-02-01T00:00:00Z"}}
    write(tmp_path / "a.json", {"resourceType": "Bundle", "type": "collection",
                                "entry": [{"resource": patient("p1")}, {"resource": new}]})
    write(tmp_path / "b.ndjson", json.dumps(old) + "\n" + json.dumps(patient("p1")) + "\n")
    rec = DirSource(tmp_path).load("p1")
    assert refs(rec) == ["Observation/o1", "Patient/p1"]
    assert rec.resources[0]["valueQuantity"]["value"] == 200


def test_unknown_patient_and_missing_folder(tmp_path: Path) -> None:
    write(tmp_path / "p.json", patient("p1"))
    with pytest.raises(PatientNotFound) as e:
        DirSource(tmp_path).load("nobody")
    assert "nobody" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(IngestError):
        DirSource(tmp_path / "absent")


def test_records_only_resources_that_name_the_patient(tmp_path: Path) -> None:
    write(tmp_path / "x.json", {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": patient("p1")},
        {"resource": {"resourceType": "Practitioner", "id": "dr1"}},
        {"resource": {"resourceType": "Condition", "id": "c1",
                      "code": {"text": "x"}, "subject": {"reference": "Patient/p2"}}},
    ]})
    src = DirSource(tmp_path)
    assert src.patient_ids() == ["p1", "p2"]
    assert refs(src.load("p1")) == ["Patient/p1"]
    # known only through a reference: a one-line error, never a report for "Patient/?"
    with pytest.raises(PatientWithoutRecord) as e:
        src.load("p2")
    assert "no Patient resource for 'p2'" in str(e.value) and "\n" not in str(e.value)
    assert isinstance(e.value, PatientNotFound)


def test_index_is_built_once_and_scales(tmp_path: Path) -> None:
    n = 1000
    lines_p, lines_o = [], []
    for i in range(n):
        pid = f"p{i:04d}"
        lines_p.append(json.dumps(patient(pid)))
        lines_o.extend(json.dumps(obs(f"o{i}-{j}", f"Patient/{pid}")) for j in range(5))
    write(tmp_path / "Patient.ndjson", "\n".join(lines_p))
    write(tmp_path / "Observation.ndjson", "\n".join(lines_o))
    src = DirSource(tmp_path)
    started = time.monotonic()
    ids = src.patient_ids()
    index_seconds = time.monotonic() - started
    assert len(ids) == n
    started = time.monotonic()
    for pid in ids[:200]:
        assert len(src.load(pid).resources) == 6
    per_patient = (time.monotonic() - started) / 200
    assert index_seconds < 10 and per_patient < 0.05, (index_seconds, per_patient)


# --- the committed synthetic cohort ---------------------------------------------------

needs_cohort = pytest.mark.skipif(
    not cohort.COHORT_DIR.is_dir() or not any(cohort.COHORT_DIR.glob("*.json")),
    reason=f"no synthetic cohort in {cohort.COHORT_DIR}",
)


@needs_cohort
def test_committed_cohort_loads_every_patient_without_issues() -> None:
    src = DirSource(cohort.COHORT_DIR)
    assert src.patient_ids() == cohort.patient_ids()
    for pid in src.patient_ids():
        rec = src.load(pid)
        assert rec.patient is not None and rec.patient["id"] == pid
        assert rec.issues == [], (pid, [str(i) for i in rec.issues])
        keys = [(r["resourceType"], r["id"]) for r in rec.resources]
        assert keys == sorted(set(keys))
        for r in rec.resources:
            if r["resourceType"] not in ("Patient", "Medication"):
                subject = r.get("subject") or r.get("patient") or {}
                assert subject.get("reference") == f"Patient/{pid}", (pid, r["id"])


@needs_cohort
def test_committed_cohort_counts_match_the_files() -> None:
    src = DirSource(cohort.COHORT_DIR)
    for pid in cohort.patient_ids():
        rec = src.load(pid)
        got = Counter(r["resourceType"] for r in rec.resources if r["resourceType"] != "Medication")
        assert got == cohort.counts(pid), pid
        for mr in rec.of_type("MedicationRequest"):
            ref = (mr.get("medicationReference") or {}).get("reference", "")
            if ref.startswith("Medication/"):
                assert any(m["id"] == ref.split("/", 1)[1] for m in rec.of_type("Medication"))


def test_conditional_patient_reference_in_a_transaction(tmp_path: Path) -> None:
    p = {**patient("p7"), "identifier": [{"system": "urn:mrn", "value": "M-7"}]}
    o = obs("o7", "Patient?identifier=urn:mrn|M-7")
    write(tmp_path / "t.json", {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000007", "resource": p,
         "request": {"method": "PUT", "url": "Patient/p7"}},
        {"resource": o, "request": {"method": "PUT", "url": "Observation/o7"}},
    ]})
    rec = DirSource(tmp_path).load("p7")
    assert refs(rec) == ["Observation/o7", "Patient/p7"]
    assert rec.of_type("Observation")[0]["subject"]["reference"] == "Patient/p7"


# --- the on-disk index ------------------------------------------------------------------


def test_record_without_patient_resource_is_a_one_line_cli_error(tmp_path: Path, capsys) -> None:
    from bot.cli import main

    write(tmp_path / "c.json", {"resourceType": "Condition", "id": "c1", "code": {"text": "x"},
                                "subject": {"reference": "Patient/ghost"}})
    assert main(["check", "ghost", "--fhir-dir", str(tmp_path), "--as-of", "2026-11-24"]) != 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "no Patient resource for 'ghost'" in err
    assert "Patient/?" not in err


def test_index_is_kept_beside_the_files_and_reused(tmp_path: Path) -> None:
    write(tmp_path / "p1.json", {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": patient("p1")}, {"resource": obs("o1", "Patient/p1")}]})
    src = DirSource(tmp_path)
    assert src.refresh() == 1
    assert (tmp_path / INDEX_NAME).is_file()
    again = DirSource(tmp_path)
    assert again.refresh() == 0  # nothing changed: nothing indexed again
    assert refs(again.load("p1")) == ["Observation/o1", "Patient/p1"]


def test_index_is_refreshed_when_files_change(tmp_path: Path) -> None:
    first = write(tmp_path / "p1.json", {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": patient("p1")}, {"resource": obs("o1", "Patient/p1")}]})
    write(tmp_path / "p2.json", patient("p2"))
    assert DirSource(tmp_path).patient_ids() == ["p1", "p2"]
    # p1's file gains an Observation, p2's file goes, p3 arrives as NDJSON
    time.sleep(0.01)
    write(first, {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": patient("p1")}, {"resource": obs("o1", "Patient/p1")},
        {"resource": obs("o2", "Patient/p1")}]})
    (tmp_path / "p2.json").unlink()
    write(tmp_path / "more.ndjson", json.dumps(patient("p3")) + "\n" + json.dumps(obs("o3", "Patient/p3")))
    src = DirSource(tmp_path)
    assert src.refresh() == 3
    assert src.patient_ids() == ["p1", "p3"]
    assert refs(src.load("p1")) == ["Observation/o1", "Observation/o2", "Patient/p1"]
    assert refs(src.load("p3")) == ["Observation/o3", "Patient/p3"]
    with pytest.raises(PatientNotFound):
        src.load("p2")


def test_one_patient_reads_only_its_own_file(tmp_path: Path, monkeypatch) -> None:
    for i in range(20):
        write(tmp_path / f"p{i}.json", {"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": patient(f"p{i}")}, {"resource": obs(f"o{i}", f"Patient/p{i}")}]})
    src = DirSource(tmp_path)
    src.refresh()
    read: list[str] = []
    real = Path.read_bytes

    def spy(self: Path) -> bytes:
        read.append(self.name)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    assert refs(src.load("p7")) == ["Observation/o7", "Patient/p7"]
    assert read == ["p7.json"]


def test_urn_uuid_subject_in_another_file_is_resolved(tmp_path: Path) -> None:
    uid = "3c1e5a52-0000-4000-8000-00000000abcd"
    write(tmp_path / "patients.json", {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": f"urn:uuid:{uid}", "resource": patient("p9")}]})
    write(tmp_path / "labs.json", {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001",
         "resource": obs("o9", f"urn:uuid:{uid}")}]})
    write(tmp_path / "more.ndjson", json.dumps(obs("o10", f"urn:uuid:{uid}")) + "\n")
    src = DirSource(tmp_path)
    assert src.patient_ids() == ["p9"]
    rec = src.load("p9")
    assert refs(rec) == ["Observation/o10", "Observation/o9", "Patient/p9"]
    assert {r["subject"]["reference"] for r in rec.of_type("Observation")} == {"Patient/p9"}
    assert src.issues == []


def test_unresolved_urn_uuid_subject_is_warned(tmp_path: Path) -> None:
    write(tmp_path / "p1.json", patient("p1"))
    write(tmp_path / "stray.ndjson", json.dumps(obs("o1", "urn:uuid:0000dead-0000-4000-8000-000000000000")))
    src = DirSource(tmp_path)
    assert src.patient_ids() == ["p1"]
    assert any("no file resolves" in i.message for i in src.issues)


def test_read_only_folder_keeps_its_index_in_the_cache(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "ro"
    write(folder / "p1.json", patient("p1"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == folder else real_access(p, mode))
    src = DirSource(folder)
    assert refs(src.load("p1")) == ["Patient/p1"]
    assert not (folder / INDEX_NAME).exists()
    assert list((tmp_path / "cache" / "prescreen" / "dir-index").glob("*.sqlite3"))


def test_source_crosses_to_another_process_as_its_path(tmp_path: Path) -> None:
    import pickle

    write(tmp_path / "p1.json", patient("p1"))
    src = DirSource(tmp_path)
    src.load("p1")
    clone = pickle.loads(pickle.dumps(src))
    assert refs(clone.load("p1")) == ["Patient/p1"]
