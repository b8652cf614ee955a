"""tsh, t3_t4_normal."""

from __future__ import annotations

from builders import (
    FT3,
    FT3_MASS,
    FT4,
    FT4_MASS,
    TSH,
    TT3,
    TT4,
    ago,
    assert_status,
    clean_patient,
    lab,
    run,
)


def tsh(value, unit="m[IU]/L", low=0.27, high=4.2, **kw):
    return lab(kw.pop("code", TSH), value, unit, kw.pop("when", ago(3)), low=low, high=high,
               **kw)


def no_tsh(*extra):
    return clean_patient(drop={"tsh"}) + list(extra)


class TestTsh:
    CRITERION = "tsh"

    def test_clean_passes(self):
        assert_status(clean_patient(), "tsh", "pass",
                      evidence={"resourceType": "Observation", "id": "tsh-clean"})

    def test_exactly_uln_passes(self):
        assert_status(no_tsh(tsh(4.2)), "tsh", "pass")

    def test_above_uln_fails(self):
        t = tsh(4.21)
        assert_status(no_tsh(t), "tsh", "fail", evidence=t)

    def test_below_lower_limit_passes(self):
        # literal reading of the protocol: TSH <= ULN, no lower bound
        assert_status(no_tsh(tsh(0.01)), "tsh", "pass")

    def test_uln_from_range_text(self):
        assert_status(no_tsh(tsh(4.5, low=None, high=None, ref_text="0.27-4.20")), "tsh", "fail")
        assert_status(no_tsh(tsh(3.0, low=None, high=None, ref_text="0.27-4.20")), "tsh", "pass")

    def test_no_reference_range_is_unknown(self):
        assert_status(no_tsh(tsh(1.5, low=None, high=None)), "tsh", "unknown",
                      reason_has="no reference range")

    def test_uiu_per_ml_fails_above_uln(self):
        assert_status(no_tsh(tsh(5.0, unit="u[IU]/mL", high=4.2)), "tsh", "fail")

    def test_uiu_per_ml_value_against_miu_per_l_range(self):
        assert_status(no_tsh(tsh(3.0, unit="u[IU]/mL", range_unit="m[IU]/L")), "tsh", "pass")

    def test_alternative_loinc_11580_8(self):
        assert_status(no_tsh(tsh(6.0, code="11580-8")), "tsh", "fail")

    def test_less_than_comparator_passes(self):
        assert_status(no_tsh(tsh(0.01, comparator="<")), "tsh", "pass")

    def test_day_29_is_stale(self):
        assert_status(no_tsh(tsh(1.0, when=ago(29))), "tsh", "unknown", reason_has="stale")

    def test_missing_is_unknown(self):
        assert_status(no_tsh(), "tsh", "unknown")


def th(code, value, unit, low, high, **kw):
    return lab(code, value, unit, kw.pop("when", ago(3)), low=low, high=high, **kw)


def ft4(value=16.0, **kw):
    return th(FT4, value, "pmol/L", 12.0, 22.0, **kw)


def ft3(value=4.8, **kw):
    return th(FT3, value, "pmol/L", 3.1, 6.8, **kw)


def tt4(value=100.0, **kw):
    return th(TT4, value, "nmol/L", 66.0, 181.0, **kw)


def tt3(value=1.8, **kw):
    return th(TT3, value, "nmol/L", 1.3, 3.1, **kw)


def thyroid(*obs):
    return clean_patient(drop={"ft3", "ft4"}) + list(obs)


