"""The language of a message, and a request to switch language."""

from __future__ import annotations

import pytest

from actions.understand_zh import detect_language, language_switch


@pytest.mark.parametrize(
    "text, lang",
    [
        ("请筛查患者 123", "zh"),
        ("是的", "zh"),
        ("ECOG 0，没有腹水", "zh"),
        ("用过keytruda", "zh"),
        ("pre-screen patient 123", "en"),
        ("no ascites, ECOG 1", "en"),
        ("he had 拓益 at another hospital last year", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    "text, lang",
    [
        ("中文", "zh"),
        ("说中文", "zh"),
        ("请用中文回答", "zh"),
        ("切换到中文吧", "zh"),
        ("could you answer in Chinese please", "zh"),
        ("English", "en"),
        ("用英文", "en"),
        ("English please", "en"),
        ("switch to English", "en"),
        ("我同事看不懂中文，换成英文", "en"),
    ],
)
def test_language_switch_requests(text, lang):
    assert language_switch(text) == lang


@pytest.mark.parametrize(
    "text",
    ["英文报告我看过了，没有腹水", "她是英国人", "no", "没有", "patient 123 is Chinese", "中文名叫什么"],
)
def test_mentions_of_a_language_are_not_requests(text):
    assert language_switch(text) is None
