"""Numbers with what they measure in a Chinese message: the ECOG score, the weight (斤 and 磅
converted to kg, or the number is not read) and the age (岁, 年龄 65, born in 1960). The twin
of actions/understand/quantities.py; the reader (extract.py) records each one it finds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from actions.understand_zh.numbers import NUMBER, parse_number


@dataclass(frozen=True)
class Quantity:
    """A number read for a question, and where it stands in the (normalised) message."""

    question_id: str
    value: float | int
    start: int
    end: int


LB_TO_KG = 0.45359237
TO_KG = {"斤": 0.5, "磅": LB_TO_KG, "lb": LB_TO_KG, "lbs": LB_TO_KG}  # other units are kg

ECOG_RX = re.compile(
    rf"(?:ecog|ps|体力状况|体力状态|体能状态|体力评分|体能评分|体力)\s*(?:评分|分级|评级|分)?\s*"
    rf"(?:[:：为是=]|[，,]?\s*应该是|[，,]?\s*改成|[，,]?\s*其实是)?\s*"
    rf"(?P<n>{NUMBER})(?!\s*(?:[-~～到至]|kg|公斤|斤|岁|年|个月|月))"
)
WEIGHT_RX = re.compile(rf"(?P<n>{NUMBER})\s*(?P<u>公斤|千克|kg|kgs|斤|磅|lbs|lb)(?![a-z])")
WEIGHT_BARE_RX = re.compile(rf"体重\s*(?:大概|大约|约|是|为|有)?\s*[:：]?\s*(?P<n>{NUMBER})(?!\s*[岁年])")
AGE_RX = re.compile(rf"(?<!虚岁)(?<!虚)(?P<n>{NUMBER})\s*(?:周岁|岁)")
FULL_YEARS_RX = re.compile(rf"周岁\s*(?P<n>{NUMBER})")
AGE_BARE_RX = re.compile(rf"(?:年龄|今年)\s*(?:是|为|有)?\s*[:：]?\s*(?P<n>{NUMBER})(?!\s*[年月天])")
BORN_RX = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年?\s*(?:出生|生人|生的|年生)")


def kg(number: str, unit: str, weight_range: tuple[float, float]) -> float | None:
    """The weight in kg (to 0.1), or None when unreadable or outside the question's range."""
    n = parse_number(number)
    if n is None:
        return None
    value = round(TO_KG.get(unit, 1.0) * float(n), 1)
    lo, hi = weight_range
    if not lo <= value <= hi:
        return None
    return int(value) if value.is_integer() else value


def find(s: str, as_of: date, weight_range: tuple[float, float]) -> list[Quantity]:
    """Every ECOG score, weight and age the message states, in this order (the reader keeps
    the first statement about a question)."""
    out: list[Quantity] = []
    for m in ECOG_RX.finditer(s):
        n = parse_number(m.group("n"))
        if n is not None and float(n).is_integer() and 0 <= n <= 5:
            out.append(Quantity("ecog_score", int(n), m.start(), m.end()))
    weights = [(m, m.group("u")) for m in WEIGHT_RX.finditer(s)]
    weights += [(m, "kg") for m in WEIGHT_BARE_RX.finditer(s)]
    for m, unit in weights:
        value = kg(m.group("n"), unit, weight_range)
        if value is not None:
            out.append(Quantity("weight_kg", value, m.start(), m.end()))
    for m in list(FULL_YEARS_RX.finditer(s)) + list(AGE_RX.finditer(s)) + list(AGE_BARE_RX.finditer(s)):
        n = parse_number(m.group("n"))
        if n is not None and float(n).is_integer() and 0 <= n <= 120:
            out.append(Quantity("age_years", int(n), m.start(), m.end()))
    for m in BORN_RX.finditer(s):
        years = as_of.year - int(m.group("y"))
        if 0 <= years <= 120:
            out.append(Quantity("age_years", years, m.start(), m.end()))
    return out
