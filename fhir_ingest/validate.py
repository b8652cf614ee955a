"""Structural validation of single resources against the FHIR R4(B) models.

The rest of the program reads plain dicts; validation only decides whether a dict may
go on. A resource that fails becomes an Issue and is skipped, so one broken lab value
cannot stop a whole screening. We use the R4B models of fhir.resources: R4B differs
from R4 only in resources this project does not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.fhirresourcemodel import FHIRResourceModel
from pydantic import ValidationError

# fhir.resources checks types, cardinality and primitive formats but not the values of
# required-binding codes. We check the top-level status-like codes, which the facts
# layer relies on. The models list them (json_schema_extra["enum_values"]) but cut some
# lists short with "+"; here are the full R4 value sets for those.
_FULL_CODE_SETS: dict[tuple[str, str], frozenset[str]] = {
    ("Observation", "status"): frozenset(
        "registered preliminary final amended corrected cancelled entered-in-error unknown".split()
    ),
    ("DiagnosticReport", "status"): frozenset(
        (
            "registered partial preliminary final amended corrected appended cancelled "
            "entered-in-error unknown"
        ).split()
    ),
    ("Encounter", "status"): frozenset(
        ("planned arrived triaged in-progress onleave finished cancelled " "entered-in-error unknown").split()
    ),
}

_MAX_MESSAGE = 200
_ABSTRACT = frozenset({"Resource", "DomainResource"})


@dataclass(frozen=True)
class Issue:
    """Something in the input we could not use. No values from the record in `message`."""

    where: str  # file:line, file#entry, or the search that returned it
    reference: str  # "Type/id" when known, else "?"
    message: str  # one line

    def __str__(self) -> str:
        return f"{self.where}: {self.reference}: {self.message}"


@dataclass(frozen=True)
class ValidationResult:
    resource: dict | None
    issue: Issue | None

    @property
    def ok(self) -> bool:
        return self.resource is not None


def reference_of(obj: Any) -> str:
    """'Type/id' of a resource-like dict, '?' where either part is missing."""
    if not isinstance(obj, dict):
        return "?"
    rtype, rid = obj.get("resourceType"), obj.get("id")
    if isinstance(rtype, str) and isinstance(rid, str) and rtype and rid:
        return f"{rtype}/{rid}"
    if isinstance(rtype, str) and rtype:
        return f"{rtype}/?"
    return "?"


def validate_resource(obj: Any, where: str, deep: bool = True) -> ValidationResult:
    """`obj` itself when it is a valid R4 resource, else an Issue saying why not.

    `deep=False` checks only that it names a known resource type (and its status codes): for
    resources nothing is read from (a Claim in a Synthea Bundle), whose full model check
    would cost more than the rest of a screening."""
    ref = reference_of(obj)
    if not isinstance(obj, dict):
        return _bad(where, ref, f"not a JSON object ({type(obj).__name__})")
    rtype = obj.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        return _bad(where, ref, "no resourceType")
    model = _model_class(rtype)
    if model is None:
        return _bad(where, ref, f"unknown resource type {rtype!r}"[:_MAX_MESSAGE])
    try:
        if deep:
            model.model_validate(obj)
    except ValidationError as e:
        return _bad(where, ref, _summarize(e))
    except (TypeError, ValueError) as e:  # a model's own validator may raise these
        return _bad(where, ref, f"invalid: {type(e).__name__}")
    problem = _check_codes(rtype, obj)
    if problem:
        return _bad(where, ref, problem)
    return ValidationResult(obj, None)


def _bad(where: str, ref: str, message: str) -> ValidationResult:
    return ValidationResult(None, Issue(where, ref, " ".join(message.split())[:_MAX_MESSAGE]))


@lru_cache(maxsize=256)
def _model_class(rtype: str) -> Any | None:
    if not rtype.isalnum() or rtype in _ABSTRACT:
        return None
    try:
        model = get_fhir_model_class(rtype)
    except (ValueError, KeyError, ImportError, AttributeError):
        return None
    # get_fhir_model_class also knows data types ("Quantity"); only resources count.
    return model if issubclass(model, FHIRResourceModel) else None


@lru_cache(maxsize=256)
def _code_sets(rtype: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """(field, allowed codes) for the top-level single-valued code fields of a type."""
    model = _model_class(rtype)
    out: list[tuple[str, frozenset[str]]] = []
    for name, field in getattr(model, "model_fields", {}).items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        values = extra.get("enum_values")
        if not values or "List" in str(field.annotation):
            continue
        full = _FULL_CODE_SETS.get((rtype, field.alias or name))
        if full is not None:
            out.append((field.alias or name, full))
        elif "+" not in values:
            out.append((field.alias or name, frozenset(values)))
    return tuple(out)


def _check_codes(rtype: str, obj: dict) -> str | None:
    for name, allowed in _code_sets(rtype):
        value = obj.get(name)
        if value is not None and value not in allowed:
            # Name the field, not the value: the value is record content.
            return f"{name}: code not in the FHIR value set"
    return None


def _summarize(e: ValidationError) -> str:
    # pydantic's str(e) quotes the input values (record content); build our own line.
    errors = e.errors(include_url=False, include_input=False)
    if not errors:
        return "invalid"
    first = errors[0]
    loc = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__") or "(resource)"
    msg = str(first.get("msg", "invalid"))
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{loc}: {msg}{more}"
