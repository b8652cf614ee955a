"""`python -m web.server`: the web front on loopback (started by bot/supervisor.py)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from web.settings import DEFAULT_PORT, UPSTREAMS_ENV, WebConfig, upstreams_from_env


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m web.server", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument(
        "--upstream",
        action="append",
        help=f"Rasa base URL to forward the webhook to (repeatable; default ${UPSTREAMS_ENV})",
    )
    args = p.parse_args(argv)
    os.umask(0o077)  # the portal database and anything else written here: owner only
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    upstreams = tuple(u.rstrip("/") for u in args.upstream) if args.upstream else upstreams_from_env()
    try:
        cfg = WebConfig(
            upstreams=upstreams,
            host=args.host,
            port=args.port,
            secure_cookie=os.environ.get("PRESCREEN_SECURE_COOKIE") == "1",
        )
    except ValueError as e:
        print(f"web: {e}", file=sys.stderr)
        return 2
    from web.app import create_app

    app = create_app(cfg)
    app.run(host=cfg.host, port=cfg.port, access_log=False, motd=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
