"""A scripted "messy clinician" over every synthetic patient whose record leaves questions:
free sentences, several facts at once, typos, numbers in words, abbreviations. The verdict
must equal the one a polite script (bare yes / no) reaches, and no answer may be restated as
a rule-out the clinician did not mean (zero wrong rule-outs)."""

from __future__ import annotations

from collections import Counter

import pytest
from convo import COHORT, Conversation, verdict_line
from test_conversations import talk

from actions.screening import GROUPS
from actions.vocab import CHECKLIST, vocab
from eligibility import next_questions, screen
from fhir_ingest.sources import DirSource

AS_OF = "2026-11-24"
# question id -> (polite reply, messy reply): both mean the same, eligible-leaning, value.
REPLIES = {
    "tumour_checklist": (
        "all apply",
        "unresectible - multifocal bilobar dz, several target lesions " "(biggest ~5cm), FFPE block in path",
    ),
    "liver_status": ("none", "no ascities, no HE, alert and oriented"),
    "unresectable": ("yes", "nope, not a surgical candidate, too extensive"),
    "measurable_lesion": ("yes", "yeah 3 target lesions, biggest 4 cm"),
    "tissue_available": ("yes", "we have the paraffin block from the diagnostic biopsy"),
    "prior_checkpoint_inhibitor": ("no", "treatment naive, never had any immunotherapy"),
    "ecog_score": ("0", "ECOG zero, still working full time"),
    "ascites": ("none", "no ascites on the last CT"),
    "encephalopathy": ("none", "no HE, fully oriented"),
    "icc_histology_confirmed": ("yes", "yes - biopsy proven ICC on core bx"),
    "other_liver_component": ("no", "pure adenocarcinoma, no HCC component"),
    "weight_kg": ("72", "about 72 kilos"),
    "age_years": ("60", "he's 60"),
    "bp_controlled": ("yes", "BP 128/76 on amlodipine, well controlled"),
    "coagulation": ("no", "not anticoagulated, clotting normal"),
    "hiv": ("no", "HIV neg last month"),
    "immunosuppression": ("no", "no steroids or immunosuppressants"),
    "cardiopulmonary_renal": ("no", "heart, lungs and kidneys fine, normal echo"),
    "active_infection": ("no", "afebrile, no active infection"),
    "not_pregnant": ("no", "not pregnant and not breastfeeding"),
    "contraception": ("yes", "she agrees to use contraception"),
    CHECKLIST: ("none of these", "nil of these, all clear"),
    "other_malignancy": ("no", "no other cancers"),
    "tb_ever": ("no", "never had TB"),
    "autoimmune": ("no", "no autoimmune disease"),
    "ild_pneumonitis": ("no", "no ILD"),
    "recent_bleeding": ("no", "no bleeding at all"),
    "substance_abuse": ("no", "social drinker only"),
    "platinum_allergy": ("no", "NKDA"),
}


def patients_with_questions() -> list[str]:
    out = []
    src = DirSource(COHORT)
    for path in sorted(COHORT.glob("icc-*.json")):
        pid = path.stem
        report = screen(src.load(pid).resources, AS_OF)
        if report.verdict == "needs_information" and next_questions(vocab().trial, report, "clinician"):
            out.append(pid)
    return out


def run(c: Conversation, pid: str, messy: bool) -> tuple[str | None, list[dict]]:
    """Talk until the verdict; every rule-out restated to us is a wrong one (we meant none)."""
    opening = (
        f"hi, could you check whether {pid} qualifies for the lenvatinib study? unresectable, never had IO"
        if messy
        else f"pre-screen patient {pid}"
    )
    c.pid, c.answers = pid, []
    if messy:
        c.note(unresectable="yes", prior_checkpoint_inhibitor="no")
    last = c.send(opening)
    wrong: list[dict] = []
    for _ in range(40):
        if not c.current:
            return verdict_line(last), wrong
        if c.current.get("confirm"):
            wrong.append(c.current)
            last = c.send("no")  # "that is not what I said"
            continue
        qid = c.current["question"]
        polite, mess = REPLIES[qid]
        text = mess if messy else polite
        if qid in (CHECKLIST, *GROUPS):
            value = {"tumour_checklist": "yes", "liver_status": "none", CHECKLIST: "none"}[qid]
            last = c.answer(text, value)
        else:
            value = vocab().question(qid).type == "number" and float(polite) or polite
            last = c.answer(text, int(value) if qid in ("ecog_score", "age_years") else value)
    raise AssertionError(f"{pid}: still asking after 40 turns\n{c.dump()}")


PATIENTS = patients_with_questions()


def test_the_cohort_has_patients_with_questions():
    assert len(PATIENTS) >= 10


@pytest.mark.parametrize("pid", PATIENTS)
def test_messy_clinician_reaches_the_polite_verdict(chat_stack, pid):
    polite = talk(chat_stack, f"polite-{pid}")
    polite_verdict, polite_wrong = run(polite, pid, messy=False)
    messy = talk(chat_stack, f"messy-{pid}")
    messy_verdict, messy_wrong = run(messy, pid, messy=True)
    assert polite_verdict and polite_verdict == messy_verdict, messy.dump()
    assert polite_wrong == [] and messy_wrong == [], messy.dump()  # zero wrong rule-outs
    assert max(Counter(messy.asked).values(), default=0) <= 2  # nothing asked three times
