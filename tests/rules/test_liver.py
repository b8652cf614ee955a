"""child_pugh_a, bilirubin, alt_ast."""

from __future__ import annotations

import pytest
from builders import (
    ALB,
    ALT,
    AST,
    INR,
    TBIL,
    TBIL_MOL,
    ago,
    assert_status,
    child_pugh,
    clean_patient,
    condition,
    lab,
    ref,
    run,
)

# --------------------------------------------------------------------------- Child-Pugh


def cp_labs(bili=None, alb=None, inr=None, when=None, bili_unit="mg/dL", alb_unit="g/dL"):
    """Bilirubin (mg/dL), albumin (g/dL), INR labs; None leaves one out."""
    when = ago(5) if when is None else when
    out = []
    if bili is not None:
        out.append(lab(TBIL, bili, bili_unit, when, high=1.2 if bili_unit == "mg/dL" else 21))
    if alb is not None:
        out.append(lab(ALB, alb, alb_unit, when, low=3.5 if alb_unit == "g/dL" else 35))
    if inr is not None:
        out.append(lab(INR, inr, "{INR}", when, 0.8, 1.2))
    return out


def no_cp(*extra) -> list[dict]:
    """The clean record without its recorded Child-Pugh and Child-Pugh labs."""
    return clean_patient(drop={"child_pugh", "bilirubin", "albumin", "inr"}) + list(extra)


def ascites(onset, code="R18.8", system="icd-10-cm", **kw):
    return condition(code, system=system, onset=onset, display="ascites", **kw)


