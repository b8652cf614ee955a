"""History exclusions read from Conditions: other_malignancy, tuberculosis, autoimmune,
ild_pneumonitis, substance_abuse, recent_bleeding.

None of these is ever passed by the record alone (the record proves a lab, not that a history
item never happened), so "does not apply" shows as `unknown`; a matching entry fails."""

from __future__ import annotations

import pytest
from builders import (
    ago,
    assert_status,
    clean_patient,
    condition,
)


def with_(*conds):
    return clean_patient() + list(conds)


def past(code, onset=None, abatement=None, **kw):
    onset = ago(2000) if onset is None else onset
    abatement = ago(1500) if abatement is None else abatement
    return condition(code, clinical="resolved", onset=onset, abatement=abatement, **kw)


class TestOtherMalignancy:
    CRITERION = "other_malignancy"

    def test_clean_record_is_asked(self):
        assert_status(clean_patient(), "other_malignancy", "unknown")

    def test_current_colon_cancer_fails(self):
        c = condition("C18.9", onset=ago(400))
        assert_status(with_(c), "other_malignancy", "fail", evidence=c)

    def test_past_colon_cancer_fails(self):
        assert_status(with_(past("C18.9")), "other_malignancy", "fail")

    def test_past_melanoma_fails(self):
        assert_status(with_(past("C43.9")), "other_malignancy", "fail")

    def test_past_breast_cancer_fails(self):
        assert_status(with_(past("C50.911")), "other_malignancy", "fail")

    def test_who_icd_10_code_fails(self):
        assert_status(with_(condition("C34.9", system="icd-10", onset=ago(100))),
                      "other_malignancy", "fail")

    def test_chinese_extension_code_fails(self):
        c = condition("C18.900x001", system="icd-10-cn", onset=ago(100), display="结肠恶性肿瘤")
        assert_status(with_(c), "other_malignancy", "fail")

    @pytest.mark.parametrize("code", ["C77.2", "C78.7", "C79.51"])
    def test_metastases_are_not_another_malignancy(self, code):
        assert_status(with_(condition(code, onset=ago(30))), "other_malignancy", "unknown")

    @pytest.mark.parametrize("code", ["C22.0", "C22.1", "C22.7"])
    def test_liver_tumour_is_not_another_malignancy(self, code):
        assert_status(with_(condition(code, onset=ago(30))), "other_malignancy", "unknown")

    def test_past_non_melanoma_skin_cancer_is_excepted(self):
        assert_status(with_(past("C44.91")), "other_malignancy", "unknown")

    def test_history_z85_828_is_excepted(self):
        assert_status(with_(condition("Z85.828", onset=ago(2000))), "other_malignancy",
                      "unknown")

    def test_current_skin_cancer_asks(self):
        assert_status(with_(condition("C44.311", onset=ago(60))), "other_malignancy", "unknown")

    def test_past_cervical_carcinoma_in_situ_is_excepted(self):
        assert_status(with_(past("D06.9")), "other_malignancy", "unknown")

    def test_current_cervical_carcinoma_in_situ_asks(self):
        assert_status(with_(condition("D06.9", onset=ago(60))), "other_malignancy", "unknown")

    def test_thyroid_cancer_without_papillary_morphology_asks(self):
        assert_status(with_(past("C73")), "other_malignancy", "unknown")

    def test_other_carcinoma_in_situ_asks(self):
        assert_status(with_(condition("D05.10", onset=ago(300))), "other_malignancy", "unknown")

    @pytest.mark.parametrize("code", ["C23", "C24.0", "C26.9", "C80.1"])
    def test_codes_that_may_be_the_icc_itself_ask(self, code):
        assert_status(with_(condition(code, onset=ago(60))), "other_malignancy", "unknown")

    @pytest.mark.parametrize("verification", ["provisional", "differential", "unconfirmed"])
    def test_suspected_other_cancer_asks(self, verification):
        c = condition("C18.9", onset=ago(60), verification=verification)
        assert_status(with_(c), "other_malignancy", "unknown")

    @pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
    def test_refuted_or_erroneous_cancer_is_ignored(self, verification):
        c = condition("C18.9", onset=ago(60), verification=verification)
        assert_status(with_(c), "other_malignancy", "unknown")

    def test_cancer_recorded_after_as_of_is_ignored(self):
        c = condition("C18.9", onset=ago(-3))
        assert_status(with_(c), "other_malignancy", "unknown")


