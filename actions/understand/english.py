"""English answer extraction: medspaCy target rules for every topic, ConText for the negation,
uncertainty and family context scoped over each, numbers and time phrases near them.

Built once per process on a blank spaCy pipeline (no downloaded model). The phrases are data
(en_topics.yaml); the trial's value sets name the drugs.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.understand import Finding, quantities, timewords

TOPICS_FILE = Path(__file__).with_name("en_topics.yaml")
# Abbreviations that are ordinary English words in lower case: they count only in capitals.
CAPITALS_ONLY = frozenset(
    {"he", "ms", "uc", "ich", "sbp", "aud", "ams", "ttc", "ocp", "ptc", "npc", "crc", "ra"}
)
# Words inside a phrase that carry its own polarity ("no tissue"): ConText never flips them.
SELF_NEGATING = re.compile(
    r"n't\b|\bcannot\b|\b(no|not|non|never|without|refuses?|refused|declines?|declined|won't|"
    r"negative|neg|only|naive|naïve|untreated|free|off|lost|exhausted)\b|-$"
)
NEGATIONS = [
    "negative for", "free of", "w/o", "no hx of", "no history of", "no h/o", "never had", "never been",
    "hasn't had", "has not had", "hasn't", "didn't have", "doesn't have", "does not have", "no evidence of",
    "no sign of", "no signs of", "nor", "or any", "no prior", "no previous", "never", "no known", "not on",
    "isn't on", "is not on", "not had", "hasn't got", "no longer on",
]  # fmt: skip
# Written after what they negate ("HIV neg", "ascites absent"); short words either side.
BACKWARD_NEGATIONS = ["negative", "excluded", "ruled out", "absent", "denied", "not present", "not seen"]
BOTH_WAYS_NEGATIONS = ["nil", "neg", "-ve", "none"]
UNSURE_WORDS = re.compile(
    r"not sure|unsure|don't know|dont know|do not know|unknown|unclear|no idea|uncertain|"
    r"can't remember|cant remember|need to check|not certain|\?"
)
NORMAL_STATE = re.compile(r"\b(normal|fine|ok|okay|unremarkable|good|preserved|intact|clear|well)\b")
TRIAL_DRUGS = frozenset({"toripalimab", "js001", "tuoyi", "拓益"})
TRIAL_WORDS = re.compile(r"\b(trial|study|protocol|nct\d+|enrol\w*|enroll\w*)\b", re.I)
LIVER_WORDS = frozenset(
    {"liver", "hepatic", "bile", "duct", "biliary", "cholangio", "cholangiocarcinoma", "icc",
     "intrahepatic", "this", "the", "his", "her", "primary", "current", "index"}
)  # fmt: skip


@dataclass(frozen=True)
class Rule:
    question_id: str
    phrase: str
    stated: Any  # the value when the phrase is stated
    negated: Any | None  # the value when a negation scopes over it (None: the negation says nothing)
    only_with: tuple[str, ...] = ()
    generic: bool = False


@dataclass
class Model:
    nlp: Any
    rules: dict[str, Rule]  # rule key (the TargetRule category) -> rule
    topic_words: dict[str, tuple[str, ...]]
    choices: dict[str, dict[str, Any]]
    drug_rules: dict[str, str]  # drug name -> question id
    steroids: dict[str, float]
    steroid_limit: float
    windows: dict[str, dict[str, Any]]
    bare: dict[str, tuple[str, ...]]
    bare_alone: dict[str, tuple[str, ...]]
    command_words: dict[str, tuple[str, ...]]
    vocabulary: list[str] = field(default_factory=list)


def _keys(d: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the keys `yes:` and `no:` as booleans
    return {("yes" if k is True else "no" if k is False else str(k)): v for k, v in d.items()}


def _groups(spec: Any) -> list[dict[str, Any]]:
    return [_keys(g) for g in (spec if isinstance(spec, list) else [spec])]


def _rules(raw: dict[str, Any]) -> list[Rule]:
    out: list[Rule] = []
    for qid, spec in raw["questions"].items():
        for group in _groups(spec):
            only = tuple(group.get("only_with", ()))
            generic = {str(p).lower() for p in group.get("generic", ())}
            opposite = {"yes": "no", "no": "yes"}
            for key, stated in (("yes", "yes"), ("no", "no"), ("yes_only", "yes"), ("no_only", "no")):
                for p in group.get(key, ()):
                    p = str(p).lower()
                    # a phrase that carries its own negation ("no tissue") keeps its value; a
                    # negated yes_only phrase ("no mets") says nothing about the question
                    if SELF_NEGATING.search(p):
                        negated: Any = stated
                    elif NORMAL_STATE.search(p):
                        # "clotting normal" under a negation from elsewhere in the clause ("not
                        # anticoagulated, clotting normal") says nothing; it is never flipped
                        negated = None
                    else:
                        negated = opposite[stated] if key in ("yes", "no") else None
                    out.append(Rule(qid, p, stated, negated, only, p in generic))
    for qid, spec in raw["choices"].items():
        for p in spec["words"]:
            out.append(Rule(qid, str(p).lower(), "present", "none"))
        for p in spec.get("none_words", ()):
            out.append(Rule(qid, str(p).lower(), "none", None))
    return out


@lru_cache(maxsize=1)
def model() -> Model:
    # Imported here: spaCy and medspaCy take seconds to import, and only extraction needs them.
    from loguru import logger

    logger.disable("medspacy")  # medspaCy logs every rule at DEBUG through loguru
    logger.disable("PyRuSH")
    import spacy
    from medspacy.context import ConTextRule
    from medspacy.target_matcher import TargetMatcher, TargetRule  # noqa: F401  (registers the factory)

    from actions.vocab import vocab

    raw = yaml.safe_load(TOPICS_FILE.read_text(encoding="utf-8"))
    rules = _rules(raw)
    trial = vocab().trial
    drug_rules: dict[str, str] = {}
    for qid, sets in raw["drug_answers"].items():
        for vs in sets:
            for name in trial.valuesets[vs].names:
                if len(name) >= 3 and name.isascii() and name not in ("flush", "lock"):
                    drug_rules[name] = qid
                    rules.append(Rule(qid, name, "yes", "no"))
    steroids = {str(k): float(v) for k, v in raw["steroids"]["prednisone_equivalent"].items()}
    for name in trial.valuesets[raw["steroids"]["valueset"]].names:
        if name.isascii():
            steroids.setdefault(name, 1.0)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    matcher = nlp.add_pipe("medspacy_target_matcher")
    keyed: dict[str, Rule] = {}
    target_rules = []
    for i, r in enumerate(rules):
        key = f"R{i}"
        keyed[key] = r
        target_rules.append(TargetRule(r.phrase, key))
    for name in steroids:
        key = f"S:{name}"
        keyed[key] = Rule("immunosuppression", name, "steroid", None)
        target_rules.append(TargetRule(name, key))
    matcher.add(target_rules)
    context = nlp.add_pipe("medspacy_context", config={"rules": "default"})
    extra = [ConTextRule(p, "NEGATED_EXISTENCE", direction="FORWARD") for p in NEGATIONS]
    extra += [
        ConTextRule(p, "NEGATED_EXISTENCE", direction="BACKWARD", max_scope=3) for p in BACKWARD_NEGATIONS
    ]
    extra += [
        ConTextRule(p, "NEGATED_EXISTENCE", direction="BIDIRECTIONAL", max_scope=3)
        for p in BOTH_WAYS_NEGATIONS
    ]
    extra += [
        ConTextRule(p, "TERMINATE", direction="TERMINATE")
        for p in (";", "but", "however", "though", "although", "apart from", "except")
    ]
    extra += [
        ConTextRule(p, "POSSIBLE_EXISTENCE", direction="BIDIRECTIONAL", max_scope=4)
        for p in ("not sure", "unsure", "don't know", "unclear", "no idea", "not certain", "?")
    ]
    # "as a child" dates the patient's own history; ConText's default reads "child" as family
    extra += [
        ConTextRule(p, "HISTORICAL", direction="BIDIRECTIONAL")
        for p in (
            "as a child",
            "as a kid",
            "in childhood",
            "as a teenager",
            "as a teen",
            "when he was a child",
            "when she was a child",
            "when he was a kid",
            "when she was a kid",
        )
    ]
    context.add(extra)
    words = sorted({w for r in rules for w in r.phrase.split() if len(w) >= 5 and w.isalpha()})
    return Model(
        nlp=nlp,
        rules=keyed,
        topic_words={k: tuple(str(w).lower() for w in v) for k, v in raw["topic_words"].items()},
        choices=raw["choices"],
        drug_rules=drug_rules,
        steroids=steroids,
        steroid_limit=float(raw["steroids"]["limit_mg"]),
        windows=raw["windows"],
        bare={k: tuple(str(w).lower() for w in v) for k, v in _keys(raw["bare"]).items()},
        bare_alone={k: tuple(str(w).lower() for w in v) for k, v in _keys(raw["bare_alone"]).items()},
        command_words={k: tuple(str(w).lower() for w in v) for k, v in raw["command_words"].items()},
        vocabulary=words,
    )


def _correct_typos(text: str, m: Model) -> str:
    """Misspelt topic words ("tuberculossis", "ascities") read as the word they miss."""
    known = set(m.vocabulary)

    def fix(match: re.Match[str]) -> str:
        w = match.group(0)
        lw = w.lower()
        if len(lw) < 7 or lw in known:  # short words are too often other real words
            return w
        close = difflib.get_close_matches(lw, m.vocabulary, n=1, cutoff=0.86)
        return close[0] if close else w

    return re.sub(r"[A-Za-z]+", fix, text)


def looks_like(intent: str, text: str) -> bool:
    """Whether a message holds a word of the command the NLU took it for (en_topics.yaml)."""
    words = model().command_words.get(intent)
    if words is None:
        return True  # greetings, thanks, out of scope: the classifier decides alone
    t = text.lower()
    return any(re.search(rf"(?<![\w]){re.escape(w)}", t) if w[0].isalnum() else w in t for w in words)


def bare(text: str) -> str | None:
    """yes | no | not_sure when the message opens with a bare reply word, else None."""
    kind, _ = _bare(text, model())
    return "not_sure" if kind == "unsure" else kind


def _bare(text: str, m: Model) -> tuple[str | None, int]:
    """The leading yes / no / not-sure word(s) of a reply and how many tokens they take."""
    t = text.strip().lower()
    alone = t.rstrip(".!")
    for kind in ("yes", "no"):
        if alone in m.bare_alone.get(kind, ()):
            return kind, len(alone.split())
    for kind in ("unsure", "no", "yes"):
        for phrase in sorted(m.bare[kind], key=len, reverse=True):
            if t == phrase or re.match(rf"{re.escape(phrase)}(?=$|[\s,.;:!\-)])", t):
                return kind, len(phrase.split())
    return None, 0


def _topic_named(text_lower: str, m: Model, topic: str) -> bool:
    return any(
        re.search(rf"(?<![\w-]){re.escape(w)}(?![\w])", text_lower) for w in m.topic_words.get(topic, ())
    )


def _negated(ent: Any, spans: list[tuple[int, int]]) -> bool:
    """Negated by a modifier that is not part of another phrase: the "not" of "not a surgical
    candidate" belongs to that phrase and does not reach on to "three target lesions"."""
    for mod in ent._.modifiers:
        if not mod.category.startswith("NEGATED"):
            continue
        start, end = mod.modifier_span
        if not any(s <= start and end <= e and (s, e) != (ent.start, ent.end) for s, e in spans):
            return True
    return False


