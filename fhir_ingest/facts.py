"""FHIR resources -> typed facts with provenance. Knows FHIR; knows nothing of any trial.

`extract(resources, as_of)` keeps only what is usable on the as-of date (status filters,
nothing dated after it) and converts lab values to canonical units, keeping the original.
Whatever shape a resource has, reading it never raises: a value we cannot read becomes a
Measurement with `problem` set, so the rules can say why it was not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
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
UNREADABLE = "value could not be read"


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str = ""


@dataclass
class Patient:
    ref: str
    birth_date: date | None  # exact birth date; None when absent or partial
    gender: str | None
    # Earliest and latest day a (possibly partial) birthDate can mean: "1957" -> Jan 1..Dec 31.
    birth_range: tuple[date, date] | None = None
    birth_text: str | None = None  # birthDate as written
    deceased: str | None = None  # "deceased 2025-03-02" / "deceased" when so on the as-of date


@dataclass
class Measurement:
    """One usable Observation value of a catalogued analyte."""

    analyte: str
    ref: str
    date: str
    value: float | None = None  # in the canonical unit; None when not numeric or not readable
    unit: str = ""
    comparator: str | None = None
    original_value: Any = None
    original_unit: str | None = None
    problem: str | None = None  # why a numeric value could not be used ("unrecognised unit 'x'")
    low: float | None = None  # reference range, canonical unit
    high: float | None = None
    qualitative: str | None = None  # "positive" / "negative" / "indeterminate"
    text: str | None = None  # code.text or value text, for the few rules that read them
    instant: float | None = None  # POSIX seconds when the time of day is known
    value_codes: tuple[str, ...] = ()  # codes of a coded value

    def same_result(self, other: Measurement) -> bool:
        return (self.value, self.comparator, self.qualitative, self.problem, self.value_codes) == (
            other.value,
            other.comparator,
            other.qualitative,
            other.problem,
            other.value_codes,
        )


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
    verification: str | None = None  # confirmed | unconfirmed | presumed | None (absent)


@dataclass
class ReportFact:
    ref: str
    date: str | None
    cytology: bool
    codings: tuple[Coding, ...]  # conclusionCode
    conclusion: str
    text: str = ""  # code text and conclusion, lower case: what the report is about


@dataclass
class TextEntry:
    """An Observation with no LOINC code we catalogue but with a text: never silently dropped,
    the rules name it when its text is about a criterion."""

    ref: str
    text: str
    date: str | None


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
    other_observations: list[TextEntry] = field(default_factory=list)

    def values(self, analyte: str) -> list[Measurement]:
        """Every usable value of an analyte, newest first (date, then time of day; ties by reference)."""
        return self.measurements.get(analyte, [])

    def latest(self, analyte: str) -> Measurement | None:
        """The newest usable value of an analyte, or None."""
        values = self.measurements.get(analyte)
        return values[0] if values else None


def unordered_peers(values: list[Measurement]) -> list[Measurement]:
    """Values on the newest value's day that cannot be put before or after it (no time of day,
    or the same instant): if they disagree with it, the latest result is not known."""
    if not values:
        return []
    top = values[0]
    return [
        v
        for v in values[1:]
        if v.date == top.date and (v.instant is None or top.instant is None or v.instant == top.instant)
    ]


def newest_first(m: Measurement) -> tuple:
    """Sort key (use with reverse=True): by date, then known time of day, then reference."""
    return (m.date, m.instant if m.instant is not None else float("-inf"), m.ref)


# --- catalogue -------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    by_code: dict[str, str]
    units: dict[str, dict[str, float]]
    canonical: dict[str, str]
    text_names: dict[str, tuple[str, ...]]
    bp_panels: frozenset[str]
    ranges: dict[str, tuple[float, float]]  # plausible values of scores (ECOG 0-5)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    raw = yaml.safe_load(pkg_resources.files("fhir_ingest").joinpath("data/labs.yaml").read_text("utf-8"))
    by_code: dict[str, str] = {}
    units: dict[str, dict[str, float]] = {}
    canonical: dict[str, str] = {}
    text_names: dict[str, tuple[str, ...]] = {}
    ranges: dict[str, tuple[float, float]] = {}
    for name, spec in raw["analytes"].items():
        for code in spec["loinc"]:
            by_code[code] = name
        units[name] = {k: float(v) for k, v in (spec.get("units") or {}).items()}
        canonical[name] = spec.get("unit", "")
        if spec.get("text"):
            text_names[name] = tuple(spec["text"])
        if spec.get("range"):
            lo, hi = spec["range"]
            ranges[name] = (float(lo), float(hi))
    return Catalogue(
        by_code, units, canonical, text_names, frozenset(raw["panels"]["blood_pressure"]), ranges
    )


# --- small readers ---------------------------------------------------------------------

_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2}))?")


def day(value: Any) -> str | None:
    """The date part as written (no time-zone shifts). A partial date ("2026", "2026-11") reads
    as its first day; `date_span` gives both ends where a rule needs them."""
    if not isinstance(value, str):
        return None
    if len(value) >= 10 and re.match(r"\d{4}-\d{2}-\d{2}", value):
        return value[:10] if _valid_day(value[:10]) else None
    m = _PARTIAL.fullmatch(value)
    if m:
        span = date_span(value)
        return span[0].isoformat() if span else None
    return None


def _valid_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def date_span(value: Any) -> tuple[date, date] | None:
    """(first, last) day a FHIR date can mean: '1957' -> 1957-01-01..1957-12-31."""
    if not isinstance(value, str):
        return None
    if len(value) >= 10 and _valid_day(value[:10]):
        d = date.fromisoformat(value[:10])
        return d, d
    m = _PARTIAL.fullmatch(value)
    if not m:
        return None
    year = int(m.group(1))
    if year < 1:
        return None
    if m.group(2) is None:
        return date(year, 1, 1), date(year, 12, 31)
    month = int(m.group(2))
    if not 1 <= month <= 12:
        return None
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, 1), date.fromordinal(nxt.toordinal() - 1)


def instant(value: Any) -> float | None:
    """POSIX seconds of a dateTime that has a time of day; None for a bare date."""
    if not isinstance(value, str) or "T" not in value:
        return None
    text = value.replace("Z", "+00:00")
    # Python 3.10 reads at most 6 fraction digits.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    try:
        return dt.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def codings(concept: Any) -> tuple[Coding, ...]:
    if not isinstance(concept, dict):
        return ()
    return tuple(
        Coding(str(c.get("system") or ""), str(c.get("code")).strip(), str(c.get("display") or ""))
        for c in _list(concept.get("coding"))
        if isinstance(c, dict) and c.get("code") is not None
    )


def concept_words(concept: Any) -> tuple[str, ...]:
    if not isinstance(concept, dict):
        return ()
    words = [concept.get("text") or ""] + [
        c.get("display") or "" for c in _list(concept.get("coding")) if isinstance(c, dict)
    ]
    return tuple(str(w).lower() for w in words if w)


def ref_of(resource: dict) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def _status_code(concept: Any) -> str | None:
    for c in codings(concept):
        return c.code
    return None


# --- qualitative results -------------------------------------------------------------------

# Negations first: "not detected" must never read as "detected", "non-reactive" as "reactive".
_NEG_TEXT = re.compile(
    r"\b(?:non[- ]?reactive|not\s+reactive|not\s+detected|none\s+detected|undetected|undetectable"
    r"|not\s+found|negative|neg)\b|阴性|未检出|未检测到"
)
_IND_TEXT = re.compile(r"\b(?:indeterminate|equivocal|inconclusive|borderline)\b|可疑|不确定|弱阳性\?")
_POS_TEXT = re.compile(r"\b(?:positive|pos|reactive|detected)\b|阳性|检出")
_NEG_CODES = {"260385009", "131194007", "260415000", "NEG", "N", "ND", "NR", "LA6577-6", "LA11883-8"}
_POS_CODES = {"10828004", "11214006", "260373001", "POS", "DET", "RR", "WR", "LA6576-8", "LA11882-0"}
_IND_CODES = {"82334004", "42425007", "419984006", "IND", "E", "LA11884-6"}


def qualitative(value_concept: Any, text: Any, interpretation: Any) -> str | None:
    """'positive' / 'negative' / 'indeterminate' from a coded value, value text or interpretation.
    Codes decide where present; words match whole words, negations first."""
    concepts = [value_concept] + [c for c in _list(interpretation)]
    for concept in concepts:
        for c in codings(concept):
            code = c.code.upper() if not c.code[:1].isdigit() else c.code
            if code in _NEG_CODES:
                return "negative"
            if code in _POS_CODES:
                return "positive"
            if code in _IND_CODES:
                return "indeterminate"
    words = list(concept_words(value_concept)) + ([text.lower()] if isinstance(text, str) else [])
    for concept in _list(interpretation):
        words += concept_words(concept)
    for w in words:
        w = w.strip()
        if _NEG_TEXT.search(w):
            return "negative"
        if _IND_TEXT.search(w):
            return "indeterminate"
        if _POS_TEXT.search(w) or w == "+":
            return "positive"
    return None


# --- numbers -----------------------------------------------------------------------------

# Scores coded in a terminology: read from the code's meaning, never from its digits.
_CODED_SCORES = {
    # ECOG as LOINC answers (LA9622-7 .. LA9627-6) and SNOMED CT findings
    "LA9622-7": 0, "LA9623-5": 1, "LA9624-3": 2, "LA9625-0": 3, "LA9626-8": 4, "LA9627-6": 5,
    "425389002": 0, "422512005": 1, "422894000": 2, "423053003": 3, "423237006": 4, "423409001": 5,
}  # fmt: skip
_SCORE_ANALYTES = {"ecog", "karnofsky", "child_pugh"}
_COMPARATORS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "≤": "<=", "≥": ">=", "＜": "<", "＞": ">"}
_NUMBER_TEXT = re.compile(r"\s*(<=|>=|<|>|≤|≥|＜|＞)?\s*([-+]?\d+(?:\.\d+)?)\s*(.*?)\s*")
_SCORE_TEXT = re.compile(
    r"\s*(?:ecog|who|zubrod|kps|karnofsky|child[- ]?pugh)?\s*(?:performance\s+status|ps)?\s*"
    r"(?:grade|score|class)?\s*[:=]?\s*(\d{1,3})(?:\s*(?:%|[-:,(].*|\s.*))?"
)


def _coded_score(concept: Any) -> float | None:
    for c in codings(concept):
        if c.code in _CODED_SCORES:
            return float(_CODED_SCORES[c.code])
    for w in concept_words(concept):
        m = _SCORE_TEXT.fullmatch(w)
        if m:
            return float(m.group(1))
    return None


def _number_in(text: str) -> tuple[float, str | None, str] | None:
    """'<0.5 mg/dL' -> (0.5, '<', 'mg/dL'); None when the text is not a number."""
    m = _NUMBER_TEXT.fullmatch(text)
    if not m:
        return None
    try:
        value = float(m.group(2))
    except ValueError:
        return None
    comp = _COMPARATORS.get(m.group(1) or "", None)
    return value, comp, m.group(3)


def _range_unit(holder: dict) -> str | None:
    for rr in _list(holder.get("referenceRange")):
        for key in ("low", "high"):
            q = _dict(_dict(rr).get(key))
            if q.get("code") or q.get("unit"):
                return quantity_unit(q)
    return None


def _obs_date(obs: dict) -> str | None:
    return (
        day(obs.get("effectiveDateTime"))
        or day(_dict(obs.get("effectivePeriod")).get("start"))
        or day(obs.get("issued"))
    )


def _obs_instant(obs: dict) -> float | None:
    for value in (obs.get("effectiveDateTime"), _dict(obs.get("effectivePeriod")).get("start")):
        if day(value):
            return instant(value)
    return instant(obs.get("issued"))


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == x and abs(x) != float("inf")


def _range(
    ref_ranges: Any, accepted: dict[str, float], obs_unit: str | None
) -> tuple[float | None, float | None]:
    """Low/high in the canonical unit: from low/high quantities, else parsed from text."""
    for rr in _list(ref_ranges):
        if not isinstance(rr, dict):
            continue
        low = high = None
        for key in ("low", "high"):
            q = _dict(rr.get(key))
            if _is_number(q.get("value")):
                unit = quantity_unit(q) if (q.get("code") or q.get("unit")) else obs_unit
                f = factor_for(unit, accepted)
                if f is None:
                    continue
                if key == "low":
                    low = q["value"] * f
                else:
                    high = q["value"] * f
        if low is None and high is None and isinstance(rr.get("text"), str):
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


def _analyte_of(code_concept: Any) -> str | None:
    cat = catalogue()
    for c in codings(code_concept):
        if c.system in (LOINC, "") and c.code in cat.by_code:
            return cat.by_code[c.code]
    words = concept_words(code_concept)
    for analyte, names in cat.text_names.items():
        if any(n in w for w in words for n in names):
            return analyte
    return None


def _raw_number(holder: dict, numeric: bool) -> tuple[float, str | None, str | None, Any] | str | None:
    """(value, comparator, unit as written or None, original) of a numeric value[x];
    a string saying why not; None when the value[x] is not meant as a number."""
    q = holder.get("valueQuantity")
    if isinstance(q, dict):
        if not _is_number(q.get("value")):
            return UNREADABLE
        comp = _COMPARATORS.get(str(q.get("comparator") or ""), None)
        unit = quantity_unit(q)
        return float(q["value"]), comp, (unit if unit not in (None, "") else None), q["value"]
    if "valueInteger" in holder:
        v = holder.get("valueInteger")
        return (float(v), None, None, v) if _is_number(v) else UNREADABLE
    if isinstance(holder.get("valueString"), str):
        parsed = _number_in(holder["valueString"])
        if parsed is None:
            return UNREADABLE if numeric else None
        value, comp, unit = parsed
        return value, comp, unit or None, value
    if isinstance(holder.get("valueCodeableConcept"), dict):
        texts = concept_words(holder["valueCodeableConcept"])
        for t in texts:
            parsed = _number_in(t)
            if parsed is not None:
                value, comp, unit = parsed
                return value, comp, unit or None, value
        return UNREADABLE if numeric else None
    if any(k.startswith("value") for k in holder):
        return UNREADABLE if numeric else None
    return None


def _measurement(
    analyte: str, ref: str, when: str, holder: dict, code_concept: Any, at: float | None
) -> Measurement:
    """Read one value (an Observation or a component) into a Measurement."""
    cat = catalogue()
    accepted = cat.units.get(analyte, {})
    numeric = bool(accepted)  # qualitative analytes have no units
    m = Measurement(analyte=analyte, ref=ref, date=when, unit=cat.canonical.get(analyte, ""), instant=at)
    m.text = _dict(code_concept).get("text")
    value_cc = holder.get("valueCodeableConcept")
    m.value_codes = tuple(c.code for c in codings(value_cc))
    m.qualitative = qualitative(value_cc, holder.get("valueString"), holder.get("interpretation"))
    if analyte in _SCORE_ANALYTES and isinstance(value_cc, dict):
        m.original_value = value_cc.get("text") or next(
            (c.display or c.code for c in codings(value_cc)), None
        )
        m.value = _coded_score(value_cc)
        if m.value is None and analyte != "child_pugh":
            m.problem = UNREADABLE
    else:
        raw = _raw_number(holder, numeric)
        if isinstance(raw, str):
            m.original_value = holder.get("valueString") or _dict(value_cc).get("text")
            if m.qualitative is None:
                m.problem = raw  # a qualitative word on a numeric test is read by the rules
        elif raw is not None:
            value, comp, unit, original = raw
            m.original_value, m.comparator = original, comp
            if unit is None:
                unit = _range_unit(holder)
            m.original_unit = unit
            f = factor_for(unit, accepted) if numeric else None
            if not numeric:
                pass  # a number on a qualitative test (an index value): read its interpretation
            elif f is None:
                m.problem = f"unrecognised unit '{unit}'" if unit is not None else UNREADABLE
            else:
                m.value = value * f
            if numeric:
                m.low, m.high = _range(holder.get("referenceRange"), accepted, unit)
    if analyte in cat.ranges and m.value is not None:
        lo, hi = cat.ranges[analyte]
        if not lo <= m.value <= hi:
            m.problem, m.value = f"{UNREADABLE} (out of range)", None
    if analyte == "child_pugh":
        # A class letter is kept as text; rules read "A"/"B"/"C" from it.
        m.text = " ".join(filter(None, [m.text, str(m.original_value or "")]))
    return m


def _has_value(holder: dict) -> bool:
    return holder.get("dataAbsentReason") is None and any(k.startswith("value") for k in holder)


def _observations(obs: dict, as_of: str, facts: Facts, halves: list[tuple[str, Measurement]]) -> None:
    if obs.get("status") not in USABLE_OBS:
        return
    when = _obs_date(obs)
    if when is None or when > as_of:
        return
    ref = ref_of(obs)
    at = _obs_instant(obs)
    cat = catalogue()
    code = obs.get("code")
    components = [c for c in _list(obs.get("component")) if isinstance(c, dict)]
    if any(c.code in cat.bp_panels for c in codings(code)) or components:
        parts: dict[str, Measurement] = {}
        for comp in components:
            analyte = _analyte_of(comp.get("code"))
            if analyte in ("systolic", "diastolic") and _has_value(comp):
                parts[analyte] = _measurement(analyte, ref, when, comp, comp.get("code"), at)
        if "systolic" in parts or "diastolic" in parts:
            facts.blood_pressure.append((parts.get("systolic"), parts.get("diastolic")))
            return
        if any(c.code in cat.bp_panels for c in codings(code)):
            return  # a panel without usable values
    analyte = _analyte_of(code)
    if analyte is None:
        if not any(c.system == LOINC for c in codings(code)):
            text = " ".join(dict.fromkeys(concept_words(code)))
            if text:
                facts.other_observations.append(TextEntry(ref, text, when))
        return
    if not _has_value(obs):
        return
    m = _measurement(analyte, ref, when, obs, code, at)
    if analyte in ("systolic", "diastolic"):
        # A lone systolic or diastolic Observation is half a reading; halves with the same
        # effective time are paired after all Observations are read.
        key = str(obs.get("effectiveDateTime") or _dict(obs.get("effectivePeriod")).get("start") or when)
        halves.append((key, m))
        return
    facts.measurements.setdefault(analyte, []).append(m)


def _pair_halves(halves: list[tuple[str, Measurement]], facts: Facts) -> None:
    by_time: dict[object, dict[str, list[Measurement]]] = {}
    for key, m in halves:
        slot = m.instant if m.instant is not None else key
        by_time.setdefault(slot, {}).setdefault(m.analyte, []).append(m)
    for slot in by_time.values():
        sys_ = sorted(slot.get("systolic", []), key=lambda m: m.ref)
        dia = sorted(slot.get("diastolic", []), key=lambda m: m.ref)
        for i in range(max(len(sys_), len(dia))):
            facts.blood_pressure.append(
                (sys_[i] if i < len(sys_) else None, dia[i] if i < len(dia) else None)
            )


# --- conditions --------------------------------------------------------------------------

_CURRENT = {"active", "recurrence", "relapse"}
_PAST = {"inactive", "remission", "resolved"}
_SUSPECTED = {"unconfirmed", "provisional", "differential"}


def _condition(c: dict, as_of: str) -> ConditionFact | None:
    ver = _status_code(c.get("verificationStatus"))
    if ver in ("refuted", "entered-in-error"):
        return None
    onset = day(c.get("onsetDateTime")) or day(_dict(c.get("onsetPeriod")).get("start"))
    recorded = day(c.get("recordedDate"))
    if (onset or recorded or "") > as_of:
        return None
    abatement = day(c.get("abatementDateTime")) or day(_dict(c.get("abatementPeriod")).get("end"))
    clin = _status_code(c.get("clinicalStatus"))
    clinical = "current" if clin in _CURRENT else "past" if clin in _PAST else None
    if abatement and abatement <= as_of and clinical is None:
        clinical = "past"
    return ConditionFact(
        ref=ref_of(c),
        codings=codings(c.get("code")),
        text=" ".join(dict.fromkeys(concept_words(c.get("code")))),
        clinical=clinical,
        suspected=ver in _SUSPECTED,
        onset=onset,
        recorded=recorded,
        abatement=abatement,
    )


# --- medications -------------------------------------------------------------------------

_ORDER_INTENTS = {"order", "original-order", "instance-order"}
_SYSTEMIC_ROUTE_CODES = {"26643006", "47625008", "78421000", "34206005", "PO", "IV", "IM", "SC", "SQ"}
_INHALED_ROUTE_CODES = {"447694001", "18679011000001101", "420641004", "IPINHL", "RESPINHL"}
_TOPICAL_ROUTE_CODES = {"6064005", "54485002", "45890007", "TOPICAL", "OPTHALTA", "OTIC", "NASAL"}
_LOCAL_ROUTE_CODES = {"12130007"}  # intra-articular
_INHALED_WORDS = re.compile(r"inhal|nebul|吸入")
# "cutaneous" but never "subcutaneous"
_TOPICAL_WORDS = re.compile(
    r"topical|(?<!sub)(?<!sub-)cutaneous|\bskin\b|ophthalm|\beyes?\b|eye ?drops?|\botic\b|\bears?\b"
    r"|ear ?drops?|nasal|intranasal|rectal foam|\bcream\b|ointment|\bgel\b|lotion|emulsion.*ophthalm"
    r"|外用|滴眼|眼用|滴耳|鼻用|乳膏|软膏"
)
_LOCAL_WORDS = re.compile(r"intra-?articular|关节腔")
_SYSTEMIC_WORDS = re.compile(
    r"\boral|\bpo\b|by mouth|intraven|\biv\b|intramusc|\bim\b|subcut|\bsc\b|\bsq\b|injection|injectable"
    r"|\btablet|\bcapsule|口服|静脉|肌注|肌肉|皮下|注射|片"
)


def _route_of_words(words: str, codes: set[str]) -> str | None:
    if codes & _LOCAL_ROUTE_CODES or _LOCAL_WORDS.search(words):
        return "local"
    if codes & _INHALED_ROUTE_CODES or _INHALED_WORDS.search(words):
        return "inhaled"
    if codes & _SYSTEMIC_ROUTE_CODES or (_SYSTEMIC_WORDS.search(words) and not _TOPICAL_WORDS.search(words)):
        return "systemic"
    if codes & _TOPICAL_ROUTE_CODES or _TOPICAL_WORDS.search(words):
        return "topical"
    return None


def _route(concept: Any) -> tuple[str | None, str | None]:
    if not isinstance(concept, dict):
        return None, None
    words = " ".join(concept_words(concept))
    codes = {c.code.upper() for c in codings(concept)}
    # A route we do not recognise stays None: the rules ask rather than guess.
    return _route_of_words(words, codes), words or None


def _dose_form_route(names: tuple[str, ...]) -> str | None:
    """The route a drug's name implies ('... Ophthalmic Emulsion', 'Oral Tablet'), if any."""
    words = " ".join(names)
    if _INHALED_WORDS.search(words) or re.search(r"inhaler|\bmdi\b|dry powder", words):
        return "inhaled"
    if _TOPICAL_WORDS.search(words):
        return "topical"
    if _SYSTEMIC_WORDS.search(words):
        return "systemic"
    return None