class TestChildPugh:
    CRITERION = "child_pugh_a"

    # -- a recorded class / score decides
    def test_recorded_score_5_passes_with_reference(self):
        assert_status(clean_patient(), "child_pugh_a", "pass",
                      evidence={"resourceType": "Observation", "id": "child-pugh-clean"})

    def test_recorded_score_6_passes(self):
        cp = child_pugh(6, ago(3))
        assert_status(no_cp(cp, *cp_labs(1.0, 4.0, 1.0)), "child_pugh_a", "pass", evidence=cp)

    def test_recorded_class_a_passes(self):
        cp = child_pugh("A", ago(3))
        assert_status(no_cp(cp), "child_pugh_a", "pass", evidence=cp)

    def test_recorded_score_7_fails(self):
        cp = child_pugh(7, ago(3))
        assert_status(no_cp(cp, *cp_labs(1.0, 4.0, 1.0)), "child_pugh_a", "fail", evidence=cp)

    def test_recorded_score_as_quantity_passes(self):
        cp = child_pugh(5, ago(3))
        del cp["valueInteger"]
        cp["valueQuantity"] = {"value": 5, "unit": "{score}", "system": "http://unitsofmeasure.org",
                               "code": "{score}"}
        assert_status(no_cp(cp), "child_pugh_a", "pass")

    def test_recorded_class_b_fails(self):
        assert_status(no_cp(child_pugh("B", ago(3))), "child_pugh_a", "fail")

    def test_recorded_class_c_fails(self):
        assert_status(no_cp(child_pugh("C", ago(3))), "child_pugh_a", "fail")

    def test_local_code_naming_child_pugh_score_8_fails(self):
        cp = child_pugh(8, ago(3), code=None, text="Child-Pugh score")
        assert_status(no_cp(cp), "child_pugh_a", "fail", evidence=cp)

    def test_local_code_naming_child_pugh_score_5_passes(self):
        cp = child_pugh(5, ago(3), code=None, text="Child-Pugh score")
        assert_status(no_cp(cp), "child_pugh_a", "pass")

    def test_recorded_class_b_stands_against_newer_normal_labs(self):
        assert_status(no_cp(child_pugh("B", ago(10)), *cp_labs(1.0, 4.0, 1.0, when=ago(2))),
                      "child_pugh_a", "fail")

    def test_recorded_class_on_day_28_counts(self):
        assert_status(no_cp(child_pugh(5, ago(28))), "child_pugh_a", "pass")

    def test_recorded_class_on_day_29_is_stale(self):
        # spec reading: normal labs cannot prove class A because absence of ascites and
        # encephalopathy proves nothing (possible total 5-9), so a stale class A leaves unknown.
        assert_status(no_cp(child_pugh(5, ago(29)), *cp_labs(1.0, 4.0, 1.0)), "child_pugh_a",
                      "unknown")

    def test_recorded_class_after_as_of_is_ignored(self):
        assert_status(no_cp(child_pugh("B", ago(-1)), child_pugh(5, ago(3))), "child_pugh_a",
                      "pass")

    def test_newer_labs_making_class_a_impossible_override_recorded_a(self):
        # bilirubin 3.5 (3) + albumin 2.5 (3) + INR 1.0 (1) + ascites >= 1 + HE >= 1 = >= 9
        labs = cp_labs(3.5, 2.5, 1.0, when=ago(5))
        assert_status(no_cp(child_pugh("A", ago(20)), *labs), "child_pugh_a", "fail",
                      evidence=labs[0])

    def test_older_labs_do_not_override_recorded_a(self):
        labs = cp_labs(3.5, 2.5, 1.0, when=ago(20))
        assert_status(no_cp(child_pugh("A", ago(5)), *labs), "child_pugh_a", "pass")

    def test_newer_labs_that_keep_a_possible_leave_recorded_a(self):
        labs = cp_labs(1.9, 3.6, 1.6, when=ago(5))  # 3 points from labs: 5-9 possible
        assert_status(no_cp(child_pugh("A", ago(20)), *labs), "child_pugh_a", "pass")

    # -- computed as a range
    def test_normal_labs_alone_cannot_prove_class_a(self):
        assert_status(no_cp(*cp_labs(0.8, 4.2, 1.0)), "child_pugh_a", "unknown")

    def test_no_data_is_unknown(self):
        assert_status(no_cp(), "child_pugh_a", "unknown")

    def test_five_lab_points_fail_whatever_ascites_and_encephalopathy(self):
        # bilirubin 2.0 (2) + albumin 3.5 (2) + INR 1.0 (1) = 5; total >= 7
        labs = cp_labs(2.0, 3.5, 1.0)
        assert_status(no_cp(*labs), "child_pugh_a", "fail", evidence=labs[0])

    def test_four_lab_points_are_unknown(self):
        # bilirubin 1.9 (1) + albumin 3.5 (2) + INR 1.0 (1) = 4; total 6-10
        assert_status(no_cp(*cp_labs(1.9, 3.5, 1.0)), "child_pugh_a", "unknown")

    def test_albumin_3_5_scores_two(self):
        assert_status(no_cp(*cp_labs(2.5, 3.5, 1.0)), "child_pugh_a", "fail")

    def test_albumin_3_6_scores_one(self):
        assert_status(no_cp(*cp_labs(2.5, 3.6, 1.0)), "child_pugh_a", "unknown")

    def test_albumin_2_8_scores_two(self):
        assert_status(no_cp(*cp_labs(1.0, 2.8, 1.0)), "child_pugh_a", "unknown")

    def test_albumin_2_79_scores_three(self):
        assert_status(no_cp(*cp_labs(1.0, 2.79, 1.0)), "child_pugh_a", "fail")

    def test_inr_1_7_scores_two(self):
        assert_status(no_cp(*cp_labs(2.5, 4.0, 1.7)), "child_pugh_a", "fail")

    def test_inr_1_69_scores_one(self):
        assert_status(no_cp(*cp_labs(2.5, 4.0, 1.69)), "child_pugh_a", "unknown")

    def test_bilirubin_3_0_scores_two(self):
        assert_status(no_cp(*cp_labs(3.0, 4.0, 1.0)), "child_pugh_a", "unknown")

    def test_bilirubin_3_1_scores_three(self):
        assert_status(no_cp(*cp_labs(3.1, 4.0, 1.0)), "child_pugh_a", "fail")

    def test_bilirubin_2_0_scores_two_and_1_9_scores_one(self):
        assert_status(no_cp(*cp_labs(2.0, 4.0, 1.7)), "child_pugh_a", "fail")
        assert_status(no_cp(*cp_labs(1.9, 4.0, 1.7)), "child_pugh_a", "unknown")

    def test_missing_inr_still_fails_when_every_total_is_7_or_more(self):
        # bilirubin 2.5 (2) + albumin 2.5 (3) + INR 1-3 + 2-6 = >= 8
        assert_status(no_cp(*cp_labs(2.5, 2.5, None)), "child_pugh_a", "fail")

    def test_missing_inr_with_normal_labs_is_unknown(self):
        assert_status(no_cp(*cp_labs(1.0, 4.0, None)), "child_pugh_a", "unknown")

    def test_bilirubin_in_umol_l_is_converted(self):
        # 53 umol/L = 3.1 mg/dL (3) + albumin 4.0 (1) + INR 1.0 (1) = 5
        assert_status(no_cp(*cp_labs(53, 4.0, 1.0, bili_unit="umol/L")), "child_pugh_a", "fail")

    def test_bilirubin_34_umol_l_scores_one(self):
        # 34 umol/L = 1.99 mg/dL (1) + 1 + 1 = 3
        assert_status(no_cp(*cp_labs(34, 4.0, 1.0, bili_unit="umol/L")), "child_pugh_a",
                      "unknown")

    def test_albumin_in_g_l_is_converted(self):
        # albumin 27 g/L = 2.7 g/dL (3) + bilirubin 1.0 (1) + INR 1.0 (1) = 5
        assert_status(no_cp(*cp_labs(1.0, 27, 1.0, alb_unit="g/L")), "child_pugh_a", "fail")

    def test_stale_labs_are_not_used(self):
        assert_status(no_cp(*cp_labs(3.5, 2.5, 2.5, when=ago(29))), "child_pugh_a", "unknown")

    # -- ascites and encephalopathy from Conditions
    def test_current_ascites_in_window_counts_two_points(self):
        # labs 4 (bili 2.5=2, alb 4.0=1, INR 1.0=1) + ascites >= 2 + HE >= 1 = >= 7
        a = ascites(ago(10))
        assert_status(no_cp(a, *cp_labs(2.5, 4.0, 1.0)), "child_pugh_a", "fail", evidence=a)

    def test_same_labs_without_ascites_are_unknown(self):
        assert_status(no_cp(*cp_labs(2.5, 4.0, 1.0)), "child_pugh_a", "unknown")

    def test_snomed_ascites_counts(self):
        a = ascites(ago(10), code="389026000", system="snomed")
        assert_status(no_cp(a, *cp_labs(2.5, 4.0, 1.0)), "child_pugh_a", "fail")

    def test_ascites_with_onset_on_day_28_counts(self):
        assert_status(no_cp(ascites(ago(28)), *cp_labs(2.5, 4.0, 1.0)), "child_pugh_a", "fail")

    def test_older_active_ascites_does_not_count(self):
        assert_status(no_cp(ascites(ago(29)), *cp_labs(2.5, 4.0, 1.0)), "child_pugh_a",
                      "unknown")

    def test_old_onset_recorded_in_window_counts(self):
        # spec reading: "counts only when its onset or recordedDate falls in the window"
        a = ascites(ago(60), recorded=ago(10))
        assert_status(no_cp(a, *cp_labs(2.5, 4.0, 1.0)), "child_pugh_a", "fail")

    def test_resolved_ascites_does_not_count(self):
        a = ascites(ago(10), clinical="resolved", abatement=ago(3))
        assert_status(no_cp(a, *cp_labs(2.5, 4.0, 1.0)), "child_pugh_a", "unknown")

    def test_refuted_ascites_does_not_count(self):
        a = ascites(ago(10), verification="refuted")
        assert_status(no_cp(a, *cp_labs(2.5, 4.0, 1.0)), "child_pugh_a", "unknown")

    def test_current_hepatic_encephalopathy_k76_82_counts_two_points(self):
        he = condition("K76.82", onset=ago(5), display="Hepatic encephalopathy")
        assert_status(no_cp(he, *cp_labs(2.5, 4.0, 1.0)), "child_pugh_a", "fail", evidence=he)

    def test_current_hepatic_failure_with_coma_k72_91_counts(self):
        he = condition("K72.91", onset=ago(5))
        assert_status(no_cp(he, *cp_labs(2.5, 4.0, 1.0)), "child_pugh_a", "fail")

    def test_ascites_and_encephalopathy_with_normal_labs_fail(self):
        # 3 + >= 2 + >= 2 = >= 7
        he = condition("K76.82", onset=ago(5))
        assert_status(no_cp(ascites(ago(5)), he, *cp_labs(0.8, 4.2, 1.0)), "child_pugh_a",
                      "fail")


