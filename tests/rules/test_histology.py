"""icc_histology, other_liver_histology."""

from __future__ import annotations

import pytest
from builders import (
    ICC_CONCLUSION,
    ago,
    assert_status,
    clean_patient,
    condition,
    pathology_report,
    result,
)

ICC_ICD = [("icd-10-cm", "C22.1", "Intrahepatic bile duct carcinoma")]
ICC_SCT = [("snomed", "109842005", "Intrahepatic bile duct carcinoma")]
ICC_ICDO = [("icd-o-3", "8160/3", "Cholangiocarcinoma"),
            ("icd-o-3", "C22.1", "Intrahepatic bile duct")]
HCC_ICDO = [("icd-o-3", "8170/3", "Hepatocellular carcinoma, NOS")]
MIXED_ICDO = [("icd-o-3", "8180/3", "Combined hepatocellular carcinoma and cholangiocarcinoma")]
HCC_ICD = [("icd-10-cm", "C22.0", "Liver cell carcinoma")]
CCA_NOS_SCT = [("snomed", "312104005", "Cholangiocarcinoma of biliary tract")]


def no_histology(*extra):
    return clean_patient(drop={"pathology", "icc_condition"}) + list(extra)


def icc_condition(**kw):
    return condition("C22.1", onset=ago(45), display="Intrahepatic bile duct carcinoma", **kw)


class TestIccHistology:
    CRITERION = "icc_histology"

    def test_surgical_pathology_report_with_icc_passes(self):
        assert_status(clean_patient(), "icc_histology", "pass",
                      evidence={"resourceType": "DiagnosticReport", "id": "pathology-clean"})

    def test_report_without_condition_passes(self):
        rep = pathology_report(ICC_ICD)
        assert_status(no_histology(rep), "icc_histology", "pass", evidence=rep)

    def test_pat_category_with_snomed_icc_passes(self):
        assert_status(no_histology(pathology_report(ICC_SCT, category="PAT")), "icc_histology",
                      "pass")

    @pytest.mark.parametrize("loinc", ["11526-1", "22637-3", "60567-5", "60568-3"])
    def test_pathology_loinc_without_category_passes(self, loinc):
        rep = pathology_report(ICC_ICD, category=None, code=loinc)
        assert_status(no_histology(rep), "icc_histology", "pass")

    def test_icd_o_3_morphology_at_c22_1_passes(self):
        assert_status(no_histology(pathology_report(ICC_ICDO)), "icc_histology", "pass")

    def test_icd_o_3_cholangiocarcinoma_at_extrahepatic_site_does_not_pass(self):
        rep = pathology_report([("icd-o-3", "8160/3", "Cholangiocarcinoma"),
                                ("icd-o-3", "C24.0", "Extrahepatic bile duct")])
        # spec reading: 8160/3 counts only "at C22.1"; the rule names no fail path, so only
        # "not pass" is pinned here.
        assert result(no_histology(rep), "icc_histology").status != "pass"

    def test_chinese_national_extension_code_passes(self):
        rep = pathology_report([("icd-10-cn", "C22.100x001", "肝内胆管癌")])
        assert_status(no_histology(rep), "icc_histology", "pass")

    @pytest.mark.parametrize("status", ["amended", "corrected"])
    def test_amended_or_corrected_report_passes(self, status):
        assert_status(no_histology(pathology_report(status=status)), "icc_histology", "pass")

    @pytest.mark.parametrize("status", ["preliminary", "partial", "entered-in-error",
                                        "registered"])
    def test_unfinished_or_erroneous_report_is_unknown(self, status):
        res = no_histology(pathology_report(status=status), icc_condition())
        assert_status(res, "icc_histology", "unknown")

    def test_cytology_alone_asks(self):
        rep = pathology_report(ICC_CONCLUSION, category="CP", code=None)
        assert_status(no_histology(rep, icc_condition()), "icc_histology", "unknown")

    def test_cholangiocarcinoma_not_site_specific_asks(self):
        assert_status(no_histology(pathology_report(CCA_NOS_SCT)), "icc_histology", "unknown")

    def test_icc_condition_alone_asks(self):
        assert_status(no_histology(icc_condition()), "icc_histology", "unknown")

    def test_nothing_is_unknown(self):
        assert_status(no_histology(), "icc_histology", "unknown")

    def test_report_dated_after_as_of_is_ignored(self):
        assert_status(no_histology(pathology_report(when=ago(-2))), "icc_histology", "unknown")

    def test_imaging_report_is_not_histopathology(self):
        rep = pathology_report(ICC_ICD, category="RAD", code=None)
        rep["code"] = {"text": "CT abdomen with contrast"}
        assert_status(no_histology(rep), "icc_histology", "unknown")


