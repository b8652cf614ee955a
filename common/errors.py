"""The application's own errors: each is one line for stderr and a non-zero exit."""

from __future__ import annotations

EXIT_RUNTIME = 1  # the command could not do its job (source unreachable, unknown patient, ...)
EXIT_USAGE = 2  # the command line itself is wrong (argparse uses 2 as well)
EXIT_INTERRUPTED = 130


class AppError(Exception):
    """A failure the command line reports in one line, exiting EXIT_RUNTIME."""

    exit_code = EXIT_RUNTIME


class UsageError(AppError):
    """Arguments that contradict each other or are malformed: EXIT_USAGE."""

    exit_code = EXIT_USAGE
