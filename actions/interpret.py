"""A clinician's or patient's reply -> an answer value the rules engine understands.

Words first, then the NLU intent: terse replies ("neg", "nil", "ecog 1", "70kg") are read
exactly; the classifier settles the rest. Anything that does not fit the question gives a
hint and no value, so the question is asked again rather than guessed. The words themselves
are data (actions/chat.yaml, `replies`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from actions.vocab import Vocab, find_phrases, normalise_text, vocab

NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10}  # fmt: skip
YES_INTENTS = {"affirm"}
NO_INTENTS = {"deny", "none_of_these"}


@dataclass
class Reply:
    """What the latest message says about the question: a value, or a hint to re-ask with."""

    value: Any = None
    hint: str | None = None
    named: dict[str, str] = field(default_factory=dict)  # checklist: question id -> yes | no | not_sure


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9+\-/'.?]+", normalise_text(text))


def is_unsure(text: str, intent: str | None = None) -> bool:
    t = normalise_text(text)
    if intent == "not_sure":
        return True
    for phrase in vocab().replies.unsure:
        if phrase == "?":
            if t.strip() in ("?", "??", "???"):
                return True
        elif re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", t):
            return True
    return False


def yes_no(text: str, intent: str | None = None) -> str | None:
    """'yes' | 'no' | None, from the words (first word decides), then the intent."""
    words = [w.strip(".,;:!") for w in _words(text)]
    words = [w for w in words if w]
    r = vocab().replies
    if words:
        if words[0] in r.no:
            return "no"
        if words[0] in r.yes:
            # "absolutely not", "sure not": an intensifier before a negation
            return "no" if len(words) > 1 and words[1] in ("not", "no", "never") else "yes"
    if intent in YES_INTENTS:
        return "yes"
    if intent in NO_INTENTS:
        return "no"
    yes = any(w in r.yes for w in words)
    no = any(w in r.no for w in words)
    if yes != no:
        return "yes" if yes else "no"
    return None


def numbers(text: str) -> list[float]:
    t = normalise_text(text)
    out = [float(m) for m in re.findall(r"(?<![\w.])(\d+(?:\.\d+)?)", t)]
    out += [float(NUMBER_WORDS[w]) for w in re.findall(r"[a-z]+", t) if w in NUMBER_WORDS]
    return out


def drugs_named(text: str, v: Vocab, valuesets: tuple[str, ...] | None = None) -> list[str]:
    names = v.drug_names(valuesets)
    t = normalise_text(text)
    return [
        n for n in names if re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", t) or (not n.isascii() and n in t)
    ]


def is_question(text: str) -> bool:
    """A question back ("what is RECIST?") is never an answer, whatever words it holds."""
    words = _words(text)
    return bool(words) and (
        words[0] in vocab().replies.question_words or (text.strip().endswith("?") and len(words) > 1)
    )


def interpret(question: dict[str, Any], text: str, intent: str | None, v: Vocab) -> Reply:
    """Read the reply to one question of the trial's question list."""
    qtype = question.get("type", "yes_no")
    if is_unsure(text, intent):
        return Reply(value="not_sure")
    if is_question(text):
        return Reply(hint="Please answer the question first, or say 'why do you ask?'.")
    if qtype == "number":
        return _number(question, text)
    if qtype == "choice":
        return _choice(question, text, intent)
    return _yes_no(question, text, intent, v)


def _yes_no(question: dict[str, Any], text: str, intent: str | None, v: Vocab) -> Reply:
    sets = v.drug_answers.get(question["id"])
    words = [w.strip(".,;:!") for w in _words(text)]
    negated_first = bool(words) and words[0] in v.replies.no
    if sets and not negated_first:
        hits = drugs_named(text, v, sets)
        if hits:
            return Reply(value="yes")
    answer = yes_no(text, intent)
    if answer:
        return Reply(value=answer)
    if sets:
        others = drugs_named(text, v)
        if others:
            return Reply(
                hint=f"Noted {', '.join(others)}, which does not settle this question. "
                "Please answer yes, no or not sure."
            )
    return Reply(hint="Please answer yes, no or not sure.")


