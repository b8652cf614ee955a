"""questions = next_questions(trial, report, audience, answers): what is still worth asking.

Ordered so that likely rule-outs come first (the trial data's priorities); empty once the
verdict cannot change (a criterion already fails). Labs only a new test can settle have no
question: they are listed in the report's `missing`, and do not hold back the questions.
"""

from __future__ import annotations

from eligibility.answers import answered_status, best_answers
from eligibility.model import Answer
from eligibility.report import Report
from eligibility.trial import Question, Trial


def next_questions(
    trial: Trial,
    report: Report,
    audience: str,
    answers: list[Answer] | tuple[Answer, ...] = (),
    after_failure: bool = False,
) -> list[Question]:
    if report.verdict == "ineligible" and not after_failure:
        return []  # the verdict cannot change; `after_failure` lists the rest when asked to go on
    chosen = best_answers(answers)
    by_id = {q.id: q for q in trial.questions}
    unknown = {r.id: r for r in report.criteria if r.status == "unknown"}
    out: list[Question] = []
    for q in sorted(trial.questions, key=lambda q: (q.priority, q.id)):
        if q.follow_up or audience not in q.audience:
            continue
        result = unknown.get(q.criterion)
        if result is None:
            continue  # settled, pending, or not this trial's concern any more
        if q.input:
            if q.id in result.inputs and q.id not in chosen:
                out.append(q)
            continue
        walked = answered_status(by_id, q.id, chosen)
        if walked is None:
            if not any(o.criterion == q.criterion for o in out):
                out.append(q)
            continue
        _, _, follow = walked
        if follow and audience in by_id[follow].audience:
            out.append(by_id[follow])
    return out
