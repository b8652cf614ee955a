"""The extractor's words (lexicon.yaml) joined with the trial's own data: drug names from the
value sets, question types and audiences from questions.yaml, windows from trial.yaml."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from eligibility.trial import load_trial

# Value sets whose drug names answer a question when named (the drug's class decides).
DRUG_CLASSES = ("checkpoint_inhibitor", "platinum", "systemic_steroid", "immunosuppressant", "anticoagulant")
DRUG_QUESTION = {
    "checkpoint_inhibitor": "prior_checkpoint_inhibitor",
    "immunosuppressant": "immunosuppression",
    "systemic_steroid": "immunosuppression",
    "anticoagulant": "coagulation",
    "platinum": "platinum_allergy",
}
LATIN = re.compile(r"[a-z]")


@dataclass(frozen=True)
class Entry:
    """What a phrase means when it appears: a topic mention or a drug of a class."""

    qid: str
    value: str = "yes"
    fixed: bool = False
    drug_class: str | None = None


@dataclass
class Lexicon:
    replies: dict[str, list[str]]
    hedges: list[str]
    negation: list[str]
    post_negation: list[str]
    post_positive: list[str]
    connectors: list[str]
    not_negation: list[str]
    not_after: dict[str, list[str]]
    phrases: dict[str, Entry]
    ascites_grades: dict[str, list[str]]
    encephalopathy_grades: dict[str, list[str]]
    tb_fully_treated: dict[str, list[str]]
    tb_still_active: dict[str, list[str]]
    questions: dict[str, dict[str, Any]]
    windows: dict[str, int]
    steroid_equivalents: dict[str, float] = field(default_factory=dict)
    max_prednisone_mg: float = 10.0
    longest: int = 1

    def audience_of(self, qid: str) -> tuple[str, ...]:
        return tuple(self.questions.get(qid, {}).get("audience", ()))

    def qtype(self, qid: str) -> str:
        return str(self.questions.get(qid, {}).get("type", "yes_no"))


def _lower(words: list[Any]) -> list[str]:
    return [str(w).lower() for w in words]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    raw = yaml.safe_load(resources.files("actions.understand_zh").joinpath("lexicon.yaml").read_text("utf-8"))
    trial = load_trial()
    phrases: dict[str, Entry] = {}
    for qid, groups in raw["topics"].items():
        for g in groups:
            entry = Entry(qid=qid, value=str(g.get("value", "yes")), fixed=bool(g.get("fixed", False)))
            for w in _lower(g["words"]):
                phrases.setdefault(w, entry)
    for cls in DRUG_CLASSES:
        names = list(trial.valuesets[cls].names) + list(raw["drugs"].get(cls, []))
        for name in _lower(names):
            # "铂" alone is too short to be a drug name in free text.
            if len(name) < 2:
                continue
            phrases.setdefault(name, Entry(qid=DRUG_QUESTION[cls], drug_class=cls))
    immuno = trial.criterion("immunosuppression").params
    return Lexicon(
        replies={k: _lower(v) for k, v in raw["replies"].items()},
        hedges=_lower(raw["hedges"]),
        negation=sorted(_lower(raw["negation"]), key=len, reverse=True),
        post_negation=sorted(_lower(raw["post_negation"]), key=len, reverse=True),
        post_positive=sorted(_lower(raw["post_positive"]), key=len, reverse=True),
        connectors=_lower(raw["connectors"]),
        not_negation=_lower(raw["not_negation"]),
        not_after={k: _lower(v) for k, v in raw.get("not_after", {}).items()},
        phrases=phrases,
        ascites_grades={
            k: sorted(_lower(v), key=len, reverse=True) for k, v in raw["ascites_grades"].items()
        },
        encephalopathy_grades={
            k: sorted(_lower(v), key=len, reverse=True) for k, v in raw["encephalopathy_grades"].items()
        },
        tb_fully_treated={k: _lower(v) for k, v in raw["tb_fully_treated"].items()},
        tb_still_active={k: _lower(v) for k, v in raw["tb_still_active"].items()},
        # plain dicts: the trial's Question dataclasses as the extractor reads them
        questions={q.id: dataclasses.asdict(q) for q in trial.questions},
        windows=dict(trial.windows),
        steroid_equivalents={str(k).lower(): float(v) for k, v in (immuno.get("equivalents") or {}).items()},
        max_prednisone_mg=float(immuno.get("max_prednisone_mg", 10)),
        longest=max(len(p) for p in phrases),
    )


def topics_in(text: str) -> list[str]:
    """The questions a message names, in order ("修改关于结核的回答" -> ["tb_ever"]): each lexicon
    phrase found, longest first, no overlaps. For naming a topic (change my answer about ...),
    not for reading an answer: a value needs extract()."""
    t = text.lower()
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    for phrase in sorted(lexicon().phrases, key=len, reverse=True):
        start = t.find(phrase)
        while start >= 0:
            end = start + len(phrase)
            if not any(start < e and s < end for s, e in taken):
                taken.append((start, end))
                found.append((start, lexicon().phrases[phrase].qid))
            start = t.find(phrase, end)
    return list(dict.fromkeys(qid for _, qid in sorted(found)))


@lru_cache(maxsize=1)
def _glossary() -> dict[str, list[str]]:
    raw = yaml.safe_load(resources.files("actions.understand_zh").joinpath("lexicon.yaml").read_text("utf-8"))
    return {k: _lower(v) for k, v in (raw.get("glossary") or {}).items()}


def terms_in(text: str) -> list[str]:
    """The glossary terms a Chinese message asks about ("ECOG 是什么？" -> ["ecog"])."""
    t = text.lower()
    return [key for key, words in _glossary().items() if any(w in t for w in words)]
