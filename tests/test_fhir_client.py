"""FhirClient against the real HAPI server (fixtures fhir_base, fhir_token from
conftest), with our fault proxy in front where a test needs the network to misbehave."""

from __future__ import annotations

import json
import logging
import math
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import jwt as pyjwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import RSAAlgorithm

from fhir_ingest.auth import BearerToken, SmartBackendServices
from fhir_ingest.client import FhirClient, retry_after_seconds
from fhir_ingest.errors import (
    FhirAuthError,
    FhirBadResponse,
    FhirError,
    FhirNotFound,
    FhirUnreachable,
)

try:  # tests/ on sys.path (rootdir-relative imports) or tests as a package
    from support import cohort
    from support.fault_proxy import FaultProxy
except ImportError:  # pragma: no cover
    from tests.support import cohort
    from tests.support.fault_proxy import FaultProxy


@pytest.fixture
def auth(fhir_token):
    return BearerToken(fhir_token) if fhir_token else None


@pytest.fixture
def proxy(fhir_base) -> Iterator[FaultProxy]:
    with FaultProxy(fhir_base) as p:
        yield p


def client_for(base: str, auth, **kw) -> FhirClient:
    kw.setdefault("backoff_base", 0.05)  # keep retry tests quick; the waits are not under test
    return FhirClient(base, auth=auth, **kw)


@pytest.fixture
def pid() -> str:
    return cohort.richest_patient("Observation")


# --- plain reads and searches -----------------------------------------------------------


def test_read_patient(fhir_base, auth, pid):
    with client_for(fhir_base, auth) as c:
        patient = c.read("Patient", pid)
    assert patient["resourceType"] == "Patient" and patient["id"] == pid


def test_read_unknown_is_named_not_found(fhir_base, auth):
    with client_for(fhir_base, auth) as c, pytest.raises(FhirNotFound) as e:
        c.read("Patient", "no-such-patient-xyz")
    err = e.value
    assert err.status == 404
    assert str(err).startswith("FHIR server error 404 on GET Patient/no-such-patient-xyz: ")
    assert "is not known" in err.outcome_text
    assert "\n" not in str(err)


def test_paging_across_several_pages_returns_what_the_files_hold(proxy, auth, pid):
    expected = cohort.ids(pid, "Observation")
    assert len(expected) > 6, "the cohort's richest patient should need several pages"
    page = 3
    with client_for(proxy.base_url, auth) as c:
        got = [r["id"] for r in c.search("Observation", {"patient": pid, "_count": str(page)})]
    assert len(got) == len(got_set := set(got)), "a resource came twice across pages"
    assert got_set == expected
    pages = proxy.count()
    assert math.ceil(len(expected) / page) <= pages <= math.ceil(len(expected) / page) + 1
    # HAPI's next links are _getpages cursors, followed through the proxy (rewritten)
    assert proxy.count(r"_getpages=") == pages - 1


def test_search_pages_and_relative_next_links(fhir_base, auth, pid):
    with client_for(fhir_base, auth) as c:
        first = next(c.search_pages("Observation", {"patient": pid, "_count": "2"}))
        nxt = next(link["url"] for link in first["link"] if link["relation"] == "next")
        relative = nxt[len(fhir_base.rstrip("/")):]  # "?_getpages=..."
        fake = {"resourceType": "Bundle", "link": [{"relation": "next", "url": relative}]}
        assert c._next_link(fake, "") == nxt
        page2 = c.get_json(relative)
    assert page2["resourceType"] == "Bundle" and page2.get("entry")


# --- retries ----------------------------------------------------------------------------


def test_429_retry_after_is_honoured(proxy, auth, pid):
    proxy.inject("429", times=1, path_regex=r"/Patient/", retry_after=1)
    with client_for(proxy.base_url, auth) as c:
        started = time.monotonic()
        assert c.read("Patient", pid)["id"] == pid
        waited = time.monotonic() - started
    assert proxy.count(r"/Patient/") == 2
    assert proxy.count(fault="429") == 1
    assert c.retries == 1
    assert waited >= 1.0, f"retried after {waited:.2f}s, before Retry-After: 1"
    assert waited < 5


