"""A record that cannot be loaded is said in the conversation's language: status and a generic
reason, never the server's own text (issue 11), and no English inside a Chinese reply (issue 12)."""

from __future__ import annotations

import re

from actions.records import failure_text
from fhir_ingest.errors import FhirAuthError, FhirError, PatientNotFound


def test_chinese_failure_texts_hold_no_english_words():
    for error in (
        FhirAuthError(401, "http://x/fhir/Patient/1", "Patient Li Wei MRN 123"),
        FhirError(503, "http://x/fhir/Patient/1", "diagnostics"),
        PatientNotFound("icc-404", "folder"),
    ):
        text = failure_text(error, "icc-001", "clinician", "zh")
        assert not re.search(r"\b(the|could|record|server|was)\b", text, re.I), text
        assert "Li Wei" not in text and "diagnostics" not in text
    assert "HTTP 401" in failure_text(FhirAuthError(401, "http://x/fhir/P/1"), "icc-001", "clinician", "zh")


def test_english_failure_text_is_unchanged():
    text = failure_text(FhirError(503, "http://x/fhir/Patient/1", "diag"), "icc-001", "clinician", "en")
    expected = "The record of icc-001 could not be loaded: the FHIR server had an internal error (HTTP 503)."
    assert text == expected
