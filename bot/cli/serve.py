"""`prescreen serve` and `prescreen demo`: the assistant on loopback until interrupted."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from bot.supervisor import Stack, StackConfig, StackError
from common.errors import AppError, UsageError
from common.options import SOURCE_HELP, add_command, configure_logging, parse_date
from fhir_ingest.configure import DEMO_AS_OF, demo_folder, demo_source, open_source

DEMO_PATIENT = "icc-001"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM and SIGHUP too stop the servers cleanly (the finally blocks below)


def _on_signals() -> None:
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)


def _hold(stack: Stack) -> int:
    """Watch the parts until interrupted: a part that exits is restarted; one that keeps
    exiting stops the service (exit 1) with the reason on stderr."""
    say = lambda m: print(m, file=sys.stderr)  # noqa: E731
    try:
        while stack.supervise(say=say):
            time.sleep(1)
        print("prescreen: a part keeps failing; see the logs in " + str(stack.cfg.log_dir), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


def _how_to_chat(stack: Stack) -> str:
    hook = stack.public_webhook
    return (
        f"Chat over HTTP: POST {hook}\n"
        "  TOKEN=$(.venv/bin/prescreen token --role clinician --user $USER)\n"
        f'  curl -s -H "Authorization: Bearer $TOKEN" -d \'{{"message": "pre-screen patient ID"}}\' '
        f"{hook}\n"
        f"or in a terminal: .venv/bin/python -m bot.terminal_chat --url {hook}"
    )


def _where_to_open(stack: Stack) -> str:
    """The web pages (issue 13): the clinician page and how to invite a patient."""
    return (
        f"Clinician page: {stack.web_url}/clinician (sign in with a token from "
        "`.venv/bin/prescreen token --role clinician --user $USER`)\n"
        f"Patient intake page: `.venv/bin/prescreen invite --patient ID --port {stack.cfg.web_port}` "
        "prints a one-time link"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    configure_logging(args.verbose)
    open_source(args.fhir_base, args.fhir_dir)  # the same checks and one-line errors as `check`
    if args.as_of:
        parse_date(args.as_of)  # a bad date fails here, not in every conversation
    cfg = StackConfig(
        fhir_base=args.fhir_base,
        fhir_dir=args.fhir_dir,
        as_of=args.as_of,
        rasa_port=args.rasa_port,
        action_port=args.action_port,
        web_port=args.port,
        replicas=args.replicas,
        tracker_url=args.tracker_url,
        lock_url=args.lock_url,
    )
    if getattr(args, "write_back", False):
        if args.fhir_dir or not (args.fhir_base or os.environ.get("PRESCREEN_FHIR_BASE")):
            raise UsageError("--write-back needs a FHIR server (--fhir-base or PRESCREEN_FHIR_BASE)")
        if os.environ.get("PRESCREEN_SCREENING_LOG", "on").lower() in ("off", "0", "false", "no"):
            raise UsageError("--write-back needs the screening log (PRESCREEN_SCREENING_LOG is off)")
        cfg.extra_env["PRESCREEN_WRITE_BACK"] = "1"
    stack = Stack(cfg)
    _on_signals()
    try:
        stack.start()
    except StackError as e:
        raise AppError(str(e)) from None
    try:
        print(
            f"prescreen: assistant on {stack.web_url} ({cfg.replicas} Rasa server(s) behind nginx on port "
            f"{cfg.rasa_port}, conversations in {stack.tracker.describe() if stack.tracker else '?'}; "
            f"health at http://{cfg.host}:{cfg.rasa_port}/health); logs in {cfg.log_dir}. Ctrl-C stops."
        )
        print(_how_to_chat(stack))
        print(_where_to_open(stack))
        return _hold(stack)
    finally:
        stack.stop()


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.access.tokens import issue
    from bot.terminal_chat import run

    configure_logging(args.verbose)
    patients = demo_source().patient_ids()
    print(
        f"prescreen demo: synthetic cohort in {demo_folder()} ({len(patients)} patients), "
        f"as of {DEMO_AS_OF}. Starting the assistant..."
    )
    _on_signals()
    stack = Stack(
        StackConfig(
            fhir_dir=str(demo_folder()),
            as_of=DEMO_AS_OF,
            rasa_port=args.rasa_port,
            action_port=args.action_port,
            web_port=args.port,
        )
    )
    try:
        stack.start()
    except StackError as e:
        raise AppError(str(e)) from None
    try:
        print(f"Assistant ready on {stack.web_url} (logs in {stack.cfg.log_dir}).")
        print(f"Synthetic patients: {', '.join(patients[:40])}{' ...' if len(patients) > 40 else ''}")
        print(_how_to_chat(stack))
        token = issue("clinician", user="demo")
        print(_demo_pages(stack, token))
        if args.no_chat:
            print("Ctrl-C stops.")
            return _hold(stack)
        if sys.stdin.isatty() and sys.stdout.isatty():
            return run(stack.public_webhook, token)
        # No terminal to chat in (CI, a pipe): show a short sample conversation, then stop.
        return _sample(stack.public_webhook, token)
    finally:
        stack.stop()


def _demo_pages(stack: Stack, token: str) -> str:
    """Where to open the pages: the clinician page with a demo token, a demo patient's invite."""
    from bot.cli.invite import invite_url

    return (
        f"Open the clinician page: {stack.web_url}/clinician\n"
        f"  sign in with this demo token (valid 12 h): {token}\n"
        f"  (or make one: .venv/bin/prescreen token --role clinician --user $USER)\n"
        f"Open the patient intake page of {DEMO_PATIENT} (one-time link, 72 h):\n"
        f"  {invite_url(DEMO_PATIENT, port=stack.cfg.web_port)}\n"
        f"  (more: .venv/bin/prescreen invite --patient icc-002 --port {stack.cfg.web_port})"
    )


