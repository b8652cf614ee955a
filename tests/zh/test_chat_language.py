"""The chat's language plumbing without Rasa: which language a conversation is in (slot, the
invite's claim or metadata, the first message), the Chinese screens made only of Chinese
catalogue words, and every Chinese button read back as the answer it stands for."""

from __future__ import annotations

import asyncio
import os
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from rasa_sdk import Tracker

from actions import policy, render
from actions.language import conversation_lang
from actions.messages import text
from actions.screening import GROUPS, Screening
from actions.understand import Finding, bare, extract
from actions.vocab import CHECKLIST, vocab
from common.wire import METADATA_KEY, requested_language

AS_OF = date(2026, 11, 24)
REPO = Path(__file__).resolve().parents[2]
# English words a Chinese screen may carry: ids, trial and clinical abbreviations, references.
ALLOWED = re.compile(
    r"icc-\d+|NCT\d+|ECOG|Child-Pugh|RECIST|PD-L?1|CTLA-4|HIV|TSH|ALT|AST|HBV|HCV|DNA|RNA|ULN|INR|"
    r"cHCC-CCA|Gemox|MRI|ICD|ICC|JS001|Cockcroft-Gault|mL/min|mmHg|mg|kg|Observation/[\w.-]+|Condition/[\w.-]+|MedicationAdministration/[\w.-]+|"
    r"[A-Z]\d{2}[A-Z]{2}\d{2}|[\w-]+/[\w.-]+-\d+[\w.-]*",
)


def tracker(
    slot: str | None = None, texts: tuple[str, ...] = ("hello",), meta: dict | None = None
) -> Tracker:
    events = [{"event": "user", "text": t} for t in texts]
    latest = {"text": texts[-1], "metadata": {METADATA_KEY: {"role": "clinician", **(meta or {})}}}
    return Tracker("u", {"language": slot}, latest, events, False, None, {}, "action_listen")


def test_language_follows_the_message_until_held_in_the_slot():
    assert conversation_lang(tracker(texts=("请预筛患者 123",))) == "zh"
    assert conversation_lang(tracker(texts=("ECOG 0，没有腹水",))) == "zh"
    assert conversation_lang(tracker(texts=("hello", "请预筛患者 123"))) == "zh"  # the request decides
    assert conversation_lang(tracker(texts=("pre-screen patient 123 (he had 可瑞达)",))) == "en"
    assert conversation_lang(tracker("en", texts=("请预筛患者 123",))) == "en"  # held: "English" said
    assert conversation_lang(tracker("zh", texts=("yes",))) == "zh"


def test_the_invite_sets_the_language():
    assert conversation_lang(tracker(texts=("start",), meta={"lang": "zh"})) == "zh"
    assert conversation_lang(tracker(texts=("start",), meta={"lang": "fr"})) == "en"
    claims = SimpleNamespace(sub="p", role="patient", patient="icc-001", lang="zh")
    assert requested_language({"message": "start"}, claims) == "zh"
    plain = SimpleNamespace(sub="p", role="patient", patient="icc-001")
    assert requested_language({"message": "start", "metadata": {"lang": "zh"}}, plain) == "zh"
    assert requested_language({"message": "start", "metadata": {"lang": "<script>"}}, plain) is None
    assert requested_language({"message": "start", "metadata": "zh"}, plain) is None


@pytest.fixture(scope="module", autouse=True)
def cohort():
    """The actions read the synthetic cohort's folder, as of its date."""
    from actions.records import RECORDS
    from fhir_ingest.sources import DirSource

    saved = os.environ.get("PRESCREEN_AS_OF")
    os.environ["PRESCREEN_AS_OF"] = AS_OF.isoformat()
    RECORDS.set_source(DirSource(REPO / "data" / "synthetic" / "bundles"))
    yield
    RECORDS.set_source(None)
    if saved is None:
        os.environ.pop("PRESCREEN_AS_OF", None)
    else:
        os.environ["PRESCREEN_AS_OF"] = saved


def english_left(said: str) -> list[str]:
    return re.findall(r"[A-Za-z]{3,}", ALLOWED.sub("", said))


