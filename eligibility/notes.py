"""Investigator notes (criteria.md, beyond the registry text): shown, never statuses."""

from __future__ import annotations

from eligibility.codes import ValueSet
from eligibility.trial import Trial
from fhir_ingest.facts import Facts


def _cond_hit(facts: Facts, vs: ValueSet) -> str | None:
    for c in facts.conditions:
        if c.clinical != "past" and any(vs.match_coding(cd) for cd in c.codings):
            return c.ref
    return None


def investigator_notes(trial: Trial, facts: Facts) -> list[str]:
    vs = trial.valuesets
    notes: list[str] = []
    prior = [(m, vs["prior_systemic_therapy"].first(m.codings, m.names)) for m in facts.medications if m.ever]
    prior = [(m, hit) for m, hit in prior if hit]
    if prior:
        m, hit = prior[0]
        notes.append(f"prior systemic therapy ({hit}, {m.ref}): the published results are first-line")
    if ref := _cond_hit(facts, vs["varices"]):
        notes.append(f"varices ({ref}): lenvatinib bleeding risk, check for high-risk varices")
    if ref := _cond_hit(facts, vs["organ_transplant"]):
        notes.append(f"organ transplant ({ref}): PD-1 antibody risk")
    if ref := _cond_hit(facts, vs["neuropathy"]):
        notes.append(f"peripheral neuropathy ({ref}): oxaliplatin needs grade < 2")
    hbsag = facts.latest("hbsag")
    if hbsag is not None and hbsag.qualitative == "positive":
        antiviral = any(
            m.current and vs["antiviral_hbv"].first(m.codings, m.names) for m in facts.medications
        )
        if not antiviral:
            notes.append(
                f"HBsAg positive ({hbsag.ref}) without current antiviral therapy: PD-1 antibody risk"
            )
    return notes
