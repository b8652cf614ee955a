"""Age, performance status, Child-Pugh, pregnancy, and the criteria only people can answer."""

from __future__ import annotations

import re

from eligibility.criteria.base import (
    Ctx,
    Outcome,
    cond_evidence,
    conditions_in,
    evaluator,
    fmt,
    interval,
    lab_evidence,
    latest_in_window,
)
from eligibility.criteria.labs import ages_on
from eligibility.model import Evidence
from fhir_ingest.facts import Measurement


@evaluator("pending")
def pending(ctx: Ctx) -> Outcome:
    return Outcome("pending", ctx.params.get("reason", "decided at the screening visit"))


@evaluator("ask_only")
def ask_only(ctx: Ctx) -> Outcome:
    return Outcome("unknown", f"not in the record: ask about {ctx.params['topic']}")


@evaluator("age_range")
def age_range(ctx: Ctx) -> Outcome:
    lo, hi = ctx.params["min"], ctx.params["max"]
    ages, ev = ages_on(ctx)
    if ages is None:
        return Outcome("unknown", "no birth date in the record", inputs=("age_years",))
    youngest, oldest = ages
    shown = f"{youngest}" if youngest == oldest else f"{youngest}-{oldest} (partial birth date)"
    if lo <= youngest and oldest <= hi:
        return Outcome("pass", f"age {shown} on {ctx.as_of.isoformat()} within {lo}-{hi}", [ev])
    if oldest < lo or youngest > hi:
        return Outcome("fail", f"age {shown} on {ctx.as_of.isoformat()} outside {lo}-{hi}", [ev])
    return Outcome(
        "unknown",
        f"age {shown} on {ctx.as_of.isoformat()}: may be inside or outside {lo}-{hi}",
        [ev],
        inputs=("age_years",),
    )


@evaluator("ecog_zero")
def ecog_zero(ctx: Ctx) -> Outcome:
    ecog, ecog_missing = latest_in_window(ctx, "ecog", "ECOG", numeric=False)
    kps, _ = latest_in_window(ctx, "karnofsky", "Karnofsky", numeric=False)
    if ecog is not None and ecog.value is not None and (kps is None or ecog.date >= kps.date):
        status = "pass" if ecog.value == 0 else "fail"
        return Outcome(
            status,
            f"ECOG {fmt(ecog.value)} on {ecog.date}" + (" = 0" if status == "pass" else " >= 1"),
            [lab_evidence(ecog)],
        )
    if kps is not None and kps.value is not None:
        if kps.value >= 100:
            return Outcome("pass", f"Karnofsky {fmt(kps.value)} on {kps.date} (ECOG 0)", [lab_evidence(kps)])
        if kps.value <= 80:
            return Outcome(
                "fail", f"Karnofsky {fmt(kps.value)} on {kps.date} (ECOG >= 1)", [lab_evidence(kps)]
            )
        return Outcome(
            "unknown", f"Karnofsky {fmt(kps.value)} on {kps.date}: ECOG 0 or 1, ask", [lab_evidence(kps)]
        )
    if ecog is not None:
        return Outcome("unknown", f"ECOG on {ecog.date} could not be read", [lab_evidence(ecog)])
    return Outcome(
        "unknown",
        ecog_missing.reason if ecog_missing else "ECOG not recorded",
        ecog_missing.evidence if ecog_missing else [],
    )


# --- Child-Pugh ---------------------------------------------------------------------------


def _bili_points(v: float) -> int:  # mg/dL: <2 -> 1, 2-3 -> 2, >3 -> 3
    return 1 if v < 2.0 else 2 if v <= 3.0 else 3


def _alb_points(v: float) -> int:  # g/dL: >3.5 -> 1, 2.8-3.5 -> 2, <2.8 -> 3
    return 1 if v > 3.5 else 2 if v >= 2.8 else 3


