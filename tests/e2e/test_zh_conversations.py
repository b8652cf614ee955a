"""Whole conversations in Simplified Chinese (issue 12) over HTTP with the real Rasa server,
action server and HAPI, checked by the same oracle as the English ones (tests/e2e/convo.py):
every question asked is still open, in the trial's Chinese wording, naming the patient.

Clinician and patient; eligible after answers, ruled out by a confirmed answer, the grouped
checklist, "为什么问这个？", a changed answer, a switch of language mid-way, another patient;
and the same polite script in both languages reaching the same verdict for every synthetic
patient whose record leaves questions.
"""

from __future__ import annotations

import re

import pytest
from convo import Conversation, verdict_line
from test_conversations import talk
from test_messy_clinician import PATIENTS
from test_messy_clinician import run as run_english

from actions.language import question_why
from actions.screening import GROUPS
from actions.vocab import CHECKLIST, vocab

CJK = re.compile(r"[\u4e00-\u9fff]")
# question id -> (what a Chinese clinician types, the value it means): eligible-leaning.
GOOD_ZH = {
    "tumour_checklist": ("全部符合", "yes"),
    "liver_status": ("无腹水，无肝性脑病", "none"),
    "unresectable": ("是的，不可切除", "yes"),
    "prior_checkpoint_inhibitor": ("没有用过免疫治疗", "no"),
    "tissue_available": ("有，病理科有蜡块", "yes"),
    "measurable_lesion": ("有", "yes"),
    "cardiopulmonary_renal": ("没有", "no"),
    "active_infection": ("无", "no"),
    "ecog_score": ("ECOG 0分", 0),
    "ascites": ("无腹水", "none"),
    "encephalopathy": ("没有肝性脑病", "none"),
    "icc_histology_confirmed": ("是，穿刺病理确诊", "yes"),
    "weight_kg": ("72公斤", 72),
    "bp_controlled": ("是的，血压控制得好", "yes"),
    "coagulation": ("否", "no"),
    "hiv": ("阴性", "no"),
    "immunosuppression": ("没有", "no"),
}
# The polite script of test_messy_clinician, in Chinese: bare replies.
POLITE_ZH = {
    "tumour_checklist": "全部符合",
    "liver_status": "都没有",
    "unresectable": "是",
    "measurable_lesion": "是",
    "tissue_available": "是",
    "prior_checkpoint_inhibitor": "否",
    "ecog_score": "0",
    "ascites": "无",
    "encephalopathy": "无",
    "icc_histology_confirmed": "是",
    "other_liver_component": "否",
    "weight_kg": "72",
    "age_years": "60",
    "bp_controlled": "是",
    "coagulation": "否",
    "hiv": "否",
    "immunosuppression": "否",
    "cardiopulmonary_renal": "否",
    "active_infection": "否",
    "not_pregnant": "否",
    "contraception": "是",
    CHECKLIST: "以上都没有",
    "other_malignancy": "否",
    "tb_ever": "否",
    "autoimmune": "否",
    "ild_pneumonitis": "否",
    "recent_bleeding": "否",
    "substance_abuse": "否",
    "platinum_allergy": "否",
}
GROUP_VALUE = {"tumour_checklist": "yes", "liver_status": "none", CHECKLIST: "none"}


def talk_zh(stack, user: str, **kw) -> Conversation:
    return talk(stack, user, lang="zh", **kw)


def answer_all_zh(c: Conversation, replies: dict | None = None, limit: int = 30) -> list[dict]:
    table = {**GOOD_ZH, **(replies or {})}
    last: list[dict] = []
    for _ in range(limit):
        if not c.current:
            return last
        assert not c.current.get("confirm"), f"a rule-out restated that the script did not mean:\n{c.dump()}"
        qid = c.current["question"]
        if qid == CHECKLIST:
            last = c.answer("以上都没有", "none")
        else:
            text, value = table[qid]
            last = c.answer(text, value)
    raise AssertionError(f"still asking after {limit} answers:\n{c.dump()}")


def chinese(replies: list[dict]) -> None:
    for m in replies:
        assert CJK.search(m.get("text", "")), f"not Chinese: {m.get('text')!r}"


def test_clinician_eligible_after_answers_in_chinese(chat_stack):
    c = talk_zh(chat_stack, "zh-dr-zhou")
    opening = c.screen("icc-001", "请预筛患者 icc-001")
    chinese(opening)
    assert "36 项标准中病历已确定 21 项" in opening[0]["text"], opening[0]["text"]
    assert "2026年11月24日" in opening[0]["text"]
    end = answer_all_zh(c)
    assert verdict_line(end) == "结论：可能符合", c.dump()
    assert "Verdict" not in end[-1]["text"]
    slots = c.slots()
    assert slots["language"] == "zh" and slots["verdict"] == "potentially_eligible"
    answered = {(a["question_id"], a["value"]) for a in slots["answers"]}
    assert answered == {(a.question_id, a.value) for a in c.answers}


