"""A trial definition loaded from its data files (criteria, value sets, questions)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
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
class Question:
    """One question of the trial's question list (questions.yaml), parsed once at load.

    `decides` maps an answer to pass | fail | unknown, or to {"ask": follow-up id}; "*" is any
    other answer. `input` questions are read by an evaluator itself (weight, ascites, age)."""

    id: str
    criterion: str
    audience: tuple[str, ...]
    type: str = "yes_no"  # yes_no | choice | number
    text: dict[str, str] = field(default_factory=dict)  # audience -> wording
    decides: dict[str, Any] = field(default_factory=dict)
    choices: tuple[str, ...] = ()
    range: tuple[float, float] = (0, 10_000)
    input: bool = False
    follow_up: bool = False
    priority: int = 100
    why: str = ""

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Question:
        low, high = raw.get("range", (0, 10_000))
        return cls(
            id=str(raw["id"]),
            criterion=str(raw["criterion"]),
            audience=tuple(raw.get("audience", ())),
            type=str(raw.get("type", "yes_no")),
            text={str(k): str(v) for k, v in (raw.get("text") or {}).items()},
            decides={str(k): v for k, v in (raw.get("decides") or {}).items()},
            choices=tuple(raw.get("choices", ())),
            range=(low, high),
            input=bool(raw.get("input", False)),
            follow_up=bool(raw.get("follow_up", False)),
            priority=int(raw.get("priority", 100)),
            why=str(raw.get("why") or ""),
        )

    def wording(self, audience: str) -> str:
        return self.text.get(audience) or self.text.get("clinician", "")


@dataclass(frozen=True)
class Trial:
    id: str
    title: str
    rules_version: str
    criteria: tuple[Criterion, ...]
    valuesets: dict[str, ValueSet]
    windows: dict[str, int]
    questions: tuple[Question, ...]

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
        questions=tuple(Question.from_dict(q) for q in questions or ()),
    )
