"""Property-based tests of the facts layer and the engine (hypothesis).

Any R4-valid Observation, Condition, MedicationRequest/Statement/Administration or
AllergyIntolerance shape (every value[x] type, components, comparators, partial dates,
missing fields) yields a report with every criterion, and the statuses never depend on the
order of the resources."""

from __future__ import annotations

import random
import string
from datetime import date

from builders import ALL_IDS, AS_OF, PID, clean_patient, run
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from eligibility import screen
from fhir_ingest.facts import catalogue, extract
from fhir_ingest.validate import validate_resource

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

# --- small parts ---------------------------------------------------------------------------

days = st.integers(min_value=-30, max_value=800).map(lambda n: AS_OF.toordinal() - n)
full_date = days.map(lambda o: date.fromordinal(o).isoformat())
partial_date = st.one_of(
    st.integers(1930, 2027).map(str),
    st.tuples(st.integers(1930, 2027), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
)
date_time = st.tuples(
    full_date,
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from(["Z", "+08:00", "-05:00", ".123+01:00"]),
).map(lambda t: f"{t[0]}T{t[1]:02d}:{t[2]:02d}:00{t[3]}")
any_date = st.one_of(full_date, partial_date, date_time)
decimal = st.one_of(
    st.integers(-5, 100000),
    st.floats(min_value=-10, max_value=1e6, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 4)),
)
text = st.text(alphabet=string.ascii_letters + string.digits + " <>=.-/%阳阴性", max_size=20)

lab_codes = sorted(catalogue().by_code) + ["770-8", "62238-1", "12345-6"]
units = [
    "10*9/L",
    "10*3/uL",
    "/uL",
    "g/dL",
    "g/L",
    "mg/dL",
    "umol/L",
    "U/L",
    "s",
    "{INR}",
    "[IU]/mL",
    "mL/min",
    "mm[Hg]",
    "kg",
    "%",
    "furlong",
    "",
    "mmol/L",
    "pmol/L",
    "ng/dL",
]


@st.composite
def quantity(draw, value_required: bool = True) -> dict:
    q: dict = {}
    if value_required or draw(st.booleans()):
        q["value"] = draw(decimal)
    unit = draw(st.sampled_from(units))
    if draw(st.booleans()):
        q.update({"unit": unit, "system": UCUM, "code": unit or "1"})
    elif unit:
        q["unit"] = unit
    if draw(st.booleans()):
        q["comparator"] = draw(st.sampled_from(["<", "<=", ">", ">="]))
    return q


qual_codes = [
    "10828004",
    "260385009",
    "260373001",
    "260415000",
    "11214006",
    "131194007",
    "82334004",
    "LA6576-8",
    "LA6577-6",
    "425389002",
    "422512005",
    "LA9623-5",
    "LA15173-0",
]


@st.composite
def concept(draw, systems: list[str], codes: list[str]) -> dict:
    cc: dict = {}
    if draw(st.booleans()):
        cc["coding"] = [
            {
                "system": draw(st.sampled_from(systems)),
                "code": draw(st.sampled_from(codes)),
                **({"display": draw(text)} if draw(st.booleans()) else {}),
            }
            for _ in range(draw(st.integers(1, 2)))
        ]
        cc["coding"] = [c for c in cc["coding"] if c.get("display", "x").strip()] or [
            {"system": systems[0], "code": codes[0]}
        ]
    if draw(st.booleans()) or not cc:
        t = draw(text)
        cc["text"] = t if t.strip() else "x"
    return cc


