"""Builders for records as other systems write them (valueString numbers, SNOMED-coded scores,
separate blood-pressure Observations, local codes, text-only entries). The shared builders
live in builders.py; these add the shapes it does not make."""

from __future__ import annotations

from datetime import date
from typing import Any

from builders import LOINC, OBS_CAT, SNOMED, dt, new_id, subject

LOCAL = "http://hospital.example.org/fhir/CodeSystem/local"


def observation(
    code: str | dict,
    when: date | str,
    value: dict[str, Any],
    *,
    category: str = "laboratory",
    status: str = "final",
    ref_unit: str | None = None,
    low: float | None = None,
    high: float | None = None,
    id: str | None = None,
) -> dict:
    """An Observation with any value[x] (`value` is e.g. {"valueString": "0.4"})."""
    cc = {"coding": [{"system": LOINC, "code": code}]} if isinstance(code, str) else code
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": id or new_id("rw"),
        "status": status,
        "category": [{"coding": [{"system": OBS_CAT, "code": category}]}],
        "code": cc,
        "subject": subject(),
        "effectiveDateTime": dt(when),
        **value,
    }
    if low is not None or high is not None:
        rr: dict[str, Any] = {}
        for key, v in (("low", low), ("high", high)):
            if v is not None:
                rr[key] = {"value": v, **({"unit": ref_unit} if ref_unit else {})}
        obs["referenceRange"] = [rr]
    return obs


def coded(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    cc: dict[str, Any] = {
        "coding": [{"system": system, "code": code, **({"display": display} if display else {})}]
    }
    if text:
        cc["text"] = text
    return cc


def snomed_ecog(code: str, display: str, when: date | str) -> dict:
    return observation(
        "89247-1", when, {"valueCodeableConcept": coded(SNOMED, code, display)}, category="survey"
    )


def text_value(code: str, text: str, when: date | str) -> dict:
    """A qualitative result written as text only ("None detected")."""
    return observation(code, when, {"valueString": text})


def bp_half(which: str, value: float, when: str, absent: bool = False) -> dict:
    """A lone systolic (8480-6) or diastolic (8462-4) Observation."""
    code = "8480-6" if which == "systolic" else "8462-4"
    if absent:
        value_part: dict[str, Any] = {
            "dataAbsentReason": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "unknown"}
                ]
            }
        }
    else:
        value_part = {
            "valueQuantity": {
                "value": value,
                "unit": "mmHg",
                "system": "http://unitsofmeasure.org",
                "code": "mm[Hg]",
            }
        }
    return observation(code, when, value_part, category="vital-signs")


def bp_panel_partial(systolic: float | None, diastolic: float | None, when: str) -> dict:
    """A blood-pressure panel with one part absent (dataAbsentReason on that component)."""
    comps = []
    for code, v in (("8480-6", systolic), ("8462-4", diastolic)):
        comp: dict[str, Any] = {"code": {"coding": [{"system": LOINC, "code": code}]}}
        if v is None:
            comp["dataAbsentReason"] = {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "unknown"}
                ]
            }
        else:
            comp["valueQuantity"] = {
                "value": v,
                "unit": "mmHg",
                "system": "http://unitsofmeasure.org",
                "code": "mm[Hg]",
            }
        comps.append(comp)
    return observation("85354-9", when, {"component": comps}, category="vital-signs")


def text_condition(
    text: str, code: dict | None = None, clinical: str = "active", when: date | str | None = None
) -> dict:
    """A Condition with only a text (or a local code)."""
    out: dict[str, Any] = {
        "resourceType": "Condition",
        "id": new_id("txt"),
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}
            ]
        },
        "code": {**(code or {}), "text": text},
        "subject": subject(),
    }
    if when is not None:
        out["recordedDate"] = when if isinstance(when, str) else when.isoformat()
    return out
