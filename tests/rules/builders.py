"""FHIR R4 builders for the rules tests, coded the way hospital systems send them.

The resources themselves come from the cohort generator's builders (tools/cohort/fhir.py, one
module for both); this file adds what the tests need on top: one patient ``PID``, generated
ids, dates given as ``datetime.date`` (rendered as a local date-time with a +08:00 offset, as a
Chinese hospital LIS writes them) or as a string (used as written), LOINC codes by name, and
defaults for the usual case. Every builder returns a plain JSON dict with a unique id and
``subject`` (or ``patient``) ``Patient/<PID>``.

``clean_patient(as_of)`` builds a record that passes every criterion the record alone can pass.
The helpers at the end run the engine and check statuses, verdict polarity and evidence.
"""

from __future__ import annotations

import copy
import itertools
from datetime import date, timedelta
from typing import Any

# The shared builders are the cohort generator's package (tools/cohort, installed as `cohort`).
# Only the FHIR construction is shared: the cohort's expected statuses (cohort/expected.py and
# stories.json, written to data/synthetic/expected.json) are designed by hand from criteria.md,
# an independent oracle that never comes from the rules engine.
from cohort import fhir
from cohort.fhir import (
    ATC,
    ICD10,
    ICD10CM,
    ICD10CN,
    ICDO3,
    LOINC,
    OBS_CAT,  # noqa: F401  (re-exported for realworld_builders)
    OBS_INTERP,
    RXNORM,
    SNOMED,
    UCUM,
    coding,
    concept,
    qty,
)
from cohort.record import AS_OF  # the cohort's as-of date

PID = "pt-001"

CONDITION_SYSTEMS = {
    "icd-10-cm": ICD10CM,
    "icd-10": ICD10,
    "icd-10-cn": ICD10CN,
    "snomed": SNOMED,
    "icd-o-3": ICDO3,
}

# Display strings for the units (UCUM code -> what the LIS prints).
UNIT_DISPLAY = {
    "10*9/L": "x10^9/L",
    "10*3/uL": "x10^3/uL",
    "/uL": "/uL",
    "g/dL": "g/dL",
    "g/L": "g/L",
    "mmol/L": "mmol/L",
    "mg/dL": "mg/dL",
    "umol/L": "µmol/L",
    "U/L": "U/L",
    "ukat/L": "µkat/L",
    "m[IU]/L": "mIU/L",
    "u[IU]/mL": "uIU/mL",
    "pmol/L": "pmol/L",
    "nmol/L": "nmol/L",
    "ng/dL": "ng/dL",
    "pg/mL": "pg/mL",
    "ug/dL": "µg/dL",
    "s": "s",
    "{INR}": "INR",
    "[IU]/mL": "IU/mL",
    "{copies}/mL": "copies/mL",
    "[IU]/L": "IU/L",
    "mL/min": "mL/min",
    "mm[Hg]": "mmHg",
    "kg": "kg",
    "[lb_av]": "lb",
    "{score}": "{score}",
    "%": "%",
}

# LOINC codes used by the tests (display names as LOINC words them).
ANC = "751-8"
ANC_ALT = "26499-4"
NEUT_PCT = "770-8"
PLT = "777-3"
PLT_ALT = "26515-7"
HGB = "718-7"
HGB_MOL = "59260-0"
ALB = "1751-7"
ALB_BCG = "61151-7"
TSH = "3016-3"
FT4 = "14920-3"
FT4_MASS = "3024-7"
TT4 = "14921-1"
TT4_MASS = "3026-2"
FT3 = "14928-6"
FT3_MASS = "3051-0"
TT3 = "14930-2"
TT3_MASS = "3053-6"
TBIL = "1975-2"
TBIL_MOL = "14631-6"
ALT = "1742-6"
AST = "1920-8"
CREAT = "2160-0"
CREAT_MOL = "14682-9"
CRCL = "2164-2"
CRCL_CG = "35591-7"
EGFR = "62238-1"
PT = "5902-2"
INR = "6301-6"
HBV_DNA_IU = "42595-9"
HBV_DNA_COPIES = "29615-2"
HBSAG = "5196-1"
HCV_RNA_IU = "11011-4"
HCV_RNA_COPIES = "20416-4"
ANTI_HCV = "16128-1"
HIV_AGAB = "56888-1"
HIV_AB = "7917-8"
HIV1_RNA_QUAL = "25835-0"
HCG_URINE = "2106-3"
HCG_SERUM_QUANT = "19080-1"
ECOG = "89247-1"
KARNOFSKY = "89243-0"
CHILD_PUGH = "98153-0"
BP_PANEL = "85354-9"
SYSTOLIC = "8480-6"
DIASTOLIC = "8462-4"
WEIGHT = "29463-7"

