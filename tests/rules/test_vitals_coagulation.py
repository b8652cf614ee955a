"""hypertension, coagulation."""

from __future__ import annotations

import pytest
from builders import (
    PT,
    ago,
    assert_evidence_value,
    assert_status,
    bp,
    clean_patient,
    condition,
    drug,
    lab,
    med_admin,
    med_request,
    med_statement,
)


def readings(*bps):
    return clean_patient(drop={"bp"}) + list(bps)


class TestHypertension:
    CRITERION = "hypertension"

    def test_latest_normal_reading_passes(self):
        assert_status(clean_patient(), "hypertension", "pass",
                      evidence={"resourceType": "Observation", "id": "bp-clean"})

    def test_139_over_89_passes(self):
        assert_status(readings(bp(139, 89, ago(2))), "hypertension", "pass")

    def test_latest_normal_after_older_highs_passes(self):
        res = readings(bp(160, 100, ago(20)), bp(150, 95, ago(10)), bp(130, 80, ago(1)))
        assert_status(res, "hypertension", "pass")

    def test_two_latest_high_on_different_days_fail(self):
        a, b = bp(150, 85, ago(5)), bp(145, 80, ago(1))
        assert_status(readings(a, b), "hypertension", "fail", evidence=[a, b])

    def test_systolic_exactly_140_counts_as_high(self):
        assert_status(readings(bp(140, 70, ago(5)), bp(140, 70, ago(1))), "hypertension", "fail")

    def test_diastolic_90_alone_counts_as_high(self):
        assert_status(readings(bp(130, 90, ago(5)), bp(128, 92, ago(1))), "hypertension", "fail")

    def test_single_latest_high_after_normal_asks(self):
        assert_status(readings(bp(120, 80, ago(5)), bp(150, 95, ago(1))), "hypertension",
                      "unknown")

    def test_only_one_reading_high_asks(self):
        assert_status(readings(bp(150, 95, ago(1))), "hypertension", "unknown")

    def test_two_highs_on_the_same_day_ask(self):
        a = bp(150, 95, f"{ago(1).isoformat()}T08:00:00+08:00")
        b = bp(152, 96, f"{ago(1).isoformat()}T16:00:00+08:00")
        assert_status(readings(a, b), "hypertension", "unknown")

    def test_no_reading_asks(self):
        assert_status(readings(), "hypertension", "unknown")

    def test_reading_on_day_28_counts(self):
        assert_status(readings(bp(120, 80, ago(28))), "hypertension", "pass")

    def test_reading_on_day_29_is_stale(self):
        assert_status(readings(bp(120, 80, ago(29))), "hypertension", "unknown",
                      reason_has="stale")

    def test_high_reading_outside_window_does_not_count(self):
        assert_status(readings(bp(160, 100, ago(29)), bp(150, 95, ago(2))), "hypertension",
                      "unknown")

    def test_preliminary_reading_is_ignored(self):
        res = readings(bp(150, 95, ago(5)), bp(150, 95, ago(3)), bp(120, 80, ago(1),
                                                                     status="preliminary"))
        assert_status(res, "hypertension", "fail")

    def test_entered_in_error_reading_is_ignored(self):
        res = readings(bp(120, 80, ago(5)), bp(170, 100, ago(1), status="entered-in-error"))
        assert_status(res, "hypertension", "pass")

    def test_reading_after_as_of_is_ignored(self):
        res = readings(bp(150, 95, ago(5)), bp(150, 95, ago(3)), bp(120, 80, ago(-1)))
        assert_status(res, "hypertension", "fail")


# --------------------------------------------------------------------------- coagulation

WARFARIN = drug("warfarin", rxnorm="11289", atc="B01AA03")
ENOXAPARIN = drug("enoxaparin", rxnorm="67108", atc="B01AB05")
RIVAROXABAN = drug("rivaroxaban", rxnorm="1114195", atc="B01AF01")
ALTEPLASE = drug("alteplase", rxnorm="8410", atc="B01AD02")


def pt(value, days=3, **kw):
    return lab(PT, value, "s", ago(days), low=9.4, high=12.5, **kw)


def coag(*extra):
    return clean_patient(drop={"pt"}) + list(extra)


