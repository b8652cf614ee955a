"""Helpers shared by the batch tests: run `prescreen batch`, read its output, the cohort."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRESCREEN = str(Path(sys.executable).parent / "prescreen")
COHORT = REPO / "data" / "synthetic" / "bundles"
AS_OF = "2026-11-24"


def batch(*args: str, token: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([PRESCREEN, "batch", *args], capture_output=True, text=True, timeout=timeout,
                          env=env_with(token))


def start_batch(*args: str, token: str | None = None) -> subprocess.Popen:
    return subprocess.Popen([PRESCREEN, "batch", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env_with(token))


def env_with(token: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PRESCREEN_FHIR_TOKEN", "PRESCREEN_FHIR_BASE")}
    if token:
        env["PRESCREEN_FHIR_TOKEN"] = token
    return env


def read_jsonl(path: Path) -> list[dict]:
    """Whole lines only (a killed run may leave a torn last line)."""
    data = path.read_bytes()
    return [json.loads(x) for x in data[: data.rfind(b"\n") + 1].splitlines() if x.strip()]


def by_patient(lines: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for x in lines:
        assert x["patient"] not in out, f"{x['patient']} reported twice"
        out[x["patient"]] = x
    return out


@lru_cache(maxsize=1)
def icc_patients() -> tuple[str, ...]:
    """Cohort patients with an ICC Condition, from the files (what search mode must find)."""
    from batch.candidates import has_icc_condition
    from fhir_ingest.sources import DirSource

    source = DirSource(COHORT)
    return tuple(p for p in source.patient_ids() if has_icc_condition(source.load(p).resources))
