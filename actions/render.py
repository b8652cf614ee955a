"""What the assistant says: the opening summary, questions, the end of a screening, summaries,
"why" — one renderer for every language (issue 12).

Every word comes from the message catalogue of the conversation's language
(actions/messages/<lang>.yaml) or the trial's question texts (questions.yaml, questions.zh.yaml),
never from English fragments. Clinicians get clinical terms and evidence; patients get plain
language about their own screening and are told that the study team decides.

What differs by language besides the words, and why:
- reasons: English shows the engine's own reason strings; Chinese makes them from each
  criterion's evidence by `reporting` (the same words as `prescreen check --lang zh`), with
  dates as 2026年11月24日;
- evidence after a rule-out: English lists the evidence entries (their notes are the record's
  English text); other languages show the record references only (the reason already gives
  the values);
- the summary's answers: English names them by question id and stored value, as the
  clinician's summary always has; other languages by the catalogue's short labels and words.
"""

from __future__ import annotations

from typing import Any

from actions.language import (
    choice_word,
    criterion_label,
    question_text,
    question_why,
    sentences,
    value_word,
)
from actions.messages import say, text
from actions.screening import GROUPS, LIVER, TUMOUR, Screening
from actions.vocab import CHECKLIST, Vocab, vocab
from eligibility import CriterionResult, Question, Report

MAX_LISTED = 8


def _join(items: list[str], lang: str) -> str:
    return str(text("render.list_sep", lang)).join(items)


def _items(items: list[str], lang: str) -> str:
    return str(text("render.item_sep", lang)).join(items)


def _labelled(label: str, value: str, lang: str) -> str:
    return say("render.rules_out_item", lang, label=label, reason=value)


def _labels(ids: list[str], lang: str, limit: int = MAX_LISTED) -> str:
    names = [criterion_label(i, lang) for i in ids]
    if len(names) > limit:
        return say("render.and_more", lang, items=_join(names[:limit], lang), more=len(names) - limit)
    return _join(names, lang)


def reason(r: CriterionResult, report: Report, lang: str) -> str:
    """A criterion's reason in `lang`: the engine's own for English; else made from the evidence."""
    if lang != "zh":
        return r.reason
    from reporting import reason as reason_zh

    entry = next(c for c in report.to_dict()["criteria"] if c["id"] == r.id)
    return reason_zh(entry, report.as_of)


def date_in(iso: str, lang: str) -> str:
    if lang != "zh":
        return iso
    from reporting import date_zh

    return date_zh(iso)


def verdict_line(report: Report, lang: str) -> str:
    return say("render.verdict_line", lang, verdict=text("render.verdict_words", lang)[report.verdict])


def opening(record_report: Report, screening: Screening, questions: int) -> str:
    """Two or three lines on what the record settled, before the first question."""
    lang = screening.lang
    v = vocab()
    if screening.audience == "patient":
        return say("render.opening_patient_questions" if questions else "render.opening_patient_done", lang)
    crit = record_report.criteria
    settled = [r for r in crit if r.status in ("pass", "fail")]
    pending = [r for r in crit if r.status == "pending"]
    lines = [
        say(
            "render.opening_head",
            lang,
            patient=screening.patient_id,
            as_of=date_in(record_report.as_of, lang),
            settled=len(settled),
            total=len(crit),
            pending=len(pending),
        )
    ]
    labs = [r for r in crit if r.id in v.labs]
    lab_fail = [r for r in labs if r.status == "fail"]
    lab_unknown = [r for r in labs if r.status == "unknown"]
    if not lab_fail and not lab_unknown:
        lab_line = say("render.labs_ok", lang)
    else:
        parts = [say("render.lab_fail", lang, reason=reason(r, record_report, lang)) for r in lab_fail]
        parts += [
            say(
                "render.lab_repeat",
                lang,
                label=criterion_label(r.id, lang),
                reason=reason(r, record_report, lang),
            )
            for r in lab_unknown
        ]
        lab_line = say("render.labs", lang, items=_items(parts, lang))
    other_fail = [r for r in crit if r.status == "fail" and r.id not in v.labs]
    other_unknown = [r.id for r in crit if r.status == "unknown" and r.id not in v.labs]
    third = ""
    if other_fail:
        items = [
            _labelled(criterion_label(r.id, lang), reason(r, record_report, lang), lang) for r in other_fail
        ]
        third = say("render.rules_out", lang, items=_items(items, lang))
    elif other_unknown:
        third = say("render.not_settled", lang, items=_labels(other_unknown, lang))
        if questions:
            third = sentences(lang, third, say("render.to_go", lang, n=questions))
    lines.append(sentences(lang, lab_line, third))
    return "\n".join(lines)


