"""neutrophils, platelets, hemoglobin, albumin; and the general Observation rules
(usable statuses, windows, time sources, dates after as-of, units, comparators)."""

from __future__ import annotations

import pytest
from builders import (
    ALB,
    ALB_BCG,
    ANC,
    ANC_ALT,
    HGB,
    HGB_MOL,
    NEUT_PCT,
    PLT,
    PLT_ALT,
    ago,
    assert_evidence_value,
    assert_status,
    clean_patient,
    lab,
    run,
)


def without(part: str, *extra: dict) -> list[dict]:
    return clean_patient(drop={part}) + list(extra)


class TestNeutrophils:
    CRITERION = "neutrophils"

    def test_clean_passes_with_value_in_10e9_per_l(self):
        report = run(clean_patient())
        res = report.result("neutrophils")
        assert res.status == "pass"
        assert_evidence_value(res, {"resourceType": "Observation", "id": "neutrophils-clean"},
                              3.2, "10*9/L")

    def test_exactly_1_5_passes(self):
        assert_status(without("neutrophils", lab(ANC, 1.5, "10*9/L", ago(3))), "neutrophils",
                      "pass")

    def test_1_49_fails_with_value_as_evidence(self):
        obs = lab(ANC, 1.49, "10*9/L", ago(3))
        report = assert_status(without("neutrophils", obs), "neutrophils", "fail",
                               evidence=obs)
        assert_evidence_value(report.result("neutrophils"), obs, 1.49, "10*9/L")

    def test_per_microlitre_1500_passes_converted(self):
        obs = lab(ANC, 1500, "/uL", ago(3))
        report = assert_status(without("neutrophils", obs), "neutrophils", "pass")
        assert_evidence_value(report.result("neutrophils"), obs, 1.5, "10*9/L")

    def test_per_microlitre_1490_fails(self):
        assert_status(without("neutrophils", lab(ANC, 1490, "/uL", ago(3))), "neutrophils",
                      "fail")

    def test_cells_per_ul_text_unit_1400_fails(self):
        obs = lab(ANC, 1400, "cells/uL", ago(3), unit_text_only=True)
        assert_status(without("neutrophils", obs), "neutrophils", "fail")

    def test_10e3_per_ul_1_5_passes(self):
        assert_status(without("neutrophils", lab(ANC, 1.5, "10*3/uL", ago(3))), "neutrophils",
                      "pass")

    def test_text_only_unit_x10e9_passes(self):
        obs = lab(ANC, 1.6, "x10E9/L", ago(3), unit_text_only=True)
        assert_status(without("neutrophils", obs), "neutrophils", "pass")

    def test_text_only_unit_x10e9_low_fails(self):
        obs = lab(ANC, 1.4, "x10E9/L", ago(3), unit_text_only=True)
        assert_status(without("neutrophils", obs), "neutrophils", "fail")

    def test_text_only_unit_10_caret_9_passes(self):
        obs = lab(ANC, 2.0, "10^9/L", ago(3), unit_text_only=True)
        assert_status(without("neutrophils", obs), "neutrophils", "pass")

    @pytest.mark.parametrize("unit", ["10*9/L", "10^9/L", "x10E9/L", "10*3/uL"])
    def test_spelled_units_without_ucum_system_are_read(self, unit):
        obs = lab(ANC, 1.2, unit, ago(3), unit_text_only=True)
        assert_status(without("neutrophils", obs), "neutrophils", "fail")

    def test_alternative_loinc_26499_4_is_read(self):
        assert_status(without("neutrophils", lab(ANC_ALT, 1.2, "10*9/L", ago(3))),
                      "neutrophils", "fail")

    def test_neutrophil_percentage_is_not_the_criterion(self):
        assert_status(without("neutrophils", lab(NEUT_PCT, 60, "%", ago(3))), "neutrophils",
                      "unknown")

    def test_unrecognised_unit_is_unknown(self):
        obs = lab(ANC, 1.2, "see note", ago(3), unit_text_only=True)
        assert_status(without("neutrophils", obs), "neutrophils", "unknown",
                      reason_has="unrecognised unit")

    def test_missing_is_unknown(self):
        assert_status(clean_patient(drop={"neutrophils"}), "neutrophils", "unknown")


