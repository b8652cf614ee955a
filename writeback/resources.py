"""The FHIR R4 resources a screening is written back as (pure builders, no I/O).

- Questionnaire: generated from the trial's questions; `item.code` names the criterion each
  question settles; found again by its canonical `url`.
- QuestionnaireResponse: one per screening (identifier = the screening's id), author the
  clinician (a logical reference: the token's subject) or the patient.
- ResearchStudy: the trial (identifier: the NCT number at clinicaltrials.gov).
- ResearchSubject: one per patient and trial (identifier `trial:patient`), status `candidate`,
  or `ineligible` when ruled out (R4 research-subject-status).
- Provenance: who (clinician, patient, and the rules engine with its rules_version) and from
  what (the resources the decisions rest on).
- AuditEvent: one per event of the screening log's audit trail.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from eligibility import Answer, Report, Trial

CANONICAL_BASE = "https://prescreen.example.org/fhir"
CT_GOV = "https://clinicaltrials.gov"
SYS_SCREENING = "urn:prescreen:screening"
SYS_SUBJECT = "urn:prescreen:research-subject"
SYS_USER = "urn:prescreen:user"
SYS_SOFTWARE = "urn:prescreen:rules-engine"
SYS_ANSWER = f"{CANONICAL_BASE}/CodeSystem/prescreen-answer"
PROVENANCE_AGENT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_ACTION = {
    "answer": "C",
    "correction": "U",
    "withdrawn": "D",
    "screening_started": "C",
    "screening_finished": "C",
    "screening_updated": "U",
    "writeback": "C",
}
REF = re.compile(r"^[A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")


def criteria_system(trial: Trial) -> str:
    return f"{CANONICAL_BASE}/CodeSystem/{trial.id.lower()}-criteria"


def questionnaire_url(trial: Trial) -> str:
    return f"{CANONICAL_BASE}/Questionnaire/{trial.id.lower()}-prescreen"


def _instant(when: datetime | None = None) -> str:
    when = when or datetime.now(timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def _answer_codes(q: dict[str, Any]) -> list[str]:
    if q.type == "yes_no":
        return ["yes", "no", "not_sure"]
    return [*q.choices, "not_sure"]


def questionnaire(trial: Trial) -> dict[str, Any]:
    items = []
    for q in trial.questions:
        text = q.text
        item: dict[str, Any] = {
            "linkId": q.id,
            "code": [{"system": criteria_system(trial), "code": q.criterion}],
            "text": text.get("clinician") or text.get("patient") or q.id,
            "required": False,
        }
        if q.type == "number":
            # A "not sure" to a number is left out of the response (no value to give).
            item["type"] = "decimal"
        else:
            item["type"] = "choice"
            item["answerOption"] = [
                {"valueCoding": {"system": SYS_ANSWER, "code": c, "display": c.replace("_", " ")}}
                for c in _answer_codes(q)
            ]
        items.append(item)
    return {
        "resourceType": "Questionnaire",
        "url": questionnaire_url(trial),
        "version": trial.rules_version,
        "name": f"Prescreen{re.sub(r'[^A-Za-z0-9]', '', trial.id)}",
        "title": f"Pre-screening questions for {trial.id}",
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }


def _answer_value(q: dict[str, Any], value: Any) -> dict[str, Any] | None:
    if q.type == "number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return {"valueDecimal": number}
    code = str(value).strip().lower()
    if code not in _answer_codes(q):
        code = "not_sure" if code in ("unsure", "unknown", "dont_know") else code
    if code not in _answer_codes(q):
        return None
    return {"valueCoding": {"system": SYS_ANSWER, "code": code, "display": code.replace("_", " ")}}


def author_reference(role: str, subject: str, patient: str) -> dict[str, Any]:
    if role == "patient":
        return {"reference": f"Patient/{patient}"}
    what = "referring clinician" if role == "clinician" else role
    return {"identifier": {"system": SYS_USER, "value": subject}, "display": f"{what} {subject}"}


def questionnaire_response(
    trial: Trial,
    screening_id: str,
    patient: str,
    answers: list[Answer],
    role: str,
    subject: str,
    authored: datetime | None = None,
) -> dict[str, Any]:
    questions = {q.id: q for q in trial.questions}
    items = []
    for a in answers:
        q = questions.get(a.question_id)
        value = _answer_value(q, a.value) if q else None
        if value is None:
            continue
        items.append({"linkId": a.question_id, "text": questionnaire_text(q), "answer": [value]})
    order = {q.id: i for i, q in enumerate(trial.questions)}
    items.sort(key=lambda i: order[i["linkId"]])
    return {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": SYS_SCREENING, "value": screening_id},
        "questionnaire": questionnaire_url(trial),
        "status": "completed",
        "subject": {"reference": f"Patient/{patient}"},
        "authored": _instant(authored),
        "author": author_reference(role, subject, patient),
        "item": items,
    }


def questionnaire_text(q: dict[str, Any]) -> str:
    text = q.text
    return text.get("clinician") or text.get("patient") or q.id


def research_study(trial: Trial) -> dict[str, Any]:
    return {
        "resourceType": "ResearchStudy",
        "identifier": [{"system": CT_GOV, "value": trial.id}],
        "title": trial.title,
        "status": "active",
    }


def subject_identifier(trial: Trial, patient: str) -> str:
    return f"{trial.id}:{patient}"


def research_subject(trial: Trial, patient: str, study_id: str, verdict: str) -> dict[str, Any]:
    return {
        "resourceType": "ResearchSubject",
        "identifier": [{"system": SYS_SUBJECT, "value": subject_identifier(trial, patient)}],
        "status": "ineligible" if verdict == "ineligible" else "candidate",
        "study": {"reference": f"ResearchStudy/{study_id}"},
        "individual": {"reference": f"Patient/{patient}"},
    }


def evidence_references(report: Report, patient: str) -> list[str]:
    refs = {f"Patient/{patient}"}
    for r in report.criteria:
        for e in r.evidence:
            if e.source == "record" and e.reference and REF.match(e.reference):
                refs.add(e.reference)
    return sorted(refs)


def provenance(
    provenance_id: str,
    targets: list[str],
    report: Report,
    patient: str,
    people: list[tuple[str, str]],
    recorded: datetime | None = None,
) -> dict[str, Any]:
    """`people`: (role, token subject) of everyone whose answers the screening used or who ran it."""
    agents: list[dict[str, Any]] = [
        {
            "type": {"coding": [{"system": PROVENANCE_AGENT, "code": "informant"}]},
            "who": author_reference(role, subject, patient),
        }
        for role, subject in sorted(set(people))
    ]
    agents.append(
        {
            "type": {"coding": [{"system": PROVENANCE_AGENT, "code": "assembler"}]},
            "who": {
                "identifier": {"system": SYS_SOFTWARE, "value": report.rules_version},
                "display": f"prescreen rules engine {report.rules_version}",
            },
        }
    )
    return {
        "resourceType": "Provenance",
        "id": provenance_id,
        "target": [{"reference": t} for t in targets],
        "recorded": _instant(recorded),
        "agent": agents,
        "entity": [
            {"role": "source", "what": {"reference": ref}} for ref in evidence_references(report, patient)
        ],
    }


def audit_event(event_id: str, event: Any) -> dict[str, Any]:
    """One event of the screening log as an AuditEvent: who (token subject and role), which
    patient, what, when, from which channel. The detail stays in the log."""
    entity = []
    if event.patient:
        entity.append({"what": {"reference": f"Patient/{event.patient}"}})
    return {
        "resourceType": "AuditEvent",
        "id": event_id,
        "type": {"system": DCM, "code": "110110", "display": "Patient Record"},
        "subtype": [{"system": f"{CANONICAL_BASE}/CodeSystem/prescreen-audit", "code": event.action}],
        "action": AUDIT_ACTION.get(event.action, "E"),
        "recorded": _instant(event.at),
        "outcome": "0",
        "agent": [
            {
                "who": {"identifier": {"system": SYS_USER, "value": event.subject}},
                "requestor": True,
                "role": [{"text": event.role}],
            }
        ],
        "source": {"site": event.channel, "observer": {"display": "prescreen"}},
        "entity": entity,
    }
