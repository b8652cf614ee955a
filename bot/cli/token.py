"""`prescreen token`: print a signed access token for the chat (development and tests)."""

from __future__ import annotations

import argparse

from bot.access.tokens import DEFAULT_TTL_HOURS, ROLES, issue
from common.errors import UsageError
from common.options import add_command


def cmd_token(args: argparse.Namespace) -> int:
    try:
        print(issue(args.role, user=args.user, patient=args.patient, ttl_hours=args.hours))
    except ValueError as e:
        raise UsageError(str(e)) from None
    return 0


def register(subparsers) -> None:
    p = add_command(
        subparsers, "token", cmd_token,
        help="print a signed access token for the chat (development and tests)",
        description="Prints an HS256 token signed with $PRESCREEN_TOKEN_SECRET (else the key generated "
        "in $PRESCREEN_STATE_DIR).",
    )
    p.add_argument("--role", choices=ROLES, required=True, help="clinician or patient")
    p.add_argument("--user", metavar="NAME", help="the clinician's name (the token's subject)")
    p.add_argument("--patient", metavar="ID", help="the patient a patient token is bound to")
    p.add_argument(
        "--hours", type=float, default=DEFAULT_TTL_HOURS, help="lifetime in hours (default %(default)s)"
    )
