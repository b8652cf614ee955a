"""`prescreen queue` (the coordinator's queue) and `prescreen audit --patient ID` (the trail).

  prescreen queue [--since DATE] [--until DATE] [--csv FILE|-] [--as USER]
  prescreen audit --patient ID [--as USER] [--json]

Both read the screening log (PRESCREEN_DB_URL, else SQLite in the state directory). Looking at
the queue, exporting it, and reading a patient's trail are themselves recorded in the trail.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from common.errors import AppError, UsageError
from common.options import acting_user, add_acting_user, add_command, parse_date
from eligibility import load_trial
from screening_log import Store, StoreError, enabled, queue
from screening_log.db import describe


def _store() -> Store:
    if not enabled():
        raise AppError("the screening log is off (PRESCREEN_SCREENING_LOG=off)")
    try:
        return Store()
    except StoreError as e:
        raise AppError(str(e)) from None


def register(subparsers) -> None:
    q = add_command(subparsers, "queue", cmd_queue)
    q.add_argument("--since", metavar="DATE", help="screenings finished on or after DATE (YYYY-MM-DD)")
    q.add_argument("--until", metavar="DATE", help="screenings finished on or before DATE")
    q.add_argument("--csv", metavar="FILE", help="export as CSV to FILE ('-' for stdout)")
    add_acting_user(q)
    a = add_command(subparsers, "audit", cmd_audit)
    a.add_argument("--patient", required=True, metavar="ID", help="the patient whose trail to show")
    a.add_argument("--json", action="store_true", help="one JSON object per event")
    add_acting_user(a)


def cmd_queue(args: argparse.Namespace) -> int:
    """the coordinator's queue: patients by state, from every channel

    Lists each patient's latest screening (chat, portal, batch) by state: potentially eligible
    (awaiting the study team), needs information (what is missing and whom to ask), ruled out (and
    why). Reads the screening log ($PRESCREEN_DB_URL, else SQLite in $PRESCREEN_STATE_DIR).
    """
    since = parse_date(args.since, "--since") if args.since else None
    until = parse_date(args.until, "--until") if args.until else None
    if since and until and until < since:
        raise UsageError("--until is before --since")
    trial = load_trial()
    store = _store()
    rows = queue.entries(store, trial, since, until)
    if args.csv:
        _export(queue.to_csv(rows), args.csv, len(rows))
    else:
        sys.stdout.write(queue.text(rows))
    period = {k: v for k, v in (("since", args.since), ("until", args.until)) if v}
    queue.record_look(store, trial, rows, user=acting_user(args), channel="cli", period=period,
                      export=bool(args.csv))
    return 0


def _export(data: str, where: str, patients: int) -> None:
    """The CSV to stdout ('-') or to a file only its owner can read."""
    if where == "-":
        sys.stdout.write(data)
        return
    path = Path(where)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(data)
    except OSError as e:
        raise AppError(f"cannot write {path}: {e.strerror}") from None
    print(f"prescreen queue: {patients} patients written to {path}", file=sys.stderr)


def cmd_audit(args: argparse.Namespace) -> int:
    """who looked at a patient's eligibility, and what they said

    Prints the audit trail of one patient: every screening, answer, correction, invitation,
    export and write-back, with who (token subject and role), when and from which channel.
    """
    store = _store()
    events = store.trail(args.patient)
    user = acting_user(args)
    if not events:
        print(
            f"prescreen audit: nothing recorded for patient {args.patient} in {describe(store.db.url)}",
            file=sys.stderr,
        )
    for e in events:
        if args.json:
            fields = {k: getattr(e, k) for k in _EVENT_FIELDS}
            print(json.dumps({"at": e.at.isoformat(), **fields}, ensure_ascii=False, sort_keys=True))
        else:
            detail = ", ".join(f"{k}={_short(v)}" for k, v in sorted(e.detail.items()))
            print(
                f"{e.at.isoformat(timespec='seconds')}  {e.role}:{e.subject}  via {e.channel}  {e.action}"
                + (f"  {detail}" if detail else "")
            )
    store.audit(subject=user, role="coordinator", action="audit_viewed", channel="cli", patient=args.patient,
                detail={})
    return 0


# What `prescreen audit --json` prints of an event besides its time (not the event's own id).
_EVENT_FIELDS = ("subject", "role", "patient", "trial", "action", "channel", "detail")


def _short(v: object) -> str:
    if isinstance(v, list):
        return "[" + ",".join(str(x) for x in v) + "]"
    return str(v)
