"""A slow FHIR server mid-conversation, with two Rasa servers: whichever message needed the
record (the first of a screening, "yes" to switching patients, an answer when a stale record is
refreshed) is answered at once that the record is loading, and runs when the user writes again,
on the conversation as it was before it: an answer is neither lost nor read against another
question, and the next message may reach the other Rasa server. Real HAPI behind the fault
proxy (which only delays answers), real Rasa servers, action servers, Redis and nginx."""

from __future__ import annotations

import time

import pytest
from svc import clinician, proxied_config, running, say, texts

from bot.supervisor import Stack
from tests.support.fault_proxy import FaultProxy

WAIT = 2  # PRESCREEN_RECORD_WAIT_SECONDS: a load longer than this answers "loading"
STALE = 5  # PRESCREEN_RECORD_CACHE_SECONDS: a record older than this is loaded again
SLOW = 7  # the injected delay of one record's Patient read


@pytest.fixture(scope="module")
def slow(service_state, fhir_base, fhir_token):
    with FaultProxy(fhir_base) as proxy:
        cfg = proxied_config(
            proxy.base_url,
            fhir_token,
            service_state,
            "logs-loading",
            PRESCREEN_RECORD_WAIT_SECONDS=str(WAIT),
            PRESCREEN_RECORD_CACHE_SECONDS=str(STALE),
        )
        cfg.replicas = 2
        with running(cfg) as stack:
            yield stack, proxy


def hooks(stack: Stack) -> tuple[str, str]:
    one, two = (u + "/webhooks/prescreen/webhook" for u in stack.rasa_urls)
    return one, two


def settled(url: str, token: str, text: str, tries: int = 10) -> str:
    """Send `text`; while the record is loading (a busy machine: HAPI can take longer than WAIT),
    nudge again as the reply asks."""
    reply = texts(say(url, token, text))
    while "still loading" in reply and tries:
        time.sleep(3)
        reply, tries = texts(say(url, token, "any news?")), tries - 1
    return reply


def slow_record(proxy: FaultProxy, pid: str) -> None:
    proxy.inject("delay", times=1, path_regex=rf"/Patient/{pid}(\?|$)", seconds=SLOW)


def test_first_message_replayed_on_the_other_server(slow):
    stack, proxy = slow
    one, two = hooks(stack)
    token = clinician("dr-first-slow")
    slow_record(proxy, "icc-003")
    first = texts(say(one, token, "pre-screen patient icc-003"))
    assert "still loading" in first and "criteria settled" not in first
    time.sleep(SLOW + 1)
    later = settled(two, token, "any news?")
    assert "Patient icc-003" in later and "criteria settled" in later, later


def test_yes_to_another_patient_waits_for_that_patients_record(slow):
    stack, proxy = slow
    one, two = hooks(stack)
    token = clinician("dr-switch-slow")
    opening = settled(one, token, "pre-screen patient icc-001")
    assert "icc-001" in opening and "unresectable" in opening
    asked = texts(say(one, token, "please screen patient icc-002 instead"))
    assert "icc-002" in asked and "yes / no" in asked
    slow_record(proxy, "icc-002")
    loading = texts(say(two, token, "yes"))
    # only the loading line: not icc-001's question asked again on a turn that is undone
    assert "still loading" in loading and "unresectable" not in loading, loading
    time.sleep(SLOW + 1)
    later = settled(one, token, "ok?")
    assert "Patient icc-002" in later and "criteria settled" in later, later
    summary = texts(say(two, token, "summary so far"))
    assert "icc-002" in summary and "icc-001" not in summary, summary


def test_answer_during_a_slow_refresh_is_kept(slow):
    stack, proxy = slow
    one, two = hooks(stack)
    token = clinician("dr-refresh-slow")
    opening = settled(one, token, "pre-screen patient icc-001")
    assert "unresectable" in opening  # the grouped tumour question
    time.sleep(STALE + 1)  # the record goes stale: the answer's turn loads it again, slowly
    slow_record(proxy, "icc-001")
    loading = texts(say(two, token, "all apply"))
    assert "still loading" in loading and "unresectable" not in loading, loading
    time.sleep(SLOW + 1)
    later = settled(one, token, "any news?")
    assert "still loading" not in later and "unresectable" not in later.split("\n")[-1], later
    summary = texts(say(two, token, "summary so far"))
    # the three tumour items from the answer sent while the record was loading
    assert "icc-001" in summary and "3 from answers" in summary, summary
