"""A FHIR server as a source: read the Patient, then run the search plan for them."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from .client import FhirClient
from .errors import FhirError, FhirNotFound, IngestError, PatientNotFound
from .records import (
    PatientRecord,
    assemble_record,
    is_valid_id,
    medication_references,
    patient_id_of,
)
from .validate import Issue, reference_of

log = logging.getLogger(__name__)

MAX_URL_CHARS = 1800  # old proxies and some EHR gateways cut URLs near 2,000 characters
# Statuses that mean "this server does not do that search", for optional searches.
UNSUPPORTED_STATUSES = frozenset({400, 403, 404, 405, 422, 501})


@dataclass(frozen=True)
class PlannedSearch:
    type: str
    params: tuple[tuple[str, str], ...]
    optional: bool = False
    drop_on_400: tuple[str, ...] = ()


def load_plan(
    plan: str | Path | Mapping[str, Any] | None = None, profile: str = "default"
) -> tuple[PlannedSearch, ...]:
    """The searches of one profile of a plan (a YAML path, a parsed mapping, or ours)."""
    if plan is None or isinstance(plan, str | Path):
        data = _read_plan(str(plan)) if plan else _default_plan()
    else:
        data = plan
    profiles = data.get("profiles") if isinstance(data, Mapping) else None
    if not isinstance(profiles, Mapping) or profile not in profiles:
        raise IngestError(f"search plan has no profile {profile!r}")
    searches = []
    for item in profiles[profile]:
        params = item.get("params") or {}
        searches.append(
            PlannedSearch(
                type=str(item["type"]),
                params=tuple((str(k), str(v)) for k, v in params.items()),
                optional=bool(item.get("optional", False)),
                drop_on_400=tuple(str(p) for p in item.get("drop_on_400") or ()),
            )
        )
    return tuple(searches)


@lru_cache(maxsize=1)
def _default_plan() -> Mapping[str, Any]:
    # Package data, found through the package (works from a wheel as from the source tree).
    return yaml.safe_load(resources.files("fhir_ingest").joinpath("search_plan.yaml").read_text("utf-8"))


@lru_cache(maxsize=8)
def _read_plan(path: str) -> Mapping[str, Any]:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


class ServerSource:
    """`load(patient_id)` and `patient_ids()` over a FHIR R4 server."""

    def __init__(
        self,
        client: FhirClient,
        observation_codes: Sequence[str],
        observation_text: Sequence[str] = (),
        *,
        page_size: int = 100,
        plan: str | Path | Mapping[str, Any] | None = None,
        profile: str = "default",
        max_url_chars: int = MAX_URL_CHARS,
    ) -> None:
        self.client = client
        self.observation_codes = list(dict.fromkeys(observation_codes))  # dedupe, keep order
        self.observation_text = list(dict.fromkeys(t for t in observation_text if t.strip()))
        self.page_size = page_size
        self.searches = load_plan(plan, profile)
        self.max_url_chars = max_url_chars

    def __repr__(self) -> str:
        return f"ServerSource({self.client.base_url!r})"

    def patient_ids(self) -> list[str]:
        """Every Patient id on the server (a test server's cohort; EHRs may refuse this)."""
        ids = set()
        params = {"_elements": "id", "_count": str(self.page_size)}
        for res in self.client.search("Patient", params):
            if isinstance(res, dict) and isinstance(res.get("id"), str):
                ids.add(res["id"])
        return sorted(ids)

    def load(self, patient_id: str) -> PatientRecord:
        where_server = f"server {self.client.base_url}"
        if not is_valid_id(patient_id):
            # Not a FHIR id; never put it into a URL.
            raise PatientNotFound(patient_id, where_server)
        try:
            patient = self.client.read("Patient", patient_id)
        except FhirNotFound:
            raise PatientNotFound(patient_id, where_server) from None
        found: list[tuple[str, Any]] = [(f"Patient/{patient_id}", patient)]
        issues: list[Issue] = []
        for search in self.searches:
            for params in self._expand(search, patient_id):
                found.extend(self._run(search, params, issues))
        found.extend(self._missing_medications(found, issues))
        return assemble_record(patient_id, _own(found, patient_id, issues), issues)

    # --- internals -------------------------------------------------------------------

    def _expand(self, search: PlannedSearch, patient_id: str) -> Iterator[list[tuple[str, str]]]:
        """Concrete parameter lists of one planned search (one per code chunk / text)."""
        uses_codes = any("{codes}" in v for _, v in search.params)
        uses_text = any("{text}" in v for _, v in search.params)
        if uses_codes and uses_text:
            raise IngestError(f"search plan: {search.type} uses both {{codes}} and {{text}}")
        if uses_codes:
            variants = [{"codes": c} for c in self._code_chunks(search, patient_id)]
        elif uses_text:
            variants = [{"text": t} for t in self.observation_text]
        else:
            variants = [{}]
        for extra in variants:
            values = {"patient": patient_id, **extra}
            params = [(k, _fill(v, values)) for k, v in search.params]
            if not any(k == "_count" for k, _ in params):
                params.append(("_count", str(self.page_size)))
            yield params

    def _code_chunks(self, search: PlannedSearch, patient_id: str) -> list[str]:
        # Measure the URL as requests will encode it: the fixed part, then each code.
        fixed = [(k, _fill(v, {"patient": patient_id, "codes": ""})) for k, v in search.params]
        fixed.append(("_count", str(self.page_size)))
        overhead = len(self.client.base_url) + len(search.type) + 2
        overhead += sum(len(quote(k, safe="")) + len(quote(v, safe="")) + 2 for k, v in fixed)
        budget = max(self.max_url_chars - overhead, 1)
        chunks: list[str] = []
        current: list[str] = []
        used = 0
        for code in self.observation_codes:
            cost = len(quote(code, safe="")) + (3 if current else 0)  # "%2C" between codes
            if current and used + cost > budget:
                chunks.append(",".join(current))
                current, used = [], 0
                cost = len(quote(code, safe=""))
            current.append(code)
            used += cost
        if current:
            chunks.append(",".join(current))
        return chunks

    def _run(
        self, search: PlannedSearch, params: list[tuple[str, str]], issues: list[Issue]
    ) -> list[tuple[str, Any]]:
        where = f"{search.type}?" + "&".join(dict.fromkeys(k for k, _ in params))
        try:
            return [(where, r) for r in self.client.search(search.type, params)]
        except FhirError as e:
            if e.status == 400 and any(k in search.drop_on_400 for k, _ in params):
                log.info("%s search refused with 400; retrying without %s",
                         search.type, ",".join(search.drop_on_400))
                kept = [(k, v) for k, v in params if k not in search.drop_on_400]
                return self._run(PlannedSearch(search.type, (), search.optional), kept, issues)
            if search.optional and e.status in UNSUPPORTED_STATUSES:
                issues.append(Issue(where, "?", f"search not supported by server: {e}"))
                return []
            raise

    def _missing_medications(
        self, found: list[tuple[str, Any]], issues: list[Issue]
    ) -> list[tuple[str, Any]]:
        """Medications referenced but not _included (server without _include support)."""
        have = {(r.get("resourceType"), r.get("id")) for _, r in found if isinstance(r, dict)}
        out: list[tuple[str, Any]] = []
        for where, res in found:
            if not isinstance(res, dict):
                continue
            for rtype, rid in medication_references(res):
                if (rtype, rid) in have:
                    continue
                have.add((rtype, rid))
                try:
                    out.append((f"{rtype}/{rid}", self.client.read(rtype, rid)))
                except FhirNotFound:
                    issues.append(Issue(where, f"{rtype}/{rid}", "referenced Medication not found"))
        return out


def _own(
    found: list[tuple[str, Any]], patient_id: str, issues: list[Issue]
) -> list[tuple[str, Any]]:
    """Drop what names another patient: a server bug must not mix two people's records."""
    out = []
    for where, res in found:
        owner = patient_id_of(res) if isinstance(res, dict) else None
        if owner is not None and owner != patient_id:
            issues.append(Issue(where, reference_of(res), "belongs to another patient; skipped"))
            continue
        out.append((where, res))
    return out


def _fill(template: str, values: Mapping[str, str]) -> str:
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out