def _inr_points(v: float) -> int:  # <1.7 -> 1, 1.7-2.3 -> 2, >2.3 -> 3
    return 1 if v < 1.7 else 2 if v <= 2.3 else 3


def _points(value_range: tuple[float, float], points) -> set[int]:
    """Points a value interval can score: every band between its two ends (the bands are
    contiguous and monotonic, so no value falls between two of them)."""
    lo, hi = value_range
    a, b = points(lo), points(hi)
    return set(range(min(a, b), max(a, b) + 1))


BILI, ALB, INR = _bili_points, _alb_points, _inr_points
GRADES = {"none": {1}, "mild": {2}, "grade_1_2": {2}, "moderate_severe": {3}, "grade_3_4": {3}}


def _lab_points(ctx: Ctx, analyte: str, label: str, cuts) -> tuple[set[int], Measurement | None, str]:
    m, missing = latest_in_window(ctx, analyte, label)
    if m is None or m.value is None:
        return {1, 2, 3}, None, missing.reason if missing else f"{label} unreadable"
    return _points(interval(m), cuts), m, ""


def _finding_points(ctx: Ctx, vs: str, answer_id: str, label: str) -> tuple[set[int], list[Evidence], str]:
    """Points of ascites or encephalopathy: an answer, else a current Condition in the window
    (value sets `vs` >= 2 points, `vs`_coma 3 points; `vs`_ask names an entry that does not
    establish it). Absence proves nothing."""
    answer = ctx.answers.get(answer_id)
    if answer is not None and answer.value in GRADES:
        return GRADES[answer.value], [Evidence(source=answer.by, value=answer.value, note=label)], ""
    window = ctx.windows["labs"]

    def current(name: str) -> list:
        if name not in ctx.valuesets:
            return []
        return sorted(
            (
                c
                for c in conditions_in(ctx, name)
                if c.clinical == "current" and not c.suspected and ctx.finding_in_window(c, window)
            ),
            key=lambda c: c.ref,
        )

    if severe := current(f"{vs}_coma"):
        return {3}, [cond_evidence(severe[0], f"current {label} (with coma) in the last {window} days")], ""
    if found := current(vs):
        return {2, 3}, [cond_evidence(found[0], f"current {label} in the last {window} days")], ""
    vague = [c for c in conditions_in(ctx, f"{vs}_ask")] if f"{vs}_ask" in ctx.valuesets else []
    if vague:
        c = sorted(vague, key=lambda c: c.ref)[0]
        code = c.codings[0].code if c.codings else ""
        return (
            {1, 2, 3},
            [cond_evidence(c, f"{code} does not establish {label}")],
            f"{label} not known ({code} does not establish it: ask)",
        )
    return {1, 2, 3}, [], f"{label} not known"


def computed_child_pugh(ctx: Ctx) -> tuple[int, int, list[Evidence], list[str], list[Measurement]]:
    parts, evidence, gaps, labs = [], [], [], []
    for analyte, label, cuts in (
        ("bilirubin", "bilirubin", BILI),
        ("albumin", "albumin", ALB),
        ("inr", "INR", INR),
    ):
        pts, m, gap = _lab_points(ctx, analyte, label, cuts)
        parts.append(pts)
        if m:
            evidence.append(lab_evidence(m))
            labs.append(m)
        if gap:
            gaps.append(gap)
    for vs, qid, label in (
        ("ascites", "ascites", "ascites"),
        ("encephalopathy", "encephalopathy", "encephalopathy"),
    ):
        pts, ev, gap = _finding_points(ctx, vs, qid, label)
        parts.append(pts)
        evidence += ev
        if gap:
            gaps.append(gap)
    return sum(min(p) for p in parts), sum(max(p) for p in parts), evidence, gaps, labs


