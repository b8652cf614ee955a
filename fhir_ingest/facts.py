"""FHIR resources -> typed facts with provenance. Knows FHIR; knows nothing of any trial.

`extract(resources, as_of)` keeps only what is usable on the as-of date (status filters,
nothing dated after it) and converts lab values to canonical units, keeping the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources as pkg_resources
from typing import Any

import yaml

from fhir_ingest.units import factor_for, quantity_unit

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"

USABLE_OBS = {"final", "amended", "corrected"}
PATHOLOGY_LOINC = {"11526-1", "22637-3", "60567-5", "60568-3"}


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str = ""


@dataclass
class Patient:
    ref: str
    birth_date: date | None
    gender: str | None


@dataclass
class Measurement:
    """One usable Observation value of a catalogued analyte."""

    analyte: str
    ref: str
    date: str
    value: float | None = None  # in the canonical unit; None when not numeric or unit unknown
    unit: str = ""
    comparator: str | None = None
    original_value: Any = None
    original_unit: str | None = None
    unit_error: str | None = None
    low: float | None = None  # reference range, canonical unit
    high: float | None = None
    qualitative: str | None = None  # "positive" / "negative" from a coded value or interpretation
    text: str | None = None  # code.text or value text, for the few rules that read them


@dataclass
class ConditionFact:
    ref: str
    codings: tuple[Coding, ...]
    text: str
    clinical: str | None  # "current" | "past" | None
    suspected: bool
    onset: str | None
    recorded: str | None
    abatement: str | None

    @property
    def date(self) -> str | None:
        return self.onset or self.recorded


@dataclass
class MedicationUse:
    ref: str
    kind: str  # MedicationRequest | MedicationStatement | MedicationAdministration
    codings: tuple[Coding, ...]
    names: tuple[str, ...]  # lower-cased text, displays
    status: str
    date: str | None
    ever: bool
    current: bool
    recent_admin_only: bool  # an administration within 28 days of as_of
    route: str | None  # systemic | inhaled | topical | local | None when not given
    route_text: str | None
    daily_dose_mg: float | None


@dataclass
class AllergyFact:
    ref: str
    type: str | None
    codings: tuple[Coding, ...]
    names: tuple[str, ...]
    clinical: str | None
    date: str | None


@dataclass
class ReportFact:
    ref: str
    date: str | None
    cytology: bool
    codings: tuple[Coding, ...]  # conclusionCode
    conclusion: str


@dataclass
class Facts:
    as_of: date
    patient: Patient | None
    measurements: dict[str, list[Measurement]] = field(default_factory=dict)
    blood_pressure: list[tuple[Measurement | None, Measurement | None]] = field(default_factory=list)
    conditions: list[ConditionFact] = field(default_factory=list)
    medications: list[MedicationUse] = field(default_factory=list)
    allergies: list[AllergyFact] = field(default_factory=list)
    reports: list[ReportFact] = field(default_factory=list)

    def latest(self, analyte: str) -> list[Measurement]:
        """Measurements of an analyte, newest first (ties broken by reference for determinism)."""
        return self.measurements.get(analyte, [])


# --- catalogue -------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    by_code: dict[str, str]
    units: dict[str, dict[str, float]]
    canonical: dict[str, str]
    text_names: dict[str, tuple[str, ...]]
    bp_panels: frozenset[str]


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    raw = yaml.safe_load(pkg_resources.files("fhir_ingest").joinpath("data/labs.yaml").read_text("utf-8"))
    by_code: dict[str, str] = {}
    units: dict[str, dict[str, float]] = {}
    canonical: dict[str, str] = {}
    text_names: dict[str, tuple[str, ...]] = {}
    for name, spec in raw["analytes"].items():
        for code in spec["loinc"]:
            by_code[code] = name
        units[name] = {k: float(v) for k, v in (spec.get("units") or {}).items()}
        canonical[name] = spec.get("unit", "")
        if spec.get("text"):
            text_names[name] = tuple(spec["text"])
    return Catalogue(by_code, units, canonical, text_names, frozenset(raw["panels"]["blood_pressure"]))


# --- small readers ---------------------------------------------------------------------


def day(value: Any) -> str | None:
    """The date part as written (no time-zone shifts)."""
    if isinstance(value, str) and len(value) >= 10 and re.match(r"\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    if isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2})?", value):
        # A partial date: take its last possible day would overstate recency; its first is safer.
        return (value + "-01-01")[:10] if len(value) == 4 else value + "-01"
    return None


def codings(concept: dict | None) -> tuple[Coding, ...]:
    if not concept:
        return ()
    return tuple(
        Coding(c.get("system", ""), str(c.get("code", "")).strip(), c.get("display", "") or "")
        for c in concept.get("coding", []) or []
        if c.get("code") is not None
    )


def concept_words(concept: dict | None) -> tuple[str, ...]:
    if not concept:
        return ()
    words = [concept.get("text") or ""] + [c.get("display") or "" for c in concept.get("coding", [])]
    return tuple(w.lower() for w in words if w)


def ref_of(resource: dict) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def _status_code(concept: dict | None) -> str | None:
    for c in codings(concept):
        return c.code
    return None


# --- observations ------------------------------------------------------------------------

_NEG_WORDS = ("non-reactive", "nonreactive", "not detected", "undetected", "negative", "阴性", "neg")
_POS_WORDS = ("reactive", "detected", "positive", "阳性", "pos")
_NEG_CODES = {"260385009", "131194007", "260415000", "NEG", "N", "ND", "LA6577-6"}
_POS_CODES = {"10828004", "11214006", "260373001", "POS", "DET", "LA6576-8"}


def qualitative(value_concept: dict | None, text: str | None, interpretation: list | None) -> str | None:
    """'positive' / 'negative' from a coded value, value text or interpretation."""
    for concept in [value_concept] + list(interpretation or []):
        for c in codings(concept):
            if c.code in _NEG_CODES:
                return "negative"
            if c.code in _POS_CODES:
                return "positive"
    words = list(concept_words(value_concept)) + ([text.lower()] if text else [])
    for concept in interpretation or []:
        words += concept_words(concept)
    for w in words:
        w = w.strip()
        if any(n in w for n in _NEG_WORDS):
            return "negative"
        if any(p in w for p in _POS_WORDS) or w == "+":
            return "positive"
    return None


_ECOG_ANSWERS = {"LA9622-7": 0, "LA9623-5": 1, "LA9624-3": 2, "LA9625-0": 3, "LA9626-8": 4, "LA9627-6": 5}


def _coded_number(concept: dict | None) -> float | None:
    for c in codings(concept):
        if c.code in _ECOG_ANSWERS:
            return float(_ECOG_ANSWERS[c.code])
    for w in concept_words(concept) + tuple(c.code.lower() for c in codings(concept)):
        m = re.match(r"\s*(?:grade|class|score|ecog)?\s*(\d+)\b", w)
        if m:
            return float(m.group(1))
    return None


def _obs_date(obs: dict) -> str | None:
    return (
        day(obs.get("effectiveDateTime"))
        or day((obs.get("effectivePeriod") or {}).get("start"))
        or day(obs.get("issued"))
    )


def _range(
    ref_ranges: list | None, accepted: dict[str, float], obs_unit: str | None
) -> tuple[float | None, float | None]:
    """Low/high in the canonical unit: from low/high quantities, else parsed from text."""
    for rr in ref_ranges or []:
        low = high = None
        for key in ("low", "high"):
            q = rr.get(key)
            if q and isinstance(q.get("value"), (int, float)):
                unit = quantity_unit(q) if (q.get("code") or q.get("unit")) else obs_unit
                f = factor_for(unit, accepted)
                if f is None:
                    continue
                if key == "low":
                    low = q["value"] * f
                else:
                    high = q["value"] * f
        if low is None and high is None and rr.get("text"):
            f = factor_for(obs_unit, accepted)
            if f is not None:
                low, high = _parse_range_text(rr["text"], f)
        if low is not None or high is not None:
            return low, high
    return None, None


def _parse_range_text(text: str, factor: float) -> tuple[float | None, float | None]:
    t = text.replace("–", "-").replace("—", "-").replace("~", "-").replace(" ", "")
    m = re.match(r"^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)", t)
    if m:
        return float(m.group(1)) * factor, float(m.group(2)) * factor
    m = re.match(r"^(?:<|<=|≤)(\d+(?:\.\d+)?)", t)
    if m:
        return None, float(m.group(1)) * factor
    m = re.match(r"^(?:>|>=|≥)(\d+(?:\.\d+)?)", t)
    if m:
        return float(m.group(1)) * factor, None
    return None, None


def _analyte_of(code_concept: dict) -> str | None:
    cat = catalogue()
    for c in codings(code_concept):
        if c.system in (LOINC, "") and c.code in cat.by_code:
            return cat.by_code[c.code]
    words = concept_words(code_concept)
    for analyte, names in cat.text_names.items():
        if any(n in w for w in words for n in names):
            return analyte
    return None


def _measurement(analyte: str, ref: str, when: str, holder: dict, code_concept: dict | None) -> Measurement:
    """Read one value (an Observation or a component) into a Measurement."""
    cat = catalogue()
    accepted = cat.units.get(analyte, {})
    m = Measurement(analyte=analyte, ref=ref, date=when, unit=cat.canonical.get(analyte, ""))
    m.text = (code_concept or {}).get("text")
    q = holder.get("valueQuantity")
    if q is not None and isinstance(q.get("value"), (int, float)):
        unit = quantity_unit(q)
        m.original_value, m.original_unit, m.comparator = q["value"], unit, q.get("comparator")
        f = factor_for(unit, accepted)
        if f is None:
            m.unit_error = f"unrecognised unit '{unit}'"
        else:
            m.value = q["value"] * f
        m.low, m.high = _range(holder.get("referenceRange"), accepted, unit)
    elif isinstance(holder.get("valueInteger"), int):
        m.original_value = holder["valueInteger"]
        m.value = float(holder["valueInteger"])
    elif holder.get("valueCodeableConcept") is not None:
        m.original_value = holder["valueCodeableConcept"].get("text") or next(
            (c.display or c.code for c in codings(holder["valueCodeableConcept"])), None
        )
        m.value = (
            _coded_number(holder["valueCodeableConcept"])
            if analyte in ("ecog", "karnofsky", "child_pugh")
            else None
        )
    elif isinstance(holder.get("valueString"), str):
        m.original_value = holder["valueString"]
        num = re.fullmatch(r"\s*([<>]=?)?\s*(\d+(?:\.\d+)?)\s*", holder["valueString"])
        if num and analyte in ("ecog", "karnofsky", "child_pugh"):
            m.value = float(num.group(2))
    m.qualitative = qualitative(
        holder.get("valueCodeableConcept"), holder.get("valueString"), holder.get("interpretation")
    )
    if analyte == "child_pugh":
        # A class letter is kept as text; rules read "A"/"B"/"C" from it.
        m.text = " ".join(filter(None, [m.text, str(m.original_value or "")]))
    return m


def _has_value(holder: dict) -> bool:
    return holder.get("dataAbsentReason") is None and any(k.startswith("value") for k in holder)


def _observations(obs: dict, as_of: str, facts: Facts) -> None:
    if obs.get("status") not in USABLE_OBS:
        return
    when = _obs_date(obs)
    if when is None or when > as_of:
        return
    ref = ref_of(obs)
    cat = catalogue()
    if any(c.code in cat.bp_panels for c in codings(obs.get("code"))) or obs.get("component"):
        parts: dict[str, Measurement] = {}
        for comp in obs.get("component") or []:
            analyte = _analyte_of(comp.get("code") or {})
            if analyte and _has_value(comp):
                parts[analyte] = _measurement(analyte, ref, when, comp, comp.get("code"))
        if "systolic" in parts or "diastolic" in parts:
            facts.blood_pressure.append((parts.get("systolic"), parts.get("diastolic")))
            return
    analyte = _analyte_of(obs.get("code") or {})
    if analyte is None or not _has_value(obs):
        return
    m = _measurement(analyte, ref, when, obs, obs.get("code"))
    if analyte in ("systolic", "diastolic"):
        # A lone systolic or diastolic Observation is half a reading.
        pair = (m, None) if analyte == "systolic" else (None, m)
        facts.blood_pressure.append(pair)
        return
    facts.measurements.setdefault(analyte, []).append(m)


# --- conditions --------------------------------------------------------------------------

_CURRENT = {"active", "recurrence", "relapse"}
_PAST = {"inactive", "remission", "resolved"}
_SUSPECTED = {"unconfirmed", "provisional", "differential"}


def _condition(c: dict, as_of: str) -> ConditionFact | None:
    ver = _status_code(c.get("verificationStatus"))
    if ver in ("refuted", "entered-in-error"):
        return None
    onset = day(c.get("onsetDateTime")) or day((c.get("onsetPeriod") or {}).get("start"))
    recorded = day(c.get("recordedDate"))
    if (onset or recorded or "") > as_of:
        return None
    abatement = day(c.get("abatementDateTime")) or day((c.get("abatementPeriod") or {}).get("end"))
    clin = _status_code(c.get("clinicalStatus"))
    clinical = "current" if clin in _CURRENT else "past" if clin in _PAST else None
    if abatement and abatement <= as_of and clinical is None:
        clinical = "past"
    return ConditionFact(
        ref=ref_of(c),
        codings=codings(c.get("code")),
        text=" ".join(concept_words(c.get("code"))),
        clinical=clinical,
        suspected=ver in _SUSPECTED,
        onset=onset,
        recorded=recorded,
        abatement=abatement,
    )


# --- medications -------------------------------------------------------------------------

_ORDER_INTENTS = {"order", "original-order", "instance-order"}
_SYSTEMIC_ROUTE_CODES = {"26643006", "47625008", "78421000", "34206005", "PO", "IV", "IM", "SC"}
_INHALED_ROUTE_CODES = {"447694001", "18679011000001101", "420641004", "IPINHL", "RESPINHL"}
_TOPICAL_ROUTE_CODES = {"6064005", "54485002", "45890007", "TOPICAL", "OPTHALTA"}


def _route(concept: dict | None) -> tuple[str | None, str | None]:
    if not concept:
        return None, None
    words = " ".join(concept_words(concept))
    codes = {c.code.upper() for c in codings(concept)}
    if codes & _INHALED_ROUTE_CODES or re.search(r"inhal|nebul|吸入", words):
        return "inhaled", words or None
    if codes & _TOPICAL_ROUTE_CODES or re.search(r"topical|cutaneous|skin|ophthalm|eye|外用|滴眼", words):
        return "topical", words or None
    if codes & _SYSTEMIC_ROUTE_CODES or re.search(
        r"\boral|\bpo\b|by mouth|intraven|\biv\b|intramusc|\bim\b|subcut|口服|静脉|肌注|肌肉", words
    ):
        return "systemic", words or None
    return "local" if words else None, words or None


def _per_day(timing: dict | None) -> float | None:
    rep = (timing or {}).get("repeat") or {}
    code = _status_code((timing or {}).get("code"))
    named = {"QD": 1, "BID": 2, "TID": 3, "QID": 4, "QOD": 0.5, "AM": 1, "PM": 1}
    if code and code.upper() in named:
        return float(named[code.upper()])
    freq, period, unit = rep.get("frequency"), rep.get("period"), rep.get("periodUnit")
    if freq is None or period is None or unit is None:
        return None
    days = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1, "wk": 7, "mo": 30, "a": 365}.get(unit)
    return None if not days else freq / (period * days)


def _daily_dose_mg(dosage: dict | None) -> float | None:
    if not dosage:
        return None
    for dr in dosage.get("doseAndRate") or []:
        q = dr.get("doseQuantity")
        if q and isinstance(q.get("value"), (int, float)) and (quantity_unit(q) or "").lower() == "mg":
            per_day = _per_day(dosage.get("timing"))
            return None if per_day is None else q["value"] * per_day
    dose = dosage.get("dose")  # MedicationAdministration.dosage
    if dose and isinstance(dose.get("value"), (int, float)) and (quantity_unit(dose) or "").lower() == "mg":
        return None
    return None


def _medication_concept(res: dict, by_ref: dict[str, dict]) -> dict | None:
    if res.get("medicationCodeableConcept"):
        return res["medicationCodeableConcept"]
    ref = (res.get("medicationReference") or {}).get("reference", "")
    if ref.startswith("#"):
        for contained in res.get("contained") or []:
            if contained.get("id") == ref[1:]:
                return contained.get("code")
        return None
    med = by_ref.get(ref) or by_ref.get("Medication/" + ref.rsplit("/", 1)[-1])
    return (med or {}).get("code")


def _medication(res: dict, by_ref: dict[str, dict], as_of: date) -> MedicationUse | None:
    kind = res["resourceType"]
    status = res.get("status") or ""
    iso = as_of.isoformat()
    concept = _medication_concept(res, by_ref) or {}
    display = (res.get("medicationReference") or {}).get("display")
    names = concept_words(concept) + ((display.lower(),) if display else ())
    dosage: dict | None = None
    ever = current = recent_admin = False
    start = end = None
    if kind == "MedicationRequest":
        when = day(res.get("authoredOn"))
        dosage = (res.get("dosageInstruction") or [None])[0]
        if res.get("intent") in _ORDER_INTENTS:
            ever = status in ("active", "on-hold", "completed", "stopped")
            bounds = ((dosage or {}).get("timing") or {}).get("repeat", {}).get("boundsPeriod") or {}
            end = day(bounds.get("end"))
            current = status in ("active", "on-hold") and (end is None or end >= iso)
        start = when
    elif kind == "MedicationStatement":
        period = res.get("effectivePeriod") or {}
        start = day(res.get("effectiveDateTime")) or day(period.get("start"))
        end = day(period.get("end"))
        when = start or day(res.get("dateAsserted"))
        dosage = (res.get("dosage") or [None])[0]
        ever = status not in ("entered-in-error", "not-taken")
        current = status == "active" and (start is None or start <= iso) and (end is None or end >= iso)
    else:  # MedicationAdministration
        period = res.get("effectivePeriod") or {}
        when = day(res.get("effectiveDateTime")) or day(period.get("start"))
        ever = status not in ("entered-in-error", "not-done")
        dosage = res.get("dosage")
        if ever and when is not None:
            recent_admin = (as_of - date.fromisoformat(when)).days <= 28
    if status == "entered-in-error":
        return None
    if when is not None and when > iso:
        return None
    route, route_text = _route((dosage or {}).get("route"))
    return MedicationUse(
        ref=ref_of(res),
        kind=kind,
        codings=codings(concept),
        names=names,
        status=status,
        date=when,
        ever=ever,
        current=current and ever,
        recent_admin_only=recent_admin,
        route=route,
        route_text=route_text,
        daily_dose_mg=_daily_dose_mg(dosage) if kind != "MedicationAdministration" else None,
    )


# --- allergies, reports, patient ---------------------------------------------------------


def _allergy(a: dict, as_of: str) -> AllergyFact | None:
    if _status_code(a.get("verificationStatus")) in ("entered-in-error", "refuted"):
        return None
    when = day(a.get("recordedDate")) or day(a.get("onsetDateTime"))
    if when and when > as_of:
        return None
    concepts = [a.get("code")] + [r.get("substance") for r in a.get("reaction") or []]
    return AllergyFact(
        ref=ref_of(a),
        type=a.get("type"),
        codings=tuple(c for concept in concepts for c in codings(concept)),
        names=tuple(w for concept in concepts for w in concept_words(concept)),
        clinical=_status_code(a.get("clinicalStatus")),
        date=when,
    )


def _report(r: dict, as_of: str) -> ReportFact | None:
    if r.get("status") not in USABLE_OBS:
        return None
    cats = [c for concept in r.get("category") or [] for c in codings(concept)]
    cat_codes = {c.code for c in cats if c.system in (V2_0074, "")}
    loinc = {c.code for c in codings(r.get("code")) if c.system == LOINC}
    if not (cat_codes & {"SP", "PAT", "CP"} or loinc & PATHOLOGY_LOINC):
        return None
    when = (
        day(r.get("effectiveDateTime"))
        or day((r.get("effectivePeriod") or {}).get("start"))
        or day(r.get("issued"))
    )
    if when and when > as_of:
        return None
    cytology = "CP" in cat_codes and not (cat_codes & {"SP", "PAT"})
    return ReportFact(
        ref=ref_of(r),
        date=when,
        cytology=cytology,
        codings=tuple(c for concept in r.get("conclusionCode") or [] for c in codings(concept)),
        conclusion=(r.get("conclusion") or "").lower(),
    )


def _patient(p: dict) -> Patient:
    bd = day(p.get("birthDate")) if p.get("birthDate") and len(p["birthDate"]) >= 10 else None
    return Patient(ref=ref_of(p), birth_date=date.fromisoformat(bd) if bd else None, gender=p.get("gender"))


# --- entry point -------------------------------------------------------------------------


def extract(resources: list[dict], as_of: date) -> Facts:
    """One patient's resources -> facts usable on `as_of`."""
    iso = as_of.isoformat()
    by_ref = {ref_of(r): r for r in resources}
    facts = Facts(as_of=as_of, patient=None)
    for res in sorted(resources, key=lambda r: (r.get("resourceType", ""), str(r.get("id", "")))):
        rt = res.get("resourceType")
        if rt == "Patient" and facts.patient is None:
            facts.patient = _patient(res)
        elif rt == "Observation":
            _observations(res, iso, facts)
        elif rt == "Condition":
            c = _condition(res, iso)
            if c:
                facts.conditions.append(c)
        elif rt in ("MedicationRequest", "MedicationStatement", "MedicationAdministration"):
            m = _medication(res, by_ref, as_of)
            if m:
                facts.medications.append(m)
        elif rt == "AllergyIntolerance":
            a = _allergy(res, iso)
            if a:
                facts.allergies.append(a)
        elif rt == "DiagnosticReport":
            rep = _report(res, iso)
            if rep:
                facts.reports.append(rep)
    for values in facts.measurements.values():
        values.sort(key=lambda m: (m.date, m.ref), reverse=True)
    facts.blood_pressure.sort(key=lambda p: ((p[0] or p[1]).date, (p[0] or p[1]).ref), reverse=True)
    return facts


FACT_TYPES = frozenset(
    {
        "Patient",
        "Condition",
        "MedicationRequest",
        "MedicationStatement",
        "MedicationAdministration",
        "Medication",
        "AllergyIntolerance",
        "DiagnosticReport",
    }
)


def is_used(resource: dict) -> bool:
    """Whether facts are read from this resource: what a report's input hash covers, so the
    same record fetched by narrow searches or read whole from files hashes the same."""
    rt = resource.get("resourceType")
    if rt in FACT_TYPES:
        return True
    if rt != "Observation":
        return False
    code = resource.get("code") or {}
    return _analyte_of(code) is not None or any(c.code in catalogue().bp_panels for c in codings(code))


def observation_codes() -> list[str]:
    """Every Observation code the facts read, as 'system|code': what a server is asked for."""
    cat = catalogue()
    return [f"{LOINC}|{code}" for code in sorted(set(cat.by_code) | cat.bp_panels)]


def observation_texts() -> list[str]:
    """Code texts searched for where no code is used (e.g. a local Child-Pugh Observation)."""
    return [names[0] for names in catalogue().text_names.values()]
