"""Numbers with what they measure: ECOG score, weight, age. Units are converted (lb -> kg) or
the number is not read; a range ("ECOG 0-1") is not a score."""

from __future__ import annotations

import re
from dataclasses import dataclass

WORDS = {"zero": 0, "nil": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10}  # fmt: skip
NUM = r"(\d+(?:\.\d+)?|zero|one|two|three|four|five)"
LB_TO_KG = 0.45359237

ECOG = re.compile(
    rf"\b(?:ecog|ecgo|ecog ps|ecog-ps|who ps|who performance status|zubrod|performance status|perf status|ps)"
    rf"(?:\s*(?:of|is|=|:|was|now|currently|score|status|actually|really|should be|be|to)){{0,3}}\s*"
    rf"{NUM}(\s*(?:-|to|/|or)\s*\d)?\b",
    re.I,
)
WEIGHT = re.compile(rf"\b{NUM}\s*(kg|kgs|kilos?|kilograms?|lbs?|pounds?)\b", re.I)
WEIGHS = re.compile(
    r"\b(?:weighs|weight|wt|weighing)\s*(?:is|of|=|:|about|around|now)?\s*(\d+(?:\.\d+)?)\b", re.I
)
AGE = re.compile(
    r"\b(\d{1,3})\s*(?:-\s*)?(?:years?|yrs?|yr|y)\s*(?:-\s*)?(?:old|of age|o\b)"
    r"|\b(\d{1,3})\s*(?:yo|y/o|y\.o\.|yoa)\b"
    r"|\b(\d{2})\s*(?:m|f|male|female|man|woman|lady|gentleman)\b"
    r"|\b(?:aged|age|age is|age:|turned|turns)\s*(\d{1,3})\b"
    r"|\b(?:he|she)(?:'s| is)\s+(\d{2})\b(?!\s*(?:kg|kilos?|lbs?|cm|mm|%))",
    re.I,
)


@dataclass(frozen=True)
class Quantity:
    question_id: str
    value: float | int
    words: str
    start: int


def _num(token: str) -> float:
    return float(WORDS[token.lower()]) if token.lower() in WORDS else float(token)


def find(text: str) -> list[Quantity]:
    out: list[Quantity] = []
    for m in ECOG.finditer(text):
        if m.group(2):  # "ECOG 0-1": not one score
            continue
        value = _num(m.group(1))
        if value.is_integer() and 0 <= value <= 5:
            out.append(Quantity("ecog_score", int(value), m.group(0), m.start()))
    for m in WEIGHT.finditer(text):
        value = _num(m.group(1))
        if m.group(2).lower().startswith(("lb", "pound")):
            value = round(value * LB_TO_KG, 1)
        if 25 <= value <= 250:
            out.append(Quantity("weight_kg", value, m.group(0), m.start()))
    if not any(q.question_id == "weight_kg" for q in out):
        for m in WEIGHS.finditer(text):
            value = float(m.group(1))
            if 25 <= value <= 250:
                out.append(Quantity("weight_kg", value, m.group(0), m.start()))
    for m in AGE.finditer(text):
        raw = next(g for g in m.groups() if g)
        value = int(raw)
        if 10 <= value <= 110:
            out.append(Quantity("age_years", value, m.group(0), m.start()))
    return out


def bare_number(text: str) -> float | None:
    """A reply that is just a number ("1", "seventy two kg" is not bare), for a number question."""
    t = text.strip().lower().rstrip(".!")
    t = re.sub(r"^(?:ecog|ps|weight|age|about|around|approx\.?|~)\s*", "", t)
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        return float(t)
    if t in WORDS:
        return float(WORDS[t])
    return None


BP = re.compile(r"\b(\d{2,3})\s*/\s*(\d{2,3})\b")
ANY_NUMBER = re.compile(r"(?<![\w./])(\d+(?:\.\d+)?)(?![\w/]|\.\d)|\b(zero|one|two|three|four|five)\b", re.I)


def blood_pressure(text: str) -> tuple[str, bool] | None:
    """The latest-looking reading "135/85": (its words, whether below 140/90)."""
    found = [m for m in BP.finditer(text) if 60 <= int(m.group(1)) <= 260 and 30 <= int(m.group(2)) <= 160]
    if not found:
        return None
    m = found[-1]
    return m.group(0), int(m.group(1)) < 140 and int(m.group(2)) < 90


def single_number(text: str, bounds: tuple[float, float]) -> float | None:
    """The one number a reply holds ("she's 66", "about 70 now"), when there is exactly one in range."""
    values = [_num(a or b) for a, b in ANY_NUMBER.findall(text)]
    values = [v for v in values if bounds[0] <= v <= bounds[1]]
    return values[0] if len(values) == 1 else None
