"""A terminal chat with the assistant, over the same channel as any client.

    .venv/bin/python -m bot.terminal_chat [--url URL] [--token TOKEN | --user NAME]

Without --token it signs a clinician token itself (the local secret). `prescreen demo` opens it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import requests

DEFAULT_URL = "http://127.0.0.1:5005/webhooks/prescreen/webhook"


def send(url: str, token: str, message: str, timeout: float = 60) -> list[dict]:
    r = requests.post(
        url, json={"message": message}, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
    )
    if r.status_code != 200:
        raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
    return r.json()


def run(
    url: str, token: str, read: Callable[[str], str] = input, write: Callable[[str], None] = print
) -> int:
    write("Type a message (e.g. 'pre-screen patient icc-001'); 'quit' or Ctrl-D ends the chat.")
    while True:
        try:
            line = read("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return 0
        if not line:
            continue
        if line.lower() in ("quit", "exit", ":q"):
            return 0
        try:
            replies = send(url, token, line)
        except (requests.RequestException, RuntimeError) as e:
            write(f"(the assistant did not answer: {e})")
            continue
        for msg in replies:
            if msg.get("text"):
                write("bot> " + msg["text"].replace("\n", "\n     "))


def main(argv: list[str] | None = None) -> int:
    from bot.access.tokens import issue

    p = argparse.ArgumentParser(
        prog="python -m bot.terminal_chat", description="Chat with the prescreen assistant."
    )
    p.add_argument("--url", default=DEFAULT_URL)
    p.add_argument("--token", help="a token from `prescreen token` (default: sign a clinician token)")
    p.add_argument(
        "--user", default="terminal", help="clinician name when signing a token (default %(default)s)"
    )
    args = p.parse_args(argv)
    return run(args.url, args.token or issue("clinician", user=args.user))


if __name__ == "__main__":
    sys.exit(main())
