"""History exclusions read from Conditions: other cancers, TB, autoimmune, ILD, bleeding, substances.

A matching entry fails without asking; absence proves nothing, so these never pass from the
record alone (they are asked).
"""

from __future__ import annotations

from eligibility.criteria.base import Ctx, Outcome, cond_evidence, conditions_in, evaluator
from fhir_ingest.facts import ConditionFact

ASK = "not in the record: ask"


def _unknown(reason: str, conds: list[ConditionFact]) -> Outcome:
    return Outcome("unknown", reason, [cond_evidence(c) for c in conds])


@evaluator("other_malignancy")
def other_malignancy(ctx: Ctx) -> Outcome:
    papillary = ctx.vs("papillary_thyroid_morphology")
    excepted_past = ctx.vs("malignancy_excepted_if_past")
    ask_vs = ctx.vs("malignancy_ask")
    fails, asks = [], []
    snomed_ask = ctx.vs("malignancy_snomed_ask")
    candidates = {
        c.ref: c
        for c in conditions_in(ctx, "malignancy", exclude="malignancy_not_other")
        + conditions_in(ctx, "malignancy_excepted_if_past")
        + conditions_in(ctx, "malignancy_ask")
        + conditions_in(ctx, "malignancy_snomed_ask")
    }
    for c in sorted(candidates.values(), key=lambda c: c.ref):
        codes = c.codings
        if any(papillary.match_coding(cd) for cd in codes):
            continue  # papillary thyroid carcinoma is excepted
        history_code = any(cd.code.upper().startswith("Z85") for cd in codes)
        if any(excepted_past.match_coding(cd) for cd in codes) and (c.clinical == "past" or history_code):
            continue  # treated non-melanoma skin cancer, cervical carcinoma in situ
        if c.suspected or any(ask_vs.match_coding(cd) or snomed_ask.match_coding(cd) for cd in codes):
            asks.append(c)
        else:
            fails.append(c)
    if fails:
        c = fails[0]
        return Outcome(
            "fail",
            f"another malignancy recorded ({c.codings[0].code if c.codings else c.text})",
            [cond_evidence(x) for x in fails],
        )
    if asks:
        return _unknown("a tumour entry that may be excepted or may be the ICC itself: ask", asks)
    return Outcome("unknown", ASK + " about other cancers")


@evaluator("tuberculosis")
def tuberculosis(ctx: Ctx) -> Outcome:
    year = ctx.windows["tuberculosis"]
    fails, asks = [], []
    for c in conditions_in(ctx, "tuberculosis"):
        recent = ctx.in_window(c.onset, year) or ctx.in_window(c.abatement, year)
        if c.suspected:
            asks.append(c)
        elif c.clinical == "current" or recent:
            fails.append(c)
        else:
            asks.append(c)
    if fails:
        return Outcome(
            "fail", "active tuberculosis now or within the last year", [cond_evidence(c) for c in fails]
        )
    asks += conditions_in(ctx, "tuberculosis_ask")
    if asks:
        return _unknown("tuberculosis history (latent, old or over a year ago): ask about treatment", asks)
    return Outcome("unknown", ASK + " about tuberculosis")


@evaluator("autoimmune")
def autoimmune(ctx: Ctx) -> Outcome:
    ask_vs = ctx.vs("autoimmune_ask")
    systemic = ctx.vs("autoimmune_fail_despite_ask")
    fails, asks = [], []
    for c in conditions_in(ctx, "autoimmune"):
        excepted = any(ask_vs.match_coding(cd) for cd in c.codings) and not any(
            systemic.match_coding(cd) for cd in c.codings
        )
        if excepted:
            asks.append(c)
        elif c.suspected or c.clinical == "current":
            fails.append(c)
        else:
            asks.append(c)
    if fails:
        return Outcome("fail", "active or suspected autoimmune disease", [cond_evidence(c) for c in fails])
    if asks:
        return _unknown("autoimmune history that may be inactive or an allowed exception: ask", asks)
    return Outcome("unknown", ASK + " about autoimmune disease")


@evaluator("ild_pneumonitis")
def ild_pneumonitis(ctx: Ctx) -> Outcome:
    ask_vs = ctx.vs("ild_ask")
    fails, asks = [], []
    for c in conditions_in(ctx, "ild") + conditions_in(ctx, "ild_ask"):
        if c.suspected or any(ask_vs.match_coding(cd) for cd in c.codings):
            asks.append(c)
        else:
            fails.append(c)
    if fails:
        return Outcome("fail", "interstitial lung disease in the history", [cond_evidence(c) for c in fails])
    if asks:
        return _unknown("pneumonitis or unspecified ILD: ask whether it needed oral or IV steroids", asks)
    return Outcome("unknown", ASK + " about ILD or pneumonitis")


@evaluator("recent_bleeding")
def recent_bleeding(ctx: Ctx) -> Outcome:
    window = ctx.windows["bleeding"]
    recent = [c for c in conditions_in(ctx, "bleeding") if ctx.in_window(c.date, window)]
    fails = [c for c in recent if not c.suspected]
    if fails:
        return Outcome(
            "fail", f"clinically significant bleeding within {window} days", [cond_evidence(c) for c in fails]
        )
    asks = [c for c in recent if c.suspected] + [
        c for c in conditions_in(ctx, "bleeding_ask") if ctx.in_window(c.date, window)
    ]
    if asks:
        return _unknown(f"a bleeding symptom within {window} days: ask whether clinically significant", asks)
    return Outcome("unknown", ASK + f" about bleeding in the last {window} days")


@evaluator("substance_abuse")
def substance_abuse(ctx: Ctx) -> Outcome:
    hits = conditions_in(ctx, "substance_abuse")
    fails = [c for c in hits if not c.suspected]
    if fails:
        return Outcome("fail", "history of substance abuse or dependence", [cond_evidence(c) for c in fails])
    asks = [c for c in hits if c.suspected] + [
        c for c in conditions_in(ctx, "substance_ask") if c not in hits
    ]
    if asks:
        return _unknown("substance use recorded without abuse or dependence: ask", asks)
    return Outcome("unknown", ASK + " about alcohol or drug abuse")