@pytest.mark.parametrize("pid", ["icc-001", "icc-006", "icc-007", "icc-013"])
@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_chinese_screens_have_no_english_words(pid, audience):
    s = Screening(pid, audience, lang="zh")
    asyncio.run(s.load())
    record = s.report(with_answers=False)
    plan = s.plan(s.report())
    said = [render.opening(record, s, len(plan)), render.finish(s.report(), s, 2)]
    said.append(render.summary(s.report(), s, len(plan), record))
    for qid in plan:
        items = s.members(qid, s.report()) if qid in (CHECKLIST, *GROUPS) else []
        said.append(render.question(qid, s, items, "zh"))
        said.append(render.why(qid, s.report(), s, "zh"))
    for line in said:
        assert not english_left(line), line
    assert any(line.startswith("结论：") or "\n结论：" in line for line in said)


def test_restatements_and_noted_lines_restate_values_in_chinese():
    assert (
        policy.restate(Finding("ascites", "moderate_severe", "大量腹水"), "zh") == "也就是说，有中到大量腹水"
    )
    assert (
        policy.restate(Finding("encephalopathy", "grade_3_4", "x"), "zh") == "也就是说，有肝性脑病（3-4 级）"
    )
    line = policy.noted([Finding("ascites", "none", "x"), Finding("tb_ever", "no", "x")], "zh")
    assert line == "腹水：无；结核病史：否"


def test_every_chinese_button_is_read_back_as_its_answer():
    """A button sends its label: the extractor (or the bare-reply reader) must take it as the
    value the button stands for, for every question that offers it."""
    choices = text("choices", "zh")
    meaning = {"是": "yes", "否": "no", "不确定": "not_sure"}
    for qid, q in vocab().questions.items():
        audience = q.audience[0]
        if q.type == "yes_no":
            for label in choices["yes_no"]:
                got = {f.value for f in extract(label, "zh", qid, audience, AS_OF) if f.question_id == qid}
                assert got == {meaning[label]} or bare(label, "zh") == meaning[label], (qid, label, got)
        elif q.type == "choice":
            table = choices[qid]
            values = ["none", *[c for c in q.choices if c != "none"], "not_sure"]
            for label, value in zip(table, values, strict=True):
                got = {f.value for f in extract(label, "zh", qid, audience, AS_OF) if f.question_id == qid}
                assert got == {value}, (qid, label, got)
    for label in choices["confirm"]:
        assert bare(label, "zh") == meaning[label]
    assert bare(choices["history_checklist"][0], "zh") == "no"  # 以上都没有
    assert bare(choices["tumour_checklist"][0], "zh") == "yes"  # 全部符合
    assert bare(choices["liver_status"][0], "zh") == "no"  # 都没有
    assert all(bare(table[-1], "zh") == "not_sure" for table in choices.values() if "不确定" in table)


def test_a_bare_reply_word_must_stand_alone():
    assert bare("没有，2019年治疗过", "zh") == "no"
    assert bare("是的，不可切除", "zh") == "yes"
    assert bare("无腹水", "zh") is None  # the word runs into a topic: an answer, not a bare reply
    assert bare("不可切除", "zh") is None


def test_each_message_is_read_in_the_language_it_is_written_in():
    """Texts follow the conversation's language; answers are read in the message's own."""
    got = {(f.question_id, f.value) for f in extract("没有腹水", "en", None, "clinician", AS_OF)}
    assert got == {("ascites", "none")}
    got = {(f.question_id, f.value) for f in extract("no ascites, ECOG 0", "zh", None, "clinician", AS_OF)}
    assert got == {("ascites", "none"), ("ecog_score", 0)}
    assert bare("没有", "en") == "no" and bare("nope", "zh") == "no"


def test_terms_are_explained_in_chinese():
    from actions.understand_zh import terms_in

    assert terms_in("ECOG 是什么？") == ["ecog"]
    assert terms_in("什么叫正常值上限") == ["uln"]
    assert set(terms_in("肝功能分级和靶病灶是什么意思")) == {"child_pugh", "recist"}
    for key in vocab().glossary:
        said = render.explain(key, "zh")
        assert not english_left(said), said