@st.composite
def value_x(draw) -> dict:
    kind = draw(
        st.sampled_from(
            [
                "Quantity",
                "String",
                "CodeableConcept",
                "Integer",
                "Boolean",
                "Range",
                "Ratio",
                "Period",
                "DateTime",
                "Time",
                "absent",
                "none",
            ]
        )
    )
    if kind == "Quantity":
        return {"valueQuantity": draw(quantity())}
    if kind == "String":
        s = draw(
            st.one_of(
                text,
                st.sampled_from(
                    [
                        "0.4",
                        "<0.5 mg/dL",
                        "12.0 s",
                        "None detected",
                        "Not reactive",
                        "Positive",
                        "indeterminate",
                        "1",
                    ]
                ),
            )
        )
        return {"valueString": s if s.strip() else "x"}
    if kind == "CodeableConcept":
        return {"valueCodeableConcept": draw(concept([SNOMED, LOINC, "urn:local"], qual_codes))}
    if kind == "Integer":
        return {"valueInteger": draw(st.integers(-3, 200))}
    if kind == "Boolean":
        return {"valueBoolean": draw(st.booleans())}
    if kind == "Range":
        return {"valueRange": {"low": {"value": draw(decimal)}}}
    if kind == "Ratio":
        return {"valueRatio": {"numerator": {"value": draw(decimal)}, "denominator": {"value": 1}}}
    if kind == "Period":
        return {"valuePeriod": {"start": draw(full_date)}}
    if kind == "DateTime":
        return {"valueDateTime": draw(any_date)}
    if kind == "Time":
        return {"valueTime": "08:30:00"}
    if kind == "absent":
        return {
            "dataAbsentReason": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "unknown"}
                ]
            }
        }
    return {}


@st.composite
def reference_range(draw) -> list:
    rr: dict = {}
    if draw(st.booleans()):
        rr["low"] = draw(quantity())
        rr["low"].pop("comparator", None)
    if draw(st.booleans()):
        rr["high"] = draw(quantity())
        rr["high"].pop("comparator", None)
    if draw(st.booleans()) or not rr:
        rr["text"] = draw(st.sampled_from(["0.27-4.20", "<40", ">1.5", "3.5~5.2", "normal"]))
    return [rr]


@st.composite
def observation(draw, n: int) -> dict:
    obs: dict = {
        "resourceType": "Observation",
        "id": f"obs-{n}",
        "status": draw(
            st.sampled_from(["final", "amended", "corrected", "preliminary", "cancelled", "entered-in-error"])
        ),
        "code": draw(concept([LOINC, "urn:local"], lab_codes)),
        "subject": {"reference": f"Patient/{PID}"},
    }
    when = draw(st.sampled_from(["effectiveDateTime", "effectivePeriod", "issued", "none"]))
    if when == "effectiveDateTime":
        obs["effectiveDateTime"] = draw(any_date)
    elif when == "effectivePeriod":
        obs["effectivePeriod"] = {"start": draw(st.one_of(full_date, date_time))}
    elif when == "issued":
        obs["issued"] = draw(date_time)
    obs.update(draw(value_x()))
    if draw(st.booleans()):
        obs["referenceRange"] = draw(reference_range())
    if draw(st.booleans()):
        obs["interpretation"] = [
            draw(
                concept(
                    ["http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"],
                    ["POS", "NEG", "IND", "N", "H", "L", "RR", "NR"],
                )
            )
        ]
    if draw(st.integers(0, 3)) == 0:
        comps = []
        for code in draw(st.lists(st.sampled_from(["8480-6", "8462-4", "1234-5"]), max_size=3)):
            comp = {"code": {"coding": [{"system": LOINC, "code": code}]}}
            comp.update(draw(value_x()))
            comps.append(comp)
        if comps:
            obs["component"] = comps
    return obs


condition_codes = {
    "http://hl7.org/fhir/sid/icd-10-cm": [
        "C22.1",
        "C22.0",
        "K72.90",
        "K72.91",
        "D68.51",
        "D68.0",
        "A15.0",
        "E05.0",
        "G70.00",
        "B20",
        "F10.20",
        "R18.8",
        "J84.10",
        "Z33.1",
        "I85.11",
        "C34.90",
        "C44.91",
    ],
    SNOMED: ["254637007", "25370001", "109842005", "126906006", "56717001", "77386006", "38341003"],
    "http://terminology.hl7.org/CodeSystem/icd-o-3": [
        "8160/3",
        "C22.0",
        "C22.1",
        "8180/3",
        "8246/3",
        "8010/3",
        "8140/3",
    ],
    "urn:local": ["X1", "TB-01"],
}
all_condition_systems = sorted(condition_codes)


