"""The `prescreen` command line (contract.md): parses arguments and hands over; the work is
done by the packages it calls. Imports nothing of Rasa.

Exit codes: 0 done; 1 the command could not do its job (one line on stderr); 2 usage
errors; 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import sys

from common.errors import EXIT_INTERRUPTED, AppError
from fhir_ingest.errors import IngestError

# Modules with a `register(subparsers)` adding their commands.
COMMAND_MODULES: tuple[str, ...] = (
    "bot.cli.check",
    "batch.command",
    "bot.cli.serve",
    "bot.cli.token",
    "bot.cli.queue",
    "bot.cli.invite",
)


def version() -> str:
    try:
        return importlib.metadata.version("prescreen")
    except importlib.metadata.PackageNotFoundError:
        return "dev"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prescreen",
        description="Pre-screen patients for trial NCT03951597 from their FHIR R4 record.",
    )
    parser.add_argument("--version", action="version", version=f"prescreen {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (AppError, IngestError) as e:
        # One line, no traceback: the message names what failed, never patient data.
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        outcome = getattr(e, "outcome_text", "")
        if outcome and not getattr(args, "verbose", 0):
            # A server's OperationOutcome can hold names, MRNs, values: shown only with -v.
            first = first.replace(outcome, "server diagnostics withheld (-v shows them)")
        print(f"prescreen: error: {first}", file=sys.stderr)
        return getattr(e, "exit_code", 1)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
