"""The dialogue policy for what a message says: which findings become answers, and which
must be confirmed first.

- An answer is recorded only for a question whose criterion is still `unknown` and that has
  no answer yet (what the record or an earlier answer settled is never overwritten by the way).
- A value that would make its criterion fail is not recorded: it is held and restated for an
  explicit confirmation (criteria.md: a rule-out from an answer is confirmed).
The rules engine stays the judge: each candidate answer is tried on a copy of the answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actions.screening import Screening
from actions.understand import Finding
from actions.vocab import vocab
from eligibility import Answer


@dataclass
class Taken:
    recorded: list[Finding] = field(default_factory=list)
    confirm: Finding | None = None  # a rule-out held for confirmation
    skipped: list[Finding] = field(default_factory=list)  # settled already, or not this audience's


def fails(s: Screening, f: Finding) -> bool:
    """Whether recording this answer would make its criterion fail."""
    criterion = vocab().question(f.question_id).criterion
    before = s.report().status(criterion)
    trial = [a for a in s.answers if a.question_id != f.question_id]
    trial.append(Answer(f.question_id, f.value, by=s.audience, words=f.words))
    saved = s.answers
    s.answers = trial
    try:
        after = s.report().status(criterion)
    finally:
        s.answers = saved
    return after == "fail" and before != "fail"


def open_question(s: Screening, qid: str, pending: set[str]) -> bool:
    v = vocab()
    q = v.questions.get(qid)
    if q is None or s.audience not in q.audience:
        return False
    if qid not in pending and any(a.question_id == qid for a in s.answers):
        return False  # answered before: only "change my answer" changes it
    return s.report().status(q.criterion) == "unknown"


def take(s: Screening, findings: list[Finding], pending: set[str], confirmed: bool = False) -> Taken:
    """Record the findings that answer open questions; hold the first rule-out for confirmation.
    Findings are taken in chain order (tb_ever before tb_within_year) so follow-ups count."""
    out = Taken()
    order = {qid: i for i, qid in enumerate(vocab().questions)}
    for f in sorted(findings, key=lambda f: order.get(f.question_id, 999)):
        if not open_question(s, f.question_id, pending):
            out.skipped.append(f)
            continue
        if not confirmed and str(f.value) != "not_sure" and fails(s, f):
            if out.confirm is None:
                out.confirm = f
            continue
        s.answer(f.question_id, f.value, words=f.words)
        out.recorded.append(f)
    return out


def restate(f: Finding | dict[str, Any], lang: str) -> str:
    from actions.messages import text

    qid, value = (f.question_id, f.value) if isinstance(f, Finding) else (f["question_id"], f["value"])
    table = text("restate", lang)
    entry = table.get(qid) or table["*"]
    line = entry.get(str(value)) or entry.get("*") or table["*"]["*"]
    shown = str(value).replace("_", " ").replace("grade 1 2", "grade 1-2").replace("grade 3 4", "grade 3-4")
    label = vocab().label(vocab().question(qid).criterion)
    if lang != "en":  # values and labels in the conversation's language (catalogue)
        from actions.language import criterion_label
        from actions.render import value_shown

        shown, label = value_shown(qid, value, lang), criterion_label(vocab().question(qid).criterion, lang)
    return line.format(value=shown, label=label)


def noted(findings: list[Finding], lang: str) -> str:
    """'unresectable: yes; TB ever: no' for a "Noted" line."""
    from actions.messages import text

    labels = text("answer_labels", lang)
    if lang != "en":  # values in the conversation's language (catalogue)
        from actions.render import value_shown

        return "；".join(
            f"{labels.get(f.question_id, f.question_id)}：{value_shown(f.question_id, f.value, lang)}"
            for f in findings
        )
    return "; ".join(
        f"{labels.get(f.question_id, f.question_id)}: {str(f.value).replace('_', ' ')}" for f in findings
    )
