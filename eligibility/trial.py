"""A trial definition loaded from its data files (criteria, value sets, questions)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as pkg_resources
from typing import Any

import yaml

from eligibility.codes import ValueSet, load_valuesets


@dataclass(frozen=True)
class Criterion:
    id: str
    kind: str
    evaluator: str
    params: dict[str, Any]
    ask: tuple[str, ...]


@dataclass(frozen=True)
class Trial:
    id: str
    title: str
    rules_version: str
    criteria: tuple[Criterion, ...]
    valuesets: dict[str, ValueSet]
    windows: dict[str, int]
    questions: tuple[dict[str, Any], ...]

    def criterion(self, cid: str) -> Criterion:
        return next(c for c in self.criteria if c.id == cid)


@lru_cache(maxsize=8)
def load_trial(trial_id: str = "NCT03951597") -> Trial:
    folder = pkg_resources.files("eligibility").joinpath("trials", trial_id)
    texts = {
        name: folder.joinpath(name).read_text("utf-8")
        for name in ("trial.yaml", "valuesets.yaml", "questions.yaml")
        if folder.joinpath(name).is_file()
    }
    spec = yaml.safe_load(texts["trial.yaml"])
    digest = hashlib.sha256("".join(texts[k] for k in sorted(texts)).encode()).hexdigest()[:12]
    criteria = tuple(
        Criterion(
            id=c["id"],
            kind=c["kind"],
            evaluator=c["evaluator"],
            params={k: v for k, v in c.items() if k not in ("id", "kind", "evaluator", "ask")},
            ask=tuple(c.get("ask", ())),
        )
        for c in spec["criteria"]
    )
    questions = yaml.safe_load(texts.get("questions.yaml", "questions: []"))["questions"]
    return Trial(
        id=spec["trial"],
        title=spec["title"],
        # The data's digest is part of the version: edited rules never pass for old ones.
        rules_version=f"{spec['trial']}-{spec['rules_version']}+{digest}",
        criteria=criteria,
        valuesets=load_valuesets(yaml.safe_load(texts["valuesets.yaml"])),
        windows=spec["windows"],
        questions=tuple(questions or ()),
    )
