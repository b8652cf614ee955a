"""The chat's seam to the screening log, with the actions run in-process (tests/chat/chatsim.py)
against HAPI behind the fault proxy: a server that refuses the write-back leaves the answer
stored and the screening finished, and the clinician is told (the status, not the server's text)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from actions.records import RECORDS
from eligibility import load_trial
from fhir_ingest.sources import DirSource
from screening_log import Store
from tests.support.fault_proxy import FaultProxy

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "chat"))
from chatsim import AS_OF, COHORT, Chat  # noqa: E402

TRIAL = load_trial()


@pytest.fixture
def logged(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    monkeypatch.setenv("PRESCREEN_SCREENING_LOG", "on")
    monkeypatch.setenv("PRESCREEN_DB_URL", url)
    monkeypatch.setenv("PRESCREEN_AS_OF", AS_OF)
    RECORDS.set_source(DirSource(COHORT))
    yield Store(url)
    RECORDS.set_source(None)


@pytest.mark.parametrize("status", ["403", "422"])
def test_refused_write_back_keeps_answers_and_tells_the_clinician(
    logged, monkeypatch, fhir_base, fhir_token, status
):
    from actions.session import ActionFinishScreening

    with FaultProxy(fhir_base) as proxy:
        proxy.inject(status, times=100, path_regex=r".")
        monkeypatch.setenv("PRESCREEN_WRITE_BACK", "1")
        monkeypatch.setenv("PRESCREEN_FHIR_BASE", proxy.base_url)
        monkeypatch.setenv("PRESCREEN_FHIR_TOKEN", fhir_token)
        chat = Chat()
        chat.start("pre-screen patient icc-001")
        assert chat.requested == "tumour_checklist"  # the tumour items asked together (issue 9)
        chat.answer("no, resectable", "deny")
        assert chat.slots["confirming"]["question_id"] == "unresectable"  # a rule-out is confirmed
        chat.answer("yes", "affirm")
        done = chat.run(ActionFinishScreening())
    assert "Verdict: ineligible" in done.text
    assert (
        f"writing this screening to the FHIR server failed (the FHIR server answered {status})" in done.text
    )
    assert "injected fault" not in done.text  # the server's own text stays out of the chat
    stored = {a.question_id: (a.value, a.words) for a in logged.answers("icc-001", TRIAL.id)}
    value, words = stored["unresectable"]
    assert value == "no" and "resectable" in words  # the clinician's words, not the confirming "yes"
    (s,) = logged.screenings("icc-001", TRIAL.id)
    assert s.verdict == "ineligible" and s.finished_at and s.writeback.startswith("failed")
    actions = [e.action for e in logged.trail("icc-001")]
    assert actions[0] == "screening_started" and actions[-2:] == ["screening_finished", "writeback_failed"]
    assert set(actions[1:-2]) == {"answer"}  # one per answer the grouped question recorded


def test_a_store_that_cannot_be_opened_never_stops_the_chat(tmp_path, monkeypatch):
    monkeypatch.setenv("PRESCREEN_SCREENING_LOG", "on")
    monkeypatch.setenv("PRESCREEN_DB_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("PRESCREEN_AS_OF", AS_OF)
    RECORDS.set_source(DirSource(COHORT))
    try:
        chat = Chat()
        turn = chat.start("pre-screen patient icc-001")
    finally:
        RECORDS.set_source(None)
    assert "Answers are not being saved right now" in turn.text
    assert chat.requested == "tumour_checklist"  # the screening goes on
