"""The rules engine: a trial definition (data) + facts + answers + as-of date -> report."""

from eligibility.engine import evaluate, screen
from eligibility.model import Answer, CriterionResult, Evidence
from eligibility.questions import next_questions
from eligibility.report import Report
from eligibility.trial import Question, Trial, load_trial

__all__ = [
    "Answer",
    "CriterionResult",
    "Evidence",
    "Question",
    "Report",
    "Trial",
    "evaluate",
    "load_trial",
    "next_questions",
    "screen",
]
