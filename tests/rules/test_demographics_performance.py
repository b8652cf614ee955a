"""age, ecog_0, and the criteria the record can never settle (pending / always asked)."""

from __future__ import annotations

from datetime import date

from builders import (
    PID,
    ago,
    assert_status,
    clean_patient,
    ecog,
    karnofsky,
    patient,
    result,
    run,
)


def with_birth(birth: date | str | None, gender: str | None = "male") -> list[dict]:
    return clean_patient(drop={"patient"}) + [patient(PID, birth, gender)]


class TestAge:
    CRITERION = "age"

    def test_aged_sixty_passes_with_patient_as_evidence(self):
        res = run(clean_patient()).result("age")
        assert res.status == "pass"
        assert f"Patient/{PID}" in [e.reference for e in res.evidence]

    def test_day_before_76th_birthday_is_75_and_passes(self):
        assert_status(with_birth(date(1950, 11, 25)), "age", "pass")

    def test_75th_birthday_on_as_of_passes(self):
        assert_status(with_birth(date(1951, 11, 24)), "age", "pass")

    def test_76th_birthday_on_as_of_fails(self):
        assert_status(with_birth(date(1950, 11, 24)), "age", "fail")

    def test_day_after_76th_birthday_fails(self):
        assert_status(with_birth(date(1950, 11, 23)), "age", "fail")

    def test_18th_birthday_on_as_of_passes(self):
        assert_status(with_birth(date(2008, 11, 24)), "age", "pass")

    def test_day_before_18th_birthday_is_17_and_fails(self):
        assert_status(with_birth(date(2008, 11, 25)), "age", "fail")

    def test_no_birth_date_is_unknown(self):
        assert_status(with_birth(None), "age", "unknown")

    def test_as_of_as_string_gives_same_age_decision(self):
        res = with_birth(date(1950, 11, 24))
        assert run(res, "2026-11-24").result("age").status == "fail"
        assert run(res, "2026-11-23").result("age").status == "pass"

    def test_age_is_counted_on_the_as_of_date_not_today(self):
        res = with_birth(date(1950, 11, 25))
        assert result(res, "age", as_of=date(2026, 11, 24)).status == "pass"
        assert result(res, "age", as_of=date(2026, 11, 25)).status == "fail"


