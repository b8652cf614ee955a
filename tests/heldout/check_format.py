#!/usr/bin/env python3
"""Validate a held-out chat evaluation set against FORMAT.md and questions.yaml.

Usage: check_format.py SET.yml [SET2.yml ...] [--questions questions.yaml] [--quiet]

Errors (exit status 1) are format violations: unknown keys, intents, entity types,
question ids, values of the wrong type or outside the question's choices/range, a
question asked of an audience it is not worded for.  Warnings are label smells worth a
second look (a bare affirm whose pending answer is not "yes", a patient_id that does not
occur in the text, duplicate texts).  Then it prints counts per intent, audience,
language, pending id and answered id.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

try:
    import yaml
except ImportError:  # pragma: no cover - message for a bare interpreter
    sys.exit("PyYAML is needed: run with /work/main/.venv/bin/python")

HERE = Path(__file__).resolve().parent

INTENTS = {
    "screen_patient", "affirm", "deny", "not_sure", "inform", "none_of_these",
    "ask_why", "explain_term", "help", "change_answer", "summary", "start_over",
    "screen_another", "go_on", "stop", "switch_language", "greet", "goodbye",
    "thanks", "out_of_scope",
}
ENTITY_TYPES = {"patient_id", "drug", "number"}
AUDIENCES = {"clinician", "patient"}
LANGS = {"en", "zh"}
ITEM_KEYS = {"text", "pending", "audience", "lang", "intent", "entities", "answers"}
YES_NO = {"yes", "no", "not_sure"}
INTEGER_IDS = {"ecog_score", "age_years"}  # FORMAT.md: integers; weight may be decimal


@dataclass
class Question:
    qid: str
    qtype: str
    audience: set[str]
    choices: list[str] = field(default_factory=list)
    value_range: tuple[float, float] | None = None


def load_questions(path: Path) -> dict[str, Question]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, Question] = {}
    for q in raw["questions"]:
        rng = q.get("range")
        out[q["id"]] = Question(
            qid=q["id"],
            qtype=q["type"],
            audience=set(q["audience"]),
            choices=list(q.get("choices") or []),
            value_range=(rng[0], rng[1]) if rng else None,
        )
    return out


def is_number(v: object) -> bool:
    # bool is an int subclass in Python; a YAML yes/no that lost its quotes is a bool
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_value(q: Question, value: object) -> str | None:
    """Return an error text, or None when the value is allowed for the question."""
    if value == "not_sure":
        return None
    if q.qtype == "yes_no":
        if value not in YES_NO or not isinstance(value, str):
            return f"{q.qid}: yes_no value must be the string yes/no/not_sure, got {value!r}"
        return None
    if q.qtype == "choice":
        if value not in q.choices:
            return f"{q.qid}: value {value!r} not in choices {q.choices}"
        return None
    if q.qtype == "number":
        if not is_number(value):
            return f"{q.qid}: number expected, got {value!r}"
        if q.qid in INTEGER_IDS and not isinstance(value, int):
            return f"{q.qid}: integer expected, got {value!r}"
        if isinstance(value, float) and round(value, 1) != value:
            return f"{q.qid}: round to 1 decimal, got {value!r}"
        if q.value_range and not (q.value_range[0] <= value <= q.value_range[1]):
            return f"{q.qid}: {value!r} outside range {q.value_range}"
        return None
    return f"{q.qid}: unknown question type {q.qtype}"


def check_item(i: int, item: object, questions: dict[str, Question]) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    warns: list[str] = []
    where = f"item {i}"
    if not isinstance(item, dict):
        return [f"{where}: not a mapping"], []
    text = item.get("text")
    if isinstance(text, str):
        where = f"item {i} ({text[:50]!r})"
    keys = set(item)
    if keys != ITEM_KEYS:
        missing, extra = ITEM_KEYS - keys, keys - ITEM_KEYS
        errors.append(f"{where}: keys missing {sorted(missing)} extra {sorted(extra)}")
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{where}: text must be a non-empty string")
        text = ""
    audience = item.get("audience")
    if audience not in AUDIENCES:
        errors.append(f"{where}: audience {audience!r}")
    if item.get("lang") not in LANGS:
        errors.append(f"{where}: lang {item.get('lang')!r}")
    intent = item.get("intent")
    if intent not in INTENTS:
        errors.append(f"{where}: intent {intent!r}")

    pending = item.get("pending")
    if pending is not None:
        if pending not in questions:
            errors.append(f"{where}: pending {pending!r} is not a question id")
        elif audience in AUDIENCES and audience not in questions[pending].audience:
            errors.append(f"{where}: pending {pending} is never asked of a {audience}")

    entities = item.get("entities")
    if not isinstance(entities, list):
        errors.append(f"{where}: entities must be a list")
        entities = []
    for ent in entities:
        if not isinstance(ent, dict) or set(ent) != {"entity", "value"}:
            errors.append(f"{where}: entity {ent!r} must be {{entity, value}}")
            continue
        etype, val = ent["entity"], ent["value"]
        if etype not in ENTITY_TYPES:
            errors.append(f"{where}: entity type {etype!r}")
        elif etype == "patient_id":
            if not isinstance(val, str) or not val:
                errors.append(f"{where}: patient_id value must be a non-empty string")
            elif val.lower().startswith("mrn"):
                errors.append(f"{where}: patient_id {val!r} keeps the MRN prefix")
            elif val.lower() not in text.lower():
                warns.append(f"{where}: patient_id {val!r} not found in text")
        elif etype == "drug":
            if not isinstance(val, str) or val != val.lower():
                errors.append(f"{where}: drug value must be a lowercased string, got {val!r}")
            elif val not in text.lower():
                warns.append(f"{where}: drug {val!r} not found in text")
        elif etype == "number":
            if not is_number(val):
                errors.append(f"{where}: number value must be numeric, got {val!r}")

    answers = item.get("answers")
    if not isinstance(answers, dict):
        errors.append(f"{where}: answers must be a mapping")
        answers = {}
    for qid, val in answers.items():
        q = questions.get(qid)
        if q is None:
            errors.append(f"{where}: answer to unknown question id {qid!r}")
            continue
        if audience in AUDIENCES and audience not in q.audience:
            errors.append(f"{where}: {qid} is not a question for a {audience}")
        err = check_value(q, val)
        if err:
            errors.append(f"{where}: {err}")

    # label smells
    if intent in {"affirm", "deny", "not_sure"} and pending is None:
        warns.append(f"{where}: {intent} with no pending question")
    if intent == "affirm" and pending and answers.get(pending) != "yes":
        warns.append(f"{where}: affirm but {pending} is {answers.get(pending)!r}")
    if intent == "deny" and pending and answers.get(pending) not in {"no", "none"}:
        warns.append(f"{where}: deny but {pending} is {answers.get(pending)!r}")
    if intent == "not_sure" and pending and answers.get(pending) != "not_sure":
        warns.append(f"{where}: not_sure but {pending} is {answers.get(pending)!r}")
    if intent in {"greet", "goodbye", "thanks", "help", "summary", "start_over", "stop",
                  "switch_language", "out_of_scope", "explain_term", "ask_why", "go_on"} and answers:
        warns.append(f"{where}: {intent} carrying answers {answers}")
    if intent == "screen_patient" and not any(e.get("entity") == "patient_id" for e in entities
                                              if isinstance(e, dict)) and audience == "clinician":
        warns.append(f"{where}: clinician screen_patient without a patient_id")
    if intent == "screen_another" and any(isinstance(e, dict) and e.get("entity") == "patient_id"
                                          for e in entities):
        errors.append(f"{where}: screen_another names an id: FORMAT.md says use screen_patient")
    return errors, warns


def report(path: Path, items: list, questions: dict[str, Question], quiet: bool) -> int:
    errors: list[str] = []
    warns: list[str] = []
    seen: Counter[tuple[str, str, str]] = Counter()  # same text is fine under another question
    for i, item in enumerate(items):
        e, w = check_item(i, item, questions)
        errors += e
        warns += w
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            seen[(item["text"].strip().lower(), str(item.get("pending")), str(item.get("audience")))] += 1
    for (t, pend, aud), n in seen.items():
        if n > 1:
            warns.append(f"duplicate item x{n}: {t[:60]!r} (pending {pend}, {aud})")

    print(f"== {path}: {len(items)} items, {len(errors)} errors, {len(warns)} warnings")
    for e in errors:
        print("ERROR", e)
    for w in warns:
        print("warn ", w)
    if quiet:
        return 1 if errors else 0

    def show(title: str, counter: Counter, floor: int | None = None, expect=()) -> None:
        print(f"-- {title}")
        for k in sorted(set(counter) | set(expect), key=lambda k: (-counter[k], str(k))):
            flag = f"  <-- below {floor}" if floor is not None and counter[k] < floor else ""
            print(f"   {counter[k]:4d}  {k}{flag}")

    good = [it for it in items if isinstance(it, dict)]
    show("intent", Counter(it.get("intent") for it in good), 8, INTENTS)
    show("audience", Counter(it.get("audience") for it in good))
    show("lang", Counter(it.get("lang") for it in good))
    show("pending", Counter(str(it.get("pending")) for it in good))
    answered: Counter[str] = Counter()
    for it in good:
        if isinstance(it.get("answers"), dict):
            answered.update(it["answers"].keys())
    show("answered question id", answered, 5, questions)
    ents: Counter[str] = Counter()
    for it in good:
        for e in it.get("entities") or []:
            if isinstance(e, dict):
                ents[e.get("entity")] += 1
    show("entity", ents)
    return 1 if errors else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--questions", type=Path, default=HERE / "questions.yaml")
    ap.add_argument("--quiet", action="store_true", help="errors and warnings only")
    args = ap.parse_args()
    questions = load_questions(args.questions)
    status = 0
    for path in args.sets:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(items, list):
            print(f"== {path}: top level must be a list")
            status = 1
            continue
        status |= report(path, items, questions, args.quiet)
    return status


if __name__ == "__main__":
    sys.exit(main())
