"""Reports for people in more than one language (issue 12): the Chinese text report of
`prescreen check --lang zh` and the Chinese reasons of the batch summaries, built from the
report's structured parts. The English text stays eligibility.report.Report.to_text()."""

from reporting.render import date_zh, label, note_zh, number_zh, reason, report_text, words

__all__ = ["date_zh", "label", "note_zh", "number_zh", "reason", "report_text", "words"]
