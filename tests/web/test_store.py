"""The portal's durable state: one-time codes, sessions, the page's conversation (no server)."""

from __future__ import annotations

import stat
import threading
import time

import pytest

from web.store import PortalStore


@pytest.fixture
def store(tmp_path):
    return PortalStore(tmp_path / "state" / "portal.sqlite3")


def test_files_are_private_and_codes_are_not_stored(store):
    code = store.create_invite("icc-001", 72, "en")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    sid, _ = store.exchange(code, 8)
    raw = b"".join(p.read_bytes() for p in store.path.parent.iterdir())
    assert code.encode() not in raw and sid.encode() not in raw  # digests only


def test_a_code_is_spent_once(store):
    code = store.create_invite("icc-001", 72, "zh")
    assert store.invite_state(code).status == "valid" and store.invite_state(code).lang == "zh"
    sid, session = store.exchange(code, 8)
    assert session.patient == "icc-001" and session.lang == "zh"
    assert store.session(sid) == session
    assert store.exchange(code, 8) is None
    assert store.invite_state(code).status == "used"
    assert store.invite_state("never-issued-code-000000").status == "unknown"


def test_only_one_of_many_simultaneous_exchanges_wins(store):
    code = store.create_invite("icc-001", 72, "en")
    wins = []

    def go():
        wins.append(store.exchange(code, 8))

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(w is not None for w in wins) == 1


def test_expiry_of_codes_and_sessions(store):
    old = store.create_invite("icc-001", 1, "en", now=time.time() - 7200)
    assert store.invite_state(old).status == "expired" and store.exchange(old, 8) is None
    soon = store.create_invite("icc-001", 0.5, "en")  # the session never outlives its invitation
    _, session = store.exchange(soon, 8)
    assert session.expires <= time.time() + 0.5 * 3600 + 1
    assert store.session("no-such-session") is None and store.session(None) is None
    with pytest.raises(ValueError):
        store.create_invite("icc-001", float("inf"), "en")
    with pytest.raises(ValueError):
        store.create_invite("icc-001", 0, "en")


def test_the_conversation_survives_a_new_store_object(store):
    store.add_turns("c1", [{"who": "bot", "text": "a"}, {"who": "user", "text": "b"}])
    store.add_turns("c1", [{"who": "bot", "text": "c"}])
    again = PortalStore(store.path)  # as after a restart
    assert [t["text"] for t in again.turns("c1")] == ["a", "b", "c"]
    assert again.turns("c2") == []
