"""The service as it runs: real Rasa servers, action servers, nginx (and, where a test needs them,
PostgreSQL and Redis from tests/support/services.py), started by bot/supervisor.py on free
loopback ports with a private state directory."""

from __future__ import annotations

import os

import pytest
from svc import AS_OF, COHORT, folder_config  # noqa: F401  (shared with the tests)

from bot.supervisor import Stack


@pytest.fixture(scope="package")
def service_state(tmp_path_factory):
    state = tmp_path_factory.mktemp("service-state") / "prescreen"  # created by the stack
    saved = {k: os.environ.get(k) for k in ("PRESCREEN_STATE_DIR", "PRESCREEN_TOKEN_SECRET")}
    os.environ["PRESCREEN_STATE_DIR"] = str(state)
    os.environ.pop("PRESCREEN_TOKEN_SECRET", None)
    yield state
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="package")
def service(service_state):
    """One Rasa server behind nginx, conversations in SQLite, records from the cohort folder."""
    stack = Stack(folder_config(service_state))
    stack.start(say=lambda m: None)
    yield stack
    stack.stop()
