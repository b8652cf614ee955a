"""Which language a message is in, and whether it asks to switch language."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Lang = Literal["zh", "en"]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[a-z]{2,}")
# Clinical abbreviations are written in Latin letters in Chinese messages too ("ECOG 0，没有腹水").
ABBREVIATIONS = {
    "ecog", "ps", "hiv", "tb", "pd", "ici", "icc", "hcc", "kg", "mg", "ct", "mri", "ok", "he",
    "child", "pugh", "recist", "alt", "ast", "inr", "mrn", "copd", "ild", "sle",
}  # fmt: skip

_ZH_NAMES = r"(?:中文|汉语|華語|华语|普通话|简体中文|简体|chinese|mandarin|zh)"
_EN_NAMES = r"(?:英文|英语|english|en)"
_POLITE = (
    r"(?:请|麻烦|能|可以|可不可以|能不能|我要|我想|帮我|please|pls|can you|could you|let's|lets|i want|"
    r"switch|change|reply|answer|speak|talk|use|in|to|into|"
    r"切换|切換|换成|改成|改用|换到|切到|转成|用|说|讲|回答|回复|交流|"
    r"模式|版|版本|吗|吧|呢|啊|好吗|可以吗|行吗|谢谢|"
    r"thanks|thank you|the|language|语言|\s|[,.!?，。！？、:：])*"
)
_SWITCH_ZH = re.compile(rf"^{_POLITE}{_ZH_NAMES}{_POLITE}$")
_SWITCH_EN = re.compile(rf"^{_POLITE}{_EN_NAMES}{_POLITE}$")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower().strip()


def detect_language(text: str) -> Lang:
    """'zh' when Chinese characters carry the message, else 'en'. Latin clinical
    abbreviations and drug names inside a Chinese message do not make it English."""
    t = _norm(text)
    cjk = len(CJK.findall(t))
    if not cjk:
        return "en"
    words = [w for w in LATIN_WORD.findall(t) if w not in ABBREVIATIONS]
    # A Chinese character carries about as much as an English word; a few Chinese
    # characters in an English sentence (a drug brand) leave it English.
    return "zh" if cjk >= 2 * len(words) or cjk >= 4 and cjk >= len(words) else "en"


# A request inside a longer message: "看不懂英文，请用中文", "can we do this in chinese".
_ASK_ZH = re.compile(
    r"(?:用|说|讲|换成|改成|切换到|切换成|切到|换到|转成|转到)\s*(?:中文|汉语|普通话|简体中文)|中文(?:回复|回答|交流)"
    r"|\b(?:in|to|into|speak|use)\s+(?:chinese|mandarin)\b"
)
_ASK_EN = re.compile(
    r"(?:用|说|讲|换成|改成|切换到|切换成|切到|换到|转成|转到)\s*(?:英文|英语)|英文(?:回复|回答|交流)"
    r"|\b(?:in|to|into|speak|use)\s+english\b|\benglish\s+please\b"
)


def language_switch(text: str) -> Lang | None:
    """'zh' / 'en' when the whole message asks for that language ("中文", "说中文",
    "English please", "用英文"), else None. A sentence that merely mentions a language
    ("英文报告看不懂") is not a request."""
    t = _norm(text)
    if not t or len(t) > 60:
        return None
    if _SWITCH_ZH.match(t):
        return "zh"
    if _SWITCH_EN.match(t):
        return "en"
    zh, en = bool(_ASK_ZH.search(t)), bool(_ASK_EN.search(t))
    if zh != en:
        return "zh" if zh else "en"
    return None
