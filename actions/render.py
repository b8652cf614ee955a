"""What the assistant says: the opening summary, questions, the end of a screening, summaries.

Clinicians get clinical terms and evidence; patients get plain language about their own
screening and are told that the study team decides.
"""

from __future__ import annotations

from typing import Any

from actions import render_lang
from actions.messages import say, text
from actions.screening import GROUPS, LIVER, TUMOUR, Screening
from actions.vocab import CHECKLIST, Vocab, vocab
from eligibility import CriterionResult, Question, Report
from eligibility.report import VERDICT_WORDS

PENDING_WHO = "at the screening visit"
MAX_LISTED = 8


def _labels(v: Vocab, ids: list[str], limit: int = MAX_LISTED) -> str:
    names = [v.label(i) for i in ids]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return ", ".join(names)


def verdict_line(report: Report) -> str:
    return f"Verdict: {VERDICT_WORDS[report.verdict]}"


def opening(record_report: Report, screening: Screening, questions: int) -> str:
    """Two or three lines on what the record settled, before the first question."""
    if screening.lang != "en":
        return render_lang.opening(record_report, screening, questions, screening.lang)
    v = vocab()
    if screening.audience == "patient":
        if questions:
            return (
                "Thank you. I have read your hospital record for this study. I have a few questions "
                "that the record cannot answer; you can always say 'not sure'. The study team makes "
                "the final decision."
            )
        return "Thank you. I have read your hospital record for this study."
    crit = record_report.criteria
    settled = [r for r in crit if r.status in ("pass", "fail")]
    pending = [r for r in crit if r.status == "pending"]
    lines = [
        f"Patient {screening.patient_id}, as of {record_report.as_of}: {len(settled)} of {len(crit)} "
        f"criteria settled from the record ({len(pending)} wait for the screening visit)."
    ]
    labs = [r for r in crit if r.id in v.labs]
    lab_fail = [r for r in labs if r.status == "fail"]
    lab_unknown = [r for r in labs if r.status == "unknown"]
    if not lab_fail and not lab_unknown:
        lab_line = "All labs within limits."
    else:
        parts = [f"{r.reason} (rules out)" for r in lab_fail]
        parts += [f"{v.label(r.id)} to repeat or order ({r.reason})" for r in lab_unknown]
        lab_line = "Labs: " + "; ".join(parts) + "."
    other_fail = [r for r in crit if r.status == "fail" and r.id not in v.labs]
    other_unknown = [r.id for r in crit if r.status == "unknown" and r.id not in v.labs]
    third = ""
    if other_fail:
        third = "Rules out: " + "; ".join(f"{v.label(r.id)}: {r.reason}" for r in other_fail) + "."
    elif other_unknown:
        third = f"Not settled by the record: {_labels(v, other_unknown)}."
        if questions:
            third += f" {questions} question{'s' if questions != 1 else ''} to go, likely rule-outs first."
    lines.append(f"{lab_line} {third}".strip())
    return "\n".join(lines)


def answer_format(q: Question) -> str:
    if q.type == "number":
        return "(a number, or 'not sure')"
    if q.type == "choice":
        return (
            "("
            + " / ".join(
                c.replace("_", " ")
                .replace("grade 1 2", "grade 1-2")
                .replace("grade 3 4", "grade 3-4")
                .replace("moderate severe", "moderate-severe")
                for c in q.choices
            )
            + " / not sure)"
        )
    return "(yes / no / not sure)"


def question(qid: str, screening: Screening, items: list[str] | None = None, lang: str = "en") -> str:
    """A question's text; a clinician's names the patient it is about."""
    if lang != "en":
        return render_lang.question(qid, screening, items, lang)
    v = vocab()
    who = screening.patient_id
    if qid == CHECKLIST:
        listed = "\n".join(f"{n}. {v.checklist_items[i]}" for n, i in enumerate(items or [], 1))
        return (
            f"{who}: does the patient have any of these?\n"
            + listed
            + "\nSay 'none of these', or name those that apply (the others are recorded as no); "
            "'not sure' and I will ask them one by one."
        )
    if qid == TUMOUR:
        names = text("groups.tumour_items", lang)
        listed = "\n".join(f"{n}. {names[i]}" for n, i in enumerate(items or [], 1))
        return str(text("groups.tumour_checklist", lang)).strip().format(patient=who, items=listed)
    if qid == LIVER:
        return say("groups.liver_status", lang, patient=who)
    q = v.question(qid)
    wording = q.wording(screening.audience)
    line = f"{wording} {answer_format(q)}"
    if screening.audience == "patient":
        return line
    return say("question_for", lang, patient=who, question=line)


def _evidence(e: Any) -> str:
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


def _evidence_list(r: CriterionResult, limit: int = 3) -> str:
    shown = [_evidence(e) for e in r.evidence[:limit]]
    more = len(r.evidence) - limit
    return ("; ".join(shown) + (f"; +{more} more" if more > 0 else "")) if shown else "no evidence entry"


def who_settles(r: CriterionResult, screening: Screening, v: Vocab) -> str:
    if r.conflict:
        return "the investigator (the record and an answer disagree)"
    if r.id in v.labs:
        return "a new lab test"
    askable = [q for q in v.questions.values() if q.criterion == r.id and not q.follow_up]
    if any(screening.audience in q.audience for q in askable):
        return "the treating clinician" if screening.audience == "clinician" else "the study team, with you"
    if askable:
        return "the treating clinician"
    return "the investigator"


