"""next_questions: only what is unknown, rule-outs first, nothing once the verdict is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from eligibility import Answer, load_trial, next_questions, screen
from fhir_ingest.sources import DirSource

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-24"
TRIAL = load_trial()


@pytest.fixture(scope="module")
def cohort() -> DirSource:
    return DirSource(REPO / "data" / "synthetic" / "bundles")


def ids(questions):
    return [q.id for q in questions]


def test_questions_touch_only_unknown_criteria_and_rule_outs_come_first(cohort):
    report = screen(cohort.load("icc-001").resources, AS_OF)
    qs = next_questions(TRIAL, report, "clinician")
    unknown = set(report.missing)
    assert qs and all(q.criterion in unknown for q in qs)
    priorities = [q.priority for q in qs]
    assert priorities == sorted(priorities)
    assert qs[0].criterion in ("icc_histology", "other_liver_histology", "unresectable", "ecog_0")


def test_no_question_once_a_criterion_fails_unless_asked_to_go_on(cohort):
    report = screen(cohort.load("icc-004").resources, AS_OF)  # age 76
    assert report.verdict == "ineligible"
    assert next_questions(TRIAL, report, "clinician") == []
    rest = next_questions(TRIAL, report, "clinician", after_failure=True)
    assert rest and all(report.status(q.criterion) == "unknown" for q in rest)


def test_patients_are_not_asked_clinician_only_questions(cohort):
    report = screen(cohort.load("icc-001").resources, AS_OF)
    for q in next_questions(TRIAL, report, "patient"):
        assert "patient" in q.audience and q.text.get("patient")
    assert "measurable_lesion" not in ids(next_questions(TRIAL, report, "patient"))


def test_tuberculosis_follow_ups_are_asked_in_turn():
    resources = [{"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1960-01-01"}]
    answers = [Answer("tb_ever", "yes")]
    report = screen(resources, AS_OF, answers)
    assert "tb_within_year" in ids(next_questions(TRIAL, report, "clinician", answers))
    answers += [Answer("tb_within_year", "no"), Answer("tb_fully_treated", "yes")]
    report = screen(resources, AS_OF, answers)
    got = ids(next_questions(TRIAL, report, "clinician", answers))
    assert "tb_still_active" in got and "tb_ever" not in got
    answers.append(Answer("tb_still_active", "no"))
    report = screen(resources, AS_OF, answers)
    assert report.status("tuberculosis") == "pass"
    assert not any(
        q.criterion == "tuberculosis" for q in next_questions(TRIAL, report, "clinician", answers)
    )


def test_an_answer_that_rules_out_ends_the_questions():
    resources = [{"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1960-01-01"}]
    answers = [Answer("prior_checkpoint_inhibitor", "yes")]
    report = screen(resources, AS_OF, answers)
    assert report.status("prior_checkpoint_inhibitor") == "fail"
    assert next_questions(TRIAL, report, "clinician", answers) == []


def test_not_sure_leaves_the_criterion_unknown():
    resources = [{"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1960-01-01"}]
    report = screen(resources, AS_OF, [Answer("autoimmune", "not_sure")])
    assert report.status("autoimmune") == "unknown"
    assert "autoimmune" in report.missing


def test_weight_is_asked_only_when_it_is_the_missing_input(cohort):
    # icc-039's weight is older than 90 days; creatinine and age are there.
    report = screen(cohort.load("icc-039").resources, AS_OF)
    assert report.status("creatinine_clearance") == "unknown"
    assert "weight_kg" in ids(next_questions(TRIAL, report, "clinician"))
    answered = screen(cohort.load("icc-039").resources, AS_OF, [Answer("weight_kg", 70)])
    assert answered.status("creatinine_clearance") in ("pass", "fail")
    no_labs = screen(
        [{"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1960-01-01"}], AS_OF
    )
    assert "weight_kg" not in ids(next_questions(TRIAL, no_labs, "clinician"))


def test_a_clinician_answer_against_the_record_is_a_conflict_unless_an_override(cohort):
    resources = cohort.load("icc-018").resources  # Keytruda in the record
    report = screen(resources, AS_OF, [Answer("prior_checkpoint_inhibitor", "no")])
    r = report.result("prior_checkpoint_inhibitor")
    assert r.status == "unknown" and r.conflict
    assert {e.source for e in r.evidence} >= {"record", "clinician"}
    over = screen(resources, AS_OF, [Answer("prior_checkpoint_inhibitor", "no", override=True)])
    assert over.status("prior_checkpoint_inhibitor") == "pass"
    assert over.result("prior_checkpoint_inhibitor").override


def test_a_clinician_outranks_a_patient():
    resources = [{"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1960-01-01"}]
    answers = [Answer("hiv", "no", by="clinician"), Answer("hiv", "yes", by="patient")]
    assert screen(resources, AS_OF, answers).status("hiv") == "pass"
