"""Scores on the held-out chat sets (tests/heldout/, never trained on): intent F1 of the Rasa
model, entity F1, and F1 of the answer extraction stage over (question id, value) pairs."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
HELDOUT = REPO / "tests" / "heldout"
NUMBER_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}


@dataclass
class F1:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: Counter, pred: Counter) -> None:
        hit = sum((gold & pred).values())
        self.tp += hit
        self.fp += sum(pred.values()) - hit
        self.fn += sum(gold.values()) - hit


def load(name: str = "clinician_en.yml") -> list[dict[str, Any]]:
    return yaml.safe_load((HELDOUT / name).read_text(encoding="utf-8"))


def parse(model: Path, rasa_python: Path, texts: list[str]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "parses.json"
        subprocess.run(
            [str(rasa_python), str(REPO / "benchmarks" / "nlu_parse.py"), str(model), str(out)],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            cwd=REPO,
            check=True,
        )
        return json.loads(out.read_text())


def intent_f1(gold: list[str], pred: list[str]) -> dict[str, float]:
    labels = sorted(set(gold))
    per: dict[str, F1] = {label: F1() for label in labels}
    for g, p in zip(gold, pred, strict=True):
        for label in labels:
            per[label].add(Counter([label] if g == label else []), Counter([label] if p == label else []))
    support = Counter(gold)
    macro = sum(f.f1 for f in per.values()) / len(per)
    weighted = sum(per[label].f1 * support[label] for label in labels) / len(gold)
    accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    return {"macro": macro, "weighted": weighted, "accuracy": accuracy}


def _value(v: Any) -> str:
    s = str(v).strip().lower()
    s = NUMBER_WORDS.get(s, s)
    try:
        f = float(s)
        return f"{f:g}"
    except ValueError:
        return s


def entity_f1(items: list[dict[str, Any]], parses: list[dict[str, Any]]) -> F1:
    score = F1()
    kinds = {"patient_id", "drug", "number"}
    for item, parsed in zip(items, parses, strict=True):
        gold = Counter((e["entity"], _value(e["value"])) for e in item.get("entities") or [])
        pred = Counter((e["entity"], _value(e["value"])) for e in parsed["entities"] if e["entity"] in kinds)
        score.add(gold, pred)
    return score


def answer_f1(items: list[dict[str, Any]], as_of: date) -> tuple[F1, list[tuple[str, Counter, Counter]]]:
    from actions.understand import extract

    score = F1()
    misses = []
    for item in items:
        findings = extract(item["text"], item.get("lang", "en"), item.get("pending"), item["audience"], as_of)
        gold = Counter((q, _value(v)) for q, v in (item.get("answers") or {}).items())
        pred = Counter((f.question_id, _value(f.value)) for f in findings)
        score.add(gold, pred)
        if gold != pred:
            misses.append((item["text"], gold, pred))
    return score, misses
