"""Scale mode (--count N --out DIR --seed S): generated patients for benchmarks.

Each patient is the clean baseline with realistic values and 0-3 deviations, all picked by a
random generator seeded with (seed, patient number): the same N and seed give identical files.
These patients have no expected statuses.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from pathlib import Path

from . import deviations as dev
from .catalogue import GIVEN_F, GIVEN_M, PD1_KEYS, SURNAMES, cm
from .fhir import concept
from .files import dumps, group, transaction
from .record import AS_OF, Case


def _jitter(rng, spec):
    lo, hi, v = spec["low"], spec["high"], spec["value"]
    if lo is None or hi is None:
        return v
    x = rng.uniform(lo + (hi - lo) * 0.15, hi - (hi - lo) * 0.25)
    digits = 0 if hi >= 100 else (1 if hi >= 10 else 2)
    return round(x, digits) if digits else int(round(x))


LOW_VALUES = {"anc": {"us": [0.9, 1.2, 1.5], "si": [0.9, 1.2, 1.5]},
              "plt": {"us": [62, 85, 100], "si": [62, 85, 100]},
              "hgb": {"us": [7.9, 8.6, 9.0], "si": [79, 86, 90]},
              "alb": {"us": [2.7, 2.9, 3.0], "si": [27, 29, 30]}}


def _low_count(c, r):
    key = r.choice(sorted(LOW_VALUES))
    c.labs[key] = dict(value=r.choice(LOW_VALUES[key][c.profile]))


def _below(c, key):
    s = c.lab_spec(key)
    return round(s["low"] * 0.85, 1)


def _high(c, r):
    key = r.choice(["tbil", "alt", "ast", "cr"])
    s = c.lab_spec(key)
    v = s["high"] * r.choice([1.3, 1.5, 2.2])
    c.labs[key] = dict(value=round(v, 2 if s["high"] < 10 else 1))


def _cytology(c):
    c.pathology = None
    c.path_report("cyto-1", "CP", concept("Fine needle aspiration cytology, liver mass"),
                  "Liver mass, FNA: adenocarcinoma cells, consistent with cholangiocarcinoma.",
                  [concept(None, cm("C22.1", "Intrahepatic bile duct carcinoma"))], 52)


def _hcc(c):
    c.pathology = None
    c.icc_condition = False
    c.condition("dx-hcc", [cm("C22.0", "Liver cell carcinoma")], "Hepatocellular carcinoma", onset=45,
                recorded=42)


SCALE_DEVIATIONS = {
    "ecog": lambda c, r: setattr(c, "ecog", r.choice([("ecog", 1, 4), ("ecog", 2, 4), ("kps", 90, 4),
                                                       ("kps", 80, 4), ("kps", 100, 4), ("ecog", 0, 40)])),
    "child_pugh": lambda c, r: setattr(c, "child_pugh", r.choice([None, ("text", r.randint(7, 9), 5),
                                                                   ("loinc", "B", 5)])),
    "ascites": lambda c, r: (dev.ascites(c, r.randint(2, 25)), setattr(c, "child_pugh", None),
                             c.labs.update(alb=dict(value=r.choice([3.1, 3.3, 3.4]) if c.profile == "us"
                                                    else r.choice([31, 33, 34])))),
    "low_count": _low_count,
    "high_chem": lambda c, r: _high(c, r),
    "stale_cbc": lambda c, r: c.labs.update({k: dict(day=r.randint(29, 60)) for k in ("wbc", "anc", "plt",
                                                                                      "hgb")}),
    "pd1": lambda c, r: r.choice([
        lambda: dev.pd1_statement(c, r.choice(PD1_KEYS), start=r.randint(200, 700)),
        lambda: dev.pd1_request(c, r.choice(["特瑞普利单抗注射液 240 mg", "Tuoyi (toripalimab)",
                                             "Keytruda", "信迪利单抗"]), authored=r.randint(100, 600)),
        lambda: dev.pd1_admin(c, r.choice(PD1_KEYS), d=r.randint(60, 500)),
        lambda: c.med_request("rx-pd1-draft", r.choice(PD1_KEYS), authored=3, status="draft")])(),
    "malignancy": lambda c, r: (dev.other_cancer(c) if r.random() < 0.6 else dev.past_bcc(c)),
    "tb": lambda c, r: dev.tb_recent(c) if r.random() < 0.5 else dev.latent_tb(c),
    "autoimmune": lambda c, r: r.choice([lambda: dev.suspected_sle(c), lambda: dev.ra_methotrexate(c),
                                         lambda: dev.hypothyroid(c, hashimoto=True),
                                         lambda: dev.hypothyroid(c)])(),
    "lung": lambda c, r: dev.ild(c) if r.random() < 0.5 else dev.pulmonary_fibrosis_unspecified(c),
    "steroid": lambda c, r: r.choice([lambda: dev.prednisone(c), lambda: dev.methylpred_at_limit(c),
                                      lambda: dev.inhaled_steroid(c), lambda: dev.dexamethasone_admin(c),
                                      lambda: dev.steroid_unknown_route(c)])(),
    "bp": lambda c, r: setattr(c, "bp", r.choice([[(10, 146, 88), (3, 152, 94)],
                                                  [(40, 126, 80), (4, 158, 92)],
                                                  [(45, 130, 84)], [(12, 150, 95), (5, 128, 82)]])),
    "coagulation": lambda c, r: r.choice([lambda: dev.anticoagulant(c), lambda: dev.varices(c),
                                          lambda: dev.thrombocytopenia(c), lambda: dev.heparin_flush(c),
                                          lambda: c.labs.update(pt=dict(value=r.choice([14.0, 14.5,
                                                                                        16.2])))])(),
    "hbv": lambda c, r: dev.chronic_hbv(c, dna=r.choice([20, 150, 400, 4500, 30000]),
                                        unit=r.choice(["iu", "copies"]),
                                        comparator="<" if r.random() < 0.2 else None,
                                        antiviral=r.choice(["entecavir", "tenofovir", None])),
    "bleed": lambda c, r: dev.recent_bleed(c, r.randint(10, 85)) if r.random() < 0.5 else dev.old_bleed(c),
    "hiv": lambda c, r: dev.hiv(c) if r.random() < 0.3 else c.sero.update(hiv=(r.choice(["reactive", None]),
                                                                                  10)),
    "alcohol": lambda c, r: dev.alcohol_dependence(c),
    "platinum": lambda c, r: (dev.gemox_history(c), dev.platinum_allergy(c) if r.random() < 0.5
                              else dev.platinum_intolerance(c)),
    "pathology": lambda c, r: r.choice([lambda: _cytology(c), lambda: _hcc(c)])(),
    "thyroid": lambda c, r: c.labs.update(r.choice([{"tsh": dict(value=6.8)},
                                                    {"ft3": dict(value=_below(c, "ft3"))},
                                                    {"tsh": dict(absent="error")}])),
    "noise": lambda c, r: c.add(c.lab("plt", value=45, day=2, status="entered-in-error")),
}


def scale_case(i, seed):
    rng = random.Random(f"{seed}-{i}")
    sex = rng.choice(["male", "male", "female"])
    age = rng.randint(38, 78) if sex == "male" else rng.choice([rng.randint(38, 55), rng.randint(56, 78)])
    birth = (AS_OF - dt.timedelta(days=int(age * 365.25) + rng.randint(1, 360))).isoformat()
    profile = rng.choice(["us", "si"])
    names = (rng.choice(SURNAMES), rng.choice(GIVEN_F if sex == "female" else GIVEN_M))
    c = Case(f"gen-{i:06d}", sex, birth, profile, names=names, mrn=f"GN{i:08d}")
    c.lab_day = rng.randint(3, 20)
    c.ecog = ("ecog", 0, rng.randint(2, 20))
    c.child_pugh = (c.child_pugh[0], c.child_pugh[1], rng.randint(1, c.lab_day))
    c.bp = [(rng.randint(1, 20), rng.randint(105, 136), rng.randint(62, 86))]
    c.weight = (rng.randint(48, 88) if sex == "male" else rng.randint(42, 75), "kg", c.lab_day)
    c.icc_onset = rng.randint(30, 120)
    for key in c.panel + c.thyroid:
        if key != "ca199":
            c.labs[key] = dict(value=_jitter(rng, c.lab_spec(key)))
    if rng.random() < 0.3:
        dev.hypertension_controlled(c)
    if sex == "female" and age < 56:
        dev.not_pregnant(c) if rng.random() < 0.85 else dev.pregnant(c)
    slots = rng.sample(sorted(SCALE_DEVIATIONS), k=rng.choice([0, 1, 1, 2, 2, 3]))
    for slot in slots:
        SCALE_DEVIATIONS[slot](c, rng)
    return c


def write_scale(count, out, seed):
    t0 = time.monotonic()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pids = []
    n_res = 0
    for i in range(1, count + 1):
        c = scale_case(i, seed)
        res = c.resources()
        n_res += len(res)
        (out / f"{c.pid}.json").write_text(dumps(transaction(res), indent=None), encoding="utf-8")
        pids.append(c.pid)
    (out / "group-gen-cohort.json").write_text(
        dumps(transaction([group("gen-cohort", f"Generated cohort (seed {seed})", pids)]), indent=None),
        encoding="utf-8")
    print(f"wrote {count} patients ({n_res} resources) to {out} in {time.monotonic() - t0:.1f}s")
