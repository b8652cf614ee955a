"""What the benchmarks share: a HAPI server of our own (free loopback port, loaded, stopped)
and a percentile."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.supervisor import free_port  # noqa: F401 (re-exported for the scripts)

REPO = Path(__file__).resolve().parent.parent
COHORT = REPO / "data" / "synthetic" / "bundles"


@dataclass
class Hapi:
    base: str
    token: str
    env: dict

    def stop(self) -> None:
        subprocess.run(["bash", str(REPO / "fhir_server/stop.sh")], env=self.env, stdout=subprocess.DEVNULL)


def start_hapi(bundles: Path = COHORT, run_dir: Path | None = None) -> Hapi:
    """Start HAPI (in-memory H2) with a fresh token and load a folder of transaction Bundles."""
    port, token = free_port(), secrets.token_urlsafe(16)
    env = dict(
        os.environ,
        PRESCREEN_FHIR_PORT=str(port),
        PRESCREEN_FHIR_TOKEN=token,
        PRESCREEN_FHIR_RUN_DIR=str(run_dir or f"/tmp/prescreen-bench-{port}"),
    )
    env.pop("PRESCREEN_FHIR_DB_DIR", None)
    subprocess.run(
        ["bash", str(REPO / "fhir_server/start.sh")], env=env, check=True, stdout=subprocess.DEVNULL
    )
    hapi = Hapi(f"http://127.0.0.1:{port}/fhir", token, env)
    t0 = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(REPO / "tools/load_fhir.py"),
            str(bundles),
            "--fhir-base",
            hapi.base,
            # One argument: a token may begin with "-" (argparse would read it as an option).
            f"--token={token}",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"HAPI at {hapi.base}, loaded {bundles.name} in {time.perf_counter() - t0:.0f} s", flush=True)
    return hapi


def pct(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank."""
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]
