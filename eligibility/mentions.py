"""Text-only entries: a Condition, report or lab with no code the rules know, whose text names
what a criterion is about, is never silently ignored (criteria.md "Text-only entries").

A criterion lists the words that name its topic (`mentions`, a regular expression, in the
trial data). An entry whose text matches turns a `pass` or an `unknown` into `unknown`, and the
reason names the entry; a `fail` stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from eligibility.codes import ValueSet, code_family
from eligibility.criteria.base import Ctx, Outcome
from eligibility.model import Evidence
from fhir_ingest.facts import Coding

_MAX_SHOWN = 60  # characters of an entry's text in a reason


@dataclass(frozen=True)
class Entry:
    ref: str
    text: str
    date: str | None
    coded: bool  # it has a code, just not one the rules know


def _known(coding: Coding, valuesets: dict[str, ValueSet]) -> bool:
    """ICD-10 and ICD-O-3 codes are read by the rules wherever they apply; a SNOMED or local
    code is known only when a value set holds it."""
    if code_family(coding) in ("icd10", "icdo3"):
        return True
    return any(vs.match_coding(coding) for vs in valuesets.values())


@lru_cache(maxsize=64)
def _pattern(words: str) -> re.Pattern[str]:
    return re.compile(words, re.IGNORECASE)


def entries(ctx: Ctx, words: str, days: int | None) -> list[Entry]:
    """Entries whose text matches `words` and that carry no code the rules know."""
    pattern = _pattern(words)
    found: list[Entry] = []
    for c in ctx.facts.conditions:
        if not c.text or any(_known(cd, ctx.valuesets) for cd in c.codings):
            continue
        if days is not None and not (ctx.in_window(c.onset, days) or ctx.in_window(c.recorded, days)):
            continue
        if pattern.search(c.text):
            found.append(Entry(c.ref, c.text, c.date, bool(c.codings)))
    for o in ctx.facts.other_observations:
        if (days is None or ctx.in_window(o.date, days)) and pattern.search(o.text):
            found.append(Entry(o.ref, o.text, o.date, False))
    for r in ctx.facts.reports:
        if not r.codings and r.text and pattern.search(r.text):
            found.append(Entry(r.ref, r.conclusion or r.text, r.date, False))
    return sorted(found, key=lambda e: e.ref)


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def apply(ctx: Ctx, outcome: Outcome) -> Outcome:
    """The criterion's outcome once its text-only entries are taken into account."""
    words = ctx.params.get("mentions")
    if not words or outcome.status in ("fail", "pending"):
        return outcome
    found = entries(ctx, str(words), ctx.params.get("mention_days"))
    if not found:
        return outcome
    first = found[0]
    how = "with a code the rules do not know" if first.coded else "without a code"
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    reason = f"an entry '{_shown(first.text)}' {how}{more}: ask"
    if outcome.status == "unknown" and not outcome.reason.startswith("not in the record"):
        reason += f"; {outcome.reason}"
    evidence = [
        Evidence(source="record", reference=e.ref, date=e.date, note="text-only entry") for e in found
    ]
    return Outcome("unknown", reason, outcome.evidence + evidence, outcome.inputs)