def answer_format(q: Question, lang: str) -> str:
    if q.type == "number":
        return say("render.answer_number", lang)
    if q.type == "choice":
        return say(
            "render.answer_choice", lang, choices=" / ".join(choice_word(q.id, c, lang) for c in q.choices)
        )
    return say("render.answer_yes_no", lang)


def _numbered(template: str, who: str, names: dict[str, str], items: list[str] | None, lang: str) -> str:
    """A grouped question: its catalogue template with the items numbered one a line."""
    listed = "\n".join(f"{n}. {names.get(i, i)}" for n, i in enumerate(items or [], 1))
    return str(text(template, lang)).strip().format(patient=who, items=listed)


def question(qid: str, screening: Screening, items: list[str] | None = None, lang: str = "en") -> str:
    """A question's text; a clinician's names the patient it is about."""
    who = screening.patient_id
    if qid == CHECKLIST:
        return _numbered("render.checklist", who, text("checklist_items", lang), items, lang)
    if qid == TUMOUR:
        return _numbered("groups.tumour_checklist", who, text("groups.tumour_items", lang), items, lang)
    if qid == LIVER:
        return say("groups.liver_status", lang, patient=who)
    q = vocab().question(qid)
    wording = question_text(qid, screening.audience, lang) or q.wording(screening.audience)
    line = sentences(lang, wording, answer_format(q, lang))
    if screening.audience == "patient":
        return line
    return say("question_for", lang, patient=who, question=line)


def _evidence_entry(e: Any) -> str:
    if e.source in ("clinician", "patient"):
        note = (e.note or "").replace("answer to ", "")
        return f"{e.source} answered {note} = {e.value}"
    bits = [e.reference or e.source]
    if e.value is not None:
        bits.append(f"{e.value}{' ' + e.unit if e.unit else ''}")
    if e.date:
        bits.append(f"on {e.date}")
    if e.note and not e.reference:
        bits.append(e.note)
    return " ".join(str(b) for b in bits)


def _evidence(r: CriterionResult, lang: str, limit: int = 3) -> str:
    """What stands behind a rule-out, after its reason (see the module's docstring)."""
    if lang != "en":
        refs = [e.reference for e in r.evidence if e.reference]
        return f" [{', '.join(dict.fromkeys(refs))}]" if refs else ""
    shown = [_evidence_entry(e) for e in r.evidence[:limit]]
    more = len(r.evidence) - limit
    listed = ("; ".join(shown) + (f"; +{more} more" if more > 0 else "")) if shown else "no evidence entry"
    return f" [{listed}]"


def who_settles(r: CriterionResult, screening: Screening, v: Vocab, lang: str) -> str:
    who = text("render.who", lang)
    if r.conflict:
        return str(who["conflict"])
    if r.id in v.labs:
        return str(who["lab"])
    askable = [q for q in v.questions.values() if q.criterion == r.id and not q.follow_up]
    if any(screening.audience in q.audience for q in askable):
        return str(who["clinician"] if screening.audience == "clinician" else who["study_team"])
    return str(who["clinician"] if askable else who["investigator"])


def _unknown_lines(
    unknown: list[CriterionResult], report: Report, screening: Screening, lang: str
) -> list[str]:
    """Unknown criteria grouped by who can settle them; lab and conflict reasons spelled out."""
    v = vocab()
    groups: dict[str, list[str]] = {}
    for r in unknown:
        label = criterion_label(r.id, lang)
        if r.id in v.labs or r.conflict:
            item = say("render.with_reason", lang, label=label, reason=reason(r, report, lang))
        elif any(e.source in ("clinician", "patient") for e in r.evidence):
            item = say("render.answered_not_sure", lang, label=label)
        else:
            item = label
        groups.setdefault(who_settles(r, screening, v, lang), []).append(item)
    return [f"- {_labelled(who, _items(items, lang), lang)}" for who, items in groups.items()]


def _notes(report: Report, lang: str) -> str:
    if lang != "zh":
        return " | ".join(report.notes)
    from reporting import note_zh

    return " | ".join(note_zh(n) for n in report.notes)


