"""Deviations from the clean baseline record: the building blocks of the hand-designed
patients (stories.py) and of the scale mode (scale.py). Each one changes a Case in place.
"""
from __future__ import annotations

from .catalogue import cm, cn, sct, who
from .fhir import RXNORM, coding, concept, dosage


def _chronic(c, suffix, codes, text, since):
    """A long-standing diagnosis, recorded when it began."""
    return c.condition(suffix, codes, text, onset=since, recorded=since)


def _oral_order(c, medicine, authored, text, mg=None, per_day=1, reason=None, suffix=None):
    """A current order (rx-<medicine>) for an oral medicine taken once (QD) or twice (BID) a day."""
    dose = dosage(text, mg=mg, per_day=per_day, route="oral", code={1: "QD", 2: "BID"}[per_day])
    c.med_request(suffix or f"rx-{medicine}", medicine, authored=authored, reason=reason, dose=dose)


def hypertension_controlled(c, style=None):
    codes = ([cn("I10.x00x002", "高血压病"), who("I10", "Essential (primary) hypertension")]
             if (style or c.style) == "cn" else
             [cm("I10", "Essential (primary) hypertension"), sct("59621000", "Essential hypertension")])
    _chronic(c, "dx-htn", codes, "Hypertension", "2015-04-01")
    _oral_order(c, "amlodipine", 60, "5 mg once daily", mg=5)


def lymph_node_mets(c):
    c.condition("dx-ln-mets", [cm("C77.2", "Secondary and unspecified malignant neoplasm of intra-abdominal "
                                          "lymph nodes")],
                "Hilar lymph node metastasis", onset=c.icc_onset, recorded=c.icc_onset - 3,
                cat="encounter-diagnosis")


def chronic_hbv(c, dna=None, unit="iu", dna_day=10, antiviral="entecavir", comparator=None):
    """HBsAg positive, chronic hepatitis B, an HBV DNA result and (optionally) an antiviral."""
    c.sero["hbsag"] = ("pos", 45)
    hbv = "Chronic viral hepatitis B without delta-agent"
    codes = ([cn("B18.100", "慢性乙型病毒性肝炎"), who("B18.1", hbv)] if c.style == "cn" else
             [cm("B18.1", hbv), sct("61977001", "Chronic type B viral hepatitis")])
    _chronic(c, "dx-hbv", codes, "Chronic hepatitis B", "2009-06-01")
    if dna is not None:
        key = "hbvdna_iu" if unit == "iu" else "hbvdna_cp"
        ov = dict(value=dna, day=dna_day, hm="07:50")
        if comparator:
            ov["comparator"] = comparator
        c.add(c.lab(key, **ov))
    if antiviral:
        entecavir = antiviral == "entecavir"
        _oral_order(c, antiviral, 300, "0.5 mg once daily" if entecavir else "25 mg once daily",
                    mg=0.5 if entecavir else 25)


def heparin_flush(c):
    c.med_request("rx-heparin-flush", "heparin_flush", authored=20,
                  dose=dosage("5 mL to lock the PICC line after each use", route="iv"))


def ascites(c, d=9):
    c.condition("dx-ascites", [cm("R18.8", "Other ascites"), sct("389026000", "Ascites")], "Ascites",
                onset=d, recorded=d, cat="encounter-diagnosis")


def pd1_statement(c, medicine="keytruda_text", start=400, end=300):
    c.med_statement("ms-pd1", medicine, "completed", start, end=end, asserted=60,
                    reason=concept("Intrahepatic cholangiocarcinoma (outside hospital)"))


def pd1_request(c, text="特瑞普利单抗注射液 240 mg", authored=200, status="completed"):
    ref = f"Medication/{c.rid('med-1')}"
    c.medication("med-1", concept(text))
    c.med_request("rx-pd1", ref, authored=authored, status=status,
                  dose=dosage("240 mg IV every 3 weeks", mg=240, route="iv"))


def pd1_admin(c, medicine="camrelizumab_cn", d=150):
    c.med_admin("ma-pd1", medicine, d, mg=200, route="iv")


def other_cancer(c):
    c.condition("dx-colon-ca", [cm("C18.7", "Malignant neoplasm of sigmoid colon"),
                                sct("363351006", "Malignant tumor of colon")],
                "Sigmoid colon adenocarcinoma, resected 2019", onset="2019-05-10", abatement="2019-12-20",
                recorded="2019-05-16", clinical="resolved")