def _per_day(timing: Any) -> float | None:
    timing = _dict(timing)
    rep = _dict(timing.get("repeat"))
    code = _status_code(timing.get("code"))
    named = {"QD": 1, "BID": 2, "TID": 3, "QID": 4, "QOD": 0.5, "AM": 1, "PM": 1}
    if code and code.upper() in named:
        return float(named[code.upper()])
    freq, period, unit = rep.get("frequency"), rep.get("period"), rep.get("periodUnit")
    if not _is_number(freq) or not _is_number(period) or unit is None or period <= 0:
        return None
    days = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1, "wk": 7, "mo": 30, "a": 365}.get(unit)
    return None if not days else freq / (period * days)


def _daily_dose_mg(dosage: Any) -> float | None:
    dosage = _dict(dosage)
    for dr in _list(dosage.get("doseAndRate")):
        q = _dict(_dict(dr).get("doseQuantity"))
        if _is_number(q.get("value")) and (quantity_unit(q) or "").lower() == "mg":
            per_day = _per_day(dosage.get("timing"))
            return None if per_day is None else q["value"] * per_day
    return None


def _medication_concept(res: dict, by_ref: dict[str, dict]) -> dict | None:
    if isinstance(res.get("medicationCodeableConcept"), dict):
        return res["medicationCodeableConcept"]
    ref = str(_dict(res.get("medicationReference")).get("reference") or "")
    if ref.startswith("#"):
        for contained in _list(res.get("contained")):
            if isinstance(contained, dict) and contained.get("id") == ref[1:]:
                return _dict(contained.get("code"))
        return None
    med = by_ref.get(ref) or by_ref.get("Medication/" + ref.rsplit("/", 1)[-1])
    return _dict(_dict(med).get("code"))


