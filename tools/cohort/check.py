"""--check: the committed cohort is what the generator writes, complete and valid FHIR."""
from __future__ import annotations

import json
from pathlib import Path

from .expected import CRITERIA, POSSIBLE, verdict_of
from .files import hand_outputs

ROOT = Path(__file__).resolve().parents[2]
SYNTH = ROOT / "data" / "synthetic"

ID_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")


def check():
    problems = []
    files = hand_outputs()
    for rel, text in files.items():
        path = SYNTH / rel
        if not path.exists():
            problems.append(f"missing: {path.relative_to(ROOT)}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"out of date: {path.relative_to(ROOT)} (run tools/generate_cohort.py)")
    on_disk = {p.relative_to(SYNTH).as_posix() for p in (SYNTH / "bundles").glob("*.json")}
    for extra in sorted(on_disk - set(files)):
        problems.append(f"stray file: data/synthetic/{extra}")

    expected = json.loads(files["expected.json"])
    for pid, p in expected["patients"].items():
        if list(p["criteria"]) != CRITERIA:
            problems.append(f"{pid}: criteria ids differ from the 36 of criteria.md")
        for crit, st in p["criteria"].items():
            if st not in POSSIBLE.get(crit, []):
                problems.append(f"{pid}: {crit} = {st}, which the record alone cannot give")
        if p["verdict"] != verdict_of(p["criteria"]):
            problems.append(f"{pid}: verdict {p['verdict']} inconsistent with its statuses")
    cov = expected["coverage"]
    for crit in CRITERIA:
        for st in POSSIBLE[crit]:
            if not cov.get(crit, {}).get(st):
                problems.append(f"coverage: no patient shows {crit} = {st}")
    if not any(p["verdict"] == "needs_information" for p in expected["patients"].values()):
        problems.append("coverage: no patient without a record-settled failure")

    # structure: ids, references, dates of the bundles
    for rel, text in files.items():
        if not rel.startswith("bundles/"):
            continue
        bundle = json.loads(text)
        ids = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
        for e in bundle["entry"]:
            r = e["resource"]
            rid = r["id"]
            if len(rid) > 64 or set(rid) - ID_OK or rid.isdigit():
                problems.append(f"{rel}: bad id {rid}")
            if e["request"]["url"] != f"{r['resourceType']}/{rid}":
                problems.append(f"{rel}: request url mismatch for {rid}")
            for ref in _references(r):
                if ref not in ids and not ref.startswith("Patient/"):
                    problems.append(f"{rel}: {rid} refers to {ref}, not in the bundle")
    problems += validate_fhir(files)
    for p in problems:
        print(p)
    n = len(expected["patients"])
    print(f"{'FAILED' if problems else 'ok'}: {n} patients, {len(CRITERIA)} criteria, "
          f"{sum(len(v) for v in POSSIBLE.values())} criterion statuses covered")
    return 1 if problems else 0


def _references(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from _references(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _references(v)


def validate_fhir(files):
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:
        print("note: fhir.resources not installed; FHIR validation skipped")
        return []
    problems = []
    for rel, text in files.items():
        if rel.startswith("bundles/"):
            try:
                Bundle.model_validate(json.loads(text))
            except Exception as exc:  # any validation error, reported with the file name
                problems.append(f"{rel}: not valid FHIR R4: {str(exc).splitlines()[0]}")
    return problems
