"""`prescreen invite --patient ID [--hours H] [--lang en|zh]`: one line, the URL of the patient's
intake page holding a one-time code (never the patient id), stored for the running front."""

from __future__ import annotations

import argparse

from common.errors import AppError, UsageError
from common.options import acting_user, add_acting_user, add_command
from fhir_ingest.records import is_valid_id

DEFAULT_HOURS = 72.0


def invite_url(patient: str, hours: float = DEFAULT_HOURS, lang: str = "en", port: int | None = None) -> str:
    """Store a new invitation and return its URL (the front's public address)."""
    from web.settings import DEFAULT_PORT, public_url
    from web.store import MAX_INVITE_HOURS, PortalStore

    if not is_valid_id(patient):
        raise UsageError("--patient: not a valid patient id")
    if not (0 < hours <= MAX_INVITE_HOURS):  # also refuses nan and inf
        raise UsageError(f"--hours must be more than 0 and at most {MAX_INVITE_HOURS}")
    code = PortalStore().create_invite(patient, hours, lang)
    return f"{public_url(port or DEFAULT_PORT)}/portal/i/{code}"


def record_invitation(patient: str, hours: float, lang: str, who: str) -> None:
    """The invitation goes into the audit trail (who invited which patient, when, for how long)."""
    from screening_log import StoreError, enabled, open_store

    if not enabled():
        return
    try:
        open_store().audit(
            subject=who, role="coordinator", action="invitation", channel="cli", patient=patient,
            trial="NCT03951597", detail={"hours": hours, "lang": lang},
        )
    except StoreError as e:
        raise AppError(f"the invitation is made, but the audit trail was not updated: {e}") from None


def cmd_invite(args: argparse.Namespace) -> int:
    """print the URL of a patient's intake page (one-time code)

    Prints the URL of the patient's intake page on the running assistant. The URL holds a one-time
    code, never the patient id; opening it and agreeing starts a patient session. Invitations are
    kept in $PRESCREEN_STATE_DIR/portal.sqlite3 (the same state directory as `prescreen serve`).
    Behind a reverse proxy, set PRESCREEN_PUBLIC_URL to the address patients reach.
    """
    url = invite_url(args.patient, args.hours, args.lang, args.port)
    record_invitation(args.patient, args.hours, args.lang, acting_user(args))
    print(url)
    return 0


def register(subparsers) -> None:
    p = add_command(subparsers, "invite", cmd_invite)
    p.add_argument("--patient", required=True, metavar="ID", help="the patient to screen")
    p.add_argument(
        "--hours",
        type=float,
        default=DEFAULT_HOURS,
        help="hours until the code expires (default %(default)g)",
    )
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the pages (default en)")
    p.add_argument("--port", type=int, default=None, help="the front's port (default 5005)")
    add_acting_user(p)
