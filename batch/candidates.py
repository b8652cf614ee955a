"""Which patients a batch screens: ICC Conditions on the server or in a folder, a list, a Group."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from common.errors import AppError
from fhir_ingest.errors import FhirError, IngestError
from fhir_ingest.facts import Coding
from fhir_ingest.records import is_valid_id, parse_reference, patient_id_of

log = logging.getLogger(__name__)

ICD10_SYSTEMS = (
    "http://hl7.org/fhir/sid/icd-10-cm",
    "http://hl7.org/fhir/sid/icd-10",
    "http://hl7.org/fhir/sid/icd-10-cn",
)
SNOMED = "http://snomed.info/sct"
# The Chinese national edition extends C22.1 (C22.100x001, ...): a plain token search cannot
# match by stem, so we also ask `code:below` there, and drop it if the server refuses it.
BELOW_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10-cn",)
PAGE_SIZE = 200  # Oracle Health's maximum; HAPI accepts more


class CandidateError(AppError):
    """The list of patients could not be made (one line, for the CLI)."""


@lru_cache(maxsize=1)
def _icc_valueset():
    # The engine's own value set: a candidate is what the engine itself calls ICC.
    from eligibility import load_trial

    return load_trial().valuesets["icc"]


def is_icc_coding(system: str, code: str) -> bool:
    return _icc_valueset().match_coding(Coding(system=system or "", code=code or ""))


def has_icc_condition(resources: Iterable[dict], extra: Iterable[str] = ()) -> bool:
    """True when a Condition (not entered in error) carries an ICC code."""
    codes = frozenset(extra)
    return any(r.get("resourceType") == "Condition" and _condition_is_icc(r, codes) for r in resources)


def _condition_is_icc(cond: dict, extra: frozenset[str] = frozenset()) -> bool:
    if _entered_in_error(cond):
        return False
    code = cond.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    for c in codings or []:
        if isinstance(c, dict) and isinstance(c.get("code"), str):
            system = str(c.get("system") or "")
            if is_icc_coding(system, c["code"]) or f"{system}|{c['code']}" in extra:
                return True
    return False


def _entered_in_error(cond: dict) -> bool:
    vs = cond.get("verificationStatus")
    for c in (vs.get("coding") if isinstance(vs, dict) else None) or []:
        if isinstance(c, dict) and c.get("code") == "entered-in-error":
            return True
    return False


def icc_tokens(extra: Iterable[str] = ()) -> list[str]:
    """The `code` token list of the Condition search: every system we know, exact codes,
    then the site's own codes (`--icc-code system|code`, e.g. national extension codes)."""
    vs = _icc_valueset()
    tokens = [f"{system}|{code}" for code in vs.icd10 for system in ICD10_SYSTEMS]
    tokens += [f"{SNOMED}|{code}" for code in sorted(vs.snomed)]
    # ICD-O-3 morphology (8160/3) has no single system URI in the wild: match any system.
    tokens += sorted(vs.icdo3)
    return list(dict.fromkeys([*tokens, *extra]))


def from_server(client, *, extra_codes: Iterable[str] = (), below: bool = True) -> list[str]:
    """Ids of patients with an ICC Condition on the server, sorted.

    Results are filtered again here with the engine's value set: a server that ignores a
    parameter it does not know answers with every Condition, and we must not screen those.
    """
    fields = {"_elements": "subject,code,verificationStatus", "_count": str(PAGE_SIZE)}
    ids: set[str] = set()
    extra = frozenset(extra_codes)
    _collect(client.search("Condition", {"code": ",".join(icc_tokens(extra)), **fields}), ids, extra)
    if below:
        vs = _icc_valueset()
        for system in BELOW_SYSTEMS:
            for code in vs.icd10:
                params = {"code:below": f"{system}|{code}", **fields}
                try:
                    _collect(client.search("Condition", params), ids)
                except FhirError as e:
                    if e.status not in (400, 403, 404, 422, 501):
                        raise
                    # Said once, on stderr by the caller: national extension codes need
                    # --patients or --group on this server.
                    log.warning("server refused Condition code:below (HTTP %s); national "
                                "extension codes (C22.100x001) are found only through --icc-code",
                                e.status)
    return sorted(ids)


def _collect(resources: Iterable[object], ids: set[str], extra: frozenset[str] = frozenset()) -> None:
    for res in resources:
        if not isinstance(res, dict) or res.get("resourceType") != "Condition":
            continue
        if not _condition_is_icc(res, extra):
            continue
        pid = patient_id_of(res)
        if pid and is_valid_id(pid):
            ids.add(pid)


def from_group(client, group_id: str) -> list[str]:
    """Patient members of a Group (active ones), in the Group's order."""
    if not is_valid_id(group_id):
        raise CandidateError(f"--group {group_id!r} is not a FHIR id")
    group = client.read("Group", group_id)
    out: list[str] = []
    for member in group.get("member") or []:
        if not isinstance(member, dict) or member.get("inactive") is True:
            continue
        entity = member.get("entity")
        target = parse_reference(entity.get("reference")) if isinstance(entity, dict) else None
        if target and target[0] == "Patient":
            out.append(target[1])
    return list(dict.fromkeys(out))


def from_file(path: str | Path) -> list[str]:
    """One id per line ('123' or 'Patient/123'); blank lines and '#' comments skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise CandidateError(f"--patients {path}: cannot read ({type(e).__name__})") from None
    out: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        pid = line.removeprefix("Patient/")
        if not is_valid_id(pid):
            raise CandidateError(f"--patients {path}: line {lineno} is not a patient id")
        out.append(pid)
    return list(dict.fromkeys(out))


def from_dir(source, extra_codes: Iterable[str] = ()) -> list[str]:
    """Patients of a folder source whose record holds an ICC Condition, sorted.

    Loads each record once more than screening does; a folder is local, and knowing the
    list up front gives an exact progress total and a resumable run state.
    """
    return [pid for pid in source.patient_ids()
            if has_icc_condition(_safe_resources(source, pid), extra_codes)]


def _safe_resources(source, pid: str) -> list[dict]:
    # A folder source reads a patient's resources without validating them: finding
    # candidates needs only their Conditions, and screening validates them anyway.
    quick = getattr(source, "raw", None)
    try:
        return quick(pid) if quick else source.load(pid).resources
    except IngestError:
        return []


def from_ndjson_conditions(folder: str | Path, extra_codes: Iterable[str] = ()) -> list[str]:
    """Patients with an ICC Condition in Bulk Data NDJSON files (no full parse of records)."""
    import json

    ids: set[str] = set()
    extra = frozenset(extra_codes)
    for path in sorted(Path(folder).rglob("*.ndjson")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if '"Condition"' not in line:
                    continue  # cheap pre-filter: most lines are Observations
                try:
                    res = json.loads(line)
                except ValueError:
                    continue  # reported by DirSource when the patient is loaded
                if isinstance(res, dict) and res.get("resourceType") == "Condition":
                    _collect([res], ids, extra)
    return sorted(ids)
