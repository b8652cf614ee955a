"""Where patient records come from: a folder (DirSource) or a FHIR server (ServerSource).

Both have the same interface, `load(patient_id) -> PatientRecord` (PatientNotFound when
there is no such patient) and `patient_ids() -> list[str]`.
"""

from __future__ import annotations

from typing import Protocol

from .dir_source import DirSource
from .errors import PatientNotFound
from .records import PatientRecord
from .server_source import ServerSource, load_plan
from .validate import Issue


class Source(Protocol):
    def load(self, patient_id: str) -> PatientRecord: ...

    def patient_ids(self) -> list[str]: ...


__all__ = [
    "DirSource",
    "Issue",
    "PatientNotFound",
    "PatientRecord",
    "ServerSource",
    "Source",
    "load_plan",
]