LOINC_DISPLAY = {
    ANC: "Neutrophils [#/volume] in Blood by Automated count",
    ANC_ALT: "Neutrophils [#/volume] in Blood",
    NEUT_PCT: "Neutrophils/100 leukocytes in Blood by Automated count",
    PLT: "Platelets [#/volume] in Blood by Automated count",
    PLT_ALT: "Platelets [#/volume] in Blood",
    HGB: "Hemoglobin [Mass/volume] in Blood",
    HGB_MOL: "Hemoglobin [Moles/volume] in Blood",
    ALB: "Albumin [Mass/volume] in Serum or Plasma",
    ALB_BCG: "Albumin [Mass/volume] in Serum or Plasma by Bromocresol green (BCG) dye binding",
    TSH: "Thyrotropin [Units/volume] in Serum or Plasma",
    FT4: "Thyroxine (T4) free [Moles/volume] in Serum or Plasma",
    FT4_MASS: "Thyroxine (T4) free [Mass/volume] in Serum or Plasma",
    TT4: "Thyroxine (T4) [Moles/volume] in Serum or Plasma",
    TT4_MASS: "Thyroxine (T4) [Mass/volume] in Serum or Plasma",
    FT3: "Triiodothyronine (T3) free [Moles/volume] in Serum or Plasma",
    FT3_MASS: "Triiodothyronine (T3) free [Mass/volume] in Serum or Plasma",
    TT3: "Triiodothyronine (T3) [Moles/volume] in Serum or Plasma",
    TT3_MASS: "Triiodothyronine (T3) [Mass/volume] in Serum or Plasma",
    TBIL: "Bilirubin.total [Mass/volume] in Serum or Plasma",
    TBIL_MOL: "Bilirubin.total [Moles/volume] in Serum or Plasma",
    ALT: "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
    AST: "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
    CREAT: "Creatinine [Mass/volume] in Serum or Plasma",
    CREAT_MOL: "Creatinine [Moles/volume] in Serum or Plasma",
    CRCL: "Creatinine renal clearance in 24 hour Urine and Serum or Plasma",
    CRCL_CG: "Creatinine renal clearance predicted by Cockcroft-Gault formula",
    EGFR: "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] by CKD-EPI",
    PT: "Prothrombin time (PT)",
    INR: "INR in Platelet poor plasma by Coagulation assay",
    HBV_DNA_IU: "Hepatitis B virus DNA [Units/volume] (viral load) in Serum or Plasma by NAA",
    HBV_DNA_COPIES: "Hepatitis B virus DNA [#/volume] (viral load) in Serum or Plasma by NAA",
    HBSAG: "Hepatitis B virus surface Ag [Presence] in Serum",
    HCV_RNA_IU: "Hepatitis C virus RNA [Units/volume] (viral load) in Serum or Plasma by NAA",
    HCV_RNA_COPIES: "Hepatitis C virus RNA [#/volume] (viral load) in Serum or Plasma by NAA",
    ANTI_HCV: "Hepatitis C virus Ab [Presence] in Serum",
    HIV_AGAB: "HIV 1+2 Ab+HIV1 p24 Ag [Presence] in Serum or Plasma by Immunoassay",
    HIV_AB: "HIV 1 Ab [Presence] in Serum",
    HIV1_RNA_QUAL: "HIV 1 RNA [Presence] in Serum or Plasma by NAA with probe detection",
    HCG_URINE: "Choriogonadotropin (pregnancy test) [Presence] in Urine",
    HCG_SERUM_QUANT: "Choriogonadotropin [Units/volume] in Serum or Plasma",
    ECOG: "ECOG Performance Status score",
    KARNOFSKY: "Karnofsky Performance Status score",
    CHILD_PUGH: "Child-Pugh classification",
    BP_PANEL: "Blood pressure panel with all children optional",
    SYSTOLIC: "Systolic blood pressure",
    DIASTOLIC: "Diastolic blood pressure",
    WEIGHT: "Body weight",
}

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def ago(days: int) -> date:
    """The calendar date ``days`` before AS_OF (negative: after AS_OF)."""
    return AS_OF - timedelta(days=days)