def _choice_value(qid: str, ent: Any, doc: Any, m: Model) -> str | None:
    """Severity words in the same clause as the finding (before it, or just after)."""
    spec = m.choices[qid]
    sent = ent.sent
    lo = max(sent.start, ent.start - 5)
    hi = min(sent.end, ent.end + 5)
    window = " " + " ".join(t.lower_ for t in doc[lo:hi]) + " "
    hits = set()
    for grade, words in spec["grades"].items():
        for w in sorted(words, key=len, reverse=True):
            if f" {str(w).lower()} " in window:
                hits.add(grade)
                break
    if len(hits) == 1:
        return hits.pop()
    return None


def _steroid_dose(ent: Any, doc: Any, m: Model) -> float | None:
    tail = doc[ent.end : min(len(doc), ent.end + 4)].text.lower()
    dose = re.match(r"\s*(\d+(?:\.\d+)?)\s*mg", tail)
    if not dose:
        return None
    return float(dose.group(1)) * m.steroids.get(ent.text.lower(), 1.0)


def extract(text: str, pending: str | None, audience: str, as_of: date) -> list[Finding]:
    m = model()
    t = text.strip()
    kind, size = _bare(t, m)
    lead = " ".join(t.split()[:size]).rstrip(",.;:!-)")
    after = t[len(lead) :]
    if kind and after[:1] in (",", ".", ";", ":", "!", "-", ")") and after[1:].strip():
        # "no, he is resectable": the leading word answers the pending question; a negation
        # does not reach past its comma into the rest of the message
        found = _read(after[1:], pending, as_of, m)
        return _for_audience(_one_per_question(_pending_reply(found, lead, pending, m)), audience)
    return _for_audience(
        _one_per_question(_pending_reply(_read(text, pending, as_of, m), text, pending, m)), audience
    )


