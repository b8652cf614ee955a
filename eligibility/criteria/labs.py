"""Laboratory thresholds: absolute limits, multiples of the upper limit of normal, thyroid, renal."""

from __future__ import annotations

from eligibility.criteria.base import (
    Ctx,
    Outcome,
    at_least,
    at_most,
    combine,
    evaluator,
    fmt,
    lab_evidence,
    latest_in_window,
    num,
)
from eligibility.model import Evidence, Status
from fhir_ingest.facts import Measurement


def _shown(m: Measurement) -> str:
    return f"{m.comparator or ''}{fmt(m.value)}"


@evaluator("lab_min")
def lab_min(ctx: Ctx) -> Outcome:
    p = ctx.params
    m, missing = latest_in_window(ctx, p["analyte"], p["label"])
    if missing:
        return missing
    status = at_least(m, p["min"])
    rel = {"pass": ">=", "fail": "<", "unknown": "vs"}[status]
    return Outcome(
        status,
        f"{p['label']} {_shown(m)} {p['unit_label']} on {m.date} {rel} {fmt(p['min'])}",
        [lab_evidence(m)],
    )


def uln_check(ctx: Ctx, analyte: str, label: str, factor: float) -> Outcome:
    m, missing = latest_in_window(ctx, analyte, label)
    if missing:
        return missing
    if m.high is None:
        return Outcome("unknown", f"{label} on {m.date}: no reference range", [lab_evidence(m)])
    limit = factor * m.high
    status = at_most(m, limit)
    rel = {"pass": "<=", "fail": ">", "unknown": "vs"}[status]
    times = "ULN" if factor == 1 else f"{fmt(factor)} x ULN"
    return Outcome(
        status,
        f"{label} {_shown(m)} {m.unit} on {m.date} {rel} {times} ({fmt(limit)}; ULN {fmt(m.high)})",
        [lab_evidence(m)],
    )


@evaluator("lab_uln")
def lab_uln(ctx: Ctx) -> Outcome:
    p = ctx.params
    labels = {"alt": "ALT", "ast": "AST"}
    return combine([uln_check(ctx, a, labels.get(a, p["label"]), p["factor"]) for a in p["analytes"]])


def _in_range(m: Measurement) -> Status | None:
    """Within the Observation's own normal range; None when it has none."""
    if m.low is None and m.high is None:
        return None
    low_ok = "pass" if m.low is None else at_least(m, m.low)
    high_ok = "pass" if m.high is None else at_most(m, m.high)
    if "fail" in (low_ok, high_ok):
        return "fail"
    if "unknown" in (low_ok, high_ok):
        return "unknown"
    return "pass"


def _thyroid_hormone(ctx: Ctx, name: str) -> Outcome:
    free, free_missing = latest_in_window(ctx, f"free_{name}", f"free {name.upper()}")
    total, total_missing = latest_in_window(ctx, f"total_{name}", f"total {name.upper()}")
    governing = free or total
    if governing is None:
        if ctx.facts.latest(f"free_{name}"):
            return free_missing
        if ctx.facts.latest(f"total_{name}"):
            return total_missing
        return Outcome("unknown", f"no {name.upper()} result in the record")
    label = ("free " if free else "total ") + name.upper()
    status = _in_range(governing)
    if status is None:
        return Outcome(
            "unknown", f"{label} on {governing.date}: no reference range", [lab_evidence(governing)]
        )
    text = f"{label} {_shown(governing)} {governing.unit} on {governing.date}"
    if status == "fail":
        return Outcome("fail", f"{text} outside its normal range", [lab_evidence(governing)])
    if status == "unknown":
        return Outcome("unknown", f"{text} may be outside its normal range", [lab_evidence(governing)])
    if free and total and _in_range(total) == "fail":
        return Outcome(
            "unknown",
            f"{text} normal but total {name.upper()} {_shown(total)} {total.unit} out of range: "
            "for the investigator",
            [lab_evidence(governing), lab_evidence(total)],
        )
    return Outcome("pass", f"{text} within its normal range", [lab_evidence(governing)])


@evaluator("thyroid")
def thyroid(ctx: Ctx) -> Outcome:
    return combine([_thyroid_hormone(ctx, "t3"), _thyroid_hormone(ctx, "t4")])


def _years(d, b) -> int:
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


def ages_on(ctx: Ctx) -> tuple[tuple[int, int] | None, Evidence | None]:
    """(youngest, oldest) completed years on the as-of date: one age for a full birth date,
    a range for a partial one ("1957"), or from an answer."""
    p = ctx.facts.patient
    if p is not None and p.birth_range is not None:
        earliest, latest = p.birth_range
        d = ctx.as_of
        youngest, oldest = _years(d, latest), _years(d, earliest)
        partial = earliest != latest
        return (youngest, oldest), Evidence(
            source="record",
            reference=p.ref,
            value=youngest if not partial else f"{youngest}-{oldest}",
            unit="years",
            date=p.birth_text if partial else earliest.isoformat(),
            note="age on the as-of date from birthDate" + (" (partial date)" if partial else ""),
        )
    a = ctx.answers.get("age_years")
    if a is not None and isinstance(a.value, (int, float)) and not isinstance(a.value, bool):
        age = int(a.value)
        return (age, age), Evidence(source=a.by, value=age, unit="years", note="age as answered")
    return None, None


