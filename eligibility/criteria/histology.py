"""Histology: ICC confirmed by pathology, and no HCC, mixed or other malignant component."""

from __future__ import annotations

import re

from eligibility.criteria.base import Ctx, Outcome, cond_evidence, conditions_in, evaluator
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


def _site_ok(ctx: Ctx, r: ReportFact, code: str) -> bool:
    """ICD-O-3 8160/3 is cholangiocarcinoma anywhere: it means ICC only at C22.1."""
    if "/" not in code:
        return True
    sites = [c for c in r.codings if re.fullmatch(r"C\d\d(\.\d+)?", c.code.upper())]
    if sites:
        return any(ctx.vs("icc").match_coding(c) for c in sites)
    return bool(_icc_conditions(ctx))


def _icc_conditions(ctx: Ctx) -> list[ConditionFact]:
    return [c for c in conditions_in(ctx, "icc") if not c.suspected]


def _icc_reports(ctx: Ctx) -> list[tuple[ReportFact, str]]:
    """Reports coding ICC (8160/3 only at C22.1), cytology included."""
    return [(r, c) for r, c in _reports_with(ctx, "icc") if _site_ok(ctx, r, c)]


@evaluator("icc_histology")
def icc_histology(ctx: Ctx) -> Outcome:
    icc = _icc_reports(ctx)
    histology = [(r, c) for r, c in icc if not r.cytology]
    if histology:
        r, code = histology[0]
        return Outcome(
            "pass",
            f"pathology report {r.date} confirms intrahepatic cholangiocarcinoma ({code})",
            [_report_ev(r, code)],
        )
    if icc:
        r, code = icc[0]
        return Outcome(
            "unknown", "cytology only: ask whether histopathology confirmed ICC", [_report_ev(r, code)]
        )
    unspecified = _reports_with(ctx, "cholangio_unspecified_site")
    if unspecified:
        r, code = unspecified[0]
        return Outcome(
            "unknown",
            "pathology says cholangiocarcinoma without the intrahepatic site: ask",
            [_report_ev(r, code)],
        )
    conds = _icc_conditions(ctx)
    ev = [cond_evidence(conds[0], "ICC diagnosis without a pathology report")] if conds else []
    return Outcome("unknown", "no pathology report confirming ICC in the record: ask", ev)


@evaluator("other_liver_histology")
def other_liver_histology(ctx: Ctx) -> Outcome:
    bad_reports = [
        (r, c)
        for vs in ("hcc", "combined_hcc_cca", "other_liver_malignancy")
        for r, c in _reports_with(ctx, vs)
    ]
    histology_bad = [(r, c) for r, c in bad_reports if not r.cytology]
    if histology_bad:
        r, code = histology_bad[0]
        return Outcome(
            "fail",
            f"pathology report {r.date} shows a non-cholangiocarcinoma component ({code})",
            [_report_ev(r, code)],
        )
    icc_reports = [(r, c) for r, c in _icc_reports(ctx) if not r.cytology]
    icc_conds = _icc_conditions(ctx)
    other_conds = [c for vs in ("hcc", "other_liver_malignancy") for c in conditions_in(ctx, vs)]
    unclear_conds = conditions_in(ctx, "liver_unspecified") + conditions_in(ctx, "cholangio_unspecified_site")
    confirmed_other = [c for c in other_conds if not c.suspected]
    if confirmed_other and not icc_conds and not icc_reports:
        c = confirmed_other[0]
        return Outcome(
            "fail", "a liver cancer other than ICC is diagnosed and no ICC diagnosis", [cond_evidence(c)]
        )
    if other_conds or unclear_conds or bad_reports:
        ev = [cond_evidence(c) for c in other_conds + unclear_conds] + [
            _report_ev(r, c) for r, c in bad_reports
        ]
        return Outcome(
            "unknown",
            "codes suggest another liver tumour component: ask whether pathology "
            "showed any non-cholangiocarcinoma component",
            ev,
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
