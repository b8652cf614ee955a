"""History exclusions read from Conditions: other cancers, TB, autoimmune, ILD, bleeding, substances.

A matching entry fails without asking; absence proves nothing, so these never pass from the
record alone (they are asked).
"""

from __future__ import annotations

from collections.abc import Callable

from eligibility.criteria.base import Ctx, Outcome, cond_evidence, conditions_in, evaluator
from fhir_ingest.facts import ConditionFact

ASK = "not in the record: ask"


# What each history criterion says when an entry rules the patient out, when an entry needs
# asking about, and the topic asked when the record has neither. {shown} and {window} are
# filled in by the evaluator.
WORDS = {
    "other_malignancy": (
        "another malignancy recorded ({shown})",
        "a tumour entry that may be excepted or may be the ICC itself: ask",
        "other cancers",
    ),
    "tuberculosis": (
        "active tuberculosis now or within the last year",
        "tuberculosis history (latent, old or over a year ago): ask about treatment",
        "tuberculosis",
    ),
    "autoimmune": (
        "active or suspected autoimmune disease",
        "autoimmune history that may be inactive or an allowed exception: ask",
        "autoimmune disease",
    ),
    "ild_pneumonitis": (
        "interstitial lung disease in the history",
        "pneumonitis or unspecified ILD: ask whether it needed oral or IV steroids",
        "ILD or pneumonitis",
    ),
    "recent_bleeding": (
        "clinically significant bleeding within {window} days",
        "a bleeding symptom within {window} days: ask whether clinically significant",
        "bleeding in the last {window} days",
    ),
    "substance_abuse": (
        "history of substance abuse or dependence",
        "substance use recorded without abuse or dependence: ask",
        "alcohol or drug abuse",
    ),
}


def _unknown(reason: str, conds: list[ConditionFact]) -> Outcome:
    return Outcome("unknown", reason, [cond_evidence(c) for c in conds])


def _sort_out(
    conds: list[ConditionFact], rules_out: Callable[[ConditionFact], bool]
) -> tuple[list[ConditionFact], list[ConditionFact]]:
    """The entries that rule the patient out, and the others (to ask about), each in order."""
    fails = [c for c in conds if rules_out(c)]
    return fails, [c for c in conds if not rules_out(c)]


def _history(cid: str, fails: list[ConditionFact], asks: list[ConditionFact], **fill: object) -> Outcome:
    """A history criterion: a matching entry fails, a doubtful one asks, and with neither it is asked
    all the same (absence from the record proves nothing about the history)."""
    fail, ask, topic = (words.format(**fill) for words in WORDS[cid])
    if fails:
        return Outcome("fail", fail, [cond_evidence(c) for c in fails])
    if asks:
        return _unknown(ask, asks)
    return Outcome("unknown", f"{ASK} about {topic}")


@evaluator("other_malignancy")
def other_malignancy(ctx: Ctx) -> Outcome:
    papillary = ctx.vs("papillary_thyroid_morphology")
    excepted_past = ctx.vs("malignancy_excepted_if_past")
    ask_vs = ctx.vs("malignancy_ask")
    snomed_ask = ctx.vs("malignancy_snomed_ask")
    candidates = {
        c.ref: c
        for c in conditions_in(ctx, "malignancy", exclude="malignancy_not_other")
        + conditions_in(ctx, "malignancy_excepted_if_past")
        + conditions_in(ctx, "malignancy_ask")
        + conditions_in(ctx, "malignancy_snomed_ask")
    }

    def excepted(c: ConditionFact) -> bool:
        if any(papillary.match_coding(cd) for cd in c.codings):
            return True  # papillary thyroid carcinoma is excepted
        # treated non-melanoma skin cancer, cervical carcinoma in situ
        past = c.clinical == "past" or any(cd.code.upper().startswith("Z85") for cd in c.codings)
        return past and any(excepted_past.match_coding(cd) for cd in c.codings)

    def doubtful(c: ConditionFact) -> bool:
        return c.suspected or any(ask_vs.match_coding(cd) or snomed_ask.match_coding(cd) for cd in c.codings)

    kept = [c for c in sorted(candidates.values(), key=lambda c: c.ref) if not excepted(c)]
    fails, asks = _sort_out(kept, lambda c: not doubtful(c))
    first = fails[0] if fails else None
    shown = (first.codings[0].code if first.codings else first.text) if first else ""
    return _history("other_malignancy", fails, asks, shown=shown)


@evaluator("tuberculosis")
def tuberculosis(ctx: Ctx) -> Outcome:
    year = ctx.windows["tuberculosis"]

    def active(c: ConditionFact) -> bool:  # now, or within the year; a suspected entry is asked
        recent = ctx.in_window(c.onset, year) or ctx.in_window(c.abatement, year)
        return not c.suspected and (c.clinical == "current" or recent)

    fails, asks = _sort_out(conditions_in(ctx, "tuberculosis"), active)
    return _history("tuberculosis", fails, asks + conditions_in(ctx, "tuberculosis_ask"))


@evaluator("autoimmune")
def autoimmune(ctx: Ctx) -> Outcome:
    ask_vs = ctx.vs("autoimmune_ask")
    systemic = ctx.vs("autoimmune_fail_despite_ask")

    def rules_out(c: ConditionFact) -> bool:
        excepted = any(ask_vs.match_coding(cd) for cd in c.codings) and not any(
            systemic.match_coding(cd) for cd in c.codings
        )
        return not excepted and (c.suspected or c.clinical == "current")

    return _history("autoimmune", *_sort_out(conditions_in(ctx, "autoimmune"), rules_out))


@evaluator("ild_pneumonitis")
def ild_pneumonitis(ctx: Ctx) -> Outcome:
    ask_vs = ctx.vs("ild_ask")

    def rules_out(c: ConditionFact) -> bool:
        return not (c.suspected or any(ask_vs.match_coding(cd) for cd in c.codings))

    return _history("ild_pneumonitis", *_sort_out(conditions_in(ctx, "ild") + conditions_in(ctx, "ild_ask"),
                                                    rules_out))


@evaluator("recent_bleeding")
def recent_bleeding(ctx: Ctx) -> Outcome:
    window = ctx.windows["bleeding"]
    recent = [c for c in conditions_in(ctx, "bleeding") if ctx.in_window(c.date, window)]
    fails, asks = _sort_out(recent, lambda c: not c.suspected)
    asks += [c for c in conditions_in(ctx, "bleeding_ask") if ctx.in_window(c.date, window)]
    return _history("recent_bleeding", fails, asks, window=window)


@evaluator("substance_abuse")
def substance_abuse(ctx: Ctx) -> Outcome:
    hits = conditions_in(ctx, "substance_abuse")
    fails, asks = _sort_out(hits, lambda c: not c.suspected)
    asks += [c for c in conditions_in(ctx, "substance_ask") if c not in hits]
    return _history("substance_abuse", fails, asks)
