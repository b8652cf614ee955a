"""Load comparison: our assistant beside a bare Rasa bot (the `rasa init` project, trained in
the same run) under the same load. Prints per-turn p50/p95 at 10 and 50 concurrent
conversations for both, their ratio, turns per second, time to the first reply, and memory per
process; `--replicas 2` runs ours with two Rasa servers as well. Not a test: figures only.

  .venv/bin/python benchmarks/bench_chat.py --load [--replicas 2] [--levels 10,50] [--turns 6]
  .venv/bin/python benchmarks/chat_load.py      (the same)

Ours reads the synthetic cohort folder (no FHIR server in the way: the comparison is the chat).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.common import COHORT, free_port, pct  # noqa: E402
from bot.supervisor import Stack, StackConfig, quiet_env, rasa_python  # noqa: E402

AS_OF = "2026-11-24"
OUR_PATIENTS = ["icc-001", "icc-002", "icc-003", "icc-005", "icc-007", "icc-012", "icc-013", "icc-014"]
# The bare bot's own stories (mood bot): the same number of turns as ours.
BARE_SCRIPT = ["hello", "I am sad", "no", "hi", "I am great", "bye", "are you a bot?", "goodbye"]
OUR_SCRIPT = ["not sure", "no", "not sure", "no", "summary so far", "why do you ask?", "not sure"]


@dataclass
class LoadResult:
    first: list[float] = field(default_factory=list)
    turns: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0

    def line(self, name: str, n: int) -> str:
        if not self.turns:
            return f"{name:<22} {n:>3} conv: no turns ({self.errors} errors)"
        return (
            f"{name:<22} {n:>3} conv: per-turn p50 {pct(self.turns, 50) * 1000:6.0f} ms  "
            f"p95 {pct(self.turns, 95) * 1000:6.0f} ms  "
            f"first reply p50 {pct(self.first, 50) * 1000:6.0f} ms  "
            f"{len(self.turns) / self.wall:5.1f} turns/s  errors {self.errors}"
        )


def run_load(send, n: int, turns: int, opening, script: list[str]) -> LoadResult:
    """n conversations at once, each: the opening message (timed as the first reply), then
    `turns` scripted messages (timed as turns)."""
    res = LoadResult()
    lock = threading.Lock()

    def one(i: int) -> None:
        conv = f"c{i}-{time.monotonic_ns()}"
        t = time.perf_counter()
        ok = send(conv, opening(i))
        with lock:
            (res.first.append(time.perf_counter() - t) if ok else None)
            res.errors += 0 if ok else 1
        for k in range(turns):
            t = time.perf_counter()
            ok = send(conv, script[k % len(script)])
            with lock:
                if ok:
                    res.turns.append(time.perf_counter() - t)
                else:
                    res.errors += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    res.wall = time.perf_counter() - t0
    return res


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class BareRasa:
    """`rasa init` in a temp dir (trains its default pipeline: DIET + TED), then `rasa run`
    with its REST channel on a free loopback port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def train(self) -> float:
        t = time.perf_counter()
        subprocess.run(
            [str(rasa_python()), "-m", "rasa", "init", "--no-prompt", "--init-dir", str(self.folder)],
            cwd=self.folder,
            env=quiet_env(),
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - t

    def start(self) -> None:
        log = open(self.folder / "run.log", "wb")
        self.proc = subprocess.Popen(
            [str(rasa_python()), "-m", "rasa", "run", "--interface", "127.0.0.1", "--port", str(self.port)],
            cwd=self.folder,
            env=quiet_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.5)
        raise RuntimeError("the bare Rasa bot did not start")

    def send(self, conv: str, text: str) -> bool:
        url = f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"
        r = requests.post(url, json={"sender": conv, "message": text}, timeout=120)
        return r.status_code == 200 and bool(r.json())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def our_sender(stack: Stack):
    from bot.access.tokens import issue

    tokens: dict[str, str] = {}
    session = threading.local()

    def send(conv: str, text: str) -> bool:
        if conv not in tokens:
            tokens[conv] = issue("clinician", user=conv)
        s = getattr(session, "s", None) or requests.Session()
        session.s = s
        r = s.post(
            stack.webhook,
            json={"message": text},
            headers={"Authorization": f"Bearer {tokens[conv]}"},
            timeout=120,
        )
        return r.status_code == 200 and bool(r.json())

    return send


def our_stack(replicas: int) -> Stack:
    state = Path(os.environ["PRESCREEN_STATE_DIR"])
    return Stack(
        StackConfig(
            fhir_dir=str(COHORT),
            as_of=AS_OF,
            rasa_port=free_port(),
            action_port=free_port(),
            replicas=replicas,
            log_dir=state / "logs",
        )
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", default="10,50", help="concurrent conversations (default %(default)s)")
    ap.add_argument("--turns", type=int, default=6, help="turns per conversation after the opening")
    ap.add_argument("--replicas", type=int, default=1, help="also run ours with this many Rasa servers")
    args = ap.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]
    os.environ.setdefault("PRESCREEN_STATE_DIR", tempfile.mkdtemp(prefix="prescreen-bench-state-"))
    results: dict[tuple[str, int], LoadResult] = {}
    memory: dict[str, dict[str, float]] = {}
    per_conversation: dict[str, dict[str, float]] = {}  # kB of RSS growth per conversation

    with tempfile.TemporaryDirectory(prefix="bare-rasa-") as tmp:
        bare = BareRasa(Path(tmp))
        print(f"bare rasa init bot trained in {bare.train():.0f} s", flush=True)
        bare.start()
        try:
            bare.send("warm", "hello")
            before = rss_mb(bare.proc.pid)
            for n in levels:
                results[("bare rasa", n)] = run_load(bare.send, n, args.turns, lambda i: "hello", BARE_SCRIPT)
                print(results[("bare rasa", n)].line("bare rasa", n), flush=True)
            memory["bare rasa"] = {"rasa": rss_mb(bare.proc.pid)}
            grown = memory["bare rasa"]["rasa"] - before
            per_conversation["bare rasa"] = {"rasa": grown * 1024 / sum(levels)}
        finally:
            bare.stop()

    configs = [1] + ([args.replicas] if args.replicas > 1 else [])
    for replicas in configs:
        name = "prescreen" if replicas == 1 else f"prescreen x{replicas}"
        stack = our_stack(replicas)
        t = time.perf_counter()
        stack.start(say=lambda m: print(m, file=sys.stderr))
        print(f"{name}: stack up in {time.perf_counter() - t:.0f} s", flush=True)
        try:
            send = our_sender(stack)
            send("warm", "pre-screen patient icc-001")
            before = {p.name: rss_mb(p.proc.pid) for p in stack.parts if p.proc}
            for n in levels:
                res = run_load(
                    send,
                    n,
                    args.turns,
                    lambda i: f"pre-screen patient {OUR_PATIENTS[i % len(OUR_PATIENTS)]}",
                    OUR_SCRIPT,
                )
                results[(name, n)] = res
                print(res.line(name, n), flush=True)
            memory[name] = {p.name: rss_mb(p.proc.pid) for p in stack.parts if p.proc}
            per_conversation[name] = {
                k: (v - before[k]) * 1024 / sum(levels) for k, v in memory[name].items() if k in before
            }
        finally:
            stack.stop()

    print("\nratio of per-turn latency, ours / bare rasa:")
    for name in sorted({k[0] for k in results} - {"bare rasa"}):
        for n in levels:
            ours, bare_r = results.get((name, n)), results.get(("bare rasa", n))
            if ours and bare_r and ours.turns and bare_r.turns:
                print(
                    f"  {name:<14} {n:>3} conv: p50 {pct(ours.turns, 50) / pct(bare_r.turns, 50):.2f}  "
                    f"p95 {pct(ours.turns, 95) / pct(bare_r.turns, 95):.2f}  "
                    f"(goal <= 1.3 at 10)"
                )
    print("\nmemory per process (RSS after the load, MB):")
    for name, parts in memory.items():
        print(f"  {name:<14} " + ", ".join(f"{k} {v:.0f}" for k, v in parts.items()))
    print("\nmemory per conversation (RSS growth over the load / conversations opened, kB;")
    print("idle conversations leave memory after PRESCREEN_CONVERSATION_IDLE_SECONDS):")
    for name, parts in per_conversation.items():
        print(f"  {name:<14} " + ", ".join(f"{k} {v:.0f}" for k, v in parts.items()))


if __name__ == "__main__":
    main()
