"""Public, real-shaped FHIR R4 records (tests/data/public/README.md names each source and its
licence): read without error through the folder source, the command line and a batch, and the
statuses these records settle."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from batch.outfile import ReportFile, read_lines
from batch.runner import ScreenJob, run
from bot.cli import main
from eligibility import screen
from fhir_ingest.sources import DirSource

PUBLIC = Path(__file__).resolve().parent.parent / "data" / "public"
SYNTHEA = PUBLIC / "synthea"
MCODE = PUBLIC / "mcode"
HERSHEL = "4e122e91-c63f-4112-a778-6ccf5abfd6f2"  # Synthea: rheumatoid arthritis, active
JONAH = "45a69bf0-7116-4f9f-a1d9-29700439b4a4"  # Synthea: died 2008-01-08
MCODE_PATIENT = "mCODEPatientExample01"  # mCODE: non-small cell lung cancer, ECOG 0


def copied(tmp_path_factory, samples: Path) -> DirSource:
    # A copy: the folder index is written beside the files, never into the repository.
    folder = tmp_path_factory.mktemp(samples.name)
    for f in samples.glob("*.json"):
        (folder / f.name).write_bytes(f.read_bytes())
    return DirSource(folder)


@pytest.fixture(scope="module")
def synthea(tmp_path_factory) -> DirSource:
    return copied(tmp_path_factory, SYNTHEA)


@pytest.fixture(scope="module")
def mcode(tmp_path_factory) -> DirSource:
    return copied(tmp_path_factory, MCODE)


def statuses(source: DirSource, pid: str, as_of: str) -> dict[str, str]:
    report = screen(source.load(pid).resources, as_of)
    return {r.id: r.status for r in report.criteria}


def test_every_public_record_loads_without_issues(synthea, mcode):
    assert synthea.patient_ids() == [JONAH, HERSHEL]
    assert mcode.patient_ids() == [MCODE_PATIENT]
    for source in (synthea, mcode):
        assert source.issues == []
        for pid in source.patient_ids():
            record = source.load(pid)
            assert record.issues == [], [str(i) for i in record.issues]
            # urn:uuid references of the transaction Bundles are resolved
            for r in record.resources:
                subject = (r.get("subject") or r.get("patient") or {}).get("reference")
                assert subject in (None, f"Patient/{pid}"), (r["resourceType"], subject)


@pytest.mark.parametrize("as_of", ["2005-01-01", "2012-06-30", "2019-11-10", "2020-02-10", "2026-11-24"])
def test_every_public_record_screens_whatever_the_date(synthea, mcode, as_of):
    for source in (synthea, mcode):
        for pid in source.patient_ids():
            report = screen(source.load(pid).resources, as_of)
            assert len(report.criteria) == 36
            assert report.to_dict()["patient"] == f"Patient/{pid}"


def test_synthea_rheumatoid_arthritis_fails_autoimmune_and_settles_vitals_and_counts(synthea):
    got = statuses(synthea, HERSHEL, "2019-11-10")
    assert got["autoimmune"] == "fail"  # SNOMED 69896004, active since 2018
    assert got["hypertension"] == "pass"  # 85354-9 panel 137/82 on 2019-11-05
    assert got["platelets"] == "pass" and got["hemoglobin"] == "pass"
    assert got["age"] == "pass" and got["pregnancy_lactation"] == "pass"
    assert got["other_malignancy"] == "unknown" and got["hiv"] == "unknown"
    before = statuses(synthea, HERSHEL, "2018-01-01")
    assert before["autoimmune"] == "unknown"  # not yet diagnosed on that date


def test_synthea_deceased_patient_is_ineligible_with_a_note(synthea):
    record = synthea.load(JONAH).resources
    after = screen(record, "2020-02-10")
    assert after.verdict == "ineligible" and after.notes[0] == "deceased 2008-01-08"
    before = screen(record, "2007-06-10")
    assert before.verdict == "needs_information" and not before.notes
    assert before.status("hypertension") == "pass"  # 113/83 on 2007-05-30


def test_mcode_snomed_lung_cancer_fails_other_malignancy_and_ecog_0_passes(mcode):
    report = screen(mcode.load(MCODE_PATIENT).resources, "2019-04-15")
    assert report.status("other_malignancy") == "fail"
    assert "Condition/mCODEPrimaryCancerConditionExample01" in [
        e.reference for e in report.result("other_malignancy").evidence]
    assert report.status("ecog_0") == "pass"  # valueInteger 0 with LOINC answer LA9622-7
    assert report.status("age") == "pass"
    assert report.status("prior_checkpoint_inhibitor") == "unknown"  # gefitinib is not one
    assert report.verdict == "ineligible"
    assert screen(mcode.load(MCODE_PATIENT).resources, "2019-06-15").status("ecog_0") == "unknown"


def test_prescreen_check_on_public_folders(synthea, mcode, capsys):
    assert main(["check", HERSHEL, "--fhir-dir", str(synthea.path), "--as-of", "2019-11-10"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "ineligible"
    assert main(["check", MCODE_PATIENT, "--fhir-dir", str(mcode.path), "--as-of", "2019-04-15",
                 "--format", "text"]) == 0
    assert "Verdict: ineligible" in capsys.readouterr().out


def test_batch_over_public_records_counts_the_deceased_apart(synthea, tmp_path):
    out = ReportFile(tmp_path / "r.jsonl")
    out.prepare(resume=False, retry_errors=False, overwrite=False)
    result = run(synthea.patient_ids(), ScreenJob(synthea, date(2020, 2, 10)), out, done={}, workers=2)
    out.close()
    lines = {x["patient"]: x for x in read_lines(tmp_path / "r.jsonl")}
    assert set(lines) == {f"Patient/{JONAH}", f"Patient/{HERSHEL}"}
    assert result.counts == {"deceased": 1, "ineligible": 1}
