"""The 44 hand-designed patients of data/synthetic/ and the statuses each one should get.

Each story registers a build function that turns the clean baseline Case into that patient's
record, and `expect`: the criteria whose record-only status differs from BASE_EXPECT. Those
statuses are the independent oracle described in expected.py: designed by hand from
shared/spec/criteria.md, never computed by (or copied from a run of) the rules engine.
"""
from __future__ import annotations

from . import deviations as dev
from .catalogue import GIVEN_F, GIVEN_M, SURNAMES, cm, cn, sct, who
from .expected import BASE_EXPECT
from .fhir import ICDO3, LOINC, coding, concept, dosage
from .record import Case

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
    dev.lymph_node_mets(c)
    dev.hypertension_controlled(c)


@patient("icc-002", "male", "1963-07-02",
         "Clean baseline from a Shanghai lab: SI units, ICD-10-CN codes, HBsAg+ with HBV DNA <20 IU/mL",
         "SI units (g/L, umol/L, ukat/L, pmol/L, 10*9/L); Chinese serology text 阴性/阳性; national "
         "extension codes; comparator '<'; text-only TSH range; Child-Pugh as code.text; heparin lock flush "
         "is not an anticoagulant", profile="si")
def p002(c):
    dev.chronic_hbv(c, dna=20, comparator="<", dna_day=6)
    c.labs["tsh"] = dict(range_text="0.27-4.20")
    dev.heparin_flush(c)
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
    dev.methylpred_at_limit(c)


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
    dev.hypertension_controlled(c)


@patient("icc-007", "male", "1971-09-08",
         "Karnofsky 90 only; stopped GEMOX because of oxaliplatin neuropathy (intolerance)",
         "Karnofsky 90 asks (ecog unknown); a platinum intolerance asks, never fails",
         expect={"ecog_0": "unknown"})
def p007(c):
    c.ecog = ("kps", 90, 4)
    dev.gemox_history(c, d=140, cycles=2)
    c.med_request("rx-oxali", "oxaliplatin", authored=155, status="stopped",
                  dose=dosage("85 mg/m2 IV day 1 every 2 weeks", route="iv"),
                  note="Stopped after cycle 2: grade 2 sensory neuropathy")
    dev.platinum_intolerance(c)


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
    dev.ascites(c, d=12)
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
    dev.ascites(c, d=9)
    c.labs.update({"alb": dict(value=3.3), "tbil": dict(value=0.9), "inr": dict(value=1.05)})
    dev.chronic_hbv(c, dna=400, dna_day=6, antiviral="tenofovir")


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
    dev.penicillin_allergy(c)


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
    dev.hypothyroid(c)
    dev.inhaled_steroid(c)
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
    dev.chronic_hbv(c, dna=800, unit="copies", dna_day=10)
    c.labs["anc"] = dict(value=3.4, unit="x10E9/L", ucum=None)


@patient("icc-018", "male", "1970-02-25",
         "Had gemcitabine-cisplatin with Keytruda at another hospital last year; TSH suppressed (0.08) "
         "with normal free T3/T4",
         "a MedicationStatement with brand name only fails prior_checkpoint_inhibitor; TSH below the lower "
         "limit passes (no lower bound)",
         expect={"prior_checkpoint_inhibitor": "fail"})
def p018(c):
    dev.pd1_statement(c, "keytruda_text", start=400, end=300)
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
    dev.pd1_request(c)
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
    dev.other_cancer(c)
    dev.past_bcc(c)
    c.labs.update({"anc": dict(value=1.2), "wbc": dict(value=2.9)})
    c.add(c.lab("crcl_cg", value=74))


@patient("icc-022", "male", "1973-08-19",
         "Pulmonary TB treated, course finished 7 months ago; hemoglobin 8.4 g/dL",
         "TB with abatement within 365 days fails tuberculosis; hemoglobin < 9 fails",
         expect={"tuberculosis": "fail", "hemoglobin": "fail"})
def p022(c):
    dev.tb_recent(c)
    c.labs["hgb"] = dict(value=8.4)


@patient("icc-023", "female", "1968-01-30",
         "Suspected lupus under work-up; small woman (43 kg) with creatinine 1.0 mg/dL",
         "a suspected (provisional) autoimmune Condition fails autoimmune; Cockcroft-Gault 41.6 mL/min "
         "fails creatinine_clearance although creatinine itself passes",
         expect={"autoimmune": "fail", "creatinine_clearance": "fail"})
def p023(c):
    dev.suspected_sle(c)
    c.weight = (43, "kg", 6)
    c.labs["cr"] = dict(value=1.0)


@patient("icc-024", "female", "1962-05-07",
         "Rheumatoid arthritis on weekly methotrexate; low free T3 (2.7 pmol/L)",
         "active autoimmune disease fails; a current immunosuppressant fails immunosuppression; a free T3 "
         "below range fails t3_t4_normal",
         expect={"autoimmune": "fail", "immunosuppression": "fail", "t3_t4_normal": "fail"}, profile="si")
def p024(c):
    dev.ra_methotrexate(c)
    c.labs.update({"ft3": dict(value=2.7), "tt3": dict(value=1.1)})


@patient("icc-025", "male", "1956-12-12",
         "Interstitial lung disease since 2023; total bilirubin 2.6 mg/dL",
         "an ILD Condition fails ild_pneumonitis; bilirubin > 1.5 x ULN fails (recorded Child-Pugh A still "
         "stands: bilirubin 2-3 gives 2 points, total 6)",
         expect={"ild_pneumonitis": "fail", "bilirubin": "fail"})