class TestT3T4:
    CRITERION = "t3_t4_normal"

    def test_clean_free_t3_and_t4_pass_with_both_references(self):
        res = run(clean_patient()).result("t3_t4_normal")
        assert res.status == "pass"
        evidence = [e.reference for e in res.evidence]
        assert "Observation/ft3-clean" in evidence
        assert "Observation/ft4-clean" in evidence

    def test_free_t4_high_fails(self):
        f = ft4(25.0)
        assert_status(thyroid(f, ft3()), "t3_t4_normal", "fail", evidence=f)

    def test_free_t3_low_fails(self):
        f = ft3(2.5)
        assert_status(thyroid(ft4(), f), "t3_t4_normal", "fail", evidence=f)

    def test_free_t4_at_upper_limit_passes(self):
        # spec reading: "within its normal range" includes the limits
        assert_status(thyroid(ft4(22.0), ft3()), "t3_t4_normal", "pass")

    def test_free_t3_at_lower_limit_passes(self):
        assert_status(thyroid(ft4(), ft3(3.1)), "t3_t4_normal", "pass")

    def test_t4_without_t3_is_unknown(self):
        assert_status(thyroid(ft4()), "t3_t4_normal", "unknown")

    def test_t3_without_t4_is_unknown(self):
        assert_status(thyroid(ft3()), "t3_t4_normal", "unknown")

    def test_neither_is_unknown(self):
        assert_status(thyroid(), "t3_t4_normal", "unknown")

    def test_total_t4_high_with_normal_free_values_is_unknown(self):
        assert_status(thyroid(ft4(), ft3(), tt4(200.0)), "t3_t4_normal", "unknown")

    def test_total_t3_low_with_normal_free_values_is_unknown(self):
        assert_status(thyroid(ft4(), ft3(), tt3(1.0)), "t3_t4_normal", "unknown")

    def test_free_and_total_all_normal_pass(self):
        assert_status(thyroid(ft4(), ft3(), tt4(), tt3()), "t3_t4_normal", "pass")

    def test_free_t4_high_with_normal_total_fails(self):
        assert_status(thyroid(ft4(25.0), ft3(), tt4(), tt3()), "t3_t4_normal", "fail")

    def test_totals_only_normal_pass(self):
        assert_status(thyroid(tt4(), tt3()), "t3_t4_normal", "pass")

    def test_totals_only_t4_high_fails(self):
        assert_status(thyroid(tt4(200.0), tt3()), "t3_t4_normal", "fail")

    def test_free_t4_and_total_t3_normal_pass(self):
        assert_status(thyroid(ft4(), tt3()), "t3_t4_normal", "pass")

    def test_free_t4_with_total_t3_high_fails(self):
        # with no free T3, the total T3 governs
        assert_status(thyroid(ft4(), tt3(3.5)), "t3_t4_normal", "fail")

    def test_free_t4_without_reference_range_is_unknown(self):
        f = lab(FT4, 16.0, "pmol/L", ago(3))
        assert_status(thyroid(f, ft3()), "t3_t4_normal", "unknown",
                      reason_has="no reference range")

    def test_free_t4_range_from_text(self):
        f = lab(FT4, 25.0, "pmol/L", ago(3), ref_text="12.0-22.0")
        assert_status(thyroid(f, ft3()), "t3_t4_normal", "fail")

    def test_stale_free_t4_is_unknown(self):
        assert_status(thyroid(ft4(when=ago(29)), ft3()), "t3_t4_normal", "unknown",
                      reason_has="stale")

    def test_free_t4_ng_dl_against_pmol_l_range_passes(self):
        # 1.0 ng/dL x 12.87 = 12.87 pmol/L within 12-22
        f = th(FT4_MASS, 1.0, "ng/dL", 12.0, 22.0, range_unit="pmol/L")
        assert_status(thyroid(f, ft3()), "t3_t4_normal", "pass")

    def test_free_t4_ng_dl_against_pmol_l_range_fails(self):
        # 1.8 ng/dL x 12.87 = 23.2 pmol/L above 22
        f = th(FT4_MASS, 1.8, "ng/dL", 12.0, 22.0, range_unit="pmol/L")
        assert_status(thyroid(f, ft3()), "t3_t4_normal", "fail")

    def test_free_t3_in_pg_ml_with_own_range(self):
        f = th(FT3_MASS, 3.0, "pg/mL", 2.0, 4.4)
        assert_status(thyroid(ft4(), f), "t3_t4_normal", "pass")
        f_high = th(FT3_MASS, 5.0, "pg/mL", 2.0, 4.4)
        assert_status(thyroid(ft4(), f_high), "t3_t4_normal", "fail")
