"""Benchmark of `prescreen batch` in search mode (prints figures; not a test).

  .venv/bin/python benchmarks/bench_batch.py [--count 1000] [--workers 1,4,8]
  .venv/bin/python benchmarks/bench_batch.py --fhir-base URL --token T   # a server already loaded

Without --fhir-base it generates COUNT patients (tools/generate_cohort.py --count), starts our
HAPI server (fhir_server/start.sh, in-memory H2) on a free loopback port, loads them, and stops
the server at the end. For each worker count, one fresh child process runs the batch pipeline
(the modules `prescreen batch` runs: candidate search, worker pool, JSONL writer with fsync)
and the parent prints:
  - patients per second (candidate search included);
  - the ratio to the bare HTTP time of the same GET requests, replayed with plain requests
    sessions on as many threads (what fetching, validation, rules and writing add on top);
  - peak memory of the child (ru_maxrss), and CPU seconds of the child and of the HAPI JVM,
    against the machine's cores, to show where the time goes.
Both sides send `Cache-Control: no-cache`: HAPI otherwise reuses a cached result for an identical
search made in the last minute, which would flatter whichever side runs second.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
AS_OF = "2026-11-24"

from benchmarks.common import Hapi, start_hapi  # noqa: E402

# --- the child: one batch run, measured from the inside -------------------------------------


def child(args: argparse.Namespace) -> None:
    from batch import candidates
    from batch.outfile import ReportFile
    from batch.ratelimit import limit_session
    from batch.runner import run, screen_one
    from fhir_ingest.configure import open_source

    source = open_source(args.fhir_base, None)
    client = source.client
    client.session.headers["Cache-Control"] = "no-cache"
    limit_session(client.session, None, pool_size=args.workers + 4)
    urls: list[str] = []
    client.session.hooks["response"].append(lambda r, *a, **k: urls.append(r.request.url))
    spent = {"load": 0.0}
    lock = threading.Lock()

    class Timed:  # the source, with the time spent fetching and validating added up
        def load(self, pid: str):
            t0 = time.perf_counter()
            try:
                return source.load(pid)
            finally:
                with lock:
                    spent["load"] += time.perf_counter() - t0

    timed = Timed()
    work_time = {"all": 0.0}

    def work(pid: str):
        t0 = time.perf_counter()
        outcome = screen_one(timed, pid, AS_OF)
        with lock:
            work_time["all"] += time.perf_counter() - t0
        return outcome

    t0 = time.perf_counter()
    ids = candidates.from_server(client)
    t_cand = time.perf_counter() - t0
    out = ReportFile(Path(args.out))
    out.prepare(resume=False, retry_errors=False, overwrite=True)
    result = run(ids, work, out, done={}, workers=args.workers)
    out.close()
    elapsed = time.perf_counter() - t0
    Path(args.urls).write_text("\n".join(urls))
    print(
        json.dumps(
            {
                "patients": result.written,
                "errors": result.counts.get("error", 0),
                "elapsed": elapsed,
                "candidates_s": t_cand,
                "load_s": spent["load"],
                "screen_s": work_time["all"] - spent["load"],
                "requests": len(urls),
            }
        )
    )


# --- the parent ----------------------------------------------------------------------------


def generate_and_start(count: int, workdir: Path) -> Hapi:
    gen = workdir / "gen"
    subprocess.run(
        [
            sys.executable,
            str(REPO / "tools/generate_cohort.py"),
            "--count",
            str(count),
            "--out",
            str(gen),
            "--seed",
            "7",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return start_hapi(gen, workdir / "hapi")


def jvm_cpu_seconds(env: dict | None) -> float | None:
    """utime+stime of the HAPI JVM we started (None for an outside server)."""
    if not env:
        return None
    try:
        pid = (Path(env["PRESCREEN_FHIR_RUN_DIR"]) / "fhir-server.pid").read_text().strip()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_child(base: str, token: str | None, workers: int, workdir: Path) -> tuple[dict, object]:
    env = dict(os.environ)
    if token:
        env["PRESCREEN_FHIR_TOKEN"] = token
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--fhir-base",
        base,
        "--workers",
        str(workers),
        "--out",
        str(workdir / f"w{workers}.jsonl"),
        "--urls",
        str(workdir / f"w{workers}.urls"),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (peak memory, CPU)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({proc.returncode})")
    return json.loads(out.strip().splitlines()[-1]), usage


def bare_replay(urls: list[str], token: str | None, threads: int) -> float:
    """Wall time of GETting `urls` with plain sessions on `threads` threads."""
    import requests

    headers = {"Accept": "application/fhir+json", "Cache-Control": "no-cache"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    lock = threading.Lock()
    it = iter(urls)

    def worker() -> None:
        session = requests.Session()
        while True:
            with lock:
                url = next(it, None)
            if url is None:
                return
            _ = session.get(url, headers=headers, timeout=60).content

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fhir-base")
    ap.add_argument("--token")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--workers", default="1,4,8")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--urls", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        args.workers = int(args.workers)
        child(args)
        return
    workdir = Path(tempfile.mkdtemp(prefix="prescreen-bench-batch-"))
    env = None
    base, token = args.fhir_base, args.token
    try:
        if not base:
            hapi = generate_and_start(args.count, workdir)
            base, token, env = hapi.base, hapi.token, hapi.env
        counts = [int(w) for w in args.workers.split(",")]
        run_child(base, token, 4, workdir)  # warm-up: JIT, H2 caches, connection set-up
        print(f"machine: {os.cpu_count()} cores; as of {AS_OF}")
        print(
            f"{'workers':>7} {'patients':>8} {'wall s':>7} {'pat/s':>6} {'reqs':>6} {'bare s':>7} "
            f"{'ratio':>5} {'peak MB':>7} {'client CPU s':>12} {'HAPI CPU s':>10} "
            f"{'fetch s':>8} {'rules s':>8}"
        )
        for workers in counts:
            jvm0 = jvm_cpu_seconds(env)
            fig, usage = run_child(base, token, workers, workdir)
            jvm1 = jvm_cpu_seconds(env)
            urls = (workdir / f"w{workers}.urls").read_text().splitlines()
            bare = bare_replay(urls, token, workers)
            hapi_cpu = f"{jvm1 - jvm0:.1f}" if jvm0 is not None and jvm1 is not None else "-"
            print(
                f"{workers:>7} {fig['patients']:>8} {fig['elapsed']:>7.1f} "
                f"{fig['patients'] / fig['elapsed']:>6.1f} {fig['requests']:>6} {bare:>7.1f} "
                f"{fig['elapsed'] / bare:>5.2f} {usage.ru_maxrss / 1024:>7.0f} "
                f"{usage.ru_utime + usage.ru_stime:>12.1f} {hapi_cpu:>10} "
                f"{fig['load_s']:>8.1f} {fig['screen_s']:>8.1f}",
                flush=True,
            )
            if fig["errors"]:
                print(f"  ({fig['errors']} error lines)")
        print(
            "fetch s / rules s: time summed over workers inside source.load (HTTP, JSON, validation) "
            "and inside the rules engine; wall s includes the candidate search."
        )
    finally:
        if env:
            hapi.stop()


if __name__ == "__main__":
    main()
