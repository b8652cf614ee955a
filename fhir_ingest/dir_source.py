"""A folder of FHIR JSON as a source: Bundles of any type, single resources, NDJSON.

The folder is indexed once (fhir_ingest.dir_index: patient -> files and byte ranges, kept
beside the files and refreshed when they change), so loading one patient reads only that
patient's files or lines, whatever the size of the folder. Nothing in the folder is fatal: an
unreadable file or line becomes an Issue.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from .dir_index import (
    FolderIndex,
    Row,
    check_resource,
    json_items,
    parse_line,
    resolve_references,
    subject_url,
)
from .errors import IngestError, PatientNotFound
from .records import PatientRecord, TypeId, assemble_record, medication_references, patient_id_of
from .validate import Issue

# Listing patients looks at every file at most this often (a long-lived source, a batch).
RECHECK_SECONDS = 30.0


class PatientWithoutRecord(PatientNotFound):
    """Resources name the patient, but the folder holds no Patient resource for them."""

    def __init__(self, patient_id: str, source: str) -> None:
        super().__init__(patient_id, source)
        self.args = (f"no Patient resource for {patient_id!r} in {source} (only resources that name it)",)

    def __str__(self) -> str:
        return str(self.args[0])


class DirSource:
    """`load(patient_id)` and `patient_ids()` over a folder (searched recursively)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise IngestError(f"FHIR folder {self.path} does not exist or is not a folder")
        self._index: FolderIndex | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DirSource({str(self.path)!r})"

    # A source crosses to worker processes as its path; each opens the index itself.
    def __getstate__(self) -> dict[str, Any]:
        return {"path": str(self.path)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]

    @property
    def issues(self) -> list[Issue]:
        """Problems met while indexing that belong to no single patient."""
        index = self._ensure_index(full=True)
        out = index.issues_of(None)
        unresolved = index.unresolved()
        if unresolved:
            out.append(
                Issue(
                    str(self.path),
                    "?",
                    f"{unresolved} resources name a patient by a reference no file resolves (urn:uuid)",
                )
            )
        return out

    def patient_ids(self) -> list[str]:
        return self._ensure_index(full=True).patient_ids()

    def refresh(self) -> int:
        """Index files changed since the last look; returns how many."""
        with self._lock:
            self._checked = time.monotonic()
            return self._open().refresh()

    def load(self, patient_id: str) -> PatientRecord:
        index = self._ensure_index()
        rows = index.rows_of(patient_id)
        if not index.fresh_for({r.path for r in rows}):
            # Files changed since the index was made: index them again, then look again.
            self.refresh()
            rows = index.rows_of(patient_id)
        if not rows:
            raise PatientNotFound(patient_id, f"folder {self.path}")
        issues = index.issues_of(patient_id)
        found, file_issues = self._read(index, patient_id, rows)
        issues += file_issues
        if not any(isinstance(r, dict) and r.get("resourceType") == "Patient" for _, r in found):
            raise PatientWithoutRecord(patient_id, f"folder {self.path}")
        # Medications the patient's orders/statements point to live outside the patient.
        have = {(r.get("resourceType"), r.get("id")) for _, r in found if isinstance(r, dict)}
        for where, res in list(found):
            for target in medication_references(res) if isinstance(res, dict) else []:
                if target in have:
                    continue
                med = self._medication(index, target[1])
                if med is None:
                    issues.append(Issue(where, f"Medication/{target[1]}", "referenced Medication not found"))
                    continue
                have.add(target)
                found.append(med)
        return assemble_record(patient_id, found, issues)

    def raw(self, patient_id: str) -> list[dict]:
        """The patient's resources as found, unvalidated: a quick look (finding candidates)."""
        index = self._ensure_index()
        found, _ = self._read(index, patient_id, index.rows_of(patient_id))
        return [r for _, r in found if isinstance(r, dict)]

    # --- reading ---------------------------------------------------------------------

    def _read(
        self, index: FolderIndex, patient_id: str, rows: list[Row]
    ) -> tuple[list[tuple[str, Any]], list[Issue]]:
        found: list[tuple[str, Any]] = []
        issues: list[Issue] = []
        lines: dict[str, list[Row]] = {}
        for row in rows:
            if row.whole:
                found += self._from_json_file(index, row.path, patient_id, issues)
            else:
                lines.setdefault(row.path, []).append(row)
        for rel, file_rows in lines.items():
            try:
                with open(self.path / rel, "rb") as f:
                    for row in file_rows:
                        f.seek(row.offset)
                        res = parse_line(f.read(row.length))
                        found.append((f"{rel}@{row.offset}", res))
            except (OSError, ValueError) as e:
                issues.append(Issue(rel, "?", f"file changed since it was indexed ({type(e).__name__})"))
        # urn:uuid references to a Patient in another file (a split bulk export).
        refs = {u for _, r in found if isinstance(r, dict) and (u := subject_url(r))}
        if refs:
            urls = index.urls_for(refs)
            found = [(w, resolve_references(r, urls)) for w, r in found]
        return [(w, r) for w, r in found if _belongs(r, patient_id)], issues

    def _from_json_file(
        self, index: FolderIndex, rel: str, patient_id: str, issues: list[Issue]
    ) -> list[tuple[str, Any]]:
        try:
            data = (self.path / rel).read_bytes()
        except OSError as e:
            issues.append(Issue(rel, "?", f"cannot read file: {type(e).__name__}"))
            return []
        out: list[tuple[str, Any]] = []
        ignored: list[Issue] = []  # reported once, by the index
        items = list(json_items(data, rel, ignored))
        missing = {
            u
            for _, r, full_urls in items
            if isinstance(r, dict) and (u := subject_url(r)) and u not in full_urls
        }
        extra = index.urls_for(missing) if missing else {}
        for where, res, full_urls in items:
            if check_resource(res, where) is not None:
                continue
            urls: dict[str, TypeId] = {**extra, **full_urls} if extra else full_urls
            pid = patient_id_of(res, urls)
            if pid != patient_id:
                continue
            out.append((where, resolve_references(res, urls) if urls else res))
        return out

    def _medication(self, index: FolderIndex, med_id: str) -> tuple[str, Any] | None:
        row = index.medication(med_id)
        if row is None:
            return None
        try:
            if not row.whole:
                with open(self.path / row.path, "rb") as f:
                    f.seek(row.offset)
                    return f"{row.path}@{row.offset}", parse_line(f.read(row.length))
            for where, res, _ in json_items((self.path / row.path).read_bytes(), row.path, []):
                if (
                    isinstance(res, dict)
                    and res.get("resourceType") == "Medication"
                    and res.get("id") == med_id
                ):
                    return where, res
        except (OSError, ValueError):
            return None
        return None

    # --- the index -------------------------------------------------------------------

    def _open(self) -> FolderIndex:
        if self._index is None:
            self._index = FolderIndex(self.path)
        return self._index

    def _ensure_index(self, full: bool = False) -> FolderIndex:
        """The index, looked over: in full (every file's size and time) when listing patients,
        at most every RECHECK_SECONDS; for one patient, `load` looks at its own files only."""
        with self._lock:
            index = self._open()
            now = time.monotonic()
            if full and (not self._checked or now - self._checked > RECHECK_SECONDS):
                index.refresh()
                self._checked = now
            elif not full and not self._checked and not index.fresh_for(set()):
                index.refresh()
                self._checked = now
            return index


def _belongs(resource: Any, patient_id: str) -> bool:
    if not isinstance(resource, dict):
        return True  # invalid: kept so that validation reports it
    return resource.get("resourceType") == "Medication" or patient_id_of(resource) == patient_id


__all__ = ["DirSource", "PatientWithoutRecord"]
