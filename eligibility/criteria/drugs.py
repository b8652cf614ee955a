"""Medication and allergy criteria: prior checkpoint inhibitors, immunosuppression, platinum allergy."""

from __future__ import annotations

from eligibility.criteria.base import (
    Ctx,
    Outcome,
    cond_evidence,
    conditions_in,
    evaluator,
    first_named,
    fmt,
    num,
)
from eligibility.model import Evidence
from fhir_ingest.facts import MedicationUse

# Inhaled, topical (eye, ear, nose, skin) and local (intra-articular) use is allowed.
NOT_SYSTEMIC = ("inhaled", "topical", "local")


def med_evidence(m: MedicationUse, matched: str, note: str | None = None) -> Evidence:
    return Evidence(
        source="record",
        reference=m.ref,
        value=matched,
        date=m.date,
        note=note or f"{m.kind} {m.status}".strip(),
    )


def matching(ctx: Ctx, vs_name: str) -> list[tuple[MedicationUse, str]]:
    vs = ctx.vs(vs_name)
    out = []
    for m in ctx.facts.medications:
        hit = vs.first(m.codings, m.names)
        if hit:
            out.append((m, hit))
    return out


@evaluator("prior_drug")
def prior_drug(ctx: Ctx) -> Outcome:
    label = ctx.params["label"]
    used = [(m, hit) for m, hit in matching(ctx, ctx.params["valueset"]) if m.ever]
    found = first_named("fail", used, lambda m, hit: f"prior {label}: {hit} ({m.kind} {m.date or 'undated'})",
                        med_evidence)
    return found or Outcome("unknown", f"no record of {label}; another hospital may have given one: ask")


def _steroid_factor(ctx: Ctx, m: MedicationUse) -> float | None:
    """mg of prednisone per mg of this steroid, from its name."""
    eq = ctx.params["equivalents"]
    # An RxNorm ingredient code names the steroid when the record gives no name.
    by_code = ctx.params.get("rxnorm_ingredients", {})
    coded = tuple(by_code[c.code] for c in m.codings if "rxnorm" in c.system.lower() and c.code in by_code)
    words = " ".join(m.names + tuple(c.display.lower() for c in m.codings) + coded)
    # Longest names first: 'methylprednisolone' before 'prednisolone' before 'prednisone'.
    for name in sorted(eq, key=len, reverse=True):
        if name in words:
            return 5.0 / eq[name]
    return None


@evaluator("immunosuppression")
def immunosuppression(ctx: Ctx) -> Outcome:
    limit = ctx.params["max_prednisone_mg"]
    fails: list[Evidence] = []
    asks: list[Evidence] = []
    checked: list[Evidence] = []
    for m, hit in matching(ctx, "systemic_steroid"):
        if m.route in NOT_SYSTEMIC:
            continue
        if not m.current:
            if m.recent_admin_only:
                asks.append(med_evidence(m, hit, "administered in the last 28 days: ongoing therapy?"))
            continue
        systemic_class = any(
            c.code.upper().startswith("H02")
            for c in m.codings
            if "atc" in c.system.lower() or "whocc" in c.system.lower()
        )
        if m.route != "systemic" and not (m.route is None and systemic_class):
            # ATC H02 is itself systemic; otherwise an unknown route cannot be assumed.
            asks.append(med_evidence(m, hit, "current steroid, route not given"))
            continue
        factor = _steroid_factor(ctx, m)
        if m.daily_dose_mg is None or factor is None:
            asks.append(med_evidence(m, hit, "current systemic steroid, daily dose not structured"))
            continue
        pred = m.daily_dose_mg * factor
        ev = Evidence(
            source="derived",
            reference=m.ref,
            value=num(pred),
            unit="mg/day prednisone-equivalent",
            date=m.date,
            note=f"{hit} {fmt(m.daily_dose_mg)} mg/day",
        )
        (fails if pred > limit else checked).append(ev)
    for m, hit in matching(ctx, "immunosuppressant"):
        if m.route in NOT_SYSTEMIC:
            continue
        if m.current and m.route == "systemic":
            fails.append(med_evidence(m, hit, "current systemic immunosuppressant"))
        elif m.current:
            asks.append(med_evidence(m, hit, "current immunosuppressant, route not given"))
        elif m.recent_admin_only:
            asks.append(med_evidence(m, hit, "administered in the last 28 days: ongoing therapy?"))
    for vs in ("steroid_flag", "immunosuppressant_flag"):
        for c in conditions_in(ctx, vs):
            if c.clinical != "past":
                asks.append(cond_evidence(c, "long-term drug therapy flag"))
    if fails:
        return Outcome(
            "fail",
            f"ongoing systemic steroid above {limit} mg/day prednisone-equivalent "
            "or a systemic immunosuppressant",
            fails,
        )
    if asks:
        return Outcome(
            "unknown",
            "a steroid or immunosuppressant whose dose, route or continuation is unclear: ask",
            asks + checked,
        )
    if checked:
        return Outcome(
            "pass", f"current systemic steroid at or below {limit} mg/day prednisone-equivalent", checked
        )
    return Outcome("pass", "no current systemic steroid or immunosuppressant in the record")


@evaluator("platinum_allergy")
def platinum_allergy(ctx: Ctx) -> Outcome:
    drugs, bare = ctx.vs("platinum"), ctx.vs("platinum_unspecified")
    fails, asks, reasons = [], [], []
    for a in sorted(ctx.facts.allergies, key=lambda a: a.ref):
        hit = drugs.first(a.codings, a.names)
        vague = None if hit else bare.first(a.codings, a.names)
        if not hit and not vague:
            continue
        ev = Evidence(
            source="record",
            reference=a.ref,
            value=hit or vague,
            date=a.date,
            note=f"{a.type or 'type not given'}, {a.verification or 'verification not given'}, "
            f"{a.clinical or 'status not given'}",
        )
        if vague:
            asks.append(ev)
            reasons.append("'platinum' without a drug (may be the metal): ask")
        elif a.type == "intolerance":
            asks.append(ev)
            reasons.append("platinum intolerance (not allergy) recorded: ask")
        elif a.verification not in (None, "confirmed"):
            asks.append(ev)
            reasons.append(f"{a.verification} platinum allergy recorded: ask")
        else:
            fails.append(ev)
    if fails:
        return Outcome("fail", "allergy or hypersensitivity to a platinum drug", fails)
    if asks:
        return Outcome("unknown", "; ".join(dict.fromkeys(reasons)), asks)
    return Outcome("unknown", "no platinum allergy in the record: ask")
