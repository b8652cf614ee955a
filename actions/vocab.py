"""The chat's vocabulary: the trial's questions (eligibility data) and the chat's own words
(actions/chat.yaml), loaded once per process."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from eligibility import Question, Trial, load_trial

CHAT_FILE = Path(__file__).with_name("chat.yaml")
CHECKLIST = "history_checklist"  # the slot of the grouped history question


@dataclass(frozen=True)
class Vocab:
    trial: Trial
    questions: dict[str, Question]
    labels: dict[str, str]
    labs: frozenset[str]
    checklist_items: dict[str, str]
    checklist_min: int
    topics: dict[str, tuple[str, ...]]
    glossary: dict[str, dict[str, Any]]

    def question(self, qid: str) -> Question:
        return self.questions[qid]

    def label(self, criterion: str) -> str:
        return self.labels.get(criterion, criterion.replace("_", " "))

    def follow_ups(self, qid: str) -> list[str]:
        """Every question reachable from `qid` through `decides: {ask: ...}` (not `qid` itself)."""
        out: list[str] = []
        todo = [qid]
        while todo:
            q = self.questions.get(todo.pop())
            for outcome in q.decides.values() if q else ():
                nxt = outcome.get("ask") if isinstance(outcome, dict) else None
                if nxt and nxt not in out and nxt != qid:
                    out.append(nxt)
                    todo.append(nxt)
        return out

    def root_of(self, qid: str) -> str:
        """The first question of a follow-up chain (tb_fully_treated -> tb_ever)."""
        for q in self.questions.values():
            if not q.follow_up and qid in self.follow_ups(q.id):
                return q.id
        return qid


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    trial = load_trial()
    raw = yaml.safe_load(CHAT_FILE.read_text(encoding="utf-8"))
    return Vocab(
        trial=trial,
        questions={q.id: q for q in trial.questions},
        labels=dict(raw["labels"]),
        labs=frozenset(raw["labs"]),
        checklist_items=dict(raw["checklist"]["items"]),
        checklist_min=int(raw["checklist"].get("min_items", 2)),
        topics={k: tuple(str(w).lower() for w in v) for k, v in raw["topics"].items()},
        glossary=dict(raw["glossary"]),
    )


def normalise_text(text: str) -> str:
    """Lower case, unified dashes and apostrophes, single spaces."""
    t = text.lower().replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(t.split())


def find_phrases(text: str, phrases: dict[str, tuple[str, ...]]) -> list[tuple[int, str, str]]:
    """(position, key, phrase) of each whole-word phrase found, longest phrases first, no overlaps."""
    t = normalise_text(text)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str, str]] = []
    flat = sorted(((p, k) for k, ps in phrases.items() for p in ps), key=lambda pk: -len(pk[0]))
    for phrase, key in flat:
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", t):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), key, phrase))
    return sorted(found)
