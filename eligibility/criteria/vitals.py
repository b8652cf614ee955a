"""Blood pressure and coagulation."""

from __future__ import annotations

from eligibility.criteria.base import (
    Ctx,
    Outcome,
    at_most,
    cond_evidence,
    conditions_in,
    evaluator,
    fmt,
    lab_evidence,
    latest_in_window,
)
from eligibility.criteria.drugs import matching, med_evidence
from eligibility.model import Evidence
from fhir_ingest.facts import Measurement

Reading = tuple[Measurement | None, Measurement | None]


def _reading_date(r: Reading) -> str:
    return (r[0] or r[1]).date


def _instant(r: Reading) -> float | None:
    return (r[0] or r[1]).instant


def _high(ctx: Ctx, r: Reading) -> bool | None:
    """True when either part is at or above its limit, False when both are below, None if unsure."""
    sys_, dia = r
    lim_s, lim_d = ctx.params["systolic"], ctx.params["diastolic"]
    if (sys_ and sys_.value is not None and sys_.value >= lim_s) or (
        dia and dia.value is not None and dia.value >= lim_d
    ):
        return True
    if sys_ and dia and sys_.value is not None and dia.value is not None:
        return False
    return None


def _shown(r: Reading) -> str:
    s = fmt(r[0].value) if r[0] and r[0].value is not None else "?"
    d = fmt(r[1].value) if r[1] and r[1].value is not None else "?"
    return f"{s}/{d} mmHg on {_reading_date(r)}"


def _ev(r: Reading) -> list[Evidence]:
    return [lab_evidence(m) for m in r if m is not None]


@evaluator("hypertension")
def hypertension(ctx: Ctx) -> Outcome:
    window = ctx.windows["labs"]
    readings = [r for r in ctx.facts.blood_pressure if ctx.in_window(_reading_date(r), window)]
    if not readings:
        last = ctx.facts.blood_pressure[0] if ctx.facts.blood_pressure else None
        if last:
            return Outcome("unknown", f"blood pressure: stale: last value {_reading_date(last)}", _ev(last))
        return Outcome("unknown", "no blood pressure reading in the record: ask whether it is controlled")
    # An incomplete reading (a part absent) is never preferred over a complete one.
    complete = [r for r in readings if all(m is not None and m.value is not None for m in r)]
    pool = complete or readings
    latest = pool[0]
    high = _high(ctx, latest)
    unordered = [
        r
        for r in pool[1:]
        if _reading_date(r) == _reading_date(latest)
        and (_instant(r) is None or _instant(latest) is None or _instant(r) == _instant(latest))
        and _high(ctx, r) != high
    ]
    if unordered:
        return Outcome(
            "unknown",
            f"blood pressure readings on {_reading_date(latest)} disagree and cannot be ordered by time: ask",
            _ev(latest) + _ev(unordered[0]),
        )
    if high is False:
        return Outcome("pass", f"latest blood pressure {_shown(latest)} below 140/90", _ev(latest))
    if high is None:
        return Outcome("unknown", f"latest blood pressure {_shown(latest)} incomplete", _ev(latest))
    earlier = [r for r in pool[1:] if _reading_date(r) != _reading_date(latest)]
    if earlier and _high(ctx, earlier[0]):
        return Outcome(
            "fail",
            f"blood pressure {_shown(latest)} and {_shown(earlier[0])}: both >= 140/90",
            _ev(latest) + _ev(earlier[0]),
        )
    return Outcome(
        "unknown",
        f"single high reading {_shown(latest)}: ask whether blood pressure is controlled",
        _ev(latest) + (_ev(earlier[0]) if earlier else []),
    )


@evaluator("coagulation")
def coagulation(ctx: Ctx) -> Outcome:
    fails: list[Evidence] = []
    asks: list[Evidence] = []
    reasons: list[str] = []
    pt, pt_missing = latest_in_window(ctx, "pt", "PT")
    pt_ok = False
    if pt is not None:
        status = at_most(pt, ctx.params["pt_max"])
        if status == "fail":
            fails.append(lab_evidence(pt))
            reasons.append(f"PT {fmt(pt.value)} s on {pt.date} > {ctx.params['pt_max']} s")
        elif status == "pass":
            pt_ok = True
        else:
            asks.append(lab_evidence(pt))
    for c in conditions_in(ctx, "coagulation_defect", exclude="thrombophilia"):
        if c.clinical == "current" and not c.suspected:
            fails.append(cond_evidence(c))
            reasons.append("current coagulation defect")
        else:
            asks.append(cond_evidence(c))
    for c in conditions_in(ctx, "coagulation_ask"):
        if c.clinical != "past":
            asks.append(cond_evidence(c))
    flush = ctx.vs("heparin_flush")
    for m, hit in matching(ctx, "anticoagulant"):
        if flush.first(m.codings, m.names):
            continue  # a lock/flush is not anticoagulant therapy
        if m.current:
            fails.append(med_evidence(m, hit, "current anticoagulant or thrombolytic"))
            reasons.append(f"current {hit}")
        elif m.recent_admin_only:
            asks.append(med_evidence(m, hit, "administered in the last 28 days: ongoing therapy?"))
    if fails:
        return Outcome("fail", "; ".join(dict.fromkeys(reasons)), fails)
    if asks:
        return Outcome(
            "unknown",
            "bleeding tendency, varices, a flag or a recent anticoagulant dose: ask",
            asks + ([lab_evidence(pt)] if pt_ok else []),
        )
    if not pt_ok:
        return pt_missing or Outcome("unknown", "PT not decisive", [lab_evidence(pt)] if pt else [])
    return Outcome(
        "pass",
        f"PT {fmt(pt.value)} s on {pt.date} <= {ctx.params['pt_max']} s; "
        "no coagulation defect or anticoagulant",
        [lab_evidence(pt)],
    )
