"""Which stored answers a new screening may start from.

Per question, the latest answer of a clinician outranks the latest of the patient (criteria.md:
"a clinician's answer outranks a patient's"), so a clinician's correction wins while the
patient's answer stays in the history. A withdrawal voids earlier answers (a clinician's, every
earlier answer to that question). An answer older than its criterion's window on the as-of date
is stale: not used, asked again (an answer given after the as-of date, as when a demo screens
"as of" a fixed day, is fresh). An answer that the record contradicts with an entry dated after
the answer is dropped (the record has moved on); one contradicted by an older entry is kept, and
the engine reports the conflict with both sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources as pkg_resources

import yaml

from eligibility import Answer, Report, Trial, screen
from screening_log.store import StoredAnswer

DEFAULT_DAYS = 365
RANK = {"clinician": 2, "patient": 1}


@dataclass
class Reuse:
    """What a new screening starts from."""

    used: list[StoredAnswer] = field(default_factory=list)
    stale: list[StoredAnswer] = field(default_factory=list)  # too old: asked again
    superseded: list[StoredAnswer] = field(default_factory=list)  # a newer record entry contradicts

    def answers(self) -> list[Answer]:
        return [to_answer(a) for a in self.used]

    @property
    def ids(self) -> list[str]:
        return [a.id for a in self.used]


def to_answer(a: StoredAnswer) -> Answer:
    return Answer(a.question_id, a.value, by=a.by, override=a.override)  # type: ignore[arg-type]


@lru_cache(maxsize=4)
def _windows_spec() -> dict:
    text = pkg_resources.files("screening_log").joinpath("data", "answer_windows.yaml").read_text("utf-8")
    return yaml.safe_load(text) or {}


def window_days(trial: Trial, criterion: str) -> int:
    spec = _windows_spec().get(trial.id) or {}
    value = (spec.get("criteria") or {}).get(criterion, spec.get("default", DEFAULT_DAYS))
    if isinstance(value, str):
        return int(trial.windows[value])
    return int(value)


def current(history: list[StoredAnswer]) -> dict[str, StoredAnswer]:
    """question id -> the answer that stands now (clinician first), withdrawals applied."""
    latest: dict[tuple[str, str], StoredAnswer | None] = {}
    for a in sorted(history, key=lambda a: (a.at, a.id)):
        if a.kind == "withdrawn":
            latest[(a.question_id, a.by)] = None
            if a.by == "clinician":
                latest[(a.question_id, "patient")] = None
            continue
        latest[(a.question_id, a.by)] = a
    out: dict[str, StoredAnswer] = {}
    for (qid, _), a in latest.items():
        if a is None:
            continue
        held = out.get(qid)
        if held is None or RANK[a.by] > RANK[held.by] or (RANK[a.by] == RANK[held.by] and a.at > held.at):
            out[qid] = a
    return out


def reusable(
    history: list[StoredAnswer],
    trial: Trial,
    as_of: date,
    resources: list[dict] | None = None,
) -> Reuse:
    """The stored answers a screening on `as_of` may use. With the patient's `resources`, answers
    that a newer record entry contradicts are left out."""
    questions = {q.id: q for q in trial.questions}
    out = Reuse()
    for qid, a in sorted(current(history).items()):
        q = questions.get(qid)
        if q is None:
            continue  # a question this trial version no longer asks
        age = (as_of - a.day).days
        if age > window_days(trial, a.criterion):
            out.stale.append(a)
        else:
            out.used.append(a)
    if resources is not None and out.used:
        _drop_superseded(out, trial, as_of, resources)
    return out


def _drop_superseded(out: Reuse, trial: Trial, as_of: date, resources: list[dict]) -> None:
    report: Report = screen(resources, as_of, out.answers(), trial=trial)
    for result in report.criteria:
        if not result.conflict:
            continue
        record_days = [e.date[:10] for e in result.evidence if e.source == "record" and e.date]
        newest = max(record_days) if record_days else None
        for a in [u for u in out.used if u.criterion == result.id]:
            if newest is not None and newest > a.day.isoformat():
                out.used.remove(a)
                out.superseded.append(a)