class TestPlatelets:
    CRITERION = "platelets"

    def test_clean_passes_with_reference(self):
        assert_status(clean_patient(), "platelets", "pass",
                      evidence={"resourceType": "Observation", "id": "platelets-clean"})

    def test_exactly_100_passes(self):
        obs = lab(PLT, 100, "10*9/L", ago(3))
        report = assert_status(without("platelets", obs), "platelets", "pass", evidence=obs)
        assert_evidence_value(report.result("platelets"), obs, 100, "10*9/L")

    def test_99_fails(self):
        obs = lab(PLT, 99, "10*9/L", ago(3))
        report = assert_status(without("platelets", obs), "platelets", "fail", evidence=obs)
        assert_evidence_value(report.result("platelets"), obs, 99, "10*9/L")

    def test_10e3_per_ul_100_passes(self):
        obs = lab(PLT, 100, "10*3/uL", ago(3))
        report = assert_status(without("platelets", obs), "platelets", "pass")
        assert_evidence_value(report.result("platelets"), obs, 100, "10*9/L")

    def test_10e3_per_ul_99_fails(self):
        assert_status(without("platelets", lab(PLT, 99, "10*3/uL", ago(3))), "platelets",
                      "fail")

    def test_alternative_loinc_26515_7_is_read(self):
        assert_status(without("platelets", lab(PLT_ALT, 80, "10*9/L", ago(3))), "platelets",
                      "fail")

    def test_unrecognised_unit_is_unknown(self):
        obs = lab(PLT, 150, "see note", ago(3), unit_text_only=True)
        assert_status(without("platelets", obs), "platelets", "unknown",
                      reason_has="unrecognised unit")

    def test_missing_is_unknown(self):
        assert_status(clean_patient(drop={"platelets"}), "platelets", "unknown")

    # -- comparators: the bound decides only where it decides
    def test_less_than_50_fails(self):
        obs = lab(PLT, 50, "10*9/L", ago(3), comparator="<")
        assert_status(without("platelets", obs), "platelets", "fail")

    def test_less_than_100_fails(self):
        obs = lab(PLT, 100, "10*9/L", ago(3), comparator="<")
        assert_status(without("platelets", obs), "platelets", "fail")

    def test_less_than_150_is_unknown(self):
        obs = lab(PLT, 150, "10*9/L", ago(3), comparator="<")
        assert_status(without("platelets", obs), "platelets", "unknown")

    def test_greater_than_400_passes(self):
        obs = lab(PLT, 400, "10*9/L", ago(3), comparator=">")
        assert_status(without("platelets", obs), "platelets", "pass")

    def test_greater_or_equal_100_passes(self):
        obs = lab(PLT, 100, "10*9/L", ago(3), comparator=">=")
        assert_status(without("platelets", obs), "platelets", "pass")

    # -- the 28-day window, both ends included
    def test_day_28_counts(self):
        assert_status(without("platelets", lab(PLT, 150, "10*9/L", ago(28))), "platelets",
                      "pass")

    def test_day_29_is_stale(self):
        assert_status(without("platelets", lab(PLT, 150, "10*9/L", ago(29))), "platelets",
                      "unknown", reason_has="stale")

    def test_stale_low_value_does_not_fail(self):
        assert_status(without("platelets", lab(PLT, 40, "10*9/L", ago(60))), "platelets",
                      "unknown", reason_has="stale")

    def test_value_on_as_of_day_counts(self):
        assert_status(without("platelets", lab(PLT, 90, "10*9/L", ago(0))), "platelets",
                      "fail")

    # -- latest usable value counts
    def test_latest_value_counts_newer_low_fails(self):
        res = without("platelets", lab(PLT, 150, "10*9/L", ago(20)),
                      lab(PLT, 90, "10*9/L", ago(2)))
        assert_status(res, "platelets", "fail")

    def test_latest_value_counts_newer_normal_passes(self):
        res = without("platelets", lab(PLT, 90, "10*9/L", ago(20)),
                      lab(PLT, 150, "10*9/L", ago(2)))
        assert_status(res, "platelets", "pass")

    def test_in_window_value_beats_older_stale_one(self):
        res = without("platelets", lab(PLT, 40, "10*9/L", ago(60)),
                      lab(PLT, 150, "10*9/L", ago(10)))
        assert_status(res, "platelets", "pass")

    # -- usable statuses
    @pytest.mark.parametrize("status", ["preliminary", "entered-in-error", "registered",
                                        "cancelled"])
    def test_unusable_newer_status_is_ignored(self, status):
        res = clean_patient() + [lab(PLT, 20, "10*9/L", ago(1), status=status)]
        assert_status(res, "platelets", "pass")

    @pytest.mark.parametrize("status", ["preliminary", "entered-in-error"])
    def test_only_unusable_value_is_unknown(self, status):
        res = without("platelets", lab(PLT, 150, "10*9/L", ago(1), status=status))
        assert_status(res, "platelets", "unknown")

    @pytest.mark.parametrize("status", ["amended", "corrected"])
    def test_amended_and_corrected_are_usable(self, status):
        res = clean_patient() + [lab(PLT, 60, "10*9/L", ago(1), status=status)]
        assert_status(res, "platelets", "fail")

    def test_data_absent_reason_is_not_a_value(self):
        res = clean_patient() + [lab(PLT, None, None, ago(1), data_absent=True)]
        assert_status(res, "platelets", "pass")

    # -- time sources
    def test_effective_period_start_is_the_time(self):
        obs = lab(PLT, 150, "10*9/L", ago(29), effective="period")
        obs["effectivePeriod"]["end"] = f"{ago(27).isoformat()}T08:00:00+08:00"
        assert_status(without("platelets", obs), "platelets", "unknown", reason_has="stale")

    def test_issued_is_the_time_when_no_effective(self):
        obs = lab(PLT, 90, "10*9/L", None, effective="none", issued=ago(3))
        assert_status(without("platelets", obs), "platelets", "fail")

    def test_date_only_effective_is_read(self):
        obs = lab(PLT, 90, "10*9/L", ago(3).isoformat())
        assert_status(without("platelets", obs), "platelets", "fail")

    # -- dates after as-of; date part as written (no time-zone shift)
    def test_value_dated_after_as_of_is_ignored(self):
        res = clean_patient() + [lab(PLT, 20, "10*9/L", ago(-1))]
        assert_status(res, "platelets", "pass")

    def test_only_value_after_as_of_is_unknown(self):
        res = without("platelets", lab(PLT, 150, "10*9/L", ago(-3)))
        assert_status(res, "platelets", "unknown")

    def test_next_day_local_time_is_after_as_of_even_if_utc_is_not(self):
        obs = lab(PLT, 20, "10*9/L", f"{ago(-1).isoformat()}T01:00:00+08:00")
        assert_status(clean_patient() + [obs], "platelets", "pass")

    def test_day_28_written_with_offset_counts_without_utc_shift(self):
        obs = lab(PLT, 150, "10*9/L", f"{ago(28).isoformat()}T02:00:00+08:00")
        assert_status(without("platelets", obs), "platelets", "pass")

    def test_stale_reason_names_the_last_date(self):
        # spec reading: reason "stale: last value DATE" with DATE as an ISO date
        obs = lab(PLT, 150, "10*9/L", ago(40))
        report = assert_status(without("platelets", obs), "platelets", "unknown",
                               reason_has="stale")
        assert ago(40).isoformat() in report.result("platelets").reason

    def test_late_evening_on_as_of_day_counts(self):
        obs = lab(PLT, 60, "10*9/L", f"{ago(0).isoformat()}T23:59:00+08:00")
        assert_status(clean_patient() + [obs], "platelets", "fail")

    def test_day_29_written_with_offset_is_stale_without_utc_shift(self):
        obs = lab(PLT, 150, "10*9/L", f"{ago(29).isoformat()}T20:00:00-05:00")
        assert_status(without("platelets", obs), "platelets", "unknown", reason_has="stale")


