"""Benchmark of the clinician chat (prints figures; not a test).

  .venv/bin/python benchmarks/bench_chat.py [--fhir-base URL --token T | --fhir-dir DIR]
                                            [--conversations 10] [--folds 3] [--skip-nlu]

Without a source it starts our HAPI server (fhir_server/start.sh) on a free loopback port, loads
the synthetic cohort, and stops it at the end. It prints:
  - NLU cross-validation (rasa test nlu --cross-validation): intent F1 and accuracy;
  - on the held-out sets of each language (tests/heldout/clinician_en.yml and zh.yml, never
    trained on): intent F1 (macro and weighted), entity F1 (patient_id, drug, number), and the
    answer extraction stage's F1 over (question id, value) pairs given the pending question;
  - the model's size, and with --train-time the time to train it from scratch;
  - bot questions per screening (median, re-asks included) for the polite script over the
    records that leave questions;
  - time to the first reply of a screening ("pre-screen patient X": FHIR load + rules + reply),
    one conversation alone (cold) and under 10 concurrent conversations;
  - per-turn latency p50 / p95 of the answers, with 10 conversations at once.
With --load [--replicas 2]: ours beside a bare `rasa init` bot under the same load
(benchmarks/chat_load.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import heldout_eval  # noqa: E402
from benchmarks.common import free_port, pct, start_hapi  # noqa: E402
from bot.supervisor import Stack, StackConfig, ensure_model, quiet_env, rasa_python  # noqa: E402

AS_OF = "2026-11-24"
# Patients whose record leaves questions (needs_information from the record alone).
PATIENTS = [
    "icc-001",
    "icc-002",
    "icc-003",
    "icc-005",
    "icc-007",
    "icc-012",
    "icc-013",
    "icc-014",
    "icc-017",
    "icc-020",
    "icc-027",
    "icc-029",
    "icc-039",
    "icc-040",
    "icc-041",
    "icc-042",
    "icc-044",
]
REPLIES = {
    "tumour_checklist": "all apply",
    "liver_status": "no ascites, no HE",
    "unresectable": "yes",
    "prior_checkpoint_inhibitor": "no",
    "history_checklist": "none of these",
    "cardiopulmonary_renal": "no",
    "active_infection": "nil",
    "ecog_score": "0",
    "ascites": "none",
    "encephalopathy": "none",
    "weight_kg": "70 kg",
    "age_years": "60",
    "coagulation": "no",
    "immunosuppression": "no",
    "hiv": "neg",
    "other_liver_component": "no",
    "not_pregnant": "no",
    "recent_bleeding": "no",
    "tb_ever": "no",
    "other_malignancy": "no",
    "autoimmune": "no",
    "ild_pneumonitis": "no",
    "substance_abuse": "no",
    "platinum_allergy": "no",
}


def nlu_cross_validation(folds: int) -> dict:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        done = subprocess.run(
            [
                str(rasa_python()),
                "-m",
                "rasa",
                "test",
                "nlu",
                "--nlu",
                "data/nlu",
                "--config",
                "config.yml",
                "--cross-validation",
                "--folds",
                str(folds),
                "--out",
                out,
                "--no-plot",
            ],
            cwd=REPO,
            env=quiet_env(),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"rasa test nlu failed:\n{done.stderr[-2000:]}")
        report = json.loads((Path(out) / "intent_report.json").read_text())
        return {
            "f1_weighted": report["weighted avg"]["f1-score"],
            "f1_macro": report["macro avg"]["f1-score"],
            "accuracy": report.get("accuracy", report.get("micro avg", {}).get("f1-score")),
            "examples": report["weighted avg"]["support"],
            "seconds": time.perf_counter() - t0,
        }


class Client:
    def __init__(self, webhook: str, user: str) -> None:
        from bot.access.tokens import issue

        self.webhook, self.session = webhook, requests.Session()
        self.session.headers["Authorization"] = f"Bearer {issue('clinician', user=user)}"

    def send(self, text: str) -> tuple[float, list[dict]]:
        t0 = time.perf_counter()
        r = self.session.post(self.webhook, json={"message": text}, timeout=120)
        elapsed = time.perf_counter() - t0
        r.raise_for_status()
        return elapsed, r.json()


def converse(
    webhook: str,
    user: str,
    pid: str,
    first: list[float],
    turns: list[float],
    lock: threading.Lock,
    start: threading.Barrier | None = None,
    questions: list[int] | None = None,
) -> None:
    c = Client(webhook, user)
    if start:
        start.wait()
    elapsed, replies = c.send(f"pre-screen patient {pid}")
    with lock:
        first.append(elapsed)
    asked = 0
    for _ in range(40):
        question = next(
            (
                (m.get("custom") or {}).get("question")
                for m in reversed(replies)
                if (m.get("custom") or {}).get("question")
            ),
            None,
        )
        if not question:
            if questions is not None:
                with lock:
                    questions.append(asked)
            return
        asked += 1
        elapsed, replies = c.send(REPLIES.get(question, "yes"))
        with lock:
            turns.append(elapsed)
    raise RuntimeError(f"{pid}: still asking after 40 turns")


def questions_per_screening(stack: Stack) -> list[int]:
    """Bot questions (re-asks included) until the verdict, one polite conversation per patient."""
    counts: list[int] = []
    lock = threading.Lock()
    for pid in PATIENTS:
        converse(stack.webhook, f"bench-q-{pid}", pid, [], [], lock, questions=counts)
    return counts


HELDOUT_SETS = {"en": "clinician_en.yml", "zh": "zh.yml"}  # tests/heldout, never trained on


def heldout(model: Path) -> None:
    """Held-out intent / entity / answer-extraction F1 for each language the chat speaks."""
    for lang, name in HELDOUT_SETS.items():
        items = heldout_eval.load(name)
        parses = heldout_eval.parse(model, rasa_python(), [str(i["text"]) for i in items])
        gold = [i["intent"] for i in items]
        pred = [("out_of_scope" if p["intent"] in (None, "nlu_fallback") else p["intent"]) for p in parses]
        intents = heldout_eval.intent_f1(gold, pred)
        entities = heldout_eval.entity_f1(items, parses)
        answers, _ = heldout_eval.answer_f1(items, date.fromisoformat(AS_OF))
        print(
            f"held-out {lang} set ({name}, {len(items)} messages, never trained on): intent F1 "
            f"{intents['macro']:.3f} macro, {intents['weighted']:.3f} weighted (accuracy "
            f"{intents['accuracy']:.3f}); entity F1 {entities.f1:.3f} (P {entities.precision:.3f}, R "
            f"{entities.recall:.3f}); answer extraction F1 {answers.f1:.3f} (P {answers.precision:.3f}, R "
            f"{answers.recall:.3f}) over (question, value) pairs"
        )


def training_time() -> tuple[float, float]:
    """Seconds to train the chat model from scratch (config.yml, English + Chinese data) and its
    size in MB, in a scratch folder (the served model is left alone)."""
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        done = subprocess.run(
            [str(rasa_python()), "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml",
             "--data", "data/nlu", "data/nlu_zh", "data/rules.yml", "--out", out, "--fixed-model-name", "m"],
            cwd=REPO, capture_output=True, text=True,
            env=quiet_env({"RASA_CACHE_DIRECTORY": cache}),  # an empty cache: nothing reused
        )  # fmt: skip
        seconds = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"rasa train failed:\n{done.stdout[-2000:]}")
        return seconds, (Path(out) / "m.tar.gz").stat().st_size / 1e6


def chat_latency(stack: Stack, conversations: int) -> dict:
    lock = threading.Lock()
    warm_first: list[float] = []
    converse(stack.webhook, "bench-warmup", PATIENTS[0], warm_first, [], lock)  # model and caches warm
    cold_first: list[float] = []
    converse(stack.webhook, "bench-solo", PATIENTS[1], cold_first, [], lock)
    first: list[float] = []
    turns: list[float] = []
    barrier = threading.Barrier(conversations)
    threads = [
        threading.Thread(
            target=converse,
            args=(stack.webhook, f"bench-{i}", PATIENTS[i % len(PATIENTS)], first, turns, lock, barrier),
        )
        for i in range(conversations)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"solo_first": cold_first[0], "first": first, "turns": turns, "wall": wall}


def main() -> None:
    if "--load" in sys.argv[1:]:  # the load comparison with a bare Rasa bot (benchmarks/chat_load.py)
        from benchmarks.chat_load import main as load_main

        load_main([a for a in sys.argv[1:] if a != "--load"])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--fhir-base")
    src.add_argument("--fhir-dir")
    ap.add_argument("--token", help="bearer token for --fhir-base")
    ap.add_argument("--conversations", type=int, default=10)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--skip-nlu", action="store_true")
    ap.add_argument("--skip-heldout", action="store_true")
    ap.add_argument("--train-time", action="store_true", help="also time a training from scratch")
    args = ap.parse_args()

    os.environ.setdefault("PRESCREEN_STATE_DIR", tempfile.mkdtemp(prefix="prescreen-bench-state-"))
    t0 = time.perf_counter()
    model = ensure_model(say=lambda m: print(m, file=sys.stderr))
    print(f"model ready in {time.perf_counter() - t0:.1f} s (0 if it was already trained for this data)")

    if not args.skip_nlu:
        cv = nlu_cross_validation(args.folds)
        print(
            f"NLU {args.folds}-fold cross-validation over {cv['examples']} examples: intent F1 "
            f"{cv['f1_weighted']:.3f} weighted, {cv['f1_macro']:.3f} macro; accuracy {cv['accuracy']:.3f} "
            f"({cv['seconds']:.0f} s)"
        )

    print(f"model {model.name}: {model.stat().st_size / 1e6:.1f} MB")
    if args.train_time:
        seconds, mb = training_time()
        print(f"training the chat model from scratch (config.yml, data/nlu + data/nlu_zh): {seconds:.0f} s, "
              f"{mb:.1f} MB")  # fmt: skip
    if not args.skip_heldout:
        heldout(model)

    hapi_env = None
    base, token, folder = args.fhir_base, args.token, args.fhir_dir
    if not base and not folder:
        hapi = start_hapi()
        base, token, hapi_env = hapi.base, hapi.token, hapi.env
    extra = {"PRESCREEN_FHIR_TOKEN": token} if token else {}
    stack = Stack(
        StackConfig(
            fhir_base=base,
            fhir_dir=folder,
            as_of=AS_OF,
            rasa_port=free_port(),
            action_port=free_port(),
            log_dir=Path(os.environ["PRESCREEN_STATE_DIR"]) / "logs",
            extra_env=extra,
        )
    )
    try:
        t0 = time.perf_counter()
        stack.start(say=lambda m: print(m, file=sys.stderr))
        print(
            f"stack (Rasa + action server) up in {time.perf_counter() - t0:.1f} s; record source: "
            f"{'FHIR server ' + base if base else 'folder ' + folder}"
        )
        counts = questions_per_screening(stack)
        print(
            f"bot questions per screening (polite script, {len(counts)} records that leave questions): "
            f"median {statistics.median(counts):g}, max {max(counts)}"
        )
        r = chat_latency(stack, args.conversations)
        n = args.conversations
        print(
            "time to first reply (FHIR load + rules + reply), one conversation alone: "
            f"{r['solo_first'] * 1000:.0f} ms"
        )
        print(
            f"time to first reply with {n} concurrent conversations: "
            f"p50 {pct(r['first'], 50) * 1000:.0f} ms, p95 {pct(r['first'], 95) * 1000:.0f} ms"
        )
        print(
            f"per-turn latency with {n} concurrent conversations ({len(r['turns'])} turns): "
            f"p50 {pct(r['turns'], 50) * 1000:.0f} ms, p95 {pct(r['turns'], 95) * 1000:.0f} ms, "
            f"mean {statistics.mean(r['turns']) * 1000:.0f} ms; wall {r['wall']:.1f} s"
        )
    finally:
        stack.stop()
        if hapi_env:
            hapi.stop()


if __name__ == "__main__":
    main()