def p025(c):
    dev.ild(c)
    c.labs["tbil"] = dict(value=2.6)


@patient("icc-026", "male", "1960-09-23",
         "Prednisone 10 mg twice daily for COPD; creatinine 2.2 mg/dL",
         "systemic prednisone 20 mg/day fails immunosuppression; creatinine > 1.5 x ULN fails, and so does "
         "Cockcroft-Gault",
         expect={"immunosuppression": "fail", "creatinine": "fail", "creatinine_clearance": "fail"})
def p026(c):
    dev.prednisone(c)
    c.labs["cr"] = dict(value=2.2)


@patient("icc-027", "male", "1965-02-14",
         "Dexamethasone IV given twice in the last 2 weeks with no current order; latent TB; small "
         "oesophageal varices",
         "an administration alone makes immunosuppression unknown (never fail); varices ask coagulation; "
         "latent TB asks",
         expect={"immunosuppression": "unknown", "coagulation": "unknown"})
def p027(c):
    dev.dexamethasone_admin(c)
    dev.latent_tb(c)
    dev.varices(c)


@patient("icc-028", "female", "1964-08-08",
         "Two high blood pressure readings a week apart; Hashimoto's on levothyroxine; AST 125 U/L",
         "two latest readings in window, different days, both high -> hypertension fail; E06.3 asks "
         "autoimmune; AST > 1.5 x ULN fails alt_ast",
         expect={"hypertension": "fail", "alt_ast": "fail"})
def p028(c):
    c.bp = [(10, 146, 88), (3, 152, 94)]
    dev.hypertension_controlled(c)
    dev.hypothyroid(c, hashimoto=True)
    c.labs["ast"] = dict(value=125)


@patient("icc-029", "male", "1972-03-03",
         "One high blood pressure reading in the window (older readings normal); never tested for HIV; "
         "pulmonary fibrosis, unspecified",
         "a single high latest reading asks hypertension; no HIV test asks; J84.10 asks ild_pneumonitis",
         expect={"hypertension": "unknown", "hiv": "unknown"})
def p029(c):
    c.bp = [(40, 128, 82), (4, 158, 92)]
    c.sero["hiv"] = (None, 0)
    dev.pulmonary_fibrosis_unspecified(c)


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
    dev.anticoagulant(c)
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
    dev.chronic_hbv(c, dna=4500, dna_day=8, antiviral=None)
    c.labs["plt"] = dict(value=78)
    c.add(c.lab("plt", value=165, day=-2))


@patient("icc-034", "male", "1967-03-28",
         "Melena 40 days ago needing transfusion; platelet count reported in 'G/L'",
         "bleeding (K92.1) within 91 days fails recent_bleeding; an unrecognised unit -> platelets unknown",
         expect={"recent_bleeding": "fail", "platelets": "unknown"}, profile="si")
def p034(c):
    dev.recent_bleed(c)
    c.labs["plt"] = dict(value=168, unit="G/L", ucum=None)
    c.labs["hgb"] = dict(value=121)


@patient("icc-035", "male", "1975-05-15",
         "HIV infection on antiretroviral therapy; hemoglobin reported in mmol/L",
         "an HIV Condition (Z21) fails hiv; hemoglobin 8.6 mmol/L = 13.9 g/dL passes",
         expect={"hiv": "fail"})
def p035(c):
    dev.hiv(c)
    c.labs["hgb"] = None
    c.add(c.lab("hgb_mmol", value=8.6))


@patient("icc-036", "male", "1966-08-01",
         "Alcohol dependence in remission; smoker; creatinine reported without a reference range",
         "F10.21 fails substance_abuse (F17 does not count); no reference range -> creatinine unknown, "
         "while Cockcroft-Gault still passes",
         expect={"substance_abuse": "fail", "creatinine": "unknown"})
def p036(c):
    dev.alcohol_dependence(c)
    c.labs["cr"] = dict(value=0.95, no_range=True)
    c.weight = (72, "kg", 6)


@patient("icc-037", "male", "1963-01-19",
         "Anaphylaxis to oxaliplatin during earlier GEMOX (allergy now inactive); bilirubin without a "
         "reference range",
         "a platinum allergy fails whatever its clinicalStatus; no reference range -> bilirubin unknown",
         expect={"platinum_allergy": "fail", "bilirubin": "unknown"})
def p037(c):
    dev.gemox_history(c, d=240, cycles=1)
    dev.platinum_allergy(c, onset=240)
    c.labs["tbil"] = dict(value=0.9, no_range=True)


@patient("icc-038", "female", "1992-04-22",
         "Woman of 34 with a positive pregnancy test (hCG 1,850 IU/L)",
         "a positive pregnancy test in window fails pregnancy_lactation",
         expect={"pregnancy_lactation": "fail"})
def p038(c):
    dev.pregnant(c)
    c.weight = (55, "kg", 6)
    c.labs["cr"] = dict(value=0.6)


@patient("icc-039", "female", "1981-06-30",
         "Woman of 45, hCG <2.0 IU/L; last weight 120 days ago",
         "a negative test does not settle contraception -> pregnancy_lactation unknown; no weight within 90 "
         "days -> creatinine_clearance unknown",
         expect={"pregnancy_lactation": "unknown", "creatinine_clearance": "unknown"})
def p039(c):
    dev.not_pregnant(c)
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
    dev.menopause(c)
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
    dev.thrombocytopenia(c)
    c.labs["plt"] = dict(value=112)
    dev.old_bleed(c)
    dev.steroid_unknown_route(c)


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