def _for_audience(findings: list[Finding], audience: str) -> list[Finding]:
    from actions.vocab import vocab

    qs = vocab().questions
    return [f for f in findings if f.question_id not in qs or audience in qs[f.question_id].audience]


def _read(text: str, pending: str | None, as_of: date, m: Model) -> list[Finding]:
    clean = _correct_typos(text, m)
    doc = m.nlp(clean)
    lower = clean.lower()
    found: list[tuple[int, Finding, Rule | None]] = []
    unsure_msg = bool(UNSURE_WORDS.search(lower))
    spans = [(e.start, e.end) for e in doc.ents]
    for ent in doc.ents:
        rule = m.rules.get(ent.label_)
        if rule is None:
            continue
        if rule.phrase in CAPITALS_ONLY and ent.text != ent.text.upper():
            continue
        if getattr(ent._, "is_family", False):
            continue  # "mother had breast cancer": not the patient's
        if rule.phrase in TRIAL_DRUGS and TRIAL_WORDS.search(lower):
            continue  # "the toripalimab + lenvatinib trial" names the study, not a prior treatment
        if rule.generic and any(t.lower_ in LIVER_WORDS for t in doc[max(0, ent.start - 3) : ent.start]):
            continue  # "bile duct cancer", "this cancer": the tumour being screened
        negated = _negated(ent, spans)
        if rule.stated == "steroid":
            dose = _steroid_dose(ent, doc, m)
            if negated:
                value: Any = "no"
            elif dose is None:
                continue  # a steroid without a dose does not settle the 10 mg limit
            else:
                value = "yes" if dose > m.steroid_limit else "no"
        elif ent._.is_uncertain:
            if not unsure_msg:
                continue  # hedged ("possible ascites"): not an answer
            value = "not_sure"
        elif rule.stated == "present":
            value = "none" if negated else _choice_value(rule.question_id, ent, doc, m)
            if value is None:
                if pending == rule.question_id:
                    continue  # "yes, ascites": the severity is still to be asked
                continue
        else:
            value = rule.negated if negated else rule.stated
            if value is None:
                continue
        found.append((ent.start_char, Finding(rule.question_id, value, ent.text, negated), rule))

    findings = _keep_only_with(found, pending, lower, m)
    dated = _windows(findings, clean, pending, as_of, m)
    # a dated mention of a window topic ("GI bleed in 2021") is answered by its date
    findings = [f for f in findings if f.question_id not in {d.question_id for d in dated}] + dated
    for q in quantities.find(clean):
        findings.append(Finding(q.question_id, q.value, q.words, False))
    bp = quantities.blood_pressure(clean)
    if bp is not None and (pending == "bp_controlled" or _topic_named(lower, m, "bp")):
        words, controlled = bp
        findings.append(Finding("bp_controlled", "yes" if controlled else "no", words, False))
    return findings