def years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def dt(when: date | str | None) -> str | None:
    """A date-time as a hospital writes it: local time with an offset; strings as given."""
    if when is None or isinstance(when, str):
        return when
    return f"{when.isoformat()}T08:30:00+08:00"


def d(when: date | str | None) -> str | None:
    if when is None or isinstance(when, str):
        return when
    return when.isoformat()


def subject(pid: str = PID) -> dict:
    return fhir.reference("Patient", pid)


def ref(resource: dict) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


# --------------------------------------------------------------------------- Patient


def patient(id: str = PID, birth_date: date | str | None = "1966-03-15",
            gender: str | None = "male") -> dict:
    return fhir.patient(id, [{"system": "urn:oid:2.16.156.10011.1.12", "value": f"MRN-{id}"}],
                        [{"family": "Test", "given": ["Patient"]}], gender, d(birth_date))


def born_aged(years: int, days_after_birthday: int = 100) -> date:
    """A birth date giving ``years`` completed years on AS_OF, the birthday
    ``days_after_birthday`` days before AS_OF."""
    return years_before(AS_OF - timedelta(days=days_after_birthday), years)


# --------------------------------------------------------------------------- Observations


def quantity(value: float, unit: str, comparator: str | None = None,
             unit_text_only: bool = False) -> dict:
    if unit_text_only:
        q = qty(value, unit)
    elif unit:
        q = qty(value, UNIT_DISPLAY.get(unit, unit), unit)
    else:  # no unit at all, as some systems send it
        q = {"value": value, "unit": None, "system": UCUM, "code": None}
    if comparator:
        q["comparator"] = comparator
    return q


def _code(code: str, system: str = LOINC, display: str | None = None,
          text: str | None = None) -> dict:
    display = display or LOINC_DISPLAY.get(code)
    return concept(text or display, coding(system, code, display))


def _observation(code: str | dict, when: date | str | None, status: str, category: str,
                 id: str | None, prefix: str, effective: str = "dateTime",
                 issued: date | str | None = "same") -> dict:
    shown = when is not None and effective != "none"
    if issued == "same":
        issued = when if shown else None
    return fhir.observation(id or new_id(prefix), status, fhir.obs_category(category),
                            code if isinstance(code, dict) else _code(code), subject(),
                            effective=dt(when) if shown else None,
                            issued=None if issued is None else _issued(issued),
                            period=effective == "period")


def _issued(when: date | str) -> str:
    if isinstance(when, str):
        return when if "T" in when else f"{when}T10:00:00+08:00"
    return f"{when.isoformat()}T10:00:00+08:00"


