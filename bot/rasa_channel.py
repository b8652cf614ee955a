"""The `prescreen` Rasa input channel: POST /webhooks/prescreen/webhook with a Bearer token.

Runs inside the Rasa server (.venv-rasa). The token (bot/access/tokens.py) names the conversation
(its subject) and the caller's role; both reach the actions as message metadata set here,
never taken from the request body, so a client cannot claim another role or patient.
Replies are a JSON list of bot messages, as Rasa's REST channel answers, one entry a message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.access.tokens import Claims, InvalidToken, verify
from common.wire import METADATA_KEY, requested_language

logger = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 2000


class WholeMessageCollector(CollectingOutputChannel):
    """Collects each bot message whole: text, buttons and custom payload in one entry.

    Rasa's collector splits texts at blank lines and sends `custom` as a separate entry;
    a summary whose last line is `Verdict: ...` must stay one message (contract.md).
    """

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        out: dict[str, Any] = {"recipient_id": recipient_id}
        for key in ("text", "buttons", "image", "attachment", "custom"):
            if message.get(key):
                out[key] = message[key]
        if len(out) > 1:
            await self._persist_message(out)


def _error(status: int, text: str, **headers: str) -> HTTPResponse:
    return response.json({"error": text}, status=status, headers=headers or None)


def bearer_claims(header: str | None) -> Claims:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("missing bearer token")
    return verify(token.strip())


class PrescreenInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "prescreen"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("prescreen_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                claims = bearer_claims(request.headers.get("Authorization"))
            except InvalidToken as e:
                return _error(401, str(e), **{"WWW-Authenticate": 'Bearer realm="prescreen"'})
            try:
                body = request.json
            except Exception:  # sanic raises its own InvalidUsage on bad JSON
                body = None
            if not isinstance(body, dict):
                return _error(400, "body must be a JSON object with 'message'")
            sender = body.get("sender") or claims.sub
            if sender != claims.sub:
                return _error(403, "sender differs from the token's subject")
            text = body.get("message")
            if not isinstance(text, str) or not text.strip():
                return _error(400, "'message' must be a non-empty string")
            metadata = {METADATA_KEY: {"sub": claims.sub, "role": claims.role, "patient": claims.patient}}
            lang = requested_language(body, claims)
            if lang:
                metadata[METADATA_KEY]["lang"] = lang
            collector = WholeMessageCollector()
            await on_new_message(
                UserMessage(
                    text[:MAX_MESSAGE_CHARS],
                    collector,
                    claims.sub,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
            return response.json(collector.messages)

        return hook