def _keep_only_with(
    found: list[tuple[int, Finding, Rule | None]], pending: str | None, lower: str, m: Model
) -> list[Finding]:
    plain = {f.question_id for _, f, r in found if r is None or not r.only_with}
    out: list[Finding] = []
    for _, f, r in sorted(found, key=lambda x: x[0]):
        if r is not None and r.only_with:
            ok = pending in r.only_with or any(q in plain for q in r.only_with)
            ok = ok or any(o.startswith("topic:") and _topic_named(lower, m, o[6:]) for o in r.only_with)
            if not ok:
                continue
        out.append(f)
    return out


def _windows(findings: list[Finding], text: str, pending: str | None, as_of: date, m: Model) -> list[Finding]:
    """A dated mention decides a window question ("TB in 2019" -> not within the last year)."""
    out: list[Finding] = []
    times = timewords.find(text, as_of)
    if not times:
        return out
    for qid, spec in m.windows.items():
        topic_stated = any(f.question_id == spec["topic"] and f.value == "yes" for f in findings)
        if pending != qid and not topic_stated:
            continue
        decided = {w.within(as_of, int(spec["days"])) for _, w in times} - {None}
        if len(decided) == 1:
            inside = decided.pop()
            words = "; ".join(w.words for _, w in times)
            out.append(Finding(qid, "yes" if inside else "no", words, False))
    return out


