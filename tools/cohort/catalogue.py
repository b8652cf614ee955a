"""What the synthetic records are made of: codes, medicines, the laboratory catalogue, names.

Plain data for the cohort generator (standard library only).
"""
from __future__ import annotations

from .fhir import ATC, ICD10, ICD10CM, ICD10CN, RXNORM, SNOMED, coding, concept


# Diagnosis and finding codings, as the three coding styles of the cohort write them.
def cm(code, display):
    return coding(ICD10CM, code, display)


def who(code, display):
    return coding(ICD10, code, display)


def cn(code, display):
    return coding(ICD10CN, code, display)


def sct(code, display):
    return coding(SNOMED, code, display)


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