def past_bcc(c):
    c.condition("dx-bcc", [cm("C44.91", "Basal cell carcinoma of skin, unspecified")],
                "Basal cell carcinoma of the nose, excised", onset="2022-03-02", abatement="2022-04-11",
                recorded="2022-03-08", clinical="resolved")


def tb_recent(c, onset=420, abatement=210):
    c.condition("dx-tb", [cm("A15.0", "Tuberculosis of lung"), sct("154283005", "Pulmonary tuberculosis")],
                "Pulmonary tuberculosis, 6-month HRZE course completed", onset=onset, abatement=abatement,
                recorded=onset, clinical="resolved")


def latent_tb(c):
    c.condition("dx-ltbi", [cm("Z22.7", "Latent tuberculosis")], "Latent tuberculosis (IGRA positive)",
                onset=400, recorded=400)


def suspected_sle(c):
    c.condition("dx-sle", [cm("M32.9", "Systemic lupus erythematosus, unspecified")],
                "Systemic lupus erythematosus? (ANA 1:640, referred to rheumatology)",
                onset=30, recorded=30, verification="provisional")


def ra_methotrexate(c):
    codes = ([cn("M06.900", "类风湿性关节炎"), who("M06.9", "Rheumatoid arthritis, unspecified")]
             if c.style == "cn" else
             [cm("M06.9", "Rheumatoid arthritis, unspecified"), sct("69896004", "Rheumatoid arthritis")])
    _chronic(c, "dx-ra", codes, "Rheumatoid arthritis", "2016-09-01")
    c.med_request("rx-mtx", "methotrexate", authored=40,
                  dose=dosage("15 mg once weekly", mg=15, per_day=1, route="oral", period_unit="wk"))
    c.med_request("rx-folic", "folic_acid", authored=40,
                  dose=dosage("5 mg once weekly", mg=5, per_day=1, route="oral", period_unit="wk"))


def hypothyroid(c, hashimoto=False):
    if hashimoto:
        _chronic(c, "dx-thyroid", [cm("E06.3", "Autoimmune thyroiditis"),
                                   sct("21983002", "Hashimoto thyroiditis")],
                 "Hashimoto's thyroiditis", "2012-02-01")
    else:
        _chronic(c, "dx-thyroid", [cm("E03.9", "Hypothyroidism, unspecified"),
                                   sct("40930008", "Hypothyroidism")],
                 "Hypothyroidism", "2014-07-01")
    _oral_order(c, "levothyroxine", 90, "50 mcg once daily before breakfast")


def ild(c):
    _chronic(c, "dx-ild", [cm("J84.9", "Interstitial pulmonary disease, unspecified"),
                           sct("233703007", "Interstitial lung disease")],
             "Interstitial lung disease", "2023-05-01")


def pulmonary_fibrosis_unspecified(c):
    _chronic(c, "dx-fibrosis", [cm("J84.10", "Pulmonary fibrosis, unspecified")],
             "Pulmonary fibrosis, unspecified (CT: basal reticulation)", 200)


def _copd(c):
    _chronic(c, "dx-copd", [cm("J44.9", "Chronic obstructive pulmonary disease, unspecified")], "COPD",
             "2018-01-01")


def prednisone(c, mg_per_dose=10, per_day=2):
    _copd(c)
    _oral_order(c, "prednisone", 30, f"{mg_per_dose} mg by mouth {'twice' if per_day == 2 else 'once'} daily",
                mg=mg_per_dose, per_day=per_day,
                reason=concept("COPD", cm("J44.9", "Chronic obstructive pulmonary disease, unspecified")))


def methylpred_at_limit(c):
    _copd(c)
    _oral_order(c, "methylpred", 40, "4 mg by mouth twice daily", mg=4, per_day=2)


def inhaled_steroid(c):
    c.med_request("rx-budesonide", "budesonide_inh", authored=70,
                  dose=dosage("200 mcg, 1 inhalation twice daily", per_day=2, route="inhaled", code="BID"))


def dexamethasone_admin(c, days=(13, 6)):
    for i, d in enumerate(days, 1):
        c.med_admin(f"ma-dex-{i}", "dexamethasone_iv", d, mg=5, route="iv")