def lab(code: str, value: float | None, unit: str | None, when: date | str | None,
        low: float | None = None, high: float | None = None, ref_text: str | None = None,
        status: str = "final", comparator: str | None = None, unit_text_only: bool = False,
        range_unit: str | None = None, id: str | None = None, effective: str = "dateTime",
        issued: date | str | None = "same", data_absent: bool = False,
        code_text: str | None = None) -> dict:
    """A numeric laboratory Observation (valueQuantity) with an optional reference range.

    ``effective``: "dateTime" (default), "period" (effectivePeriod.start) or "none" (only
    ``issued``; pass ``issued=`` a date)."""
    code_cc = _code(code, text=code_text) if code_text else code
    obs = _observation(code_cc, when, status, "laboratory", id, "lab", effective, issued)
    if data_absent or value is None:
        obs["dataAbsentReason"] = fhir.data_absent("error")
    else:
        obs["valueQuantity"] = quantity(value, unit, comparator, unit_text_only)
    if low is not None or high is not None or ref_text is not None:
        rr: dict[str, Any] = {}
        ru = range_unit or unit
        if low is not None:
            rr["low"] = quantity(low, ru, unit_text_only=unit_text_only)
        if high is not None:
            rr["high"] = quantity(high, ru, unit_text_only=unit_text_only)
        if ref_text is not None:
            rr["text"] = ref_text
        obs["referenceRange"] = [rr]
    return obs


QUALITATIVE = {
    # result: (SNOMED code, display, Chinese text, v3 interpretation)
    "positive": ("10828004", "Positive", "阳性", "POS"),
    "negative": ("260385009", "Negative", "阴性", "NEG"),
    "reactive": ("11214006", "Reactive", "阳性", "RR"),
    "non-reactive": ("131194007", "Non-Reactive", "阴性", "NR"),
    "detected": ("260373001", "Detected", "阳性", "DET"),
    "not detected": ("260415000", "Not detected", "阴性", "ND"),
}


def coded_lab(code: str, result: str, when: date | str | None, style: str = "full",
              status: str = "final", id: str | None = None) -> dict:
    """A qualitative lab. ``style``:
    "full" (SNOMED coded value + interpretation, the default),
    "snomed" (coded value only), "text" (valueCodeableConcept text 阳性/阴性 only),
    "interpretation" (a numeric index with no usable unit, read from interpretation)."""
    sct, display, zh, interp = QUALITATIVE[result]
    obs = _observation(code, when, status, "laboratory", id, "lab")
    if style in ("full", "snomed"):
        obs["valueCodeableConcept"] = concept(display, coding(SNOMED, sct, display))
    elif style == "text":
        obs["valueCodeableConcept"] = {"text": zh}
    elif style == "interpretation":
        obs["valueQuantity"] = qty(0.08 if interp in ("NEG", "NR", "ND") else 48.5, "COI")
    if style in ("full", "interpretation"):
        obs["interpretation"] = [concept(display, coding(OBS_INTERP, interp))]
    return obs


LOINC_ANSWER_ECOG = {
    0: "LA9622-7", 1: "LA9623-5", 2: "LA9624-3", 3: "LA9625-0", 4: "LA9626-8", 5: "LA9627-6"
}


def ecog(score: int, when: date | str, coded: bool = False, status: str = "final",
         id: str | None = None) -> dict:
    obs = _observation(ECOG, when, status, "survey", id, "ecog")
    if coded:
        obs["valueCodeableConcept"] = concept(str(score), coding(LOINC, LOINC_ANSWER_ECOG[score],
                                                                 str(score)))
    else:
        obs["valueInteger"] = score
    return obs


def karnofsky(score: int, when: date | str, id: str | None = None) -> dict:
    obs = _observation(KARNOFSKY, when, "final", "survey", id, "kps")
    obs["valueInteger"] = score
    return obs


