"""FHIR R4 resource builders shared by the cohort generator and the rules tests.

Standard library only: the generator runs without the app, and the tests build their records
with the same code. Every builder returns a plain JSON dict; keys are inserted in the order the
generator writes them, so the committed cohort stays byte-identical. Arguments are already
rendered FHIR values (dates as strings, CodeableConcepts as dicts): choosing ids, dates and
codes is the caller's job.
"""
from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------------------------------------
# Code systems
# ---------------------------------------------------------------------------------------------
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CN = "http://hl7.org/fhir/sid/icd-10-cn"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
ICDO3_OID = "urn:oid:2.16.840.1.113883.6.43.1"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
OBS_CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
OBS_INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
COND_CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
COND_VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
COND_CAT = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLIN = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VER = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"

# SNOMED CT routes of administration: name -> (code, display).
ROUTES = {
    "oral": ("26643006", "Oral route"),
    "iv": ("47625008", "Intravenous route"),
    "im": ("78421000", "Intramuscular route"),
    "sc": ("34206005", "Subcutaneous route"),
    "inhaled": ("447694001", "Respiratory tract route"),
    "topical": ("6064005", "Topical route"),
}


# ---------------------------------------------------------------------------------------------
# Data types
# ---------------------------------------------------------------------------------------------
def coding(system: str, code: str, display: str | None = None) -> dict:
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return c


def concept(text: str | None = None, *codings: dict) -> dict:
    """A CodeableConcept: the codings (if any), then the text (if any)."""
    cc: dict[str, Any] = {}
    if codings:
        cc["coding"] = list(codings)
    if text:
        cc["text"] = text
    return cc


def qty(value: float, unit: str, ucum: str | None = None) -> dict:
    """A Quantity: the unit as printed, plus the UCUM code when there is one."""
    q: dict[str, Any] = {"value": value, "unit": unit}
    if ucum:
        q["system"] = UCUM
        q["code"] = ucum
    return q


def reference(resource_type: str, rid: str) -> dict:
    return {"reference": f"{resource_type}/{rid}"}


def route_concept(name: str, text: bool = False) -> dict:
    """A route of administration (a key of ROUTES); ``text`` repeats the display as text."""
    code, display = ROUTES[name]
    return concept(display if text else None, coding(SNOMED, code, display))


def dosage(text: str | None = None, mg: float | None = None, per_day: float | None = None,
           route: str | None = None, period_unit: str = "d", code: str | None = None,
           route_text: bool = False) -> dict:
    """A Dosage: free text, a repeat timing (``per_day`` times per ``period_unit``, with an
    optional GTS ``code`` such as BID), a route (a key of ROUTES) and a dose in mg."""
    d: dict[str, Any] = {}
    if text:
        d["text"] = text
    if per_day is not None:
        d["timing"] = {"repeat": {"frequency": per_day, "period": 1, "periodUnit": period_unit}}
        if code:
            d["timing"]["code"] = concept(None, coding(GTS, code))
    if route:
        d["route"] = route_concept(route, text=route_text)
    if mg is not None:
        d["doseAndRate"] = [{"doseQuantity": qty(mg, "mg", "mg")}]
    return d


def medication_field(medicine: dict | None = None, ref: str | None = None) -> dict:
    """medication[x]: a reference ("Medication/<id>") when given, else the CodeableConcept."""
    if ref is not None:
        return {"medicationReference": {"reference": ref}}
    return {"medicationCodeableConcept": medicine}


# ---------------------------------------------------------------------------------------------
# Resources
# ---------------------------------------------------------------------------------------------
def patient(rid: str, identifier: list[dict], name: list[dict], gender: str | None = None,
            birth_date: str | None = None, active: bool | None = None,
            address: list[dict] | None = None) -> dict:
    p: dict[str, Any] = {"resourceType": "Patient", "id": rid, "identifier": identifier}
    if active is not None:
        p["active"] = active
    p["name"] = name
    if gender is not None:
        p["gender"] = gender
    if birth_date:
        p["birthDate"] = birth_date
    if address:
        p["address"] = address
    return p


def obs_category(code: str, display: str | None = None) -> list[dict]:
    return [concept(None, coding(OBS_CAT, code, display))]


def observation(rid: str, status: str, category: list[dict], code: dict, subject: dict,
                effective: str | None = None, issued: str | None = None,
                period: bool = False) -> dict:
    """An Observation without its value: effective[x] as a dateTime (or a period start)."""
    o: dict[str, Any] = {"resourceType": "Observation", "id": rid, "status": status,
                         "category": category, "code": code, "subject": subject}
    if effective is not None:
        if period:
            o["effectivePeriod"] = {"start": effective}
        else:
            o["effectiveDateTime"] = effective
    if issued is not None:
        o["issued"] = issued
    return o


def component(code: dict, value_quantity: dict) -> dict:
    return {"code": code, "valueQuantity": value_quantity}


def data_absent(reason: str, text: str | None = None) -> dict:
    return concept(text, coding(DATA_ABSENT, reason))