def steroid_unknown_route(c):
    c.med_statement("ms-prednisolone", "prednisolone_unk", "active", 60, asserted=20,
                    dose={"text": "按医嘱服用 (as directed)"})


def varices(c):
    _chronic(c, "dx-varices", [cm("I85.00", "Esophageal varices without bleeding"),
                               sct("28670008", "Esophageal varices")],
             "Esophageal varices, small (gastroscopy)", 50)


def thrombocytopenia(c):
    _chronic(c, "dx-thrombocytopenia", [cm("D69.6", "Thrombocytopenia, unspecified")], "Thrombocytopenia", 90)


def anticoagulant(c):
    _chronic(c, "dx-af", [cm("I48.91", "Unspecified atrial fibrillation"),
                          sct("49436004", "Atrial fibrillation")],
             "Atrial fibrillation", "2021-03-01")
    _oral_order(c, "rivaroxaban", 35, "20 mg once daily with the evening meal", mg=20)


def recent_bleed(c, onset=40):
    codes = ([cn("K92.100", "黑便"), who("K92.1", "Melaena")] if c.style == "cn"
             else [cm("K92.1", "Melena"), sct("2901004", "Melena")])
    c.condition("dx-melena", codes, "Melena (tarry stools), transfused 2 units", onset=onset,
                abatement=onset - 4, recorded=onset, clinical="resolved", cat="encounter-diagnosis")


def old_bleed(c, onset=120):
    c.condition("dx-gi-bleed", [cm("K92.2", "Gastrointestinal hemorrhage, unspecified")],
                "Upper GI bleeding (peptic ulcer)", onset=onset, abatement=onset - 5, recorded=onset,
                clinical="resolved", cat="encounter-diagnosis")


def hiv(c):
    c.sero["hiv"] = (None, 0)
    _chronic(c, "dx-hiv", [cm("Z21", "Asymptomatic human immunodeficiency virus [HIV] infection status"),
                           sct("86406008", "Human immunodeficiency virus infection")],
             "HIV infection on antiretroviral therapy", "2017-08-01")
    _oral_order(c, "biktarvy", 80, "1 tablet once daily", suffix="rx-art")


def alcohol_dependence(c):
    c.condition("dx-alcohol", [cm("F10.21", "Alcohol dependence, in remission"),
                               sct("7200002", "Alcoholism")],
                "Alcohol dependence, abstinent since 2020", onset="2012-01-01", recorded="2020-06-01",
                clinical="remission")
    c.condition("dx-nicotine", [cm("F17.210", "Nicotine dependence, cigarettes, uncomplicated")],
                "Smoker, 30 pack-years", onset="1990-01-01", recorded="2020-06-01")


def gemox_history(c, d=150, cycles=2):
    for i in range(cycles):
        dd = d + 14 * (cycles - 1 - i)
        c.med_admin(f"ma-oxali-{i + 1}", "oxaliplatin", dd, mg=150, route="iv")
        c.med_admin(f"ma-gem-{i + 1}", "gemcitabine", dd, mg=1600, route="iv")


def platinum_allergy(c, onset=230):
    c.allergy("allergy-oxaliplatin", concept("奥沙利铂 Oxaliplatin", coding(RXNORM, "32592", "oxaliplatin")),
              "allergy", "inactive", concept("Anaphylaxis", sct("39579001", "Anaphylaxis")), "severe", onset,
              criticality="high")


def platinum_intolerance(c, onset=110):
    c.allergy("intolerance-oxaliplatin", concept("oxaliplatin"), "intolerance", "active",
              concept("Peripheral sensory neuropathy, grade 2"), "moderate", onset, criticality="low")


def penicillin_allergy(c):
    c.allergy("allergy-penicillin", concept("Penicillin", sct("764146007", "Penicillin")), "allergy",
              "active",
              concept("Urticaria", sct("126485001", "Urticaria")), "mild", "2005-01-01", criticality="low")


def menopause(c):
    c.condition("dx-menopause", [cm("N95.1", "Menopausal and female climacteric states")], "Menopause",
                onset="2024-06-01", recorded="2024-06-01")


def pregnant(c):
    c.add(c.lab("hcg", value=1850, day=4, range_text="<5 (non-pregnant)"))
    c.add(c.qual("hcg_urine", "pos", 5, style="sct"))


def not_pregnant(c):
    c.add(c.lab("hcg", value=2.0, comparator="<", day=4))