def child_pugh(value: int | str, when: date | str, code: str | None = CHILD_PUGH,
               text: str = "Child-Pugh classification", id: str | None = None) -> dict:
    """A recorded Child-Pugh score (int 5-15) or class ("A"/"B"/"C"). With ``code=None`` the
    Observation has only a local code whose text names Child-Pugh."""
    if code:
        cc = _code(code, text=text)
    else:
        cc = concept(text, coding("http://hospital.example.cn/fhir/CodeSystem/lis", "CPS01", text))
    obs = _observation(cc, when, "final", "exam", id, "cp")
    if isinstance(value, int):
        obs["valueInteger"] = value
    else:
        obs["valueCodeableConcept"] = {"text": value}
    return obs


def bp(systolic: float, diastolic: float, when: date | str, status: str = "final",
       id: str | None = None) -> dict:
    obs = _observation(BP_PANEL, when, status, "vital-signs", id, "bp")
    obs["component"] = [fhir.component(_code(SYSTOLIC), quantity(systolic, "mm[Hg]")),
                        fhir.component(_code(DIASTOLIC), quantity(diastolic, "mm[Hg]"))]
    return obs


def weight(value: float, when: date | str, unit: str = "kg", id: str | None = None) -> dict:
    obs = _observation(WEIGHT, when, "final", "vital-signs", id, "wt")
    obs["valueQuantity"] = quantity(value, unit)
    return obs


def pregnancy_test(result: str, when: date | str, code: str = HCG_URINE,
                   id: str | None = None) -> dict:
    return coded_lab(code, result, when, id=id)


def hcg(value: float, when: date | str, unit: str = "[IU]/L", id: str | None = None,
        comparator: str | None = None) -> dict:
    return lab(HCG_SERUM_QUANT, value, unit, when, comparator=comparator, id=id)


# --------------------------------------------------------------------------- Conditions


def condition(code: str, system: str = "icd-10-cm", clinical: str | None = "active",
              verification: str | None = "confirmed", onset: date | str | None = None,
              recorded: date | str | None | bool = True, abatement: date | str | None = None,
              display: str | None = None, id: str | None = None) -> dict:
    """A Condition. ``recorded=True`` (default) records it on the onset date, else 60 days
    before AS_OF; ``recorded=None`` leaves recordedDate out."""
    if recorded is True:
        recorded = onset if onset is not None else ago(60)
    return fhir.condition(id or new_id("cond"), subject(),
                          concept(display or code, coding(CONDITION_SYSTEMS.get(system, system), code,
                                                          display)),
                          fhir.condition_category("problem-list-item"), clinical, verification,
                          onset=d(onset), abatement=d(abatement), recorded=d(recorded) if recorded else None)


# --------------------------------------------------------------------------- pathology

REPORT_CODES = {"60567-5": "Comprehensive pathology report panel",
                "11526-1": "Pathology study",
                "22637-3": "Pathology report final diagnosis Narrative",
                "60568-3": "Pathology Synoptic report"}
ICC_CONCLUSION = [("icd-10-cm", "C22.1", "Intrahepatic bile duct carcinoma"),
                  ("snomed", "109842005", "Intrahepatic bile duct carcinoma")]


def pathology_report(conclusion: list[tuple[str, str, str | None]] | None = None,
                     category: str | None = "SP", status: str = "final",
                     when: date | str = None, code: str | None = "60567-5",
                     conclusion_text: str | None = None, id: str | None = None) -> dict:
    """A DiagnosticReport. ``conclusion``: list of (system, code, display) conclusionCodes,
    each its own CodeableConcept. ``category`` of v2-0074 (SP, PAT, CP) or None."""
    conclusion = ICC_CONCLUSION if conclusion is None else conclusion
    when = ago(40) if when is None else when
    if code:
        report_code = concept(None, coding(LOINC, code, REPORT_CODES.get(code, code)))
    else:
        report_code = concept("Fine needle aspiration cytology")
    return fhir.diagnostic_report(
        id or new_id("path"), subject(), report_code, dt(when), _issued(when),
        conclusion_text or "; ".join(c[2] or c[1] for c in conclusion),
        [concept(None, coding(CONDITION_SYSTEMS.get(s, s), c, disp)) for s, c, disp in conclusion],
        status, category=category)


