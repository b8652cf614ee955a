"""The report's shapes: what the engine returns and the contract's JSON serialises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "fail", "unknown", "pending"]
Source = Literal["record", "derived", "clinician", "patient"]
Verdict = Literal["potentially_eligible", "ineligible", "needs_information"]


@dataclass(frozen=True)
class Evidence:
    """One thing a decision rests on: a FHIR reference, a derived value or an answer."""

    source: Source
    reference: str | None = None
    value: Any = None
    unit: str | None = None
    date: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source}
        for key in ("reference", "value", "unit", "date", "note"):
            val = getattr(self, key)
            if val is not None:
                out[key] = val
        return out


@dataclass
class CriterionResult:
    id: str
    kind: Literal["inclusion", "exclusion"]
    status: Status
    reason: str
    evidence: list[Evidence] = field(default_factory=list)
    conflict: bool = False
    override: bool = False
    inputs: tuple[str, ...] = ()  # input questions that could settle it (not in the JSON)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "reason": self.reason,
            "conflict": self.conflict,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.override:
            out["override"] = True
        return out


@dataclass(frozen=True)
class Answer:
    """A person's answer to one question of the trial's question list."""

    question_id: str
    value: Any
    by: Literal["clinician", "patient"] = "clinician"
    override: bool = False  # a clinician saying the record entry is wrong
    words: str = ""  # what the person said that gave this value (the answer's evidence)

    def to_dict(self) -> dict[str, Any]:
        out = {"question_id": self.question_id, "value": self.value, "by": self.by}
        if self.override:
            out["override"] = True
        if self.words:
            out["words"] = self.words
        return out
