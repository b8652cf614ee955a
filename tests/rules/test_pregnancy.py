"""pregnancy_lactation."""

from __future__ import annotations

from datetime import date

import pytest
from builders import (
    HCG_URINE,
    PID,
    ago,
    assert_status,
    born_aged,
    clean_patient,
    coded_lab,
    condition,
    hcg,
    patient,
    pregnancy_test,
)


def person(gender, age=40, birth=None, *extra):
    res = clean_patient(drop={"patient"}) + [patient(PID, birth or born_aged(age), gender)]
    return res + list(extra)


def woman(*extra, age=40):
    return person("female", age, None, *extra)


class TestPregnancyLactation:
    CRITERION = "pregnancy_lactation"

    def test_male_passes(self):
        assert_status(clean_patient(), "pregnancy_lactation", "pass")

    def test_young_male_passes(self):
        assert_status(person("male", 25), "pregnancy_lactation", "pass")

    def test_woman_aged_56_passes(self):
        assert_status(person("female", birth=date(1970, 11, 24)), "pregnancy_lactation", "pass")

    def test_woman_a_day_short_of_56_is_unknown(self):
        assert_status(person("female", birth=date(1970, 11, 25)), "pregnancy_lactation",
                      "unknown")

    def test_woman_aged_60_passes(self):
        assert_status(woman(age=60), "pregnancy_lactation", "pass")

    @pytest.mark.parametrize("gender", ["other", "unknown", None])
    def test_sex_not_male_aged_60_passes(self, gender):
        assert_status(person(gender, 60), "pregnancy_lactation", "pass")

    @pytest.mark.parametrize("gender", ["other", "unknown", None])
    def test_sex_not_male_aged_40_is_unknown(self, gender):
        assert_status(person(gender, 40), "pregnancy_lactation", "unknown")

    @pytest.mark.parametrize("code", ["N95.1", "Z78.0"])
    def test_documented_menopause_passes(self, code):
        c = condition(code, onset=ago(800))
        assert_status(woman(c, age=50), "pregnancy_lactation", "pass")

    def test_young_woman_with_no_data_is_unknown(self):
        assert_status(woman(), "pregnancy_lactation", "unknown")

    def test_negative_test_alone_does_not_pass(self):
        # pass also needs agreement to contraception, which only people can give
        assert_status(woman(pregnancy_test("negative", ago(3))), "pregnancy_lactation",
                      "unknown")

    def test_positive_urine_test_fails(self):
        t = pregnancy_test("positive", ago(3))
        assert_status(woman(t), "pregnancy_lactation", "fail", evidence=t)

    def test_positive_serum_qualitative_test_fails(self):
        assert_status(woman(pregnancy_test("positive", ago(3), code="2118-8")),
                      "pregnancy_lactation", "fail")

    def test_positive_test_on_day_28_fails(self):
        assert_status(woman(pregnancy_test("positive", ago(28))), "pregnancy_lactation", "fail")

    def test_positive_test_on_day_29_is_out_of_window(self):
        assert_status(woman(pregnancy_test("positive", ago(29))), "pregnancy_lactation",
                      "unknown")

    def test_positive_text_result_fails(self):
        t = coded_lab(HCG_URINE, "positive", ago(3), style="text")
        assert_status(woman(t), "pregnancy_lactation", "fail")

    def test_latest_negative_after_older_positive_does_not_fail(self):
        res = woman(pregnancy_test("positive", ago(20)), pregnancy_test("negative", ago(2)))
        assert_status(res, "pregnancy_lactation", "unknown")

    def test_hcg_25_fails(self):
        h = hcg(25, ago(3))
        assert_status(woman(h), "pregnancy_lactation", "fail", evidence=h)

    def test_hcg_300_fails(self):
        assert_status(woman(hcg(300, ago(3))), "pregnancy_lactation", "fail")

    @pytest.mark.parametrize("value", [5, 10, 24.9])
    def test_hcg_between_5_and_25_is_unknown(self, value):
        assert_status(woman(hcg(value, ago(3))), "pregnancy_lactation", "unknown")

    def test_hcg_below_5_is_negative_but_still_asks(self):
        assert_status(woman(hcg(2, ago(3))), "pregnancy_lactation", "unknown")

    def test_hcg_below_detection_does_not_fail(self):
        assert_status(woman(hcg(1.2, ago(3), comparator="<")), "pregnancy_lactation", "unknown")

    def test_pregnancy_condition_in_window_fails(self):
        c = condition("Z33.1", onset=ago(10))
        assert_status(woman(c), "pregnancy_lactation", "fail", evidence=c)

    def test_lactation_condition_in_window_fails(self):
        assert_status(woman(condition("Z39.1", onset=ago(10))), "pregnancy_lactation", "fail")

    def test_snomed_pregnant_in_window_fails(self):
        c = condition("77386006", system="snomed", onset=ago(5), display="Pregnant")
        assert_status(woman(c), "pregnancy_lactation", "fail")

    def test_older_active_pregnancy_condition_asks(self):
        assert_status(woman(condition("Z33.1", onset=ago(300))), "pregnancy_lactation",
                      "unknown")

    def test_refuted_pregnancy_condition_is_ignored(self):
        c = condition("Z33.1", onset=ago(10), verification="refuted")
        assert_status(woman(c), "pregnancy_lactation", "unknown")

    def test_positive_test_in_a_man_does_not_fail(self):
        assert_status(clean_patient() + [pregnancy_test("positive", ago(3))],
                      "pregnancy_lactation", "pass")
