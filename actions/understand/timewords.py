"""Time phrases -> the dates they can mean, and whether those fall inside a window before as-of.

dateparser reads the phrase itself ("3 years ago", "in 2021", "march 2025", "last year");
this module only finds candidate phrases and widens partial dates to every day they can mean
(a year alone is Jan 1 to Dec 31), so a window decision holds for all of them or is not made
(criteria.md, partial dates). Seasons and vague phrases dateparser does not know ("last spring",
"as a child", "decades ago") are read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import dateparser

NUMBER = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few|couple of)"
UNIT = r"(?:years?|yrs?|months?|mos?|weeks?|wks?|days?)"
MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"  # noqa: E501
PHRASES = [
    re.compile(
        rf"\b(?:over |more than |about |around |roughly |some |~)?{NUMBER}\s*{UNIT}\s+(?:ago|back|before)\b"
    ),
    re.compile(rf"\b(?:in |during |since |around |early |mid |late |mid-)*{MONTH}\.?\s+(?:19|20)\d\d\b"),
    re.compile(rf"\b(?:in|during|last|this) {MONTH}\b"),
    re.compile(r"\b(?:in |during |since |around |early |mid |late |mid-)*(?:19|20)\d\d\b"),
    re.compile(r"\b(?:last|this|past) (?:year|month|week|spring|summer|autumn|fall|winter)\b"),
    re.compile(r"\b(?:yesterday|recently|last few weeks|last few months|a few weeks ago|a few months ago)\b"),
    re.compile(
        r"\b(?:as a (?:child|kid|teenager|student|young man|young woman)|in (?:his|her) (?:teens|twenties|"
        r"thirties|forties|youth)|decades ago|years ago|long ago|many years|childhood|long time ago)\b"
    ),
]
SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2, "few": 3,
                "several": 3}  # fmt: skip
LONG_AGO = re.compile(
    r"child|kid|teen|student|young|twenties|thirties|forties|youth|decades|years ago|long|many"
)


@dataclass(frozen=True)
class When:
    words: str
    earliest: date
    latest: date

    def within(self, as_of: date, days: int) -> bool | None:
        """True when every day it can mean is inside the window, False when none is, else None."""
        start = as_of - timedelta(days=days)
        if self.earliest >= start and self.latest <= as_of:
            return True
        if self.latest < start:
            return False
        return None


def _parse(phrase: str, as_of: date, prefer: str) -> date | None:
    settings = {
        "RELATIVE_BASE": datetime(as_of.year, as_of.month, as_of.day),
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": prefer,
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    got = dateparser.parse(phrase, languages=["en"], settings=settings)
    return got.date() if got else None


def _read(phrase: str, as_of: date) -> When | None:
    p = phrase.strip().lower()
    if LONG_AGO.search(p) and not re.search(r"\d", p):
        return When(phrase, date(1900, 1, 1), as_of - timedelta(days=3 * 365))
    season = re.search(r"(last|this|past) (spring|summer|autumn|fall|winter)", p)
    if season:
        first, last = SEASONS[season.group(2)]
        year = as_of.year if season.group(1) == "this" else as_of.year - 1
        if season.group(1) != "this" and date(as_of.year, last if last > first else 12, 28) < as_of:
            year = as_of.year  # "last summer" in November is this year's
        start = date(year, first, 1)
        end_year = year + 1 if last < first else year
        end = date(end_year, last, 28)
        return When(phrase, start, min(end, as_of))
    if re.search(r"recently|last few|few weeks", p):
        return When(phrase, as_of - timedelta(days=90), as_of)
    m = re.search(rf"({NUMBER})\s*({UNIT})\s+(?:ago|back|before)", p)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else WORD_NUMBERS.get(m.group(1), 1)
        unit = m.group(2)[0]
        days = {"y": 365, "m": 30, "w": 7, "d": 1}[unit] * n
        slack = {"y": 182, "m": 15, "w": 3, "d": 0}[unit] if not p.startswith(("over", "more than")) else 0
        center = as_of - timedelta(days=days)
        if p.startswith(("over", "more than")):
            return When(phrase, date(1900, 1, 1), center - timedelta(days=1))
        return When(phrase, center - timedelta(days=slack), min(as_of, center + timedelta(days=slack)))
    year_only = re.fullmatch(r"(?:(?:in|during|since|around|early|mid|late|mid-)\s*)*((?:19|20)\d\d)", p)
    if year_only:
        y = int(year_only.group(1))
        if p.startswith("since"):
            return When(phrase, date(y, 1, 1), as_of)
        return When(phrase, date(y, 1, 1), min(date(y, 12, 31), as_of))
    cleaned = re.sub(r"\b(in|during|since|around|early|mid|late|back)\b", " ", p).replace(" ago back", " ago")
    first, last = _parse(cleaned, as_of, "first"), _parse(cleaned, as_of, "last")
    if first is None or last is None:
        return None
    if re.search(r"\b(year)\b", p) and "ago" not in p:  # "last year": the whole calendar year
        return When(phrase, date(first.year, 1, 1), min(date(first.year, 12, 31), as_of))
    if first > as_of:
        return None
    return When(phrase, min(first, last), min(max(first, last), as_of))


def find(text: str, as_of: date) -> list[tuple[int, When]]:
    """(character offset, When) of each time phrase in the text, in order; overlaps dropped."""
    t = text.lower()
    taken: list[tuple[int, int]] = []
    out: list[tuple[int, When]] = []
    for rx in PHRASES:
        for m in rx.finditer(t):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            when = _read(text[m.start() : m.end()], as_of)
            if when is not None:
                taken.append((m.start(), m.end()))
                out.append((m.start(), when))
    return sorted(out, key=lambda x: x[0])
