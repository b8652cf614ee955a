"""Histology: ICC confirmed by pathology, and no HCC, mixed or other malignant component."""

from __future__ import annotations

import re

from eligibility.codes import is_topography
from eligibility.criteria.base import Ctx, Outcome, cond_evidence, conditions_in, evaluator, first_named
from eligibility.model import Evidence
from fhir_ingest.facts import ConditionFact, ReportFact


def _report_ev(r: ReportFact, code: str) -> Evidence:
    return Evidence(
        source="record",
        reference=r.ref,
        value=code,
        date=r.date,
        note="cytology report" if r.cytology else "pathology report",
    )


def _reports_with(ctx: Ctx, vs_name: str) -> list[tuple[ReportFact, str]]:
    vs = ctx.vs(vs_name)
    out = []
    for r in ctx.facts.reports:
        hit = vs.first(r.codings)
        if hit:
            out.append((r, hit))
    return out


_LIVER_WORDS = re.compile(r"liver|hepat|intrahepatic|肝")


def _site_ok(ctx: Ctx, r: ReportFact, code: str) -> bool:
    """ICD-O-3 8160/3 is cholangiocarcinoma anywhere: it means ICC at topography C22.1 or C22.0,
    or with no topography on a liver report (or next to an ICC diagnosis)."""
    if "/" not in code:
        return True
    sites = [c for c in r.codings if is_topography(c)]
    if sites:
        return any(ctx.vs("icc_topography").match_coding(c) for c in sites)
    return bool(_LIVER_WORDS.search(r.text)) or bool(_icc_conditions(ctx))


def _icc_conditions(ctx: Ctx) -> list[ConditionFact]:
    return [c for c in conditions_in(ctx, "icc") if not c.suspected]


def _icc_reports(ctx: Ctx) -> list[tuple[ReportFact, str]]:
    """Reports coding ICC (8160/3 only at C22.1), cytology included."""
    return [(r, c) for r, c in _reports_with(ctx, "icc") if _site_ok(ctx, r, c)]


@evaluator("icc_histology")
def icc_histology(ctx: Ctx) -> Outcome:
    icc = _icc_reports(ctx)
    histology = [(r, c) for r, c in icc if not r.cytology]
    unspecified = _reports_with(ctx, "cholangio_unspecified_site")
    # The first report of the first kind found decides (histology, then cytology, then a
    # cholangiocarcinoma without its site) and is the evidence.
    for status, reports, reason in (
        ("pass", histology, lambda r, code: f"pathology report {r.date} confirms intrahepatic "
                                            f"cholangiocarcinoma ({code})"),
        ("unknown", icc, lambda r, code: "cytology only: ask whether histopathology confirmed ICC"),
        ("unknown", unspecified,
         lambda r, code: "pathology says cholangiocarcinoma without the intrahepatic site: ask"),
    ):  # fmt: skip
        if found := first_named(status, reports, reason, _report_ev, every=False):
            return found
    conds = _icc_conditions(ctx)
    ev = [cond_evidence(conds[0], "ICC diagnosis without a pathology report")] if conds else []
    return Outcome("unknown", "no pathology report confirming ICC in the record: ask", ev)


def _other_component(ctx: Ctx, codings) -> str | None:
    """A histology that is not the ICC's own: HCC, combined HCC-CCA, or any other malignant
    ICD-O-3 morphology outside the adenocarcinoma / cholangiocarcinoma types."""
    for vs in ("hcc_histology", "combined_hcc_cca"):
        if hit := ctx.vs(vs).first(codings):
            return hit
    own = ctx.vs("cholangio_morphology")
    for c in codings:
        if ctx.vs("other_morphology").match_coding(c) and not own.match_coding(c):
            return c.code
    return None


def _diagnosis(ctx: Ctx, codings) -> str | None:
    """A liver cancer other than ICC named as a diagnosis (C22.0, C22.2-C22.4)."""
    for vs in ("hcc", "other_liver_malignancy"):
        if hit := ctx.vs(vs).first(codings):
            return hit
    return None


@evaluator("other_liver_histology")
def other_liver_histology(ctx: Ctx) -> Outcome:
    reports = sorted(ctx.facts.reports, key=lambda r: r.ref)
    conditions = sorted(ctx.facts.conditions, key=lambda c: c.ref)
    bad_reports = [
        (r, hit) for r in reports if (hit := _other_component(ctx, r.codings) or _diagnosis(ctx, r.codings))
    ]
    histology_bad = [(r, c) for r, c in bad_reports if not r.cytology]
    if found := first_named(
        "fail", histology_bad,
        lambda r, code: f"pathology report {r.date} shows a non-cholangiocarcinoma component ({code})",
        _report_ev,
    ):  # fmt: skip
        return found
    # A histology coded on a Condition counts as on a report.
    histology_conds = [(c, hit) for c in conditions if (hit := _other_component(ctx, c.codings))]
    confirmed_histology = [(c, h) for c, h in histology_conds if not c.suspected]
    if found := first_named(
        "fail", confirmed_histology,
        lambda c, code: f"a non-cholangiocarcinoma histology is diagnosed ({code})",
        lambda c, _code: cond_evidence(c),
    ):  # fmt: skip
        return found
    icc_reports = [(r, c) for r, c in _icc_reports(ctx) if not r.cytology]
    icc_conds = _icc_conditions(ctx)
    other_conds = [c for c in conditions if _diagnosis(ctx, c.codings)]
    unclear_conds = (
        conditions_in(ctx, "liver_unspecified")
        + conditions_in(ctx, "cholangio_unspecified_site")
        + conditions_in(ctx, "carcinoma_nos")
        + [c for c, _ in histology_conds]
    )
    unclear_reports = [(r, c) for r in reports if (c := ctx.vs("carcinoma_nos").first(r.codings))]
    confirmed_other = [c for c in other_conds if not c.suspected]
    if confirmed_other and not icc_conds and not icc_reports:
        c = confirmed_other[0]
        return Outcome(
            "fail", "a liver cancer other than ICC is diagnosed and no ICC diagnosis", [cond_evidence(c)]
        )
    if other_conds or unclear_conds or bad_reports or unclear_reports:
        seen: dict[str, Evidence] = {}
        for c in other_conds + unclear_conds:
            seen.setdefault(c.ref, cond_evidence(c))
        for r, code in bad_reports + unclear_reports:
            seen.setdefault(r.ref, _report_ev(r, code))
        return Outcome(
            "unknown",
            "codes suggest another liver tumour component: ask whether pathology "
            "showed any non-cholangiocarcinoma component",
            list(seen.values()),
        )
    if icc_reports:
        r, code = icc_reports[0]
        return Outcome(
            "pass", "ICC on pathology and no HCC, mixed or other component coded", [_report_ev(r, code)]
        )
    if icc_conds:
        return Outcome(
            "pass", "ICC diagnosis and no HCC, mixed or other component coded", [cond_evidence(icc_conds[0])]
        )
    return Outcome("unknown", "no confirmed ICC diagnosis in the record: ask about other tumour components")
