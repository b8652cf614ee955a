"""`prescreen batch`: screen many patients into a JSONL file, with CSV and HTML summaries.

  prescreen batch [--fhir-base URL | --fhir-dir DIR] [--as-of DATE] --out FILE
                  [--patients FILE | --group ID] [--bulk [--since WHEN|last] [--bulk-dir DIR]]
                  [--workers N] [--rate R] [--retries N] [--resume [--retry-errors]] [--overwrite]
                  [--summary PREFIX] [--no-progress] [--lang en|zh] [-v]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from datetime import date, datetime
from pathlib import Path

from common.errors import EXIT_INTERRUPTED, AppError, UsageError
from common.options import SOURCE_HELP, add_command, configure_logging, parse_date
from fhir_ingest.configure import open_source

from . import candidates as cand
from .outfile import ReportFile, RunState, prefix_of, state_path
from .progress import Progress
from .ratelimit import limit_session
from .rescreen import rescreen_worker, say_changes
from .runner import RunResult, ScreenJob, run
from .summary import write_summaries

log = logging.getLogger(__name__)


class BatchError(AppError):
    """The batch could not run (one line on stderr, non-zero exit)."""


DESCRIPTION = (
    "Screens every candidate (patients with an intrahepatic cholangiocarcinoma Condition, a --patients "
    "list or a --group) and writes one JSON report per line to --out, then PREFIX.csv and PREFIX.html "
    "(PREFIX: --out without .jsonl, or --summary). A source is required (`prescreen demo` is the place "
    "for the synthetic cohort). " + SOURCE_HELP
)


def register(subparsers) -> None:
    p = add_command(subparsers, "batch", cmd_batch, source=True, description=DESCRIPTION,
                    help="screen many patients; one report per line, plus CSV and HTML summaries")
    p.add_argument("--out", required=True, metavar="FILE", help="JSONL of reports, one per patient")
    p.add_argument("--summary", metavar="PREFIX", help="write PREFIX.csv and PREFIX.html (default: "
                   "--out without its .jsonl suffix)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--patients", metavar="FILE", help="screen these ids (one per line) instead")
    who.add_argument("--group", metavar="ID", help="screen the members of this FHIR Group instead")
    p.add_argument("--icc-code", action="append", default=[], metavar="SYSTEM|CODE",
                   help="also count this Condition code as ICC when finding candidates (repeatable; "
                   "e.g. a national extension code the server cannot match by stem)")
    p.add_argument("--workers", type=int, default=4, metavar="N",
                   help="patients screened at once (default 4)")
    p.add_argument("--rate", type=float, metavar="R", help="at most R HTTP requests per second, all workers")
    p.add_argument("--retries", type=int, metavar="N",
                   help="retries of a failed request: 429/502/503/504, timeouts (default 4)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out: screen only the patients without a line")
    p.add_argument("--retry-errors", action="store_true",
                   help="with --resume: screen again the patients whose line is an error")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.add_argument("--bulk", action="store_true",
                   help="fetch records with a FHIR Bulk Data export, then screen from the files")
    p.add_argument("--since", metavar="WHEN",
                   help="with --bulk: export only what changed since WHEN (an instant, a date, or "
                   "'last' for the previous export in --bulk-dir) and screen the patients it touched")
    p.add_argument("--bulk-dir", metavar="DIR", help="where exports are kept (default PREFIX.bulk/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--write-back", action="store_true",
                   help="write each patient's ResearchSubject and Provenance to the FHIR server "
                   "(needs --fhir-base and write access)")
    p.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="language of the CSV/HTML summaries: en (default) or zh (Simplified Chinese)")


def cmd_batch(args: argparse.Namespace) -> int:
    configure_logging(args.verbose, "prescreen batch")
    _check_args(args)
    out = Path(args.out)
    prefix = Path(args.summary) if args.summary else prefix_of(out)
    csv_path, html_path = Path(f"{prefix}.csv"), Path(f"{prefix}.html")
    bulk_dir = Path(args.bulk_dir) if args.bulk_dir else Path(f"{prefix_of(out)}.bulk")

    fhir_dir = args.fhir_dir
    source = open_source(args.fhir_base, fhir_dir)  # no source named: a one-line error
    server = not fhir_dir
    client = None
    if args.bulk and not server:
        raise BatchError("--bulk needs a FHIR server (--fhir-base or PRESCREEN_FHIR_BASE)")
    if server:
        client = source.client
        if args.retries is not None:
            client.policy = dataclasses.replace(client.policy, max_retries=args.retries,
                                                max_connect_retries=min(client.policy.max_connect_retries,
                                                                        args.retries))
        limit_session(client.session, args.rate, pool_size=args.workers + 4)

    report_file = ReportFile(out)
    state_file = state_path(out)
    state = RunState.load(state_file) if args.resume else None
    if state is None and args.resume and (earlier := _as_of_in(out)):
        # A run whose state file was lost: its reports still say which day they were made for.
        state_like = RunState(as_of=earlier, candidates=[], source="", mode="")
        as_of = _as_of(args.as_of, state_like)
    else:
        as_of = _as_of(args.as_of, state)
    done = report_file.prepare(resume=args.resume, retry_errors=args.retry_errors, overwrite=args.overwrite)
    try:
        if state is None:
            source, ids, extra = _candidates(args, source, server, bulk_dir)
            state = RunState(as_of=as_of.isoformat(), candidates=ids, source=_describe(source),
                             mode="bulk" if args.bulk else ("server" if server else "folder"), extra=extra)
            state.save(state_file)
        elif state.mode == "bulk":
            source = _bulk_source(state)
        elif state.source != _describe(source):
            raise BatchError(f"the run being resumed read {state.source}, not {_describe(source)}")
        wanted = set(state.candidates)
        progress = Progress(len(state.candidates), enabled=not args.no_progress,
                            already=[v for p, v in done.items() if p in wanted])
        # The screening log's worker: stored answers in (batch/rescreen.py). When no candidate has
        # a stored answer (or without the log), the record-only job, which a folder screens in a
        # pool of processes; the log is fed from its lines all the same.
        worker = rescreen_worker(source, as_of, write_back=args.write_back, client=client)
        job = worker.job_for(state.candidates, ScreenJob(source, as_of))
        result = run(state.candidates, job, report_file,
                     done=done, workers=args.workers, progress=progress, on_outcome=worker.observe)
        log.info("screened in %s", "this process" if result.workers <= {os.getpid()}
                  else f"{len(result.workers)} worker processes")
        progress.close()
    finally:
        report_file.close()
    write_summaries(out, csv_path, html_path, facts=_facts(state, result), lang=args.lang)
    say_changes(worker.feed_queue(out, out.name), len(worker.with_answers),
                lambda msg: print(f"prescreen batch: {msg}", file=sys.stderr))
    if worker.write_failures:
        print(f"prescreen batch: write-back failed for {worker.write_failures} patients "
              "(their screenings are in the log; `prescreen audit --patient ID`)", file=sys.stderr)
    return _finish(result, out, csv_path, html_path)


def _check_args(args: argparse.Namespace) -> None:
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.rate is not None and args.rate <= 0:
        raise UsageError("--rate must be positive")
    if args.retries is not None and args.retries < 0:
        raise UsageError("--retries must be 0 or more")
    if args.retry_errors and not args.resume:
        raise UsageError("--retry-errors goes with --resume")
    for token in args.icc_code:
        system, bar, code = token.partition("|")
        if not (bar and system and code):
            raise UsageError(f"--icc-code must be SYSTEM|CODE, got {token!r}")
    if args.write_back and args.fhir_dir:
        raise UsageError("--write-back needs a FHIR server (--fhir-base)")
    if args.since and not args.bulk and args.fhir_dir:
        raise UsageError("--since needs a FHIR server (--fhir-base), with or without --bulk")
    if args.resume and args.overwrite:
        raise UsageError("--resume and --overwrite contradict each other")
    if args.as_of is not None:
        parse_date(args.as_of)


def _as_of(given: str | None, state: RunState | None) -> date:
    if given is not None:
        day = parse_date(given)
        if state is not None and state.as_of != day.isoformat():
            raise BatchError(f"--as-of {day} differs from the run being resumed ({state.as_of})")
        return day
    if state is not None:
        return date.fromisoformat(state.as_of)  # a run resumed after midnight keeps its date
    return date.today()


def _as_of_in(out: Path) -> str | None:
    """The as-of date of the reports already in `out`, if any."""
    from .outfile import read_lines

    try:
        return next((str(x["as_of"]) for x in read_lines(out) if x.get("as_of")), None)
    except (OSError, ValueError):
        return None


def _candidates(args, source, server: bool, bulk_dir: Path):
    """(source to screen from, candidate ids, extra run state)."""
    if args.bulk:
        return _bulk_candidates(args, source, bulk_dir)
    if args.since:  # re-screen the patients a record change touched (batch/rescreen.py)
        return _touched_candidates(args, source, server, bulk_dir)
    if args.patients:
        return source, cand.from_file(args.patients), {}
    if args.group:
        if not server:
            raise BatchError("--group needs a FHIR server (use --patients with --fhir-dir)")
        return source, cand.from_group(source.client, args.group), {}
    if server:
        return source, cand.from_server(source.client, extra_codes=args.icc_code), {}
    return source, cand.from_dir(source, args.icc_code), {}


def _touched_candidates(args, source, server: bool, bulk_dir: Path):
    from fhir_ingest.server_source import load_plan

    from .rescreen import last_batch_start, touched_since

    since = last_batch_start(load_trial_id()) if args.since == "last" else _since(args.since, bulk_dir)
    if since is None:
        raise BatchError("--since last: no earlier batch run in the screening log; give a date")
    args.since = None  # the candidates below, then only those touched
    source, ids, extra = _candidates(args, source, server, bulk_dir)
    touched = touched_since(source.client, since, [s.type for s in load_plan()])
    return source, [p for p in ids if p in touched], {**extra, "since": since}


def load_trial_id() -> str:
    from eligibility import load_trial

    return load_trial().id


def _bulk_candidates(args, server_source, bulk_dir: Path):
    from fhir_ingest.server_source import load_plan
    from fhir_ingest.sources import DirSource

    from .bulk import BulkClient, drop_older, export_types, exports_in, patients_in

    client = server_source.client
    since = _since(args.since, bulk_dir) if args.since else None
    if since and not exports_in(bulk_dir):
        raise BatchError(f"--since needs an earlier full --bulk export in {bulk_dir} (see --bulk-dir)")
    types = export_types(s.type for s in load_plan())
    say = (lambda msg: print(f"prescreen batch: {msg}", file=sys.stderr)) if not args.no_progress else (
        lambda msg: None)
    exp = BulkClient(client, say=say).export(bulk_dir, group=args.group, since=since, types=types)
    if not since:
        drop_older(bulk_dir, keep=exp.folder)
    if exp.errors:
        print(f"prescreen batch: the export reported {exp.errors} resource errors", file=sys.stderr)
    source = DirSource(bulk_dir)
    if args.patients:
        ids = cand.from_file(args.patients)
    elif args.group:
        ids = cand.from_group(client, args.group)
    else:
        ids = cand.from_ndjson_conditions(bulk_dir, args.icc_code)
    if since:
        touched = patients_in(exp.files)
        ids = [p for p in ids if p in touched]
    return source, ids, {"bulk_dir": str(bulk_dir.resolve()), "since": since or "",
                         "transaction_time": exp.transaction_time}


def _bulk_source(state: RunState):
    from fhir_ingest.sources import DirSource

    folder = Path(str(state.extra.get("bulk_dir", "")))
    if not folder.is_dir():
        raise BatchError(f"the export of the run being resumed is gone ({folder}); start again")
    return DirSource(folder)


def _since(value: str, bulk_dir: Path) -> str:
    from .bulk import exports_in

    if value == "last":
        found = exports_in(bulk_dir)
        if not found:
            raise BatchError(f"--since last: no earlier export in {bulk_dir}")
        return found[-1][0]
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        raise BatchError(f"--since must be an instant, a date or 'last', got {value!r}") from None


def _describe(source) -> str:
    client = getattr(source, "client", None)
    if client is not None:
        return client.base_url
    return str(Path(getattr(source, "path", str(source))).resolve())


def _facts(state: RunState, result: RunResult) -> list[tuple[str, str]]:
    status = "complete" if result.complete else ("interrupted" if result.interrupted else "stopped")
    facts = [("source", state.source), ("mode", state.mode),
             ("candidates", str(len(state.candidates))), ("run", status)]
    if state.extra.get("since"):
        facts.append(("changed since", str(state.extra["since"])))
    return facts


def _finish(result: RunResult, out: Path, csv_path: Path, html_path: Path) -> int:
    counts = ", ".join(f"{n} {v.replace('_', ' ')}" for v, n in sorted(result.counts.items()))
    done = result.already_done + result.written
    print(f"prescreen batch: {done} of {result.total} patients reported ({counts or 'none'}); "
          f"wrote {out}, {csv_path}, {html_path}", file=sys.stderr)
    if result.issues:
        print(f"prescreen batch: {result.issues} invalid resources were skipped; "
              "`prescreen check ID` names them", file=sys.stderr)
    if result.aborted:
        raise BatchError(f"stopped: {result.aborted}; fix it, then rerun with --resume --retry-errors")
    if result.interrupted:
        print("prescreen batch: interrupted; continue with --resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


__all__ = ["BatchError", "cmd_batch", "register"]