def test_retry_after_is_capped(proxy, auth, pid):
    proxy.inject("429", times=1, path_regex=r"/Patient/", retry_after=120)
    with client_for(proxy.base_url, auth, retry_after_cap=0.5) as c:
        started = time.monotonic()
        c.read("Patient", pid)
    assert 0.5 <= time.monotonic() - started < 5


def test_503_and_502_are_retried(proxy, auth, pid):
    proxy.inject("503", times=2, path_regex=r"/Observation")
    proxy.inject("502", times=1, path_regex=r"_getpages=")
    with client_for(proxy.base_url, auth) as c:
        got = list(c.search("Observation", {"patient": pid, "_count": "5"}))
    assert {r["id"] for r in got} == cohort.ids(pid, "Observation")
    assert proxy.count(fault="503") == 2 and proxy.count(fault="502") == 1
    assert c.retries == 3


def test_503_for_too_long_is_an_error_with_status(proxy, auth, pid):
    proxy.inject("503", times=10)
    with client_for(proxy.base_url, auth, max_retries=2) as c, pytest.raises(FhirError) as e:
        c.read("Patient", pid)
    assert e.value.status == 503 and proxy.count() == 3


def test_read_timeout_retried_then_succeeds(proxy, auth, pid):
    proxy.inject("delay", times=1, seconds=1.5)
    with client_for(proxy.base_url, auth, timeout=(2, 0.5)) as c:
        assert c.read("Patient", pid)["id"] == pid
    assert proxy.count() == 2 and c.retries == 1


def test_read_timeouts_exhausted_are_named_unreachable(proxy, auth, pid):
    proxy.inject("delay", times=10, seconds=1.2)
    with client_for(proxy.base_url, auth, timeout=(2, 0.4), max_retries=2) as c:
        with pytest.raises(FhirUnreachable) as e:
            c.read("Patient", pid)
    assert proxy.count() == 3  # the first try and two retries
    assert e.value.status is None
    assert "read timed out" in str(e.value) and "3 attempts" in str(e.value)


def test_connection_reset_is_retried(proxy, auth, pid):
    proxy.inject("reset", times=2, path_regex=r"/Patient/")
    with client_for(proxy.base_url, auth) as c:
        assert c.read("Patient", pid)["id"] == pid
    assert proxy.count(fault="reset") == 2 and proxy.count(r"/Patient/") == 3


def test_truncated_json_is_a_bad_response_not_retried(proxy, auth, pid):
    proxy.inject("truncate", times=1, path_regex=r"/Observation")
    with client_for(proxy.base_url, auth) as c, pytest.raises(FhirBadResponse) as e:
        list(c.search("Observation", {"patient": pid}))
    assert "truncated or invalid JSON" in str(e.value)
    assert proxy.count() == 1
    assert pid not in str(e.value)  # query values are elided from messages


def test_closed_port_is_unreachable_quickly():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = FhirClient(f"http://127.0.0.1:{port}/fhir")
    started = time.monotonic()
    with pytest.raises(FhirUnreachable) as e:
        c.read("Patient", "x")
    assert time.monotonic() - started < 3
    assert "connection refused" in str(e.value)
    assert str(e.value).startswith("FHIR server unreachable on GET Patient/x: ")


# --- auth -------------------------------------------------------------------------------


def test_missing_token_is_named(fhir_base, fhir_token, proxy, pid):
    if fhir_token:
        base = fhir_base  # the real server refuses us
    else:
        base = proxy.base_url  # this HAPI needs no token: the proxy plays the refusal
        proxy.inject("401", times=1)
    with FhirClient(base) as c, pytest.raises(FhirAuthError) as e:
        c.read("Patient", pid)
    assert e.value.status == 401
    assert "401" in str(e.value)
    if fhir_token:
        assert "PRESCREEN_FHIR_TOKEN" in str(e.value) or e.value.outcome_text


