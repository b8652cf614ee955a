"""Sending the write-back resources through the one HTTP path (`FhirClient.request`)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from eligibility import Answer, Report, Trial, load_trial
from fhir_ingest.client import IDEMPOTENT, FhirClient
from fhir_ingest.configure import FHIR_BASE_ENV, auth_from_env
from fhir_ingest.errors import FhirError, IngestError
from screening_log import Store
from screening_log.reuse import current
from writeback import resources as res

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
MAX_ERROR_CHARS = 240


class WriteRefused(Exception):
    """The server did not take a write (one line, no patient data). `status`: the HTTP status,
    None when no answer came back."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Outcome:
    ok: bool
    error: str | None = None  # the full line (request, status, the server's text): for the log
    status: int | None = None
    written: dict[str, str] = dataclasses.field(default_factory=dict)  # resource type -> id

    @property
    def summary(self) -> str:
        """What a user is shown: the status only, never the server's diagnostics."""
        if self.ok:
            return "written"
        return (
            f"the FHIR server answered {self.status}"
            if self.status
            else "the FHIR server could not be reached"
        )


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


class Writer:
    """Idempotent writes to one FHIR server."""

    def __init__(self, client: FhirClient) -> None:
        self.client = client
        # Only idempotent writes are sent, so they may be retried like reads.
        self.policy = dataclasses.replace(client.policy, retry_methods=IDEMPOTENT | {"PUT"})

    @classmethod
    def from_env(cls) -> Writer:
        base = os.environ.get(FHIR_BASE_ENV)
        if not base:
            raise WriteRefused("write-back needs a FHIR server (--fhir-base or PRESCREEN_FHIR_BASE)")
        return cls(FhirClient(base, auth=auth_from_env()))

    def _put(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            resp = self.client.request(
                "PUT",
                url,
                data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={"Content-Type": f"{FHIR_JSON}; charset=utf-8", "Prefer": "return=representation"},
                policy=self.policy,
                kind=body["resourceType"],
            )
        except FhirError as e:
            raise WriteRefused(_one_line(e), e.status) from None
        try:
            out = resp.json()
        except ValueError:
            out = {}
        if not isinstance(out, dict) or not out.get("id"):
            location = resp.headers.get("Location") or resp.headers.get("Content-Location") or ""
            parts = location.split("/_history")[0].rstrip("/").split("/")
            out = dict(body, id=parts[-1]) if parts and parts[-1] else dict(body)
        return out

    def upsert(self, body: dict[str, Any], search: dict[str, str]) -> dict[str, Any]:
        """Conditional update: update the one resource the search finds, or create it."""
        return self._put(f"{body['resourceType']}?{urlencode(search)}", body)

    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        """Update (or create) the resource with this client-assigned id."""
        return self._put(f"{body['resourceType']}/{body['id']}", body)

    def questionnaire(self, trial: Trial) -> dict[str, Any]:
        q = res.questionnaire(trial)
        return self.upsert(q, {"url": q["url"]})

    def study(self, trial: Trial) -> dict[str, Any]:
        return self.upsert(res.research_study(trial), {"identifier": f"{res.CT_GOV}|{trial.id}"})

    def subject(self, trial: Trial, patient: str, study_id: str, verdict: str) -> dict[str, Any]:
        body = res.research_subject(trial, patient, study_id, verdict)
        return self.upsert(
            body, {"identifier": f"{res.SYS_SUBJECT}|{res.subject_identifier(trial, patient)}"}
        )

    def response(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.upsert(body, {"identifier": f"{res.SYS_SCREENING}|{body['identifier']['value']}"})


def write_back_screening(
    store: Store,
    screening_id: str,
    report: Report,
    answers: list[Answer] | tuple[Answer, ...],
    record: Any = None,
    writer: Writer | None = None,
    trial: Trial | None = None,
    with_response: bool = True,
) -> Outcome:
    """Write one finished screening; never raises for a server's refusal (the Outcome says).
    `with_response=False` (batch runs): no QuestionnaireResponse, as the answers it re-used were
    written back by the screenings in which people gave them."""
    trial = trial or load_trial(report.trial)
    s = store.screening(screening_id)

    def trail(action: str, detail: dict[str, Any]) -> None:
        """The outcome in the audit trail, in the name of whoever did the screening."""
        store.audit(subject=s.subject, role=s.by, action=action, channel=s.channel, patient=s.patient,
                    trial=trial.id, detail=detail)

    try:
        writer = writer or Writer.from_env()
        written: dict[str, str] = {}
        q = writer.questionnaire(trial)
        written["Questionnaire"] = q["id"]
        study = writer.study(trial)
        written["ResearchStudy"] = study["id"]
        subject = writer.subject(trial, s.patient, study["id"], report.verdict)
        written["ResearchSubject"] = subject["id"]
        targets = [f"ResearchSubject/{subject['id']}"]
        if answers and with_response:
            qr = res.questionnaire_response(
                trial, screening_id, s.patient, list(answers), s.by, s.subject, authored=s.finished_at
            )
            response = writer.response(qr)
            written["QuestionnaireResponse"] = response["id"]
            targets.insert(0, f"QuestionnaireResponse/{response['id']}")
        stood = current(store.answers(s.patient, trial.id))
        people = [(s.by, s.subject)] + [
            (a.by, a.subject) for a in stood.values() if any(x.question_id == a.question_id for x in answers)
        ]
        prov = res.provenance(f"prescreen-{screening_id}", targets, report, s.patient, people, s.finished_at)
        written["Provenance"] = writer.put(prov)["id"]
        for event in store.trail(s.patient):
            if event.detail.get("screening") == screening_id:
                writer.put(res.audit_event(f"prescreen-{event.id}", event))
    except (WriteRefused, IngestError, ValueError) as e:
        error = _one_line(e)
        status = getattr(e, "status", None)
        store.set_writeback(screening_id, f"failed: {error}")
        trail("writeback_failed", {"screening": screening_id, "status": status})
        out = Outcome(ok=False, error=error, status=status)
        # The server's own text may quote the request: the application log gets the status only.
        log.warning("write-back of a screening failed: %s", out.summary)
        return out
    store.set_writeback(screening_id, "ok")
    trail("writeback", {"screening": screening_id, "resources": sorted(written)})
    return Outcome(ok=True, written=written)