def _unknown_lines(unknown: list[CriterionResult], screening: Screening, v: Vocab) -> list[str]:
    """Unknown criteria grouped by who can settle them; lab and conflict reasons spelled out."""
    groups: dict[str, list[str]] = {}
    for r in unknown:
        who = who_settles(r, screening, v)
        if r.id in v.labs or r.conflict:
            item = f"{v.label(r.id)} ({r.reason})"
        elif any(e.source in ("clinician", "patient") for e in r.evidence):
            item = f"{v.label(r.id)} (answered not sure)"
        else:
            item = v.label(r.id)
        groups.setdefault(who, []).append(item)
    return [f"- {who}: {'; '.join(items)}" for who, items in groups.items()]


def finish(report: Report, screening: Screening, remaining: int = 0, stopped: bool = False) -> str:
    """The end of a screening: the Verdict line, failures with evidence, unknowns and who can
    settle them, pending items; after a failure, the offer to go on or stop."""
    if screening.lang != "en":
        return render_lang.finish(report, screening, remaining, stopped, screening.lang)
    v = vocab()
    fails = [r for r in report.criteria if r.status == "fail"]
    unknown = [r for r in report.criteria if r.status == "unknown"]
    pending = [r for r in report.criteria if r.status == "pending"]
    if screening.audience == "patient":
        return _finish_patient(report, unknown, remaining)
    head = f"Screening of {screening.patient_id} for {report.trial}, as of {report.as_of}"
    head += " (stopped at your request):" if stopped else ":"
    lines = [head, verdict_line(report)]
    if fails:
        lines.append("Rules the patient out:")
        lines += [f"- {v.label(r.id)}: {r.reason} [{_evidence_list(r)}]" for r in fails]
    if unknown:
        lines.append(f"Still unknown ({len(unknown)}), and who can settle it:")
        lines += _unknown_lines(unknown, screening, v)
    if pending:
        lines.append(f"Pending, {PENDING_WHO}: {_labels(v, [r.id for r in pending])}.")
    if report.verdict == "potentially_eligible":
        lines.append("Every criterion pre-screening can settle is met; refer for the screening visit.")
    if report.notes:
        lines.append("Investigator notes: " + " | ".join(report.notes))
    if report.verdict == "ineligible" and remaining and not stopped:
        lines.append(
            f"I stopped asking at the first rule-out. Say 'go on' to answer the {remaining} remaining "
            "question" + ("s" if remaining != 1 else "") + " anyway (they cannot change the verdict), "
            "'change my answer about ...' if an answer was wrong, or 'stop'."
        )
    else:
        lines.append("Name another patient to screen, or say 'summary so far' or 'start over'.")
    return "\n".join(lines)


def _finish_patient(report: Report, unknown: list[CriterionResult], remaining: int) -> str:
    v = vocab()
    lines = ["Thank you, that is all I need from you.", verdict_line(report)]
    if report.verdict == "ineligible":
        lines.append("From your record and answers, this study may not be suitable for you.")
    elif unknown:
        lines.append("The study team still needs to check: " + _labels(v, [r.id for r in unknown]) + ".")
    lines.append("This is a pre-screening only: the study team makes the decision and will contact you.")
    return "\n".join(lines)


def summary(report: Report, screening: Screening, remaining: int, record_report: Report) -> str:
    if screening.lang != "en":
        return render_lang.summary(report, screening, remaining, record_report, screening.lang)
    v = vocab()
    if screening.audience == "patient":
        return (
            f"So far you have answered {len(screening.answers)} question(s); {remaining} to go. "
            "The study team makes the final decision."
        )
    by_record = sum(1 for r in record_report.criteria if r.status in ("pass", "fail"))
    settled = sum(1 for r in report.criteria if r.status in ("pass", "fail"))
    lines = [
        f"Summary so far for {screening.patient_id}: {settled} of {len(report.criteria)} criteria settled "
        f"({by_record} from the record, {settled - by_record} from answers); {verdict_line(report)}."
    ]
    fails = [r for r in report.criteria if r.status == "fail"]
    if fails:
        lines.append("Rules out: " + "; ".join(f"{v.label(r.id)} ({r.reason})" for r in fails) + ".")
    unknown = [r.id for r in report.criteria if r.status == "unknown"]
    if unknown:
        lines.append(f"Unknown: {_labels(v, unknown, 12)}.")
    if screening.answers:
        lines.append("Answers: " + ", ".join(f"{a.question_id} = {a.value}" for a in screening.answers) + ".")
    lines.append(f"Questions left: {remaining}.")
    return "\n".join(lines)


def why(qid: str | None, report: Report | None, screening: Screening | None, lang: str = "en") -> str:
    if lang != "en":
        return render_lang.why(qid, report, screening, lang)
    v = vocab()
    if not qid:
        return (
            "I ask only what the record cannot settle, likely rule-outs first, and stop at the first "
            "criterion that fails."
        )
    if qid == CHECKLIST:
        return (
            "These are history exclusions. A record can show that they happened, not that they never did, "
            "so I ask; 'none of these' clears them all at once."
        )
    if qid in GROUPS:
        return " ".join(why(m, report, screening) for m in GROUPS[qid])
    q = v.question(qid)
    text = q.why
    root = v.question(v.root_of(qid))
    text = text or root.why
    if report is not None and (screening is None or screening.audience == "clinician"):
        r = report.result(q.criterion)
        text += f" Record: {r.reason}."
    return text.strip()


def explain(key: str, lang: str = "en") -> str:
    if lang != "en":  # the catalogue's glossary (issue 12)
        return say(f"glossary.{key}", lang)
    return " ".join(str(vocab().glossary[key]["text"]).split())
