"""The language of a conversation, and the words of the trial's questions in that language.

A conversation's language follows the user (issue 12):
- held in the `language` slot once known (set when a screening starts, by "中文" / "English");
- for a portal conversation, set by the invite: a `lang` claim of the patient token, or a
  `lang` field in the message metadata, both passed by the channel (bot/rasa_channel.py) under
  common.wire.METADATA_KEY;
- until then, detected from the message being answered (actions.understand_zh.detect_language):
  a greeting before the first screening request does not fix the language, the request does.

The question texts and their "why" come from questions.yaml (English) and questions.zh.yaml
(Chinese, same ids and audiences): never assembled from English fragments.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker

from actions.understand_zh.language import detect_language
from actions.vocab import vocab
from common.wire import METADATA_KEY

SUPPORTED = ("en", "zh")
DEFAULT = "en"
SLOT = "language"  # = actions.screening.LANGUAGE (not imported: screening imports this module)
TRIAL_DIR = Path(__file__).resolve().parent.parent / "eligibility" / "trials" / "NCT03951597"


def claimed(tracker: Tracker) -> str | None:
    """The language the channel passed with the latest message (token claim or metadata)."""
    meta = (tracker.latest_message or {}).get("metadata") or {}
    info = meta.get(METADATA_KEY) if isinstance(meta, dict) else None
    lang = info.get("lang") if isinstance(info, dict) else None
    return lang if lang in SUPPORTED else None


def conversation_lang(tracker: Tracker) -> str:
    """The slot if set; else the invite's language; else the latest message's."""
    held = tracker.get_slot(SLOT)
    if held in SUPPORTED:
        return str(held)
    return claimed(tracker) or detect_language(str((tracker.latest_message or {}).get("text") or ""))


@lru_cache(maxsize=1)
def _zh_questions() -> dict[str, Any]:
    raw = yaml.safe_load((TRIAL_DIR / "questions.zh.yaml").read_text(encoding="utf-8"))
    return dict(raw["questions"])


def question_text(qid: str, audience: str, lang: str) -> str | None:
    """The question's words for this audience in `lang`; None for English (questions.yaml's own)."""
    if lang != "zh":
        return None
    texts = _zh_questions().get(qid, {}).get("text", {})
    return texts.get(audience) or texts.get("clinician")


def question_why(qid: str, lang: str) -> str | None:
    """Why the question is asked, in `lang`: questions.zh.yaml's, else questions.yaml's own."""
    if lang != "zh":
        q = vocab().questions.get(qid)
        return q.why if q is not None else None
    return _zh_questions().get(qid, {}).get("why")


def choice_word(qid: str, choice: str, lang: str) -> str:
    """A choice question's answer in `lang` (questions.zh.yaml `choices`), else the catalogue's
    value word."""
    if lang == "zh":
        named = _zh_questions().get(qid, {}).get("choices", {})
        if choice in named:
            return str(named[choice])
    return value_word(choice, lang)


def value_word(value: Any, lang: str) -> str:
    """An answer value in words of `lang` (catalogue `values`): yes -> 是, moderate_severe -> 中重度."""
    from actions.messages import text

    words = text("values", lang)
    if isinstance(value, bool):
        value = "yes" if value else "no"
    key = str(value)
    if key in words:
        return str(words[key])
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return key.replace("_", " ")


def criterion_label(cid: str, lang: str) -> str:
    """A criterion's short name in `lang` (catalogue `labels`)."""
    from actions.messages import text

    labels = text("labels", lang)
    return str(labels.get(cid, cid.replace("_", " ")))


def sentences(lang: str, *parts: str) -> str:
    """Sentences one after another: a space between English ones, none between Chinese ones."""
    return ("" if lang == "zh" else " ").join(p for p in parts if p)
