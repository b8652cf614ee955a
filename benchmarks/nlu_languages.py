"""Which NLU pipeline serves English and Chinese: held-out F1 per language (prints figures).

  .venv/bin/python benchmarks/nlu_languages.py [--candidates a,b] [--json OUT]

Each candidate config (benchmarks/nlu_configs/*.yml; whitespace_charwb is the English-only
pipeline config.yml had before issue 12; and config.yml itself as `chosen`)
is trained with `rasa train nlu` on the English data (data/nlu) plus the Chinese data
(data/nlu_zh) in a scratch copy, the English intents give_number / give_drug / choose_option
folded into `inform` (as the chat rewrite does). Then it parses the held-out sets
(tests/heldout/clinician_en.yml, zh.yml; never trained on) and prints, per language: intent
accuracy and macro F1, entity F1 over (type, normalised value) pairs, training time and
model size. Rasa's nlu_fallback counts as out_of_scope (that is what the chat does with it).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from actions.understand_zh.numbers import NUMBER, parse_number  # noqa: E402
from bot.supervisor import quiet_env, rasa_python  # noqa: E402

CONFIGS = REPO / "benchmarks" / "nlu_configs"
HELDOUT = REPO / "tests" / "heldout"
FOLDED = {"give_number": "inform", "give_drug": "inform", "choose_option": "inform"}
NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10}  # fmt: skip


def candidates() -> dict[str, Path]:
    found = {p.stem: p for p in sorted(CONFIGS.glob("*.yml"))}
    found["chosen (config.yml)"] = REPO / "config.yml"  # what the chat trains with
    return found


def scratch_data(folder: Path) -> int:
    """English + Chinese training data, old English intents folded into inform."""
    n = 0
    sources = sorted((REPO / "data" / "nlu").glob("*.yml")) + sorted((REPO / "data" / "nlu_zh").glob("*.yml"))
    for src in sources:
        data = yaml.safe_load(src.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" in block:
                block["intent"] = FOLDED.get(block["intent"], block["intent"])
                n += sum(1 for line in str(block["examples"]).splitlines() if line.strip().startswith("- "))
        out = folder / f"{src.parent.name}_{src.name}"
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        out.write_text(text, encoding="utf-8")
    return n


def train(config: Path, data: Path, out: Path) -> tuple[Path, float]:
    t0 = time.perf_counter()
    done = subprocess.run(
        [str(rasa_python()), "-m", "rasa", "train", "nlu", "--config", str(config), "--nlu", str(data),
         "--out", str(out), "--fixed-model-name", "nlu"],
        cwd=REPO, env=quiet_env(), capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"training {config.name} failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    return out / "nlu.tar.gz", time.perf_counter() - t0


def parse(model: Path, texts: list[str]) -> list[dict]:
    out = model.with_suffix(".parses.json")
    done = subprocess.run(
        [str(rasa_python()), str(REPO / "benchmarks" / "nlu_parse.py"), str(model), str(out)],
        input=json.dumps(texts), cwd=REPO, env=quiet_env(), capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"parsing failed:\n{done.stderr[-2000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def norm_entity(entity: str, value: object, text: str) -> tuple[str, str] | None:
    """(type, value) normalised the way FORMAT.md writes held-out values."""
    v = str(value if value is not None else text).strip().lower()
    if entity == "number":
        m = re.search(r"\d+(?:\.\d+)?|" + NUMBER[3:-1], v)
        n = parse_number(m.group(0)) if m else NUMBER_WORDS.get(v)
        if n is None:
            return None
        return entity, f"{float(n):g}"
    if entity == "patient_id":
        v = re.sub(r"^(?:mrn|patient|pt|患者|病人|住院号|病历号)[\s:#：]*", "", v)
    if entity not in ("patient_id", "drug", "number"):
        return None
    return entity, v


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def score(items: list[dict], parses: list[dict]) -> dict:
    gold = [str(i["intent"]) for i in items]
    pred = [("out_of_scope" if p["intent"] in (None, "nlu_fallback") else p["intent"]) for p in parses]
    labels = sorted(set(gold))
    per = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == label and g != label)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p != label)
        per[label] = f1(tp, fp, fn)
    etp = efp = efn = 0
    misses = []
    for item, p in zip(items, parses, strict=True):
        gold_entities = item.get("entities") or []
        g = Counter(filter(None, (norm_entity(e["entity"], e["value"], "") for e in gold_entities)))
        found = p["entities"]  # a lookup (regex) entity may come without its text
        q = Counter(
            filter(None, (norm_entity(e["entity"], e.get("value"), e.get("text", "")) for e in found))
        )
        if g != q:
            misses.append(f"{item['text']!r}: gold {sorted(g - q)} got {sorted(q - g)}")
        etp += sum((g & q).values())
        efp += sum((q - g).values())
        efn += sum((g - q).values())
    return {
        "messages": len(items),
        "intent_accuracy": sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / len(items),
        "intent_f1_macro": sum(per.values()) / len(per),
        "entity_f1": f1(etp, efp, efn),
        "entity_tp_fp_fn": [etp, efp, efn],
        "worst_intents": sorted(per.items(), key=lambda kv: kv[1])[:4],
        "entity_misses": misses,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", help="comma-separated names (default: all)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--misses", type=int, default=0, help="print this many entity misses per language")
    args = ap.parse_args()
    cands = candidates()
    if args.candidates:
        wanted = args.candidates.split(",")
        cands = {k: v for k, v in cands.items() if k in wanted or k.split(" ")[0] in wanted}
    items = []
    for name in ("clinician_en.yml", "zh.yml"):
        items += yaml.safe_load((HELDOUT / name).read_text(encoding="utf-8"))
    by_lang: dict[str, list[int]] = {}
    for k, item in enumerate(items):
        by_lang.setdefault(item["lang"], []).append(k)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        examples = scratch_data(data)
        print(f"training data: {examples} examples (data/nlu + data/nlu_zh); held-out: "
              + ", ".join(f"{lang} {len(ix)}" for lang, ix in by_lang.items()))
        for name, config in cands.items():
            out = Path(tmp) / re.sub(r"\W+", "_", name)
            try:
                model, seconds = train(config, data, out)
            except RuntimeError as e:
                print(f"{name}: {e}")
                continue
            t0 = time.perf_counter()
            parses = parse(model, [str(i["text"]) for i in items])
            parse_s = time.perf_counter() - t0
            res = {"train_seconds": round(seconds, 1), "model_mb": round(model.stat().st_size / 1e6, 2),
                   "parse_ms_per_message": round(1000 * parse_s / len(items), 1)}  # fmt: skip
            for lang, ix in by_lang.items():
                res[lang] = score([items[k] for k in ix], [parses[k] for k in ix])
            results[name] = res
            print(f"\n{name}: trained in {res['train_seconds']} s, model {res['model_mb']} MB, "
                  f"{res['parse_ms_per_message']} ms/message (incl. model load)")
            for lang in by_lang:
                r = res[lang]
                print(f"  {lang}: intent acc {r['intent_accuracy']:.3f}"
                      f"  intent F1 (macro) {r['intent_f1_macro']:.3f}"
                      f"  entity F1 {r['entity_f1']:.3f} {r['entity_tp_fp_fn']}  weakest "
                      + ", ".join(f"{k} {v:.2f}" for k, v in r["worst_intents"]))
                for miss in r["entity_misses"][: args.misses]:
                    print(f"    {miss}")
            shutil.rmtree(out, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
