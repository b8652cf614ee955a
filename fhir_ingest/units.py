"""Unit spellings -> one normal form, and conversion to an analyte's canonical unit."""

from __future__ import annotations

import re

UCUM = "http://unitsofmeasure.org"

_SUPERSCRIPTS = str.maketrans({"⁹": "9", "³": "3", "⁶": "6", "¹": "1", "²": "2"})


def normalize_unit(unit: str | None) -> str:
    """Fold the usual spellings together: '10^9/L', 'x10E9/L', '10*9/L' -> '10*9/l'."""
    if unit is None:
        return ""
    u = unit.strip().translate(_SUPERSCRIPTS).lower()
    u = u.replace("µ", "u").replace("μ", "u").replace(" ", "")
    u = u.replace("[", "").replace("]", "").replace("{", "").replace("}", "")
    u = u.replace("^", "*")
    u = re.sub(r"^(x|×)", "", u)
    u = re.sub(r"^10e(\d)", r"10*\1", u)
    u = re.sub(r"^e(\d)", r"10*\1", u)
    u = u.replace("cells/", "/").replace("cell/", "/")
    return u


def quantity_unit(q: dict) -> str | None:
    """The unit as written: the UCUM code when the system is UCUM, else the display text."""
    if q.get("system") == UCUM and q.get("code") is not None:
        return q["code"]
    return q.get("unit") if q.get("unit") is not None else q.get("code")


def factor_for(unit: str | None, accepted: dict[str, float]) -> float | None:
    """The factor to the canonical unit, or None when the unit is not one we recognise."""
    return accepted.get(normalize_unit(unit))
