"""FHIR write-back against our real HAPI: the resources are created once and updated on re-runs,
the QuestionnaireResponse validates against its generated Questionnaire ($validate), and a
server that refuses writes leaves the answers and the screening in the log."""

from __future__ import annotations

import pytest
import requests

from eligibility import Answer, load_trial, screen
from fhir_ingest.client import FhirClient
from fhir_ingest.configure import server_source
from screening_log import Store
from tests.support.fault_proxy import FaultProxy
from writeback import Writer, write_back_screening
from writeback import resources as res

TRIAL = load_trial()
AS_OF = "2026-11-24"


def _count(base: str, token: str, rtype: str, **params: str) -> int:
    r = requests.get(
        f"{base}/{rtype}",
        params={**params, "_summary": "count"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    r.raise_for_status()
    return int(r.json()["total"])


def _screened(
    store: Store, base: str, token: str, patient: str, answers: list[Answer], by: str = "clinician"
):
    record = server_source(base, {"PRESCREEN_FHIR_TOKEN": token}).load(patient)
    for a in answers:
        store.add_answer(
            trial=TRIAL.id,
            patient=patient,
            question_id=a.question_id,
            criterion=next(q.criterion for q in TRIAL.questions if q.id == a.question_id),
            value=a.value,
            by=a.by,
            subject="dr-wang" if a.by == "clinician" else f"patient:{patient}",
            channel="chat",
        )
    sid = store.start_screening(
        trial=TRIAL.id,
        patient=patient,
        by=by,
        subject="dr-wang",
        channel="chat",
        as_of=AS_OF,
        conversation="c1",
    )
    report = screen(record.resources, AS_OF, answers)
    store.finish_screening(sid, report.to_dict(), {})
    return sid, report


@pytest.fixture
def writer(fhir_base, fhir_token) -> Writer:
    return Writer(
        FhirClient(
            fhir_base, auth=server_source(fhir_base, {"PRESCREEN_FHIR_TOKEN": fhir_token}).client.session.auth
        )
    )


def test_write_back_creates_once_and_updates_on_rerun(sqlite_store, writer, fhir_base, fhir_token):
    answers = [
        Answer("prior_checkpoint_inhibitor", "no", by="patient"),
        Answer("tb_ever", "no"),
        Answer("ecog_score", 0),
    ]
    sid, report = _screened(sqlite_store, fhir_base, fhir_token, "icc-001", answers)
    first = write_back_screening(sqlite_store, sid, report, answers, writer=writer)
    assert first.ok, first.error
    assert set(first.written) == {
        "Questionnaire",
        "ResearchStudy",
        "ResearchSubject",
        "QuestionnaireResponse",
        "Provenance",
    }
    again = write_back_screening(sqlite_store, sid, report, answers, writer=writer)
    assert again.ok and again.written == first.written  # same ids: updated, not created
    subject_id = f"{res.SYS_SUBJECT}|{res.subject_identifier(TRIAL, 'icc-001')}"
    assert _count(fhir_base, fhir_token, "ResearchSubject", identifier=subject_id) == 1
    assert _count(fhir_base, fhir_token, "ResearchStudy", identifier=f"{res.CT_GOV}|{TRIAL.id}") == 1
    assert (
        _count(fhir_base, fhir_token, "QuestionnaireResponse", identifier=f"{res.SYS_SCREENING}|{sid}") == 1
    )
    assert _count(fhir_base, fhir_token, "Questionnaire", url=res.questionnaire_url(TRIAL)) == 1
    assert _count(fhir_base, fhir_token, "Provenance", _id=f"prescreen-{sid}") == 1
    # A second screening of the same patient: a new response, the same ResearchSubject, now ineligible.
    answers2 = [Answer("prior_checkpoint_inhibitor", "yes")]
    sid2, report2 = _screened(sqlite_store, fhir_base, fhir_token, "icc-001", answers2)
    assert report2.verdict == "ineligible"
    out = write_back_screening(sqlite_store, sid2, report2, answers2, writer=writer)
    assert out.ok and out.written["ResearchSubject"] == first.written["ResearchSubject"]
    assert _count(fhir_base, fhir_token, "ResearchSubject", identifier=subject_id) == 1
    got = requests.get(
        f"{fhir_base}/ResearchSubject/{out.written['ResearchSubject']}",
        headers={"Authorization": f"Bearer {fhir_token}"},
        timeout=30,
    ).json()
    assert got["status"] == "ineligible" and got["individual"]["reference"] == "Patient/icc-001"
    prov = requests.get(
        f"{fhir_base}/Provenance/prescreen-{sid}",
        headers={"Authorization": f"Bearer {fhir_token}"},
        timeout=30,
    ).json()
    whats = {e["what"]["reference"] for e in prov["entity"]}
    assert "Patient/icc-001" in whats and any(w.startswith("Observation/") for w in whats)
    agents = [a["who"] for a in prov["agent"]]
    assert any(report.rules_version == a.get("identifier", {}).get("value") for a in agents)
    assert {"reference": "Patient/icc-001"} in agents  # the patient answered one question
    assert sqlite_store.screening(sid).writeback == "ok"
    assert _count(fhir_base, fhir_token, "AuditEvent", entity="Patient/icc-001") >= 3


def test_response_validates_against_its_questionnaire(sqlite_store, writer, fhir_base, fhir_token):
    writer.questionnaire(TRIAL)
    answers = [
        Answer("prior_checkpoint_inhibitor", "no"),
        Answer("ecog_score", 1),
        Answer("ascites", "mild"),
        Answer("tb_ever", "not_sure"),
    ]
    qr = res.questionnaire_response(TRIAL, "s-valid", "icc-001", answers, "clinician", "dr-wang")
    headers = {"Authorization": f"Bearer {fhir_token}", "Content-Type": "application/fhir+json"}
    ok = requests.post(f"{fhir_base}/QuestionnaireResponse/$validate", json=qr, headers=headers, timeout=120)
    issues = [i for i in ok.json().get("issue", []) if i["severity"] in ("error", "fatal")]
    assert ok.status_code == 200 and not issues, issues
    # The validator does check against the Questionnaire: an answer it does not offer is an error.
    bad = dict(
        qr,
        item=[
            {"linkId": "ascites", "answer": [{"valueCoding": {"system": res.SYS_ANSWER, "code": "massive"}}]}
        ],
    )
    refused = requests.post(
        f"{fhir_base}/QuestionnaireResponse/$validate", json=bad, headers=headers, timeout=120
    )
    assert [i for i in refused.json().get("issue", []) if i["severity"] in ("error", "fatal")]


@pytest.mark.parametrize("status", ["403", "422"])
def test_a_server_refusing_writes_keeps_the_answers(sqlite_store, fhir_base, fhir_token, status):
    answers = [Answer("tb_ever", "no", by="patient")]
    sid, report = _screened(sqlite_store, fhir_base, fhir_token, "icc-002", answers)
    with FaultProxy(fhir_base) as proxy:
        proxy.inject(status, times=100, path_regex=r"/(Questionnaire|Research|Provenance|AuditEvent)")
        client = FhirClient(
            proxy.base_url,
            auth=server_source(fhir_base, {"PRESCREEN_FHIR_TOKEN": fhir_token}).client.session.auth,
        )
        out = write_back_screening(sqlite_store, sid, report, answers, writer=Writer(client))
    assert not out.ok and status in out.error and out.status == int(status)
    assert out.summary == f"the FHIR server answered {status}"  # what a user sees: no server text
    assert [a.value for a in sqlite_store.answers("icc-002", TRIAL.id)] == ["no"]
    s = sqlite_store.screening(sid)
    assert s.verdict == report.verdict and s.finished_at is not None
    assert s.writeback.startswith("failed") and status in s.writeback
    assert "writeback_failed" in [e.action for e in sqlite_store.trail("icc-002")]


def test_questionnaire_has_an_item_per_question_coded_by_criterion():
    q = res.questionnaire(TRIAL)
    items = {i["linkId"]: i for i in q["item"]}
    assert set(items) == {x.id for x in TRIAL.questions}
    for x in TRIAL.questions:
        assert items[x.id]["code"] == [{"system": res.criteria_system(TRIAL), "code": x.criterion}]
    assert items["ecog_score"]["type"] == "decimal"
    assert [o["valueCoding"]["code"] for o in items["ascites"]["answerOption"]] == [
        "none",
        "mild",
        "moderate_severe",
        "not_sure",
    ]
    # A "not sure" to a number has no value to give: left out, never an invalid item.
    qr = res.questionnaire_response(
        TRIAL, "s1", "p1", [Answer("weight_kg", "not_sure"), Answer("tb_ever", "no")], "patient", "patient-x"
    )
    assert [i["linkId"] for i in qr["item"]] == ["tb_ever"] and qr["author"] == {"reference": "Patient/p1"}


def test_a_conditional_update_is_retried_and_still_writes_once(sqlite_store, fhir_base, fhir_token):
    answers = [Answer("tb_ever", "no")]
    sid, report = _screened(sqlite_store, fhir_base, fhir_token, "icc-003", answers)
    auth = server_source(fhir_base, {"PRESCREEN_FHIR_TOKEN": fhir_token}).client.session.auth
    with FaultProxy(fhir_base) as proxy:
        proxy.inject("503", times=1, path_regex=r"/ResearchSubject")
        client = FhirClient(proxy.base_url, auth=auth, backoff_base=0.01)
        out = write_back_screening(sqlite_store, sid, report, answers, writer=Writer(client))
        assert out.ok, out.error
        assert proxy.count(r"/ResearchSubject", fault="503") == 1 and proxy.count(r"/ResearchSubject") == 2
    subject_id = f"{res.SYS_SUBJECT}|{res.subject_identifier(TRIAL, 'icc-003')}"
    assert _count(fhir_base, fhir_token, "ResearchSubject", identifier=subject_id) == 1
    # Reads keep their policy: a plain client still does not resend a PUT.
    assert "PUT" not in FhirClient(fhir_base).policy.retry_methods