@st.composite
def condition(draw, n: int) -> dict:
    system = draw(st.sampled_from(all_condition_systems))
    c: dict = {
        "resourceType": "Condition",
        "id": f"cond-{n}",
        "subject": {"reference": f"Patient/{PID}"},
        "code": draw(concept([system], condition_codes[system])),
    }
    ver = draw(
        st.sampled_from(
            [None, "confirmed", "unconfirmed", "provisional", "differential", "refuted", "entered-in-error"]
        )
    )
    if ver:
        c["verificationStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": ver}]
        }
    clin = draw(
        st.sampled_from([None, "active", "recurrence", "relapse", "inactive", "remission", "resolved"])
    )
    if clin and ver != "entered-in-error":
        c["clinicalStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clin}]
        }
    if draw(st.booleans()):
        c["onsetDateTime"] = draw(any_date)
    if draw(st.booleans()):
        c["recordedDate"] = draw(st.one_of(full_date, date_time))
    if clin in ("inactive", "remission", "resolved") and draw(st.booleans()):
        c["abatementDateTime"] = draw(any_date)
    return c


drug_codes = {
    "http://www.nlm.nih.gov/research/umls/rxnorm": [
        "1547545",
        "3264",
        "327361",
        "11289",
        "32592",
        "8640",
        "42316",
        "378252",
    ],
    "http://www.whocc.no/atc": ["L01FF02", "H02AB02", "L04AB04", "B01AA03", "L01XA03", "N02BE01"],
}
route_texts = [
    "Oral",
    "Subcutaneous",
    "Topical",
    "Ophthalmic",
    "Intra-articular",
    "IV",
    "Inhalation",
    "per G-tube",
]


@st.composite
def dosage(draw) -> dict:
    d: dict = {}
    if draw(st.booleans()):
        d["route"] = {"text": draw(st.sampled_from(route_texts))}
    if draw(st.booleans()):
        d["timing"] = {
            "repeat": {
                "frequency": draw(st.integers(1, 4)),
                "period": draw(st.integers(1, 14)),
                "periodUnit": draw(st.sampled_from(["h", "d", "wk"])),
            }
        }
    if draw(st.booleans()):
        d["doseAndRate"] = [
            {
                "doseQuantity": {
                    "value": draw(st.integers(1, 80)),
                    "unit": draw(st.sampled_from(["mg", "mL", "g"])),
                }
            }
        ]
    return d


@st.composite
def medication_use(draw, n: int) -> dict:
    kind = draw(st.sampled_from(["MedicationRequest", "MedicationStatement", "MedicationAdministration"]))
    system = draw(st.sampled_from(sorted(drug_codes)))
    med = draw(concept([system], drug_codes[system]))
    res: dict = {
        "resourceType": kind,
        "id": f"med-{n}",
        "subject": {"reference": f"Patient/{PID}"},
        "medicationCodeableConcept": med,
    }
    if kind == "MedicationRequest":
        res["status"] = draw(
            st.sampled_from(
                [
                    "active",
                    "on-hold",
                    "cancelled",
                    "completed",
                    "entered-in-error",
                    "stopped",
                    "draft",
                    "unknown",
                ]
            )
        )
        res["intent"] = draw(
            st.sampled_from(["proposal", "plan", "order", "original-order", "instance-order"])
        )
        if draw(st.booleans()):
            res["authoredOn"] = draw(st.one_of(full_date, date_time))
        if draw(st.booleans()):
            res["dosageInstruction"] = [draw(dosage())]
    elif kind == "MedicationStatement":
        res["status"] = draw(
            st.sampled_from(
                [
                    "active",
                    "completed",
                    "entered-in-error",
                    "intended",
                    "stopped",
                    "on-hold",
                    "unknown",
                    "not-taken",
                ]
            )
        )
        if draw(st.booleans()):
            res["effectiveDateTime"] = draw(any_date)
        if draw(st.booleans()):
            res["dosage"] = [draw(dosage())]
    else:
        res["status"] = draw(
            st.sampled_from(
                ["in-progress", "not-done", "on-hold", "completed", "entered-in-error", "stopped", "unknown"]
            )
        )
        res["effectiveDateTime"] = draw(st.one_of(full_date, date_time))
        if draw(st.booleans()):
            d = draw(dosage())
            res["dosage"] = {k: v for k, v in d.items() if k == "route"} or {"text": "as directed"}
    return res