def _days_between(later: date, earlier_iso: str) -> int | None:
    try:
        return (later - date.fromisoformat(earlier_iso)).days
    except ValueError:
        return None


def _medication(res: dict, by_ref: dict[str, dict], as_of: date) -> MedicationUse | None:
    kind = res["resourceType"]
    status = str(res.get("status") or "")
    iso = as_of.isoformat()
    concept = _medication_concept(res, by_ref) or {}
    display = _dict(res.get("medicationReference")).get("display")
    names = concept_words(concept) + ((str(display).lower(),) if display else ())
    dosage: dict | None = None
    ever = current = recent_admin = False
    end = None
    if kind == "MedicationRequest":
        when = day(res.get("authoredOn"))
        dosage = _dict((_list(res.get("dosageInstruction")) or [None])[0])
        if res.get("intent") in _ORDER_INTENTS:
            ever = status in ("active", "on-hold", "completed", "stopped")
            bounds = _dict(_dict(_dict(dosage.get("timing")).get("repeat")).get("boundsPeriod"))
            end = day(bounds.get("end"))
            current = status in ("active", "on-hold") and (end is None or end >= iso)
    elif kind == "MedicationStatement":
        period = _dict(res.get("effectivePeriod"))
        start = day(res.get("effectiveDateTime")) or day(period.get("start"))
        end = day(period.get("end"))
        when = start or day(res.get("dateAsserted"))
        dosage = _dict((_list(res.get("dosage")) or [None])[0])
        # An intended statement is a plan, not use (criteria.md "Prior medication use").
        ever = status not in ("entered-in-error", "not-taken", "intended")
        current = status == "active" and (start is None or start <= iso) and (end is None or end >= iso)
    else:  # MedicationAdministration
        period = _dict(res.get("effectivePeriod"))
        when = day(res.get("effectiveDateTime")) or day(period.get("start"))
        ever = status not in ("entered-in-error", "not-done")
        dosage = _dict(res.get("dosage"))
        if ever and when is not None:
            gap = _days_between(as_of, when)
            recent_admin = gap is not None and gap <= 28
    if status == "entered-in-error":
        return None
    if when is not None and when > iso:
        return None
    route, route_text = _route((dosage or {}).get("route"))
    if route is None:
        route = _dose_form_route(names)
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
    ver = _status_code(a.get("verificationStatus"))
    if ver in ("entered-in-error", "refuted"):
        return None
    when = day(a.get("recordedDate")) or day(a.get("onsetDateTime"))
    if when and when > as_of:
        return None
    concepts = [a.get("code")] + [_dict(r).get("substance") for r in _list(a.get("reaction"))]
    return AllergyFact(
        ref=ref_of(a),
        type=a.get("type") if isinstance(a.get("type"), str) else None,
        codings=tuple(c for concept in concepts for c in codings(concept)),
        names=tuple(w for concept in concepts for w in concept_words(concept)),
        clinical=_status_code(a.get("clinicalStatus")),
        date=when,
        verification=ver,
    )


