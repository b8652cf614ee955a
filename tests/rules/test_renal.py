"""creatinine, creatinine_clearance (recorded clearance, else Cockcroft-Gault)."""

from __future__ import annotations

from builders import (
    CRCL,
    CRCL_CG,
    CREAT,
    CREAT_MOL,
    EGFR,
    PID,
    ago,
    assert_status,
    born_aged,
    clean_patient,
    lab,
    patient,
    run,
    weight,
)


def creat(value, unit="mg/dL", high=1.3, low=None, **kw):
    code = kw.pop("code", CREAT if unit == "mg/dL" else CREAT_MOL)
    return lab(code, value, unit, kw.pop("when", ago(3)), low=low, high=high, **kw)


class TestCreatinine:
    CRITERION = "creatinine"

    def test_clean_passes(self):
        assert_status(clean_patient(), "creatinine", "pass",
                      evidence={"resourceType": "Observation", "id": "creatinine-clean"})

    def test_exactly_1_5_uln_passes(self):
        obs = creat(1.5, high=1.0)
        assert_status(clean_patient(drop={"creatinine"}) + [obs], "creatinine", "pass",
                      evidence=obs)

    def test_just_above_1_5_uln_fails(self):
        obs = creat(1.51, high=1.0)
        assert_status(clean_patient(drop={"creatinine"}) + [obs], "creatinine", "fail",
                      evidence=obs)

    def test_umol_l_exactly_1_5_uln_passes(self):
        obs = creat(156, unit="umol/L", high=104)
        assert_status(clean_patient(drop={"creatinine"}) + [obs], "creatinine", "pass")

    def test_umol_l_above_1_5_uln_fails(self):
        obs = creat(157, unit="umol/L", high=104)
        assert_status(clean_patient(drop={"creatinine"}) + [obs], "creatinine", "fail")

    def test_umol_l_value_against_mg_dl_range_passes(self):
        # 150 umol/L = 1.70 mg/dL <= 1.95
        obs = creat(150, unit="umol/L", high=1.3, range_unit="mg/dL")
        assert_status(clean_patient(drop={"creatinine"}) + [obs], "creatinine", "pass")

    def test_umol_l_value_against_mg_dl_range_fails(self):
        # 180 umol/L = 2.04 mg/dL > 1.95
        obs = creat(180, unit="umol/L", high=1.3, range_unit="mg/dL")
        assert_status(clean_patient(drop={"creatinine"}) + [obs], "creatinine", "fail")

    def test_greek_mu_unit_text_is_read(self):
        obs = lab(CREAT_MOL, 200, "μmol/L", ago(3), high=104, unit_text_only=True)
        assert_status(clean_patient(drop={"creatinine"}) + [obs], "creatinine", "fail")

    def test_uln_from_range_text(self):
        obs = creat(170, unit="umol/L", high=None, ref_text="57-111")
        assert_status(clean_patient(drop={"creatinine"}) + [obs], "creatinine", "fail")

    def test_uln_from_range_text_passes(self):
        obs = creat(1.2, high=None, ref_text="0.7-1.3")
        assert_status(clean_patient(drop={"creatinine"}) + [obs], "creatinine", "pass")

    def test_no_reference_range_is_unknown(self):
        obs = creat(0.9, high=None)
        assert_status(clean_patient(drop={"creatinine"}) + [obs], "creatinine", "unknown",
                      reason_has="no reference range")

    def test_day_29_is_stale(self):
        obs = creat(0.9, when=ago(29))
        assert_status(clean_patient(drop={"creatinine"}) + [obs], "creatinine", "unknown",
                      reason_has="stale")

    def test_missing_is_unknown(self):
        assert_status(clean_patient(drop={"creatinine"}), "creatinine", "unknown")


def cg_record(cr=0.9, cr_unit="mg/dL", wt=70.0, wt_unit="kg", wt_days=7, gender="male",
              age=60, birth=True, extra=()):
    """Clean record with the Cockcroft-Gault inputs replaced."""
    res = clean_patient(drop={"patient", "creatinine", "weight"})
    res.append(patient(PID, born_aged(age) if birth else None, gender))
    if cr is not None:
        res.append(creat(cr, unit=cr_unit, high=1.3 if cr_unit == "mg/dL" else 115))
    if wt is not None:
        res.append(weight(wt, ago(wt_days), unit=wt_unit))
    return res + list(extra)


def crcl(value, code=CRCL, when=None):
    return lab(code, value, "mL/min", ago(3) if when is None else when)


