"""Two Rasa servers sharing a PostgreSQL tracker store and a Redis lock store (private Debian
instances started here), one conversation alternating between them."""

from __future__ import annotations

import concurrent.futures as cf

import pytest
import requests
from svc import clinician, folder_config, say, texts

from bot.supervisor import Stack
from tests.support.services import Postgres, Redis


@pytest.fixture(scope="module")
def replicated(service_state, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stores")
    with Postgres(folder / "pg") as pg, Redis(folder / "redis") as redis:
        stack = Stack(folder_config(service_state, replicas=2, tracker_url=pg.url, lock_url=redis.url))
        stack.start(say=lambda m: None)
        try:
            yield stack, pg
        finally:
            stack.stop()


def test_one_conversation_alternating_between_two_rasa_servers(replicated):
    stack, pg = replicated
    health = requests.get(f"http://127.0.0.1:{stack.public_port}/health", timeout=30).json()
    assert health["tracker_store"] == "PostgreSQL" and health["replicas"] == 2
    assert {"rasa-1", "rasa-2", "actions-1", "actions-2", "nginx"} <= set(health["parts"])
    one, two = (u + "/webhooks/prescreen/webhook" for u in stack.rasa_urls)
    token = clinician("dr-alternate")
    opening = texts(say(one, token, "pre-screen patient icc-001"))
    assert "icc-001" in opening and "unresectable" in opening  # the first (grouped tumour) question
    after = texts(say(two, token, "all apply"))  # answered on the other server
    assert "unresectable" not in after.split("\n")[-1]
    summary = texts(say(one, token, "summary so far"))
    # The three tumour items recorded on server two are seen by server one.
    assert "icc-001" in summary and "3 from answers" in summary, summary
    # two messages at once, one to each server: the lock store serialises them
    with cf.ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda u: say(u, token, "summary so far"), (one, two)))
    assert all(r.status_code == 200 and "icc-001" in texts(r) for r in replies)
    # and through the balancer
    assert "icc-001" in texts(say(stack.webhook, token, "summary so far"))


def test_conversations_are_in_postgresql(replicated):
    stack, pg = replicated
    import subprocess

    out = subprocess.run(
        [
            str(stack_python()),
            "-c",
            f"import sqlalchemy as s; e=s.create_engine({pg.url!r});"
            "print(e.connect().execute(s.text('select count(distinct sender_id) from events')).scalar())",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 1


def stack_python():
    from bot.supervisor import rasa_python

    return rasa_python()
