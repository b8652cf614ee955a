"""Benchmark of `prescreen check` (prints figures; not a test).

  .venv/bin/python benchmarks/bench_check.py [--fhir-base URL --token T] [--rounds 3]

Without --fhir-base it starts our HAPI server (fhir_server/start.sh) on a free loopback port,
loads the synthetic cohort and stops the server at the end. It prints:
  - median and p95 wall time of a whole check per patient against HAPI (fetch + parse + rules);
  - reports per second from already-fetched records on one core (rules alone);
  - the ratio of the whole check to the bare HTTP time of the same GET requests, replayed
    with a plain requests session (what our client, validation and rules add on top).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.common import pct, start_hapi  # noqa: E402
from eligibility import screen  # noqa: E402
from fhir_ingest.configure import open_source  # noqa: E402
from fhir_ingest.sources import DirSource  # noqa: E402

AS_OF = "2026-11-24"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fhir-base")
    ap.add_argument("--token")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    env = None
    base, token = args.fhir_base, args.token
    if not base:
        hapi = start_hapi()
        base, token, env = hapi.base, hapi.token, hapi.env
    try:
        if token:
            os.environ["PRESCREEN_FHIR_TOKEN"] = token
        source = open_source(base, None)
        urls: list[str] = []
        source.client.session.hooks["response"].append(lambda r, *a, **k: urls.append(r.request.url))
        ids = DirSource(REPO / "data/synthetic/bundles").patient_ids()
        source.load(ids[0])  # warm-up: connections, HAPI caches
        bare = requests.Session()
        headers = {"Accept": "application/fhir+json", "Authorization": f"Bearer {token}"} if token else {}
        timings, bare_timings, records, n_requests = [], [], {}, 0
        # Each check is followed at once by a bare replay of its own GETs, so both meet the
        # server in the same state (warm caches, same load).
        for _ in range(args.rounds):
            for pid in ids:
                urls.clear()
                t0 = time.perf_counter()
                record = source.load(pid)
                screen(record.resources, AS_OF)
                timings.append(time.perf_counter() - t0)
                records[pid] = record.resources
                n_requests += len(urls)
                t0 = time.perf_counter()
                for url in list(urls):
                    _ = bare.get(url, headers=headers, timeout=30).content  # read the whole body
                bare_timings.append(time.perf_counter() - t0)
        check_total, bare_total = sum(timings), sum(bare_timings)
        urls = [None] * n_requests

        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 5:
            for resources in records.values():
                screen(resources, AS_OF)
                n += 1
        per_sec = n / (time.perf_counter() - t0)

        print(
            f"patients: {len(ids)} x {args.rounds} rounds; requests per check: {len(urls) / len(timings):.1f}"
        )
        print(
            f"check per patient against HAPI: median {statistics.median(timings) * 1000:.1f} ms, "
            f"p95 {pct(timings, 95) * 1000:.1f} ms"
        )
        print(f"rules alone, already-fetched records, one core: {per_sec:.0f} reports/s")
        print(
            f"whole check {check_total:.2f} s vs bare HTTP of the same {len(urls)} GETs {bare_total:.2f} s: "
            f"ratio {check_total / bare_total:.2f}"
        )
    finally:
        if env:
            hapi.stop()


if __name__ == "__main__":
    main()