class TestCreatinineClearance:
    CRITERION = "creatinine_clearance"

    def test_clean_cockcroft_gault_passes_with_inputs_as_evidence(self):
        # (140 - 60) x 70 / (72 x 0.9) = 86.4 mL/min
        report = run(clean_patient())
        res = report.result("creatinine_clearance")
        assert res.status == "pass"
        evidence = [e.reference for e in res.evidence]
        assert "Observation/creatinine-clean" in evidence
        assert "Observation/weight-clean" in evidence
        assert any(isinstance(e.value, (int, float)) and abs(e.value - 86.4) < 0.5
                   for e in res.evidence), [(e.value, e.unit) for e in res.evidence]

    def test_cockcroft_gault_exactly_60_passes(self):
        # (140 - 60) x 54 / (72 x 1.0) = 60.0
        assert_status(cg_record(cr=1.0, wt=54), "creatinine_clearance", "pass")

    def test_cockcroft_gault_59_9_fails(self):
        # (140 - 60) x 53.9 / 72 = 59.9
        assert_status(cg_record(cr=1.0, wt=53.9), "creatinine_clearance", "fail")

    def test_female_factor_0_85_fails(self):
        # 80 x 70 / (72 x 1.2) = 64.8; x 0.85 = 55.1
        assert_status(cg_record(cr=1.2, gender="female"), "creatinine_clearance", "fail")

    def test_same_inputs_male_passes(self):
        assert_status(cg_record(cr=1.2, gender="male"), "creatinine_clearance", "pass")

    def test_sex_unknown_both_pass_passes(self):
        # male 86.4, female 73.4
        assert_status(cg_record(cr=0.9, gender="unknown"), "creatinine_clearance", "pass")

    def test_sex_missing_both_pass_passes(self):
        assert_status(cg_record(cr=0.9, gender=None), "creatinine_clearance", "pass")

    def test_sex_unknown_disagreeing_is_unknown(self):
        # male 64.8 passes, female 55.1 fails
        assert_status(cg_record(cr=1.2, gender="unknown"), "creatinine_clearance", "unknown")

    def test_sex_unknown_both_fail_fails(self):
        # male 38.9, female 33.1
        assert_status(cg_record(cr=2.0, gender="unknown"), "creatinine_clearance", "fail")

    def test_weight_on_day_90_is_used(self):
        assert_status(cg_record(wt_days=90), "creatinine_clearance", "pass")

    def test_weight_older_than_90_days_is_not_used(self):
        assert_status(cg_record(wt_days=91), "creatinine_clearance", "unknown")

    def test_no_weight_is_unknown(self):
        assert_status(cg_record(wt=None), "creatinine_clearance", "unknown")

    def test_latest_weight_counts(self):
        res = cg_record(cr=1.0, wt=80, wt_days=60) + [weight(53.9, ago(2))]
        assert_status(res, "creatinine_clearance", "fail")

    def test_weight_in_pounds_is_converted_fails(self):
        # 119 lb = 53.98 kg -> 59.97 mL/min
        assert_status(cg_record(cr=1.0, wt=119, wt_unit="[lb_av]"), "creatinine_clearance",
                      "fail")

    def test_weight_in_pounds_is_converted_passes(self):
        # 121 lb = 54.9 kg -> 61.0 mL/min
        assert_status(cg_record(cr=1.0, wt=121, wt_unit="[lb_av]"), "creatinine_clearance",
                      "pass")

    def test_creatinine_in_umol_l_is_converted(self):
        # 97.24 umol/L = 1.1 mg/dL -> 80 x 54 / 79.2 = 54.5
        assert_status(cg_record(cr=97.24, cr_unit="umol/L", wt=54), "creatinine_clearance",
                      "fail")

    def test_creatinine_in_umol_l_passes(self):
        # 70.72 umol/L = 0.8 mg/dL -> 75
        assert_status(cg_record(cr=70.72, cr_unit="umol/L", wt=54), "creatinine_clearance",
                      "pass")

    def test_no_creatinine_is_unknown(self):
        assert_status(cg_record(cr=None), "creatinine_clearance", "unknown")

    def test_stale_creatinine_is_unknown(self):
        res = cg_record(cr=None) + [creat(0.9, when=ago(29))]
        assert_status(res, "creatinine_clearance", "unknown")

    def test_no_birth_date_is_unknown(self):
        assert_status(cg_record(birth=False), "creatinine_clearance", "unknown")

    def test_age_enters_the_formula(self):
        # age 75: (140 - 75) x 70 / 72 = 63.2 passes; age 75 with weight 66 = 59.6 fails
        assert_status(cg_record(cr=1.0, wt=70, age=75), "creatinine_clearance", "pass")
        assert_status(cg_record(cr=1.0, wt=66, age=75), "creatinine_clearance", "fail")

    # -- a recorded clearance decides
    def test_recorded_clearance_60_passes(self):
        c = crcl(60)
        assert_status(cg_record(cr=2.5, extra=[c]), "creatinine_clearance", "pass", evidence=c)

    def test_recorded_clearance_59_fails_even_if_formula_passes(self):
        c = crcl(59)
        assert_status(cg_record(extra=[c]), "creatinine_clearance", "fail", evidence=c)

    def test_lab_reported_cockcroft_gault_decides(self):
        c = crcl(70, code=CRCL_CG)
        assert_status(cg_record(cr=2.5, extra=[c]), "creatinine_clearance", "pass", evidence=c)

    def test_clearance_33558_8_decides(self):
        c = crcl(45, code="33558-8")
        assert_status(cg_record(extra=[c]), "creatinine_clearance", "fail", evidence=c)

    def test_recorded_clearance_decides_without_weight(self):
        assert_status(cg_record(wt=None, extra=[crcl(75)]), "creatinine_clearance", "pass")

    def test_stale_recorded_clearance_falls_back_to_formula(self):
        res = cg_record(extra=[crcl(40, when=ago(29))])
        assert_status(res, "creatinine_clearance", "pass")

    def test_egfr_is_not_used_when_low(self):
        eg = lab(EGFR, 40, "mL/min/{1.73_m2}", ago(3))
        assert_status(cg_record(extra=[eg]), "creatinine_clearance", "pass")

    def test_egfr_is_not_used_when_it_is_the_only_value(self):
        eg = lab(EGFR, 95, "mL/min/{1.73_m2}", ago(3))
        assert_status(cg_record(wt=None, extra=[eg]), "creatinine_clearance", "unknown")
