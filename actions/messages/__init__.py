"""What the assistant says, by key and language: one catalogue per language (en.yaml, ...).

    say("cannot_find", "en", patient="123") -> "I can't find patient 123."

A key missing from a language's catalogue falls back to English, so a new language can be
added one text at a time. Slots and answers stay language-neutral; only these texts change.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).parent
DEFAULT = "en"


@lru_cache(maxsize=8)
def catalogue(lang: str) -> dict[str, Any]:
    path = FOLDER / f"{lang}.yaml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def text(key: str, lang: str = DEFAULT) -> Any:
    """The raw entry (a string, or a nested mapping such as `restate`), falling back to English."""
    node: Any = catalogue(lang)
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None and lang != DEFAULT:
        return text(key, DEFAULT)
    if node is None:
        raise KeyError(f"no message {key!r}")
    return node


def say(key: str, lang: str = DEFAULT, **kw: Any) -> str:
    """The text with its {fields} filled in, white space folded. An entry with plural forms
    ({one: ..., other: ...}) is chosen by the count `n`."""
    entry = text(key, lang)
    if isinstance(entry, dict) and "other" in entry:
        entry = entry["one" if kw.get("n") == 1 else "other"]
    words = " ".join(str(entry).split())
    return words.format(**kw) if kw else words