def _number(question: dict[str, Any], text: str) -> Reply:
    qid = question["id"]
    low, high = question.get("range", [0, 10_000])
    t = normalise_text(text)
    if qid == "ecog_score" and re.search(r"\d\s*(-|to|/|or)\s*\d", t):
        return Reply(hint="Please give one ECOG score, 0 to 5 (or 'not sure').")
    found = numbers(t)
    if qid == "weight_kg":
        m = re.search(r"(\d+(?:\.\d+)?)\s*(lb|lbs|pounds?)\b", t)
        if m:
            found = [round(float(m.group(1)) * 0.45359237, 1)]
    if not found:
        what = {
            "ecog_score": "the ECOG score as a number, 0 to 5",
            "weight_kg": "the weight in kg",
            "age_years": "the age in years",
        }.get(qid, "a number")
        return Reply(hint=f"Please give {what} (or 'not sure').")
    value = found[0]
    if not low <= value <= high:
        return Reply(hint=f"{value:g} is outside {low}-{high}; please check the number (or say 'not sure').")
    if qid in ("ecog_score", "age_years"):
        if not float(value).is_integer():
            return Reply(hint="Please give a whole number.")
        return Reply(value=int(value))
    return Reply(value=value)


def _choice(question: dict[str, Any], text: str, intent: str | None) -> Reply:
    qid = question["id"]
    table = vocab().replies.choices.get(qid)
    choices = question.get("choices", [])
    if not table:
        t = normalise_text(text)
        hits = [c for c in choices if c.replace("_", " ") in t or c in t]
        return (
            Reply(value=hits[0])
            if len(hits) == 1
            else Reply(hint=f"Please answer one of: {', '.join(choices)}.")
        )
    found = find_phrases(text, table)
    kinds = {k for _, k, _ in found}
    if len(kinds) == 1:
        return Reply(value=kinds.pop())
    if not kinds and intent in NO_INTENTS:
        return Reply(value="none")
    shown = vocab().replies.choices_shown.get(qid, ", ".join(choices))
    if not kinds and (intent in YES_INTENTS or yes_no(text) == "yes"):
        return Reply(hint=f"How severe? Please answer {shown}.")
    return Reply(hint=f"Please answer {shown} (or 'not sure').")


def interpret_checklist(items: list[str], text: str, intent: str | None, v: Vocab) -> Reply:
    """The grouped history question: 'none of these', or the items that apply (the rest are no)."""
    topics = {qid: v.topics.get(qid, ()) for qid in items}
    unsure = is_unsure(text, intent)
    if is_question(text) and not unsure:
        return Reply(hint="Please answer first: 'none of these', or name those that apply.")
    found = find_phrases(text, topics)
    words = _words(text)
    named: dict[str, str] = {}
    for pos, qid, _phrase in found:
        before = [w.strip(".,;:!") for w in _words(normalise_text(text)[:pos])][-2:]
        if any(w in v.replies.no for w in before):
            named[qid] = "no"
        elif unsure:
            named[qid] = "not_sure"
        else:
            named[qid] = "yes"
    if not named:
        if unsure:
            return Reply(value="not_sure")
        answer = yes_no(text, intent)
        if intent == "none_of_these" or answer == "no" or "none" in words:
            return Reply(value="none", named={qid: "no" for qid in items})
        if answer == "yes":
            return Reply(
                hint="Which of them? Name those that apply (e.g. 'TB and HIV'), or say 'none of these'."
            )
        return Reply(
            hint="Please say 'none of these', or name those that apply (e.g. 'TB, HIV'); "
            "'not sure' lets me ask them one by one."
        )
    # Named items take their polarity; the others are "no" (the question said so).
    for qid in items:
        named.setdefault(qid, "no")
    return Reply(value="named", named=named)
