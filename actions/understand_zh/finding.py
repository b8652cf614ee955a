"""What the Chinese extractor returns: one answer a message gives to one question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """`value` follows tests/heldout/FORMAT.md: "yes" | "no" | "not_sure" for yes/no questions,
    a choice id, or a number. `words` is the span of the message it was read from; `negated`
    says a negation cue decided it ("无腹水" -> ascites none, negated)."""

    question_id: str
    value: Any
    words: str
    negated: bool
