"""`prescreen serve` and `prescreen demo`: the assistant on loopback until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from bot.stack import Stack, StackConfig, StackError


def _check_source(fhir_base: str | None, fhir_dir: str | None) -> None:
    from bot.cli import open_source

    open_source(fhir_base, fhir_dir)  # the same checks and one-line errors as `prescreen check`


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
        f"or in a terminal: .venv/bin/python -m bot.chat --url {stack.webhook}"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.cli import CliError, _as_of

    _check_source(args.fhir_base, args.fhir_dir)
    if args.as_of:
        _as_of(args.as_of)  # a bad date fails here, not in every conversation
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
        raise CliError(str(e)) from None
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
    from bot.chat import run
    from bot.cli import DEMO_AS_OF, DEMO_DIR, ROOT, CliError
    from bot.tokens import issue
    from fhir_ingest.sources import DirSource

    if not DEMO_DIR.is_dir():
        raise CliError(f"the synthetic cohort is missing: {DEMO_DIR}")
    patients = DirSource(DEMO_DIR).patient_ids()
    print(
        f"prescreen demo: synthetic cohort in {DEMO_DIR.relative_to(ROOT)} ({len(patients)} patients), "
        f"as of {DEMO_AS_OF}. Starting the assistant..."
    )
    signal.signal(signal.SIGTERM, _interrupt)
    stack = Stack(
        StackConfig(
            fhir_dir=str(DEMO_DIR), as_of=DEMO_AS_OF, rasa_port=args.port, action_port=args.action_port
        )
    )
    try:
        stack.start()
    except StackError as e:
        raise CliError(str(e)) from None
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
    from bot.chat import send
    from bot.cli import DEMO_PATIENT

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
    serve = subparsers.add_parser("serve", help="run the assistant (Rasa + action server) on loopback")
    where = serve.add_mutually_exclusive_group()
    where.add_argument("--fhir-base", metavar="URL", help="FHIR R4 server (default: $PRESCREEN_FHIR_BASE)")
    where.add_argument("--fhir-dir", metavar="DIR", help="folder of Bundles, resources and/or NDJSON")
    serve.add_argument("--as-of", metavar="YYYY-MM-DD", help="decide as of this date (default: today)")
    _ports(serve)
    serve.set_defaults(func=cmd_serve)

    demo = subparsers.add_parser(
        "demo", help="the assistant on the embedded synthetic cohort, with a terminal chat"
    )
    demo.add_argument("--no-chat", action="store_true", help="serve until Ctrl-C; chat over HTTP")
    _ports(demo)
    demo.set_defaults(func=cmd_demo)
