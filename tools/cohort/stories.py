"""The 44 hand-designed patients of data/synthetic/ and the statuses each one should get.

The patients are data, in stories.json: for each one its id, sex, birth date and unit profile,
the story and what it demonstrates (both copied to expected.json and the README), `expect` and
`build`. `expect` lists the criteria whose record-only status differs from BASE_EXPECT: those
statuses are the independent oracle described in expected.py, designed by hand from
shared/spec/criteria.md, never computed by (or copied from a run of) the rules engine.

`build` turns the clean baseline Case into that patient's record, one step after another:
  ["set", {attribute: value}]          baseline knobs of the Case (SETTABLE)
  ["labs", {key: overrides | null}]    the baseline panel's values (null leaves the test out)
  ["sero", {key: [result, days ago]}]  the baseline serology (result null: no test)
  ["deviation", name, [args], {kw}]    a building block of deviations.py
  ["call", method, [args], {kw}]       a Case method that adds a resource (CALLS)
  ["add", maker, [args], {kw}]         add the resource a Case maker returns (MAKERS)
Arguments that are FHIR values (codings, CodeableConcepts, dosages) are written as FHIR JSON;
days are counted back from AS_OF, as everywhere in the generator.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from . import deviations as dev
from .catalogue import GIVEN_F, GIVEN_M, SURNAMES
from .expected import BASE_EXPECT
from .record import Case

SETTABLE = {"lab_day", "ecog", "child_pugh", "bp", "weight", "sero_style", "pathology", "icc_condition",
            "thyroid"}
CALLS = {"condition", "path_report", "med_request", "med_statement", "med_admin", "medication", "allergy"}
MAKERS = {"lab", "qual", "ecog_obs"}


def _set(c: Case, values: dict) -> None:
    for name, value in values.items():
        if name not in SETTABLE:
            raise KeyError(f"{c.pid}: cannot set {name}")
        setattr(c, name, value)


def _deviation(c: Case, name: str, args: list, kw: dict) -> None:
    fn = getattr(dev, name, None)
    if name.startswith("_") or not callable(fn):
        raise KeyError(f"{c.pid}: no deviation {name}")
    fn(c, *args, **kw)


def _call(c: Case, method: str, args: list, kw: dict) -> None:
    if method not in CALLS:
        raise KeyError(f"{c.pid}: {method} is not a Case method that adds a resource")
    getattr(c, method)(*args, **kw)


def _add(c: Case, maker: str, args: list, kw: dict) -> None:
    if maker not in MAKERS:
        raise KeyError(f"{c.pid}: {maker} is not a Case maker")
    c.add(getattr(c, maker)(*args, **kw))


STEPS = {
    "set": _set,
    "labs": lambda c, values: c.labs.update(values),
    "sero": lambda c, values: c.sero.update(values),
    "deviation": _deviation,
    "call": _call,
    "add": _add,
}


def _load() -> list[dict]:
    specs = json.loads((Path(__file__).with_name("stories.json")).read_text(encoding="utf-8"))
    for spec in specs:
        spec.setdefault("profile", "us")
        spec.setdefault("expect", {})
    return specs


PATIENTS = _load()


def build_case(spec):
    index = int(spec["pid"].rsplit("-", 1)[1])  # names and MRN follow the id, not the list position
    sex = spec["sex"]
    names = (SURNAMES[index % len(SURNAMES)],
             (GIVEN_F if sex == "female" else GIVEN_M)[(index * 7) % (len(GIVEN_F) if sex == "female"
                                                                      else len(GIVEN_M))])
    c = Case(spec["pid"], sex or "unknown", spec["birth"], spec["profile"], names=names,
             mrn=f"ZS{20260000 + index * 37:08d}")
    for op, *args in copy.deepcopy(spec["build"]):  # the steps' dicts become the Case's own
        STEPS[op](c, *args)
    return c


def expected_for(spec):
    crit = dict(BASE_EXPECT)
    for k, v in spec["expect"].items():
        if k not in crit:
            raise KeyError(f"{spec['pid']}: unknown criterion {k}")
        crit[k] = v
    return crit
