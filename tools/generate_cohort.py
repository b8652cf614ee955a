#!/usr/bin/env python3
"""Synthetic FHIR R4 cohort for pre-screening NCT03951597 (advanced unresectable ICC).

Standard library only (Python 3.10).

  generate_cohort.py
      (Re)writes the committed hand-designed cohort under data/synthetic/: one transaction
      Bundle per patient in bundles/, the Group bundle, expected.json and README.md.
      Byte-identical on every run.
  generate_cohort.py --check
      Verifies that the committed files are what this script writes, that expected.json gives
      all 36 criterion ids to every patient with a consistent verdict, and that its coverage
      section shows every status the record alone can produce for every criterion (POSSIBLE).
      Also validates every resource with fhir.resources (R4B) when that package is installed.
  generate_cohort.py --count N --out DIR [--seed S]
      Writes N generated patients gen-000001... (and Group gen-cohort) for benchmarks: the same
      building blocks, realistic values and deviations picked by a seeded random generator.
      The same N and seed give identical files. No expected verdicts for these.

Every date is AS_OF minus a number of days, so the story of each record is readable in the
code: day(6) is six days before the as-of date.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
import uuid
from pathlib import Path

AS_OF = dt.date(2026, 11, 24)

ROOT = Path(__file__).resolve().parent.parent
SYNTH = ROOT / "data" / "synthetic"

# ---------------------------------------------------------------------------------------------
# Code systems
# ---------------------------------------------------------------------------------------------
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SCT = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CN = "http://hl7.org/fhir/sid/icd-10-cn"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
ICDO3_OID = "urn:oid:2.16.840.1.113883.6.43.1"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
OBS_CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
OBS_INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
COND_CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
COND_VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
COND_CAT = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLIN = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VER = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
MRN_SYSTEM = "http://hospital.example.org/fhir/sid/mrn"
HOSPITAL = "Zhongshan Hospital (synthetic)"

# ---------------------------------------------------------------------------------------------
# Criteria (ids of shared/spec/criteria.md, in its order) and what the record alone can give
# ---------------------------------------------------------------------------------------------
CRITERIA = [
    "age", "informed_consent", "ecog_0", "child_pugh_a", "icc_histology", "tissue_available",
    "unresectable", "neutrophils", "platelets", "hemoglobin", "albumin", "tsh", "t3_t4_normal",
    "bilirubin", "alt_ast", "creatinine", "creatinine_clearance", "measurable_lesion",
    "pregnancy_lactation",
    "other_liver_histology", "prior_checkpoint_inhibitor", "other_malignancy", "tuberculosis",
    "autoimmune", "ild_pneumonitis", "immunosuppression", "cardiopulmonary_renal", "hypertension",
    "coagulation", "hepatitis_viral_load", "recent_bleeding", "active_infection", "hiv",
    "substance_abuse", "platinum_allergy", "investigator_judgment",
]
PFU = ["pass", "fail", "unknown"]
# Statuses a FHIR record alone (no answers) can produce, per criteria.md.
POSSIBLE = {c: PFU for c in CRITERIA}
POSSIBLE.update({
    "informed_consent": ["pending"],
    "investigator_judgment": ["pending"],
    "icc_histology": ["pass", "unknown"],            # never fails: the clinician is asked
    "tissue_available": ["unknown"],
    "unresectable": ["unknown"],
    "measurable_lesion": ["unknown"],
    "cardiopulmonary_renal": ["unknown"],
    "active_infection": ["unknown"],
    # exclusions the record never passes ("never" in criteria.md)
    "prior_checkpoint_inhibitor": ["fail", "unknown"],
    "other_malignancy": ["fail", "unknown"],
    "tuberculosis": ["fail", "unknown"],
    "autoimmune": ["fail", "unknown"],
    "ild_pneumonitis": ["fail", "unknown"],
    "recent_bleeding": ["fail", "unknown"],
    "substance_abuse": ["fail", "unknown"],
    "platinum_allergy": ["fail", "unknown"],
})

# The clean baseline record: recent normal labs, ECOG 0, recorded Child-Pugh A, ICC on
# pathology, a male patient of 50-70, negative serology, no history entries.
BASE_EXPECT = {c: "pass" for c in CRITERIA}
BASE_EXPECT.update({
    "informed_consent": "pending", "investigator_judgment": "pending",
    "tissue_available": "unknown", "unresectable": "unknown", "measurable_lesion": "unknown",
    "cardiopulmonary_renal": "unknown", "active_infection": "unknown",
    "prior_checkpoint_inhibitor": "unknown", "other_malignancy": "unknown",
    "tuberculosis": "unknown", "autoimmune": "unknown", "ild_pneumonitis": "unknown",
    "recent_bleeding": "unknown", "substance_abuse": "unknown", "platinum_allergy": "unknown",
})


def verdict_of(criteria: dict) -> str:
    statuses = set(criteria.values())
    if "fail" in statuses:
        return "ineligible"
    if "unknown" in statuses:
        return "needs_information"
    return "potentially_eligible"


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------
def day(n: int) -> str:
    """The date n days before AS_OF (negative n: after it)."""
    return (AS_OF - dt.timedelta(days=n)).isoformat()


def when(n: int, hm: str = "08:30") -> str:
    """A Shanghai dateTime n days before AS_OF."""
    return f"{day(n)}T{hm}:00+08:00"


def as_date(v):
    return day(v) if isinstance(v, int) else v


# ---------------------------------------------------------------------------------------------
# Small FHIR helpers
# ---------------------------------------------------------------------------------------------
def coding(system, code, display=None):
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return c


def cm(code, display):
    return coding(ICD10CM, code, display)


def who(code, display):
    return coding(ICD10, code, display)


def cn(code, display):
    return coding(ICD10CN, code, display)


def sct(code, display):
    return coding(SCT, code, display)


def concept(text=None, *codings):
    cc = {}
    if codings:
        cc["coding"] = list(codings)
    if text:
        cc["text"] = text
    return cc


def qty(value, unit, ucum=None):
    q = {"value": value, "unit": unit}
    if ucum:
        q["system"] = UCUM
        q["code"] = ucum
    return q


def category(code, display):
    return [concept(None, coding(OBS_CAT, code, display))]


ROUTES = {
    "oral": sct("26643006", "Oral route"),
    "iv": sct("47625008", "Intravenous route"),
    "inhaled": sct("447694001", "Respiratory tract route"),
    "sc": sct("34206005", "Subcutaneous route"),
}


def dosage(text, mg=None, per_day=None, route=None, period_unit="d", code=None):
    d = {"text": text}
    if per_day:
        rep = {"frequency": per_day, "period": 1, "periodUnit": period_unit}
        d["timing"] = {"repeat": rep}
        if code:
            d["timing"]["code"] = concept(None, coding(GTS, code))
    if route:
        d["route"] = concept(None, ROUTES[route])
    if mg is not None:
        d["doseAndRate"] = [{"doseQuantity": qty(mg, "mg", "mg")}]
    return d


# Medicines: RxNorm ingredient (or clinical drug) and ATC codes, with the text a chart shows.
def med(text, rx=None, atc=None):
    codings = []
    if rx:
        codings.append(coding(RXNORM, rx[0], rx[1]))
    if atc:
        codings.append(coding(ATC, atc[0], atc[1]))
    return concept(text, *codings)


MEDS = {
    "amlodipine": med("Amlodipine 5 mg tablet", atc=("C08CA01", "amlodipine")),
    "entecavir": med("恩替卡韦片 Entecavir 0.5 mg", rx=("306266", "entecavir"), atc=("J05AF10", "entecavir")),
    "tenofovir": med("Tenofovir alafenamide 25 mg", atc=("J05AF13", "tenofovir alafenamide")),
    "heparin_flush": med("肝素钠封管液 Heparin Lock Flush 10 units/mL", atc=("B01AB01", "heparin")),
    "methylpred": med("Methylprednisolone 4 mg tablet", rx=("6902", "methylprednisolone"),
                      atc=("H02AB04", "methylprednisolone")),
    "prednisone": med("Prednisone 10 mg tablet", rx=("198145", "prednisone 10 MG Oral Tablet"),
                      atc=("H02AB07", "prednisone")),
    "prednisolone_unk": med("Prednisolone", rx=("8638", "prednisolone")),
    "dexamethasone_iv": med("地塞米松磷酸钠注射液 Dexamethasone sodium phosphate injection 5 mg",
                            rx=("3264", "dexamethasone"), atc=("H02AB02", "dexamethasone")),
    "budesonide_inh": med("Pulmicort Turbuhaler (budesonide) 200 mcg/dose", rx=("19831", "budesonide"),
                          atc=("R03BA02", "budesonide")),
    "methotrexate": med("Methotrexate 2.5 mg tablet", rx=("6851", "methotrexate"),
                        atc=("L04AX03", "methotrexate")),
    "folic_acid": med("Folic acid 5 mg tablet", atc=("B03BB01", "folic acid")),
    "levothyroxine": med("Levothyroxine 50 mcg tablet", rx=("10582", "levothyroxine"),
                         atc=("H03AA01", "levothyroxine sodium")),
    "rivaroxaban": med("Xarelto 20 mg tablet", rx=("1114195", "rivaroxaban"), atc=("B01AF01", "rivaroxaban")),
    "biktarvy": med("Biktarvy (bictegravir/emtricitabine/tenofovir alafenamide)",
                    atc=("J05AR20", "emtricitabine, tenofovir alafenamide and bictegravir")),
    "sofosbuvir": med("Epclusa (sofosbuvir/velpatasvir)", atc=("J05AP55", "sofosbuvir and velpatasvir")),
    "oxaliplatin": med("奥沙利铂注射液 Oxaliplatin injection", rx=("32592", "oxaliplatin"),
                       atc=("L01XA03", "oxaliplatin")),
    "gemcitabine": med("吉西他滨 Gemcitabine for injection", rx=("12574", "gemcitabine"),
                       atc=("L01BC05", "gemcitabine")),
    "cisplatin": med("Cisplatin 50 mg injection", rx=("1736854", "cisplatin 50 MG Injection"),
                     atc=("L01XA01", "cisplatin")),
    # checkpoint inhibitors
    "keytruda_text": med("Keytruda 100 mg/4 mL"),
    "pembrolizumab": med("pembrolizumab", rx=("1547545", "pembrolizumab"), atc=("L01FF02", "pembrolizumab")),
    "nivolumab": med("Opdivo 100 mg/10 mL", rx=("1597876", "nivolumab"), atc=("L01FF01", "nivolumab")),
    "opdivo_text": med("Opdivo"),
    "toripalimab_cn": med("特瑞普利单抗注射液 240 mg"),
    "tyvyt": med("Tyvyt 100 mg/10 mL"),
    "sintilimab_cn": med("信迪利单抗注射液"),
    "camrelizumab_cn": med("注射用卡瑞利珠单抗 200 mg"),
    "tislelizumab": med("Tislelizumab (替雷利珠单抗) 100 mg", atc=("L01FF09", "tislelizumab")),
    "durvalumab": med("Imfinzi (durvalumab) 500 mg", atc=("L01FF03", "durvalumab")),
}
PD1_KEYS = ["keytruda_text", "pembrolizumab", "nivolumab", "opdivo_text", "toripalimab_cn", "tyvyt",
            "sintilimab_cn", "camrelizumab_cn", "tislelizumab", "durvalumab"]


# ---------------------------------------------------------------------------------------------
# Laboratory catalogue: LOINC, unit as printed, UCUM code, normal range, a normal value.
# "us" = conventional units, "si" = SI units as a Shanghai laboratory reports them.
# ---------------------------------------------------------------------------------------------
def L(code, display, unit, ucum, low, high, value, **extra):  # a table row
    return dict(code=code, display=display, unit=unit, ucum=ucum, low=low, high=high, value=value, **extra)


_ANC = "Neutrophils [#/volume] in Blood by Automated count"
_PLT = "Platelets [#/volume] in Blood by Automated count"
_WBC = "Leukocytes [#/volume] in Blood by Automated count"
LAB = {
    "wbc": {"us": L("6690-2", _WBC, "10^3/uL", "10*3/uL", 4.0, 10.0, 6.2, text="WBC"),
            "si": L("6690-2", _WBC, "10^9/L", "10*9/L", 3.5, 9.5, 5.8, text="白细胞计数 WBC")},
    "anc": {"us": L("751-8", _ANC, "10^3/uL", "10*3/uL", 1.8, 7.7, 3.8, text="Neutrophils, absolute"),
            "si": L("751-8", _ANC, "10^9/L", "10*9/L", 1.8, 6.3, 3.6, text="中性粒细胞绝对值 NEUT#")},
    "plt": {"us": L("777-3", _PLT, "10^3/uL", "10*3/uL", 150, 400, 215, text="Platelets"),
            "si": L("777-3", _PLT, "10^9/L", "10*9/L", 125, 350, 198, text="血小板计数 PLT")},
    "hgb": {"us": L("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", "g/dL", 13.5, 17.5, 14.2,
                    female=(12.0, 15.5, 13.1), text="Hemoglobin"),
            "si": L("718-7", "Hemoglobin [Mass/volume] in Blood", "g/L", "g/L", 130, 175, 141,
                    female=(115, 150, 128), text="血红蛋白 HGB")},
    "alb": {"us": L("1751-7", "Albumin [Mass/volume] in Serum or Plasma", "g/dL", "g/dL", 3.5, 5.2, 4.1,
                    text="Albumin"),
            "si": L("1751-7", "Albumin [Mass/volume] in Serum or Plasma", "g/L", "g/L", 40, 55, 43,
                    text="白蛋白 ALB")},
    "tbil": {"us": L("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL",
                     0.3, 1.2, 0.7, text="Bilirubin, total"),
             "si": L("14631-6", "Bilirubin.total [Moles/volume] in Serum or Plasma", "μmol/L", "umol/L",
                     3.4, 20.5, 11.6, text="总胆红素 TBIL")},
    "alt": {"us": L("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
                    "U/L", "U/L", 7, 40, 24, text="ALT"),
            "si": L("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
                    "μkat/L", "ukat/L", 0.12, 0.83, 0.41, text="丙氨酸氨基转移酶 ALT")},
    "ast": {"us": L("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
                    "U/L", "U/L", 10, 40, 22, text="AST"),
            "si": L("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
                    "μkat/L", "ukat/L", 0.17, 0.67, 0.36, text="天门冬氨酸氨基转移酶 AST")},
    "cr": {"us": L("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL", 0.7, 1.3, 0.9,
                   female=(0.5, 1.1, 0.7), text="Creatinine"),
           "si": L("14682-9", "Creatinine [Moles/volume] in Serum or Plasma", "μmol/L", "umol/L", 57, 111, 76,
                   female=(41, 81, 60), text="肌酐 CREA")},
    "tsh": {"us": L("3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "uIU/mL", "u[IU]/mL",
                    0.27, 4.20, 1.8, text="TSH"),
            "si": L("3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "mIU/L", "m[IU]/L",
                    0.27, 4.20, 2.1, text="促甲状腺激素 TSH")},
    "ft4": {"us": L("3024-7", "Thyroxine (T4) free [Mass/volume] in Serum or Plasma", "ng/dL", "ng/dL",
                    0.93, 1.70, 1.21, text="Free T4"),
            "si": L("14920-3", "Thyroxine (T4) free [Moles/volume] in Serum or Plasma", "pmol/L", "pmol/L",
                    12.0, 22.0, 16.3, text="游离甲状腺素 FT4")},
    "ft3": {"us": L("3051-0", "Triiodothyronine (T3) Free [Mass/volume] in Serum or Plasma", "pg/mL",
                    "pg/mL", 2.0, 4.4, 3.1, text="Free T3"),
            "si": L("14928-6", "Triiodothyronine (T3) Free [Moles/volume] in Serum or Plasma", "pmol/L",
                    "pmol/L", 3.1, 6.8, 4.7, text="游离三碘甲状腺原氨酸 FT3")},
    "tt4": {"us": L("3026-2", "Thyroxine (T4) [Mass/volume] in Serum or Plasma", "ug/dL", "ug/dL",
                    5.1, 14.1, 8.3, text="T4, total"),
            "si": L("14921-1", "Thyroxine (T4) [Moles/volume] in Serum or Plasma", "nmol/L", "nmol/L",
                    66, 181, 108, text="总甲状腺素 TT4")},
    "tt3": {"us": L("3053-6", "Triiodothyronine (T3) [Mass/volume] in Serum or Plasma", "ng/dL", "ng/dL",
                    80, 200, 118, text="T3, total"),
            "si": L("14930-2", "Triiodothyronine (T3) [Moles/volume] in Serum or Plasma", "nmol/L", "nmol/L",
                    1.3, 3.1, 1.8, text="总三碘甲状腺原氨酸 TT3")},
    "pt": {"us": L("5902-2", "Prothrombin time (PT)", "s", "s", 9.4, 12.5, 11.4, text="PT"),
           "si": L("5902-2", "Prothrombin time (PT)", "s", "s", 10.0, 13.0, 11.6, text="凝血酶原时间 PT")},
    "inr": {"us": L("6301-6", "INR in Platelet poor plasma by Coagulation assay", "INR", "{INR}",
                    0.85, 1.15, 1.02, text="INR"),
            "si": L("6301-6", "INR in Platelet poor plasma by Coagulation assay", "INR", "{INR}",
                    0.8, 1.2, 0.98, text="国际标准化比值 INR")},
    "ca199": {"us": L("24108-3", "Cancer Ag 19-9 [Units/volume] in Serum or Plasma", "U/mL", "U/mL",
                      None, 37, 186, text="CA 19-9"),
              "si": L("24108-3", "Cancer Ag 19-9 [Units/volume] in Serum or Plasma", "U/mL", "U/mL",
                      None, 37, 214, text="糖类抗原19-9 CA19-9")},
}
# Profile-independent tests
_ANY = {
    "afp": L("1834-1", "Alpha-1-Fetoprotein [Mass/volume] in Serum or Plasma", "ng/mL", "ng/mL",
             None, 7.0, 3.1, text="AFP"),
    "hgb_mmol": L("59260-0", "Hemoglobin [Moles/volume] in Blood", "mmol/L", "mmol/L", 8.1, 10.9, 8.6,
                  text="Hemoglobin"),
    "crcl_cg": L("35591-7", "Creatinine renal clearance predicted by Cockcroft-Gault formula", "mL/min",
                 "mL/min", 60, None, 74, text="Ccr (Cockcroft-Gault)"),
    "crcl": L("2164-2", "Creatinine renal clearance in 24 hour Urine and Serum or Plasma", "mL/min",
              "mL/min", 80, 140, 86, text="Creatinine clearance, 24 h urine"),
    "egfr": L("33914-3", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or "
              "Plasma by Creatinine-based formula (MDRD)", "mL/min/1.73m2", "mL/min/{1.73_m2}", 60, None, 95,
              text="eGFR (MDRD)"),
    "hbvdna_iu": L("42595-9", "Hepatitis B virus DNA [Units/volume] (viral load) in Serum or Plasma by NAA "
                   "with probe detection", "IU/mL", "[IU]/mL", None, None, 20, range_text="<20",
                   text="HBV DNA"),
    "hbvdna_cp": L("29615-2", "Hepatitis B virus DNA [#/volume] (viral load) in Serum or Plasma by NAA "
                   "with probe detection", "copies/mL", "{copies}/mL", None, None, 100, range_text="<100",
                   text="HBV-DNA 定量"),
    "hcvrna": L("11011-4", "Hepatitis C virus RNA [Units/volume] (viral load) in Serum or Plasma by NAA "
                "with probe detection", "IU/mL", "[IU]/mL", None, None, 15, range_text="<15",
                text="HCV RNA"),
    "hcg": L("19080-1", "Choriogonadotropin [Units/volume] in Serum or Plasma", "IU/L", "[IU]/L",
             None, None, 2.0, range_text="<5 (non-pregnant)", text="hCG, serum"),
}
for _k, _v in _ANY.items():
    LAB[_k] = {"us": _v, "si": _v}

QUAL = {
    "hbsag": ("5196-1", "Hepatitis B virus surface Ag [Presence] in Serum", "HBsAg", "乙肝表面抗原 HBsAg"),
    "hcv": ("16128-1", "Hepatitis C virus Ab [Presence] in Serum", "Anti-HCV", "丙肝抗体 Anti-HCV"),
    "hiv": ("56888-1", "HIV 1+2 Ab+HIV1 p24 Ag [Presence] in Serum or Plasma by Immunoassay",
            "HIV Ag/Ab combo", "HIV抗原抗体 HIV Ag/Ab"),
    "hcg_urine": ("2106-3", "Choriogonadotropin (pregnancy test) [Presence] in Urine", "Urine pregnancy test",
                  "尿妊娠试验"),
}
QUAL_RESULT = {
    "neg": (sct("260385009", "Negative"), "Negative", "阴性", "NEG", 0.21),
    "pos": (sct("10828004", "Positive"), "Positive", "阳性", "POS", 86.4),
    "reactive": (sct("11214006", "Reactive"), "Reactive", "反应性", "POS", 12.7),
}

# Fixed names (Chinese and pinyin) for the hand cohort and the generator.
SURNAMES = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
            ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
            ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("高", "Gao"),
            ("林", "Lin"), ("罗", "Luo"), ("郑", "Zheng"), ("梁", "Liang"), ("宋", "Song")]
GIVEN_M = [("建国", "Jianguo"), ("志强", "Zhiqiang"), ("伟", "Wei"), ("明", "Ming"), ("海涛", "Haitao"),
           ("国华", "Guohua"), ("永康", "Yongkang"), ("文斌", "Wenbin"), ("德明", "Deming"),
           ("俊杰", "Junjie"), ("立新", "Lixin"), ("振宇", "Zhenyu"), ("长青", "Changqing"), ("宏", "Hong")]
GIVEN_F = [("秀英", "Xiuying"), ("丽华", "Lihua"), ("敏", "Min"), ("静", "Jing"), ("桂兰", "Guilan"),
           ("美玲", "Meiling"), ("慧", "Hui"), ("雪梅", "Xuemei"), ("玉兰", "Yulan"), ("淑珍", "Shuzhen")]


# ---------------------------------------------------------------------------------------------
# One patient's record
# ---------------------------------------------------------------------------------------------
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
        return {"reference": f"Patient/{self.pid}"}

    def add(self, resource):
        self.extras.append(resource)
        return resource

    # -- building blocks ----------------------------------------------------------------------
    def patient(self):
        p = {"resourceType": "Patient", "id": self.pid}
        p["identifier"] = [{
            "use": "usual",
            "type": concept(None, coding(V2_0203, "MR", "Medical record number")),
            "system": MRN_SYSTEM,
            "value": self.mrn,
        }]
        p["active"] = True
        (fam_cn, fam_py), (giv_cn, giv_py) = self.names
        p["name"] = [
            {"use": "official", "text": fam_cn + giv_cn, "family": fam_cn, "given": [giv_cn]},
            {"use": "usual", "text": f"{giv_py} {fam_py}", "family": fam_py, "given": [giv_py]},
        ]
        p["gender"] = self.sex
        if self.birth:
            p["birthDate"] = self.birth
        p["address"] = [{"city": "Shanghai", "country": "CN"}]
        return p

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
        o = {"resourceType": "Observation",
             "id": self.rid(s.get("suffix") or f"{key}-{day(d).replace('-', '')}"),
             "status": s.get("status", "final"),
             "category": category("laboratory", "Laboratory"),
             "code": concept(s.get("text"), coding(LOINC, s["code"], s["display"])),
             "subject": self.subject,
             "effectiveDateTime": when(d, s.get("hm", "07:40")),
             "issued": when(d, "11:20")}
        if s.get("absent"):
            o["dataAbsentReason"] = concept(s.get("absent_text"), coding(DATA_ABSENT, s["absent"]))
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
        o = {"resourceType": "Observation",
             "id": self.rid(suffix or f"{key}-{day(d).replace('-', '')}"),
             "status": "final",
             "category": category("laboratory", "Laboratory"),
             "code": concept(text_cn if style == "cn" else text_en, coding(LOINC, code, display)),
             "subject": self.subject,
             "effectiveDateTime": when(d, "07:40"),
             "issued": when(d, "15:00")}
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
        o = {"resourceType": "Observation", "id": self.rid(suffix), "status": "final",
             "category": category("survey", "Survey"),
             "code": concept(text or display, *( [coding(LOINC, code, display)] if code else [])),
             "subject": self.subject, "effectiveDateTime": when(d, "10:15")}
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
        return {"resourceType": "Observation", "id": self.rid(f"bp-{day(d).replace('-', '')}"),
                "status": "final", "category": category("vital-signs", "Vital Signs"),
                "code": concept("Blood pressure", coding(LOINC, "85354-9",
                                                         "Blood pressure panel with all children optional")),
                "subject": self.subject, "effectiveDateTime": when(d, "09:05"),
                "component": [
                    {"code": concept(None, coding(LOINC, "8480-6", "Systolic blood pressure")),
                     "valueQuantity": qty(systolic, *mm)},
                    {"code": concept(None, coding(LOINC, "8462-4", "Diastolic blood pressure")),
                     "valueQuantity": qty(diastolic, *mm)}]}

    def weight_obs(self, value, unit, d):
        u = ("kg", "kg") if unit == "kg" else ("lb", "[lb_av]")
        return {"resourceType": "Observation", "id": self.rid(f"weight-{day(d).replace('-', '')}"),
                "status": "final", "category": category("vital-signs", "Vital Signs"),
                "code": concept("Body weight", coding(LOINC, "29463-7", "Body weight")),
                "subject": self.subject, "effectiveDateTime": when(d, "09:00"),
                "valueQuantity": qty(value, *u)}

    def condition(self, *args, **kw):
        return self.add(self.make_condition(*args, **kw))

    def make_condition(self, suffix, codings, text, onset=None, recorded=None, clinical="active",
                       verification="confirmed", abatement=None, cat="problem-list-item", note=None):
        c = {"resourceType": "Condition", "id": self.rid(suffix)}
        if verification != "entered-in-error":
            c["clinicalStatus"] = concept(None, coding(COND_CLIN, clinical))
        c["verificationStatus"] = concept(None, coding(COND_VER, verification))
        cat_display = {"problem-list-item": "Problem List Item", "encounter-diagnosis": "Encounter Diagnosis"}
        c["category"] = [concept(None, coding(COND_CAT, cat, cat_display[cat]))]
        c["code"] = concept(text, *codings)
        c["subject"] = self.subject
        if onset is not None:
            c["onsetDateTime"] = as_date(onset)
        if abatement is not None:
            c["abatementDateTime"] = as_date(abatement)
        if recorded is not None:
            c["recordedDate"] = as_date(recorded)
        if note:
            c["note"] = [{"text": note}]
        return c

    def medication(self, suffix, code):
        return self.add({"resourceType": "Medication", "id": self.rid(suffix), "code": code})

    def _med(self, o, medicine):
        if isinstance(medicine, str) and medicine.startswith("Medication/"):
            o["medicationReference"] = {"reference": medicine}
        else:
            o["medicationCodeableConcept"] = MEDS[medicine] if isinstance(medicine, str) else medicine

    def med_request(self, suffix, medicine, authored, status="active", intent="order", dose=None,
                    reason=None, note=None):
        o = {"resourceType": "MedicationRequest", "id": self.rid(suffix), "status": status, "intent": intent}
        self._med(o, medicine)
        o["subject"] = self.subject
        o["authoredOn"] = when(authored, "10:30")
        if reason:
            o["reasonCode"] = [reason]
        if note:
            o["note"] = [{"text": note}]
        if dose:
            o["dosageInstruction"] = [dose]
        return self.add(o)

    def med_statement(self, suffix, medicine, status, start, end=None, asserted=None, dose=None, reason=None):
        o = {"resourceType": "MedicationStatement", "id": self.rid(suffix), "status": status}
        self._med(o, medicine)
        o["subject"] = self.subject
        period = {"start": as_date(start)}
        if end is not None:
            period["end"] = as_date(end)
        o["effectivePeriod"] = period
        o["dateAsserted"] = as_date(asserted if asserted is not None else start)
        if reason:
            o["reasonCode"] = [reason]
        if dose:
            o["dosage"] = [dose]
        return self.add(o)

    def med_admin(self, suffix, medicine, d, mg=None, route=None, status="completed"):
        o = {"resourceType": "MedicationAdministration", "id": self.rid(suffix), "status": status}
        self._med(o, medicine)
        o["subject"] = self.subject
        o["effectiveDateTime"] = when(d, "09:40")
        if mg is not None or route:
            ds = {}
            if route:
                ds["route"] = concept(None, ROUTES[route])
            if mg is not None:
                ds["dose"] = qty(mg, "mg", "mg")
            o["dosage"] = ds
        return self.add(o)

    def allergy(self, suffix, code, type_, clinical, manifestation, severity, onset, criticality=None):
        a = {"resourceType": "AllergyIntolerance", "id": self.rid(suffix),
             "clinicalStatus": concept(None, coding(ALLERGY_CLIN, clinical)),
             "verificationStatus": concept(None, coding(ALLERGY_VER, "confirmed")),
             "type": type_, "category": ["medication"]}
        if criticality:
            a["criticality"] = criticality
        a["code"] = code
        a["patient"] = self.subject
        a["onsetDateTime"] = as_date(onset)
        a["recordedDate"] = as_date(onset)
        a["reaction"] = [{"manifestation": [manifestation], "severity": severity}]
        return self.add(a)

    def path_report(self, *args, **kw):
        return self.add(self.make_path_report(*args, **kw))

    def make_path_report(self, suffix, cat, code, conclusion, codes, collected, issued=None, status="final"):
        cats = {"SP": "Surgical Pathology", "PAT": "Pathology (gross & histopath, not surgical)",
                "CP": "Cytopathology"}
        r = {"resourceType": "DiagnosticReport", "id": self.rid(suffix), "status": status,
             "category": [concept(None, coding(V2_0074, cat, cats[cat]))],
             "code": code, "subject": self.subject,
             "effectiveDateTime": when(collected, "09:30"),
             "issued": when(issued if issued is not None else collected - 3, "16:45"),
             "performer": [{"display": f"{HOSPITAL}, Department of Pathology"}],
             "conclusion": conclusion,
             "conclusionCode": codes}
        return r

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


# ---------------------------------------------------------------------------------------------
# Deviations: the building blocks shared by the hand cohort and the generator
# ---------------------------------------------------------------------------------------------
def dev_hypertension_controlled(c, style=None):
    codes = ([cn("I10.x00x002", "高血压病"), who("I10", "Essential (primary) hypertension")]
             if (style or c.style) == "cn" else
             [cm("I10", "Essential (primary) hypertension"), sct("59621000", "Essential hypertension")])
    c.condition("dx-htn", codes, "Hypertension", onset="2015-04-01", recorded="2015-04-01")
    c.med_request("rx-amlodipine", "amlodipine", authored=60,
                  dose=dosage("5 mg once daily", mg=5, per_day=1, route="oral", code="QD"))


def dev_lymph_node_mets(c):
    c.condition("dx-ln-mets", [cm("C77.2", "Secondary and unspecified malignant neoplasm of intra-abdominal "
                                          "lymph nodes")],
                "Hilar lymph node metastasis", onset=c.icc_onset, recorded=c.icc_onset - 3,
                cat="encounter-diagnosis")


def dev_chronic_hbv(c, dna=None, unit="iu", dna_day=10, antiviral="entecavir", comparator=None):
    """HBsAg positive, chronic hepatitis B, an HBV DNA result and (optionally) an antiviral."""
    c.sero["hbsag"] = ("pos", 45)
    hbv = "Chronic viral hepatitis B without delta-agent"
    codes = ([cn("B18.100", "慢性乙型病毒性肝炎"), who("B18.1", hbv)] if c.style == "cn" else
             [cm("B18.1", hbv), sct("61977001", "Chronic type B viral hepatitis")])
    c.condition("dx-hbv", codes, "Chronic hepatitis B", onset="2009-06-01", recorded="2009-06-01")
    if dna is not None:
        key = "hbvdna_iu" if unit == "iu" else "hbvdna_cp"
        ov = dict(value=dna, day=dna_day, hm="07:50")
        if comparator:
            ov["comparator"] = comparator
        c.add(c.lab(key, **ov))
    if antiviral:
        c.med_request(f"rx-{antiviral}", antiviral, authored=300,
                      dose=dosage("0.5 mg once daily" if antiviral == "entecavir" else "25 mg once daily",
                                  mg=0.5 if antiviral == "entecavir" else 25, per_day=1, route="oral",
                                  code="QD"))


def dev_heparin_flush(c):
    c.med_request("rx-heparin-flush", "heparin_flush", authored=20,
                  dose=dosage("5 mL to lock the PICC line after each use", route="iv"))


def dev_ascites(c, d=9):
    c.condition("dx-ascites", [cm("R18.8", "Other ascites"), sct("389026000", "Ascites")], "Ascites",
                onset=d, recorded=d, cat="encounter-diagnosis")


def dev_pd1_statement(c, medicine="keytruda_text", start=400, end=300):
    c.med_statement("ms-pd1", medicine, "completed", start, end=end, asserted=60,
                    reason=concept("Intrahepatic cholangiocarcinoma (outside hospital)"))


def dev_pd1_request(c, text="特瑞普利单抗注射液 240 mg", authored=200, status="completed"):
    ref = f"Medication/{c.rid('med-1')}"
    c.medication("med-1", concept(text))
    c.med_request("rx-pd1", ref, authored=authored, status=status,
                  dose=dosage("240 mg IV every 3 weeks", mg=240, route="iv"))


def dev_pd1_admin(c, medicine="camrelizumab_cn", d=150):
    c.med_admin("ma-pd1", medicine, d, mg=200, route="iv")


def dev_other_cancer(c):
    c.condition("dx-colon-ca", [cm("C18.7", "Malignant neoplasm of sigmoid colon"),
                                sct("363351006", "Malignant tumor of colon")],
                "Sigmoid colon adenocarcinoma, resected 2019", onset="2019-05-10", abatement="2019-12-20",
                recorded="2019-05-16", clinical="resolved")


def dev_past_bcc(c):
    c.condition("dx-bcc", [cm("C44.91", "Basal cell carcinoma of skin, unspecified")],
                "Basal cell carcinoma of the nose, excised", onset="2022-03-02", abatement="2022-04-11",
                recorded="2022-03-08", clinical="resolved")


def dev_tb_recent(c, onset=420, abatement=210):
    c.condition("dx-tb", [cm("A15.0", "Tuberculosis of lung"), sct("154283005", "Pulmonary tuberculosis")],
                "Pulmonary tuberculosis, 6-month HRZE course completed", onset=onset, abatement=abatement,
                recorded=onset, clinical="resolved")


def dev_latent_tb(c):
    c.condition("dx-ltbi", [cm("Z22.7", "Latent tuberculosis")], "Latent tuberculosis (IGRA positive)",
                onset=400, recorded=400)


def dev_suspected_sle(c):
    c.condition("dx-sle", [cm("M32.9", "Systemic lupus erythematosus, unspecified")],
                "Systemic lupus erythematosus? (ANA 1:640, referred to rheumatology)",
                onset=30, recorded=30, verification="provisional")


def dev_ra_methotrexate(c):
    codes = ([cn("M06.900", "类风湿性关节炎"), who("M06.9", "Rheumatoid arthritis, unspecified")]
             if c.style == "cn" else
             [cm("M06.9", "Rheumatoid arthritis, unspecified"), sct("69896004", "Rheumatoid arthritis")])
    c.condition("dx-ra", codes, "Rheumatoid arthritis", onset="2016-09-01", recorded="2016-09-01")
    c.med_request("rx-mtx", "methotrexate", authored=40,
                  dose=dosage("15 mg once weekly", mg=15, per_day=1, route="oral", period_unit="wk"))
    c.med_request("rx-folic", "folic_acid", authored=40,
                  dose=dosage("5 mg once weekly", mg=5, per_day=1, route="oral", period_unit="wk"))


def dev_hypothyroid(c, hashimoto=False):
    if hashimoto:
        c.condition("dx-thyroid", [cm("E06.3", "Autoimmune thyroiditis"),
                                   sct("21983002", "Hashimoto thyroiditis")],
                    "Hashimoto's thyroiditis", onset="2012-02-01", recorded="2012-02-01")
    else:
        c.condition("dx-thyroid", [cm("E03.9", "Hypothyroidism, unspecified"),
                                   sct("40930008", "Hypothyroidism")],
                    "Hypothyroidism", onset="2014-07-01", recorded="2014-07-01")
    c.med_request("rx-levothyroxine", "levothyroxine", authored=90,
                  dose=dosage("50 mcg once daily before breakfast", per_day=1, route="oral", code="QD"))


def dev_ild(c):
    c.condition("dx-ild", [cm("J84.9", "Interstitial pulmonary disease, unspecified"),
                           sct("233703007", "Interstitial lung disease")],
                "Interstitial lung disease", onset="2023-05-01", recorded="2023-05-01")


def dev_pulmonary_fibrosis_unspecified(c):
    c.condition("dx-fibrosis", [cm("J84.10", "Pulmonary fibrosis, unspecified")],
                "Pulmonary fibrosis, unspecified (CT: basal reticulation)", onset=200, recorded=200)


def dev_prednisone(c, mg_per_dose=10, per_day=2):
    c.condition("dx-copd", [cm("J44.9", "Chronic obstructive pulmonary disease, unspecified")], "COPD",
                onset="2018-01-01", recorded="2018-01-01")
    c.med_request("rx-prednisone", "prednisone", authored=30,
                  reason=concept("COPD", cm("J44.9", "Chronic obstructive pulmonary disease, unspecified")),
                  dose=dosage(f"{mg_per_dose} mg by mouth {'twice' if per_day == 2 else 'once'} daily",
                              mg=mg_per_dose, per_day=per_day, route="oral",
                              code="BID" if per_day == 2 else "QD"))


def dev_methylpred_at_limit(c):
    c.condition("dx-copd", [cm("J44.9", "Chronic obstructive pulmonary disease, unspecified")], "COPD",
                onset="2018-01-01", recorded="2018-01-01")
    c.med_request("rx-methylpred", "methylpred", authored=40,
                  dose=dosage("4 mg by mouth twice daily", mg=4, per_day=2, route="oral", code="BID"))


def dev_inhaled_steroid(c):
    c.med_request("rx-budesonide", "budesonide_inh", authored=70,
                  dose=dosage("200 mcg, 1 inhalation twice daily", per_day=2, route="inhaled", code="BID"))


def dev_dexamethasone_admin(c, days=(13, 6)):
    for i, d in enumerate(days, 1):
        c.med_admin(f"ma-dex-{i}", "dexamethasone_iv", d, mg=5, route="iv")


def dev_steroid_unknown_route(c):
    c.med_statement("ms-prednisolone", "prednisolone_unk", "active", 60, asserted=20,
                    dose={"text": "按医嘱服用 (as directed)"})


def dev_varices(c):
    c.condition("dx-varices", [cm("I85.00", "Esophageal varices without bleeding"),
                               sct("28670008", "Esophageal varices")],
                "Esophageal varices, small (gastroscopy)", onset=50, recorded=50)


def dev_thrombocytopenia(c):
    c.condition("dx-thrombocytopenia", [cm("D69.6", "Thrombocytopenia, unspecified")], "Thrombocytopenia",
                onset=90, recorded=90)


def dev_anticoagulant(c):
    c.condition("dx-af", [cm("I48.91", "Unspecified atrial fibrillation"),
                          sct("49436004", "Atrial fibrillation")],
                "Atrial fibrillation", onset="2021-03-01", recorded="2021-03-01")
    c.med_request("rx-rivaroxaban", "rivaroxaban", authored=35,
                  dose=dosage("20 mg once daily with the evening meal", mg=20, per_day=1, route="oral",
                              code="QD"))


def dev_recent_bleed(c, onset=40):
    codes = ([cn("K92.100", "黑便"), who("K92.1", "Melaena")] if c.style == "cn"
             else [cm("K92.1", "Melena"), sct("2901004", "Melena")])
    c.condition("dx-melena", codes, "Melena (tarry stools), transfused 2 units", onset=onset,
                abatement=onset - 4, recorded=onset, clinical="resolved", cat="encounter-diagnosis")


def dev_old_bleed(c, onset=120):
    c.condition("dx-gi-bleed", [cm("K92.2", "Gastrointestinal hemorrhage, unspecified")],
                "Upper GI bleeding (peptic ulcer)", onset=onset, abatement=onset - 5, recorded=onset,
                clinical="resolved", cat="encounter-diagnosis")


def dev_hiv(c):
    c.sero["hiv"] = (None, 0)
    c.condition("dx-hiv", [cm("Z21", "Asymptomatic human immunodeficiency virus [HIV] infection status"),
                           sct("86406008", "Human immunodeficiency virus infection")],
                "HIV infection on antiretroviral therapy", onset="2017-08-01", recorded="2017-08-01")
    c.med_request("rx-art", "biktarvy", authored=80,
                  dose=dosage("1 tablet once daily", per_day=1, route="oral", code="QD"))


def dev_alcohol_dependence(c):
    c.condition("dx-alcohol", [cm("F10.21", "Alcohol dependence, in remission"),
                               sct("7200002", "Alcoholism")],
                "Alcohol dependence, abstinent since 2020", onset="2012-01-01", recorded="2020-06-01",
                clinical="remission")
    c.condition("dx-nicotine", [cm("F17.210", "Nicotine dependence, cigarettes, uncomplicated")],
                "Smoker, 30 pack-years", onset="1990-01-01", recorded="2020-06-01")


def dev_gemox_history(c, d=150, cycles=2):
    for i in range(cycles):
        dd = d + 14 * (cycles - 1 - i)
        c.med_admin(f"ma-oxali-{i + 1}", "oxaliplatin", dd, mg=150, route="iv")
        c.med_admin(f"ma-gem-{i + 1}", "gemcitabine", dd, mg=1600, route="iv")


def dev_platinum_allergy(c, onset=230):
    c.allergy("allergy-oxaliplatin", concept("奥沙利铂 Oxaliplatin", coding(RXNORM, "32592", "oxaliplatin")),
              "allergy", "inactive", concept("Anaphylaxis", sct("39579001", "Anaphylaxis")), "severe", onset,
              criticality="high")


def dev_platinum_intolerance(c, onset=110):
    c.allergy("intolerance-oxaliplatin", concept("oxaliplatin"), "intolerance", "active",
              concept("Peripheral sensory neuropathy, grade 2"), "moderate", onset, criticality="low")


def dev_penicillin_allergy(c):
    c.allergy("allergy-penicillin", concept("Penicillin", sct("764146007", "Penicillin")), "allergy",
              "active",
              concept("Urticaria", sct("126485001", "Urticaria")), "mild", "2005-01-01", criticality="low")


def dev_menopause(c):
    c.condition("dx-menopause", [cm("N95.1", "Menopausal and female climacteric states")], "Menopause",
                onset="2024-06-01", recorded="2024-06-01")


def dev_pregnant(c):
    c.add(c.lab("hcg", value=1850, day=4, range_text="<5 (non-pregnant)"))
    c.add(c.qual("hcg_urine", "pos", 5, style="sct"))


def dev_not_pregnant(c):
    c.add(c.lab("hcg", value=2.0, comparator="<", day=4))


# ---------------------------------------------------------------------------------------------
# The hand-designed cohort
# ---------------------------------------------------------------------------------------------
PATIENTS = []


def patient(pid, sex, birth, story, shows, expect=None, profile="us"):
    def register(fn):
        PATIENTS.append(dict(pid=pid, sex=sex, birth=birth, story=story, shows=shows, expect=expect or {},
                             profile=profile, build=fn))
        return fn
    return register


@patient("icc-001", "male", "1968-03-14",
         "Clean baseline in conventional units: ICC on biopsy, hilar node metastasis, treated hypertension",
         "Only questions remain; the reference record every other patient deviates from")
def p001(c):
    dev_lymph_node_mets(c)
    dev_hypertension_controlled(c)


@patient("icc-002", "male", "1963-07-02",
         "Clean baseline from a Shanghai lab: SI units, ICD-10-CN codes, HBsAg+ with HBV DNA <20 IU/mL",
         "SI units (g/L, umol/L, ukat/L, pmol/L, 10*9/L); Chinese serology text 阴性/阳性; national "
         "extension codes; comparator '<'; text-only TSH range; Child-Pugh as code.text; heparin lock flush "
         "is not an anticoagulant", profile="si")
def p002(c):
    dev_chronic_hbv(c, dna=20, comparator="<", dna_day=6)
    c.labs["tsh"] = dict(range_text="0.27-4.20")
    dev_heparin_flush(c)
    c.add(c.lab("egfr", value=96))


@patient("icc-003", "male", "1951-11-24",
         "Every value exactly at its threshold, labs drawn on day 28 at 07:30 Shanghai time",
         "Boundaries: age 75 on the as-of date, platelets 100, hemoglobin 9.0 g/dL, bilirubin 1.8 = "
         "1.5 x ULN 1.2, ALT 60 = 1.5 x ULN 40, PT 14.0 s, methylprednisolone 8 mg/day = 10 mg "
         "prednisone; day 28 is inside the window (no UTC shift)")
def p003(c):
    c.lab_day = 28
    c.labs.update({"plt": dict(value=100, hm="07:30"), "hgb": dict(value=9.0, hm="07:30"),
                   "tbil": dict(value=1.8, hm="07:30"), "alt": dict(value=60, hm="07:30"),
                   "alb": dict(value=3.4, hm="07:30"), "pt": dict(value=14.0, hm="07:30"),
                   "inr": dict(value=1.25, hm="07:30")})
    for k in c.panel + c.thyroid:
        c.labs.setdefault(k, {}).setdefault("hm", "07:30")
    c.ecog = ("ecog", 0, 27)
    c.child_pugh = ("text", 6, 27)
    c.bp = [(27, 128, 80)]
    c.weight = (74, "kg", 27)
    dev_methylpred_at_limit(c)


@patient("icc-004", "female", "1950-11-24",
         "Turns 76 on the as-of date; otherwise clean, performance recorded as Karnofsky 100",
         "age fails at 76; Karnofsky 100 passes ECOG 0; a woman of 76 passes pregnancy_lactation",
         expect={"age": "fail"})
def p004(c):
    c.ecog = ("kps", 100, 5)


@patient("icc-005", "male", None,
         "No birth date in the record; 24-hour creatinine clearance measured",
         "age unknown; recorded clearance (2164-2) decides creatinine_clearance without age; ECOG coded "
         "LA9622-7; ALT range only as text '<40'",
         expect={"age": "unknown"})
def p005(c):
    c.ecog = ("ecog", 0, 5, "coded")
    c.labs["alt"] = dict(value=31, range_text="<40")
    c.add(c.lab("crcl", value=86, day=6))


@patient("icc-006", "male", "1960-05-19",
         "ECOG 1 at the latest visit; entered-in-error platelet count and HCC diagnosis",
         "latest ECOG counts (1 after an older 0) -> fail; entered-in-error Observation and Condition are "
         "ignored; earlier high BP readings but the latest is normal -> hypertension pass",
         expect={"ecog_0": "fail"})
def p006(c):
    c.ecog = ("ecog", 1, 3)
    c.add(c.ecog_obs("ecog", 0, 21))
    c.add(c.lab("plt", value=45, day=2, status="entered-in-error"))
    c.labs["plt"] = dict(value=190)
    c.condition("dx-hcc-eie", [cm("C22.0", "Liver cell carcinoma")], "Hepatocellular carcinoma",
                recorded=40, verification="entered-in-error", note="Wrong patient; see ICC diagnosis")
    c.bp = [(20, 148, 96), (13, 150, 92), (6, 126, 80)]
    dev_hypertension_controlled(c)


@patient("icc-007", "male", "1971-09-08",
         "Karnofsky 90 only; stopped GEMOX because of oxaliplatin neuropathy (intolerance)",
         "Karnofsky 90 asks (ecog unknown); a platinum intolerance asks, never fails",
         expect={"ecog_0": "unknown"})
def p007(c):
    c.ecog = ("kps", 90, 4)
    dev_gemox_history(c, d=140, cycles=2)
    c.med_request("rx-oxali", "oxaliplatin", authored=155, status="stopped",
                  dose=dosage("85 mg/m2 IV day 1 every 2 weeks", route="iv"),
                  note="Stopped after cycle 2: grade 2 sensory neuropathy")
    dev_platinum_intolerance(c)


@patient("icc-008", "male", "1957-01-27",
         "Karnofsky 80; HIV Ag/Ab screen reactive, confirmation pending",
         "Karnofsky <= 80 fails ecog_0; a reactive HIV screen alone is unknown",
         expect={"ecog_0": "fail", "hiv": "unknown"})
def p008(c):
    c.ecog = ("kps", 80, 5)
    c.sero["hiv"] = ("reactive", 10)
    c.sero_style = "sct"


@patient("icc-009", "male", "1962-12-03",
         "Recorded Child-Pugh score 8 with new moderate ascites; refuted HIV diagnosis, HIV test negative",
         "recorded Child-Pugh B fails; albumin exactly 3.0 g/dL passes; neutrophils in /uL; a refuted "
         "Condition is ignored (hiv passes on the negative test)",
         expect={"child_pugh_a": "fail"})
def p009(c):
    c.child_pugh = ("text", 8, 5)
    dev_ascites(c, d=12)
    c.labs.update({"alb": dict(value=3.0), "tbil": dict(value=1.6), "inr": dict(value=1.2),
                   "pt": dict(value=13.4),
                   "anc": dict(value=3200, unit="/uL", ucum="/uL", low=1800, high=7700)})
    c.sero["hiv"] = ("neg", 30)
    c.condition("dx-hiv-refuted",
                [cm("Z21", "Asymptomatic human immunodeficiency virus [HIV] infection status")],
                "HIV infection (query, from referral letter)", recorded=35, clinical="inactive",
                verification="refuted")


@patient("icc-010", "male", "1966-04-11",
         "No recorded Child-Pugh; new ascites and albumin 3.3 g/dL; HBV DNA 400 IU/mL",
         "Child-Pugh computed as a range with ascites and encephalopathy ungraded: >= 7 -> fail; HBV DNA "
         "between the 3.41 and 5.82 factors -> hepatitis_viral_load unknown",
         expect={"child_pugh_a": "fail", "hepatitis_viral_load": "unknown"})
def p010(c):
    c.child_pugh = None
    dev_ascites(c, d=9)
    c.labs.update({"alb": dict(value=3.3), "tbil": dict(value=0.9), "inr": dict(value=1.05)})
    dev_chronic_hbv(c, dna=400, dna_day=6, antiviral="tenofovir")


@patient("icc-011", "male", "1959-08-30",
         "Child-Pugh A recorded 22 days ago, then INR 1.9 and albumin 3.1 g/dL; PT 21.3 s",
         "newer labs in window make class A impossible -> computed fail overrides the record; PT > 14 s "
         "fails coagulation",
         expect={"child_pugh_a": "fail", "coagulation": "fail"})
def p011(c):
    c.lab_day = 4
    c.child_pugh = ("loinc", "A", 22)
    for k, v in {"alb": 3.4, "inr": 1.15, "tbil": 1.0, "pt": 12.6}.items():
        c.add(c.lab(k, value=v, day=23))
    c.labs.update({"alb": dict(value=3.1), "inr": dict(value=1.9), "tbil": dict(value=1.1),
                   "pt": dict(value=21.3)})


@patient("icc-012", "female", "1966-02-17",
         "Woman of 60; last ECOG 35 days ago; Child-Pugh never recorded; penicillin allergy",
         "stale ECOG -> unknown; Child-Pugh from normal labs is 5-9 with ascites/encephalopathy unknown -> "
         "unknown; a woman of 60 passes pregnancy_lactation",
         expect={"ecog_0": "unknown", "child_pugh_a": "unknown"})
def p012(c):
    c.ecog = ("ecog", 0, 35)
    c.child_pugh = None
    dev_penicillin_allergy(c)


@patient("icc-013", "female", "1959-06-05",
         "ICC diagnosed on fine-needle cytology only; hypothyroidism on levothyroxine; inhaled budesonide",
         "cytology (category CP) alone asks icc_histology; the confirmed ICC Condition passes "
         "other_liver_histology; inhaled steroid passes immunosuppression; E03.9 is not autoimmune",
         expect={"icc_histology": "unknown"})
def p013(c):
    c.pathology = None
    c.path_report("cyto-1", "CP", concept("Fine needle aspiration cytology, liver mass"),
                  "Liver mass, FNA: adenocarcinoma cells, consistent with intrahepatic cholangiocarcinoma "
                  "(CK7+, CK19+ on cell block).",
                  [concept(None, cm("C22.1", "Intrahepatic bile duct carcinoma")),
                   concept(None, sct("109842005", "Intrahepatic bile duct carcinoma"))], 52)
    dev_hypothyroid(c)
    dev_inhaled_steroid(c)
    c.weight = (62, "kg", 6)


@patient("icc-014", "male", "1964-10-21",
         "Biopsy says cholangiocarcinoma, site not determined; liver cancer coded C22.9",
         "SNOMED 312104005 (not site-specific) asks icc_histology; C22.9 without a confirmed ICC diagnosis "
         "asks other_liver_histology",
         expect={"icc_histology": "unknown", "other_liver_histology": "unknown"})
def p014(c):
    c.pathology = None
    c.icc_condition = False
    c.path_report("path-1", "PAT", concept("Pathology study", coding(LOINC, "11526-1", "Pathology study")),
                  "Liver biopsy: adenocarcinoma consistent with cholangiocarcinoma; intrahepatic versus "
                  "perihilar origin cannot be determined on this sample.",
                  [concept(None, sct("312104005", "Cholangiocarcinoma of biliary tract"))], 50)
    c.condition("dx-liver-ca", [cm("C22.9", "Malignant neoplasm of liver, not specified as primary or "
                                            "secondary")],
                "Liver malignancy", onset=55, recorded=50)


@patient("icc-015", "male", "1961-03-09",
         "Resection specimen: combined hepatocellular-cholangiocarcinoma (8180/3)",
         "a mixed tumour on pathology fails other_liver_histology; the report is not ICC, so icc_histology "
         "asks",
         expect={"other_liver_histology": "fail", "icc_histology": "unknown"})
def p015(c):
    c.pathology = None
    c.icc_condition = False
    c.path_report("path-1", "SP", concept("Surgical pathology report",
                                          coding(LOINC, "60567-5", "Comprehensive pathology report panel")),
                  "Liver, segment VII, resection: combined hepatocellular-cholangiocarcinoma "
                  "(HCC component 60%, CCA component 40%), margins negative.",
                  [concept(None, coding(ICDO3, "8180/3",
                                        "Combined hepatocellular carcinoma and cholangiocarcinoma")),
                   concept(None, cm("C22.7", "Other specified carcinomas of liver"))], 80)
    c.condition("dx-chcc-cca", [cm("C22.7", "Other specified carcinomas of liver")],
                "Combined hepatocellular-cholangiocarcinoma, recurrent", onset=80, recorded=77)
    c.add(c.lab("afp", value=286))


@patient("icc-016", "male", "1958-07-14",
         "Hepatocellular carcinoma diagnosed on imaging and AFP, no ICC diagnosis; TSH 6.8",
         "a confirmed C22.0 with no ICC diagnosis fails other_liver_histology; no ICC report asks "
         "icc_histology; TSH above ULN fails tsh while free T3/T4 are normal",
         expect={"other_liver_histology": "fail", "icc_histology": "unknown", "tsh": "fail"})
def p016(c):
    c.pathology = None
    c.icc_condition = False
    c.condition("dx-hcc", [cm("C22.0", "Liver cell carcinoma"), sct("109841003", "Liver cell carcinoma")],
                "Hepatocellular carcinoma (LI-RADS 5)", onset=45, recorded=42)
    c.add(c.lab("afp", value=1200))
    c.labs["tsh"] = dict(value=6.8)


@patient("icc-017", "male", "1969-11-02",
         "ICC on biopsy, but an outside hospital coded hepatocellular carcinoma two years ago; HBV DNA 800 "
         "copies/mL",
         "both an ICC and an HCC code ask other_liver_histology; HBV DNA in copies/mL <= 2000 passes; "
         "neutrophil unit given only as text 'x10E9/L'",
         expect={"other_liver_histology": "unknown"}, profile="si")
def p017(c):
    c.condition("dx-hcc-outside", [cn("C22.000x001", "肝细胞癌"), who("C22.0", "Liver cell carcinoma")],
                "肝细胞癌（外院诊断）", onset=730, recorded=700)
    dev_chronic_hbv(c, dna=800, unit="copies", dna_day=10)
    c.labs["anc"] = dict(value=3.4, unit="x10E9/L", ucum=None)


@patient("icc-018", "male", "1970-02-25",
         "Had gemcitabine-cisplatin with Keytruda at another hospital last year; TSH suppressed (0.08) "
         "with normal free T3/T4",
         "a MedicationStatement with brand name only fails prior_checkpoint_inhibitor; TSH below the lower "
         "limit passes (no lower bound)",
         expect={"prior_checkpoint_inhibitor": "fail"})
def p018(c):
    dev_pd1_statement(c, "keytruda_text", start=400, end=300)
    c.med_request("rx-cisplatin", "cisplatin", authored=400, status="completed",
                  dose=dosage("25 mg/m2 IV days 1 and 8 every 3 weeks (with gemcitabine)", route="iv"))
    c.labs.update({"tsh": dict(value=0.08), "ft4": dict(value=1.35), "ft3": dict(value=3.0)})


@patient("icc-019", "male", "1967-09-13",
         "Toripalimab given earlier (order via a Medication resource); a cancelled Tyvyt order; albumin "
         "last measured 40 days ago",
         "medicationReference with a Chinese name fails prior_checkpoint_inhibitor; a cancelled order does "
         "not count; stale albumin -> unknown",
         expect={"prior_checkpoint_inhibitor": "fail", "albumin": "unknown"}, profile="si")
def p019(c):
    dev_pd1_request(c)
    c.med_request("rx-tyvyt", "tyvyt", authored=210, status="cancelled")
    c.labs["alb"] = dict(day=40)


@patient("icc-020", "male", "1962-06-28",
         "Checkpoint entries that do not count: draft Opdivo, entered-in-error pembrolizumab, a sintilimab "
         "plan, camrelizumab given after the as-of date; ECOG 3 after the as-of date",
         "drafts, plans, entered-in-error orders and anything dated after the as-of date are ignored: "
         "prior_checkpoint_inhibitor stays unknown, ECOG 0 stands")
def p020(c):
    c.med_request("rx-opdivo-draft", "opdivo_text", authored=3, status="draft")
    c.med_request("rx-pembro-eie", "pembrolizumab", authored=8, status="entered-in-error")
    c.med_request("rx-sintilimab-plan", "sintilimab_cn", authored=5, status="active", intent="plan")
    c.med_admin("ma-camrelizumab", "camrelizumab_cn", -5, mg=200, route="iv")
    c.add(c.ecog_obs("ecog", 3, -2))


@patient("icc-021", "male", "1955-04-04",
         "Sigmoid colon cancer resected in 2019 and an excised basal cell carcinoma; neutrophils 1.2",
         "a past non-excepted cancer fails other_malignancy (the past BCC alone would be excepted); "
         "neutrophils < 1.5 fail",
         expect={"other_malignancy": "fail", "neutrophils": "fail"})
def p021(c):
    dev_other_cancer(c)
    dev_past_bcc(c)
    c.labs.update({"anc": dict(value=1.2), "wbc": dict(value=2.9)})
    c.add(c.lab("crcl_cg", value=74))


@patient("icc-022", "male", "1973-08-19",
         "Pulmonary TB treated, course finished 7 months ago; hemoglobin 8.4 g/dL",
         "TB with abatement within 365 days fails tuberculosis; hemoglobin < 9 fails",
         expect={"tuberculosis": "fail", "hemoglobin": "fail"})
def p022(c):
    dev_tb_recent(c)
    c.labs["hgb"] = dict(value=8.4)


@patient("icc-023", "female", "1968-01-30",
         "Suspected lupus under work-up; small woman (43 kg) with creatinine 1.0 mg/dL",
         "a suspected (provisional) autoimmune Condition fails autoimmune; Cockcroft-Gault 41.6 mL/min "
         "fails creatinine_clearance although creatinine itself passes",
         expect={"autoimmune": "fail", "creatinine_clearance": "fail"})
def p023(c):
    dev_suspected_sle(c)
    c.weight = (43, "kg", 6)
    c.labs["cr"] = dict(value=1.0)


@patient("icc-024", "female", "1962-05-07",
         "Rheumatoid arthritis on weekly methotrexate; low free T3 (2.7 pmol/L)",
         "active autoimmune disease fails; a current immunosuppressant fails immunosuppression; a free T3 "
         "below range fails t3_t4_normal",
         expect={"autoimmune": "fail", "immunosuppression": "fail", "t3_t4_normal": "fail"}, profile="si")
def p024(c):
    dev_ra_methotrexate(c)
    c.labs.update({"ft3": dict(value=2.7), "tt3": dict(value=1.1)})


@patient("icc-025", "male", "1956-12-12",
         "Interstitial lung disease since 2023; total bilirubin 2.6 mg/dL",
         "an ILD Condition fails ild_pneumonitis; bilirubin > 1.5 x ULN fails (recorded Child-Pugh A still "
         "stands: bilirubin 2-3 gives 2 points, total 6)",
         expect={"ild_pneumonitis": "fail", "bilirubin": "fail"})
def p025(c):
    dev_ild(c)
    c.labs["tbil"] = dict(value=2.6)


@patient("icc-026", "male", "1960-09-23",
         "Prednisone 10 mg twice daily for COPD; creatinine 2.2 mg/dL",
         "systemic prednisone 20 mg/day fails immunosuppression; creatinine > 1.5 x ULN fails, and so does "
         "Cockcroft-Gault",
         expect={"immunosuppression": "fail", "creatinine": "fail", "creatinine_clearance": "fail"})
def p026(c):
    dev_prednisone(c)
    c.labs["cr"] = dict(value=2.2)


@patient("icc-027", "male", "1965-02-14",
         "Dexamethasone IV given twice in the last 2 weeks with no current order; latent TB; small "
         "oesophageal varices",
         "an administration alone makes immunosuppression unknown (never fail); varices ask coagulation; "
         "latent TB asks",
         expect={"immunosuppression": "unknown", "coagulation": "unknown"})
def p027(c):
    dev_dexamethasone_admin(c)
    dev_latent_tb(c)
    dev_varices(c)


@patient("icc-028", "female", "1964-08-08",
         "Two high blood pressure readings a week apart; Hashimoto's on levothyroxine; AST 125 U/L",
         "two latest readings in window, different days, both high -> hypertension fail; E06.3 asks "
         "autoimmune; AST > 1.5 x ULN fails alt_ast",
         expect={"hypertension": "fail", "alt_ast": "fail"})
def p028(c):
    c.bp = [(10, 146, 88), (3, 152, 94)]
    dev_hypertension_controlled(c)
    dev_hypothyroid(c, hashimoto=True)
    c.labs["ast"] = dict(value=125)


@patient("icc-029", "male", "1972-03-03",
         "One high blood pressure reading in the window (older readings normal); never tested for HIV; "
         "pulmonary fibrosis, unspecified",
         "a single high latest reading asks hypertension; no HIV test asks; J84.10 asks ild_pneumonitis",
         expect={"hypertension": "unknown", "hiv": "unknown"})
def p029(c):
    c.bp = [(40, 128, 82), (4, 158, 92)]
    c.sero["hiv"] = (None, 0)
    dev_pulmonary_fibrosis_unspecified(c)


@patient("icc-030", "male", "1963-10-10",
         "PT 14.5 s; hepatitis C cured in 2021 (anti-HCV positive, HCV RNA <15 IU/mL)",
         "PT > 14 s fails coagulation; anti-HCV positive with HCV RNA below the limit passes "
         "hepatitis_viral_load; serology as S/CO with interpretation",
         expect={"coagulation": "fail"})
def p030(c):
    c.labs.update({"pt": dict(value=14.5), "inr": dict(value=1.28)})
    c.sero_style = "interp"
    c.sero["hcv"] = ("pos", 45)
    c.add(c.lab("hcvrna", value=15, comparator="<", day=20))
    c.condition("dx-hcv", [cm("B18.2", "Chronic viral hepatitis C"), sct("128302006", "Chronic hepatitis C")],
                "Chronic hepatitis C, SVR12 after sofosbuvir/velpatasvir", onset="2019-03-01",
                abatement="2021-09-01", recorded="2019-03-01", clinical="resolved")
    c.med_statement("ms-epclusa", "sofosbuvir", "completed", "2021-03-01", end="2021-05-24", asserted=60)


@patient("icc-031", "male", "1956-06-16",
         "Atrial fibrillation on rivaroxaban; last blood pressure 45 days ago",
         "a current anticoagulant fails coagulation (PT normal); no BP reading in window asks hypertension",
         expect={"coagulation": "fail", "hypertension": "unknown"})
def p031(c):
    dev_anticoagulant(c)
    c.bp = [(45, 132, 84)]
    c.weight = (68, "kg", 6)


@patient("icc-032", "male", "1961-11-25",
         "Blood count drawn on day 29 only; TSH not reported (haemolysed sample)",
         "a lab on day 29 is stale -> neutrophils, platelets, hemoglobin unknown; dataAbsentReason -> tsh "
         "unknown while free T3/T4 pass",
         expect={"neutrophils": "unknown", "platelets": "unknown", "hemoglobin": "unknown", "tsh": "unknown"})
def p032(c):
    for k in ("wbc", "anc", "plt", "hgb"):
        c.labs[k] = dict(day=29, hm="16:40")
    c.labs["tsh"] = dict(absent="error", absent_text="标本溶血 Specimen haemolysed")


@patient("icc-033", "male", "1974-07-21",
         "HBsAg positive, untreated, HBV DNA 4,500 IU/mL; platelets 78 (a repeat after the as-of date is "
         "ignored)",
         "HBV DNA x 3.41 > 2000 fails hepatitis_viral_load; platelets < 100 fail; a result dated after the "
         "as-of date is ignored",
         expect={"hepatitis_viral_load": "fail", "platelets": "fail"}, profile="si")
def p033(c):
    c.sero_style = "sct"
    dev_chronic_hbv(c, dna=4500, dna_day=8, antiviral=None)
    c.labs["plt"] = dict(value=78)
    c.add(c.lab("plt", value=165, day=-2))


@patient("icc-034", "male", "1967-03-28",
         "Melena 40 days ago needing transfusion; platelet count reported in 'G/L'",
         "bleeding (K92.1) within 91 days fails recent_bleeding; an unrecognised unit -> platelets unknown",
         expect={"recent_bleeding": "fail", "platelets": "unknown"}, profile="si")
def p034(c):
    dev_recent_bleed(c)
    c.labs["plt"] = dict(value=168, unit="G/L", ucum=None)
    c.labs["hgb"] = dict(value=121)


@patient("icc-035", "male", "1975-05-15",
         "HIV infection on antiretroviral therapy; hemoglobin reported in mmol/L",
         "an HIV Condition (Z21) fails hiv; hemoglobin 8.6 mmol/L = 13.9 g/dL passes",
         expect={"hiv": "fail"})
def p035(c):
    dev_hiv(c)
    c.labs["hgb"] = None
    c.add(c.lab("hgb_mmol", value=8.6))


@patient("icc-036", "male", "1966-08-01",
         "Alcohol dependence in remission; smoker; creatinine reported without a reference range",
         "F10.21 fails substance_abuse (F17 does not count); no reference range -> creatinine unknown, "
         "while Cockcroft-Gault still passes",
         expect={"substance_abuse": "fail", "creatinine": "unknown"})
def p036(c):
    dev_alcohol_dependence(c)
    c.labs["cr"] = dict(value=0.95, no_range=True)
    c.weight = (72, "kg", 6)


@patient("icc-037", "male", "1963-01-19",
         "Anaphylaxis to oxaliplatin during earlier GEMOX (allergy now inactive); bilirubin without a "
         "reference range",
         "a platinum allergy fails whatever its clinicalStatus; no reference range -> bilirubin unknown",
         expect={"platinum_allergy": "fail", "bilirubin": "unknown"})
def p037(c):
    dev_gemox_history(c, d=240, cycles=1)
    dev_platinum_allergy(c, onset=240)
    c.labs["tbil"] = dict(value=0.9, no_range=True)


@patient("icc-038", "female", "1992-04-22",
         "Woman of 34 with a positive pregnancy test (hCG 1,850 IU/L)",
         "a positive pregnancy test in window fails pregnancy_lactation",
         expect={"pregnancy_lactation": "fail"})
def p038(c):
    dev_pregnant(c)
    c.weight = (55, "kg", 6)
    c.labs["cr"] = dict(value=0.6)


@patient("icc-039", "female", "1981-06-30",
         "Woman of 45, hCG <2.0 IU/L; last weight 120 days ago",
         "a negative test does not settle contraception -> pregnancy_lactation unknown; no weight within 90 "
         "days -> creatinine_clearance unknown",
         expect={"pregnancy_lactation": "unknown", "creatinine_clearance": "unknown"})
def p039(c):
    dev_not_pregnant(c)
    c.weight = (57, "kg", 120)


@patient("icc-040", None, "1966-03-18",
         "Sex recorded as unknown, age 60; 55 kg, creatinine 1.0 mg/dL",
         "Cockcroft-Gault 61.1 (male) vs 51.9 (female) disagree -> creatinine_clearance unknown; sex not "
         "male at 60 passes pregnancy_lactation; eGFR is not used",
         expect={"creatinine_clearance": "unknown"})
def p040(c):
    c.weight = (55, "kg", 6)
    c.labs["cr"] = dict(value=1.0, low=0.6, high=1.2)
    c.add(c.lab("egfr", value=78))


@patient("icc-041", "female", "1974-09-09",
         "Woman of 52 with documented menopause; total T4 high with normal free T4 and free T3",
         "menopause (N95.1) passes pregnancy_lactation; total T4 out of range with normal free values -> "
         "t3_t4_normal unknown",
         expect={"t3_t4_normal": "unknown"})
def p041(c):
    dev_menopause(c)
    c.add(c.qual("hcg_urine", "neg", 5, style="sct"))
    c.thyroid = ["tsh", "ft4", "ft3", "tt4", "tt3"]
    c.labs.update({"tt4": dict(value=15.2), "ft4": dict(value=1.45)})


@patient("icc-042", "male", "1969-12-20",
         "No T3 and no AST measured; a preliminary hemoglobin of 8.1 awaits verification",
         "a missing T3 -> t3_t4_normal unknown; a missing AST -> alt_ast unknown; a preliminary result "
         "is not usable (the final 13.0 passes)",
         expect={"t3_t4_normal": "unknown", "alt_ast": "unknown"})
def p042(c):
    c.thyroid = ["tsh", "ft4"]
    c.labs["ast"] = None
    c.labs["hgb"] = dict(value=13.0)
    c.add(c.lab("hgb", value=8.1, day=1, status="preliminary"))


@patient("icc-043", "male", "1968-05-05",
         "Albumin 2.9 g/dL; weight in pounds; last HIV test 400 days ago",
         "albumin < 3 fails; weight in [lb_av] converts for Cockcroft-Gault; an HIV test older than 365 days "
         "-> hiv unknown",
         expect={"albumin": "fail", "hiv": "unknown"})
def p043(c):
    c.labs["alb"] = dict(value=2.9)
    c.weight = (154, "lb", 6)
    c.sero["hiv"] = ("neg", 400)


@patient("icc-044", "male", "1970-10-30",
         "Thrombocytopenia on the problem list; GI bleed 4 months ago; prednisolone 'as directed'",
         "D69.6 asks coagulation; a bleed older than 91 days asks; a steroid with no route and no dose -> "
         "immunosuppression unknown",
         expect={"coagulation": "unknown", "immunosuppression": "unknown"})
def p044(c):
    dev_thrombocytopenia(c)
    c.labs["plt"] = dict(value=112)
    dev_old_bleed(c)
    dev_steroid_unknown_route(c)


def build_case(spec):
    index = int(spec["pid"].rsplit("-", 1)[1])  # names and MRN follow the id, not the list position
    sex = spec["sex"]
    names = (SURNAMES[index % len(SURNAMES)],
             (GIVEN_F if sex == "female" else GIVEN_M)[(index * 7) % (len(GIVEN_F) if sex == "female"
                                                                      else len(GIVEN_M))])
    c = Case(spec["pid"], sex or "unknown", spec["birth"], spec["profile"], names=names,
             mrn=f"ZS{20260000 + index * 37:08d}")
    spec["build"](c)
    return c


def expected_for(spec):
    crit = dict(BASE_EXPECT)
    for k, v in spec["expect"].items():
        if k not in crit:
            raise KeyError(f"{spec['pid']}: unknown criterion {k}")
        crit[k] = v
    return crit


# ---------------------------------------------------------------------------------------------
# Scale mode: random baselines with deviations from the same building blocks
# ---------------------------------------------------------------------------------------------
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
    "ascites": lambda c, r: (dev_ascites(c, r.randint(2, 25)), setattr(c, "child_pugh", None),
                             c.labs.update(alb=dict(value=r.choice([3.1, 3.3, 3.4]) if c.profile == "us"
                                                    else r.choice([31, 33, 34])))),
    "low_count": _low_count,
    "high_chem": lambda c, r: _high(c, r),
    "stale_cbc": lambda c, r: c.labs.update({k: dict(day=r.randint(29, 60)) for k in ("wbc", "anc", "plt",
                                                                                      "hgb")}),
    "pd1": lambda c, r: r.choice([
        lambda: dev_pd1_statement(c, r.choice(PD1_KEYS), start=r.randint(200, 700)),
        lambda: dev_pd1_request(c, r.choice(["特瑞普利单抗注射液 240 mg", "Tuoyi (toripalimab)",
                                             "Keytruda", "信迪利单抗"]), authored=r.randint(100, 600)),
        lambda: dev_pd1_admin(c, r.choice(PD1_KEYS), d=r.randint(60, 500)),
        lambda: c.med_request("rx-pd1-draft", r.choice(PD1_KEYS), authored=3, status="draft")])(),
    "malignancy": lambda c, r: (dev_other_cancer(c) if r.random() < 0.6 else dev_past_bcc(c)),
    "tb": lambda c, r: dev_tb_recent(c) if r.random() < 0.5 else dev_latent_tb(c),
    "autoimmune": lambda c, r: r.choice([lambda: dev_suspected_sle(c), lambda: dev_ra_methotrexate(c),
                                         lambda: dev_hypothyroid(c, hashimoto=True),
                                         lambda: dev_hypothyroid(c)])(),
    "lung": lambda c, r: dev_ild(c) if r.random() < 0.5 else dev_pulmonary_fibrosis_unspecified(c),
    "steroid": lambda c, r: r.choice([lambda: dev_prednisone(c), lambda: dev_methylpred_at_limit(c),
                                      lambda: dev_inhaled_steroid(c), lambda: dev_dexamethasone_admin(c),
                                      lambda: dev_steroid_unknown_route(c)])(),
    "bp": lambda c, r: setattr(c, "bp", r.choice([[(10, 146, 88), (3, 152, 94)],
                                                  [(40, 126, 80), (4, 158, 92)],
                                                  [(45, 130, 84)], [(12, 150, 95), (5, 128, 82)]])),
    "coagulation": lambda c, r: r.choice([lambda: dev_anticoagulant(c), lambda: dev_varices(c),
                                          lambda: dev_thrombocytopenia(c), lambda: dev_heparin_flush(c),
                                          lambda: c.labs.update(pt=dict(value=r.choice([14.0, 14.5,
                                                                                        16.2])))])(),
    "hbv": lambda c, r: dev_chronic_hbv(c, dna=r.choice([20, 150, 400, 4500, 30000]),
                                        unit=r.choice(["iu", "copies"]),
                                        comparator="<" if r.random() < 0.2 else None,
                                        antiviral=r.choice(["entecavir", "tenofovir", None])),
    "bleed": lambda c, r: dev_recent_bleed(c, r.randint(10, 85)) if r.random() < 0.5 else dev_old_bleed(c),
    "hiv": lambda c, r: dev_hiv(c) if r.random() < 0.3 else c.sero.update(hiv=(r.choice(["reactive", None]),
                                                                                  10)),
    "alcohol": lambda c, r: dev_alcohol_dependence(c),
    "platinum": lambda c, r: (dev_gemox_history(c), dev_platinum_allergy(c) if r.random() < 0.5
                              else dev_platinum_intolerance(c)),
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
        dev_hypertension_controlled(c)
    if sex == "female" and age < 56:
        dev_not_pregnant(c) if rng.random() < 0.85 else dev_pregnant(c)
    slots = rng.sample(sorted(SCALE_DEVIATIONS), k=rng.choice([0, 1, 1, 2, 2, 3]))
    for slot in slots:
        SCALE_DEVIATIONS[slot](c, rng)
    return c


# ---------------------------------------------------------------------------------------------
# Bundles and files
# ---------------------------------------------------------------------------------------------
def transaction(resources):
    entries = []
    for r in resources:
        url = f"{r['resourceType']}/{r['id']}"
        full = uuid.uuid5(uuid.NAMESPACE_URL, f"https://prescreen.example.org/synthetic/{url}")
        entries.append({"fullUrl": f"urn:uuid:{full}", "resource": r,
                        "request": {"method": "PUT", "url": url}})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def group(gid, name, pids):
    return {"resourceType": "Group", "id": gid, "type": "person", "actual": True, "name": name,
            "quantity": len(pids), "member": [{"entity": {"reference": f"Patient/{p}"}} for p in pids]}


def dumps(obj, indent=1):
    if indent:
        return json.dumps(obj, ensure_ascii=False, indent=indent) + "\n"
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def hand_outputs():
    """Everything the default run writes, as {relative path: text}."""
    files = {}
    patients = {}
    for spec in PATIENTS:
        c = build_case(spec)
        files[f"bundles/{spec['pid']}.json"] = dumps(transaction(c.resources()))
        crit = expected_for(spec)
        patients[spec["pid"]] = {"story": spec["story"], "demonstrates": spec["shows"],
                                 "verdict": verdict_of(crit), "criteria": crit}
    pids = [s["pid"] for s in PATIENTS]
    files["bundles/group-icc-cohort.json"] = dumps(transaction([group(
        "icc-cohort", "NCT03951597 synthetic ICC pre-screening cohort", pids)]))
    expected = {"as_of": AS_OF.isoformat(), "patients": patients, "coverage": coverage(patients)}
    files["expected.json"] = dumps(expected, indent=2)
    files["README.md"] = readme(patients)
    return files


def coverage(patients):
    cov = {}
    for crit in CRITERIA:
        cov[crit] = {}
        for status in ["pass", "fail", "unknown", "pending"]:
            who_ = [pid for pid, p in patients.items() if p["criteria"][crit] == status]
            if who_:
                cov[crit][status] = who_
    return cov


def readme(patients):
    lines = [
        "# Synthetic ICC pre-screening cohort",
        "",
        f"As-of date: **{AS_OF.isoformat()}** (`AS_OF` in `tools/generate_cohort.py`). Every date in these",
        "records is computed as AS_OF minus a number of days, so run the rules with `--as-of "
        f"{AS_OF.isoformat()}`;",
        "with any other date the expectations below do not hold.",
        "",
        "- `bundles/<patient-id>.json`: one FHIR R4 transaction Bundle per patient (PUT with fixed ids).",
        "- `bundles/group-icc-cohort.json`: `Group/icc-cohort` listing every patient (load it last).",
        "- `expected.json`: per patient, the status of each of the 36 criteria of",
        "  `shared/spec/criteria.md` and the verdict, from the record alone (no answers); plus `coverage`:",
        "  for each criterion, which patients show each status.",
        "",
        "Everything here is written by the generator and is byte-identical on every run. Do not edit it",
        "by hand: change `tools/generate_cohort.py` and run it.",
        "",
        "## Regenerate and check",
        "",
        "```sh",
        "python3.10 tools/generate_cohort.py            # rewrite data/synthetic/",
        "python3.10 tools/generate_cohort.py --check    # up to date, expected.json complete, valid FHIR",
        "python3.10 tools/generate_cohort.py --count 1000 --out /tmp/gen --seed 7   # benchmark cohort",
        "```",
        "",
        "The benchmark mode writes `gen-000001`... and `Group/gen-cohort` from the same building blocks",
        "with seeded random values and deviations (same N and seed, same files); it has no expectations.",
        "",
        "## Load into a FHIR server",
        "",
        "```sh",
        ".venv/bin/python tools/load_fhir.py data/synthetic/bundles --fhir-base http://127.0.0.1:8090/fhir",
        "# bearer token: --token TOKEN or PRESCREEN_FHIR_TOKEN",
        "```",
        "",
        "Bundles are posted in name order with the Group last; the loader stops at the first error and",
        "names the file, the HTTP status and the server's OperationOutcome diagnostics.",
        "",
        "## Conventions",
        "",
        "- Baseline record (what every patient has unless its row says otherwise): a man of 50-70, ICC on a",
        "  final pathology report (C22.1 / SNOMED 109842005 / ICD-O-3 8160/3) and an ICC Condition, labs 6",
        "  days before AS_OF all normal, ECOG 0 (day 5), Child-Pugh class A recorded (day 5), one normal",
        "  blood pressure and a weight (day 6), HBsAg, anti-HCV and HIV negative (day 45).",
        "- `us` patients use conventional units (g/dL, mg/dL, U/L, 10*3/uL); `si` patients (marked SI below)",
        "  use a Shanghai laboratory's SI units (g/L, umol/L, ukat/L, pmol/L, 10*9/L), ICD-10-CN codes and",
        "  serology as text (阴性/阳性).",
        "- Boundary values are exact in decimal (bilirubin 1.8 mg/dL with ULN 1.2 is exactly 1.5 x ULN);",
        "  note that 1.5 * 1.2 is 1.7999999999999998 in binary floating point.",
        "- Criteria never settled by the record (consent, investigator judgment: `pending`; tissue,",
        "  resectability, measurable lesion, cardiopulmonary/renal function, active infection and the",
        "  history exclusions the record never passes: `unknown`) make every verdict at best",
        "  `needs_information`.",
        "",
        "## Patients",
        "",
        "| patient | story | expected verdict | demonstrates |",
        "|---|---|---|---|",
    ]
    profiles = {s["pid"]: s["profile"] for s in PATIENTS}
    for pid, p in patients.items():
        tag = " (SI)" if profiles[pid] == "si" else ""
        lines.append(f"| {pid}{tag} | {p['story']} | {p['verdict']} | {p['demonstrates']} |")
    lines += ["", "## Coverage", "",
              "Statuses the record alone can produce per criterion, and the patients showing them:", "",
              "| criterion | pass | fail | unknown | pending |", "|---|---|---|---|---|"]
    cov = coverage(patients)
    for crit in CRITERIA:
        cells = []
        for st in ["pass", "fail", "unknown", "pending"]:
            who_ = cov[crit].get(st, [])
            if st not in POSSIBLE[crit]:
                cells.append("—")
            elif len(who_) > 4:
                cells.append(", ".join(who_[:3]) + f" … ({len(who_)})")
            else:
                cells.append(", ".join(who_))
        lines.append(f"| `{crit}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_files(files, root):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


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


# ---------------------------------------------------------------------------------------------
# --check
# ---------------------------------------------------------------------------------------------
ID_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")


def check():
    problems = []
    files = hand_outputs()
    for rel, text in files.items():
        path = SYNTH / rel
        if not path.exists():
            problems.append(f"missing: {path.relative_to(ROOT)}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"out of date: {path.relative_to(ROOT)} (run tools/generate_cohort.py)")
    on_disk = {p.relative_to(SYNTH).as_posix() for p in (SYNTH / "bundles").glob("*.json")}
    for extra in sorted(on_disk - set(files)):
        problems.append(f"stray file: data/synthetic/{extra}")

    expected = json.loads(files["expected.json"])
    for pid, p in expected["patients"].items():
        if list(p["criteria"]) != CRITERIA:
            problems.append(f"{pid}: criteria ids differ from the 36 of criteria.md")
        for crit, st in p["criteria"].items():
            if st not in POSSIBLE.get(crit, []):
                problems.append(f"{pid}: {crit} = {st}, which the record alone cannot give")
        if p["verdict"] != verdict_of(p["criteria"]):
            problems.append(f"{pid}: verdict {p['verdict']} inconsistent with its statuses")
    cov = expected["coverage"]
    for crit in CRITERIA:
        for st in POSSIBLE[crit]:
            if not cov.get(crit, {}).get(st):
                problems.append(f"coverage: no patient shows {crit} = {st}")
    if not any(p["verdict"] == "needs_information" for p in expected["patients"].values()):
        problems.append("coverage: no patient without a record-settled failure")

    # structure: ids, references, dates of the bundles
    for rel, text in files.items():
        if not rel.startswith("bundles/"):
            continue
        bundle = json.loads(text)
        ids = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
        for e in bundle["entry"]:
            r = e["resource"]
            rid = r["id"]
            if len(rid) > 64 or set(rid) - ID_OK or rid.isdigit():
                problems.append(f"{rel}: bad id {rid}")
            if e["request"]["url"] != f"{r['resourceType']}/{rid}":
                problems.append(f"{rel}: request url mismatch for {rid}")
            for ref in _references(r):
                if ref not in ids and not ref.startswith("Patient/"):
                    problems.append(f"{rel}: {rid} refers to {ref}, not in the bundle")
    problems += validate_fhir(files)
    for p in problems:
        print(p)
    n = len(expected["patients"])
    print(f"{'FAILED' if problems else 'ok'}: {n} patients, {len(CRITERIA)} criteria, "
          f"{sum(len(v) for v in POSSIBLE.values())} criterion statuses covered")
    return 1 if problems else 0


def _references(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from _references(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _references(v)


def validate_fhir(files):
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:
        print("note: fhir.resources not installed; FHIR validation skipped")
        return []
    problems = []
    for rel, text in files.items():
        if rel.startswith("bundles/"):
            try:
                Bundle.model_validate(json.loads(text))
            except Exception as exc:  # any validation error, reported with the file name
                problems.append(f"{rel}: not valid FHIR R4: {str(exc).splitlines()[0]}")
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify the committed cohort and expected.json")
    ap.add_argument("--count", type=int, help="generate N patients (benchmark mode; needs --out)")
    ap.add_argument("--out", help="output folder for --count")
    ap.add_argument("--seed", default="1", help="seed for --count (default 1)")
    args = ap.parse_args(argv)
    if args.check:
        return check()
    if args.count is not None:
        if not args.out or args.count < 1:
            ap.error("--count N needs N >= 1 and --out DIR")
        write_scale(args.count, args.out, args.seed)
        return 0
    files = hand_outputs()
    write_files(files, SYNTH)
    print(f"wrote {len(PATIENTS)} patient bundles, the Group, expected.json and README.md to "
          f"{SYNTH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