def _recorded_class(m: Measurement) -> str | None:
    if m.value is not None and 5 <= m.value <= 15:
        return "A" if m.value <= 6 else "B" if m.value <= 9 else "C"
    text = f"{m.original_value or ''}".strip()
    hit = re.fullmatch(r"(?:child[- ]?pugh\s*)?(?:class\s*)?([ABC])(?:\s*级)?", text, re.I)
    return hit.group(1).upper() if hit else None


@evaluator("child_pugh_a")
def child_pugh_a(ctx: Ctx) -> Outcome:
    lo, hi, evidence, gaps, labs = computed_child_pugh(ctx)
    recorded, _ = latest_in_window(ctx, "child_pugh", "Child-Pugh", numeric=False)
    if recorded is not None and (cls := _recorded_class(recorded)):
        newer = [m for m in labs if m.date > recorded.date]
        if not (newer and lo >= 7):
            status = "pass" if cls == "A" else "fail"
            score = f" (score {fmt(recorded.value)})" if recorded.value is not None else ""
            return Outcome(
                status, f"Child-Pugh class {cls}{score} recorded on {recorded.date}", [lab_evidence(recorded)]
            )
    if hi <= 6:
        return Outcome("pass", f"Child-Pugh computed {lo}-{hi}: class A", evidence)
    if lo >= 7:
        extra = " (newer labs than the recorded class)" if recorded is not None else ""
        return Outcome("fail", f"Child-Pugh computed at least {lo}: not class A{extra}", evidence)
    unanswered = tuple(
        q for q in ("ascites", "encephalopathy") if any(g.startswith(f"{q} not known") for g in gaps)
    )
    return Outcome(
        "unknown", f"Child-Pugh between {lo} and {hi}: " + "; ".join(gaps), evidence, inputs=unanswered
    )


# --- pregnancy ------------------------------------------------------------------------------


@evaluator("pregnancy")
def pregnancy(ctx: Ctx) -> Outcome:
    p = ctx.params
    patient = ctx.facts.patient
    gender = patient.gender if patient else None
    if gender == "male":
        return Outcome("pass", "male", [Evidence(source="record", reference=patient.ref, value="male")])
    ages, age_ev = ages_on(ctx)
    if ages is not None and ages[0] >= p["age_exempt"]:
        age = ages[0] if ages[0] == ages[1] else f"{ages[0]}-{ages[1]}"
        return Outcome("pass", f"{gender or 'sex not recorded'}, aged {age} (>= {p['age_exempt']})", [age_ev])
    meno = [c for c in conditions_in(ctx, "menopause") if not c.suspected]
    if meno:
        return Outcome("pass", "documented menopause", [cond_evidence(meno[0])])
    window = ctx.windows["labs"]
    for analyte in ("pregnancy_test", "hcg"):
        m, _ = latest_in_window(ctx, analyte, "pregnancy test", numeric=False)
        if m is None:
            continue
        if m.qualitative == "positive" or (m.value is not None and interval(m)[0] >= p["hcg_positive"]):
            return Outcome("fail", f"positive pregnancy test on {m.date}", [lab_evidence(m)])
    status, _ = latest_in_window(ctx, "pregnancy_status", "pregnancy status", numeric=False)
    if status is not None and set(status.value_codes) & set(p["pregnant_codes"]):
        return Outcome(
            "fail", f"pregnancy status 'pregnant' recorded on {status.date}", [lab_evidence(status)]
        )
    current = [c for c in conditions_in(ctx, "pregnancy") if c.clinical == "current"]
    recent = [c for c in current if ctx.finding_in_window(c, window) and not c.suspected]
    if recent:
        return Outcome(
            "fail", f"current pregnancy or lactation recorded {recent[0].date}", [cond_evidence(recent[0])]
        )
    if current:
        return Outcome(
            "unknown", "an older or unconfirmed pregnancy/lactation entry: ask", [cond_evidence(current[0])]
        )
    return Outcome(
        "unknown",
        "ask: not pregnant, not breastfeeding, agrees to contraception"
        + ("" if gender else " (sex not recorded)"),
    )
