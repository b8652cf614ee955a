"""A Chinese message -> the answers it gives, each with the words it came from.

The message is cut into clauses (，。；! ? and 但/不过/而且...), so each topic keeps its own
negation: "无腹水，肝性脑病2级" is ascites none and encephalopathy grade 1-2. Within a clause a
cue before a mention ("没用过可瑞达"), after it ("HIV阴性", "结核：无"), or one cue over a list
("无结核、自身免疫病") negates it. A clause that names no topic answers the question being asked
("是的", "没有", "三年前", "65公斤"). Hedged clauses ("好像有") give nothing; "不清楚" gives
not_sure. Values follow tests/heldout/FORMAT.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from actions.understand_zh.finding import Finding
from actions.understand_zh.lexicon import LATIN, Entry, Lexicon, lexicon
from actions.understand_zh.numbers import NUMBER, parse_number
from actions.understand_zh.timewords import TimeSpan, find_times, within

LB_TO_KG = 0.45359237
TB_CHAIN = ("tb_ever", "tb_within_year", "tb_fully_treated", "tb_still_active")
CLAUSE_SPLIT = re.compile(r"[，,。；;！!？?\n]+|但是|但|不过|可是|然而|而且|并且|此外|另外")
PARTICLES = "啊呀吧呢哦嘛了的啦哈嗯喔噢~～ 　.。!！"
UNSURE_RX = re.compile(r"不[太大是很怎么]{0,3}(?:清楚|确定|知道|记得|了解|肯定|懂)")
# Affirming verbs: a clause with one of these and no cue says "yes" to the question asked.
YES_VERBS = re.compile(
    r"(?:有过|得过|用过|打过|做过|吃过|患过|确诊过|查出过|有的|有|是|对|会|能|愿意|同意|可以)"
)

ECOG_RX = re.compile(
    rf"(?:ecog|ps|体力状况|体力状态|体能状态|体力评分|体能评分|体力)\s*(?:评分|分级|评级|分)?\s*[:：为是=]?\s*"
    rf"(?P<n>{NUMBER})(?!\s*(?:[-~～到至]|kg|公斤|斤|岁|年|个月|月))"
)
WEIGHT_RX = re.compile(rf"(?P<n>{NUMBER})\s*(?P<u>公斤|千克|kg|kgs|斤|磅|lbs|lb)(?![a-z])")
WEIGHT_BARE_RX = re.compile(rf"体重\s*(?:大概|大约|约|是|为|有)?\s*[:：]?\s*(?P<n>{NUMBER})(?!\s*[岁年])")
AGE_RX = re.compile(rf"(?P<n>{NUMBER})\s*(?:周岁|岁)")
AGE_BARE_RX = re.compile(rf"(?:年龄|今年)\s*(?:是|为|有)?\s*[:：]?\s*(?P<n>{NUMBER})(?!\s*[年月天])")
BORN_RX = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年?\s*(?:出生|生人|生的|年生)")
DOSE_RX = re.compile(rf"(?P<n>{NUMBER})\s*(?:mg|毫克)")


@dataclass(frozen=True)
class Text:
    """The normalised message (NFKC, lower case) and where each of its characters came from."""

    norm: str
    origin: list[int]
    raw: str

    @classmethod
    def of(cls, raw: str) -> Text:
        out: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(raw):
            n = unicodedata.normalize("NFKC", ch).lower()
            out.append(n)
            origin += [i] * len(n)
        return cls("".join(out), origin, raw)

    def words(self, start: int, end: int) -> str:
        if start >= end:
            return ""
        return self.raw[self.origin[start] : self.origin[end - 1] + 1].strip()


@dataclass(frozen=True)
class Mention:
    entry: Entry
    start: int  # message offsets
    end: int


def _mentions(t: str, a: int, b: int, lex: Lexicon) -> list[Mention]:
    """Leftmost-longest phrases of the lexicon in t[a:b]; Latin words only as whole words."""
    found: list[Mention] = []
    i = a
    while i < b:
        hit = None
        for n in range(min(lex.longest, b - i), 0, -1):
            phrase = t[i : i + n]
            entry = lex.phrases.get(phrase)
            if entry is None:
                continue
            if LATIN.search(phrase) and (
                (i > 0 and LATIN.match(t[i - 1])) or (i + n < len(t) and LATIN.match(t[i + n]))
            ):
                continue
            if any(t[max(a, i - len(p)) : i] == p for p in lex.not_after.get(phrase, ())):
                continue
            hit = Mention(entry, i, i + n)
            break
        if hit:
            found.append(hit)
            i = hit.end
        else:
            i += 1
    return found


def _has_cue(gap: str, lex: Lexicon) -> int:
    """Offset in gap of a negation cue, or -1 (question forms like 有没有 are not cues)."""
    for q in lex.not_negation:
        gap = gap.replace(q, "#" * len(q))
    gap = UNSURE_RX.sub(lambda m: "#" * len(m.group(0)), gap)
    best = -1
    for cue in lex.negation:
        k = gap.find(cue)
        if k >= 0 and (not LATIN.search(cue) or _whole_word(gap, k, len(cue))):
            best = k if best < 0 else min(best, k)
    return best


def _whole_word(s: str, k: int, n: int) -> bool:
    return (k == 0 or not LATIN.match(s[k - 1])) and (k + n >= len(s) or not LATIN.match(s[k + n]))


def _only_connectors(gap: str, lex: Lexicon) -> bool:
    rest = gap
    for c in sorted(lex.connectors, key=len, reverse=True):
        rest = rest.replace(c, "")
    return not rest.strip(" :：")


def _starts_with(s: str, words: list[str]) -> str | None:
    s = s.lstrip(" :：")
    for w in words:
        if s.startswith(w) and (not LATIN.search(w) or _whole_word(s, 0, len(w))):
            return w
    return None


def _unsure(s: str, lex: Lexicon) -> bool:
    return bool(UNSURE_RX.search(s)) or any(
        (w in s) if not LATIN.search(w) else bool(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", s))
        for w in lex.replies["unsure"]
    )


def _grade(s: str, grades: dict[str, list[str]]) -> str | None:
    hits = {choice for choice, words in grades.items() if any(w in s for w in words)}
    return hits.pop() if len(hits) == 1 else None


class _Reader:
    """One message read against one pending question, audience and date."""

    def __init__(self, text: str, pending: str | None, audience: str, as_of: date) -> None:
        self.t = Text.of(text)
        self.s = self.t.norm
        self.pending = pending
        self.audience = audience
        self.as_of = as_of
        self.lex = lexicon()
        self.out: dict[str, Finding] = {}
        self.times = find_times(self.s, as_of)

    # -- results ---------------------------------------------------------------------------
    def add(self, qid: str, value: Any, start: int, end: int, negated: bool) -> None:
        if qid not in self.lex.questions or self.audience not in self.lex.audience_of(qid):
            return
        # The first statement about a question stands; a later one does not overwrite it.
        self.out.setdefault(qid, Finding(qid, value, self.t.words(start, end), negated))

    # -- the message -----------------------------------------------------------------------
    def clauses(self) -> list[tuple[int, int]]:
        spans, last = [], 0
        for m in CLAUSE_SPLIT.finditer(self.s):
            spans.append((last, m.start()))
            last = m.end()
        spans.append((last, len(self.s)))
        return [(a, b) for a, b in spans if self.s[a:b].strip()]

    def read(self) -> list[Finding]:
        self.numbers()
        answered_pending = self.pending in self.out
        for a, b in self.clauses():
            clause = self.s[a:b]
            mentions = _mentions(self.s, a, b, self.lex)
            if any(h in clause for h in self.lex.hedges) and not _unsure(clause, self.lex):
                continue
            if mentions:
                self.topics(a, b, mentions)
            elif not answered_pending and self.pending:
                answered_pending = self.bare(a, b)
        self.tb_follow_ups()
        return list(self.out.values())

    # -- numbers: ECOG, weight, age ----------------------------------------------------------
    def numbers(self) -> None:
        s = self.s
        for m in ECOG_RX.finditer(s):
            n = parse_number(m.group("n"))
            if n is not None and float(n).is_integer() and 0 <= n <= 5:
                self.add("ecog_score", int(n), m.start(), m.end(), False)
        for m in WEIGHT_RX.finditer(s):
            kg = self.kg(m.group("n"), m.group("u"))
            if kg is not None:
                self.add("weight_kg", kg, m.start(), m.end(), False)
        for m in WEIGHT_BARE_RX.finditer(s):
            kg = self.kg(m.group("n"), "kg")
            if kg is not None:
                self.add("weight_kg", kg, m.start(), m.end(), False)
        for m in list(AGE_RX.finditer(s)) + list(AGE_BARE_RX.finditer(s)):
            n = parse_number(m.group("n"))
            if n is not None and float(n).is_integer() and 0 <= n <= 120:
                self.add("age_years", int(n), m.start(), m.end(), False)
        for m in BORN_RX.finditer(s):
            years = self.as_of.year - int(m.group("y"))
            if 0 <= years <= 120:
                self.add("age_years", years, m.start(), m.end(), False)

    def kg(self, number: str, unit: str) -> float | None:
        n = parse_number(number)
        if n is None:
            return None
        kg = {"斤": 0.5, "磅": LB_TO_KG, "lb": LB_TO_KG, "lbs": LB_TO_KG}.get(unit, 1.0) * float(n)
        kg = round(kg, 1)
        lo, hi = self.lex.questions["weight_kg"].get("range", [25, 250])
        if not lo <= kg <= hi:
            return None
        return int(kg) if kg.is_integer() else kg

    # -- clauses that name topics ----------------------------------------------------------
    def topics(self, a: int, b: int, mentions: list[Mention]) -> None:
        s, lex = self.s, self.lex
        clause = s[a:b]
        unsure = _unsure(clause, lex)
        prev_end, prev_negated = a, False
        for k, m in enumerate(mentions):
            nxt = mentions[k + 1].start if k + 1 < len(mentions) else b
            gap = s[prev_end : m.start]
            cue = _has_cue(gap, lex)
            post = s[m.end : nxt]
            post_neg = _starts_with(post, lex.post_negation)
            post_pos = _starts_with(post, lex.post_positive)
            start, end = (prev_end + cue if cue >= 0 else m.start), m.end
            if m.entry.fixed:
                negated = m.entry.value == "no" and _has_cue(s[m.start : m.end], lex) >= 0
            elif cue >= 0:
                negated = True
            elif post_neg:
                negated, end = True, m.end + len(post) - len(post.lstrip(" :：")) + len(post_neg)
            elif post_pos:
                negated = False
            else:
                negated = prev_negated and k > 0 and _only_connectors(gap, lex)
            prev_end, prev_negated = m.end, negated
            self.mention(m, negated, unsure, clause, start, end, a, b)

    def mention(self, m: Mention, negated: bool, unsure: bool, clause: str,
                start: int, end: int, a: int, b: int) -> None:  # fmt: skip
        e, qid = m.entry, m.entry.qid
        if unsure and not e.fixed:
            value: Any = "not_sure"
            if qid == "tb_ever" and self.pending in TB_CHAIN and self.pending != "tb_ever":
                qid = self.pending
            self.add(qid, value, start, end, False)
            return
        if qid in ("ascites", "encephalopathy"):
            grades = self.lex.ascites_grades if qid == "ascites" else self.lex.encephalopathy_grades
            if negated:
                self.add(qid, "none", start, end, True)
            else:
                around = self.s[a : m.start] + " " + self.s[m.end : b]
                grade = _grade(around, grades)
                if grade:
                    self.add(qid, grade, a, b, False)
            return
        if e.drug_class:
            self.drug(m, negated, clause, start, end, a, b)
            return
        value = e.value
        if negated and not e.fixed:
            value = "no" if value == "yes" else "yes"
        if qid == "recent_bleeding" and value == "yes":
            decided = self.time_decides("bleeding")
            if decided is None and self.pending != "recent_bleeding" and not self.recent_words(clause):
                return
            value = "yes" if decided in (None, True) else "no"
        if qid == "ecog_activity" and self.audience != "patient":
            return
        if qid == "tb_ever" and self.pending in TB_CHAIN[1:] and not negated:
            # "结核是三年前的事" while asking a follow-up: the mention restates the history.
            self.add("tb_ever", "yes", start, end, False)
            return
        if qid == "immunosuppression" and value == "yes" and self.pending != "immunosuppression":
            # "用过激素" is not long-term use: only a statement of ongoing use answers it.
            if not re.search(r"长期|一直|每天|持续|在用|在吃|正在", clause):
                return
        self.add(qid, value, start, end, negated)

    def recent_words(self, clause: str) -> bool:
        return bool(re.search(r"最近|近期|近来|刚|这几天|前几天", clause))

    def drug(self, m: Mention, negated: bool, clause: str, start: int, end: int, a: int, b: int) -> None:
        cls, qid = m.entry.drug_class, m.entry.qid
        if cls == "platinum":
            if "过敏" not in clause:
                return
            allergy_negated = negated or bool(re.search(r"(?:没|无|未|不|否认)[^，]{0,3}过敏", clause))
            self.add(qid, "no" if allergy_negated else "yes", start, max(end, b), allergy_negated)
            return
        if cls == "systemic_steroid":
            if negated:
                self.add(qid, "no", start, end, True)
                return
            dose = DOSE_RX.search(self.s, m.end, b)
            name = self.s[m.start : m.end]
            per5 = self.lex.steroid_equivalents.get(name)
            if dose and per5:
                mg = parse_number(dose.group("n"))
                if mg is not None:
                    pred = float(mg) * 5.0 / per5
                    over = pred > self.lex.max_prednisone_mg
                    self.add(qid, "yes" if over else "no", start, dose.end(), False)
            return
        self.add(qid, "no" if negated else "yes", start, end, negated)

    # -- time phrases ----------------------------------------------------------------------
    def time_decides(self, window: str) -> bool | None:
        days = self.lex.windows[window]
        verdicts = {within(t, self.as_of, days) for t in self.times}
        verdicts.discard(None)
        return verdicts.pop() if len(verdicts) == 1 else None

    def time_span(self) -> TimeSpan | None:
        return self.times[0] if self.times else None

    def tb_follow_ups(self) -> None:
        tb = self.out.get("tb_ever")
        in_chain = (tb is not None and tb.value == "yes") or (
            self.pending in TB_CHAIN and (tb is None or tb.value != "no")
        )
        if not in_chain:
            return
        s, lex = self.s, self.lex
        decided = self.time_decides("tuberculosis")
        span = self.time_span()
        if decided is not None and span is not None:
            k = s.find(span.words)
            self.add("tb_within_year", "yes" if decided else "no", k, k + len(span.words), False)
        follow_ups = (("tb_fully_treated", lex.tb_fully_treated), ("tb_still_active", lex.tb_still_active))
        for qid, words in follow_ups:
            for value in ("no", "yes"):  # "没治完" before "治" words: the negative phrases are longer
                hit = next((w for w in words[value] if w in s), None)
                if hit:
                    k = s.find(hit)
                    self.add(qid, value, k, k + len(hit), value == "no" and _has_cue(hit, lex) >= 0)
                    break

    # -- a clause that names no topic answers the pending question ---------------------------
    def bare(self, a: int, b: int) -> bool:
        qid, lex = self.pending, self.lex
        assert qid is not None
        clause = self.s[a:b]
        stripped = clause.strip(PARTICLES + "，,:：")
        q = lex.questions.get(qid, {})
        qtype = q.get("type", "yes_no")
        if _unsure(clause, lex):
            self.add(qid, "not_sure", a, b, False)
            return True
        none_of = stripped in lex.replies["none_of_these"]
        no_word = _starts_with(stripped, sorted(lex.replies["no"], key=len, reverse=True))
        yes_word = _starts_with(stripped, sorted(lex.replies["yes"], key=len, reverse=True))
        if qtype == "number":
            n = re.search(NUMBER, stripped)
            if not n:
                return False
            value = parse_number(n.group(0))
            if value is None:
                return False
            if qid == "weight_kg":
                unit = re.search(r"公斤|千克|kg|斤|磅|lb", stripped)
                kg = self.kg(n.group(0), unit.group(0) if unit else "kg")
                if kg is None:
                    return False
                self.add(qid, kg, a, b, False)
                return True
            lo, hi = q.get("range", [0, 120])
            if float(value).is_integer() and lo <= value <= hi:
                self.add(qid, int(value), a, b, False)
                return True
            return False
        if qtype == "choice":
            grades = lex.ascites_grades if qid == "ascites" else lex.encephalopathy_grades
            if none_of or no_word:
                self.add(qid, "none", a, b, True)
                return True
            grade = _grade(stripped, grades)
            if grade:
                self.add(qid, grade, a, b, False)
                return True
            return False
        # yes/no: a bare word, a time phrase for the windowed questions, or a verb with or without a cue
        if none_of or no_word:
            self.add(qid, "no", a, b, True)
            return True
        if qid in TB_CHAIN or qid == "recent_bleeding":
            if any(self.s.find(t.words, a, b) >= 0 for t in self.times):
                if qid == "recent_bleeding":
                    decided = self.time_decides("bleeding")
                    if decided is not None:
                        self.add(qid, "yes" if decided else "no", a, b, False)
                        return True
                elif qid in ("tb_ever", "tb_within_year"):
                    if qid == "tb_ever":
                        self.add("tb_ever", "yes", a, b, False)
                    return True  # tb_within_year comes from tb_follow_ups
        if yes_word:
            self.add(qid, "yes", a, b, False)
            return True
        if qid in TB_CHAIN[2:]:
            return False  # their answers come from tb_follow_ups' words
        cue = _has_cue(stripped, lex)
        if cue >= 0 and YES_VERBS.search(stripped[cue:]) or cue == 0:
            self.add(qid, "no", a, b, True)
            return True
        if YES_VERBS.search(stripped):
            self.add(qid, "yes", a, b, False)
            return True
        return False


def extract(text: str, pending: str | None, audience: str, as_of: date) -> list[Finding]:
    """Every answer the message gives, for the audience's questions (FORMAT.md values)."""
    if not text or not text.strip():
        return []
    return _Reader(text, pending, audience, as_of).read()
