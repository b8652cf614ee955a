"""Command-line option blocks and their parsing, shared by every `prescreen` subcommand."""

from __future__ import annotations

import argparse
import getpass
import inspect
import logging
from datetime import date

from .errors import UsageError

SOURCE_HELP = (
    "Without --fhir-base or --fhir-dir the server in $PRESCREEN_FHIR_BASE is used; auth comes from "
    "$PRESCREEN_FHIR_TOKEN (bearer) or $PRESCREEN_SMART_CLIENT_ID, $PRESCREEN_SMART_KEY, "
    "$PRESCREEN_SMART_KID, $PRESCREEN_SMART_ALG, $PRESCREEN_SMART_SCOPE, $PRESCREEN_SMART_TOKEN_URL "
    "(SMART Backend Services)."
)


def add_source_options(parser: argparse.ArgumentParser, *, as_of: bool = True) -> None:
    """--fhir-base / --fhir-dir (one of them) and --as-of."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--fhir-base", metavar="URL", help="FHIR R4 server base URL (default: $PRESCREEN_FHIR_BASE)"
    )
    where.add_argument(
        "--fhir-dir", metavar="DIR", help="folder of FHIR JSON (Bundles or resources) and/or NDJSON files"
    )
    if as_of:
        parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="decide as of this date (default: today)")


def add_verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log progress (-v) or requests and timings (-vv) to stderr; never patient data",
    )


def configure_logging(verbose: int, name: str = "prescreen") -> None:
    """Logging set up once per process, by the command line."""
    level = logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG)
    logging.basicConfig(format=f"{name}: %(message)s", level=level, force=True)


def parse_date(value: str, option: str = "--as-of") -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} must be YYYY-MM-DD, got {value!r}") from None


def as_of_or_today(value: str | None) -> date:
    return date.today() if value is None else parse_date(value)


def add_command(
    subparsers,
    name: str,
    func,
    *,
    help: str | None = None,
    description: str | None = None,
    source: bool = False,
) -> argparse.ArgumentParser:
    """A subcommand with its help, `-v`, and (with `source`) the --fhir-base/--fhir-dir/--as-of block.
    Without `help`, the command function's docstring says it: its first paragraph is the one-line
    help, the rest the description."""
    if help is None:
        first, _, rest = inspect.cleandoc(func.__doc__ or name).partition("\n\n")
        help, description = " ".join(first.split()), description or " ".join(rest.split()) or None
    parser = subparsers.add_parser(name, help=help, description=description or help[:1].upper() + help[1:])
    if source:
        add_source_options(parser)
    add_verbose(parser)
    parser.set_defaults(func=func)
    return parser


def add_acting_user(parser: argparse.ArgumentParser) -> None:
    """`--as USER`: who is acting, for the audit trail (commands that read or change the log)."""
    parser.add_argument(
        "--as", dest="as_user", metavar="USER", help="who is acting, for the audit trail (default: the login)"
    )


def acting_user(args: argparse.Namespace) -> str:
    if getattr(args, "as_user", None):
        return args.as_user
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "unknown"
