"""hepatitis_viral_load, hiv."""

from __future__ import annotations

import pytest
from builders import (
    ANTI_HCV,
    HBSAG,
    HBV_DNA_COPIES,
    HBV_DNA_IU,
    HCV_RNA_COPIES,
    HCV_RNA_IU,
    HIV1_RNA_QUAL,
    HIV_AB,
    HIV_AGAB,
    ago,
    assert_status,
    clean_patient,
    coded_lab,
    condition,
    lab,
)


def hbv_iu(value, days=10, **kw):
    return lab(HBV_DNA_IU, value, "[IU]/mL", ago(days), **kw)


def hbv_copies(value, days=10, **kw):
    return lab(HBV_DNA_COPIES, value, "{copies}/mL", ago(days), **kw)


def hcv_iu(value, days=10, **kw):
    return lab(HCV_RNA_IU, value, "[IU]/mL", ago(days), **kw)


def hbsag_positive(*extra):
    """HBsAg positive (so the HBV part needs a DNA load), anti-HCV negative."""
    return (clean_patient(drop={"hbsag"}) + [coded_lab(HBSAG, "positive", ago(30))]
            + list(extra))


def anti_hcv_positive(*extra):
    return (clean_patient(drop={"anti_hcv"}) + [coded_lab(ANTI_HCV, "positive", ago(30))]
            + list(extra))


