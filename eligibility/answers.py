"""Answers from people -> a status for the criterion they settle, and how they meet the record.

A question either decides its criterion (`decides`: answer -> status, or -> the follow-up
question to ask next) or is an input an evaluator reads itself (`input: true`: weight, ascites).
"""

from __future__ import annotations

from typing import Any

from eligibility.criteria.base import Outcome
from eligibility.model import Answer, Evidence, Status
from eligibility.trial import Question

UNSURE = {"not_sure", "unsure", "unknown", "dont_know"}
RANK = {"clinician": 2, "patient": 1}


def normalise(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def best_answers(answers: list[Answer] | tuple[Answer, ...]) -> dict[str, Answer]:
    """One answer per question: a clinician's outranks a patient's; later ones replace earlier."""
    out: dict[str, Answer] = {}
    for a in answers:
        held = out.get(a.question_id)
        if held is None or RANK[a.by] >= RANK[held.by]:
            out[a.question_id] = a
    return out


def answered_status(
    questions: dict[str, Question], first: str, answers: dict[str, Answer]
) -> tuple[Status, list[Answer], str | None] | None:
    """Walk a question and its follow-ups: (status, the answers used, next question) or None."""
    used: list[Answer] = []
    qid: str | None = first
    while qid:
        a = answers.get(qid)
        if a is None:
            return ("unknown", used, qid) if used else None
        used.append(a)
        value = normalise(a.value)
        if value in UNSURE:
            return "unknown", used, None
        decides = questions[qid].decides
        outcome = decides.get(value, decides.get("*"))
        if outcome is None:
            return "unknown", used, None
        if isinstance(outcome, dict):
            qid = outcome["ask"]
            continue
        return outcome, used, None
    return None


def apply_answers(record: Outcome, status: Status | None, used: list[Answer]) -> tuple[Outcome, bool, bool]:
    """Meet the record's outcome with the answers' status: (outcome, conflict, override)."""
    if status is None or not used:
        return record, False, False
    ev = [
        Evidence(
            source=a.by,
            value=a.value,
            note=f"answer to {a.question_id}" + (f': "{a.words}"' if a.words else ""),
        )
        for a in used
    ]
    by = used[-1].by
    if record.status in ("unknown", "pending"):
        word = {"pass": "settled", "fail": "rules out", "unknown": "not sure"}.get(status, status)
        return Outcome(status, f"{by} answer: {word}", record.evidence + ev), False, False
    if status == "unknown" or status == record.status:
        return Outcome(record.status, record.reason, record.evidence + ev), False, False
    if by == "clinician" and any(bool(getattr(a, "override", False)) for a in used):
        return (
            Outcome(status, f"clinician overrides the record ({record.reason})", record.evidence + ev),
            False,
            True,
        )
    return (
        Outcome("unknown", f"answer contradicts the record: {record.reason}", record.evidence + ev),
        True,
        False,
    )
