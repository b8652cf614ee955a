"""The Chinese texts are complete and fit their English twins: every question worded for
every audience it is asked of, every chat text in both languages with the same fields."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from actions.messages import catalogue, say

FIELD = re.compile(r"\{(\w+)\}")


def flat_keys(node: object, prefix: str = "") -> dict[str, object]:
    """Every leaf of a catalogue by its dotted key (lists are leaves)."""
    if not isinstance(node, dict):
        return {prefix: node}
    out: dict[str, object] = {}
    for k, v in node.items():
        out.update(flat_keys(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def fields_of(text: str) -> set[str]:
    return set(FIELD.findall(text))


TRIAL = Path(__file__).resolve().parents[2] / "eligibility" / "trials" / "NCT03951597"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_question_has_chinese_wording_for_each_audience_and_a_why():
    en = {q["id"]: q for q in yaml.safe_load((TRIAL / "questions.yaml").read_text("utf-8"))["questions"]}
    zh = yaml.safe_load((TRIAL / "questions.zh.yaml").read_text("utf-8"))["questions"]
    assert set(zh) == set(en)
    for qid, q in en.items():
        assert set(zh[qid]["text"]) == set(q["audience"]), qid
        for text in zh[qid]["text"].values():
            assert CJK.search(text), qid
        assert bool(zh[qid].get("why")) == bool(q.get("why")), qid
        if q["type"] == "choice":
            assert set(zh[qid]["choices"]) == set(q["choices"]), qid


def test_clinical_terms_as_chinese_clinicians_write_them():
    text = (TRIAL / "questions.zh.yaml").read_text("utf-8") + str(catalogue("zh"))
    for term in ("肝内胆管细胞癌", "不可切除", "腹水", "肝性脑病", "结核", "铂类", "PD-1", "特瑞普利单抗",
                 "ECOG 评分", "Child-Pugh"):  # fmt: skip
        assert term in text, term


def test_both_catalogues_have_the_same_keys_and_fields():
    en, zh = flat_keys(catalogue("en")), flat_keys(catalogue("zh"))
    assert en.keys() == zh.keys()
    for key in en:
        if isinstance(en[key], str):
            assert fields_of(en[key]) == fields_of(str(zh[key])), key


def test_chinese_texts_are_chinese():
    zh = flat_keys(catalogue("zh"))
    # words left once the {fields} are taken out: none may be English
    english_only = [
        k
        for k, v in zh.items()
        if isinstance(v, str) and re.search(r"[a-z]{4,}", FIELD.sub("", v)) and not CJK.search(v)
    ]
    # lab and acronym labels (TSH, ALT/AST, HBV DNA / HCV RNA) are written the same in Chinese
    assert all(k.startswith("labels.") for k in english_only), english_only
    lists = [k for k, v in zh.items() if isinstance(v, list) and any(not CJK.search(str(x)) for x in v)]
    assert lists == [], lists  # every button label is Chinese


def test_verdict_line_of_the_contract():
    for verdict, word in (("potentially_eligible", "可能符合"), ("ineligible", "不符合"),
                          ("needs_information", "需补充信息")):  # fmt: skip
        line = say("render.verdict_line", "zh", verdict=say(f"render.verdict_words.{verdict}", "zh"))
        assert line == f"结论：{word}"
    line = say("render.verdict_line", "en", verdict=say("render.verdict_words.ineligible", "en"))
    assert line == "Verdict: ineligible"


def test_english_catalogue_holds_the_reports_verdict_words():
    from eligibility.report import VERDICT_WORDS

    for verdict, words in VERDICT_WORDS.items():
        assert say(f"render.verdict_words.{verdict}", "en") == words
