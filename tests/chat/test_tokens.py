"""Chat access tokens and the local secrets."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from bot.access import keys
from bot.access.tokens import InvalidToken, issue, patient_subject, verify


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("PRESCREEN_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("PRESCREEN_TOKEN_SECRET", raising=False)
    monkeypatch.delenv("PRESCREEN_ACTION_SECRET", raising=False)
    return tmp_path


def test_secrets_are_generated_once_private_and_distinct(state: Path):
    first = keys.token_secret()
    assert keys.token_secret() == first and keys.action_secret() != first
    mode = stat.S_IMODE(os.stat(state / "token-secret").st_mode)
    assert mode == 0o600


def test_environment_secret_wins(monkeypatch):
    monkeypatch.setenv("PRESCREEN_TOKEN_SECRET", "from-env-" + "k" * 32)  # at least 32 characters
    assert keys.token_secret() == "from-env-" + "k" * 32


def test_clinician_token_round_trip():
    claims = verify(issue("clinician", user="dr-ma"))
    assert (claims.sub, claims.role, claims.patient) == ("dr-ma", "clinician", None)


def test_patient_token_is_bound_to_its_patient():
    claims = verify(issue("patient", patient="icc-001"))
    assert (claims.role, claims.patient) == ("patient", "icc-001")
    assert claims.sub == patient_subject("icc-001") and "icc-001" not in claims.sub  # no patient id in logs


@pytest.mark.parametrize(
    "kwargs", [{"role": "clinician"}, {"role": "patient"}, {"role": "admin", "user": "x"}]
)
def test_issue_refuses_incomplete_tokens(kwargs):
    with pytest.raises(ValueError):
        issue(**kwargs)


def _forge(claims: dict, secret: str | None = None) -> str:
    base = {"iss": "prescreen", "aud": "prescreen-chat", "exp": int(time.time()) + 60}
    return jwt.encode({**base, **claims}, secret or keys.token_secret(), algorithm="HS256")


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "",
    ],
)
def test_garbage_is_refused(token):
    with pytest.raises(InvalidToken):
        verify(token)


def test_wrong_key_expired_bad_role_and_unbound_patient_are_refused():
    for token in (
        _forge({"sub": "x", "role": "clinician"}, secret="another"),
        _forge({"sub": "x", "role": "clinician", "exp": int(time.time()) - 1}),
        _forge({"sub": "x", "role": "admin"}),
        _forge({"sub": patient_subject("icc-001"), "role": "patient"}),
        _forge({"sub": patient_subject("icc-002"), "role": "patient", "patient": "icc-001"}),
        jwt.encode(
            {"sub": "x", "role": "clinician", "exp": int(time.time()) + 60}, keys.token_secret(), "HS256"
        ),
    ):
        with pytest.raises(InvalidToken):
            verify(token)


def test_prescreen_token_command(state: Path):
    exe = Path(sys.executable).parent / "prescreen"
    env = dict(os.environ, PRESCREEN_STATE_DIR=str(state))
    out = subprocess.run(
        [str(exe), "token", "--role", "patient", "--patient", "icc-007"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert verify(out.stdout.strip()).patient == "icc-007"
    bad = subprocess.run(
        [str(exe), "token", "--role", "clinician"], env=env, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode != 0 and bad.stderr.startswith("prescreen: error:")
