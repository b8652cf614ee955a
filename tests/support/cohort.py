"""What the synthetic cohort files hold, counted straight from the JSON (not through
fhir_ingest), so server tests can compare what came back with what was loaded."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The lead's conftest loads this folder into HAPI; override only to develop elsewhere.
COHORT_DIR = Path(os.environ.get("PRESCREEN_TEST_COHORT", REPO / "data" / "synthetic" / "bundles"))
_PATIENT_REF = re.compile(r"(?:^|/)Patient/([A-Za-z0-9\-.]{1,64})$")


@lru_cache(maxsize=1)
def cohort_resources() -> tuple[tuple[str, str, str | None, dict], ...]:
    """(type, id, patient id or None, resource) of every entry of every cohort Bundle."""
    out = []
    for path in sorted(COHORT_DIR.glob("*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        entries = [e for e in bundle.get("entry", []) if isinstance(e.get("resource"), dict)]
        urls = {}
        for e in entries:
            r = e["resource"]
            rid = r.get("id") or str(e.get("request", {}).get("url", "")).rpartition("/")[2]
            if e.get("fullUrl"):
                urls[e["fullUrl"]] = (r["resourceType"], rid)
        for e in entries:
            r = e["resource"]
            rid = r.get("id") or str(e.get("request", {}).get("url", "")).rpartition("/")[2]
            out.append((r["resourceType"], rid, _patient_of(r, urls), r))
    return tuple(out)


def _patient_of(r: dict, urls: dict) -> str | None:
    if r["resourceType"] == "Patient":
        return r.get("id")
    for name in ("subject", "patient"):
        ref = (r.get(name) or {}).get("reference", "")
        if ref in urls and urls[ref][0] == "Patient":
            return urls[ref][1]
        m = _PATIENT_REF.search(ref)
        if m:
            return m.group(1)
    return None


def patient_ids() -> list[str]:
    return sorted({rid for t, rid, _, _ in cohort_resources() if t == "Patient"})


def counts(patient_id: str) -> Counter[str]:
    """Resources per type that name this patient."""
    return Counter(t for t, _, pid, _ in cohort_resources() if pid == patient_id)


def ids(patient_id: str, resource_type: str) -> set[str]:
    return {rid for t, rid, pid, _ in cohort_resources() if pid == patient_id and t == resource_type}


def observation_codes(patient_id: str | None = None) -> list[str]:
    """Every 'system|code' of the cohort's Observations (one patient's, or everyone's)."""
    codes = set()
    for t, _, pid, r in cohort_resources():
        if t != "Observation" or (patient_id and pid != patient_id):
            continue
        for coding in (r.get("code") or {}).get("coding", []):
            if coding.get("system") and coding.get("code"):
                codes.add(f"{coding['system']}|{coding['code']}")
    return sorted(codes)


def richest_patient(resource_type: str = "Observation") -> str:
    """The patient with the most resources of a type (the best one to page through)."""
    best = max(patient_ids(), key=lambda p: (counts(p)[resource_type], p))
    return best
