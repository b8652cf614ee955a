"""`prescreen token`: print a signed access token for the chat (development and tests), or
revoke a leaked one."""

from __future__ import annotations

import argparse

from bot.access.keys import WeakSecret
from bot.access.tokens import DEFAULT_TTL_HOURS, MAX_TTL_HOURS, ROLES, InvalidToken, issue, revoke
from common.errors import UsageError
from common.options import add_command


def cmd_token(args: argparse.Namespace) -> int:
    """print a signed access token for the chat (development and tests), or revoke one

    Prints an HS256 token signed with $PRESCREEN_TOKEN_SECRET (at least 32 characters; else the
    key generated in $PRESCREEN_STATE_DIR). --revoke adds a token's id to the revocation list
    ($PRESCREEN_REVOKED_TOKENS, else $PRESCREEN_STATE_DIR/revoked-tokens) that the chat checks on
    every request.
    """
    try:
        if args.revoke:
            print(f"revoked token id {revoke(args.revoke)}")
            return 0
        if not args.role:
            raise UsageError("--role is required (or --revoke TOKEN)")
        print(issue(args.role, user=args.user, patient=args.patient, ttl_hours=args.hours))
    except (ValueError, InvalidToken, WeakSecret) as e:
        raise UsageError(str(e)) from None
    return 0


def register(subparsers) -> None:
    p = add_command(subparsers, "token", cmd_token)
    p.add_argument("--role", choices=ROLES, help="clinician or patient")
    p.add_argument("--user", metavar="NAME", help="the clinician's name (the token's subject)")
    p.add_argument("--patient", metavar="ID", help="the patient a patient token is bound to")
    p.add_argument(
        "--hours",
        type=float,
        default=DEFAULT_TTL_HOURS,
        help=f"lifetime in hours (default %(default)s, at most {MAX_TTL_HOURS:g})",
    )
    p.add_argument("--revoke", metavar="TOKEN|ID", help="revoke this token (or token id) instead")
