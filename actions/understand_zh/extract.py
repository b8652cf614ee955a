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

from actions.understand_zh import quantities
from actions.understand_zh.finding import Finding
from actions.understand_zh.lexicon import LATIN, Entry, Lexicon, lexicon
from actions.understand_zh.numbers import NUMBER, parse_number
from actions.understand_zh.timewords import TimeSpan, find_times, within
from eligibility.trial import load_trial

# Ward names of steroids -> the name the trial's prednisone equivalents use.
STEROID_ALIASES = {"强的松": "泼尼松", "甲强龙": "甲泼尼龙", "美卓乐": "甲泼尼龙", "地米": "地塞米松"}
RECENT = re.compile(r"最近|近期|近来|刚刚|刚才|前几天|这几天|前些天|这段时间|目前|现在|正在|当前")
TB_CHAIN = ("tb_ever", "tb_within_year", "tb_fully_treated", "tb_still_active")
CLAUSE_SPLIT = re.compile(r"[，,。；;！!？?\n]+|但是|但|不过|可是|然而|而且|并且|此外|另外")
PARTICLES = "啊呀吧呢哦嘛了的啦哈嗯喔噢~～ 　.。!！"
UNSURE_RX = re.compile(
    r"不[太大是很怎么]{0,3}(?:清楚|确定|知道(?!为什么)|记得|了解|肯定)|说不[好准清]|记不[太大]?[清得住]"
)
# Affirming verbs: a clause with one of these and no cue says "yes" to the question asked.
YES_VERBS = re.compile(r"(?:有过|得过|用过|打过|做过|吃过|患过|确诊过|查出过|有的|有|愿意|同意)")
# Where a clause's verb may stand: after a short subject or time ("我之前用过", "外院打过").
VERB_WITHIN = 4
# A message that asks something back, gives a command or talks about the chat itself answers
# nothing, even when it names a topic ("为什么问结核", "可瑞达是什么药？", "换一个病人").
QUESTION_BACK = re.compile(
    r"(?<!不知道)(?:为什么|为啥|为何)|干嘛|什么意思|啥意思|指什么|指的是|怎么定义|什么是|什么叫|啥叫|有啥关系|"
    r"有什么关系|怎么算|如何|(?:是什么|是啥)\s*(?:药|病|东西|意思)?\s*[?？]?\s*$"
)
# A question to the assistant, unless it is a screening request ("58岁ICC患者，能入组吗？").
ASKS = re.compile(r"(?:吗|呢)\s*[?？]?\s*$|[?？]\s*$")
COMMAND = re.compile(
    r"重来|重新开始|从头|另一个病人|另一位|下一个病人|换一个病人|换个病人|先不管|帮我看|帮我筛|筛一下|筛下|能否入组|能入组|"
    r"入组吗|入组的|试验|这个研究|那个研究|能报吗|中文|英文|英语|不想做了|不做了|不想继续|不筛了|算了"
)
CORRECTION = re.compile(r"改一下|修改|更正|说错|答错|搞错|填错|错了|是错的|纠正|回到上一题")
# "结核那个回答": the topic is named as a reference, not stated.
REFERENCE_AFTER = ("那个", "那题", "那一题", "的回答", "的答案", "那条", "这题", "这个问题")
FAMILY = re.compile(
    r"我妈|我爸|母亲|父亲|老伴|爱人|老公|老婆|家里人|家人|亲戚|哥哥|姐姐|弟弟|妹妹|儿子|女儿|奶奶|爷爷|家族"
)
# Words between a topic and its result: "HIV抗体阴性", "结核史(-)", "HIV，阴性".
POST_FILLER = re.compile(r"^\s*(?:病史|史|抗体|检测|结果|筛查|检查|化验|是|为|呈|都|也|均)*[\s:：，,]*")
# Blood pressure written as numbers: "130/80".
BP_RX = re.compile(r"(?<!\d)(?P<sys>\d{2,3})\s*/\s*(?P<dia>\d{2,3})(?!\d)")
NONE_LIKE = re.compile(
    r"(?:这些|这几|上面|以上|列的|上述|你说的|那些|除了).{0,8}(?:都|均|全|一个|一种|一样|一项)(?:都)?(?:没|无|不是|否)"
)
# Who a bare reply is about, before its verb: "我没有", "他用过", "患者从来没有".
SUBJECT = re.compile(r"^(?:我|他|她|患者|病人|本人|自己)?(?:也|都|还|就|从来|一直|之前|以前|曾经)*")
USED = re.compile(r"用过|打过|用了|打了|做过|接受过|治疗过")
STOPPED = re.compile(r"停了|已停|停用|停药|已经停|已控制|控制住了|治好|已好|好了|痊愈|已愈")

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
        old = self.out.get(qid)
        # The first statement about a question stands, except that a definite answer replaces
        # "not sure", a limit on activity outweighs "can do housework" (ECOG 0 means no limit),
        # and tissue is available when either stored tissue or a new biopsy is.
        if old is None or (
            (old.value == "not_sure" and value != "not_sure")
            or (qid == "ecog_activity" and value == "no")
            or (qid == "tissue_available" and value == "yes")
        ):
            self.out[qid] = Finding(qid, value, self.t.words(start, end), negated)

    # -- the message -----------------------------------------------------------------------
    def clauses(self) -> list[tuple[int, int]]:
        spans, last = [], 0
        for m in CLAUSE_SPLIT.finditer(self.s):
            spans.append((last, m.start()))
            last = m.end()
        spans.append((last, len(self.s)))
        return [(a, b) for a, b in spans if self.s[a:b].strip()]

    def read(self) -> list[Finding]:
        command, correction = bool(COMMAND.search(self.s)), bool(CORRECTION.search(self.s))
        if QUESTION_BACK.search(self.s) or (ASKS.search(self.s) and not command):
            return []
        self.numbers()
        spans = self.clauses()
        found = [_mentions(self.s, a, b, self.lex) for a, b in spans]
        bare = []
        for k, (a, b) in enumerate(spans):
            clause, mentions = self.s[a:b], found[k]
            if any(h in clause for h in self.lex.hedges) and not _unsure(clause, self.lex):
                continue
            if mentions:
                # A short clause after it that names nothing may finish it: "肝昏迷，三期", "HIV，阴性".
                nxt = spans[k + 1][1] if k + 1 < len(spans) and not found[k + 1] else b
                self.topics(a, b, mentions, nxt, command)
            elif not mentions:
                bare.append((a, b))
        # What the message states about named topics comes first; the clauses that name nothing
        # answer the question asked only if nothing else did.
        if self.pending and not command and not correction and self.pending not in self.out:
            unsure = next(((a, b) for a, b in bare if _unsure(self.s[a:b], self.lex)), None)
            if unsure:  # "这个没问过，不清楚": the doubt is the answer
                self.add(self.pending, "not_sure", unsure[0], unsure[1], False)
            for a, b in bare:
                if self.pending in self.out or self.bare(a, b):
                    break
        self.pending_specific()
        self.blood_pressure()
        self.tb_follow_ups()
        return list(self.out.values())

    # -- numbers: ECOG, weight, age (quantities.py) ------------------------------------------
    def numbers(self) -> None:
        for q in quantities.find(self.s, self.as_of, self.weight_range()):
            self.add(q.question_id, q.value, q.start, q.end, False)

    def weight_range(self) -> tuple[float, float]:
        lo, hi = self.lex.questions["weight_kg"].get("range", [25, 250])
        return lo, hi

    # -- clauses that name topics ----------------------------------------------------------
    def topics(self, a: int, b: int, mentions: list[Mention], after: int, command: bool = False) -> None:
        s, lex = self.s, self.lex
        clause = s[a:b]
        unsure = _unsure(clause, lex)
        prev_end, prev_negated = a, False
        for k, m in enumerate(mentions):
            nxt = mentions[k + 1].start if k + 1 < len(mentions) else b
            gap = s[prev_end : m.start]
            cue = _has_cue(gap, lex)
            post = s[m.end : (after if k + 1 == len(mentions) else nxt)]
            post = POST_FILLER.sub("", post)
            post_neg = _starts_with(post, lex.post_negation)
            post_pos = _starts_with(post, lex.post_positive)
            start, end = (prev_end + cue if cue >= 0 else m.start), m.end
            if m.entry.fixed:
                negated = m.entry.value == "no" and _has_cue(s[m.start : m.end], lex) >= 0
            elif cue >= 0:
                negated = True
            elif post_neg:
                negated, end = True, s.find(post_neg, m.end) + len(post_neg)
            elif post_pos:
                negated = False
            else:
                negated = prev_negated and k > 0 and _only_connectors(gap, lex)
            prev_end, prev_negated = m.end, negated
            last = k + 1 == len(mentions)
            if s[m.end : m.end + 4].startswith(REFERENCE_AFTER) or FAMILY.search(s[a : m.start]):
                continue  # "结核那个回答", "我妈得过乳腺癌": not a statement about this patient
            trial_drug = m.entry.qid == "prior_checkpoint_inhibitor" and not USED.search(clause)
            if command and trial_drug and not negated:
                continue  # "筛一下能否入组特瑞普利单抗的试验": the trial's own drug, not a prior one
            self.mention(m, negated, unsure, clause, start, end, a, after if last else b)

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
        if e.value == "none":
            return  # a phrase that only keeps its words from being read as another topic
        value = e.value
        if negated and not e.fixed:
            value = "no" if value == "yes" else "yes"
        if qid == "active_infection" and value == "yes" and STOPPED.search(self.s, m.end, b):
            value, negated = "no", True  # "肺部感染已控制，抗生素已停"
        if qid == "recent_bleeding" and value == "yes":
            decided = self.time_decides("bleeding", a, a + len(clause))
            if decided is None and self.pending != "recent_bleeding" and not self.recent_words(clause):
                return
            value = "yes" if decided in (None, True) else "no"
        if qid == "ecog_activity" and self.audience != "patient":
            return
        if qid == "tb_ever" and self.pending in TB_CHAIN[1:] and not negated:
            return  # "结核药提前停了" while asking a follow-up: the history is known already
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
            if not re.search(r"过敏|疹|痒|休克|憋气|喉头水肿", clause):
                return
            allergy_negated = negated or bool(re.search(r"(?:没|无|未|不|否认)[^，]{0,3}过敏", clause))
            self.add(qid, "no" if allergy_negated else "yes", start, max(end, b), allergy_negated)
            return
        if cls != "checkpoint_inhibitor" and STOPPED.search(self.s, m.end, b):
            self.add(qid, "no", start, b, True)  # "低分子肝素上周已经停了": not current therapy
            return
        if cls == "systemic_steroid":
            if negated:
                self.add(qid, "no", start, end, True)
                return
            dose = DOSE_RX.search(self.s, m.end, b)
            name = self.s[m.start : m.end]
            per5 = self.lex.steroid_equivalents.get(STEROID_ALIASES.get(name, name))
            if dose and per5:
                mg = parse_number(dose.group("n"))
                if mg is not None:
                    pred = float(mg) * 5.0 / per5
                    over = pred > self.lex.max_prednisone_mg
                    self.add(qid, "yes" if over else "no", start, dose.end(), False)
            return
        self.add(qid, "no" if negated else "yes", start, end, negated)

    # -- time phrases ----------------------------------------------------------------------
    def time_decides(self, window: str, a: int = 0, b: int | None = None) -> bool | None:
        """The window verdict of the time phrases in s[a:b] (else of the whole message)."""
        days = self.lex.windows[window]
        local = [t for t in self.times if self.s.find(t.words, a, len(self.s) if b is None else b) >= 0]
        verdicts = {within(t, self.as_of, days) for t in (local or self.times)}
        verdicts.discard(None)
        return verdicts.pop() if len(verdicts) == 1 else None

    def pending_specific(self) -> None:
        """Answers that only mean something as a reply to one question."""
        s, qid = self.s, self.pending
        if qid == "not_pregnant" and qid not in self.out and re.search(r"男性|男的|男患者|是男|男士", s):
            self.add(qid, "no", 0, len(s), False)  # a man is neither pregnant nor breastfeeding
        if qid == "ild_pneumonitis" and re.search(r"没(?:有)?(?:用|吃|打)过?激素|不用激素", s):
            old = self.out.get(qid)
            if old is None or old.value == "yes":  # pneumonia without steroids is not what is asked
                self.out[qid] = Finding(qid, "no", self.t.words(0, len(s)), True)

    def blood_pressure(self) -> None:
        """"130/80" answers whether blood pressure is controlled below the trial's limits."""
        if self.pending != "bp_controlled" and not re.search(r"血压|bp", self.s):
            return
        m = BP_RX.search(self.s)
        if not m:
            return
        systolic, diastolic = int(m.group("sys")), int(m.group("dia"))
        if not (60 <= systolic <= 260 and 30 <= diastolic <= 160 and systolic > diastolic):
            return
        limit = load_trial().criterion("hypertension").params
        ok = systolic < limit.get("systolic", 140) and diastolic < limit.get("diastolic", 90)
        self.add("bp_controlled", "yes" if ok else "no", m.start(), m.end(), False)

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
        if self.pending == "tb_within_year" and _unsure(s, lex):
            self.add("tb_within_year", "not_sure", 0, len(s), False)  # "去年确诊的，几月不记得了"
        # "目前/最近" say when something is, not when TB was active, unless that is the question.
        if self.pending != "tb_within_year":
            self.times = [t for t in self.times if not RECENT.fullmatch(t.words)]
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
        # The longest reply word at the start decides: "没错" is yes although it starts with 没.
        replies = sorted(
            [(w, "no") for w in lex.replies["no"]] + [(w, "yes") for w in lex.replies["yes"]],
            key=lambda x: len(x[0]), reverse=True,
        )  # fmt: skip
        first = next((v for w, v in replies if _starts_with(stripped, [w])), None)
        no_word, yes_word = first == "no", first == "yes"
        if qid == "platinum_allergy" and re.search(r"对.{1,8}过敏", stripped) and not first:
            # "我就对青霉素过敏": another allergen named, no platinum drug (a mention would be)
            self.add(qid, "no", a, b, False)
            return True
        if qtype == "number":
            n = re.search(NUMBER, stripped)
            if not n:
                return False
            value = parse_number(n.group(0))
            if value is None:
                return False
            if qid == "weight_kg":
                unit = re.search(r"公斤|千克|kg|斤|磅|lb", stripped)
                kg = quantities.kg(n.group(0), unit.group(0) if unit else "kg", self.weight_range())
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
        if NONE_LIKE.search(stripped):  # "上面这些都没有", "除了乙肝都没有"
            self.add(qid, "no", a, b, True)
            return True
        subject = SUBJECT.match(stripped)
        rest = stripped[subject.end() if subject else 0 :]
        cue = _has_cue(rest, lex)
        if cue == 0:
            self.add(qid, "no", a, b, True)
            return True
        verb = YES_VERBS.match(rest)
        if verb and cue < 0:
            self.add(qid, "yes", a, b, False)
            return True
        return False


def extract(text: str, pending: str | None, audience: str, as_of: date) -> list[Finding]:
    """Every answer the message gives, for the audience's questions (FORMAT.md values)."""
    if not text or not text.strip():
        return []
    return _Reader(text, pending, audience, as_of).read()