class TestTuberculosis:
    CRITERION = "tuberculosis"

    def test_clean_record_is_asked(self):
        assert_status(clean_patient(), "tuberculosis", "unknown")

    def test_current_tb_with_old_onset_fails(self):
        c = condition("A15.0", onset=ago(1000))
        assert_status(with_(c), "tuberculosis", "fail", evidence=c)

    def test_recurrent_tb_fails(self):
        assert_status(with_(condition("A15.9", clinical="recurrence", onset=ago(1000))),
                      "tuberculosis", "fail")

    def test_resolved_tb_with_onset_within_year_fails(self):
        assert_status(with_(past("A15.9", onset=ago(200), abatement=ago(100))),
                      "tuberculosis", "fail")

    def test_resolved_tb_with_abatement_365_days_ago_fails(self):
        assert_status(with_(past("A16.2", onset=ago(800), abatement=ago(365))),
                      "tuberculosis", "fail")

    def test_resolved_tb_with_onset_365_days_ago_fails(self):
        c = condition("A18.01", clinical="resolved", onset=ago(365))  # no abatement date
        assert_status(with_(c), "tuberculosis", "fail")

    def test_tb_older_than_a_year_asks(self):
        assert_status(with_(past("A15.0", onset=ago(900), abatement=ago(366))),
                      "tuberculosis", "unknown")

    def test_chinese_extension_code_current_fails(self):
        c = condition("A15.000x002", system="icd-10-cn", onset=ago(500), display="肺结核")
        assert_status(with_(c), "tuberculosis", "fail")

    def test_latent_tb_asks(self):
        assert_status(with_(condition("Z22.7", onset=ago(300))), "tuberculosis", "unknown")

    def test_old_tb_sequelae_ask(self):
        assert_status(with_(condition("B90.9", onset=ago(3000))), "tuberculosis", "unknown")

    @pytest.mark.parametrize("verification", ["provisional", "differential"])
    def test_suspected_tb_asks(self, verification):
        c = condition("A15.0", onset=ago(20), verification=verification)
        assert_status(with_(c), "tuberculosis", "unknown")

    def test_refuted_tb_is_ignored(self):
        c = condition("A15.0", onset=ago(20), verification="refuted")
        assert_status(with_(c), "tuberculosis", "unknown")


class TestAutoimmune:
    CRITERION = "autoimmune"

    def test_clean_record_is_asked(self):
        assert_status(clean_patient(), "autoimmune", "unknown")

    def test_active_rheumatoid_arthritis_fails(self):
        c = condition("M05.79", onset=ago(2000))
        assert_status(with_(c), "autoimmune", "fail", evidence=c)

    @pytest.mark.parametrize("code", ["M32.10", "K50.90", "G35", "D69.3", "L40.50"])
    def test_active_autoimmune_disease_fails(self, code):
        assert_status(with_(condition(code, onset=ago(1000))), "autoimmune", "fail")

    def test_relapsing_ulcerative_colitis_fails(self):
        assert_status(with_(condition("K51.90", clinical="relapse", onset=ago(1000))),
                      "autoimmune", "fail")

    def test_active_snomed_lupus_fails(self):
        c = condition("200936003", system="snomed", onset=ago(1000),
                      display="Systemic lupus erythematosus")
        assert_status(with_(c), "autoimmune", "fail")

    @pytest.mark.parametrize("verification", ["provisional", "differential", "unconfirmed"])
    def test_suspected_autoimmune_disease_fails(self, verification):
        c = condition("M32.9", onset=ago(20), verification=verification)
        assert_status(with_(c), "autoimmune", "fail")

    @pytest.mark.parametrize("code", ["E03.9", "E89.0"])
    def test_hypothyroidism_is_not_autoimmune(self, code):
        assert_status(with_(condition(code, onset=ago(1000))), "autoimmune", "unknown")

    @pytest.mark.parametrize("clinical", ["resolved", "inactive", "remission"])
    def test_past_autoimmune_disease_asks(self, clinical):
        c = condition("M05.79", clinical=clinical, onset=ago(2000), abatement=ago(1000))
        assert_status(with_(c), "autoimmune", "unknown")

    @pytest.mark.parametrize("code", ["E06.3", "L40.0", "L80", "K74.3", "K83.01"])
    def test_listed_conditions_ask(self, code):
        assert_status(with_(condition(code, onset=ago(1000))), "autoimmune", "unknown")

    @pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
    def test_refuted_or_erroneous_entry_is_ignored(self, verification):
        c = condition("M05.79", onset=ago(20), verification=verification)
        assert_status(with_(c), "autoimmune", "unknown")


class TestIldPneumonitis:
    CRITERION = "ild_pneumonitis"

    def test_clean_record_is_asked(self):
        assert_status(clean_patient(), "ild_pneumonitis", "unknown")

    def test_idiopathic_pulmonary_fibrosis_fails(self):
        c = condition("J84.112", onset=ago(700))
        assert_status(with_(c), "ild_pneumonitis", "fail", evidence=c)

    @pytest.mark.parametrize("code", ["J84.9", "J84.89", "J84.116"])
    def test_past_interstitial_lung_disease_fails(self, code):
        assert_status(with_(past(code)), "ild_pneumonitis", "fail")

    def test_j84_10_asks(self):
        assert_status(with_(condition("J84.10", onset=ago(300))), "ild_pneumonitis", "unknown")

    @pytest.mark.parametrize("code", ["J70.0", "J70.1", "J70.2", "J70.4"])
    def test_radiation_or_drug_pneumonitis_asks(self, code):
        assert_status(with_(past(code)), "ild_pneumonitis", "unknown")

    def test_suspected_ild_asks(self):
        c = condition("J84.112", onset=ago(30), verification="provisional")
        assert_status(with_(c), "ild_pneumonitis", "unknown")

    def test_refuted_ild_is_ignored(self):
        c = condition("J84.112", onset=ago(30), verification="refuted")
        assert_status(with_(c), "ild_pneumonitis", "unknown")


