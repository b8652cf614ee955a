"""The chat stack for the end-to-end tests: the real Rasa server (.venv-rasa), the real action
server (.venv) and HAPI (tests/conftest.py), on free loopback ports, with a state directory
(token and action secrets) of their own. The model is trained once if missing for this data."""

from __future__ import annotations

import os
import secrets
import socket
import sys

import pytest

from bot.supervisor import Stack, StackConfig

AS_OF = "2026-11-24"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chat_state(tmp_path_factory):
    state = tmp_path_factory.mktemp("prescreen-state")
    saved = os.environ.get("PRESCREEN_STATE_DIR")
    os.environ["PRESCREEN_STATE_DIR"] = str(state)  # this process signs tokens with the stack's key
    for key in ("PRESCREEN_TOKEN_SECRET", "PRESCREEN_ACTION_SECRET"):
        os.environ.pop(key, None)
    yield state
    if saved is None:
        os.environ.pop("PRESCREEN_STATE_DIR", None)
    else:
        os.environ["PRESCREEN_STATE_DIR"] = saved


@pytest.fixture(scope="session")
def chat_stack(chat_state, fhir_base, fhir_token):
    cfg = StackConfig(
        fhir_base=fhir_base,
        as_of=AS_OF,
        rasa_port=_free_port(),
        action_port=_free_port(),
        api_token=secrets.token_hex(16),  # (a urlsafe token may start with "-": an option to rasa run)
        log_dir=chat_state / "logs",
        extra_env={"PRESCREEN_FHIR_TOKEN": fhir_token, "PRESCREEN_STATE_DIR": str(chat_state)},
    )
    stack = Stack(cfg)
    stack.start(say=lambda m: print(m, file=sys.stderr))
    yield stack
    stack.stop()
