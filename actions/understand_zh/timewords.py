"""Time phrases as Chinese writes them ("三年前", "2021年", "去年", "半年前", "前年", "上个月",
"两周前", "2019年3月") -> the span of dates they can mean, relative to the as-of date.

dateparser reads none of these relative forms; a span (not a point) keeps the answer honest:
"去年" in November 2026 is 11 to 23 months ago, so it is "not within the last year" only
because almost all of that span is older than a year (see `within`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from actions.understand_zh.numbers import NUMBER, parse_number

DAYS_PER_MONTH = 30.44
DAYS_PER_YEAR = 365.25
# The share of a span that must fall on one side of a window's edge to decide.
DECIDE_SHARE = 0.8


@dataclass(frozen=True)
class TimeSpan:
    start: date
    end: date
    words: str


def _ago(as_of: date, days_min: float, days_max: float) -> tuple[date, date]:
    return as_of - timedelta(days=round(days_max)), as_of - timedelta(days=round(max(days_min, 0)))


def _month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _clip(as_of: date, start: date, end: date) -> tuple[date, date]:
    return min(start, as_of), min(end, as_of)


_UNIT_DAYS = {
    "年": DAYS_PER_YEAR, "个月": DAYS_PER_MONTH, "月": DAYS_PER_MONTH,
    "周": 7, "星期": 7, "礼拜": 7, "天": 1, "日": 1,
}  # fmt: skip
_UNIT = r"(年|个月|月|周|星期|礼拜|天|日)"

_PATTERNS: list[tuple[str, str]] = [
    # (regex, kind); first match at a position wins, so longer forms come first.
    (rf"(?P<n>{NUMBER})\s*{_UNIT}多?(?:以)?前", "ago"),
    (rf"(?P<n>{NUMBER})\s*多{_UNIT}(?:以)?前", "ago_plus"),
    (rf"(?P<n>{NUMBER})\s*(?:个)?多月(?:以)?前", "months_plus"),
    (r"半年(?:多)?(?:以)?前", "half_year"),
    (r"(?:十几|十多)年(?:以)?前", "teens_years"),
    (r"(?:几|好几)年(?:以)?前", "few_years"),
    (r"(?:几|好几)个月(?:以)?前", "few_months"),
    (r"(?:很多|好多|许多|多)年(?:以)?前|很久(?:以)?前|小时候|年轻(?:的)?时(?:候)?|早年", "long_ago"),
    (rf"(?:最近|近|过去|这)\s*(?P<n>{NUMBER})\s*{_UNIT}(?:内|以内|里|之内)?", "last_n"),
    (rf"(?P<n>{NUMBER})\s*{_UNIT}(?:内|以内|之内)", "last_n"),
    (r"(?:最近|近期|近来|刚刚|刚才|前几天|这几天|前些天|这段时间|目前|现在|正在|当前)", "recent"),
    (r"上(?:个)?(?:周|星期|礼拜)", "last_week"),
    (r"上(?:个)?月", "last_month"),
    (r"(?:这个|本)月", "this_month"),
    (r"大前年", "years_back_3"),
    (r"前年", "years_back_2"),
    (r"去年", "years_back_1"),
    (r"今年", "this_year"),
    (
        r"(?P<y>(?:19|20)\d{2})\s*[-./年]\s*(?P<m>\d{1,2})\s*(?:月|[-./])?"
        r"(?:\s*(?P<d>\d{1,2})\s*[日号]?)?",
        "ymd",
    ),
    (r"(?P<y>(?:19|20)\d{2})\s*年", "year"),
    (r"(?P<yz>[一二][零〇一二三四五六七八九]{3})\s*年", "year_zh"),
]
_COMPILED = [(re.compile(p), kind) for p, kind in _PATTERNS]


def _span(m: re.Match, kind: str, as_of: date) -> tuple[date, date] | None:
    g = m.groupdict()
    if kind in ("ago", "ago_plus", "months_plus", "last_n"):
        n = parse_number(g["n"])
        if n is None:
            return None
        unit = next((u for u in _UNIT_DAYS if u in m.group(0)[len(g["n"]):]), "年")
        per = _UNIT_DAYS[unit]
        if kind == "last_n":
            return _ago(as_of, 0, n * per)
        if kind == "months_plus":
            return _ago(as_of, n * DAYS_PER_MONTH, (n + 1) * DAYS_PER_MONTH)
        if kind == "ago_plus" or "多" in m.group(0):
            return _ago(as_of, n * per, (n + 1) * per)
        # "三年前" means about three years: half a unit either side (a week either side for days/weeks)
        half = per / 2 if per > 7 else max(per, 3)
        return _ago(as_of, n * per - half, n * per + half)
    if kind == "half_year":
        return _ago(as_of, 4 * DAYS_PER_MONTH, 8 * DAYS_PER_MONTH)
    if kind == "teens_years":
        return _ago(as_of, 10 * DAYS_PER_YEAR, 20 * DAYS_PER_YEAR)
    if kind == "few_years":
        return _ago(as_of, 2 * DAYS_PER_YEAR, 9 * DAYS_PER_YEAR)
    if kind == "few_months":
        return _ago(as_of, 2 * DAYS_PER_MONTH, 9 * DAYS_PER_MONTH)
    if kind == "long_ago":
        return _ago(as_of, 3 * DAYS_PER_YEAR, 80 * DAYS_PER_YEAR)
    if kind == "recent":
        return _ago(as_of, 0, 60)
    if kind == "last_week":
        return _ago(as_of, 7, 14)
    if kind == "last_month":
        y, mo = (as_of.year, as_of.month - 1) if as_of.month > 1 else (as_of.year - 1, 12)
        return _month_span(y, mo)
    if kind == "this_month":
        return date(as_of.year, as_of.month, 1), as_of
    if kind.startswith("years_back_"):
        y = as_of.year - int(kind[-1])
        return date(y, 1, 1), date(y, 12, 31)
    if kind == "this_year":
        return date(as_of.year, 1, 1), as_of
    if kind in ("ymd", "year", "year_zh"):
        y = int(g["y"]) if g.get("y") else parse_number(g["yz"])
        if y is None or not 1900 <= y <= as_of.year:
            return None
        mo = int(g["m"]) if g.get("m") else None
        if mo is None:
            return _clip(as_of, date(y, 1, 1), date(y, 12, 31))
        if not 1 <= mo <= 12:
            return None
        if g.get("d"):
            try:
                day = date(y, mo, int(g["d"]))
            except ValueError:
                return None
            return day, day
        return _clip(as_of, *_month_span(y, mo))
    return None


def find_times(text: str, as_of: date) -> list[TimeSpan]:
    """Every time phrase of `text` (normalised, lower case), left to right, not overlapping."""
    found: list[tuple[int, int, TimeSpan]] = []
    taken: list[tuple[int, int]] = []
    for rx, kind in _COMPILED:
        for m in rx.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            span = _span(m, kind, as_of)
            if span is None:
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.end(), TimeSpan(span[0], span[1], m.group(0))))
    return [t for _, _, t in sorted(found, key=lambda x: x[0])]


def within(span: TimeSpan, as_of: date, days: int) -> bool | None:
    """Did the span fall within the last `days` days? None when it straddles the edge."""
    edge = as_of - timedelta(days=days)
    if span.start >= edge:
        return True
    if span.end < edge:
        return False
    length = (span.end - span.start).days or 1
    inside = (span.end - edge).days / length
    if inside >= DECIDE_SHARE:
        return True
    if inside <= 1 - DECIDE_SHARE:
        return False
    return None
