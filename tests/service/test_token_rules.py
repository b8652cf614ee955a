"""Token rules from the security review: lifetime cap, iat required, key length, algorithm
pinned, revocation, and two keys during a rotation."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from bot.access import keys
from bot.access.tokens import InvalidToken, issue, revoke, verify

STRONG = "k" * 40


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("PRESCREEN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("PRESCREEN_TOKEN_SECRET", raising=False)
    monkeypatch.delenv("PRESCREEN_TOKEN_SECRET_PREVIOUS", raising=False)
    monkeypatch.delenv("PRESCREEN_REVOKED_TOKENS", raising=False)
    return tmp_path / "state"


def _claims(**over) -> dict:
    now = int(time.time())
    base = {
        "iss": "prescreen",
        "aud": "prescreen-chat",
        "iat": now,
        "exp": now + 600,
        "sub": "x",
        "role": "clinician",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize("hours", [1e9, float("inf"), float("nan"), 0, -1, 24 * 8])
def test_lifetime_is_capped_at_issue(hours):
    with pytest.raises(ValueError):
        issue("clinician", user="dr-a", ttl_hours=hours)


@pytest.mark.parametrize("hours", ["1e9", "inf"])
def test_token_command_refuses_endless_tokens(state, hours):
    exe = Path(sys.executable).parent / "prescreen"
    out = subprocess.run(
        [str(exe), "token", "--role", "clinician", "--user", "a", "--hours", hours],
        env=dict(os.environ, PRESCREEN_STATE_DIR=str(state)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        out.returncode == 2 and out.stderr.startswith("prescreen: error:") and "Traceback" not in out.stderr
    )


def test_verify_refuses_long_lived_missing_iat_future_iat_and_other_algorithms():
    key = keys.token_secret()
    now = int(time.time())
    bad = [
        jwt.encode(_claims(exp=now + 10**9), key, algorithm="HS256"),  # signed by us, endless
        jwt.encode(_claims(iat=None), key, algorithm="HS256"),
        jwt.encode(_claims(iat=now + 3600, exp=now + 7200), key, algorithm="HS256"),
        jwt.encode(_claims(aud="another-app"), key, algorithm="HS256"),
        jwt.encode(_claims(iss="someone"), key, algorithm="HS256"),
        jwt.encode(_claims(), key, algorithm="HS512"),
        jwt.encode(_claims(), None, algorithm="none"),
    ]
    for token in bad:
        with pytest.raises(InvalidToken):
            verify(token)
    assert verify(jwt.encode(_claims(), key, algorithm="HS256")).sub == "x"


def test_short_environment_key_is_refused(monkeypatch):
    monkeypatch.setenv("PRESCREEN_TOKEN_SECRET", "short-secret")
    with pytest.raises(keys.WeakSecret) as e:
        issue("clinician", user="dr-a")
    assert "short-secret" not in str(e.value)


def test_revoked_token_is_refused_and_others_still_pass():
    leaked, other = issue("clinician", user="dr-a"), issue("clinician", user="dr-a")
    revoke(leaked)
    with pytest.raises(InvalidToken, match="revoked"):
        verify(leaked)
    assert verify(other).sub == "dr-a"


def test_rotation_accepts_the_previous_key_until_it_is_dropped(monkeypatch):
    old, new = "o" * 40, "n" * 40
    monkeypatch.setenv("PRESCREEN_TOKEN_SECRET", old)
    clinician_token = issue("clinician", user="dr-a")
    patient_token = issue("patient", patient="icc-001")
    monkeypatch.setenv("PRESCREEN_TOKEN_SECRET", new)
    monkeypatch.setenv("PRESCREEN_TOKEN_SECRET_PREVIOUS", old)
    assert verify(clinician_token).sub == "dr-a"
    assert verify(patient_token).patient == "icc-001"
    assert verify(issue("clinician", user="dr-b")).sub == "dr-b"  # new tokens: the new key
    monkeypatch.delenv("PRESCREEN_TOKEN_SECRET_PREVIOUS")
    with pytest.raises(InvalidToken):
        verify(clinician_token)
