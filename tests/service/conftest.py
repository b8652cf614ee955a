"""The service as it runs: real Rasa servers, action servers, nginx (and, where a test needs them,
PostgreSQL and Redis from tests/support/services.py), started by bot/supervisor.py on free
loopback ports with a private state directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.supervisor import Stack, StackConfig, free_port

REPO = Path(__file__).resolve().parents[2]
COHORT = REPO / "data" / "synthetic" / "bundles"
AS_OF = "2026-11-24"


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


def folder_config(state: Path, **kw) -> StackConfig:
    return StackConfig(
        fhir_dir=str(COHORT),
        as_of=AS_OF,
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=state / "logs",
        extra_env={"PRESCREEN_STATE_DIR": str(state)},
        **kw,
    )


@pytest.fixture(scope="package")
def service(service_state):
    """One Rasa server behind nginx, conversations in SQLite, records from the cohort folder."""
    stack = Stack(folder_config(service_state))
    stack.start(say=lambda m: None)
    yield stack
    stack.stop()