def _with(resource: dict, **fields: Any) -> dict:
    """Adds to ``resource`` the fields whose value is not None, in the order given."""
    resource.update({k: v for k, v in fields.items() if v is not None})
    return resource


def _statuses(clinical_system: str, clinical: str | None, verification_system: str,
              verification: str | None) -> dict:
    """clinicalStatus and verificationStatus, each when given. An entered-in-error Condition or
    AllergyIntolerance has no clinicalStatus (invariants con-5, ait-2)."""
    out: dict[str, Any] = {}
    if clinical and verification != "entered-in-error":
        out["clinicalStatus"] = concept(None, coding(clinical_system, clinical))
    if verification:
        out["verificationStatus"] = concept(None, coding(verification_system, verification))
    return out


def condition(rid: str, subject: dict, code: dict, category: list[dict] | None = None,
              clinical: str | None = "active", verification: str | None = "confirmed",
              onset: str | None = None, abatement: str | None = None, recorded: str | None = None,
              note: str | None = None) -> dict:
    """A Condition (clinical and verification status: see _statuses)."""
    c: dict[str, Any] = {"resourceType": "Condition", "id": rid,
                         **_statuses(COND_CLIN, clinical, COND_VER, verification)}
    return _with(c, category=category, code=code, subject=subject, onsetDateTime=onset,
                 abatementDateTime=abatement, recordedDate=recorded,
                 note=[{"text": note}] if note else None)


def condition_category(code: str, display: str | None = None) -> list[dict]:
    return [concept(None, coding(COND_CAT, code, display))]


def medication(rid: str, code: dict) -> dict:
    return {"resourceType": "Medication", "id": rid, "code": code}


def medication_request(rid: str, subject: dict, medicine: dict, authored: str,
                       status: str = "active", intent: str = "order", dosage_: dict | None = None,
                       reason: dict | None = None, note: str | None = None) -> dict:
    """``medicine``: a medication[x] field (see medication_field)."""
    o: dict[str, Any] = {"resourceType": "MedicationRequest", "id": rid, "status": status,
                         "intent": intent, **medicine, "subject": subject, "authoredOn": authored}
    if reason:
        o["reasonCode"] = [reason]
    if note:
        o["note"] = [{"text": note}]
    if dosage_:
        o["dosageInstruction"] = [dosage_]
    return o


def medication_statement(rid: str, subject: dict, medicine: dict, status: str, start: str,
                         end: str | None = None, asserted: str | None = None,
                         dosage_: dict | None = None, reason: dict | None = None) -> dict:
    period = {"start": start}
    if end is not None:
        period["end"] = end
    o: dict[str, Any] = {"resourceType": "MedicationStatement", "id": rid, "status": status,
                         **medicine, "subject": subject, "effectivePeriod": period,
                         "dateAsserted": asserted if asserted is not None else start}
    if reason:
        o["reasonCode"] = [reason]
    if dosage_:
        o["dosage"] = [dosage_]
    return o


def medication_administration(rid: str, subject: dict, medicine: dict, effective: str,
                              status: str = "completed", route: str | None = None,
                              mg: float | None = None) -> dict:
    o: dict[str, Any] = {"resourceType": "MedicationAdministration", "id": rid, "status": status,
                         **medicine, "subject": subject, "effectiveDateTime": effective}
    ds: dict[str, Any] = {}
    if route:
        ds["route"] = route_concept(route)
    if mg is not None:
        ds["dose"] = qty(mg, "mg", "mg")
    if ds:
        o["dosage"] = ds
    return o


def allergy_intolerance(rid: str, patient_ref: dict, code: dict, type_: str | None = "allergy",
                        clinical: str | None = "active", verification: str | None = "confirmed",
                        criticality: str | None = None, onset: str | None = None,
                        recorded: str | None = None, reaction: dict | None = None) -> dict:
    """A medication AllergyIntolerance (clinical and verification status: see _statuses)."""
    a: dict[str, Any] = {"resourceType": "AllergyIntolerance", "id": rid,
                         **_statuses(ALLERGY_CLIN, clinical, ALLERGY_VER, verification)}
    return _with(a, type=type_ or None, category=["medication"], criticality=criticality or None,
                 code=code, patient=patient_ref, onsetDateTime=onset, recordedDate=recorded,
                 reaction=[reaction] if reaction else None)


def diagnostic_report(rid: str, subject: dict, code: dict, effective: str, issued: str,
                      conclusion: str, conclusion_codes: list[dict], status: str = "final",
                      category: str | None = None, category_display: str | None = None,
                      performer: str | None = None) -> dict:
    """A pathology DiagnosticReport; ``category`` is a v2-0074 code (SP, PAT, CP)."""
    r: dict[str, Any] = {"resourceType": "DiagnosticReport", "id": rid, "status": status}
    if category:
        r["category"] = [concept(None, coding(V2_0074, category, category_display))]
    r.update({"code": code, "subject": subject, "effectiveDateTime": effective, "issued": issued})
    if performer:
        r["performer"] = [{"display": performer}]
    r["conclusion"] = conclusion
    r["conclusionCode"] = conclusion_codes
    return r