class TestCoagulation:
    CRITERION = "coagulation"

    def test_normal_pt_no_condition_no_drug_passes(self):
        assert_status(clean_patient(), "coagulation", "pass",
                      evidence={"resourceType": "Observation", "id": "pt-clean"})

    def test_pt_exactly_14_passes(self):
        assert_status(coag(pt(14.0)), "coagulation", "pass")

    def test_pt_14_1_fails(self):
        p = pt(14.1)
        report = assert_status(coag(p), "coagulation", "fail", evidence=p)
        assert_evidence_value(report.result("coagulation"), p, 14.1, "s")

    def test_pt_limit_is_14_s_not_the_reference_range(self):
        # 13.0 s is above this lab's ULN (12.5) but within the protocol's 14 s
        assert_status(coag(pt(13.0)), "coagulation", "pass")

    def test_no_pt_is_unknown(self):
        # the clean record's INR (6301-6) is not a PT in seconds
        assert_status(coag(), "coagulation", "unknown")

    def test_stale_pt_is_unknown(self):
        assert_status(coag(pt(11.0, days=29)), "coagulation", "unknown", reason_has="stale")

    def test_latest_pt_counts(self):
        assert_status(coag(pt(16.0, days=20), pt(12.0, days=2)), "coagulation", "pass")

    def test_entered_in_error_pt_is_ignored(self):
        assert_status(coag(pt(12.0, days=5), pt(18.0, days=1, status="entered-in-error")),
                      "coagulation", "pass")

    # -- Conditions
    def test_current_coagulation_defect_with_old_onset_fails(self):
        c = condition("D68.0", onset=ago(5000))
        assert_status(clean_patient() + [c], "coagulation", "fail", evidence=c)

    @pytest.mark.parametrize("code", ["D65", "D66", "D67", "D68.9"])
    def test_coagulation_defect_codes_fail(self, code):
        assert_status(clean_patient() + [condition(code, onset=ago(300))], "coagulation",
                      "fail")

    def test_coagulation_defect_with_chinese_extension_fails(self):
        c = condition("D68.800x001", system="icd-10-cn", onset=ago(300))
        assert_status(clean_patient() + [c], "coagulation", "fail")

    @pytest.mark.parametrize("code", ["D69.6", "D69.3", "I85.00", "I86.4"])
    def test_purpura_thrombocytopenia_and_varices_ask(self, code):
        assert_status(clean_patient() + [condition(code, onset=ago(300))], "coagulation",
                      "unknown")

    def test_suspected_coagulation_defect_asks(self):
        c = condition("D68.9", onset=ago(30), verification="provisional")
        assert_status(clean_patient() + [c], "coagulation", "unknown")

    def test_refuted_coagulation_defect_is_ignored(self):
        c = condition("D68.9", onset=ago(30), verification="refuted")
        assert_status(clean_patient() + [c], "coagulation", "pass")

    # -- drugs
    def test_current_warfarin_order_fails(self):
        mr = med_request(WARFARIN, route="oral", dose_mg=3, per_day=1)
        assert_status(clean_patient() + [mr], "coagulation", "fail", evidence=mr)

    @pytest.mark.parametrize("concept", [ENOXAPARIN, RIVAROXABAN, ALTEPLASE])
    def test_current_anticoagulant_or_thrombolytic_fails(self, concept):
        assert_status(clean_patient() + [med_request(concept)], "coagulation", "fail")

    def test_anticoagulant_by_atc_only_fails(self):
        mr = med_request(drug(atc="B01AF02"))  # apixaban
        assert_status(clean_patient() + [mr], "coagulation", "fail")

    def test_anticoagulant_by_name_only_fails(self):
        assert_status(clean_patient() + [med_request(drug("Rivaroxaban 20 mg tablet"))],
                      "coagulation", "fail")

    def test_active_statement_fails(self):
        ms = med_statement(RIVAROXABAN, start=ago(100))
        assert_status(clean_patient() + [ms], "coagulation", "fail", evidence=ms)

    @pytest.mark.parametrize("status", ["completed", "stopped", "cancelled"])
    def test_past_anticoagulant_order_passes(self, status):
        assert_status(clean_patient() + [med_request(WARFARIN, status=status)], "coagulation",
                      "pass")

    def test_proposed_anticoagulant_passes(self):
        assert_status(clean_patient() + [med_request(WARFARIN, intent="proposal")],
                      "coagulation", "pass")

    def test_recent_administration_without_order_asks(self):
        ma = med_admin(ENOXAPARIN, when=ago(3), route="sc", dose_mg=40)
        assert_status(clean_patient() + [ma], "coagulation", "unknown")

    def test_administration_older_than_28_days_alone_passes(self):
        ma = med_admin(ENOXAPARIN, when=ago(40), route="sc", dose_mg=40)
        assert_status(clean_patient() + [ma], "coagulation", "pass")

    def test_administration_with_a_current_order_fails(self):
        mr = med_request(ENOXAPARIN, route="sc", dose_mg=40, per_day=1)
        ma = med_admin(ENOXAPARIN, when=ago(1), route="sc", dose_mg=40)
        assert_status(clean_patient() + [mr, ma], "coagulation", "fail", evidence=mr)

    def test_order_authored_after_as_of_is_ignored(self):
        mr = med_request(WARFARIN, authored=ago(-2))
        assert_status(clean_patient() + [mr], "coagulation", "pass")

    def test_heparin_lock_flush_does_not_count(self):
        # spec reading: a heparin order named as a lock/flush is excluded even when coded
        # with the heparin ATC code
        flush = drug("Heparin Lock Flush 100 units/mL", atc="B01AB01")
        assert_status(clean_patient() + [med_request(flush, route="iv")], "coagulation", "pass")

    def test_heparin_infusion_counts(self):
        heparin = drug("heparin sodium 25000 units in 250 mL infusion", rxnorm="5224",
                       atc="B01AB01")
        assert_status(clean_patient() + [med_request(heparin, route="iv")], "coagulation",
                      "fail")