def test_ruled_out_by_a_confirmed_answer_in_chinese(chat_stack):
    c = talk_zh(chat_stack, "zh-dr-qian")
    c.screen("icc-007", "帮我筛查一下患者 icc-007")  # Karnofsky 90 only: ECOG must be asked
    c.answer("全部符合", "yes")
    assert c.current["question"] == "ecog_score", c.dump()
    replies = c.answer("ECOG 2分")
    text = replies[-1]["text"]
    assert c.current.get("confirm") and "ECOG 评分为 2 分" in text and "对吗" in text, c.dump()
    assert [b["title"] for b in replies[-1].get("buttons", [])] == ["是", "否"]
    assert "ecog_score" not in {a["question_id"] for a in c.slots()["answers"]}  # held, not recorded
    end = c.answer("是", "yes")
    assert verdict_line(end) == "结论：不符合", c.dump()
    assert "ECOG 0 分" in end[-1]["text"] and "继续" in end[-1]["text"]
    assert c.slots()["verdict"] == "ineligible"


def test_a_rule_out_denied_is_not_recorded(chat_stack):
    c = talk_zh(chat_stack, "zh-dr-sun")
    c.screen("icc-007", "请预筛患者 icc-007")
    c.answer("全部符合", "yes")
    c.send("ECOG 2分")  # the oracle records nothing: the bot must not either until confirmed
    assert c.current.get("confirm")
    replies = c.send("不对")
    assert "未记录" in replies[0]["text"] and c.current and c.current["question"] == "ecog_score", c.dump()


@pytest.fixture
def checklist_conversation(chat_stack):
    c = talk_zh(chat_stack, "zh-dr-zheng")
    c.screen("icc-001", "请预筛患者 icc-001")
    for _ in range(6):
        if c.current and c.current["question"] == CHECKLIST:
            return c
        qid = c.current["question"]
        text, value = GOOD_ZH[qid]
        c.answer(text, value)
    raise AssertionError(f"the checklist was not asked:\n{c.dump()}")


def test_checklist_answered_at_once_in_chinese(checklist_conversation):
    c = checklist_conversation
    items = list(c.current["items"])
    assert len(items) >= 2
    asked = c.transcript[-1]
    assert "以上都没有" in asked and "结核病史" in asked, asked
    pending = c.current
    why = c.send("为什么问这个？")
    assert "病历只能证明发生过" in why[0]["text"], c.dump()
    c.current = pending
    c.answer("以上都没有", "none")
    recorded = {a["question_id"]: a["value"] for a in c.slots()["answers"]}
    assert all(recorded.get(i) == "no" for i in items), recorded


def test_facts_the_record_settled_are_named_once_and_in_chinese(chat_stack):
    """Ascites and encephalopathy told while the tumour question is pending: the record already
    settles Child-Pugh for icc-001, and the reply says so once, in Chinese."""
    c = talk_zh(chat_stack, "zh-dr-settled")
    c.screen("icc-001", "请预筛患者 icc-001")
    assert c.current["question"] == "tumour_checklist", c.dump()
    said = " ".join(m.get("text", "") for m in c.send("没有腹水，也没有肝性脑病"))
    understood = said[said.index("我理解的是") : said.index("）")]
    assert understood.count("已确定") == 1, said
    words = re.sub(r"icc-\d+|Child-Pugh|RECIST|[A-Z]{2,}\w*", "", said)
    assert not re.search(r"[A-Za-z]{3,}", words), said


def test_why_keeps_the_question_and_answers_in_chinese(chat_stack):
    c = talk_zh(chat_stack, "zh-dr-wu")
    c.screen("icc-007", "请预筛患者 icc-007")
    c.answer("全部符合", "yes")
    assert c.current["question"] == "ecog_score"
    pending = c.current
    why = c.send("为什么问这个?")
    assert question_why("ecog_score", "zh") in why[0]["text"], c.dump()
    assert "病历：" in why[0]["text"]  # the record's reason, in Chinese
    chinese(why)
    term = c.send("ECOG 是什么？")
    assert "ECOG 体能状态评分" in term[0]["text"], c.dump()
    c.current = pending  # the question is still pending: the next message answers it
    assert c.slots()["requested_slot"] == "ecog_score"
    c.answer("0分", 0)
    assert c.current is None or c.current["question"] != "ecog_score", c.dump()


def test_change_of_an_answer_in_chinese(chat_stack):
    c = talk_zh(chat_stack, "zh-dr-feng")
    c.screen("icc-001", "请预筛患者 icc-001")
    answer_all_zh(c)
    assert c.slots()["verdict"] == "potentially_eligible"
    replies = c.change("修改关于免疫治疗的回答", ["prior_checkpoint_inhibitor"])
    chinese(replies)
    assert "已清除关于" in replies[0]["text"], c.dump()
    assert c.current and c.current["question"] == "prior_checkpoint_inhibitor", c.dump()
    replies = c.answer("用过，2024年用过可瑞达")
    assert c.current.get("confirm") and "PD-1" in replies[-1]["text"], c.dump()
    end = c.answer("是", "yes")
    assert verdict_line(end) == "结论：不符合", c.dump()


