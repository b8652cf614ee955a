"""Benchmark of the folder source at scale (prints figures; not a test).

  .venv/bin/python benchmarks/bench_folder.py [--patients 2000] [--rounds 15] [--keep DIR]

Generates a folder of N synthetic patients (tools/generate_cohort.py --count N, one Bundle per
patient), indexes it once (the index is kept beside the files), then prints:
  - the one-time index build;
  - one `check` on the big folder / the same check on a folder holding only that patient
    (goal <= 1.5): in process (a fresh DirSource each round: index freshness check, load,
    screen), and as the `prescreen check` command (process start included), with the peak
    memory of the command on each folder;
  - batch reports/s over the whole folder at 1 and 2 processes (batch.runner with a ScreenJob)
    / the json.loads rate of the same files (reading and parsing them, nothing else: the
    parsing limit), with the peak memory of the batch (parent and workers).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from batch.outfile import ReportFile  # noqa: E402
from batch.runner import ScreenJob, run  # noqa: E402
from eligibility import screen  # noqa: E402
from fhir_ingest.dir_index import INDEX_NAME  # noqa: E402
from fhir_ingest.sources import DirSource  # noqa: E402

AS_OF = "2026-11-24"


def generate(folder: Path, n: int) -> None:
    subprocess.run(
        [
            sys.executable,
            str(REPO / "tools" / "generate_cohort.py"),
            "--count",
            str(n),
            "--out",
            str(folder),
            "--seed",
            "1",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def check_in_process(folder: Path, pid: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        record = DirSource(folder).load(pid)
        screen(record.resources, AS_OF)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def check_command(folder: Path, pid: str, rounds: int) -> tuple[float, float]:
    """Median wall seconds and peak RSS (MB) of `prescreen check` as a process."""
    times, peaks = [], []
    cmd = [sys.executable, "-m", "bot.cli", "check", pid, "--fhir-dir", str(folder), "--as-of", AS_OF]
    for _ in range(rounds):
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - t0)
        peaks.append(usage.ru_maxrss / 1024)
        if status != 0:
            raise SystemExit(f"prescreen check failed with status {status}")
    return statistics.median(times), max(peaks)


def json_rate(folder: Path) -> float:
    files = sorted(p for p in folder.glob("*.json") if not p.name.startswith("group-"))
    t0 = time.perf_counter()
    for p in files:
        json.loads(p.read_bytes())
    return len(files) / (time.perf_counter() - t0)


def batch_rate(folder: Path, ids: list[str], processes: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = ReportFile(Path(tmp) / "r.jsonl")
        out.prepare(resume=False, retry_errors=False, overwrite=False)
        t0 = time.perf_counter()
        result = run(
            ids, ScreenJob(DirSource(folder), date.fromisoformat(AS_OF)), out, done={}, workers=processes
        )
        elapsed = time.perf_counter() - t0
        out.close()
    assert result.written == len(ids), result
    return len(ids) / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--keep", help="generate into (or reuse) this folder")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-folder-"))
    big = work / "big"
    if not (big.is_dir() and len(list(big.glob("gen-*.json"))) == args.patients):
        shutil.rmtree(big, ignore_errors=True)
        generate(big, args.patients)
    (big / INDEX_NAME).unlink(missing_ok=True)
    t0 = time.perf_counter()
    ids = DirSource(big).patient_ids()
    build = time.perf_counter() - t0
    pid = ids[len(ids) // 2]
    one = work / "one"
    shutil.rmtree(one, ignore_errors=True)
    one.mkdir()
    shutil.copy(big / f"{pid}.json", one / f"{pid}.json")
    DirSource(one).patient_ids()  # index the one-patient folder too

    check_in_process(big, pid, 2)  # warm the page cache and imports
    in_big, in_one = check_in_process(big, pid, args.rounds), check_in_process(one, pid, args.rounds)
    cmd_big, mem_big = check_command(big, pid, max(3, args.rounds // 3))
    cmd_one, mem_one = check_command(one, pid, max(3, args.rounds // 3))
    parse = json_rate(big)
    rates = {n: batch_rate(big, ids, n) for n in (1, 2)}
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    size = sum(p.stat().st_size for p in big.glob("*.json")) / 1e6
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    print(f"folder: {len(ids)} patients, {size:.0f} MB of Bundles; {cores} cores, load average {load:.1f}")
    print(f"index build (once, kept beside the files): {build:.1f} s")
    print(
        f"check in process: {in_big * 1000:.1f} ms on the big folder vs {in_one * 1000:.1f} ms on a "
        f"one-patient folder: ratio {in_big / in_one:.2f} (goal <= 1.5)"
    )
    print(
        f"`prescreen check` command: {cmd_big * 1000:.0f} ms vs {cmd_one * 1000:.0f} ms: ratio "
        f"{cmd_big / cmd_one:.2f}; peak memory {mem_big:.0f} MB vs {mem_one:.0f} MB"
    )
    print(f"json.loads of the same files (read + parse only): {parse:.0f} files/s")
    for n, rate in rates.items():
        print(
            f"batch at {n} process{'es' if n > 1 else ''}: {rate:.0f} reports/s = {rate / parse:.2f} x the "
            "json.loads rate"
        )
    print(
        f"peak memory: this process {peak_self:.0f} MB; largest child (a check or a batch worker) "
        f"{peak_children:.0f} MB"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
