"""What the synthetic records are made of: codes, medicines, the laboratory catalogue, names.

Plain data for the cohort generator (standard library only).
"""
from __future__ import annotations

import json
from pathlib import Path

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


# Laboratory catalogue (labs.json): per test, LOINC, unit as printed, UCUM code, normal range and a
# normal value; "us" = conventional units, "si" = SI units as a Shanghai laboratory reports them.
def _lab_catalogue() -> dict[str, dict[str, dict]]:
    data = json.loads(Path(__file__).with_name("labs.json").read_text(encoding="utf-8"))
    lab = dict(data["by_profile"])
    for key, spec in data["any_profile"].items():  # profile-independent tests
        lab[key] = {"us": spec, "si": spec}
    return lab


LAB = _lab_catalogue()

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
