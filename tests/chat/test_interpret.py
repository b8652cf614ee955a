"""Replies as clinicians type them -> the answer values the rules engine takes."""

from __future__ import annotations

import pytest

from actions.interpret import interpret, interpret_checklist
from actions.vocab import vocab


def q(qid: str) -> dict:
    return vocab().question(qid)


@pytest.mark.parametrize(
    "text,intent,expected",
    [
        ("yes", None, "yes"),
        ("Y", None, "yes"),
        ("yep, confirmed on histology", None, "yes"),
        ("yse", None, "yes"),
        ("no", None, "no"),
        ("nope", None, "no"),
        ("nil", None, "no"),
        ("neg", None, "no"),
        ("no hx", None, "no"),
        ("Not that I know of", None, "no"),
        ("never", None, "no"),
        ("not sure", None, "not_sure"),
        ("dunno", None, "not_sure"),
        ("idk", None, "not_sure"),
        ("?", None, "not_sure"),
        ("need to check the notes", None, "not_sure"),
        ("she agrees", "affirm", "yes"),
        ("absolutely not", None, "no"),
    ],
)
def test_yes_no(text, intent, expected):
    assert interpret(q("unresectable"), text, intent, vocab()).value == expected


@pytest.mark.parametrize("text", ["what is RECIST?", "why do you need that?", "how is that measured"])
def test_a_question_back_is_never_an_answer(text):
    reply = interpret(q("measurable_lesion"), text, "explain_term", vocab())
    assert reply.value is None and reply.hint


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Keytruda", "yes"),
        ("had pembrolizumab in 2024", "yes"),
        ("toripalimab", "yes"),
        ("JS001", "yes"),
        ("特瑞普利单抗", "yes"),
        ("no, never", "no"),
        ("nope, no IO", "no"),
    ],
)
def test_drug_names_answer_the_checkpoint_question(text, expected):
    assert interpret(q("prior_checkpoint_inhibitor"), text, None, vocab()).value == expected


def test_a_drug_of_another_class_does_not_settle_it():
    reply = interpret(q("prior_checkpoint_inhibitor"), "only gemcitabine and warfarin", None, vocab())
    assert reply.value is None and "warfarin" in reply.hint


@pytest.mark.parametrize("text,expected", [("0", 0), ("ECOG 1", 1), ("ps 2", 2), ("zero", 0), ("ecgo 0", 0)])
def test_ecog(text, expected):
    assert interpret(q("ecog_score"), text, None, vocab()).value == expected


@pytest.mark.parametrize("text", ["0-1", "1 or 2", "fully active", "7"])
def test_ecog_needs_one_score_in_range(text):
    reply = interpret(q("ecog_score"), text, None, vocab())
    assert reply.value is None and reply.hint


@pytest.mark.parametrize(
    "text,expected", [("70kg", 70), ("82.5 kg", 82.5), ("154 lb", 69.9), ("weighs 64", 64)]
)
def test_weight(text, expected):
    assert interpret(q("weight_kg"), text, None, vocab()).value == pytest.approx(expected)


@pytest.mark.parametrize(
    "qid,text,expected",
    [
        ("ascites", "none", "none"),
        ("ascites", "no ascites", "none"),
        ("ascites", "trace", "mild"),
        ("ascites", "tense", "moderate_severe"),
        ("ascites", "mod-severe", "moderate_severe"),
        ("encephalopathy", "no HE", "none"),
        ("encephalopathy", "grade 2", "grade_1_2"),
        ("encephalopathy", "gr 3", "grade_3_4"),
        ("encephalopathy", "covert", "grade_1_2"),
    ],
)
def test_child_pugh_inputs(qid, text, expected):
    assert interpret(q(qid), text, None, vocab()).value == expected


def test_choice_needs_a_grade_not_a_yes():
    reply = interpret(q("ascites"), "yes", "affirm", vocab())
    assert reply.value is None and "mild" in reply.hint


ITEMS = ["other_malignancy", "tb_ever", "autoimmune", "hiv", "platinum_allergy"]


@pytest.mark.parametrize(
    "text,intent",
    [
        ("none of these", "none_of_these"),
        ("nil", None),
        ("no to all", None),
        ("none of thes", "none_of_these"),
    ],
)
def test_checklist_none(text, intent):
    reply = interpret_checklist(ITEMS, text, intent, vocab())
    assert reply.value == "none" and reply.named == {i: "no" for i in ITEMS}


def test_checklist_names_what_applies_rest_is_no():
    reply = interpret_checklist(ITEMS, "TB and HIV", None, vocab())
    assert reply.value == "named"
    assert reply.named == {
        "tb_ever": "yes",
        "hiv": "yes",
        "other_malignancy": "no",
        "autoimmune": "no",
        "platinum_allergy": "no",
    }


def test_checklist_negated_names_are_no():
    reply = interpret_checklist(ITEMS, "no TB, no HIV", None, vocab())
    assert all(v == "no" for v in reply.named.values())


def test_checklist_unsure_asks_one_by_one_and_yes_asks_which():
    assert interpret_checklist(ITEMS, "not sure", "not_sure", vocab()).value == "not_sure"
    which = interpret_checklist(ITEMS, "yes", "affirm", vocab())
    assert which.value is None and "Which" in which.hint
