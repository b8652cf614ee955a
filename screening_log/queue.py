"""The coordinator's queue: each patient's latest screening by state, as rows and as CSV.

States: potentially eligible (awaiting the study team), needs information (what is missing and
whom to ask), ruled out (and why).
"""

from __future__ import annotations

import csv
import io
from datetime import date

from eligibility import Trial
from screening_log.store import QueueEntry, Store

STATE_ORDER = ("potentially_eligible", "needs_information", "ineligible")
STATE_WORDS = {
    "potentially_eligible": "potentially eligible: awaiting the study team",
    "needs_information": "needs information",
    "ineligible": "ruled out",
}
CSV_COLUMNS = ("patient", "state", "screened_at", "channel", "by", "as_of", "ruled_out_by", "missing", "ask")


def whom_to_ask(trial: Trial) -> dict[str, str]:
    """criterion id -> who can settle it when it is missing."""
    out = {}
    for c in trial.criteria:
        if c.ask:
            out[c.id] = " or ".join(c.ask)
        else:
            out[c.id] = "order or repeat the test"
    return out


def entries(
    store: Store, trial: Trial, since: date | None = None, until: date | None = None
) -> list[QueueEntry]:
    rows = store.queue(trial.id, since=since, until=until)
    rank = {s: i for i, s in enumerate(STATE_ORDER)}
    return sorted(rows, key=lambda e: (rank.get(e.state, 9), e.patient))


def record_look(
    store: Store,
    trial: Trial,
    rows: list[QueueEntry],
    *,
    user: str,
    channel: str,
    period: dict[str, str],
    export: bool,
) -> None:
    """Record in the trail that a coordinator (`user`, via `channel`: "cli" or "web") looked at
    the queue. An export takes patient data out of the system, so it records one event per
    patient it names; a view records how many it listed. `period` is the since/until filter as
    the coordinator wrote it."""
    who = {"subject": user, "role": "coordinator", "channel": channel, "trial": trial.id}
    if export:
        for e in rows:
            store.audit(action="export", patient=e.patient, detail={"what": "queue csv", **period}, **who)
    else:
        store.audit(action="queue_viewed", detail={"patients": len(rows), **period}, **who)


def text(rows: list[QueueEntry]) -> str:
    if not rows:
        return "The queue is empty (no finished screening in that period).\n"
    out: list[str] = []
    for state in STATE_ORDER:
        group = [e for e in rows if e.state == state]
        if not group:
            continue
        out.append(f"{STATE_WORDS[state].capitalize()} ({len(group)}):")
        for e in group:
            s = e.screening
            when = s.finished_at.date().isoformat() if s.finished_at else "?"
            head = f"  {e.patient}  screened {when} via {s.channel} ({s.by} {s.subject})"
            out.append(head)
            if state == "ineligible":
                for f in s.failed:
                    out.append(f"      x {f['id']}: {f.get('reason', '')}")
            if state == "needs_information":
                by_who: dict[str, list[str]] = {}
                for m in s.missing:
                    by_who.setdefault(m.get("ask") or "study team", []).append(m["id"])
                for who, ids in by_who.items():
                    out.append(f"      ? ask {who}: {', '.join(ids)}")
        out.append("")
    return "\n".join(out)


def to_csv(rows: list[QueueEntry]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for e in rows:
        s = e.screening
        w.writerow(
            [
                e.patient,
                e.state,
                s.finished_at.isoformat() if s.finished_at else "",
                s.channel,
                f"{s.by}:{s.subject}",
                s.as_of or "",
                "; ".join(f"{f['id']}: {f.get('reason', '')}" for f in s.failed),
                "; ".join(m["id"] for m in s.missing),
                "; ".join(f"{m['id']}: {m.get('ask', '')}" for m in s.missing),
            ]
        )
    return buf.getvalue()