class TestHemoglobin:
    CRITERION = "hemoglobin"

    def test_exactly_9_g_dl_passes(self):
        obs = lab(HGB, 9.0, "g/dL", ago(3))
        report = assert_status(without("hemoglobin", obs), "hemoglobin", "pass", evidence=obs)
        assert_evidence_value(report.result("hemoglobin"), obs, 9.0, "g/dL")

    def test_8_9_g_dl_fails(self):
        obs = lab(HGB, 8.9, "g/dL", ago(3))
        assert_status(without("hemoglobin", obs), "hemoglobin", "fail", evidence=obs)

    def test_90_g_l_passes_converted_to_g_dl(self):
        obs = lab(HGB, 90, "g/L", ago(3))
        report = assert_status(without("hemoglobin", obs), "hemoglobin", "pass")
        assert_evidence_value(report.result("hemoglobin"), obs, 9.0, "g/dL")

    def test_89_g_l_fails(self):
        obs = lab(HGB, 89, "g/L", ago(3))
        report = assert_status(without("hemoglobin", obs), "hemoglobin", "fail")
        assert_evidence_value(report.result("hemoglobin"), obs, 8.9, "g/dL")

    def test_mmol_l_5_6_passes(self):
        # 5.6 mmol/L x 1.611 = 9.02 g/dL
        obs = lab(HGB_MOL, 5.6, "mmol/L", ago(3))
        assert_status(without("hemoglobin", obs), "hemoglobin", "pass")

    def test_mmol_l_5_5_fails(self):
        # 5.5 mmol/L x 1.611 = 8.86 g/dL
        obs = lab(HGB_MOL, 5.5, "mmol/L", ago(3))
        assert_status(without("hemoglobin", obs), "hemoglobin", "fail")

    def test_less_than_10_does_not_decide(self):
        obs = lab(HGB, 10, "g/dL", ago(3), comparator="<")
        assert_status(without("hemoglobin", obs), "hemoglobin", "unknown")

    def test_less_than_8_fails(self):
        obs = lab(HGB, 8, "g/dL", ago(3), comparator="<")
        assert_status(without("hemoglobin", obs), "hemoglobin", "fail")

    def test_day_29_is_stale(self):
        assert_status(without("hemoglobin", lab(HGB, 12, "g/dL", ago(29))), "hemoglobin",
                      "unknown", reason_has="stale")

    def test_missing_is_unknown(self):
        assert_status(clean_patient(drop={"hemoglobin"}), "hemoglobin", "unknown")

    def test_unrecognised_unit_is_unknown(self):
        obs = lab(HGB, 12, "see note", ago(3), unit_text_only=True)
        assert_status(without("hemoglobin", obs), "hemoglobin", "unknown",
                      reason_has="unrecognised unit")


