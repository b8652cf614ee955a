"""The expected statuses of the hand-designed cohort: an independent oracle.

Nothing here is computed by the rules engine, and nothing may be: the statuses are designed by
hand from shared/spec/criteria.md (this baseline, plus each story's `expect` in stories.json),
and tests/test_cohort.py checks the engine against them. Importing `eligibility` here, or
filling `expect` from an engine run, would make that test compare the engine with itself.
Standard library only, for the same reason and so the generator runs without the app.
"""
from __future__ import annotations

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


# The verdict rule of criteria.md, restated on purpose rather than imported from
# eligibility.report: the worst status decides (any fail: ineligible; else any unknown: needs
# information; pending alone still allows potentially eligible).
VERDICT_BY_WORST = (("fail", "ineligible"), ("unknown", "needs_information"))


def verdict_of(criteria: dict) -> str:
    statuses = set(criteria.values())
    return next((v for s, v in VERDICT_BY_WORST if s in statuses), "potentially_eligible")