def test_wrong_token_is_named(fhir_base, fhir_token, pid):
    if not fhir_token:
        pytest.skip("this HAPI was started without PRESCREEN_FHIR_TOKEN")
    with FhirClient(fhir_base, auth=BearerToken("wrong-" + fhir_token)) as c:
        with pytest.raises(FhirAuthError) as e:
            c.read("Patient", pid)
    assert e.value.status in (401, 403)
    assert fhir_token not in str(e.value)


def test_bearer_token_works_and_passes_the_proxy(fhir_token, proxy, pid):
    if not fhir_token:
        pytest.skip("this HAPI was started without PRESCREEN_FHIR_TOKEN")
    with FhirClient(proxy.base_url, auth=BearerToken(fhir_token)) as c:
        assert c.read("Patient", pid)["id"] == pid
    assert repr(BearerToken(fhir_token)) == "BearerToken(***)"


# --- logging ----------------------------------------------------------------------------


def test_debug_logs_carry_no_patient_data(fhir_base, auth, pid, caplog):
    caplog.set_level(logging.DEBUG, logger="fhir_ingest")
    with client_for(fhir_base, auth) as c:
        c.read("Patient", pid)
        list(c.search("Observation", {"patient": pid, "_count": "4"}))
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("fhir_ingest")]
    assert messages, "expected DEBUG lines"
    assert any("GET Observation 200" in m for m in messages)
    assert not any(pid in m for m in messages)


# --- without a server -------------------------------------------------------------------


def test_retry_after_forms():
    assert retry_after_seconds("3") == 3
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert 25 < retry_after_seconds(format_datetime(when, usegmt=True)) <= 30
    past = datetime.now(timezone.utc) - timedelta(seconds=30)
    assert retry_after_seconds(format_datetime(past, usegmt=True)) == 0


def test_backoff_is_deterministic_and_bounded():
    a = FhirClient("http://127.0.0.1:9/fhir", seed=7)
    b = FhirClient("http://127.0.0.1:9/fhir", seed=7)
    delays = [a._backoff(i) for i in range(6)]
    assert delays == [b._backoff(i) for i in range(6)]
    for i, d in enumerate(delays):
        ceiling = min(8.0, 0.25 * 2**i)
        assert ceiling / 2 <= d <= ceiling


def test_next_link_loop_is_refused(monkeypatch):
    c = FhirClient("http://127.0.0.1:9/fhir")
    page = {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Basic"}}],
            "link": [{"relation": "next", "url": "http://127.0.0.1:9/fhir?_getpages=a"}]}
    monkeypatch.setattr(c, "get_json", lambda url, params=None, kind=None: page)
    with pytest.raises(FhirBadResponse, match="paging loop"):
        list(c.search("Basic"))


def test_next_link_to_another_server_is_refused():
    c = FhirClient("http://127.0.0.1:9/fhir", auth=BearerToken("secret"))
    with pytest.raises(FhirBadResponse, match="another server"):
        c.get_json("http://elsewhere.example:8080/fhir?_getpages=a")


def test_search_skips_outcome_entries_and_passes_odd_entries_on(monkeypatch):
    c = FhirClient("http://127.0.0.1:9/fhir")
    page = {"resourceType": "Bundle", "entry": [
        {"resource": {"resourceType": "Observation", "id": "1"}, "search": {"mode": "match"}},
        {"resource": {"resourceType": "Medication", "id": "m"}, "search": {"mode": "include"}},
        {"resource": {"resourceType": "OperationOutcome"}, "search": {"mode": "outcome"}},
        "not an entry",
    ]}
    monkeypatch.setattr(c, "get_json", lambda url, params=None, kind=None: page)
    got = list(c.search("Observation"))
    assert got == [page["entry"][0]["resource"], page["entry"][1]["resource"], "not an entry"]


# --- SMART Backend Services: the client assertion -----------------------------------------


