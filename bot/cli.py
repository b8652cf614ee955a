"""The `prescreen` command line (contract.md). Imports nothing of Rasa."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "data" / "synthetic" / "bundles"
DEMO_AS_OF = "2026-11-24"  # the synthetic cohort's documented as-of date
DEMO_PATIENT = "icc-001"
# Modules with a `register(subparsers)` adding their commands (serve, token, batch).
COMMAND_MODULES: tuple[str, ...] = ("batch.command", "bot.serve", "bot.tokens")


class CliError(Exception):
    """A one-line error for stderr and a non-zero exit."""


def _as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"--as-of must be YYYY-MM-DD, got {value!r}") from None


def _auth_from_env():
    from fhir_ingest.auth import BearerToken, SmartBackendServices

    if os.environ.get("PRESCREEN_SMART_CLIENT_ID"):
        key_path = os.environ.get("PRESCREEN_SMART_KEY")
        if not key_path or not Path(key_path).is_file():
            raise CliError("PRESCREEN_SMART_KEY must name the client's private key (PEM) file")
        return SmartBackendServices(
            client_id=os.environ["PRESCREEN_SMART_CLIENT_ID"],
            private_key_pem=Path(key_path).read_text(),
            key_id=os.environ.get("PRESCREEN_SMART_KID", ""),
            alg=os.environ.get("PRESCREEN_SMART_ALG", "RS384"),
            scope=os.environ.get("PRESCREEN_SMART_SCOPE", "system/*.read"),
            token_url=os.environ.get("PRESCREEN_SMART_TOKEN_URL") or None,
        )
    if os.environ.get("PRESCREEN_FHIR_TOKEN"):
        return BearerToken(os.environ["PRESCREEN_FHIR_TOKEN"])
    return None


def open_source(fhir_base: str | None, fhir_dir: str | None):
    """A record source from the command line: a folder, or a FHIR server (flag or env)."""
    from fhir_ingest.client import FhirClient
    from fhir_ingest.facts import observation_codes, observation_texts
    from fhir_ingest.sources import DirSource, ServerSource

    if fhir_dir:
        if not Path(fhir_dir).is_dir():
            raise CliError(f"--fhir-dir {fhir_dir}: no such folder")
        return DirSource(fhir_dir)
    base = fhir_base or os.environ.get("PRESCREEN_FHIR_BASE")
    if not base:
        raise CliError("give --fhir-base URL or --fhir-dir DIR (or set PRESCREEN_FHIR_BASE)")
    try:
        client = FhirClient(base, auth=_auth_from_env())
    except ValueError as e:
        raise CliError(str(e)) from None
    return ServerSource(client, observation_codes=observation_codes(), observation_text=observation_texts())


def _warn_issues(record) -> None:
    for issue in record.issues:
        print(f"prescreen: warning: skipped {issue}", file=sys.stderr)


def run_check(patient_id: str, source, as_of: date, fmt: str) -> str:
    from eligibility import screen

    record = source.load(patient_id)
    _warn_issues(record)
    report = screen(record.resources, as_of)
    return report.to_text() if fmt == "text" else report.to_json() + "\n"


def cmd_check(args: argparse.Namespace) -> int:
    source = open_source(args.fhir_base, args.fhir_dir)
    sys.stdout.write(run_check(args.patient_id, source, _as_of(args.as_of), args.format))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prescreen",
        description="Pre-screen patients for trial NCT03951597 from their FHIR R4 record.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="screen one patient from the record alone; print the report")
    check.add_argument("patient_id")
    where = check.add_mutually_exclusive_group()
    where.add_argument("--fhir-base", metavar="URL", help="FHIR R4 server (default: $PRESCREEN_FHIR_BASE)")
    where.add_argument("--fhir-dir", metavar="DIR", help="folder of Bundles, resources and/or NDJSON")
    check.add_argument("--as-of", metavar="YYYY-MM-DD", help="decide as of this date (default: today)")
    check.add_argument("--format", choices=("json", "text"), default="json")
    check.set_defaults(func=cmd_check)

    # Further commands live beside what they run; each module adds its own subparser.
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from fhir_ingest.errors import IngestError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CliError, IngestError) as e:
        # One line, no traceback: the message names what failed, never patient data.
        print(f"prescreen: error: {str(e).splitlines()[0] if str(e) else type(e).__name__}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
