"""Held-out answer F1 of the Chinese extractor (prints figures; not a test).

  .venv/bin/python benchmarks/zh_answers.py [--set tests/heldout/zh.yml] [--errors N]

For every message of the held-out set it runs actions.understand_zh.extract(text, pending,
audience, as_of) and compares the (question_id, value) pairs with the set's `answers`
(tests/heldout/FORMAT.md): micro precision / recall / F1 over all pairs, then per question,
and the messages with no error. Numbers match within 0.05 (weights are rounded to 0.1 kg).
It also scores detect_language and language_switch on both held-out sets (English and Chinese):
the language of every message, and which messages ask to switch (intent switch_language).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from actions.understand_zh import detect_language, extract, language_switch  # noqa: E402

AS_OF = date(2026, 11, 24)


def same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 0.05
    return str(a) == str(b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default=str(REPO / "tests" / "heldout" / "zh.yml"))
    ap.add_argument("--errors", type=int, default=0, help="print this many wrong messages")
    args = ap.parse_args()
    items = yaml.safe_load(Path(args.set).read_text(encoding="utf-8"))
    items = [i for i in items if i.get("lang", "zh") == "zh"]
    tp = fp = fn = exact = 0
    per_q: dict[str, Counter] = {}
    wrong = []
    t0 = time.perf_counter()
    for item in items:
        gold = dict(item.get("answers") or {})
        got = {f.question_id: f.value for f in extract(str(item["text"]), item.get("pending"),
                                                        item["audience"], AS_OF)}  # fmt: skip
        ok = True
        for q, v in got.items():
            c = per_q.setdefault(q, Counter())
            if q in gold and same(v, gold[q]):
                tp += 1
                c["tp"] += 1
            else:
                fp += 1
                c["fp"] += 1
                ok = False
        for q, v in gold.items():
            if not (q in got and same(got[q], v)):
                fn += 1
                per_q.setdefault(q, Counter())["fn"] += 1
                ok = False
        exact += ok
        if not ok:
            wrong.append((item, got))
    seconds = time.perf_counter() - t0
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(f"{len(items)} messages, {tp + fn} gold answers; {1000 * seconds / len(items):.2f} ms/message")
    print(f"answer F1 {f1:.3f}  (precision {p:.3f}, recall {r:.3f}; tp {tp} fp {fp} fn {fn})")
    print(f"messages read exactly right: {exact}/{len(items)} ({exact / len(items):.1%})")
    print("per question (tp / fp / fn):")
    for q, c in sorted(per_q.items(), key=lambda kv: -(kv[1]["fp"] + kv[1]["fn"])):
        print(f"  {q:28s} {c['tp']:4d} {c['fp']:4d} {c['fn']:4d}")
    languages(args.errors)
    for item, got in wrong[: args.errors]:
        print(f"- {item['text']!r} pending={item.get('pending')} {item['audience']}\n"
              f"    gold {item.get('answers') or {}}\n    got  {got}")


def languages(show: int) -> None:
    items = []
    for name in ("clinician_en.yml", "zh.yml"):
        items += yaml.safe_load((REPO / "tests" / "heldout" / name).read_text(encoding="utf-8"))
    wrong_lang = [i for i in items if detect_language(str(i["text"])) != i["lang"]]
    asked = [i for i in items if i["intent"] == "switch_language"]
    hits = sum(1 for i in asked if language_switch(str(i["text"])) is not None)
    others = [i for i in items if i["intent"] != "switch_language"]
    false = [i for i in others if language_switch(str(i["text"])) is not None]
    print(f"detect_language: {len(items) - len(wrong_lang)}/{len(items)} right "
          f"({1 - len(wrong_lang) / len(items):.1%})")
    print(f"language_switch: {hits}/{len(asked)} requests recognised, {len(false)} false alarms "
          f"in {len(items) - len(asked)} other messages")
    for i in wrong_lang[:show]:
        print(f"  language {i['lang']} read as {detect_language(str(i['text']))}: {i['text']!r}")
    for i in [i for i in asked if language_switch(str(i["text"])) is None][:show]:
        print(f"  switch not recognised: {i['text']!r}")


if __name__ == "__main__":
    main()
