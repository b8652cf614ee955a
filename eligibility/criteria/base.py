"""What every evaluator shares: its context, its outcome, and small decision helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from eligibility.codes import ValueSet
from eligibility.model import Answer, Evidence, Status
from fhir_ingest.facts import UNREADABLE, ConditionFact, Facts, Measurement, unordered_peers


@dataclass
class Outcome:
    status: Status
    reason: str
    evidence: list[Evidence] = field(default_factory=list)
    inputs: tuple[str, ...] = ()  # input questions whose answers could settle an unknown


@dataclass
class Ctx:
    facts: Facts
    params: dict[str, Any]
    valuesets: dict[str, ValueSet]
    windows: dict[str, int]
    answers: dict[str, Answer]

    @property
    def as_of(self) -> date:
        return self.facts.as_of

    def vs(self, name: str) -> ValueSet:
        return self.valuesets[name]

    def days_ago(self, iso: str) -> int:
        return (self.as_of - date.fromisoformat(iso)).days

    def in_window(self, iso: str | None, days: int) -> bool:
        return iso is not None and 0 <= self.days_ago(iso) <= days

    def finding_in_window(self, c: ConditionFact, days: int) -> bool:
        """A present-state finding counts when its onset or recordedDate is in the window."""
        return self.in_window(c.onset, days) or self.in_window(c.recorded, days)


Evaluator = Callable[[Ctx], Outcome]
REGISTRY: dict[str, Evaluator] = {}


def evaluator(name: str) -> Callable[[Evaluator], Evaluator]:
    def register(fn: Evaluator) -> Evaluator:
        REGISTRY[name] = fn
        return fn

    return register


def first_named(
    status: Status,
    hits: list[tuple[Any, str]],
    reason: Callable[[Any, str], str],
    evidence: Callable[[Any, str], Evidence],
    every: bool = True,
) -> Outcome | None:
    """The outcome a list of (fact, matched code) settles, in the order given: `status`, the
    reason naming the first hit, evidence for every hit (`every`) or for the first. None when
    nothing matched, so the caller goes on to its next rule."""
    if not hits:
        return None
    return Outcome(status, reason(*hits[0]), [evidence(*h) for h in (hits if every else hits[:1])])


def num(x: float | None) -> float | int | None:
    """A value for reports: whole numbers stay whole, others keep 2-3 significant decimals."""
    if x is None:
        return None
    if float(x).is_integer():
        return int(x)
    return round(x, 3 if abs(x) < 1 else 2)


def fmt(x: float | None) -> str:
    return str(num(x))


def lab_evidence(m: Measurement, value: float | None = None) -> Evidence:
    note = None
    if m.original_unit is not None and m.original_unit != m.unit:
        shown = num(m.original_value) if isinstance(m.original_value, float) else m.original_value
        note = f"reported {m.comparator or ''}{shown} {m.original_unit}"
    if m.problem and value is None:
        note = m.problem
    elif m.qualitative and m.value is None and value is None:
        note = m.qualitative
    return Evidence(
        source="record",
        reference=m.ref,
        value=num(value if value is not None else m.value),
        unit=m.unit or None,
        date=m.date,
        note=note,
    )


def cond_evidence(c: ConditionFact, note: str | None = None) -> Evidence:
    code = next((cd.code for cd in c.codings), None)
    return Evidence(source="record", reference=c.ref, value=code, date=c.date, note=note or c.text or None)


def combine(parts: list[Outcome]) -> Outcome:
    """All parts must pass: a fail decides, then an unknown; reasons and evidence are joined."""
    for status in ("fail", "unknown"):
        hits = [o for o in parts if o.status == status]
        if hits:
            return Outcome(status, "; ".join(o.reason for o in hits), [e for o in parts for e in o.evidence])
    return Outcome("pass", "; ".join(o.reason for o in parts), [e for o in parts for e in o.evidence])


# --- interval logic for comparators ---------------------------------------------------------


def interval(m: Measurement, value: float | None = None) -> tuple[float, float]:
    """The values a result allows: '<20' -> (-inf, 20), '>1000' -> (1000, inf), 5 -> (5, 5)."""
    v = m.value if value is None else value
    if v is None:
        return float("-inf"), float("inf")  # nothing known: no bound decides
    v = round(v, 9)  # unit factors and x ULN products must not turn an exact bound into a miss
    comp = m.comparator
    if comp in ("<", "<="):
        return float("-inf"), v
    if comp in (">", ">="):
        return v, float("inf")
    return v, v


def at_least(m: Measurement, limit: float, value: float | None = None) -> Status:
    """pass when every value the result allows is >= limit, fail when every one is below."""
    lo, hi = interval(m, value)
    limit = round(limit, 9)
    if lo >= limit:
        return "pass"
    if hi < limit or (m.comparator == "<" and hi <= limit):
        return "fail"
    return "unknown"


def at_most(m: Measurement, limit: float, value: float | None = None) -> Status:
    """pass when every value the result allows is <= limit, fail when every one is above."""
    lo, hi = interval(m, value)
    limit = round(limit, 9)
    if hi <= limit:
        return "pass"
    if lo > limit or (m.comparator == ">" and lo >= limit):
        return "fail"
    return "unknown"


# --- common finders -------------------------------------------------------------------------


def latest_in_window(
    ctx: Ctx, analyte: str, label: str, days: int | None = None, numeric: bool = True
) -> tuple[Measurement | None, Outcome | None]:
    """The latest usable value in the window, or the unknown Outcome saying why there is none.

    `numeric`: the rule needs a number, so a value that could not be read is a reason, not a
    value. Same-day values that cannot be ordered by time and disagree give unknown."""
    days = ctx.windows["labs"] if days is None else days
    values = ctx.facts.values(analyte)
    if not values:
        return None, Outcome("unknown", f"no {label} result in the record")
    m = values[0]
    if not ctx.in_window(m.date, days):
        return None, Outcome(
            "unknown", f"{label}: stale: last value {m.date} (older than {days} days)", [lab_evidence(m)]
        )
    peers = [p for p in unordered_peers(values) if not p.same_result(m)]
    if peers:
        return None, Outcome(
            "unknown",
            f"{label}: {len(peers) + 1} different values on {m.date} that cannot be ordered by time",
            [lab_evidence(x) for x in [m, *peers]],
        )
    if numeric and (m.problem or m.value is None):
        return None, Outcome("unknown", f"{label}: {m.problem or UNREADABLE} on {m.date}", [lab_evidence(m)])
    return m, None


def conditions_in(ctx: Ctx, vs_name: str, exclude: str | None = None) -> list[ConditionFact]:
    """Usable Conditions coded in a value set (and not only in `exclude`)."""
    vs = ctx.vs(vs_name)
    ex = ctx.vs(exclude) if exclude else None
    out = []
    for c in ctx.facts.conditions:
        hit = [cd for cd in c.codings if vs.match_coding(cd)]
        if not hit and not (vs.names and vs.match_name([c.text])):
            continue
        if ex and hit and all(ex.match_coding(cd) for cd in hit):
            continue
        out.append(c)
    return out
