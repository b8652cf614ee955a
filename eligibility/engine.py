"""report = screen(resources, as_of, answers): pure, deterministic; one engine for every channel."""

from __future__ import annotations

from datetime import date

from eligibility import mentions
from eligibility.answers import answered_status, apply_answers, best_answers
from eligibility.criteria import REGISTRY, Ctx
from eligibility.model import Answer, CriterionResult
from eligibility.notes import investigator_notes
from eligibility.report import Report, input_hash
from eligibility.trial import Trial, load_trial
from fhir_ingest.facts import Facts, extract, is_used
from fhir_ingest.records import patient_id_of


def _as_date(as_of: date | str | None) -> date:
    if as_of is None:
        return date.today()
    return as_of if isinstance(as_of, date) else date.fromisoformat(as_of)


def evaluate(
    trial: Trial, facts: Facts, answers: list[Answer] | tuple[Answer, ...] = ()
) -> list[CriterionResult]:
    chosen = best_answers(answers)
    questions = {q.id: q for q in trial.questions}
    results = []
    for crit in trial.criteria:
        ctx = Ctx(
            facts=facts, params=crit.params, valuesets=trial.valuesets, windows=trial.windows, answers=chosen
        )
        outcome = mentions.apply(ctx, REGISTRY[crit.evaluator](ctx))
        conflict = override = False
        for q in trial.questions:
            if q.criterion != crit.id or q.input or q.follow_up:
                continue
            walked = answered_status(questions, q.id, chosen)
            if walked:
                status, used, _ = walked
                outcome, conflict, override = apply_answers(outcome, status, used)
                if outcome.status != "unknown" or conflict:
                    break
        results.append(
            CriterionResult(
                id=crit.id,
                kind=crit.kind,
                status=outcome.status,
                reason=outcome.reason,
                evidence=outcome.evidence,
                conflict=conflict,
                override=override,
                inputs=outcome.inputs,
            )
        )
    return results


def patient_ref(resources: list[dict]) -> str:
    """The Patient's reference; without a Patient resource, the patient the resources name."""
    for r in resources:
        if r.get("resourceType") == "Patient":
            return f"Patient/{r.get('id')}"
    named = sorted({pid for r in resources if (pid := patient_id_of(r))})
    return f"Patient/{named[0]}" if len(named) == 1 else "Patient/?"


def screen(
    resources: list[dict],
    as_of: date | str | None = None,
    answers: list[Answer] | tuple[Answer, ...] = (),
    trial: Trial | None = None,
) -> Report:
    """One patient's FHIR resources (+ answers) -> the report on `as_of` (default today)."""
    trial = trial or load_trial()
    day = _as_date(as_of)
    facts = extract(resources, day)
    results = evaluate(trial, facts, answers)
    return Report(
        patient=patient_ref(resources),
        trial=trial.id,
        as_of=day.isoformat(),
        criteria=results,
        rules_version=trial.rules_version,
        input_hash=input_hash(
            [r for r in resources if is_used(r)], list(answers), day.isoformat(), trial.rules_version
        ),
        notes=([facts.patient.deceased] if facts.patient and facts.patient.deceased else [])
        + investigator_notes(trial, facts),
        deceased=facts.patient.deceased if facts.patient else None,
    )
