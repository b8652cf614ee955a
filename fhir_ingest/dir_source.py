"""A folder of FHIR JSON as a source: Bundles of any type, single resources, NDJSON.

The folder is indexed once, on first use: every resource is grouped under the patient it
belongs to and kept as compact JSON text (a few times smaller than parsed dicts, so a
folder of thousands of patients stays cheap); a patient's resources are parsed and
validated only when that patient is loaded. Nothing in the folder is fatal: an
unreadable file or line becomes an Issue.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import IngestError, PatientNotFound
from .records import (
    PatientRecord,
    TypeId,
    assemble_record,
    is_valid_id,
    medication_references,
    parse_reference,
    patient_id_of,
)
from .validate import Issue, reference_of

# (where, resource as parsed, fullUrl -> (type, id) of its Bundle)
_Item = tuple[str, Any, dict[str, TypeId]]
_MAX_BUNDLE_DEPTH = 3  # Bundles inside Bundles (a collection of documents), not deeper


@dataclass
class _Index:
    by_patient: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    medications: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Issues we cannot pin on one patient (a broken NDJSON line could be anyone's):
    # every record gets them, since any record might be missing something.
    shared_issues: list[Issue] = field(default_factory=list)
    patient_issues: dict[str, list[Issue]] = field(default_factory=dict)
    files: int = 0


class DirSource:
    """`load(patient_id)` and `patient_ids()` over a folder (searched recursively)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise IngestError(f"FHIR folder {self.path} does not exist or is not a folder")
        self._index: _Index | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DirSource({str(self.path)!r})"

    @property
    def issues(self) -> list[Issue]:
        """Problems met while indexing that belong to no single patient."""
        return list(self._ensure_index().shared_issues)

    def patient_ids(self) -> list[str]:
        return sorted(self._ensure_index().by_patient)

    def load(self, patient_id: str) -> PatientRecord:
        index = self._ensure_index()
        stored = index.by_patient.get(patient_id)
        if stored is None:
            raise PatientNotFound(patient_id, f"folder {self.path}")
        found: list[tuple[str, Any]] = [(where, json.loads(text)) for where, text in stored]
        issues = list(index.shared_issues) + index.patient_issues.get(patient_id, [])
        if not any(r.get("resourceType") == "Patient" for _, r in found):
            issues.append(Issue(str(self.path), f"Patient/{patient_id}", "no Patient resource"))
        # Medications the patient's orders/statements point to live outside the patient.
        have = {(r.get("resourceType"), r.get("id")) for _, r in found}
        for where, res in list(found):
            for target in medication_references(res):
                if target in have:
                    continue
                med = index.medications.get(target[1])
                if med is None:
                    issues.append(
                        Issue(where, f"Medication/{target[1]}", "referenced Medication not found")
                    )
                    continue
                have.add(target)
                found.append((med[0], json.loads(med[1])))
        return assemble_record(patient_id, found, issues)

    # --- indexing --------------------------------------------------------------------

    def _ensure_index(self) -> _Index:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._build_index()
        return self._index

    def _build_index(self) -> _Index:
        index = _Index()
        for root, dirs, files in os.walk(self.path):
            dirs.sort()
            for name in sorted(files):
                lower = name.lower()
                if lower.endswith(".ndjson"):
                    self._index_file(index, Path(root, name), ndjson=True)
                elif lower.endswith(".json"):
                    self._index_file(index, Path(root, name), ndjson=False)
        return index

    def _index_file(self, index: _Index, path: Path, *, ndjson: bool) -> None:
        rel = str(path.relative_to(self.path))
        index.files += 1
        file_issues: list[Issue] = []
        patients: set[str] = set()
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            index.shared_issues.append(Issue(rel, "?", f"cannot read file: {type(e).__name__}"))
            return
        if ndjson:
            items = _ndjson_items(text, rel, file_issues)
        else:
            items = _json_items(text, rel, file_issues)
        for where, resource, full_urls in items:
            self._add(index, where, resource, full_urls, patients, file_issues)
        if len(patients) == 1:  # a per-patient file: its problems are that patient's
            (only,) = patients
            index.patient_issues.setdefault(only, []).extend(file_issues)
        else:
            index.shared_issues.extend(file_issues)

    def _add(
        self,
        index: _Index,
        where: str,
        resource: Any,
        full_urls: dict[str, TypeId],
        patients: set[str],
        file_issues: list[Issue],
    ) -> None:
        if not isinstance(resource, dict):
            file_issues.append(Issue(where, "?", f"not a JSON object ({type(resource).__name__})"))
            return
        rtype = resource.get("resourceType")
        if not isinstance(rtype, str) or not rtype:
            file_issues.append(Issue(where, "?", "no resourceType"))
            return
        rid = resource.get("id")
        if not isinstance(rid, str) or not is_valid_id(rid):
            file_issues.append(Issue(where, reference_of(resource), "missing or invalid id"))
            return
        if rtype == "Medication":
            index.medications.setdefault(rid, (where, _compact(resource)))
            return
        pid = patient_id_of(resource, full_urls)
        if pid is None:
            return  # Practitioner, Organization, ...: not part of any patient's record
        patients.add(pid)
        index.by_patient.setdefault(pid, []).append((where, _compact(resource)))