def finish(report: Report, screening: Screening, remaining: int = 0, stopped: bool = False) -> str:
    """The end of a screening: the Verdict line, failures with evidence, unknowns and who can
    settle them, pending items; after a failure, the offer to go on or stop."""
    lang = screening.lang
    fails = [r for r in report.criteria if r.status == "fail"]
    unknown = [r for r in report.criteria if r.status == "unknown"]
    pending = [r for r in report.criteria if r.status == "pending"]
    if screening.audience == "patient":
        lines = [say("render.patient_thanks", lang), verdict_line(report, lang)]
        if report.verdict == "ineligible":
            lines.append(say("render.patient_not_suitable", lang))
        elif unknown:
            lines.append(
                say("render.patient_team_checks", lang, items=_labels([r.id for r in unknown], lang))
            )
        lines.append(say("render.patient_pre_only", lang))
        return "\n".join(lines)
    head = "render.finish_head_stopped" if stopped else "render.finish_head"
    lines = [
        say(head, lang, patient=screening.patient_id, trial=report.trial, as_of=date_in(report.as_of, lang)),
        verdict_line(report, lang),
    ]
    if fails:
        lines.append(say("render.rules_out_head", lang))
        lines += [
            f"- {_labelled(criterion_label(r.id, lang), reason(r, report, lang), lang)}{_evidence(r, lang)}"
            for r in fails
        ]
    if unknown:
        lines.append(say("render.unknown_head", lang, n=len(unknown)))
        lines += _unknown_lines(unknown, report, screening, lang)
    if pending:
        lines.append(say("render.pending", lang, items=_labels([r.id for r in pending], lang)))
    if report.verdict == "potentially_eligible":
        lines.append(say("render.refer", lang))
    if report.notes:
        lines.append(say("render.notes", lang, notes=_notes(report, lang)))
    if report.verdict == "ineligible" and remaining and not stopped:
        lines.append(say("render.go_on_offer", lang, n=remaining))
    else:
        lines.append(say("render.next", lang))
    return "\n".join(lines)


def _answer_items(screening: Screening, lang: str) -> list[str]:
    """The summary's answers (see the module's docstring for why English differs)."""
    if lang == "en":
        return [f"{a.question_id} = {a.value}" for a in screening.answers]
    labels = text("answer_labels", lang)
    return [
        f"{labels.get(a.question_id, a.question_id)} = {value_word(a.value, lang)}" for a in screening.answers
    ]


def summary(report: Report, screening: Screening, remaining: int, record_report: Report) -> str:
    lang = screening.lang
    if screening.audience == "patient":
        return say("render.summary_patient", lang, answered=len(screening.answers), remaining=remaining)
    by_record = sum(1 for r in record_report.criteria if r.status in ("pass", "fail"))
    settled = sum(1 for r in report.criteria if r.status in ("pass", "fail"))
    lines = [
        say(
            "render.summary_head",
            lang,
            patient=screening.patient_id,
            settled=settled,
            total=len(report.criteria),
            by_record=by_record,
            by_answers=settled - by_record,
            verdict=verdict_line(report, lang),
        )
    ]
    fails = [r for r in report.criteria if r.status == "fail"]
    if fails:
        items = [
            say("render.with_reason", lang, label=criterion_label(r.id, lang), reason=reason(r, report, lang))
            for r in fails
        ]
        lines.append(say("render.summary_rules_out", lang, items=_items(items, lang)))
    unknown = [r.id for r in report.criteria if r.status == "unknown"]
    if unknown:
        lines.append(say("render.summary_unknown", lang, items=_labels(unknown, lang, 12)))
    if screening.answers:
        lines.append(say("render.summary_answers", lang, items=_join(_answer_items(screening, lang), lang)))
    lines.append(say("render.summary_left", lang, n=remaining))
    return "\n".join(lines)


def why(qid: str | None, report: Report | None, screening: Screening | None, lang: str = "en") -> str:
    v = vocab()
    if not qid:
        return say("render.why_general", lang)
    if qid == CHECKLIST:
        return say("render.why_checklist", lang)
    if qid in GROUPS:
        return " ".join(why(m, report, screening, lang) for m in GROUPS[qid])
    q = v.question(qid)
    said = question_why(qid, lang) or question_why(v.root_of(qid), lang) or ""
    if report is not None and (screening is None or screening.audience == "clinician"):
        record = say("render.why_record", lang, reason=reason(report.result(q.criterion), report, lang))
        said = sentences(lang, said, record)
    return said.strip()


def explain(key: str, lang: str = "en") -> str:
    return say(f"glossary.{key}", lang)


def value_shown(qid: str, value: Any, lang: str) -> str:
    """An answer value as the restatement and "Noted" lines show it."""
    q = vocab().questions.get(qid)
    if q is not None and q.type == "choice":
        return choice_word(qid, str(value), lang)
    return value_word(value, lang)
