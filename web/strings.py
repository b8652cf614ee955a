"""The pages' own words, from a small catalogue (strings/en.yaml, strings/zh.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).with_name("strings")
LANGS = ("en", "zh")
DEFAULT_LANG = "en"


def pick_lang(value: str | None) -> str:
    """A supported language code; anything else falls back to English."""
    return value if value in LANGS else DEFAULT_LANG


@cache
def catalogue(lang: str) -> dict[str, Any]:
    return yaml.safe_load((FOLDER / f"{pick_lang(lang)}.yaml").read_text("utf-8"))


def portal(lang: str) -> dict[str, str]:
    return dict(catalogue(lang)["portal"])


def queue(lang: str) -> dict[str, str]:
    return dict(catalogue(lang)["queue"])


def clinician(lang: str) -> dict[str, str]:
    return dict(catalogue(lang)["clinician"])


def help_text(lang: str, question: str | None) -> str:
    """What a patient question means, in plain words; a general line for any question
    the catalogue does not know yet (a new question in the trial data)."""
    cat = catalogue(lang)
    return cat["help"].get(question or "", cat["portal"]["help_generic"])
