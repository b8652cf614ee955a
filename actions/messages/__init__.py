"""The chat's own texts in English and Simplified Chinese (issue 12): one catalogue per
language (en.yaml, zh.yaml) under the same dotted keys, e.g. say("zh", "verdict.line", ...).
A Chinese text is whole in itself: nothing is assembled from English fragments."""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")


@lru_cache(maxsize=2)
def catalogue(lang: Lang) -> dict[str, Any]:
    if lang not in LANGS:
        raise ValueError(f"no message catalogue for language {lang!r}")
    text = resources.files("actions.messages").joinpath(f"{lang}.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def lookup(lang: Lang, key: str) -> Any:
    node: Any = catalogue(lang)
    for part in key.split("."):
        node = node[part]
    return node


def say(lang: Lang, key: str, **fields: Any) -> str:
    """The text under `key` in `lang`, its {fields} filled in."""
    return str(lookup(lang, key)).format(**fields)


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def flat_keys(node: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(node, dict):
        return {prefix.rstrip("."): node}
    out: dict[str, Any] = {}
    for k, v in node.items():
        out.update(flat_keys(v, f"{prefix}{k}."))
    return out