class TestOtherLiverHistology:
    CRITERION = "other_liver_histology"

    def test_icc_report_and_condition_pass(self):
        assert_status(clean_patient(), "other_liver_histology", "pass")

    def test_icc_condition_alone_passes(self):
        assert_status(no_histology(icc_condition()), "other_liver_histology", "pass")

    def test_icc_report_alone_passes(self):
        assert_status(no_histology(pathology_report()), "other_liver_histology", "pass")

    def test_report_with_hcc_morphology_fails(self):
        rep = pathology_report(ICC_CONCLUSION + HCC_ICDO)
        assert_status(no_histology(rep, icc_condition()), "other_liver_histology", "fail",
                      evidence=rep)

    def test_report_with_combined_hcc_cca_fails(self):
        rep = pathology_report(MIXED_ICDO)
        assert_status(no_histology(rep), "other_liver_histology", "fail", evidence=rep)

    def test_report_with_c22_0_fails(self):
        rep = pathology_report(HCC_ICD)
        assert_status(no_histology(rep), "other_liver_histology", "fail", evidence=rep)

    def test_report_with_snomed_liver_cell_carcinoma_fails(self):
        # spec reading: SNOMED 109841003 (liver cell carcinoma) is an HCC code
        rep = pathology_report([("snomed", "109841003", "Liver cell carcinoma")])
        assert_status(no_histology(rep), "other_liver_histology", "fail")

    def test_second_report_with_hcc_fails_despite_icc_report(self):
        assert_status(clean_patient() + [pathology_report(HCC_ICDO, when=ago(20))],
                      "other_liver_histology", "fail")

    def test_hcc_report_dated_after_as_of_is_ignored(self):
        assert_status(clean_patient() + [pathology_report(HCC_ICDO, when=ago(-1))],
                      "other_liver_histology", "pass")

    def test_confirmed_c22_0_condition_without_icc_fails(self):
        c = condition("C22.0", onset=ago(50))
        assert_status(no_histology(c), "other_liver_histology", "fail", evidence=c)

    def test_chinese_c22_0_extension_without_icc_fails(self):
        c = condition("C22.000x001", system="icd-10-cn", onset=ago(50), display="肝细胞癌")
        assert_status(no_histology(c), "other_liver_histology", "fail")

    @pytest.mark.parametrize("code", ["C22.2", "C22.3", "C22.4"])
    def test_other_confirmed_liver_primary_without_icc_fails(self, code):
        assert_status(no_histology(condition(code, onset=ago(50))), "other_liver_histology",
                      "fail")

    def test_hcc_and_icc_conditions_ask(self):
        res = no_histology(icc_condition(), condition("C22.0", onset=ago(50)))
        assert_status(res, "other_liver_histology", "unknown")

    def test_hcc_condition_with_icc_report_asks(self):
        assert_status(clean_patient() + [condition("C22.0", onset=ago(50))],
                      "other_liver_histology", "unknown")

    @pytest.mark.parametrize("code", ["C22.7", "C22.9"])
    def test_other_or_unspecified_liver_carcinoma_asks(self, code):
        res = clean_patient() + [condition(code, onset=ago(50))]
        assert_status(res, "other_liver_histology", "unknown")

    def test_c22_7_alone_asks(self):
        assert_status(no_histology(condition("C22.7", onset=ago(50))), "other_liver_histology",
                      "unknown")

    def test_suspected_hcc_without_icc_asks(self):
        c = condition("C22.0", onset=ago(50), verification="provisional")
        assert_status(no_histology(c), "other_liver_histology", "unknown")

    def test_suspected_hcc_with_icc_asks(self):
        c = condition("C22.0", onset=ago(50), verification="differential")
        assert_status(clean_patient() + [c], "other_liver_histology", "unknown")

    @pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
    def test_refuted_or_erroneous_hcc_is_ignored(self, verification):
        c = condition("C22.0", onset=ago(50), verification=verification)
        assert_status(clean_patient() + [c], "other_liver_histology", "pass")

    def test_unconfirmed_icc_condition_alone_asks(self):
        c = icc_condition(verification="unconfirmed")
        assert_status(no_histology(c), "other_liver_histology", "unknown")

    def test_nothing_is_unknown(self):
        assert_status(no_histology(), "other_liver_histology", "unknown")