def _report(r: dict, as_of: str) -> ReportFact | None:
    if r.get("status") not in USABLE_OBS:
        return None
    cats = [c for concept in _list(r.get("category")) for c in codings(concept)]
    cat_codes = {c.code for c in cats if c.system in (V2_0074, "")}
    loinc = {c.code for c in codings(r.get("code")) if c.system == LOINC}
    if not (cat_codes & {"SP", "PAT", "CP"} or loinc & PATHOLOGY_LOINC):
        return None
    when = (
        day(r.get("effectiveDateTime"))
        or day(_dict(r.get("effectivePeriod")).get("start"))
        or day(r.get("issued"))
    )
    if when and when > as_of:
        return None
    cytology = "CP" in cat_codes and not (cat_codes & {"SP", "PAT"})
    conclusion = str(r.get("conclusion") or "").lower()
    return ReportFact(
        ref=ref_of(r),
        date=when,
        cytology=cytology,
        codings=tuple(c for concept in _list(r.get("conclusionCode")) for c in codings(concept)),
        conclusion=conclusion,
        text=" ".join(filter(None, [*concept_words(r.get("code")), conclusion])),
    )


def _patient(p: dict, as_of: date) -> Patient:
    written = p.get("birthDate") if isinstance(p.get("birthDate"), str) else None
    span = date_span(written)
    exact = span[0] if span and span[0] == span[1] else None
    deceased = None
    if p.get("deceasedBoolean") is True:
        deceased = "deceased"
    elif isinstance(p.get("deceasedDateTime"), str):
        when = day(p["deceasedDateTime"])
        if when is None or when <= as_of.isoformat():
            deceased = f"deceased {when}" if when else "deceased"
    gender = p.get("gender") if isinstance(p.get("gender"), str) else None
    return Patient(
        ref=ref_of(p),
        birth_date=exact,
        gender=gender,
        birth_range=span,
        birth_text=written,
        deceased=deceased,
    )