class TestHepatitisViralLoad:
    CRITERION = "hepatitis_viral_load"

    def test_hbsag_and_anti_hcv_negative_pass(self):
        assert_status(clean_patient(), "hepatitis_viral_load", "pass", evidence=[
            {"resourceType": "Observation", "id": "hbsag-clean"},
            {"resourceType": "Observation", "id": "anti-hcv-clean"}])

    @pytest.mark.parametrize("style", ["snomed", "text", "interpretation"])
    def test_negative_read_from_code_text_or_interpretation(self, style):
        # spec reading (interpretation style): a numeric index (COI) with interpretation NEG
        # is read from the interpretation
        res = clean_patient(drop={"hbsag", "anti_hcv"}) + [
            coded_lab(HBSAG, "negative", ago(30), style=style),
            coded_lab(ANTI_HCV, "negative", ago(30), style=style)]
        assert_status(res, "hepatitis_viral_load", "pass")

    def test_hbsag_negative_365_days_ago_counts(self):
        res = clean_patient(drop={"hbsag"}) + [coded_lab(HBSAG, "negative", ago(365))]
        assert_status(res, "hepatitis_viral_load", "pass")

    def test_hbsag_negative_366_days_ago_is_unknown(self):
        res = clean_patient(drop={"hbsag"}) + [coded_lab(HBSAG, "negative", ago(366))]
        assert_status(res, "hepatitis_viral_load", "unknown")

    def test_no_hbv_test_is_unknown(self):
        assert_status(clean_patient(drop={"hbsag"}), "hepatitis_viral_load", "unknown")

    def test_no_hcv_test_is_unknown(self):
        assert_status(clean_patient(drop={"anti_hcv"}), "hepatitis_viral_load", "unknown")

    def test_hbsag_positive_without_dna_is_unknown(self):
        assert_status(hbsag_positive(), "hepatitis_viral_load", "unknown")

    # -- HBV DNA in IU/mL: pass if IU x 5.82 <= 2000, fail if IU x 3.41 > 2000
    def test_hbv_300_iu_passes(self):
        d = hbv_iu(300)
        assert_status(hbsag_positive(d), "hepatitis_viral_load", "pass", evidence=d)

    def test_hbv_343_iu_passes(self):
        assert_status(hbsag_positive(hbv_iu(343)), "hepatitis_viral_load", "pass")

    def test_hbv_344_iu_is_unknown(self):
        assert_status(hbsag_positive(hbv_iu(344)), "hepatitis_viral_load", "unknown")

    def test_hbv_400_iu_is_unknown(self):
        assert_status(hbsag_positive(hbv_iu(400)), "hepatitis_viral_load", "unknown")

    def test_hbv_586_iu_is_unknown(self):
        assert_status(hbsag_positive(hbv_iu(586)), "hepatitis_viral_load", "unknown")

    def test_hbv_587_iu_fails(self):
        d = hbv_iu(587)
        assert_status(hbsag_positive(d), "hepatitis_viral_load", "fail", evidence=d)

    def test_hbv_600_iu_fails_even_with_hbsag_negative(self):
        res = clean_patient() + [hbv_iu(600)]
        assert_status(res, "hepatitis_viral_load", "fail")

    # -- HBV DNA in copies/mL
    def test_hbv_2000_copies_passes(self):
        assert_status(hbsag_positive(hbv_copies(2000)), "hepatitis_viral_load", "pass")

    def test_hbv_2001_copies_fails(self):
        d = hbv_copies(2001)
        assert_status(hbsag_positive(d), "hepatitis_viral_load", "fail", evidence=d)

    # -- comparators
    def test_hbv_below_detection_limit_passes(self):
        assert_status(hbsag_positive(hbv_iu(20, comparator="<")), "hepatitis_viral_load",
                      "pass")

    def test_hbv_greater_than_1000_iu_fails(self):
        assert_status(hbsag_positive(hbv_iu(1000, comparator=">")), "hepatitis_viral_load",
                      "fail")

    def test_hbv_greater_than_100_iu_is_unknown(self):
        assert_status(hbsag_positive(hbv_iu(100, comparator=">")), "hepatitis_viral_load",
                      "unknown")

    def test_hbv_less_than_500_iu_is_unknown(self):
        assert_status(hbsag_positive(hbv_iu(500, comparator="<")), "hepatitis_viral_load",
                      "unknown")

    # -- 90-day window for viral loads; latest counts
    def test_hbv_dna_on_day_90_counts(self):
        assert_status(hbsag_positive(hbv_copies(5000, days=90)), "hepatitis_viral_load", "fail")

    def test_hbv_dna_on_day_91_does_not_count(self):
        assert_status(hbsag_positive(hbv_copies(5000, days=91)), "hepatitis_viral_load",
                      "unknown")

    def test_old_low_hbv_dna_does_not_pass(self):
        assert_status(hbsag_positive(hbv_copies(100, days=100)), "hepatitis_viral_load",
                      "unknown")

    def test_latest_hbv_dna_counts(self):
        res = hbsag_positive(hbv_copies(50000, days=60), hbv_copies(100, days=10))
        assert_status(res, "hepatitis_viral_load", "pass")

    def test_latest_hbv_dna_counts_high(self):
        res = hbsag_positive(hbv_copies(100, days=60), hbv_copies(50000, days=10))
        assert_status(res, "hepatitis_viral_load", "fail")

    # -- HCV
    def test_anti_hcv_positive_without_rna_is_unknown(self):
        assert_status(anti_hcv_positive(), "hepatitis_viral_load", "unknown")

    def test_hcv_rna_1000_passes(self):
        assert_status(anti_hcv_positive(hcv_iu(1000)), "hepatitis_viral_load", "pass")

    def test_hcv_rna_1001_fails(self):
        r = hcv_iu(1001)
        assert_status(anti_hcv_positive(r), "hepatitis_viral_load", "fail", evidence=r)

    def test_hcv_rna_in_copies_compared_as_reported(self):
        r = lab(HCV_RNA_COPIES, 1500, "{copies}/mL", ago(10))
        assert_status(anti_hcv_positive(r), "hepatitis_viral_load", "fail")
        r_low = lab(HCV_RNA_COPIES, 900, "{copies}/mL", ago(10))
        assert_status(anti_hcv_positive(r_low), "hepatitis_viral_load", "pass")

    def test_hcv_rna_below_detection_limit_passes(self):
        assert_status(anti_hcv_positive(hcv_iu(15, comparator="<")), "hepatitis_viral_load",
                      "pass")

    def test_hcv_rna_above_quantitation_range_fails(self):
        assert_status(anti_hcv_positive(hcv_iu(100000000, comparator=">")),
                      "hepatitis_viral_load", "fail")

    @pytest.mark.parametrize("unit", ["IU/mL", "[IU]/mL"])
    def test_iu_per_ml_unit_text_is_read(self, unit):
        d = lab(HBV_DNA_IU, 5000, unit, ago(10), unit_text_only=True)
        assert_status(hbsag_positive(d), "hepatitis_viral_load", "fail")

    def test_hcv_rna_on_day_91_does_not_count(self):
        assert_status(anti_hcv_positive(hcv_iu(1500, days=91)), "hepatitis_viral_load",
                      "unknown")

    def test_anti_hcv_negative_366_days_ago_is_unknown(self):
        res = clean_patient(drop={"anti_hcv"}) + [coded_lab(ANTI_HCV, "negative", ago(366))]
        assert_status(res, "hepatitis_viral_load", "unknown")

    def test_hbv_fail_decides_even_when_hcv_unknown(self):
        res = clean_patient(drop={"hbsag", "anti_hcv"}) + [hbv_copies(10000)]
        assert_status(res, "hepatitis_viral_load", "fail")

    def test_entered_in_error_hbsag_is_ignored(self):
        res = clean_patient(drop={"hbsag"}) + [
            coded_lab(HBSAG, "negative", ago(10), status="entered-in-error")]
        assert_status(res, "hepatitis_viral_load", "unknown")