def _sample(url: str, token: str) -> int:
    from bot.terminal_chat import send

    print("\nNo terminal attached: a sample conversation instead.")
    for line in (f"pre-screen patient {DEMO_PATIENT}", "why do you ask?", "summary so far", "stop"):
        print(f"you> {line}")
        for msg in send(url, token, line):
            if msg.get("text"):
                print("bot> " + msg["text"].replace("\n", "\n     "))
    return 0


def _replicas(value: str) -> int:
    n = int(value)
    if not 1 <= n <= 16:
        raise argparse.ArgumentTypeError("between 1 and 16")
    return n


def _ports(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--port",
        type=int,
        default=5005,
        help="port of the chat webhook and the web pages on 127.0.0.1 (default %(default)s)",
    )
    p.add_argument(
        "--rasa-port", type=int, default=5006,
        help="internal port of the Rasa side (nginx over the Rasa servers) (default %(default)s)",
    )
    p.add_argument("--action-port", type=int, default=5055, help="action server port (default %(default)s)")


def register(subparsers) -> None:
    serve = add_command(
        subparsers, "serve", cmd_serve, source=True,
        help="run the assistant (Rasa + action server) on loopback",
        description="Runs the assistant on 127.0.0.1 until interrupted, training the chat model first "
        "when there is none. Tokens are signed with $PRESCREEN_TOKEN_SECRET (else a generated key in "
        "$PRESCREEN_STATE_DIR); logs go to $PRESCREEN_STATE_DIR/logs. " + SOURCE_HELP,
    )
    _ports(serve)
    serve.add_argument(
        "--write-back",
        action="store_true",
        help="write each finished screening to the FHIR server (QuestionnaireResponse, "
        "ResearchSubject, Provenance, AuditEvents); needs --fhir-base and write access",
    )
    serve.add_argument(
        "--replicas",
        type=_replicas,
        default=1,
        help="Rasa servers behind the load balancer (default 1); more than one share a Redis lock store "
        "($PRESCREEN_LOCK_URL, else a private redis-server on loopback)",
    )
    serve.add_argument(
        "--tracker-url",
        metavar="URL",
        help="where conversations are kept: postgresql://user@host:port/db or sqlite:////path.db "
        "(default $PRESCREEN_TRACKER_URL, else SQLite in the state directory)",
    )
    serve.add_argument("--lock-url", metavar="URL", help="redis://host:port/db (default $PRESCREEN_LOCK_URL)")

    demo = add_command(
        subparsers, "demo", cmd_demo,
        help="the assistant on the embedded synthetic cohort, with a terminal chat",
        description=f"Starts the assistant on the synthetic ICC cohort (as of {DEMO_AS_OF}) and opens a "
        "terminal chat with it; without a terminal it prints a short sample conversation.",
    )
    demo.add_argument("--no-chat", action="store_true", help="serve until Ctrl-C; chat over HTTP")
    _ports(demo)
