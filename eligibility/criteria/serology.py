"""Viral hepatitis load and HIV."""

from __future__ import annotations

from eligibility.criteria import base
from eligibility.criteria.base import (
    Ctx,
    Outcome,
    at_most,
    combine,
    cond_evidence,
    conditions_in,
    evaluator,
    fmt,
    lab_evidence,
)
from eligibility.model import Status
from fhir_ingest.facts import UNREADABLE, Measurement, newest_first, unordered_peers


def _log10(m: Measurement) -> bool:
    return "log" in (m.original_unit or "").lower()


def _hbv(ctx: Ctx) -> Outcome:
    p = ctx.params
    window = ctx.windows["viral_load"]
    cands = []
    for analyte in ("hbv_dna_iu", "hbv_dna_copies", "hbv_dna"):
        latest = ctx.facts.latest(analyte)
        if latest is not None and ctx.in_window(latest.date, window):
            cands.append(latest)
    dna = max(cands, key=newest_first) if cands else None
    if dna is not None:
        unit = (dna.original_unit or "").lower()
        if dna.qualitative == "negative" and dna.original_value is None:
            return Outcome("pass", f"HBV DNA not detected on {dna.date}", [lab_evidence(dna)])
        raw = dna.original_value
        if isinstance(raw, (int, float)):
            value = 10**raw if _log10(dna) else float(raw)
            lo, hi = base.interval(dna, value)
            if "cop" in unit:
                status = at_most(dna, p["hbv_max_copies"], value)
                return Outcome(
                    status,
                    f"HBV DNA {dna.comparator or ''}{fmt(value)} copies/mL on {dna.date} "
                    f"{'<=' if status == 'pass' else '>' if status == 'fail' else 'vs'} "
                    f"{p['hbv_max_copies']}",
                    [lab_evidence(dna, value)],
                )
            if "iu" in unit:
                low_f, high_f = p["hbv_copies_per_iu"]
                if hi * high_f <= p["hbv_max_copies"]:
                    status: Status = "pass"
                elif lo * low_f > p["hbv_max_copies"]:
                    status = "fail"
                else:
                    status = "unknown"
                return Outcome(
                    status,
                    f"HBV DNA {dna.comparator or ''}{fmt(value)} IU/mL on {dna.date}: "
                    f"{fmt(value * low_f)}-{fmt(value * high_f)} copies/mL by assay vs "
                    f"{p['hbv_max_copies']}",
                    [lab_evidence(dna, value)],
                )
            return Outcome(
                "unknown",
                f"HBV DNA on {dna.date}: unrecognised unit '{dna.original_unit}'",
                [lab_evidence(dna)],
            )
    return _screening_test(ctx, "hbsag", "HBsAg", "HBV DNA") or Outcome(
        "unknown", "no HBV DNA in 90 days or HBsAg in 365 days: order the test"
    )


def _screening_test(ctx: Ctx, analyte: str, label: str, follow_up: str) -> Outcome | None:
    """A negative screen within a year passes; a positive one asks for the viral load."""
    m = ctx.facts.latest(analyte)
    if m is None or not ctx.in_window(m.date, ctx.windows["serology"]):
        return None
    if m.qualitative == "negative":
        return Outcome("pass", f"{label} negative on {m.date}", [lab_evidence(m)])
    if m.qualitative == "positive":
        return Outcome("unknown", f"{label} positive on {m.date}: order {follow_up}", [lab_evidence(m)])
    return None


def _hcv(ctx: Ctx) -> Outcome:
    limit = ctx.params["hcv_max"]
    rna, _ = base.latest_in_window(ctx, "hcv_rna", "HCV RNA", ctx.windows["viral_load"], numeric=False)
    if rna is not None:
        if rna.qualitative == "negative" and rna.value is None:
            return Outcome("pass", f"HCV RNA not detected on {rna.date}", [lab_evidence(rna)])
        if rna.value is not None:
            value = 10**rna.value if _log10(rna) else rna.value
            status = at_most(rna, limit, value)
            rel = {"pass": "<=", "fail": ">", "unknown": "vs"}[status]
            return Outcome(
                status,
                f"HCV RNA {rna.comparator or ''}{fmt(value)} {rna.original_unit} on "
                f"{rna.date} {rel} {limit}",
                [lab_evidence(rna, value)],
            )
    return _screening_test(ctx, "anti_hcv", "anti-HCV", "HCV RNA") or Outcome(
        "unknown", "no HCV RNA in 90 days or anti-HCV in 365 days: order the test"
    )


@evaluator("hepatitis_viral_load")
def hepatitis_viral_load(ctx: Ctx) -> Outcome:
    return combine([_hbv(ctx), _hcv(ctx)])


def _hiv_rna_positive(m: Measurement) -> bool:
    if m.qualitative == "positive":
        return True
    return m.value is not None and m.comparator not in ("<", "<=") and m.value > 0


@evaluator("hiv")
def hiv(ctx: Ctx) -> Outcome:
    conds = [c for c in conditions_in(ctx, "hiv_condition") if not c.suspected]
    if conds:
        return Outcome("fail", "HIV infection recorded", [cond_evidence(c) for c in conds])
    confirmed = [m for m in ctx.facts.values("hiv_confirm") if m.qualitative == "positive"]
    confirmed += [m for m in ctx.facts.values("hiv_rna") if _hiv_rna_positive(m)]
    if confirmed:
        m = max(confirmed, key=newest_first)
        return Outcome("fail", f"positive HIV confirmatory or RNA test on {m.date}", [lab_evidence(m)])
    year = ctx.windows["serology"]
    tests = sorted(
        (
            m
            for m in ctx.facts.values("hiv_screen") + ctx.facts.values("hiv_confirm")
            if ctx.in_window(m.date, year)
        ),
        key=newest_first,
        reverse=True,
    )
    suspected = [c for c in conditions_in(ctx, "hiv_condition") if c.suspected]
    if tests:
        m = tests[0]
        if any(not p.same_result(m) for p in unordered_peers(tests)):
            return Outcome(
                "unknown",
                f"HIV results on {m.date} disagree and cannot be ordered: ask / repeat",
                [lab_evidence(x) for x in [m, *unordered_peers(tests)]],
            )
        if m.qualitative == "negative" and not suspected:
            return Outcome("pass", f"HIV test negative on {m.date}", [lab_evidence(m)])
        if m.qualitative == "indeterminate":
            return Outcome(
                "unknown",
                f"latest HIV test on {m.date} is indeterminate: repeat / confirm",
                [lab_evidence(m)],
            )
        if m.qualitative is None:
            return Outcome("unknown", f"latest HIV test on {m.date}: {UNREADABLE}", [lab_evidence(m)])
    reactive = [m for m in tests if m.qualitative == "positive"]
    if reactive or suspected:
        ev = [lab_evidence(m) for m in reactive[:1]] + [cond_evidence(c) for c in suspected]
        return Outcome("unknown", "reactive HIV screening test without confirmation: ask / confirm", ev)
    rna = ctx.facts.latest("hiv_rna")
    if rna is not None:
        return Outcome(
            "unknown",
            f"HIV RNA undetectable on {rna.date} proves nothing alone (treated HIV is undetectable): ask",
            [lab_evidence(rna)],
        )
    return Outcome("unknown", "no HIV test in the last 365 days: ask or test")
