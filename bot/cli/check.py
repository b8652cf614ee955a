"""`prescreen check PATIENT_ID`: screen one patient from the record alone; print the report."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from common.options import SOURCE_HELP, add_command, as_of_or_today, configure_logging
from fhir_ingest.configure import open_source


def _warn_issues(record) -> None:
    for issue in record.issues:
        print(f"prescreen: warning: skipped {issue}", file=sys.stderr)


def run_check(patient_id: str, source, as_of: date, fmt: str, lang: str = "en") -> str:
    from eligibility import screen

    record = source.load(patient_id)
    _warn_issues(record)
    report = screen(record.resources, as_of)
    if fmt == "text" and lang == "zh":
        from reporting import report_text

        return report_text(report.to_dict())
    return report.to_text() if fmt == "text" else report.to_json() + "\n"


def cmd_check(args: argparse.Namespace) -> int:
    configure_logging(args.verbose)
    as_of = as_of_or_today(args.as_of)
    source = open_source(args.fhir_base, args.fhir_dir)
    sys.stdout.write(run_check(args.patient_id, source, as_of, args.format, args.lang))
    return 0


def register(subparsers) -> None:
    check = add_command(
        subparsers, "check", cmd_check, source=True,
        help="screen one patient from the record alone; print the report",
        description="Screens one patient from the record alone and prints the report. " + SOURCE_HELP,
    )
    check.add_argument("patient_id", metavar="PATIENT_ID", help="the Patient resource id")
    check.add_argument(
        "--format", choices=("json", "text"), default="json",
        help="json: the machine-readable report (default); text: for a clinician",
    )
    check.add_argument(
        "--lang", choices=("en", "zh"), default="en",
        help="language of the text format: en (default) or zh (Simplified Chinese); JSON is the same in both",
    )
