"""Understanding Simplified Chinese messages (issue 12): answers with their words and
negations, the language of a message, and requests to switch language.

    extract(text, pending, audience, as_of) -> list[Finding]
    detect_language(text) -> "zh" | "en"
    language_switch(text) -> "zh" | "en" | None
"""

from actions.understand_zh.extract import extract
from actions.understand_zh.finding import Finding
from actions.understand_zh.language import detect_language, language_switch
from actions.understand_zh.lexicon import terms_in, topics_in
from actions.understand_zh.numbers import parse_number
from actions.understand_zh.replies import bare
from actions.understand_zh.timewords import TimeSpan, find_times, within

__all__ = [
    "Finding",
    "bare",
    "TimeSpan",
    "detect_language",
    "extract",
    "find_times",
    "language_switch",
    "parse_number",
    "terms_in",
    "topics_in",
    "within",
]
