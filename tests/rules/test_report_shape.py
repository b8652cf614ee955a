"""The report: every criterion once with its kind, missing, verdict rules, the contract JSON,
and input_hash."""

from __future__ import annotations

import copy
import json
import random
import re
from datetime import date

import pytest
from builders import (
    ALL_IDS,
    CLEAN_EXPECTED,
    EXCLUSION_IDS,
    INCLUSION_IDS,
    PID,
    PLT,
    ago,
    bp,
    clean_patient,
    condition,
    ecog,
    lab,
    run,
)

STATUSES = {"pass", "fail", "unknown", "pending"}
SOURCES = {"record", "derived", "clinician", "patient"}


def assorted_records() -> list[list[dict]]:
    """A few records spanning the verdicts."""
    return [
        clean_patient(),
        clean_patient(drop={"platelets", "hemoglobin", "bp"}),
        clean_patient() + [condition("C18.9", onset=ago(400))],
        clean_patient(drop={"ecog"}) + [ecog(2, ago(3))],
        [r for r in clean_patient() if r["resourceType"] == "Patient"],
    ]


class TestCriteriaList:
    CRITERION = "report"

    def test_spec_has_36_criteria(self):
        assert len(ALL_IDS) == 36 and len(set(ALL_IDS)) == 36

    @pytest.mark.parametrize("record", range(5))
    def test_every_id_exactly_once_with_its_kind(self, record):
        out = run(assorted_records()[record]).to_dict()
        ids = [c["id"] for c in out["criteria"]]
        assert sorted(ids) == sorted(ALL_IDS)
        assert len(ids) == len(set(ids))
        kinds = {c["id"]: c["kind"] for c in out["criteria"]}
        assert all(kinds[i] == "inclusion" for i in INCLUSION_IDS)
        assert all(kinds[i] == "exclusion" for i in EXCLUSION_IDS)

    def test_result_accessor_matches_dict(self):
        report = run(clean_patient())
        out = report.to_dict()
        for c in out["criteria"]:
            res = report.result(c["id"])
            assert res.id == c["id"]
            assert res.kind == c["kind"]
            assert res.status == c["status"]
            assert res.reason == c["reason"]

    def test_clean_record_statuses(self):
        report = run(clean_patient())
        got = {i: report.result(i).status for i in ALL_IDS}
        wrong = {i: (got[i], CLEAN_EXPECTED[i]) for i in ALL_IDS if got[i] != CLEAN_EXPECTED[i]}
        assert not wrong, {i: f"{g} (expected {e}): {report.result(i).reason}"
                           for i, (g, e) in wrong.items()}

    @pytest.mark.parametrize("record", range(5))
    def test_statuses_reasons_and_evidence_are_well_formed(self, record):
        out = run(assorted_records()[record]).to_dict()
        for c in out["criteria"]:
            assert c["status"] in STATUSES
            assert isinstance(c["reason"], str) and c["reason"].strip()
            assert "\n" not in c["reason"]
            assert c["conflict"] is False
            for e in c["evidence"]:
                assert e["source"] in SOURCES

    def test_record_evidence_references_are_type_slash_id(self):
        out = run(clean_patient()).to_dict()
        for c in out["criteria"]:
            for e in c["evidence"]:
                if e["source"] == "record" and e.get("reference"):
                    assert re.fullmatch(r"[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}", e["reference"])


class TestMissingAndVerdict:
    CRITERION = "report"

    @pytest.mark.parametrize("record", range(5))
    def test_missing_equals_the_unknown_ids(self, record):
        report = run(assorted_records()[record])
        unknown = {i for i in ALL_IDS if report.result(i).status == "unknown"}
        assert set(report.missing) == unknown
        assert len(report.missing) == len(set(report.missing))
        assert set(report.to_dict()["missing"]) == unknown

    @pytest.mark.parametrize("record", range(5))
    def test_verdict_follows_the_statuses(self, record):
        report = run(assorted_records()[record])
        statuses = {report.result(i).status for i in ALL_IDS}
        if "fail" in statuses:
            expected = "ineligible"
        elif "unknown" in statuses:
            expected = "needs_information"
        else:
            expected = "potentially_eligible"
        assert report.verdict == expected
        assert report.to_dict()["verdict"] == expected

    def test_clean_record_needs_information(self):
        assert run(clean_patient()).verdict == "needs_information"

    def test_pending_criteria_never_listed_as_missing(self):
        report = run(clean_patient())
        assert "informed_consent" not in report.missing
        assert "investigator_judgment" not in report.missing

    def test_an_inclusion_fail_makes_ineligible(self):
        report = run(clean_patient(drop={"platelets"}) + [lab(PLT, 50, "10*9/L", ago(2))])
        assert report.result("platelets").status == "fail"
        assert report.verdict == "ineligible"

    def test_an_exclusion_that_applies_makes_ineligible(self):
        report = run(clean_patient(drop={"bp"}) + [bp(160, 100, ago(5)), bp(150, 95, ago(1))])
        assert report.result("hypertension").status == "fail"
        assert report.verdict == "ineligible"

    def test_unknowns_alongside_a_fail_still_listed(self):
        report = run(clean_patient() + [condition("C18.9", onset=ago(400))])
        assert report.verdict == "ineligible"
        assert "tuberculosis" in report.missing


