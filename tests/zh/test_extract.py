"""The Chinese extractor reads what Chinese clinicians and patients write (own cases; the
held-out set is scored by benchmarks/zh_answers.py, never used here)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from datetime import date

import pytest

from actions.understand_zh import Finding, extract

AS_OF = date(2026, 11, 24)


def answers(text: str, pending: str | None = None, audience: str = "clinician") -> dict[str, object]:
    return {f.question_id: f.value for f in extract(text, pending, audience, AS_OF)}


def test_finding_is_a_frozen_dataclass_with_the_agreed_fields():
    f = extract("无腹水", "ascites", "clinician", AS_OF)[0]
    assert [x.name for x in fields(Finding)] == ["question_id", "value", "words", "negated"]
    assert (f.question_id, f.value, f.words, f.negated) == ("ascites", "none", "无腹水", True)
    with pytest.raises(FrozenInstanceError):
        f.value = "mild"  # type: ignore[misc]


@pytest.mark.parametrize(
    "text, pending, expected",
    [
        ("是的", "tb_ever", "yes"),
        ("对", "autoimmune", "yes"),
        ("有", "other_malignancy", "yes"),
        ("嗯嗯，有的", "hiv", "yes"),
        ("没有", "hiv", "no"),
        ("不是", "other_liver_component", "no"),
        ("无", "active_infection", "no"),
        ("否", "substance_abuse", "no"),
        ("从来没有过", "ild_pneumonitis", "no"),
        ("不清楚", "autoimmune", "not_sure"),
        ("不确定", "measurable_lesion", "not_sure"),
        ("这个我不太清楚", "coagulation", "not_sure"),
        ("记不清了", "tb_ever", "not_sure"),
        ("以上都没有", "platinum_allergy", "no"),
    ],
)
def test_bare_yes_no_not_sure_answer_the_question_asked(text, pending, expected):
    assert answers(text, pending) == {pending: expected}


def test_several_topics_each_keep_their_own_negation():
    assert answers("无腹水，无肝性脑病", "ascites") == {"ascites": "none", "encephalopathy": "none"}
    assert answers("不能手术，多发病灶；没用过免疫治疗", "unresectable") == {
        "unresectable": "yes",
        "prior_checkpoint_inhibitor": "no",
    }
    # one cue over a list; a later clause with no cue is not negated
    assert answers("没有结核、自身免疫病，有间质性肺炎") == {
        "tb_ever": "no",
        "autoimmune": "no",
        "ild_pneumonitis": "yes",
    }
    # a cue after the topic
    assert answers("HIV阴性，结核：无") == {"hiv": "no", "tb_ever": "no"}
    # 但 starts a new statement
    assert answers("没有腹水但有轻度肝性脑病") == {"ascites": "none", "encephalopathy": "grade_1_2"}


def test_mixed_message_of_numbers_and_negations():
    assert answers("ECOG 0，没有腹水", "ecog_score") == {"ecog_score": 0, "ascites": "none"}
    assert answers("ECOG 一分，少量腹水，肝性脑病无") == {
        "ecog_score": 1,
        "ascites": "mild",
        "encephalopathy": "none",
    }


@pytest.mark.parametrize(
    "text, pending, expected",
    [
        ("用过可瑞达", "prior_checkpoint_inhibitor", "yes"),
        ("外院打过四次拓益", "prior_checkpoint_inhibitor", "yes"),
        ("之前在别的医院用过欧狄沃", None, "yes"),
        ("达伯舒用了半年", None, "yes"),
        ("艾瑞卡两个周期", None, "yes"),
        ("百泽安", "prior_checkpoint_inhibitor", "yes"),
        ("用过英飞凡", None, "yes"),
        ("泰圣奇打过", None, "yes"),
        ("had keytruda x4 at another hospital 外院用过", None, "yes"),
        ("用过pembrolizumab", None, "yes"),
        ("没用过拓益", "prior_checkpoint_inhibitor", "no"),
        ("从未用过PD-1抑制剂", None, "no"),
        ("免疫治疗初治", None, "no"),
    ],
)
def test_checkpoint_inhibitors_by_generic_name_brand_or_class(text, pending, expected):
    assert answers(text, pending)["prior_checkpoint_inhibitor"] == expected


def test_a_hedged_statement_is_left_out():
    assert answers("好像用过PD-1", "prior_checkpoint_inhibitor") == {}


def test_non_checkpoint_drugs_do_not_answer_the_checkpoint_question():
    assert "prior_checkpoint_inhibitor" not in answers("用过仑伐替尼和吉西他滨")


@pytest.mark.parametrize(
    "text, pending, qid, value",
    [
        ("65公斤", "weight_kg", "weight_kg", 65),
        ("一百三十斤", "weight_kg", "weight_kg", 65),
        ("体重 72.5kg", None, "weight_kg", 72.5),
        ("154磅", None, "weight_kg", 69.9),
        ("68", "weight_kg", "weight_kg", 68),
        ("58岁", "age_years", "age_years", 58),
        ("今年六十二", None, "age_years", 62),
        ("七十岁了", None, "age_years", 70),
        ("1968年出生", None, "age_years", 58),
        ("ECOG 一分", "ecog_score", "ecog_score", 1),
        ("PS评分0分", None, "ecog_score", 0),
        ("1分", "ecog_score", "ecog_score", 1),
    ],
)
def test_numbers_with_chinese_units_and_numerals(text, pending, qid, value):
    assert answers(text, pending)[qid] == value


def test_numbers_out_of_range_or_unitless_elsewhere_are_not_answers():
    assert "weight_kg" not in answers("体重 700 公斤")
    assert "ecog_score" not in answers("ECOG 0-1")  # a range is not a score
    assert "age_years" not in answers("三年前", "tb_within_year")


@pytest.mark.parametrize(
    "text, pending, within_year",
    [
        ("三年前", "tb_within_year", "no"),
        ("2021年", "tb_within_year", "no"),
        ("去年", "tb_within_year", "no"),
        ("前年", "tb_within_year", "no"),
        ("半年前", "tb_within_year", "yes"),
        ("上个月刚确诊", "tb_within_year", "yes"),
        ("三年前得过肺结核", None, "no"),
        ("两个月前查出肺结核", None, "yes"),
    ],
)
def test_time_phrases_answer_the_tuberculosis_window(text, pending, within_year):
    assert answers(text, pending)["tb_within_year"] == within_year


def test_tuberculosis_history_with_follow_ups_in_one_message():
    got = answers("有，三年前得的，规范治疗了一年", "tb_ever")
    assert got["tb_ever"] == "yes"
    assert got["tb_within_year"] == "no"
    assert got["tb_fully_treated"] == "yes"
    got = answers("2019年得过肺结核，药没吃完就自行停药了")
    assert got["tb_fully_treated"] == "no"
    assert answers("没有结核", "tb_ever") == {"tb_ever": "no"}


def test_bleeding_in_the_last_three_months():
    assert answers("上个月有过消化道出血")["recent_bleeding"] == "yes"
    assert answers("去年呕过血")["recent_bleeding"] == "no"
    assert answers("最近三个月没出血", "recent_bleeding") == {"recent_bleeding": "no"}


@pytest.mark.parametrize(
    "text, qid, value",
    [
        ("少量腹水", "ascites", "mild"),
        ("腹水中到大量", "ascites", "moderate_severe"),
        ("大量腹水", "ascites", "moderate_severe"),
        ("未见腹水", "ascites", "none"),
        ("肝性脑病2级", "encephalopathy", "grade_1_2"),
        ("肝昏迷，三期", "encephalopathy", "grade_3_4"),
        ("没有肝性脑病", "encephalopathy", "none"),
    ],
)
def test_choice_questions(text, qid, value):
    assert answers(text)[qid] == value


def test_choice_word_alone_answers_the_choice_asked():
    assert answers("少量", "ascites") == {"ascites": "mild"}
    assert answers("没有", "encephalopathy") == {"encephalopathy": "none"}


@pytest.mark.parametrize(
    "text, qid, value",
    [
        ("外科评估不可切除", "unresectable", "yes"),
        ("医生说可以手术", "unresectable", "no"),
        ("对奥沙利铂过敏", "platinum_allergy", "yes"),
        ("无药物过敏史", "platinum_allergy", "no"),
        ("以前得过甲状腺乳头状癌", "other_malignancy", "no"),
        ("十年前做过乳腺癌手术", "other_malignancy", "yes"),
        ("她已经绝经了", "not_pregnant", "no"),
        ("血压控制得挺好", "bp_controlled", "yes"),
        ("血压没控制住", "bp_controlled", "no"),
        ("在吃华法林", "coagulation", "yes"),
        ("长期口服泼尼松15mg", "immunosuppression", "yes"),
        ("泼尼松5mg", "immunosuppression", "no"),
        ("乙肝病毒感染", "active_infection", None),
        ("病理确诊肝内胆管细胞癌", "icc_histology_confirmed", "yes"),
        ("只有细胞学", "icc_histology_confirmed", "no"),
        ("以前酗酒，已经戒了", "substance_abuse", "yes"),
        ("不喝酒", "substance_abuse", "no"),
    ],
)
def test_topics_in_clinical_words(text, qid, value):
    assert answers(text).get(qid) == value


def test_patient_words_and_audience():
    assert answers("我能正常上班，家务都能做", "ecog_activity", "patient") == {"ecog_activity": "yes"}
    # a patient is not asked the ECOG score or the weight: those are not answers from them
    assert "ecog_score" not in answers("ECOG 0", None, "patient")
    assert "weight_kg" not in answers("65公斤", None, "patient")
    assert answers("58岁", None, "patient") == {"age_years": 58}


def test_words_are_the_original_span_and_full_width_input_is_read():
    f = extract("ＥＣＯＧ　１，体重６５公斤", None, "clinician", AS_OF)
    got = {x.question_id: (x.value, x.words) for x in f}
    assert got["ecog_score"] == (1, "ＥＣＯＧ　１")
    assert got["weight_kg"] == (65, "６５公斤")


def test_empty_or_unrelated_text_gives_nothing():
    assert extract("", "tb_ever", "clinician", AS_OF) == []
    assert answers("今天天气不错", None) == {}


@pytest.mark.parametrize(
    "text, pending, expected",
    [
        ("以上列出的这些均没有", "hiv", {"hiv": "no"}),
        ("除了高血压别的都没有", "autoimmune", {"autoimmune": "no"}),
        ("家属说不太清楚，这个还没问", "substance_abuse", {"substance_abuse": "not_sure"}),
        ("我是男的", "not_pregnant", {"not_pregnant": "no"}),
        ("能", "ecog_activity", {"ecog_activity": "yes"}),
        ("不能", "ecog_activity", {"ecog_activity": "no"}),
        ("他从来没有", "tb_ever", {"tb_ever": "no"}),
        ("跟没生病时一样，啥都能干", "ecog_activity", {"ecog_activity": "yes"}),
    ],
)
def test_replies_that_answer_only_the_question_asked(text, pending, expected):
    assert answers(text, pending, "patient" if pending in ("ecog_activity",) else "clinician") == expected


@pytest.mark.parametrize(
    "text, pending",
    [
        ("为什么要问HIV", "hiv"),
        ("拓益是什么药？", "prior_checkpoint_inhibitor"),
        ("结核那题我想改一下", "autoimmune"),
        ("我不想做了", "hiv"),
        ("换个病人吧", "tb_ever"),
        ("可以吃辣吗", "ecog_activity"),
    ],
)
def test_questions_back_and_commands_answer_nothing(text, pending):
    assert answers(text, pending, "clinician") == {}


def test_a_screening_request_keeps_its_facts_but_not_the_trial_drug():
    got = answers("帮我筛一下 icc-050，62岁，ECOG 1，能入组特瑞普利单抗的试验吗？")
    assert got == {"age_years": 62, "ecog_score": 1}


def test_immunohistochemistry_is_not_immunotherapy():
    assert answers("免疫组化提示CK7阳性", "other_liver_component") == {}


def test_full_years_of_age_win_over_nominal_age():
    assert answers("虚岁六十，周岁五十九", "age_years") == {"age_years": 59}


def test_time_of_bleeding_is_read_in_its_own_clause():
    assert answers("去年黑便过一次，近三个月没再出过", "recent_bleeding") == {"recent_bleeding": "no"}


def test_blood_pressure_numbers():
    assert answers("血压 128/76", "bp_controlled") == {"bp_controlled": "yes"}
    assert answers("最近血压 165/95", "bp_controlled") == {"bp_controlled": "no"}


def test_any_text_gives_findings_of_the_agreed_shape_never_an_exception():
    import random

    from actions.understand_zh.lexicon import lexicon

    rng = random.Random(1212)
    alphabet = (
        "无没有不是的腹水结核年前去半个月公斤斤岁"
        "ECOG0123456789一二三十百"
        "，。；、？!（）()-/ ＡＢ１２ 🙂\u3000"
    )
    questions = lexicon().questions
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        pending = rng.choice([None, *questions])
        audience = rng.choice(["clinician", "patient"])
        for f in extract(text, pending, audience, AS_OF):
            assert f.question_id in questions and audience in questions[f.question_id]["audience"]
            q = questions[f.question_id]
            if q["type"] == "yes_no":
                assert f.value in ("yes", "no", "not_sure")
            elif q["type"] == "choice":
                assert f.value in (*q["choices"], "not_sure")
            else:
                lo, hi = q["range"]
                assert f.value == "not_sure" or lo <= f.value <= hi
            assert f.words and f.words in text