class TestHiv:
    CRITERION = "hiv"

    def test_negative_test_within_365_days_passes(self):
        assert_status(clean_patient(), "hiv", "pass",
                      evidence={"resourceType": "Observation", "id": "hiv-clean"})

    def test_negative_test_365_days_ago_passes(self):
        res = clean_patient(drop={"hiv"}) + [coded_lab(HIV_AGAB, "negative", ago(365))]
        assert_status(res, "hiv", "pass")

    def test_negative_test_366_days_ago_is_unknown(self):
        res = clean_patient(drop={"hiv"}) + [coded_lab(HIV_AGAB, "negative", ago(366))]
        assert_status(res, "hiv", "unknown")

    @pytest.mark.parametrize("result", ["non-reactive", "negative"])
    @pytest.mark.parametrize("style", ["snomed", "text", "interpretation"])
    def test_negative_result_spellings_pass(self, result, style):
        res = clean_patient(drop={"hiv"}) + [coded_lab(HIV_AB, result, ago(20), style=style)]
        assert_status(res, "hiv", "pass")

    def test_no_test_is_unknown(self):
        assert_status(clean_patient(drop={"hiv"}), "hiv", "unknown")

    @pytest.mark.parametrize("code", [HIV_AGAB, HIV_AB, "75622-1"])
    def test_reactive_screening_test_alone_is_unknown(self, code):
        res = clean_patient(drop={"hiv"}) + [coded_lab(code, "reactive", ago(10))]
        assert_status(res, "hiv", "unknown")

    def test_reactive_screen_after_older_negative_is_unknown(self):
        res = clean_patient() + [coded_lab(HIV_AGAB, "reactive", ago(3))]
        assert_status(res, "hiv", "unknown")

    @pytest.mark.parametrize("code", ["B20", "Z21", "B24"])
    def test_hiv_condition_fails(self, code):
        c = condition(code, onset=ago(1000))
        assert_status(clean_patient() + [c], "hiv", "fail", evidence=c)

    def test_hiv_rna_detected_fails(self):
        # spec reading: "a positive ... HIV RNA test"; LOINC 25835-0 (HIV 1 RNA presence,
        # NAA) is not in codes.md
        r = coded_lab(HIV1_RNA_QUAL, "detected", ago(10))
        assert_status(clean_patient() + [r], "hiv", "fail", evidence=r)

    def test_quantitative_hiv_rna_fails(self):
        r = lab("20447-9", 25000, "{copies}/mL", ago(10))
        assert_status(clean_patient() + [r], "hiv", "fail", evidence=r)

    def test_refuted_hiv_condition_is_ignored(self):
        c = condition("B20", onset=ago(100), verification="refuted")
        assert_status(clean_patient() + [c], "hiv", "pass")

    def test_preliminary_negative_does_not_pass(self):
        res = clean_patient(drop={"hiv"}) + [
            coded_lab(HIV_AGAB, "negative", ago(10), status="preliminary")]
        assert_status(res, "hiv", "unknown")
