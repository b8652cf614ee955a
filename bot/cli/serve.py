"""`prescreen serve` and `prescreen demo`: the assistant on loopback until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from bot.supervisor import Stack, StackConfig, StackError
from common.errors import AppError
from common.options import SOURCE_HELP, add_command, configure_logging, parse_date
from fhir_ingest.configure import DEMO_AS_OF, demo_folder, demo_source, open_source

DEMO_PATIENT = "icc-001"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM too stops the servers cleanly (the finally blocks below)


def _hold(stack: Stack) -> int:
    try:
        while all(p.poll() is None for p in stack.procs):
            time.sleep(1)
        print("prescreen: a server exited; see the logs in " + str(stack.cfg.log_dir), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


def _how_to_chat(stack: Stack) -> str:
    return (
        f"Chat over HTTP: POST {stack.webhook}\n"
        "  TOKEN=$(.venv/bin/prescreen token --role clinician --user $USER)\n"
        f'  curl -s -H "Authorization: Bearer $TOKEN" -d \'{{"message": "pre-screen patient ID"}}\' '
        f"{stack.webhook}\n"
        f"or in a terminal: .venv/bin/python -m bot.terminal_chat --url {stack.webhook}"
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
        rasa_port=args.port,
        action_port=args.action_port,
    )
    stack = Stack(cfg)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        stack.start()
    except StackError as e:
        raise AppError(str(e)) from None
    try:
        print(
            f"prescreen: assistant on {stack.rasa_url} (actions on port {cfg.action_port}); "
            f"logs in {cfg.log_dir}. Ctrl-C stops."
        )
        print(_how_to_chat(stack))
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
    signal.signal(signal.SIGTERM, _interrupt)
    stack = Stack(
        StackConfig(
            fhir_dir=str(demo_folder()), as_of=DEMO_AS_OF, rasa_port=args.port, action_port=args.action_port
        )
    )
    try:
        stack.start()
    except StackError as e:
        raise AppError(str(e)) from None
    try:
        print(f"Assistant ready on {stack.rasa_url} (logs in {stack.cfg.log_dir}).")
        print(f"Synthetic patients: {', '.join(patients[:40])}{' ...' if len(patients) > 40 else ''}")
        print(_how_to_chat(stack))
        token = issue("clinician", user="demo")
        if args.no_chat:
            print("Ctrl-C stops.")
            return _hold(stack)
        if sys.stdin.isatty() and sys.stdout.isatty():
            return run(stack.webhook, token)
        # No terminal to chat in (CI, a pipe): show a short sample conversation, then stop.
        return _sample(stack.webhook, token)
    finally:
        stack.stop()


def _sample(url: str, token: str) -> int:
    from bot.terminal_chat import send

    print("\nNo terminal attached: a sample conversation instead.")
    for line in (f"pre-screen patient {DEMO_PATIENT}", "why do you ask?", "summary so far", "stop"):
        print(f"you> {line}")
        for msg in send(url, token, line):
            if msg.get("text"):
                print("bot> " + msg["text"].replace("\n", "\n     "))
    return 0


def _ports(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--port", type=int, default=5005, help="Rasa server port on 127.0.0.1 (default %(default)s)"
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

    demo = add_command(
        subparsers, "demo", cmd_demo,
        help="the assistant on the embedded synthetic cohort, with a terminal chat",
        description=f"Starts the assistant on the synthetic ICC cohort (as of {DEMO_AS_OF}) and opens a "
        "terminal chat with it; without a terminal it prints a short sample conversation.",
    )
    demo.add_argument("--no-chat", action="store_true", help="serve until Ctrl-C; chat over HTTP")
    _ports(demo)