def test_switch_of_language_mid_way(chat_stack):
    c = talk(chat_stack, "zh-dr-chen")  # starts in English
    opening = c.screen("icc-007", "pre-screen patient icc-007")
    assert "criteria settled from the record" in opening[0]["text"]
    c.answer("all apply", "yes")
    assert c.current["question"] == "ecog_score"
    c.lang = "zh"
    replies = c.send("中文")
    assert replies[0]["text"] == "好的，接下来我用中文回复。", c.dump()
    assert c.current and c.current["question"] == "ecog_score", c.dump()  # asked again, in Chinese
    assert c.slots()["language"] == "zh"
    c.answer("0分", 0)
    c.lang = "en"
    replies = c.send("English please")
    assert "English" in replies[0]["text"], c.dump()
    assert c.slots()["language"] == "en"
    end = answer_all_english(c)
    assert verdict_line(end) and verdict_line(end).startswith("Verdict: "), c.dump()


def answer_all_english(c: Conversation) -> list[dict]:
    from test_conversations import answer_all

    return answer_all(c)


def test_another_patient_in_chinese(chat_stack):
    c = talk_zh(chat_stack, "zh-dr-he")
    c.screen("icc-007", "请预筛患者 icc-007")
    assert c.current
    replies = c.send("请筛查患者 icc-001")
    text = replies[0]["text"]
    assert "icc-007" in text and "icc-001" in text and "要停止" in text, c.dump()
    c.pid, c.answers = "icc-001", []
    opening = c.send("是")
    assert any("患者 icc-001" in m.get("text", "") for m in opening), c.dump()
    end = answer_all_zh(c)
    assert verdict_line(end) == "结论：可能符合", c.dump()
    assert c.slots()["patient_id"] == "icc-001"


def test_unknown_patient_in_chinese(chat_stack):
    c = talk_zh(chat_stack, "zh-dr-jiang")
    replies = c.send("请预筛患者 998877")
    assert replies[0]["text"] == "找不到患者 998877。", c.dump()


def test_patient_in_chinese_from_the_invite(chat_stack):
    c = talk(chat_stack, "icc-012", role="patient", patient="icc-012", lang="zh", metadata={"lang": "zh"})
    c.pid = "icc-012"
    opening = c.send("start")  # the portal's first message; the invite said Chinese
    chinese(opening)
    assert "研究团队" in opening[0]["text"]
    for _ in range(20):
        if not c.current:
            break
        qid = c.current["question"]
        assert not c.current.get("confirm"), c.dump()
        q = vocab().question(qid)
        if qid == "ecog_activity":
            c.answer("能，和以前一样", "yes")
        elif q.type == "number":
            c.answer("72公斤" if qid == "weight_kg" else "60岁", 72 if qid == "weight_kg" else 60)
        elif qid == "prior_checkpoint_inhibitor":
            c.answer("没打过", "no")
        else:
            c.answer(*GOOD_ZH.get(qid, ("没有", "no")))
    last = c.transcript[-1]
    assert "结论：" in last and "研究团队" in last, c.dump()
    assert c.slots()["language"] == "zh"


def polite_zh(c: Conversation, pid: str) -> str | None:
    c.pid, c.answers = pid, []
    last = c.send(f"请预筛患者 {pid}")
    for _ in range(40):
        if not c.current:
            return c.slots()["verdict"]
        if c.current.get("confirm"):
            raise AssertionError(f"{pid}: a rule-out restated that the script did not mean\n{c.dump()}")
        qid = c.current["question"]
        reply = POLITE_ZH[qid]
        if qid in (CHECKLIST, *GROUPS):
            last = c.answer(reply, GROUP_VALUE[qid])
        else:
            q = vocab().question(qid)
            value = int(reply) if q.type == "number" else {"是": "yes", "否": "no", "无": "none"}[reply]
            last = c.answer(reply, value)
    raise AssertionError(f"{pid}: still asking after 40 turns\n{c.dump()}\n{last}")


@pytest.mark.parametrize("pid", PATIENTS)
def test_the_same_script_in_both_languages_gives_the_same_verdict(chat_stack, pid):
    english = talk(chat_stack, f"polite-en-{pid}")
    run_english(english, pid, messy=False)
    zh = talk_zh(chat_stack, f"polite-zh-{pid}")
    assert polite_zh(zh, pid) == english.slots()["verdict"], zh.dump()


def test_language_switch_words_in_both_directions(chat_stack):
    c = talk_zh(chat_stack, "zh-dr-lu")
    c.screen("icc-007", "请预筛患者 icc-007")
    for words, lang, said in (("用英文", "en", "I will continue in English."),
                              ("说中文", "zh", "好的，接下来我用中文回复。"),
                              ("English", "en", "I will continue in English."),
                              ("中文", "zh", "好的，接下来我用中文回复。")):  # fmt: skip
        c.lang = lang
        replies = c.send(words)
        assert replies[0]["text"] == said, c.dump()
        assert c.slots()["language"] == lang
        assert c.current and c.current["question"] == "tumour_checklist", c.dump()  # asked again
    end = answer_all_zh(c)
    assert verdict_line(end) and verdict_line(end).startswith("结论："), c.dump()
