"""The answer extraction stage on clinicians' own words: every topic a message names, each
negation bound to its own topic, time phrases against the as-of date, numbers with units."""

from __future__ import annotations

from datetime import date

import pytest

from actions.understand import Finding, bare, extract

AS_OF = date(2026, 11, 24)


def read(text: str, pending: str | None = None, audience: str = "clinician") -> dict[str, object]:
    return {f.question_id: f.value for f in extract(text, "en", pending, audience, AS_OF)}


def test_a_negation_belongs_to_its_own_topic():
    # the case: the "no" is about ascites, the tumour is unresectable
    got = read("not a surgical candidate, the disease is too extensive; no ascites either", "unresectable")
    assert got == {"unresectable": "yes", "ascites": "none"}


def test_every_topic_of_a_message_is_read():
    got = read("unresectable, multifocal; no ascites or encephalopathy; never had immunotherapy")
    assert got == {
        "unresectable": "yes",
        "ascites": "none",
        "encephalopathy": "none",
        "prior_checkpoint_inhibitor": "no",
    }


@pytest.mark.parametrize(
    ("pending", "text", "expected"),
    [
        ("unresectable", "can't be resected", "yes"),
        ("unresectable", "no, he is resectable", "no"),
        ("unresectable", "planned for resection next week", "no"),
        ("tissue_available", "the block is in pathology", "yes"),
        ("tissue_available", "we have the paraffin block from the diagnostic biopsy", "yes"),
        ("tissue_available", "he would agree to a fresh biopsy", "yes"),
        ("tissue_available", "tissue exhausted and he refuses another biopsy", "no"),
        ("measurable_lesion", "three target lesions, biggest 4 cm", "yes"),
        ("measurable_lesion", "only non-measurable peritoneal disease", "no"),
        ("prior_checkpoint_inhibitor", "treatment naive", "no"),
        ("prior_checkpoint_inhibitor", "had 4 cycles of keytruda", "yes"),
        ("tb_fully_treated", "he stopped the TB treatment early", "no"),
        ("tb_fully_treated", "completed the full course", "yes"),
        ("tb_still_active", "no longer active, sputum negative", "no"),
        ("hiv", "neg", "no"),
        ("hiv", "HIV positive on ART", "yes"),
        ("icc_histology_confirmed", "biopsy proven", "yes"),
        ("icc_histology_confirmed", "cytology only", "no"),
        ("other_liver_component", "pure adenocarcinoma", "no"),
        ("other_liver_component", "mixed HCC-CCA on the resection", "yes"),
        ("other_malignancy", "prostate cancer 2015", "yes"),
        ("other_malignancy", "no other cancers", "no"),
        ("autoimmune", "lupus", "yes"),
        ("autoimmune", "no autoimmune disease", "no"),
        ("ild_pneumonitis", "no ILD", "no"),
        ("ild_pneumonitis", "pulmonary fibrosis", "yes"),
        ("immunosuppression", "prednisone 20 mg daily", "yes"),
        ("immunosuppression", "prednisone 5 mg daily", "no"),
        ("immunosuppression", "on tacrolimus", "yes"),
        ("cardiopulmonary_renal", "on dialysis", "yes"),
        ("cardiopulmonary_renal", "normal echo", "no"),
        ("bp_controlled", "BP 128/78 on amlodipine", "yes"),
        ("bp_controlled", "uncontrolled hypertension", "no"),
        ("coagulation", "on warfarin for AF", "yes"),
        ("coagulation", "no anticoagulants", "no"),
        ("recent_bleeding", "variceal bleed 6 weeks ago", "yes"),
        ("recent_bleeding", "GI bleed in 2021", "no"),
        ("active_infection", "cholangitis on IV antibiotics", "yes"),
        ("active_infection", "afebrile", "no"),
        ("substance_abuse", "alcohol dependence", "yes"),
        ("substance_abuse", "social drinker only", "no"),
        ("platinum_allergy", "allergic to oxaliplatin", "yes"),
        ("platinum_allergy", "tolerated oxaliplatin fine", "no"),
        ("not_pregnant", "she's postmenopausal", "no"),
        ("not_pregnant", "she is breastfeeding", "yes"),
        ("contraception", "she agrees to use contraception", "yes"),
        ("ecog_activity", "I can do everything as before", "yes"),
    ],
)
def test_polarity_for_every_topic(pending, text, expected):
    audience = "patient" if pending == "ecog_activity" else "clinician"
    assert read(text, pending, audience).get(pending) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("that was 3 years ago", "no"),
        ("no, treated in 2019", "no"),
        ("as a kid", "no"),
        ("about 8 months back", "yes"),
        ("last spring", "yes"),
    ],
)
def test_time_phrases_decide_the_window(text, expected):
    assert read(text, "tb_within_year")["tb_within_year"] == expected


def test_a_partial_date_that_straddles_the_window_decides_nothing():
    assert "tb_within_year" not in read("in 2025", "tb_within_year")


def test_a_dated_mention_answers_the_chain_in_one_message():
    got = read("TB as a child, fully treated", None)
    assert got == {"tb_ever": "yes", "tb_within_year": "no", "tb_fully_treated": "yes"}


def test_numbers_with_units():
    assert read("ECOG one, 70kg", "ecog_score") == {"ecog_score": 1, "weight_kg": 70.0}
    assert read("154 lb", "weight_kg") == {"weight_kg": 69.9}
    assert read("ECOG 0-1", "ecog_score") == {}  # a range is not a score
    assert read("1", "ecog_score") == {"ecog_score": 1}
    assert read("I have a 58 year old man with ICC, id 123") == {"age_years": 58}


def test_a_polarity_word_for_another_topic_does_not_answer_the_pending_question():
    assert read("no ascites", "unresectable") == {"ascites": "none"}
    assert read("no TB", "hiv") == {"tb_ever": "no"}


def test_bare_replies_answer_the_pending_question():
    assert read("nope", "tb_ever") == {"tb_ever": "no"}
    assert read("yes", "unresectable") == {"unresectable": "yes"}
    assert read("not sure", "measurable_lesion") == {"measurable_lesion": "not_sure"}
    assert read("none", "encephalopathy") == {"encephalopathy": "none"}
    assert bare("no, treated in 2019", "en") == "no"


def test_the_trial_named_is_not_a_prior_treatment():
    assert read("can you pre-screen patient 2019 for the toripalimab + lenvatinib trial") == {}


def test_family_history_is_not_the_patients():
    assert "other_malignancy" not in read("his mother had breast cancer")


def test_questions_of_another_audience_are_not_answered():
    assert "ecog_activity" not in read("fully active", None, "clinician")


def test_typos_in_topic_words():
    assert read("no ascities", "ascites") == {"ascites": "none"}
    assert read("tuberculossis as a kid", None)["tb_ever"] == "yes"


def test_findings_carry_their_words():
    (f,) = [x for x in extract("we have the paraffin block", "en", "tissue_available", "clinician", AS_OF)]
    assert f == Finding("tissue_available", "yes", "paraffin block", False)