# --------------------------------------------------------------------------- bilirubin


def bili(value, unit="mg/dL", high=1.2, **kw):
    return lab(kw.pop("code", TBIL if unit == "mg/dL" else TBIL_MOL), value, unit,
               kw.pop("when", ago(3)), high=high, **kw)


class TestBilirubin:
    CRITERION = "bilirubin"

    def test_clean_passes(self):
        assert_status(clean_patient(), "bilirubin", "pass",
                      evidence={"resourceType": "Observation", "id": "bilirubin-clean"})

    def test_exactly_1_5_uln_passes(self):
        obs = bili(1.5, high=1.0)
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "pass",
                      evidence=obs)

    def test_just_above_1_5_uln_fails(self):
        obs = bili(1.51, high=1.0)
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "fail",
                      evidence=obs)

    def test_exactly_1_5_uln_with_uln_1_2_passes(self):
        # 1.8 == 1.5 x 1.2 (a product that binary floating point does not hit exactly)
        assert_status(clean_patient(drop={"bilirubin"}) + [bili(1.8, high=1.2)], "bilirubin",
                      "pass")

    def test_1_81_with_uln_1_2_fails(self):
        assert_status(clean_patient(drop={"bilirubin"}) + [bili(1.81, high=1.2)], "bilirubin",
                      "fail")

    def test_umol_l_exactly_1_5_uln_passes(self):
        obs = bili(31.5, unit="umol/L", high=21)
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "pass")

    def test_umol_l_above_1_5_uln_fails(self):
        obs = bili(31.6, unit="umol/L", high=21)
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "fail")

    def test_umol_l_value_against_mg_dl_range_is_converted(self):
        # 34.2 umol/L = 2.0 mg/dL > 1.5 x 1.2
        obs = bili(34.2, unit="umol/L", high=1.2, range_unit="mg/dL")
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "fail")

    def test_umol_l_value_against_mg_dl_range_passes_when_low(self):
        # 20.5 umol/L = 1.2 mg/dL
        obs = bili(20.5, unit="umol/L", high=1.2, range_unit="mg/dL")
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "pass")

    @pytest.mark.parametrize("unit", ["umol/L", "µmol/L", "μmol/L"])
    def test_umol_spellings_in_unit_text_are_read(self, unit):
        obs = lab(TBIL, 40, unit, ago(3), high=21, unit_text_only=True)
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "fail")

    def test_uln_from_reference_range_text(self):
        obs = bili(1.9, high=None, ref_text="0.3-1.2")
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "fail")

    def test_uln_from_reference_range_text_passes(self):
        obs = bili(1.7, high=None, ref_text="0.3-1.2")
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "pass")

    def test_uln_from_less_than_text(self):
        # spec reading: referenceRange.text "<21" gives ULN 21
        obs = bili(32, unit="umol/L", high=None, ref_text="<21")
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "fail")

    def test_no_reference_range_is_unknown(self):
        obs = bili(0.8, high=None)
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "unknown",
                      reason_has="no reference range")

    def test_no_reference_range_even_for_a_high_value_is_unknown(self):
        obs = bili(6.0, high=None)
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "unknown",
                      reason_has="no reference range")

    def test_less_than_comparator_below_limit_passes(self):
        obs = bili(1.0, high=1.2, comparator="<")
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "pass")

    def test_day_29_is_stale(self):
        obs = bili(0.8, when=ago(29))
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "unknown",
                      reason_has="stale")

    def test_missing_is_unknown(self):
        assert_status(clean_patient(drop={"bilirubin"}), "bilirubin", "unknown")

    def test_loinc_42719_5_is_read(self):
        obs = bili(3.0, code="42719-5")
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "fail")

    def test_fail_evidence_is_the_record_observation(self):
        obs = bili(3.0)
        res = run(clean_patient(drop={"bilirubin"}) + [obs]).result("bilirubin")
        assert ref(obs) in [e.reference for e in res.evidence]
        assert all(e.source in ("record", "derived", "clinician", "patient")
                   for e in res.evidence)

    def test_unrecognised_unit_is_unknown(self):
        obs = lab(TBIL, 0.8, "see note", ago(3), high=1.2, unit_text_only=True)
        assert_status(clean_patient(drop={"bilirubin"}) + [obs], "bilirubin", "unknown",
                      reason_has="unrecognised unit")