def _pending_reply(findings: list[Finding], text: str, pending: str | None, m: Model) -> list[Finding]:
    """A bare yes / no / not sure, or a bare number, answers the pending question, unless the
    message already answers it by topic. A leading "no" that a negation rule bound to another
    topic ("no ascites either") is that topic's, not the pending question's."""
    if not pending or any(f.question_id == pending for f in findings):
        return findings
    from actions.vocab import vocab

    q = vocab().questions.get(pending)
    if q is None:
        return findings
    kind, size = _bare(text, m)
    rest = text.strip().split()[size:]
    qtype = q.type
    if qtype == "number":
        n = quantities.bare_number(text)
        if n is None:
            n = quantities.single_number(text, q.range)
        if n is not None:
            n = int(n) if n.is_integer() and pending in ("ecog_score", "age_years") else n
            return [*findings, Finding(pending, n, text.strip(), False)]
        if kind == "unsure":
            return [*findings, Finding(pending, "not_sure", text.strip(), False)]
        return findings
    if kind is None:
        return findings
    lead = " ".join(text.strip().split()[:size])
    # "no ascites": the leading word is that topic's negation when a finding starts right after it
    first_other = min((text.lower().find(f.words.lower()) for f in findings if f.words), default=-1)
    if kind in ("no", "yes") and first_other >= 0:
        head = text.lower()[:first_other]
        if re.fullmatch(
            rf"\s*{re.escape(lead.lower())}\s*(?:(?:any|prior|previous|history of|h/o|hx of|known|"
            r"signs? of|evidence of|significant|clinical|active|the|a)\s*)*",
            head,
        ):
            return findings
    if kind == "unsure":
        value: Any = "not_sure"
    elif qtype == "choice":
        if kind != "no":
            return findings  # "yes" says nothing about how severe
        value = "none"
    else:
        value = kind
    del rest
    return [*findings, Finding(pending, value, lead, kind == "no")]


def _one_per_question(findings: list[Finding]) -> list[Finding]:
    """One finding per question; two that disagree say nothing certain, so neither is kept."""
    by: dict[str, list[Finding]] = {}
    for f in findings:
        by.setdefault(f.question_id, []).append(f)
    out: list[Finding] = []
    for fs in by.values():
        values = {str(f.value) for f in fs}
        if len(values) == 1:
            out.append(fs[0])
    return out