class TestAlbumin:
    CRITERION = "albumin"

    def test_clean_passes(self):
        assert_status(clean_patient(), "albumin", "pass",
                      evidence={"resourceType": "Observation", "id": "albumin-clean"})

    def test_exactly_3_g_dl_passes(self):
        obs = lab(ALB, 3.0, "g/dL", ago(3))
        report = assert_status(without("albumin", obs), "albumin", "pass", evidence=obs)
        assert_evidence_value(report.result("albumin"), obs, 3.0, "g/dL")

    def test_2_9_g_dl_fails(self):
        obs = lab(ALB, 2.9, "g/dL", ago(3))
        assert_status(without("albumin", obs), "albumin", "fail", evidence=obs)

    def test_30_g_l_passes_converted(self):
        obs = lab(ALB, 30, "g/L", ago(3))
        report = assert_status(without("albumin", obs), "albumin", "pass")
        assert_evidence_value(report.result("albumin"), obs, 3.0, "g/dL")

    def test_29_g_l_fails(self):
        assert_status(without("albumin", lab(ALB, 29, "g/L", ago(3))), "albumin", "fail")

    def test_bcg_method_code_is_read(self):
        assert_status(without("albumin", lab(ALB_BCG, 26, "g/L", ago(3))), "albumin", "fail")

    def test_day_28_counts_and_day_29_is_stale(self):
        assert_status(without("albumin", lab(ALB, 4.0, "g/dL", ago(28))), "albumin", "pass")
        assert_status(without("albumin", lab(ALB, 4.0, "g/dL", ago(29))), "albumin",
                      "unknown", reason_has="stale")

    def test_missing_is_unknown(self):
        assert_status(clean_patient(drop={"albumin"}), "albumin", "unknown")