class TestSubstanceAbuse:
    CRITERION = "substance_abuse"

    def test_clean_record_is_asked(self):
        assert_status(clean_patient(), "substance_abuse", "unknown")

    def test_alcohol_dependence_fails(self):
        c = condition("F10.20", onset=ago(2000))
        assert_status(with_(c), "substance_abuse", "fail", evidence=c)

    @pytest.mark.parametrize("code", ["F10.10", "F11.20", "F12.10", "F19.20", "F10.21"])
    def test_abuse_or_dependence_fails(self, code):
        assert_status(with_(condition(code, onset=ago(2000))), "substance_abuse", "fail")

    def test_past_alcohol_dependence_fails(self):
        assert_status(with_(past("F10.20")), "substance_abuse", "fail")

    @pytest.mark.parametrize("code", ["F17.210", "F17.200"])
    def test_nicotine_dependence_does_not_fail(self, code):
        assert_status(with_(condition(code, onset=ago(2000))), "substance_abuse", "unknown")

    @pytest.mark.parametrize("code", ["F10.90", "K70.30", "K70.9"])
    def test_other_use_codes_and_alcoholic_liver_disease_ask(self, code):
        assert_status(with_(condition(code, onset=ago(2000))), "substance_abuse", "unknown")

    def test_suspected_dependence_asks(self):
        c = condition("F10.20", onset=ago(30), verification="provisional")
        assert_status(with_(c), "substance_abuse", "unknown")


class TestRecentBleeding:
    CRITERION = "recent_bleeding"

    def test_clean_record_is_asked(self):
        assert_status(clean_patient(), "recent_bleeding", "unknown")

    def test_gi_haemorrhage_within_91_days_fails(self):
        c = condition("K92.2", onset=ago(30))
        assert_status(with_(c), "recent_bleeding", "fail", evidence=c)

    def test_gi_haemorrhage_on_day_91_fails(self):
        assert_status(with_(condition("K92.2", onset=ago(91))), "recent_bleeding", "fail")

    def test_gi_haemorrhage_on_day_92_does_not_fail(self):
        assert_status(with_(condition("K92.2", onset=ago(92))), "recent_bleeding", "unknown")

    @pytest.mark.parametrize("code", ["K92.0", "K92.1", "I60.9", "I61.9", "I62.9"])
    def test_listed_bleeding_within_window_fails(self, code):
        assert_status(with_(condition(code, onset=ago(40))), "recent_bleeding", "fail")

    def test_resolved_bleeding_within_window_fails(self):
        c = condition("K92.2", clinical="resolved", onset=ago(40), abatement=ago(35))
        assert_status(with_(c), "recent_bleeding", "fail")

    def test_bleeding_varices_within_window_fail(self):
        # spec reading: "bleeding varices" = oesophageal varices with bleeding (I85.01, I85.11)
        assert_status(with_(condition("I85.11", onset=ago(20))), "recent_bleeding", "fail")

    def test_recorded_date_used_when_no_onset(self):
        c = condition("K92.2", onset=None, recorded=ago(50))
        assert_status(with_(c), "recent_bleeding", "fail")

    def test_old_recorded_date_without_onset_does_not_fail(self):
        c = condition("K92.2", onset=None, recorded=ago(120))
        assert_status(with_(c), "recent_bleeding", "unknown")

    def test_onset_decides_over_recent_recorded_date(self):
        # "with onset (else recordedDate) in the window"
        c = condition("K92.2", onset=ago(120), recorded=ago(10))
        assert_status(with_(c), "recent_bleeding", "unknown")

    @pytest.mark.parametrize("code", ["R58", "R04.0"])
    def test_unspecified_haemorrhage_or_epistaxis_asks(self, code):
        assert_status(with_(condition(code, onset=ago(10))), "recent_bleeding", "unknown")

    def test_suspected_bleeding_asks(self):
        c = condition("K92.2", onset=ago(10), verification="provisional")
        assert_status(with_(c), "recent_bleeding", "unknown")

    def test_refuted_bleeding_is_ignored(self):
        c = condition("K92.2", onset=ago(10), verification="refuted")
        assert_status(with_(c), "recent_bleeding", "unknown")

    def test_bleeding_after_as_of_is_ignored(self):
        assert_status(with_(condition("K92.2", onset=ago(-2))), "recent_bleeding", "unknown")
