"""The action server, bound to loopback and closed to anyone without the shared secret.

    .venv/bin/python -m actions.server [--host 127.0.0.1] [--port 5055]

rasa-sdk's own runner binds 0.0.0.0 and checks nothing; this builds the same Sanic app
(rasa_sdk.endpoint.create_app) and adds a check of `Authorization: Bearer <secret>`
(PRESCREEN_ACTION_SECRET or the state directory's file), which Rasa sends (endpoints.yml).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys
import traceback
from pathlib import Path

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.access.keys import action_secret
from common.wire import METADATA_KEY

logger = logging.getLogger("prescreen.actions")
OPEN_PATHS = {"/health"}  # liveness only: no data
# Rasa sends the whole tracker; a long conversation is a few hundred KB. Anything far beyond is
# refused before it is read (the secret is checked only after Sanic has read the body).
REQUEST_MAX_SIZE = 8 * 1024 * 1024
OWN_RECORD_ONLY = "This conversation can only screen your own record."


PROGRAMMING_ERRORS = (ImportError, AttributeError, NameError, TypeError, SyntaxError)


def describe(exc: BaseException) -> str:
    """Type and where it was raised; the message only for programming errors (never data)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames[-4:]))
    text = f": {exc}" if isinstance(exc, PROGRAMMING_ERRORS) else ""
    return f"{type(exc).__name__}{text} at {where}"


def create_app(secret: str | None = None) -> Sanic:
    from rasa_sdk.endpoint import create_app as sdk_app

    key = f"Bearer {secret or action_secret()}"
    app = sdk_app("actions", cors_origins=None)

    @app.middleware("request")
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if not hmac.compare_digest(request.headers.get("Authorization", ""), key):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_SIZE

    @app.middleware("request")
    async def patient_stays_on_their_record(request: Request) -> HTTPResponse | None:
        # Runs after require_secret (registration order). Every action of a patient conversation
        # is checked here, whatever the action does: the conversation must be the patient's own
        # and may hold no other patient.
        if request.path != "/webhook" or request.method != "POST":
            return None
        try:
            problem = patient_scope_problem((request.json or {}).get("tracker") or {})
        except Exception:  # unreadable body: the SDK answers it
            return None
        if problem is None:
            return None
        logger.warning("refused an action: %s", problem)
        return response.json(
            {
                "events": [{"event": "slot", "name": "patient_id", "value": None, "timestamp": None}],
                "responses": [{"text": OWN_RECORD_ONLY}],
            }
        )

    @app.exception(Exception)
    async def on_error(request: Request, exception: Exception) -> HTTPResponse:
        # The SDK's handler echoes the request body (the whole tracker) and logs it; this one
        # names only the exception type, so no patient data reaches a log.
        logger.error("action failed: %s", describe(exception))
        return response.json({"error": "internal error in the action server"}, status=500)

    return app


def patient_scope_problem(tracker: dict) -> str | None:
    """Why this action request breaks a patient conversation's scope (None when it does not).

    A patient conversation is keyed `patient:<subject>` by the channel; its latest message
    carries the verified claims; its patient slot may only ever be that patient."""
    sender = str(tracker.get("sender_id") or "")
    meta = ((tracker.get("latest_message") or {}).get("metadata") or {}).get(METADATA_KEY)
    slots = tracker.get("slots") or {}
    patient_slot = slots.get("patient_id")
    if sender.startswith("patient:"):
        if not isinstance(meta, dict) or meta.get("role") != "patient" or not meta.get("patient"):
            return "patient conversation without a patient's claims"
        if sender != f"patient:{meta.get('sub')}":
            return "claims of another conversation"
        if patient_slot not in (None, "", meta["patient"]):
            return "patient conversation holding another patient"
    elif isinstance(meta, dict) and meta.get("role") == "patient":
        return "patient claims in a non-patient conversation"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default loopback)")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app()
    logger.info("action server on http://%s:%d", args.host, args.port)
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
