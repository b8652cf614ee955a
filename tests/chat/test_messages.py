"""The message catalogue: every key the actions say exists, with the placeholders they fill;
every rule-out an answer can cause has a plain-words restatement."""

from __future__ import annotations

import re
from pathlib import Path

from actions.messages import say, text
from actions.policy import restate
from actions.understand import Finding
from actions.vocab import vocab

ACTIONS = Path(__file__).resolve().parents[2] / "actions"


def test_every_key_said_is_in_the_english_catalogue():
    keys = set()
    for path in ACTIONS.rglob("*.py"):
        keys |= set(re.findall(r"""\bsay\(\s*["']([a-z_.]+)["']""", path.read_text()))
    assert keys, "no say() calls found"
    for key in keys:
        entry = text(key, "en")
        if isinstance(entry, dict):  # plural forms, chosen by the count
            assert set(entry) == {"one", "other"} and all(isinstance(t, str) for t in entry.values()), key
        else:
            assert isinstance(entry, str), key


def test_plural_forms_follow_the_count():
    assert say("render.to_go", "en", n=1) == "1 question to go, likely rule-outs first."
    assert say("render.to_go", "en", n=3) == "3 questions to go, likely rule-outs first."
    assert "the 1 remaining question anyway" in say("render.go_on_offer", "en", n=1)
    assert "the 2 remaining questions anyway" in say("render.go_on_offer", "en", n=2)
    assert say("render.to_go", "zh", n=1) == "还有 1 个问题，先问最可能导致排除的。"


def test_a_missing_language_falls_back_to_english():
    assert say("cannot_find", "xx", patient="123") == "I can't find patient 123."


def test_every_failing_answer_is_restated_in_plain_words():
    v = vocab()
    for q in v.questions.values():
        for value, outcome in q.decides.items():
            if outcome == "fail" and value != "*":
                line = restate(Finding(q.id, value, ""), "en")
                assert line.startswith("So ") and "_" not in line and " = " not in line, (q.id, line)
