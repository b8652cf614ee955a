"""The Chinese NLU data: at least 40 examples per intent of the held-out label set, only the
agreed entity types, and a jieba dictionary and pipeline that Rasa can load."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
INTENTS = {
    "screen_patient", "affirm", "deny", "not_sure", "inform", "none_of_these", "ask_why", "explain_term",
    "help", "change_answer", "summary", "start_over", "screen_another", "go_on", "stop", "switch_language",
    "greet", "goodbye", "thanks", "out_of_scope",
}  # fmt: skip
ENTITY = re.compile(r"\[([^\]]+)\](?:\((\w+)\)|\{\"entity\": \"(\w+)\"[^}]*\})")
CJK = re.compile(r"[\u4e00-\u9fff]")


def examples() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted((REPO / "data" / "nlu_zh").glob("*.yml")):
        for block in yaml.safe_load(path.read_text("utf-8"))["nlu"]:
            if "intent" in block:
                lines = [x.strip()[2:] for x in block["examples"].splitlines() if x.strip().startswith("- ")]
                out.setdefault(block["intent"], []).extend(lines)
    return out


def test_at_least_40_chinese_examples_for_every_intent():
    ex = examples()
    assert set(ex) == INTENTS
    for intent, lines in ex.items():
        chinese = [x for x in lines if CJK.search(x)]
        assert len(chinese) >= 40, (intent, len(chinese))
        assert len(set(lines)) == len(lines), intent  # no duplicates


def test_entities_are_the_agreed_types_and_annotated():
    types = Counter()
    for lines in examples().values():
        for line in lines:
            for m in ENTITY.finditer(line):
                types[m.group(2) or m.group(3)] += 1
    assert set(types) <= {"patient_id", "drug", "number"}
    assert min(types[t] for t in ("patient_id", "drug", "number")) >= 10, types


def test_jieba_dictionary_lines_are_word_frequency_tag():
    lines = (REPO / "data" / "jieba" / "medical.txt").read_text("utf-8").splitlines()
    assert len(lines) >= 50
    for line in lines:
        word, freq, tag = line.split(" ")
        assert word and freq.isdigit() and tag


def test_the_chat_config_segments_with_the_medical_dictionary():
    config = yaml.safe_load((REPO / "config.yml").read_text("utf-8"))
    assert config["language"] == "zh"
    tokenizer = config["pipeline"][0]
    assert tokenizer["name"] == "JiebaTokenizer"
    assert (REPO / tokenizer["dictionary_path"] / "medical.txt").is_file()
    names = {c["name"]: c for c in config["pipeline"]}
    assert names["LogisticRegressionClassifier"].get("random_state")  # reproducible
