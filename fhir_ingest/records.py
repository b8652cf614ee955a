"""One patient's resources, and the reference helpers both sources share."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .validate import Issue, validate_resource

# Where a resource names the patient it is about (Coverage uses beneficiary).
PATIENT_REFERENCE_FIELDS = ("subject", "patient", "beneficiary")
# Resources whose medication[x] may point at a separate Medication resource.
MEDICATION_USE_TYPES = frozenset(
    {"MedicationRequest", "MedicationStatement", "MedicationAdministration", "MedicationDispense"}
)

# "Patient/x", "Patient/x/_history/2", "https://host/fhir/Patient/x" (FHIR id syntax).
_REF_RE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")
# FHIR id syntax. Matched whole (fullmatch: no trailing newline), and never dots alone,
# which a server would read as "." or ".." path segments.
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")

TypeId = tuple[str, str]


@dataclass
class PatientRecord:
    """A patient's valid resources (deduplicated by type/id, sorted by type then id) and
    the issues met while gathering them (invalid resources skipped, files unreadable...)."""

    patient_id: str
    resources: list[dict] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def of_type(self, resource_type: str) -> list[dict]:
        return [r for r in self.resources if r.get("resourceType") == resource_type]

    @property
    def patient(self) -> dict | None:
        found = self.of_type("Patient")
        return found[0] if found else None


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and FHIR_ID.fullmatch(value) is not None and value.strip(".") != ""


def parse_reference(ref: Any, full_urls: Mapping[str, TypeId] | None = None) -> TypeId | None:
    """(type, id) a reference string points to; None for contained ('#x') or unknown forms."""
    if not isinstance(ref, str) or not ref or ref.startswith("#"):
        return None
    if full_urls and ref in full_urls:
        return full_urls[ref]
    m = _REF_RE.search(ref)
    return (m.group(1), m.group(2)) if m else None


def patient_id_of(resource: dict, full_urls: Mapping[str, TypeId] | None = None) -> str | None:
    """The id of the patient a resource belongs to, or None."""
    if resource.get("resourceType") == "Patient":
        rid = resource.get("id")
        return rid if isinstance(rid, str) and rid else None
    for name in PATIENT_REFERENCE_FIELDS:
        value = resource.get(name)
        if isinstance(value, dict):
            target = parse_reference(value.get("reference"), full_urls)
            if target and target[0] == "Patient":
                return target[1]
    return None


def medication_references(resource: dict) -> list[TypeId]:
    """Medication resources a medication-use resource points to (contained ones excluded)."""
    if resource.get("resourceType") not in MEDICATION_USE_TYPES:
        return []
    ref = resource.get("medicationReference")
    target = parse_reference(ref.get("reference")) if isinstance(ref, dict) else None
    return [target] if target and target[0] == "Medication" else []


def _last_updated(resource: dict) -> str:
    meta = resource.get("meta")
    value = meta.get("lastUpdated") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else ""


# Resource types the facts layer reads: validated against the full R4 model. Others (Claim,
# Encounter, Procedure...) only get a light check: nothing is decided from them.
READ_TYPES = frozenset(
    {
        "Patient",
        "Observation",
        "Condition",
        "MedicationRequest",
        "MedicationStatement",
        "MedicationAdministration",
        "Medication",
        "AllergyIntolerance",
        "DiagnosticReport",
    }
)


def assemble_record(
    patient_id: str, found: Iterable[tuple[str, Any]], issues: Iterable[Issue] = ()
) -> PatientRecord:
    """Validate (where, resource) pairs into a record: invalid ones become issues,
    duplicates of one type/id keep the most recently updated copy (first one on a tie)."""
    kept: dict[TypeId, dict] = {}
    out_issues = list(issues)
    for where, obj in found:
        deep = not isinstance(obj, dict) or obj.get("resourceType") in READ_TYPES
        result = validate_resource(obj, where, deep=deep)
        if result.resource is None:
            if result.issue is not None:
                out_issues.append(result.issue)
            continue
        res = result.resource
        rid = res.get("id")
        if not isinstance(rid, str) or not rid:
            out_issues.append(Issue(where, f"{res['resourceType']}/?", "resource has no id"))
            continue
        key = (res["resourceType"], rid)
        if key not in kept or _last_updated(res) > _last_updated(kept[key]):
            kept[key] = res
    resources = [kept[k] for k in sorted(kept)]
    return PatientRecord(patient_id, resources, _unique(out_issues))


def _unique(issues: list[Issue]) -> list[Issue]:
    seen: set[Issue] = set()
    out = []
    for issue in issues:
        if issue not in seen:
            seen.add(issue)
            out.append(issue)
    return out