def age_on(ctx: Ctx) -> tuple[int | None, Evidence | None]:
    """The age when it is one number (a full birth date or an answer), else None."""
    ages, ev = ages_on(ctx)
    if ages is None or ages[0] != ages[1]:
        return None, ev
    return ages[0], ev


def _weight(ctx: Ctx) -> tuple[float | None, Evidence | None, str | None]:
    m, missing = latest_in_window(ctx, "weight", "body weight", ctx.windows["weight"])
    if m is not None and m.value is not None:
        return m.value, lab_evidence(m), None
    a = ctx.answers.get("weight_kg")
    if a is not None and isinstance(a.value, (int, float)) and a.value > 0:
        return (
            float(a.value),
            Evidence(source=a.by, value=num(a.value), unit="kg", note="weight as answered"),
            None,
        )
    return None, None, missing.reason if missing else "no body weight"


@evaluator("creatinine_clearance")
def creatinine_clearance(ctx: Ctx) -> Outcome:
    limit = ctx.params["min"]
    recorded, _ = latest_in_window(ctx, "creatinine_clearance", "creatinine clearance")
    if recorded is not None:
        status = at_least(recorded, limit)
        rel = {"pass": ">=", "fail": "<", "unknown": "vs"}[status]
        return Outcome(
            status,
            f"creatinine clearance {_shown(recorded)} mL/min on {recorded.date} {rel} {limit}",
            [lab_evidence(recorded)],
        )
    scr, scr_missing = latest_in_window(ctx, "creatinine", "serum creatinine")
    ages, age_ev = ages_on(ctx)
    weight, weight_ev, weight_why = _weight(ctx)
    gender = ctx.facts.patient.gender if ctx.facts.patient else None
    gaps = []
    if scr is None:
        gaps.append(scr_missing.reason)
    elif scr.comparator is None and scr.value is not None and scr.value <= 0:
        gaps.append(f"creatinine {_shown(scr)} cannot be used")
    if ages is None:
        gaps.append("no age")
    if weight is None:
        gaps.append(weight_why)
    if gaps:
        only_weight = weight is None and len(gaps) == 1
        return Outcome(
            "unknown",
            "Cockcroft-Gault cannot be computed: " + "; ".join(gaps),
            [e for e in (age_ev, weight_ev) if e] + ([lab_evidence(scr)] if scr else []),
            inputs=("weight_kg",) if only_weight else (),
        )
    # Clearance falls as creatinine and age rise: a creatinine "<0.3" bounds the clearance
    # from below, ">2.0" from above; a partial birth date gives the oldest and youngest age.
    cr = scr.value
    sexes = {"male": 1.0, "female": 0.85}
    factors = [sexes[gender]] if gender in sexes else list(sexes.values())
    sex_note = gender if gender in sexes else "sex unknown: both male and female formulas"
    youngest, oldest = ages
    if cr <= 0 and scr.comparator in ("<", "<="):
        return Outcome(
            "unknown",
            f"creatinine reported as {_shown(scr)}: Cockcroft-Gault not bounded",
            [lab_evidence(scr)],
        )
    low = min((140 - oldest) * weight / (72 * cr) * f for f in factors)
    high = max((140 - youngest) * weight / (72 * cr) * f for f in factors)
    if scr.comparator in ("<", "<="):
        high = float("inf")  # creatinine lower than reported: clearance higher
    elif scr.comparator in (">", ">="):
        low = 0.0
    shown = fmt(low) if low == high else f"{fmt(low)}-{'?' if high == float('inf') else fmt(high)}"
    age_text = f"{youngest}" if youngest == oldest else f"{youngest}-{oldest}"
    evidence = [
        Evidence(
            source="derived",
            value=num(low),
            unit="mL/min",
            note=f"Cockcroft-Gault ({sex_note}): {shown} mL/min",
        ),
        lab_evidence(scr),
        age_ev,
        weight_ev,
    ]
    inputs = f"(creatinine {_shown(scr)} mg/dL, age {age_text}, weight {fmt(weight)} kg, {sex_note})"
    if low >= limit:
        return Outcome(
            "pass", f"Cockcroft-Gault creatinine clearance {shown} mL/min >= {limit} {inputs}", evidence
        )
    if high < limit:
        return Outcome(
            "fail", f"Cockcroft-Gault creatinine clearance {shown} mL/min < {limit} {inputs}", evidence
        )
    why = "with sex unknown" if gender not in sexes else "given the reported bounds"
    return Outcome("unknown", f"Cockcroft-Gault {shown} mL/min straddles {limit} {why} {inputs}", evidence)