def _compact(resource: dict) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


def _ndjson_items(text: str, rel: str, issues: list[Issue]) -> Iterator[_Item]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{rel}:{lineno}"
        try:
            obj = json.loads(line)
        except ValueError as e:
            issues.append(Issue(where, "?", f"invalid JSON: {_json_msg(e)}"))
            continue
        yield where, obj, {}


def _json_items(text: str, rel: str, issues: list[Issue]) -> Iterator[_Item]:
    try:
        obj = json.loads(text)
    except ValueError as e:
        lineno = getattr(e, "lineno", None)
        where = f"{rel}:{lineno}" if lineno else rel
        issues.append(Issue(where, "?", f"invalid JSON: {_json_msg(e)}"))
        return
    if isinstance(obj, dict) and obj.get("resourceType") == "Bundle":
        yield from _bundle_items(obj, rel, issues, depth=0)
    elif isinstance(obj, dict):
        yield rel, obj, {}
    else:
        issues.append(Issue(rel, "?", "not a FHIR resource or Bundle"))


def _bundle_items(
    bundle: dict, where: str, issues: list[Issue], depth: int
) -> Iterator[_Item]:
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        issues.append(Issue(where, reference_of(bundle), "Bundle.entry is not a list"))
        return
    # First pass: give every entry a (type, id), so urn:uuid references can be resolved.
    full_urls: dict[str, TypeId] = {}
    prepared: list[tuple[str, Any]] = []
    for i, entry in enumerate(entries):
        ewhere = f"{where}#entry[{i}]"
        if not isinstance(entry, dict):
            issues.append(Issue(ewhere, "?", "Bundle entry is not a JSON object"))
            continue
        request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
        if str(request.get("method", "")).upper() == "DELETE":
            continue
        resource = entry.get("resource")
        if resource is None:
            continue
        if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
            if depth < _MAX_BUNDLE_DEPTH:
                yield from _bundle_items(resource, ewhere, issues, depth + 1)
            continue
        if isinstance(resource, dict):
            resource = _with_id(resource, entry, request)
            rtype, rid = resource.get("resourceType"), resource.get("id")
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str) and isinstance(rtype, str) and isinstance(rid, str):
                full_urls[full_url] = (rtype, rid)
            if isinstance(rtype, str) and isinstance(rid, str):
                # Transactions may point at a resource by a conditional reference
                # ("Patient?identifier=system|value"), as Synthea does.
                for key in _conditional_keys(resource):
                    full_urls.setdefault(key, (rtype, rid))
        prepared.append((ewhere, resource))
    for ewhere, resource in prepared:
        if isinstance(resource, dict) and full_urls:
            # As a FHIR server does on a transaction: urn:uuid:... becomes Type/id, so
            # records read from a folder look like records read from a server.
            resource = _resolve_references(resource, full_urls)
        yield ewhere, resource, full_urls


def _with_id(resource: dict, entry: dict, request: dict) -> dict:
    """Transaction entries may carry the id only in request.url or fullUrl."""
    if isinstance(resource.get("id"), str) and resource["id"]:
        return resource
    rtype = resource.get("resourceType")
    for candidate in (request.get("url"), entry.get("fullUrl")):
        if not isinstance(candidate, str):
            continue
        target = parse_reference(candidate)
        if target and target[0] == rtype:
            return {**resource, "id": target[1]}
        if candidate.startswith("urn:uuid:") and is_valid_id(candidate[9:]):
            return {**resource, "id": candidate[9:]}
    return resource


def _conditional_keys(resource: dict) -> list[str]:
    rtype = resource["resourceType"]
    keys = []
    for ident in resource.get("identifier") or []:
        if isinstance(ident, dict) and isinstance(ident.get("value"), str):
            value, system = ident["value"], ident.get("system")
            if isinstance(system, str):
                keys.append(f"{rtype}?identifier={system}|{value}")
            keys.append(f"{rtype}?identifier={value}")
    return keys


def _resolve_references(obj: Any, full_urls: dict[str, TypeId]) -> Any:
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k == "reference" and isinstance(v, str) and v in full_urls:
                rtype, rid = full_urls[v]
                out[k] = f"{rtype}/{rid}"
            else:
                out[k] = _resolve_references(v, full_urls)
        return out
    if isinstance(obj, list):
        return [_resolve_references(v, full_urls) for v in obj]
    return obj


def _json_msg(e: ValueError) -> str:
    # json's message names the position, never the content.
    return getattr(e, "msg", None) or type(e).__name__


__all__ = ["DirSource"]