class TestContractJson:
    CRITERION = "report"

    def test_top_level_fields(self):
        out = run(clean_patient()).to_dict()
        assert out["patient"] == f"Patient/{PID}"
        assert out["trial"] == "NCT03951597"
        assert out["as_of"] == "2026-11-24"
        assert out["verdict"] in ("potentially_eligible", "ineligible", "needs_information")
        assert isinstance(out["criteria"], list)
        assert isinstance(out["missing"], list)
        assert isinstance(out["notes"], list)
        assert all(isinstance(n, str) for n in out["notes"])
        assert isinstance(out["rules_version"], str) and out["rules_version"]
        assert re.fullmatch(r"[0-9a-f]{64}", out["input_hash"])

    def test_criterion_entries_have_contract_keys(self):
        out = run(clean_patient()).to_dict()
        for c in out["criteria"]:
            assert {"id", "kind", "status", "reason", "conflict", "evidence"} <= set(c)

    def test_json_serialisable_and_round_trips(self):
        out = run(clean_patient()).to_dict()
        assert json.loads(json.dumps(out)) == out

    def test_as_of_string_and_date_give_the_same_report(self):
        a = run(clean_patient(), as_of=date(2026, 11, 24)).to_dict()
        b = run(clean_patient(), as_of="2026-11-24").to_dict()
        assert a == b


class TestInputHash:
    CRITERION = "report"

    def test_same_inputs_same_hash(self):
        res = clean_patient()
        assert run(res).to_dict()["input_hash"] == run(copy.deepcopy(res)).to_dict()["input_hash"]

    def test_hash_independent_of_resource_order(self):
        res = clean_patient() + [condition("K92.2", onset=ago(200))]
        shuffled = copy.deepcopy(res)
        random.Random(7).shuffle(shuffled)
        assert shuffled != res
        assert run(res).to_dict()["input_hash"] == run(shuffled).to_dict()["input_hash"]

    def test_hash_independent_of_reversed_order(self):
        res = clean_patient()
        assert (run(res).to_dict()["input_hash"]
                == run(list(reversed(res))).to_dict()["input_hash"])

    def test_meta_does_not_change_hash(self):
        res = clean_patient()
        with_meta = copy.deepcopy(res)
        for i, r in enumerate(with_meta):
            r["meta"] = {"versionId": str(i + 2), "lastUpdated": "2026-11-23T10:00:00+08:00",
                         "source": "#lis"}
        assert run(res).to_dict()["input_hash"] == run(with_meta).to_dict()["input_hash"]

    def test_changed_resource_changes_hash(self):
        res = clean_patient()
        changed = copy.deepcopy(res)
        for r in changed:
            if r["id"] == "platelets-clean":
                r["valueQuantity"]["value"] = 181
        assert run(res).to_dict()["input_hash"] != run(changed).to_dict()["input_hash"]

    def test_added_used_resource_changes_hash(self):
        res = clean_patient()
        more = res + [lab(PLT, 150, "10*9/L", ago(1))]
        assert run(res).to_dict()["input_hash"] != run(more).to_dict()["input_hash"]

    def test_as_of_changes_hash(self):
        res = clean_patient()
        a = run(res, as_of=date(2026, 11, 24)).to_dict()["input_hash"]
        b = run(res, as_of=date(2026, 11, 25)).to_dict()["input_hash"]
        assert a != b

    def test_as_of_as_string_gives_the_same_hash(self):
        res = clean_patient()
        assert (run(res, as_of=date(2026, 11, 24)).to_dict()["input_hash"]
                == run(res, as_of="2026-11-24").to_dict()["input_hash"])

    def test_screen_does_not_mutate_its_input(self):
        from eligibility import screen

        res = clean_patient()
        before = copy.deepcopy(res)
        screen(res, as_of=date(2026, 11, 24))
        assert res == before
