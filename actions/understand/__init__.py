"""Answer extraction: what a message says about the screening questions, for every topic it names.

    extract(text, lang, pending, audience, as_of) -> list[Finding]

A Finding is one (question id, value) the message states, with the words it came from (the
evidence recorded with the answer) and whether a negation scoped over those words. Each
language plugs in as a module with `extract(text, pending, audience, as_of)`: English is
`actions.understand.english`; another language adds its module to LANGUAGES. The dialogue
(actions/policy.py) decides what to record; this stage only reads.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Finding:
    question_id: str
    value: Any  # the answer value the rules engine reads ("yes", "no", "not_sure", 1, 72.0, "mild")
    words: str  # the span of the message it came from (evidence)
    negated: bool = False  # a negation scoped over `words` gave the value


Extractor = Callable[[str, "str | None", str, date], list[Finding]]

# language -> module exposing extract(text, pending, audience, as_of)
LANGUAGES: dict[str, str] = {
    "en": "actions.understand.english",
    "zh": "actions.understand_zh",
}


def reading(text: str, lang: str) -> str:
    """The language to read a message in: the one it is written in ("ECOG 0" in a Chinese
    conversation is read as English, "没有" in an English one as Chinese), else the
    conversation's. What the assistant says stays in the conversation's language."""
    from actions.understand_zh.language import detect_language

    written = detect_language(text)
    return written if written in LANGUAGES else lang


def _module(lang: str) -> Any:
    try:
        return importlib.import_module(LANGUAGES.get(lang, LANGUAGES["en"]))
    except ModuleNotFoundError:  # a language not (yet) installed reads as English
        return importlib.import_module(LANGUAGES["en"])


def extractor(lang: str) -> Extractor:
    return _module(lang).extract


def looks_like(intent: str, text: str, lang: str) -> bool:
    """Whether the message has the shape of the command the NLU took it for (a language
    without such a check trusts the NLU)."""
    fn = getattr(_module(reading(text, lang)), "looks_like", None)
    return fn(intent, text) if fn else True


def bare(text: str, lang: str) -> str | None:
    """yes | no | not_sure when the message opens with a bare reply word ("no, ..."), else None."""
    fn = getattr(_module(reading(text, lang)), "bare", None)
    return fn(text) if fn else None


def extract(text: str, lang: str, pending: str | None, audience: str, as_of: date) -> list[Finding]:
    """Every (question, value) the message states; `pending` is the question being asked (a bare
    yes / no / number answers it), or None."""
    if not text or not text.strip():
        return []
    return extractor(reading(text, lang))(text, pending, audience, as_of)