# --------------------------------------------------------------------------- medicines

def drug(name: str | None = None, rxnorm: str | None = None, atc: str | None = None,
         display: str | None = None) -> dict:
    """A medication CodeableConcept: RxNorm and/or ATC codings, and a text name."""
    codings = [coding(system, code, display or name)
               for system, code in ((RXNORM, rxnorm), (ATC, atc)) if code]
    return concept(name, *codings)


PEMBROLIZUMAB = drug("pembrolizumab", rxnorm="1547545", atc="L01FF02")
PREDNISONE = drug("prednisone", rxnorm="8640", atc="H02AB07")


def _dosage(route: str | None, dose_mg: float | None, per_day: float | None,
            text: str | None = None) -> dict:
    return fhir.dosage(text, dose_mg, per_day, route, route_text=True)


def _has_dosage(route: str | None, dose_mg: float | None, per_day: float | None) -> bool:
    return bool(route) or dose_mg is not None or per_day is not None


def medication(concept: dict, id: str | None = None) -> dict:
    return fhir.medication(id or new_id("med"), concept)


def _med_field(concept: dict | None, medication_ref: dict | None) -> dict:
    return fhir.medication_field(concept, None if medication_ref is None else ref(medication_ref))


def med_request(concept: dict | None = None, status: str = "active", intent: str = "order",
                authored: date | str | None = None, route: str | None = None,
                dose_mg: float | None = None, per_day: float | None = None,
                medication_ref: dict | None = None, id: str | None = None) -> dict:
    dosage = _dosage(route, dose_mg, per_day) if _has_dosage(route, dose_mg, per_day) else None
    return fhir.medication_request(id or new_id("mr"), subject(), _med_field(concept, medication_ref),
                                   dt(ago(10) if authored is None else authored), status, intent, dosage)


def med_statement(concept: dict | None = None, status: str = "active",
                  start: date | str | None = None, end: date | str | None = None,
                  route: str | None = None, dose_mg: float | None = None,
                  per_day: float | None = None, medication_ref: dict | None = None,
                  asserted: date | str | None = None, id: str | None = None) -> dict:
    start = ago(30) if start is None else start
    dosage = _dosage(route, dose_mg, per_day) if _has_dosage(route, dose_mg, per_day) else None
    return fhir.medication_statement(id or new_id("ms"), subject(), _med_field(concept, medication_ref),
                                     status, d(start), end=d(end), asserted=d(asserted or start),
                                     dosage_=dosage)


def med_admin(concept: dict | None = None, status: str = "completed",
              when: date | str | None = None, route: str | None = None,
              dose_mg: float | None = None, medication_ref: dict | None = None,
              id: str | None = None) -> dict:
    return fhir.medication_administration(id or new_id("ma"), subject(), _med_field(concept, medication_ref),
                                          dt(ago(5) if when is None else when), status, route, dose_mg)


# --------------------------------------------------------------------------- allergies


def allergy(substance: str | None, rxnorm: str | None = None, type: str | None = "allergy",
            clinical: str | None = "active", verification: str | None = "confirmed",
            recorded: date | str | None = None, id: str | None = None,
            manifestation: str | None = None) -> dict:
    code = concept(substance, *([coding(RXNORM, rxnorm, substance)] if rxnorm else []))
    return fhir.allergy_intolerance(
        id or new_id("alg"), subject(), code, type, clinical, verification,
        recorded=d(ago(200) if recorded is None else recorded),
        reaction={"manifestation": [concept(manifestation)]} if manifestation else None)


# --------------------------------------------------------------------------- clean record

CLEAN_PARTS = (
    "patient", "neutrophils", "platelets", "hemoglobin", "albumin", "tsh", "ft3", "ft4",
    "bilirubin", "alt", "ast", "creatinine", "pt", "inr", "hbsag", "anti_hcv", "hiv", "bp",
    "weight", "ecog", "child_pugh", "pathology", "icc_condition",
)