# --------------------------------------------------------------------------- ALT / AST


def alt(value, unit="U/L", high=40, **kw):
    return lab(ALT, value, unit, kw.pop("when", ago(3)), high=high, **kw)


def ast(value, unit="U/L", high=35, **kw):
    return lab(AST, value, unit, kw.pop("when", ago(3)), high=high, **kw)


def enzymes(*extra, drop=("alt", "ast")):
    return clean_patient(drop=set(drop)) + list(extra)


class TestAltAst:
    CRITERION = "alt_ast"

    def test_clean_passes_with_both_references(self):
        report = run(clean_patient())
        res = report.result("alt_ast")
        assert res.status == "pass"
        evidence = [e.reference for e in res.evidence]
        assert "Observation/alt-clean" in evidence
        assert "Observation/ast-clean" in evidence

    def test_alt_exactly_1_5_uln_passes(self):
        assert_status(enzymes(alt(60), drop={"alt"}), "alt_ast", "pass")

    def test_alt_above_1_5_uln_fails(self):
        a = alt(61)
        assert_status(enzymes(a, drop={"alt"}), "alt_ast", "fail", evidence=a)

    def test_ast_exactly_1_5_uln_passes(self):
        assert_status(enzymes(ast(52.5), drop={"ast"}), "alt_ast", "pass")

    def test_ast_above_1_5_uln_fails_alone(self):
        a = ast(53)
        assert_status(enzymes(a, drop={"ast"}), "alt_ast", "fail", evidence=a)

    def test_alt_missing_is_unknown(self):
        assert_status(enzymes(drop={"alt"}), "alt_ast", "unknown")

    def test_ast_missing_is_unknown(self):
        assert_status(enzymes(drop={"ast"}), "alt_ast", "unknown")

    def test_alt_high_fails_even_with_ast_missing(self):
        assert_status(enzymes(alt(200), drop=("alt", "ast")), "alt_ast", "fail")

    def test_ast_without_reference_range_is_unknown(self):
        assert_status(enzymes(ast(20, high=None), drop={"ast"}), "alt_ast", "unknown",
                      reason_has="no reference range")

    def test_ast_without_range_but_alt_high_fails(self):
        assert_status(enzymes(alt(100), ast(20, high=None)), "alt_ast", "fail")

    def test_alt_in_ukat_l_against_u_l_range_passes_at_limit(self):
        # 1.0 ukat/L = 60 U/L = 1.5 x 40
        assert_status(enzymes(alt(1.0, unit="ukat/L", high=40, range_unit="U/L"), drop={"alt"}),
                      "alt_ast", "pass")

    def test_alt_in_ukat_l_against_u_l_range_fails_above(self):
        # 1.1 ukat/L = 66 U/L > 60
        assert_status(enzymes(alt(1.1, unit="ukat/L", high=40, range_unit="U/L"), drop={"alt"}),
                      "alt_ast", "fail")

    def test_ast_in_ukat_l_with_ukat_range(self):
        # ULN 0.58 ukat/L: limit 0.87; 1.2 fails
        assert_status(enzymes(ast(1.2, unit="ukat/L", high=0.58), drop={"ast"}), "alt_ast",
                      "fail")

    def test_uln_from_less_than_text(self):
        assert_status(enzymes(alt(61, high=None, ref_text="<40"), drop={"alt"}), "alt_ast",
                      "fail")
        assert_status(enzymes(alt(59, high=None, ref_text="<40"), drop={"alt"}), "alt_ast",
                      "pass")

    def test_uln_from_range_text(self):
        assert_status(enzymes(ast(60, high=None, ref_text="13-35"), drop={"ast"}), "alt_ast",
                      "fail")

    def test_stale_alt_is_unknown(self):
        assert_status(enzymes(alt(20, when=ago(29)), drop={"alt"}), "alt_ast", "unknown",
                      reason_has="stale")

    def test_latest_alt_counts(self):
        res = enzymes(alt(200, when=ago(20)), alt(30, when=ago(2)), drop={"alt"})
        assert_status(res, "alt_ast", "pass")