# --- entry point -------------------------------------------------------------------------


def extract(resources: list[dict], as_of: date) -> Facts:
    """One patient's resources -> facts usable on `as_of`."""
    iso = as_of.isoformat()
    resources = [r for r in resources if isinstance(r, dict)]
    by_ref = {ref_of(r): r for r in resources}
    facts = Facts(as_of=as_of, patient=None)
    halves: list[tuple[str, Measurement]] = []
    for res in sorted(resources, key=lambda r: (str(r.get("resourceType", "")), str(r.get("id", "")))):
        rt = res.get("resourceType")
        if rt == "Patient" and facts.patient is None:
            facts.patient = _patient(res, as_of)
        elif rt == "Observation":
            _observations(res, iso, facts, halves)
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
    _pair_halves(halves, facts)
    for values in facts.measurements.values():
        values.sort(key=newest_first, reverse=True)

    def reading_key(p: tuple[Measurement | None, Measurement | None]) -> tuple:
        first = p[0] or p[1]
        assert first is not None
        return (*newest_first(first), p[1].ref if p[1] else "")

    facts.blood_pressure.sort(key=reading_key, reverse=True)
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
    if _analyte_of(code) is not None or any(c.code in catalogue().bp_panels for c in codings(code)):
        return True
    # An Observation without a LOINC code is read for its text (named when it is relevant).
    return bool(concept_words(code)) and not any(c.system == LOINC for c in codings(code))


def observation_codes() -> list[str]:
    """Every Observation code the facts read, as 'system|code': what a server is asked for."""
    cat = catalogue()
    return [f"{LOINC}|{code}" for code in sorted(set(cat.by_code) | cat.bp_panels)]


def observation_texts() -> list[str]:
    """Code texts searched for where no code is used (e.g. a local Child-Pugh Observation)."""
    return [names[0] for names in catalogue().text_names.values()]
