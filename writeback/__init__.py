"""FHIR write-back of a finished screening (`--write-back`): Questionnaire, QuestionnaireResponse,
ResearchStudy, ResearchSubject, Provenance and the screening's AuditEvents.

Every write is idempotent: conditional update on an identifier (or the canonical url), or an
update of a client-assigned id, so a retry or a re-run updates and never duplicates. A refused
write (403, 422, ...) leaves the answers and the screening in the log as they are; the failure
is recorded on the screening and returned for the caller to report.
"""

from writeback.push import Outcome, Writer, write_back_screening

__all__ = ["Outcome", "Writer", "write_back_screening"]
