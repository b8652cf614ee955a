"""One synthetic patient's record: dates relative to AS_OF and the Case that renders it.

Every date is AS_OF minus a number of days, so the story of each record is readable in the
code: day(6) is six days before the as-of date. Standard library only.
"""
from __future__ import annotations

import datetime as dt

from . import fhir
from .catalogue import LAB, MEDS, QUAL, QUAL_RESULT, cm, cn, sct, who
from .fhir import (
    ICDO3,
    ICDO3_OID,
    LOINC,
    OBS_INTERP,
    V2_0203,
    coding,
    concept,
    obs_category,
    qty,
)

AS_OF = dt.date(2026, 11, 24)
MRN_SYSTEM = "http://hospital.example.org/fhir/sid/mrn"
HOSPITAL = "Zhongshan Hospital (synthetic)"


def day(n: int) -> str:
    """The date n days before AS_OF (negative n: after it)."""
    return (AS_OF - dt.timedelta(days=n)).isoformat()


def when(n: int, hm: str = "08:30") -> str:
    """A Shanghai dateTime n days before AS_OF."""
    return f"{day(n)}T{hm}:00+08:00"


def as_date(v):
    return day(v) if isinstance(v, int) else v


class Case:
    """A patient record: a clean baseline (held in attributes that deviations change) plus
    extra resources added by deviations. `resources()` renders the whole record."""

    def __init__(self, pid, sex, birth, profile="us", names=None, mrn=None, style=None):
        self.pid = pid
        self.sex = sex
        self.birth = birth
        self.profile = profile
        self.style = style or ("cn" if profile == "si" else "cm")
        self.names = names
        self.mrn = mrn
        self.extras = []
        # baseline knobs
        self.lab_day = 6
        self.labs = {}  # key -> dict of overrides, or None to leave the test out
        self.panel = ["wbc", "anc", "plt", "hgb", "alb", "tbil", "alt", "ast", "cr", "pt", "inr", "ca199"]
        self.thyroid = ["tsh", "ft4", "ft3"] if profile == "us" else ["tsh", "ft3", "ft4", "tt3", "tt4"]
        self.ecog = ("ecog", 0, 5)
        self.child_pugh = ("loinc", "A", 5) if profile == "us" else ("text-cn", 5, 5)
        self.bp = [(6, 124, 78)]
        self.weight = (70 if sex != "female" else 60, "kg", 6)
        self.sero = {"hbsag": ("neg", 45), "hcv": ("neg", 45), "hiv": ("neg", 45)}
        self.sero_style = "cn" if profile == "si" else "sct"
        self.pathology = "icc"
        self.icc_condition = True
        self.icc_onset = 52

    # -- identity -------------------------------------------------------------------------
    def rid(self, suffix):
        return f"{self.pid}-{suffix.replace('_', '-')}"

    @property
    def subject(self):
        return fhir.reference("Patient", self.pid)

    def add(self, resource):
        self.extras.append(resource)
        return resource

    # -- building blocks ----------------------------------------------------------------------
    def patient(self):
        identifier = [{
            "use": "usual",
            "type": concept(None, coding(V2_0203, "MR", "Medical record number")),
            "system": MRN_SYSTEM,
            "value": self.mrn,
        }]
        (fam_cn, fam_py), (giv_cn, giv_py) = self.names
        names = [
            {"use": "official", "text": fam_cn + giv_cn, "family": fam_cn, "given": [giv_cn]},
            {"use": "usual", "text": f"{giv_py} {fam_py}", "family": fam_py, "given": [giv_py]},
        ]
        return fhir.patient(self.pid, identifier, names, self.sex, self.birth, active=True,
                            address=[{"city": "Shanghai", "country": "CN"}])

    def lab_spec(self, key, **ov):
        spec = dict(LAB[key][self.profile])
        if self.sex == "female" and "female" in spec:
            spec["low"], spec["high"], spec["value"] = spec["female"]
        spec.pop("female", None)
        spec.update(ov)
        return spec

    def lab(self, key, **ov):
        """A laboratory Observation; `ov` overrides the catalogue: value, day, status, low, high,
        range_text, no_range, unit, ucum, comparator, absent, hm, suffix."""
        s = self.lab_spec(key, **ov)
        d = s.get("day", self.lab_day)
        o = fhir.observation(self.rid(s.get("suffix") or f"{key}-{day(d).replace('-', '')}"),
                             s.get("status", "final"), obs_category("laboratory", "Laboratory"),
                             concept(s.get("text"), coding(LOINC, s["code"], s["display"])),
                             self.subject, when(d, s.get("hm", "07:40")), when(d, "11:20"))
        if s.get("absent"):
            o["dataAbsentReason"] = fhir.data_absent(s["absent"], s.get("absent_text"))
        else:
            q = {"value": s["value"]}
            if s.get("comparator"):
                q["comparator"] = s["comparator"]
            q.update(qty(s["value"], s["unit"], s["ucum"]))
            o["valueQuantity"] = q
            interp = None
            if not s.get("comparator") and not s.get("no_range"):
                if s["high"] is not None and s["value"] > s["high"]:
                    interp = ("H", "High")
                elif s["low"] is not None and s["value"] < s["low"]:
                    interp = ("L", "Low")
            if interp:
                o["interpretation"] = [concept(None, coding(OBS_INTERP, *interp))]
        if not s.get("no_range"):
            if s.get("range_text"):
                o["referenceRange"] = [{"text": s["range_text"]}]
            else:
                rr = {}
                if s["low"] is not None:
                    rr["low"] = qty(s["low"], s["unit"], s["ucum"])
                if s["high"] is not None:
                    rr["high"] = qty(s["high"], s["unit"], s["ucum"])
                o["referenceRange"] = [rr]
        return o

    def qual(self, key, result, d, style=None, suffix=None):
        """A qualitative serology / pregnancy test."""
        code, display, text_en, text_cn = QUAL[key]
        sct_coding, res_en, res_cn, interp, index = QUAL_RESULT[result]
        style = style or self.sero_style
        o = fhir.observation(self.rid(suffix or f"{key}-{day(d).replace('-', '')}"), "final",
                             obs_category("laboratory", "Laboratory"),
                             concept(text_cn if style == "cn" else text_en, coding(LOINC, code, display)),
                             self.subject, when(d, "07:40"), when(d, "15:00"))
        if style == "sct":
            o["valueCodeableConcept"] = concept(res_en, sct_coding)
        elif style == "cn":
            o["valueCodeableConcept"] = concept(res_cn)
        else:  # signal-to-cutoff index with an interpretation, as immunoassay analysers report
            o["valueQuantity"] = qty(index, "S/CO", "{s_co_ratio}")
            o["interpretation"] = [concept(None, coding(OBS_INTERP, interp, "Negative" if interp == "NEG"
                                                        else "Positive"))]
            o["referenceRange"] = [{"text": "<1.00"}]
        return o

    def survey(self, suffix, code, display, d, value_key, value, text=None):
        o = fhir.observation(self.rid(suffix), "final", obs_category("survey", "Survey"),
                             concept(text or display, *([coding(LOINC, code, display)] if code else [])),
                             self.subject, when(d, "10:15"))
        o[value_key] = value
        return o

    def ecog_obs(self, kind, value, d, style="int"):
        tag = day(d).replace("-", "")
        if kind == "kps":
            return self.survey(f"kps-{tag}", "89243-0", "Karnofsky Performance Status score", d,
                               "valueInteger", value)
        if style == "coded":
            la = {0: ("LA9622-7", "Fully active, able to carry on all pre-disease performance without "
                                  "restriction"),
                  1: ("LA9623-5", "Restricted in physically strenuous activity but ambulatory and able to "
                                  "carry out work of a light or sedentary nature")}[value]
            return self.survey(f"ecog-{tag}", "89247-1", "ECOG Performance Status score", d,
                               "valueCodeableConcept", concept(f"ECOG {value}", coding(LOINC, *la)))
        return self.survey(f"ecog-{tag}", "89247-1", "ECOG Performance Status score", d,
                           "valueInteger", value)

    def child_pugh_obs(self, style, value, d):
        tag = day(d).replace("-", "")
        if style == "loinc":  # class A/B/C as a string, as some national profiles require
            return self.survey(f"child-pugh-{tag}", "98153-0", None, d, "valueString", value,
                               text="Child-Pugh class")
        text = "Child-Pugh评分" if style == "text-cn" else "Child-Pugh score"
        return self.survey(f"child-pugh-{tag}", None, None, d, "valueInteger", value, text=text)

    def bp_obs(self, d, systolic, diastolic):
        mm = ("mmHg", "mm[Hg]")
        panel = coding(LOINC, "85354-9", "Blood pressure panel with all children optional")
        o = fhir.observation(self.rid(f"bp-{day(d).replace('-', '')}"), "final",
                             obs_category("vital-signs", "Vital Signs"), concept("Blood pressure", panel),
                             self.subject, when(d, "09:05"))
        o["component"] = [
            fhir.component(concept(None, coding(LOINC, "8480-6", "Systolic blood pressure")),
                           qty(systolic, *mm)),
            fhir.component(concept(None, coding(LOINC, "8462-4", "Diastolic blood pressure")),
                           qty(diastolic, *mm))]
        return o

    def weight_obs(self, value, unit, d):
        u = ("kg", "kg") if unit == "kg" else ("lb", "[lb_av]")
        o = fhir.observation(self.rid(f"weight-{day(d).replace('-', '')}"), "final",
                             obs_category("vital-signs", "Vital Signs"),
                             concept("Body weight", coding(LOINC, "29463-7", "Body weight")),
                             self.subject, when(d, "09:00"))
        o["valueQuantity"] = qty(value, *u)
        return o

    def condition(self, *args, **kw):
        return self.add(self.make_condition(*args, **kw))

    def make_condition(self, suffix, codings, text, onset=None, recorded=None, clinical="active",
                       verification="confirmed", abatement=None, cat="problem-list-item", note=None):
        cat_display = {"problem-list-item": "Problem List Item", "encounter-diagnosis": "Encounter Diagnosis"}
        return fhir.condition(self.rid(suffix), self.subject, concept(text, *codings),
                              fhir.condition_category(cat, cat_display[cat]), clinical, verification,
                              onset=None if onset is None else as_date(onset),
                              abatement=None if abatement is None else as_date(abatement),
                              recorded=None if recorded is None else as_date(recorded), note=note)

    def medication(self, suffix, code):
        return self.add(fhir.medication(self.rid(suffix), code))

    @staticmethod
    def _med(medicine):
        """medication[x] for a MEDS key, a "Medication/<id>" reference or a CodeableConcept."""
        if isinstance(medicine, str) and medicine.startswith("Medication/"):
            return fhir.medication_field(ref=medicine)
        return fhir.medication_field(MEDS[medicine] if isinstance(medicine, str) else medicine)

    def med_request(self, suffix, medicine, authored, status="active", intent="order", dose=None,
                    reason=None, note=None):
        return self.add(fhir.medication_request(self.rid(suffix), self.subject, self._med(medicine),
                                                when(authored, "10:30"), status, intent, dose, reason, note))

    def med_statement(self, suffix, medicine, status, start, end=None, asserted=None, dose=None, reason=None):
        return self.add(fhir.medication_statement(
            self.rid(suffix), self.subject, self._med(medicine), status, as_date(start),
            end=None if end is None else as_date(end),
            asserted=as_date(asserted if asserted is not None else start), dosage_=dose, reason=reason))

    def med_admin(self, suffix, medicine, d, mg=None, route=None, status="completed"):
        return self.add(fhir.medication_administration(self.rid(suffix), self.subject, self._med(medicine),
                                                       when(d, "09:40"), status, route, mg))

    def allergy(self, suffix, code, type_, clinical, manifestation, severity, onset, criticality=None):
        return self.add(fhir.allergy_intolerance(
            self.rid(suffix), self.subject, code, type_, clinical, "confirmed", criticality,
            onset=as_date(onset), recorded=as_date(onset),
            reaction={"manifestation": [manifestation], "severity": severity}))

    def path_report(self, *args, **kw):
        return self.add(self.make_path_report(*args, **kw))

    def make_path_report(self, suffix, cat, code, conclusion, codes, collected, issued=None, status="final"):
        cats = {"SP": "Surgical Pathology", "PAT": "Pathology (gross & histopath, not surgical)",
                "CP": "Cytopathology"}
        return fhir.diagnostic_report(
            self.rid(suffix), self.subject, code, when(collected, "09:30"),
            when(issued if issued is not None else collected - 3, "16:45"), conclusion, codes, status,
            category=cat, category_display=cats[cat], performer=f"{HOSPITAL}, Department of Pathology")

    # -- baseline pieces ----------------------------------------------------------------------
    def icc_codes(self):
        if self.style == "cn":
            return [cn("C22.100x001", "肝内胆管癌"), who("C22.1", "Intrahepatic bile duct carcinoma")]
        return [cm("C22.1", "Intrahepatic bile duct carcinoma"),
                sct("109842005", "Intrahepatic bile duct carcinoma")]

    def icc_pathology(self, d=None):
        d = self.icc_onset if d is None else d
        icdo = ICDO3 if self.profile == "us" else ICDO3_OID
        if self.profile == "us":
            code = concept("Surgical pathology report", coding(LOINC, "60567-5",
                                                                "Comprehensive pathology report panel"))
            text = ("Liver, segment VI, core needle biopsy: intrahepatic cholangiocarcinoma, moderately "
                    "differentiated, mass-forming type. IHC: CK7+, CK19+, CK20-, HepPar-1-, Arginase-1-.")
            cat = "SP"
        else:
            code = concept("病理诊断报告", coding(LOINC, "11526-1", "Pathology study"))
            text = ("（肝S6穿刺）肝内胆管癌，中分化，肿块型。免疫组化：CK7(+)，CK19(+)，CK20(-)，"
                    "HepPar-1(-)，Arginase-1(-)。")
            cat = "PAT"
        codes = [concept(None, who("C22.1", "Intrahepatic bile duct carcinoma")),
                 concept(None, sct("109842005", "Intrahepatic bile duct carcinoma")),
                 concept(None, coding(icdo, "8160/3", "Cholangiocarcinoma"))]
        return self.make_path_report("path-1", cat, code, text, codes, d)

    def resources(self):
        """The whole record: Patient first, then Medications, then the rest."""
        out = [self.patient()]
        core = []
        if self.icc_condition:
            core.append(self.make_condition("dx-icc", self.icc_codes(), "Intrahepatic cholangiocarcinoma",
                                            onset=self.icc_onset, recorded=self.icc_onset - 3))
        if self.pathology == "icc":
            core.append(self.icc_pathology())
        for key in self.panel + self.thyroid:
            if key in self.labs and self.labs[key] is None:
                continue
            core.append(self.lab(key, **self.labs.get(key, {})))
        for key, (result, d) in self.sero.items():
            if result:
                core.append(self.qual(key, result, d))
        for d, s, di in self.bp:
            core.append(self.bp_obs(d, s, di))
        if self.weight:
            core.append(self.weight_obs(*self.weight))
        if self.ecog:
            core.append(self.ecog_obs(*self.ecog))
        if self.child_pugh:
            core.append(self.child_pugh_obs(*self.child_pugh))
        meds = [r for r in self.extras if r["resourceType"] == "Medication"]
        rest = [r for r in self.extras if r["resourceType"] != "Medication"]
        out += meds + core + rest
        seen = set()
        for r in out:
            if r["id"] in seen:
                raise ValueError(f"duplicate id {r['id']}")
            seen.add(r["id"])
        return out