class TestEcog:
    CRITERION = "ecog_0"

    def test_ecog_zero_passes_with_observation_as_evidence(self):
        assert_status(clean_patient(), "ecog_0", "pass",
                      evidence={"resourceType": "Observation", "id": "ecog-clean"})

    def test_ecog_one_fails(self):
        e = ecog(1, ago(3))
        assert_status(clean_patient(drop={"ecog"}) + [e], "ecog_0", "fail", evidence=e)

    def test_ecog_two_coded_loinc_answer_fails(self):
        e = ecog(2, ago(3), coded=True)
        assert_status(clean_patient(drop={"ecog"}) + [e], "ecog_0", "fail")

    def test_ecog_zero_coded_loinc_answer_passes(self):
        e = ecog(0, ago(3), coded=True)
        assert_status(clean_patient(drop={"ecog"}) + [e], "ecog_0", "pass")

    def test_ecog_as_score_quantity_is_read(self):
        e = ecog(1, ago(3))
        del e["valueInteger"]
        e["valueQuantity"] = {"value": 1, "unit": "{score}",
                              "system": "http://unitsofmeasure.org", "code": "{score}"}
        assert_status(clean_patient(drop={"ecog"}) + [e], "ecog_0", "fail")

    def test_latest_ecog_counts_newer_zero_passes(self):
        res = clean_patient(drop={"ecog"}) + [ecog(1, ago(20)), ecog(0, ago(3))]
        assert_status(res, "ecog_0", "pass")

    def test_latest_ecog_counts_newer_one_fails(self):
        res = clean_patient(drop={"ecog"}) + [ecog(0, ago(20)), ecog(1, ago(3))]
        assert_status(res, "ecog_0", "fail")

    def test_ecog_on_day_28_counts(self):
        assert_status(clean_patient(drop={"ecog"}) + [ecog(0, ago(28))], "ecog_0", "pass")

    def test_ecog_on_day_29_is_stale(self):
        assert_status(clean_patient(drop={"ecog"}) + [ecog(0, ago(29))], "ecog_0", "unknown",
                      reason_has="stale")

    def test_stale_ecog_one_does_not_fail(self):
        assert_status(clean_patient(drop={"ecog"}) + [ecog(1, ago(40))], "ecog_0", "unknown",
                      reason_has="stale")

    def test_no_ecog_is_unknown(self):
        assert_status(clean_patient(drop={"ecog"}), "ecog_0", "unknown")

    def test_preliminary_newer_ecog_is_ignored(self):
        res = clean_patient() + [ecog(2, ago(1), status="preliminary")]
        assert_status(res, "ecog_0", "pass")

    def test_entered_in_error_ecog_is_ignored(self):
        res = clean_patient() + [ecog(3, ago(1), status="entered-in-error")]
        assert_status(res, "ecog_0", "pass")

    def test_ecog_dated_after_as_of_is_ignored(self):
        res = clean_patient(drop={"ecog"}) + [ecog(1, ago(5)), ecog(0, ago(-1))]
        assert_status(res, "ecog_0", "fail")

    def test_karnofsky_100_passes(self):
        assert_status(clean_patient(drop={"ecog"}) + [karnofsky(100, ago(3))], "ecog_0", "pass")

    def test_karnofsky_80_fails(self):
        k = karnofsky(80, ago(3))
        assert_status(clean_patient(drop={"ecog"}) + [k], "ecog_0", "fail", evidence=k)

    def test_karnofsky_70_fails(self):
        assert_status(clean_patient(drop={"ecog"}) + [karnofsky(70, ago(3))], "ecog_0", "fail")

    def test_karnofsky_90_asks(self):
        assert_status(clean_patient(drop={"ecog"}) + [karnofsky(90, ago(3))], "ecog_0",
                      "unknown")


class TestAlwaysPending:
    CRITERION = "informed_consent"

    def test_informed_consent_is_pending_and_not_missing(self):
        report = run(clean_patient())
        assert report.result("informed_consent").status == "pending"
        assert "informed_consent" not in report.missing

    def test_informed_consent_pending_even_on_empty_record(self):
        assert result([patient()], "informed_consent").status == "pending"


class TestInvestigatorJudgment:
    CRITERION = "investigator_judgment"

    def test_investigator_judgment_is_pending_and_not_missing(self):
        report = run(clean_patient())
        assert report.result("investigator_judgment").status == "pending"
        assert "investigator_judgment" not in report.missing

    def test_investigator_judgment_pending_even_when_ineligible(self):
        report = run(clean_patient(drop={"ecog"}) + [ecog(3, ago(2))])
        assert report.verdict == "ineligible"
        assert report.result("investigator_judgment").status == "pending"


class TestTissueAvailable:
    CRITERION = "tissue_available"

    def test_tissue_available_is_unknown_on_clean_record(self):
        assert_status(clean_patient(), "tissue_available", "unknown")


class TestUnresectable:
    CRITERION = "unresectable"

    def test_unresectable_is_unknown_on_clean_record(self):
        assert_status(clean_patient(), "unresectable", "unknown")


class TestMeasurableLesion:
    CRITERION = "measurable_lesion"

    def test_measurable_lesion_is_unknown_on_clean_record(self):
        assert_status(clean_patient(), "measurable_lesion", "unknown")


class TestCardiopulmonaryRenal:
    CRITERION = "cardiopulmonary_renal"

    def test_cardiopulmonary_renal_is_unknown_on_clean_record(self):
        assert_status(clean_patient(), "cardiopulmonary_renal", "unknown")


class TestActiveInfection:
    CRITERION = "active_infection"

    def test_active_infection_is_unknown_on_clean_record(self):
        assert_status(clean_patient(), "active_infection", "unknown")
