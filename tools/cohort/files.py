"""What the default run writes under data/synthetic/: bundles, the Group, expected.json, README.md."""
from __future__ import annotations

import json
import uuid

from .expected import CRITERIA, POSSIBLE, verdict_of
from .record import AS_OF
from .stories import PATIENTS, build_case, expected_for


def transaction(resources):
    entries = []
    for r in resources:
        url = f"{r['resourceType']}/{r['id']}"
        full = uuid.uuid5(uuid.NAMESPACE_URL, f"https://prescreen.example.org/synthetic/{url}")
        entries.append({"fullUrl": f"urn:uuid:{full}", "resource": r,
                        "request": {"method": "PUT", "url": url}})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def group(gid, name, pids):
    return {"resourceType": "Group", "id": gid, "type": "person", "actual": True, "name": name,
            "quantity": len(pids), "member": [{"entity": {"reference": f"Patient/{p}"}} for p in pids]}


def dumps(obj, indent=1):
    if indent:
        return json.dumps(obj, ensure_ascii=False, indent=indent) + "\n"
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def hand_outputs():
    """Everything the default run writes, as {relative path: text}."""
    files = {}
    patients = {}
    for spec in PATIENTS:
        c = build_case(spec)
        files[f"bundles/{spec['pid']}.json"] = dumps(transaction(c.resources()))
        crit = expected_for(spec)
        patients[spec["pid"]] = {"story": spec["story"], "demonstrates": spec["shows"],
                                 "verdict": verdict_of(crit), "criteria": crit}
    pids = [s["pid"] for s in PATIENTS]
    files["bundles/group-icc-cohort.json"] = dumps(transaction([group(
        "icc-cohort", "NCT03951597 synthetic ICC pre-screening cohort", pids)]))
    expected = {"as_of": AS_OF.isoformat(), "patients": patients, "coverage": coverage(patients)}
    files["expected.json"] = dumps(expected, indent=2)
    files["README.md"] = readme(patients)
    return files


def coverage(patients):
    cov = {}
    for crit in CRITERIA:
        cov[crit] = {}
        for status in ["pass", "fail", "unknown", "pending"]:
            who_ = [pid for pid, p in patients.items() if p["criteria"][crit] == status]
            if who_:
                cov[crit][status] = who_
    return cov


def readme(patients):
    lines = [
        "# Synthetic ICC pre-screening cohort",
        "",
        f"As-of date: **{AS_OF.isoformat()}** (`AS_OF` in `tools/generate_cohort.py`). Every date in these",
        "records is computed as AS_OF minus a number of days, so run the rules with `--as-of "
        f"{AS_OF.isoformat()}`;",
        "with any other date the expectations below do not hold.",
        "",
        "- `bundles/<patient-id>.json`: one FHIR R4 transaction Bundle per patient (PUT with fixed ids).",
        "- `bundles/group-icc-cohort.json`: `Group/icc-cohort` listing every patient (load it last).",
        "- `expected.json`: per patient, the status of each of the 36 criteria of",
        "  `shared/spec/criteria.md` and the verdict, from the record alone (no answers); plus `coverage`:",
        "  for each criterion, which patients show each status.",
        "",
        "Everything here is written by the generator and is byte-identical on every run. Do not edit it",
        "by hand: change `tools/generate_cohort.py` and run it.",
        "",
        "## Regenerate and check",
        "",
        "```sh",
        "python3.10 tools/generate_cohort.py            # rewrite data/synthetic/",
        "python3.10 tools/generate_cohort.py --check    # up to date, expected.json complete, valid FHIR",
        "python3.10 tools/generate_cohort.py --count 1000 --out /tmp/gen --seed 7   # benchmark cohort",
        "```",
        "",
        "The benchmark mode writes `gen-000001`... and `Group/gen-cohort` from the same building blocks",
        "with seeded random values and deviations (same N and seed, same files); it has no expectations.",
        "",
        "## Load into a FHIR server",
        "",
        "```sh",
        ".venv/bin/python tools/load_fhir.py data/synthetic/bundles --fhir-base http://127.0.0.1:8090/fhir",
        "# bearer token: --token TOKEN or PRESCREEN_FHIR_TOKEN",
        "```",
        "",
        "Bundles are posted in name order with the Group last; the loader stops at the first error and",
        "names the file, the HTTP status and the server's OperationOutcome diagnostics.",
        "",
        "## Conventions",
        "",
        "- Baseline record (what every patient has unless its row says otherwise): a man of 50-70, ICC on a",
        "  final pathology report (C22.1 / SNOMED 109842005 / ICD-O-3 8160/3) and an ICC Condition, labs 6",
        "  days before AS_OF all normal, ECOG 0 (day 5), Child-Pugh class A recorded (day 5), one normal",
        "  blood pressure and a weight (day 6), HBsAg, anti-HCV and HIV negative (day 45).",
        "- `us` patients use conventional units (g/dL, mg/dL, U/L, 10*3/uL); `si` patients (marked SI below)",
        "  use a Shanghai laboratory's SI units (g/L, umol/L, ukat/L, pmol/L, 10*9/L), ICD-10-CN codes and",
        "  serology as text (阴性/阳性).",
        "- Boundary values are exact in decimal (bilirubin 1.8 mg/dL with ULN 1.2 is exactly 1.5 x ULN);",
        "  note that 1.5 * 1.2 is 1.7999999999999998 in binary floating point.",
        "- Criteria never settled by the record (consent, investigator judgment: `pending`; tissue,",
        "  resectability, measurable lesion, cardiopulmonary/renal function, active infection and the",
        "  history exclusions the record never passes: `unknown`) make every verdict at best",
        "  `needs_information`.",
        "",
        "## Patients",
        "",
        "| patient | story | expected verdict | demonstrates |",
        "|---|---|---|---|",
    ]
    profiles = {s["pid"]: s["profile"] for s in PATIENTS}
    for pid, p in patients.items():
        tag = " (SI)" if profiles[pid] == "si" else ""
        lines.append(f"| {pid}{tag} | {p['story']} | {p['verdict']} | {p['demonstrates']} |")
    lines += ["", "## Coverage", "",
              "Statuses the record alone can produce per criterion, and the patients showing them:", "",
              "| criterion | pass | fail | unknown | pending |", "|---|---|---|---|---|"]
    cov = coverage(patients)
    for crit in CRITERIA:
        cells = []
        for st in ["pass", "fail", "unknown", "pending"]:
            who_ = cov[crit].get(st, [])
            if st not in POSSIBLE[crit]:
                cells.append("—")
            elif len(who_) > 4:
                cells.append(", ".join(who_[:3]) + f" … ({len(who_)})")
            else:
                cells.append(", ".join(who_))
        lines.append(f"| `{crit}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_files(files, root):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
