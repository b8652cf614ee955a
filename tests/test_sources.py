"""ServerSource against the real HAPI server loaded with the synthetic cohort (fixtures
fhir_base, fhir_token from conftest), compared with what the cohort files hold."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import requests

from fhir_ingest.auth import BearerToken
from fhir_ingest.client import FhirClient
from fhir_ingest.errors import FhirError, PatientNotFound
from fhir_ingest.server_source import load_plan
from fhir_ingest.sources import DirSource, ServerSource

try:
    from support import cohort
    from support.fault_proxy import INVALID_OBSERVATION_ID, FaultProxy
except ImportError:  # pragma: no cover
    from tests.support import cohort
    from tests.support.fault_proxy import INVALID_OBSERVATION_ID, FaultProxy

# The types the default search plan asks for (Medication comes along with the orders).
PLAN_TYPES = {
    "Patient", "Observation", "Condition", "MedicationRequest", "MedicationStatement",
    "MedicationAdministration", "AllergyIntolerance", "DiagnosticReport", "Medication",
}


@pytest.fixture
def client(fhir_base, fhir_token) -> Iterator[FhirClient]:
    with FhirClient(fhir_base, auth=BearerToken(fhir_token) if fhir_token else None,
                    backoff_base=0.05) as c:
        yield c


@pytest.fixture
def proxy(fhir_base) -> Iterator[FaultProxy]:
    with FaultProxy(fhir_base) as p:
        yield p


def proxied_client(proxy: FaultProxy, fhir_token) -> FhirClient:
    return FhirClient(proxy.base_url, auth=BearerToken(fhir_token) if fhir_token else None,
                      backoff_base=0.05)


def keyset(record) -> set[tuple[str, str]]:
    return {(r["resourceType"], r["id"]) for r in record.resources}


def expected_keys(pid: str, codes: list[str]) -> set[tuple[str, str]]:
    """What the cohort files hold for this patient that the plan fetches."""
    wanted = set(codes)
    out = set()
    for rtype, rid, owner, res in cohort.cohort_resources():
        if owner != pid or rtype not in PLAN_TYPES:
            continue
        if rtype == "Observation":
            own = {f"{c.get('system')}|{c.get('code')}" for c in res["code"].get("coding", [])}
            if not own & wanted:
                continue
        out.add((rtype, rid))
    return out


def without_observations(keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {k for k in keys if k[0] != "Observation"}


def without_medications(keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {k for k in keys if k[0] != "Medication"}


# --- whole records ----------------------------------------------------------------------


def test_every_cohort_patient_loads_as_the_files_hold(client):
    codes = cohort.observation_codes()
    src = ServerSource(client, codes)
    dir_src = DirSource(cohort.COHORT_DIR)
    for pid in cohort.patient_ids():
        rec = src.load(pid)
        assert rec.patient_id == pid and rec.patient["id"] == pid
        assert rec.issues == [], (pid, [str(i) for i in rec.issues])
        assert without_medications(keyset(rec)) == without_medications(expected_keys(pid, codes))
        # a Medication an order names is in the record, whether _included or read after
        for mr in rec.of_type("MedicationRequest"):
            ref = (mr.get("medicationReference") or {}).get("reference", "")
            if ref.startswith("Medication/"):
                assert ("Medication", ref.split("/", 1)[1]) in keyset(rec)
        # the folder and the server agree on the same patient (all codes were asked for)
        from_dir = {k for k in keyset(dir_src.load(pid)) if k[0] in PLAN_TYPES}
        assert without_observations(from_dir) == without_observations(keyset(rec))
        assert sorted(keyset(rec)) == [(r["resourceType"], r["id"]) for r in rec.resources]


def test_only_the_requested_codes_are_fetched(client):
    pid = cohort.richest_patient()
    codes = cohort.observation_codes(pid)[:2]
    rec = ServerSource(client, codes).load(pid)
    got = {k for k in keyset(rec) if k[0] == "Observation"}
    assert got == {k for k in expected_keys(pid, codes) if k[0] == "Observation"}
    assert got  # the codes came from this patient's own Observations


def test_small_pages_and_code_chunks_give_the_same_record(proxy, fhir_token):
    pid = cohort.richest_patient()
    codes = cohort.observation_codes()
    with proxied_client(proxy, fhir_token) as c:
        big = ServerSource(c, codes).load(pid)
        proxy.clear()
        small = ServerSource(c, codes, page_size=2, max_url_chars=400).load(pid)
    assert keyset(small) == keyset(big)
    code_requests = proxy.count(r"/Observation\?.*code=")
    assert code_requests > 1, "a 400-character URL budget should split the code list"
    assert all(len(s.path) < 400 + 50 for s in proxy.seen if "code=" in s.path)
    assert proxy.count(r"_getpages=") > 0


def test_code_text_search(client):
    pid = cohort.richest_patient()
    texts = sorted({
        r["code"]["text"] for t, _, owner, r in cohort.cohort_resources()
        if owner == pid and t == "Observation" and r.get("code", {}).get("text")
    })
    if not texts:
        pytest.skip("the cohort's Observations carry no code.text")
    rec = ServerSource(client, [], observation_text=texts[:1]).load(pid)
    assert rec.of_type("Observation"), "code:text found nothing"
    assert rec.issues == []


# --- failures ---------------------------------------------------------------------------


def test_unknown_patient_is_patient_not_found(client):
    src = ServerSource(client, cohort.observation_codes())
    with pytest.raises(PatientNotFound) as e:
        src.load("no-such-patient-xyz")
    assert str(e.value) == f"patient 'no-such-patient-xyz' not found in server {client.base_url}"
    with pytest.raises(PatientNotFound):
        src.load("../Observation")  # not a FHIR id: never sent


def test_invalid_resource_is_skipped_and_reported_rest_loads(proxy, fhir_token):
    pid = cohort.richest_patient()
    codes = cohort.observation_codes()
    proxy.inject("invalid_resource", times=1, path_regex=r"/Observation\?")
    with proxied_client(proxy, fhir_token) as c:
        rec = ServerSource(c, codes).load(pid)
    assert without_medications(keyset(rec)) == without_medications(expected_keys(pid, codes))
    assert [(i.reference, i.where.split("?")[0]) for i in rec.issues] == [
        (f"Observation/{INVALID_OBSERVATION_ID}", "Observation")]
    assert "banana" not in str(rec.issues[0]) and "abc" not in str(rec.issues[0])


def test_retries_inside_a_load(proxy, fhir_token):
    pid = cohort.richest_patient()
    proxy.inject("503", times=1, path_regex=r"/Condition\?")
    proxy.inject("429", times=1, path_regex=r"/AllergyIntolerance\?", retry_after=0)
    proxy.inject("reset", times=1, path_regex=r"/DiagnosticReport\?")
    with proxied_client(proxy, fhir_token) as c:
        rec = ServerSource(c, cohort.observation_codes()).load(pid)
        assert c.retries == 3
    assert rec.issues == []


def test_optional_search_unsupported_becomes_an_issue(client):
    pid = cohort.richest_patient()
    plan = {"profiles": {"t": [
        {"type": "Condition", "params": {"patient": "{patient}"}},
        {"type": "Observation", "params": {"patient": "{patient}", "bogus-param": "1"},
         "optional": True},
    ]}}
    rec = ServerSource(client, [], plan=plan, profile="t").load(pid)
    assert {k[0] for k in keyset(rec)} <= {"Patient", "Condition"}
    assert len(rec.issues) == 1 and "search not supported" in rec.issues[0].message
    plan["profiles"]["t"][1]["optional"] = False
    with pytest.raises(FhirError) as e:
        ServerSource(client, [], plan=plan, profile="t").load(pid)
    assert e.value.status == 400


def test_unsupported_include_is_dropped_and_medications_read(client, caplog):
    with_orders = [p for p in cohort.patient_ids() if cohort.counts(p)["MedicationRequest"]]
    if not with_orders:
        pytest.skip("no MedicationRequest in the cohort")
    pid = with_orders[0]
    plan = {"profiles": {"t": [
        {"type": "MedicationRequest",
         "params": {"patient": "{patient}", "_include": "MedicationRequest:bogus"},
         "drop_on_400": ["_include"]},
    ]}}
    caplog.set_level(logging.INFO, logger="fhir_ingest")
    rec = ServerSource(client, [], plan=plan, profile="t").load(pid)
    assert {k for k in keyset(rec) if k[0] == "MedicationRequest"} == {
        ("MedicationRequest", i) for i in cohort.ids(pid, "MedicationRequest")}
    assert "retrying without _include" in caplog.text
    referenced = {
        mr["medicationReference"]["reference"].split("/", 1)[1]
        for mr in rec.of_type("MedicationRequest")
        if mr.get("medicationReference", {}).get("reference", "").startswith("Medication/")
    }
    assert referenced == {k[1] for k in keyset(rec) if k[0] == "Medication"}


def test_patient_ids_lists_the_cohort(client):
    ids = ServerSource(client, []).patient_ids()
    assert set(cohort.patient_ids()) <= set(ids)


# --- the plan file ----------------------------------------------------------------------


def test_search_plan_profiles_are_well_formed():
    for profile in ("default", "epic"):
        searches = load_plan(profile=profile)
        assert searches and all(s.type[0].isupper() for s in searches)
        for s in searches:
            params = dict(s.params)
            assert params.get("patient") == "{patient}", (profile, s)
    epic = load_plan(profile="epic")
    obs = [dict(s.params) for s in epic if s.type == "Observation" and not s.optional]
    assert obs and all(p.get("category") == "laboratory" for p in obs)


def test_plan_chunks_stay_under_the_url_budget(client):
    codes = [f"http://loinc.org|{n}-{n % 10}" for n in range(10000, 10300)]
    src = ServerSource(client, codes, max_url_chars=1800)
    search = src.searches[0]
    variants = list(src._expand(search, "icc-001"))
    assert len(variants) > 1
    seen = []
    for params in variants:
        req = client.session.prepare_request(
            requests.Request("GET", f"{client.base_url}/Observation", params=params))
        assert len(req.url) <= 1800
        seen.extend(dict(params)["code"].split(","))
    assert seen == codes