# The clean record's laboratory values: part -> (LOINC, value, unit, low, high).
CLEAN_LABS = {
    "neutrophils": (ANC, 3.2, "10*9/L", 1.8, 6.3),
    "platelets": (PLT, 182, "10*9/L", 125, 350),
    "hemoglobin": (HGB, 13.5, "g/dL", 13.0, 17.5),
    "albumin": (ALB, 4.2, "g/dL", 3.5, 5.2),
    "tsh": (TSH, 1.8, "m[IU]/L", 0.27, 4.2),
    "ft3": (FT3, 4.8, "pmol/L", 3.1, 6.8),
    "ft4": (FT4, 16.0, "pmol/L", 12.0, 22.0),
    "bilirubin": (TBIL, 0.8, "mg/dL", 0.3, 1.2),
    "alt": (ALT, 25, "U/L", 7, 40),
    "ast": (AST, 28, "U/L", 13, 35),
    "creatinine": (CREAT, 0.9, "mg/dL", 0.7, 1.3),
    "pt": (PT, 11.8, "s", 9.4, 12.5),
    "inr": (INR, 1.0, "{INR}", 0.8, 1.2),
}


def clean_patient(as_of: date = AS_OF, drop: tuple[str, ...] | set[str] = (),
                  gender: str | None = "male", birth_date: date | str | None = None,
                  lab_days_ago: int = 7) -> list[dict]:
    """A male aged 60 on ``as_of`` whose record passes every criterion the record alone can
    pass. ``drop`` leaves out parts (names in CLEAN_PARTS). Ids are fixed ("<part>-clean")."""
    if as_of != AS_OF:
        raise ValueError("clean_patient is built relative to builders.AS_OF")
    unknown = set(drop) - set(CLEAN_PARTS)
    if unknown:
        raise ValueError(f"unknown parts {unknown}")
    when = ago(lab_days_ago)
    parts: dict[str, dict] = {"patient": patient(PID, birth_date or born_aged(60), gender)}
    for part, (code, value, unit, low, high) in CLEAN_LABS.items():
        parts[part] = lab(code, value, unit, when, low, high, id=f"{part}-clean")
    parts.update({
        "hbsag": coded_lab(HBSAG, "negative", ago(30), id="hbsag-clean"),
        "anti_hcv": coded_lab(ANTI_HCV, "negative", ago(30), id="anti-hcv-clean"),
        "hiv": coded_lab(HIV_AGAB, "negative", ago(30), id="hiv-clean"),
        "bp": bp(120, 80, when, id="bp-clean"),
        "weight": weight(70, when, id="weight-clean"),
        "ecog": ecog(0, when, id="ecog-clean"),
        "child_pugh": child_pugh(5, when, id="child-pugh-clean"),
        "pathology": pathology_report(when=ago(40), id="pathology-clean"),
        "icc_condition": condition("C22.1", onset=ago(45), display="Intrahepatic bile duct "
                                   "carcinoma", id="icc-condition-clean"),
    })
    return [copy.deepcopy(r) for k, r in parts.items() if k not in set(drop)]


# Expected statuses of the clean record (record alone).
CLEAN_EXPECTED = {
    "age": "pass", "informed_consent": "pending", "ecog_0": "pass", "child_pugh_a": "pass",
    "icc_histology": "pass", "tissue_available": "unknown", "unresectable": "unknown",
    "neutrophils": "pass", "platelets": "pass", "hemoglobin": "pass", "albumin": "pass",
    "tsh": "pass", "t3_t4_normal": "pass", "bilirubin": "pass", "alt_ast": "pass",
    "creatinine": "pass", "creatinine_clearance": "pass", "measurable_lesion": "unknown",
    "pregnancy_lactation": "pass",
    "other_liver_histology": "pass", "prior_checkpoint_inhibitor": "unknown",
    "other_malignancy": "unknown", "tuberculosis": "unknown", "autoimmune": "unknown",
    "ild_pneumonitis": "unknown", "immunosuppression": "pass",
    "cardiopulmonary_renal": "unknown", "hypertension": "pass", "coagulation": "pass",
    "hepatitis_viral_load": "pass", "recent_bleeding": "unknown", "active_infection": "unknown",
    "hiv": "pass", "substance_abuse": "unknown", "platinum_allergy": "unknown",
    "investigator_judgment": "pending",
}

