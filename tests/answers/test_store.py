"""The answer store on SQLite and PostgreSQL: history kept whole, corrections win, windows,
restarts lose nothing, files private, schema versioned."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest

from eligibility import load_trial
from screening_log import Store, reusable
from screening_log.db import StoreError
from screening_log.reuse import current, window_days
from screening_log.schema import SCHEMA_VERSION

TRIAL = "NCT03951597"
AS_OF = date(2026, 11, 24)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=timezone.utc)


def add(store: Store, qid: str, crit: str, value, by: str = "patient", day: date = AS_OF, **kw):
    return store.add_answer(
        trial=TRIAL,
        patient=kw.pop("patient", "icc-001"),
        question_id=qid,
        criterion=crit,
        value=value,
        by=by,
        subject=kw.pop("subject", f"{by}-1"),
        channel=kw.pop("channel", "chat"),
        at=_at(day),
        **kw,
    )


def test_correction_wins_and_both_stay_in_history(store):
    add(
        store,
        "prior_checkpoint_inhibitor",
        "prior_checkpoint_inhibitor",
        "no",
        by="patient",
        words="never had keytruda",
        day=AS_OF - timedelta(days=3),
    )
    add(
        store,
        "prior_checkpoint_inhibitor",
        "prior_checkpoint_inhibitor",
        "yes",
        by="clinician",
        kind="correction",
        words="she had nivolumab in 2024",
        day=AS_OF - timedelta(days=1),
    )
    # A later patient answer does not beat the clinician's correction.
    add(store, "prior_checkpoint_inhibitor", "prior_checkpoint_inhibitor", "no", by="patient", day=AS_OF)
    history = store.answers("icc-001", TRIAL)
    assert [(a.by, a.value, a.kind) for a in history] == [
        ("patient", "no", "answer"),
        ("clinician", "yes", "correction"),
        ("patient", "no", "answer"),
    ]
    assert history[0].words == "never had keytruda"
    chosen = current(history)["prior_checkpoint_inhibitor"]
    assert (chosen.by, chosen.value) == ("clinician", "yes")
    kinds = [e.action for e in store.trail("icc-001")]
    assert kinds == ["answer", "correction", "answer"]


def test_withdrawal_voids_earlier_answers(store):
    add(store, "tb_ever", "tuberculosis", "no", by="patient", day=AS_OF - timedelta(days=2))
    add(
        store,
        "tb_ever",
        "tuberculosis",
        None,
        by="clinician",
        kind="withdrawn",
        day=AS_OF - timedelta(days=1),
    )
    assert "tb_ever" not in current(store.answers("icc-001", TRIAL))
    add(store, "tb_ever", "tuberculosis", "yes", by="patient", day=AS_OF)
    assert current(store.answers("icc-001", TRIAL))["tb_ever"].value == "yes"


def test_answers_belong_to_one_patient(store):
    add(store, "tb_ever", "tuberculosis", "no", patient="icc-001")
    assert store.answers("icc-002", TRIAL) == []


def test_windows_make_old_answers_stale():
    trial = load_trial()
    assert window_days(trial, "ecog_0") == 28
    assert window_days(trial, "tuberculosis") == 365
    assert window_days(trial, "creatinine_clearance") == 90


def test_stale_answer_is_not_reused_window_edges(store):
    trial = load_trial()
    add(store, "ecog_score", "ecog_0", 0, by="clinician", day=AS_OF - timedelta(days=28))  # day 28: in
    add(store, "ascites", "child_pugh_a", "none", by="clinician", day=AS_OF - timedelta(days=29))  # out
    add(store, "tb_ever", "tuberculosis", "no", by="patient", day=AS_OF - timedelta(days=200))
    r = reusable(store.answers("icc-001", TRIAL), trial, AS_OF)
    assert sorted(a.question_id for a in r.used) == ["ecog_score", "tb_ever"]
    assert [a.question_id for a in r.stale] == ["ascites"]


def test_answer_contradicted_by_a_newer_record_entry_is_dropped(store):
    trial = load_trial()
    med = {
        "resourceType": "MedicationAdministration",
        "id": "ma-1",
        "status": "completed",
        "subject": {"reference": "Patient/icc-001"},
        "effectiveDateTime": "2026-11-20",
        "medicationCodeableConcept": {"text": "pembrolizumab"},
    }
    patient = {"resourceType": "Patient", "id": "icc-001", "birthDate": "1960-01-01", "gender": "male"}
    add(store, "prior_checkpoint_inhibitor", "prior_checkpoint_inhibitor", "no", day=date(2026, 11, 10))
    r = reusable(store.answers("icc-001", TRIAL), trial, AS_OF, resources=[patient, med])
    assert [a.question_id for a in r.superseded] == ["prior_checkpoint_inhibitor"] and not r.used
    # The same record entry older than the answer: kept; the engine shows the conflict.
    older = dict(med, effectiveDateTime="2026-11-01")
    r = reusable(store.answers("icc-001", TRIAL), trial, AS_OF, resources=[patient, older])
    assert [a.question_id for a in r.used] == ["prior_checkpoint_inhibitor"]


def test_screenings_queue_and_audit_hold_no_record_values(store):
    sid = store.start_screening(
        trial=TRIAL,
        patient="icc-004",
        by="clinician",
        subject="dr-wang",
        channel="chat",
        as_of="2026-11-24",
        conversation="dr-wang",
    )
    report = {
        "verdict": "ineligible",
        "as_of": "2026-11-24",
        "rules_version": "r",
        "input_hash": "h",
        "criteria": [
            {"id": "platelets", "status": "fail", "reason": "platelets 62 x10^9/L on 2026-11-10 < 100"}
        ],
        "missing": ["tuberculosis"],
    }
    store.finish_screening(sid, report, {"tuberculosis": "clinician or patient"})
    q = store.queue(TRIAL)
    assert [(e.patient, e.state) for e in q] == [("icc-004", "ineligible")]
    assert q[0].screening.failed[0]["reason"].startswith("platelets 62")
    assert q[0].screening.missing == [{"id": "tuberculosis", "ask": "clinician or patient"}]
    trail = store.trail("icc-004")
    assert [e.action for e in trail] == ["screening_started", "screening_finished"]
    assert "x10^9/L" not in repr([e.detail for e in trail]) and "platelets 62" not in repr(trail)
    assert store.queue(TRIAL, since=date.today() + timedelta(days=1)) == []


def test_restart_of_the_database_loses_no_answer(store_url, request):
    store = Store(store_url)
    for i in range(20):
        add(store, "tb_ever", "tuberculosis", "no" if i % 2 else "yes", day=AS_OF - timedelta(days=20 - i))
    if store_url.startswith("postgresql"):
        request.getfixturevalue("postgres").restart()
    else:
        # Another process (a restarted action server) reads what this one committed.
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from screening_log import Store; "
                "print(len(Store(sys.argv[1]).answers('icc-001', 'NCT03951597')))",
                store_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == "20"
    again = Store(store_url)
    assert len(again.answers("icc-001", TRIAL)) == 20
    add(again, "tb_ever", "tuberculosis", "no")
    assert len(again.answers("icc-001", TRIAL)) == 21


def test_sqlite_files_are_private(tmp_path, monkeypatch):
    state = tmp_path / "state"
    monkeypatch.setenv("PRESCREEN_STATE_DIR", str(state))
    monkeypatch.delenv("PRESCREEN_DB_URL", raising=False)
    store = Store()
    add(store, "tb_ever", "tuberculosis", "no")
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    for f in state.iterdir():
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f.name


def test_schema_is_versioned(store, store_url):
    with store.db.connect() as c:
        assert c.execute("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
        c.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer than this program"):
        Store(store_url)


def test_bad_url_is_one_line_error():
    with pytest.raises(StoreError, match="PRESCREEN_DB_URL must be"):
        Store("mysql://x")
    with pytest.raises(StoreError, match="cannot reach") as e:
        Store("postgresql://nobody:secret@127.0.0.1:1/x")
    assert "secret" not in str(e.value)