def rsa_key_pair(kid: str = "test-key-1") -> tuple[str, dict]:
    """A fresh RSA private key (PEM) and its public JWK, as a client registers it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "alg": "RS384", "use": "sig", "key_ops": ["verify"]})
    return pem, jwk


def test_client_assertion_claims():
    pem, jwk = rsa_key_pair()
    token_url = "https://ehr.example.org/oauth2/token"
    auth = SmartBackendServices("prescreen-client", pem, "test-key-1", token_url=token_url)
    first, second = auth.client_assertion(token_url), auth.client_assertion(token_url)
    header = pyjwt.get_unverified_header(first)
    assert header == {"alg": "RS384", "kid": "test-key-1", "typ": "JWT"}
    public = pyjwt.PyJWK(jwk).key
    claims = pyjwt.decode(first, public, algorithms=["RS384"], audience=token_url)
    assert claims["iss"] == claims["sub"] == "prescreen-client"
    assert claims["aud"] == token_url
    assert 0 < claims["exp"] - time.time() <= 300
    other = pyjwt.decode(second, public, algorithms=["RS384"], audience=token_url)
    assert other["jti"] != claims["jti"]  # unique per assertion
    with pytest.raises(ValueError):
        SmartBackendServices("c", pem, "k", alg="HS256")


def test_client_assertion_es384():
    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    auth = SmartBackendServices("c", pem, "ec-1", alg="ES384", token_url="https://t/token")
    token = auth.client_assertion("https://t/token")
    claims = pyjwt.decode(token, key.public_key(), algorithms=["ES384"], audience="https://t/token")
    assert claims["iss"] == "c"


# --- SMART Backend Services against HAPI's token endpoint ---------------------------------


def smart_auth(smart_client, **kw) -> SmartBackendServices:
    return SmartBackendServices(smart_client.client_id, smart_client.private_key_pem,
                                smart_client.key_id, alg=smart_client.alg, **kw)


@pytest.fixture
def smart_available(fhir_base) -> None:
    resp = requests.get(f"{fhir_base}/.well-known/smart-configuration", timeout=10)
    if resp.status_code != 200 or "token_endpoint" not in resp.json():
        pytest.skip("this HAPI has no SMART token endpoint; assertion claims are tested above")


def test_smart_backend_services_discovers_and_caches(fhir_base, smart_client, smart_available,
                                                     pid):
    auth = smart_auth(smart_client)
    with FhirClient(fhir_base, auth=auth) as c:
        assert c.read("Patient", pid)["id"] == pid
        assert list(c.search("Observation", {"patient": pid, "_count": "3"}))
    assert auth.token_url and auth.token_url.endswith("/auth/token")
    assert auth.token_requests == 1  # one token for every request while it is valid


def test_smart_token_refreshed_once_on_401(fhir_base, smart_client, smart_available, proxy,
                                          pid):
    auth = smart_auth(smart_client, fhir_base=fhir_base)
    auth.discover_token_url()  # from the server itself: the token's aud is its own URL
    proxy.inject("401", times=1, path_regex=r"/Patient/")
    with FhirClient(proxy.base_url, auth=auth) as c:
        assert c.read("Patient", pid)["id"] == pid
    assert auth.token_requests == 2
    assert proxy.count(r"/Patient/") == 2
    # both tries carried a bearer token through the proxy
    proxy.inject("401", times=2, path_regex=r"/Patient/")
    with FhirClient(proxy.base_url, auth=auth) as c, pytest.raises(FhirAuthError):
        c.read("Patient", pid)  # refreshed once, not in a loop
    assert auth.token_requests == 3


def test_smart_unknown_key_is_named(fhir_base, smart_client, smart_available, pid):
    other_pem, _ = rsa_key_pair(smart_client.key_id)  # right kid, wrong key
    auth = SmartBackendServices(smart_client.client_id, other_pem, smart_client.key_id)
    with FhirClient(fhir_base, auth=auth) as c, pytest.raises(FhirAuthError) as e:
        c.read("Patient", pid)
    assert e.value.method == "POST" and e.value.url.endswith("/auth/token")
    assert e.value.status in (400, 401)
    assert "BEGIN" not in str(e.value)
