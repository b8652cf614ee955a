"""The report: verdict, contract JSON, input hash, and the text a clinician reads in ten seconds."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from eligibility.model import Answer, CriterionResult

VERDICT_WORDS = {
    "potentially_eligible": "potentially eligible",
    "ineligible": "ineligible",
    "needs_information": "needs information",
}


def verdict_of(results: list[CriterionResult], deceased: str | None = None) -> str:
    if deceased:
        return "ineligible"  # criteria.md "Deceased"
    statuses = {r.status for r in results}
    if "fail" in statuses:
        return "ineligible"
    if "unknown" in statuses:
        return "needs_information"
    return "potentially_eligible"


def _strip_meta(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if k != "meta"}


def input_hash(resources: list[dict], answers: list[Answer], as_of: str, rules_version: str) -> str:
    """SHA-256 of canonical JSON of what the decision rests on (contract.md)."""
    body = {
        "resources": sorted(
            (_strip_meta(r) for r in resources),
            key=lambda r: (r.get("resourceType", ""), str(r.get("id", ""))),
        ),
        "answers": sorted((a.to_dict() for a in answers), key=lambda a: json.dumps(a, sort_keys=True)),
        "as_of": as_of,
        "rules_version": rules_version,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Report:
    patient: str
    trial: str
    as_of: str
    criteria: list[CriterionResult]
    rules_version: str
    input_hash: str
    notes: list[str] = field(default_factory=list)
    deceased: str | None = None  # "deceased 2025-03-02": the verdict is ineligible, said in notes

    @property
    def verdict(self) -> str:
        return verdict_of(self.criteria, self.deceased)

    @property
    def missing(self) -> list[str]:
        return [r.id for r in self.criteria if r.status == "unknown"]

    def result(self, criterion_id: str) -> CriterionResult:
        return next(r for r in self.criteria if r.id == criterion_id)

    def status(self, criterion_id: str) -> str:
        return self.result(criterion_id).status

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "trial": self.trial,
            "as_of": self.as_of,
            "verdict": self.verdict,
            "criteria": [r.to_dict() for r in self.criteria],
            "missing": self.missing,
            "notes": self.notes,
            "rules_version": self.rules_version,
            "input_hash": self.input_hash,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        """Verdict, then what failed and why, then what to ask or repeat, then what passed."""
        lines = [
            f"{self.patient}  {self.trial}  as of {self.as_of}",
            f"Verdict: {VERDICT_WORDS[self.verdict]}",
        ]
        if self.deceased:
            lines.append(f"Patient {self.deceased}: not screened further")
        groups = {
            s: [r for r in self.criteria if r.status == s] for s in ("fail", "unknown", "pass", "pending")
        }
        if groups["fail"]:
            lines.append("")
            lines.append("Rules the patient out:")
            lines += [f"  x {r.id}: {r.reason}{_refs(r)}" for r in groups["fail"]]
        if groups["unknown"]:
            lines.append("")
            lines.append(f"To ask or repeat ({len(groups['unknown'])}):")
            lines += [
                f"  ? {r.id}: {r.reason}" + (" [conflict]" if r.conflict else "") for r in groups["unknown"]
            ]
        if groups["pass"]:
            lines.append("")
            lines.append(f"Met from the record ({len(groups['pass'])}):")
            lines += [f"  + {r.id}: {r.reason}" for r in groups["pass"]]
        if groups["pending"]:
            lines.append("")
            lines.append("At the screening visit: " + ", ".join(r.id for r in groups["pending"]))
        if self.notes:
            lines.append("")
            lines.append("Investigator notes:")
            lines += [f"  - {n}" for n in self.notes]
        lines.append("")
        lines.append(f"rules {self.rules_version}  input {self.input_hash[:16]}")
        return "\n".join(lines) + "\n"


def _refs(r: CriterionResult) -> str:
    refs = [e.reference for e in r.evidence if e.reference]
    return f" [{', '.join(dict.fromkeys(refs))}]" if refs else ""