@st.composite
def allergy(draw, n: int) -> dict:
    a: dict = {
        "resourceType": "AllergyIntolerance",
        "id": f"alg-{n}",
        "patient": {"reference": f"Patient/{PID}"},
        "code": draw(concept(["http://www.nlm.nih.gov/research/umls/rxnorm"], ["32592", "2555", "7980"])),
    }
    if draw(st.booleans()):
        a["type"] = draw(st.sampled_from(["allergy", "intolerance"]))
    ver = draw(st.sampled_from([None, "unconfirmed", "confirmed", "refuted", "entered-in-error"]))
    if ver:
        a["verificationStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                    "code": ver,
                }
            ]
        }
    if ver != "entered-in-error" and draw(st.booleans()):
        a["clinicalStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": draw(st.sampled_from(["active", "inactive", "resolved"])),
                }
            ]
        }
    if draw(st.booleans()):
        a["recordedDate"] = draw(st.one_of(full_date, date_time))
    return a


@st.composite
def resources(draw) -> list[dict]:
    makers = [observation, condition, medication_use, allergy]
    n = draw(st.integers(1, 6))
    return [draw(makers[draw(st.integers(0, 3))](i)) for i in range(n)]


# --- properties ----------------------------------------------------------------------------


@SETTINGS
@given(resources(), st.randoms(use_true_random=False))
def test_any_valid_shape_yields_a_report_whatever_the_order(extra, rnd: random.Random):
    valid = [r for r in extra if validate_resource(r, "generated").ok]
    assume(valid)
    record = clean_patient() + valid
    report = run(record)
    assert [r.id for r in report.criteria] == ALL_IDS
    assert report.verdict in ("potentially_eligible", "ineligible", "needs_information")
    for r in report.criteria:
        assert r.status in ("pass", "fail", "unknown", "pending")
        assert isinstance(r.reason, str) and r.reason and "\n" not in r.reason
        if r.status == "fail":
            assert r.evidence
    shuffled = list(record)
    rnd.shuffle(shuffled)
    assert run(shuffled).to_dict() == report.to_dict()


@SETTINGS
@given(st.lists(observation(0), min_size=1, max_size=4))
def test_observations_alone_never_raise_in_the_facts_layer(observations):
    for i, obs in enumerate(observations):
        obs["id"] = f"obs-{i}"
    facts = extract(observations, AS_OF)
    for values in facts.measurements.values():
        for m in values:
            assert m.value is None or m.problem is None
            assert m.value is None or m.value == m.value  # no NaN


@SETTINGS
@given(any_date, st.sampled_from(["male", "female", "other", "unknown", None]))
def test_any_birth_date_decides_age_consistently(birth, gender):
    from builders import patient

    record = clean_patient(drop={"patient"}) + [patient(PID, birth, gender)]
    report = screen(record, AS_OF)
    age = report.result("age")
    if age.status != "unknown":
        # the decision holds for both ends of a partial date
        for end in ("first", "last"):
            day = _end_of(birth, end)
            exact = screen(clean_patient(drop={"patient"}) + [patient(PID, day, gender)], AS_OF)
            assert exact.status("age") == age.status


def _end_of(value: str, which: str) -> str:
    from fhir_ingest.facts import date_span

    span = date_span(value)
    assert span is not None
    return (span[0] if which == "first" else span[1]).isoformat()