INCLUSION_IDS = [
    "age", "informed_consent", "ecog_0", "child_pugh_a", "icc_histology", "tissue_available",
    "unresectable", "neutrophils", "platelets", "hemoglobin", "albumin", "tsh", "t3_t4_normal",
    "bilirubin", "alt_ast", "creatinine", "creatinine_clearance", "measurable_lesion",
    "pregnancy_lactation",
]
EXCLUSION_IDS = [
    "other_liver_histology", "prior_checkpoint_inhibitor", "other_malignancy", "tuberculosis",
    "autoimmune", "ild_pneumonitis", "immunosuppression", "cardiopulmonary_renal",
    "hypertension", "coagulation", "hepatitis_viral_load", "recent_bleeding",
    "active_infection", "hiv", "substance_abuse", "platinum_allergy", "investigator_judgment",
]
ALL_IDS = INCLUSION_IDS + EXCLUSION_IDS


# --------------------------------------------------------------------------- engine helpers


def run(resources: list[dict], as_of: date | str = AS_OF):
    from eligibility import screen

    return screen(copy.deepcopy(resources), as_of=as_of)


def result(resources: list[dict], cid: str, as_of: date | str = AS_OF):
    return run(resources, as_of).result(cid)


def refs(res) -> list[str | None]:
    return [e.reference for e in res.evidence]


def assert_status(resources: list[dict], cid: str, expected: str, as_of: date | str = AS_OF,
                  reason_has: str | None = None, evidence: dict | list[dict] | None = None):
    """Screen, check ``cid``'s status and the verdict polarity; return the report.

    fail -> verdict ineligible; unknown -> listed in ``missing``; pass/pending -> not listed.
    ``evidence``: resources whose reference must appear in the criterion's evidence."""
    report = run(resources, as_of)
    res = report.result(cid)
    assert res.status == expected, (
        f"{cid}: expected {expected}, got {res.status} ({res.reason})")
    if expected == "fail":
        assert report.verdict == "ineligible"
        assert cid not in report.missing
    elif expected == "unknown":
        assert cid in report.missing
        assert report.verdict in ("needs_information", "ineligible")
    else:
        assert cid not in report.missing
    if reason_has is not None:
        assert reason_has.lower() in res.reason.lower(), res.reason
    if evidence is not None:
        for r in evidence if isinstance(evidence, list) else [evidence]:
            assert ref(r) in refs(res), f"{ref(r)} not in evidence {refs(res)}"
    return report


def norm_unit(unit: str | None) -> str:
    u = (unit or "").lower().replace(" ", "")
    for ch in ("×", "x", "^", "*", "[", "]", "µ", "μ"):
        u = u.replace(ch, "u" if ch in ("µ", "μ") else "")
    return u


def assert_evidence_value(res, resource: dict, value: float, unit: str, tol: float = 0.011):
    """The evidence item for ``resource`` carries ``value`` in ``unit`` (the decision unit)."""
    items = [e for e in res.evidence if e.reference == ref(resource)]
    assert items, f"{ref(resource)} not in evidence {refs(res)}"
    ok = [e for e in items
          if isinstance(e.value, (int, float)) and abs(float(e.value) - value) <= tol
          and norm_unit(e.unit) == norm_unit(unit)]
    assert ok, f"no evidence {value} {unit} for {ref(resource)}: " + repr(
        [(e.value, e.unit) for e in items])
