"""The `prescreen` Rasa input channel: POST /webhooks/prescreen/webhook with a Bearer token.

Runs inside the Rasa server (.venv-rasa). The token (bot/access/tokens.py) names the caller's
role and subject; the conversation is keyed by both (`conversation_key`), and both reach the
actions as message metadata set here, never taken from the request body, so a client cannot
claim another role or patient. Replies are a JSON list of bot messages, as Rasa's REST channel
answers, one entry a message, `recipient_id` the token's subject.

Hardening (issue 11): messages over MAX_MESSAGE_CHARS and bodies over Sanic's REQUEST_MAX_SIZE
(set by the supervisor) are refused; every response carries `Cache-Control: no-store`; Rasa's
root page no longer names its version; a turn that produced no reply at all (the action server
down) is a 503 with a plain reason, not `200 []`.

A slow record (actions/records.py `RecordLoading`): whichever message needed it (the first of a
screening, "yes" to switching patients, an answer when a stale record is refreshed) gets the
"record is loading" reply at once, and its turn is undone (`_undo_turn`): slots and form back
as they were before that message, so a question it answered is still the one pending. The
user's next message replays it (`pending_text`); the message and its loading reply stay in the
tracker store, so whichever Rasa server gets the next message sees them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.access.tokens import Claims, InvalidToken, conversation_key, verify
from bot.tracker_store import conversations_in_memory
from common.wire import METADATA_KEY, requested_channel, requested_language

logger = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 2000
NO_REPLY = (
    "The assistant could not answer just now (a part of it is restarting). "
    "Please send your message again in a few seconds."
)
PENDING_SECONDS = 600.0  # how long a "record is loading" request waits for the user's nudge


def precompile_action_validation() -> None:
    """Rasa checks every action server answer with `jsonschema.validate`: it checks the (large)
    events schema itself on every call, then tries each event against all 23 alternatives of a
    `oneOf`. In a profile of our turns (benchmarks/profile_turn.py) that was the largest per-turn
    cost. The same validation, decided the same way: the schemas are checked once, and each event
    is checked against the one alternative its `event` name selects (the alternatives are told
    apart by that name alone, so "exactly one matches" is "the selected one matches"). Anything
    invalid goes to Rasa's own validation, for its message and exception."""
    from rasa.core.actions import action as rasa_action

    if getattr(rasa_action.RemoteAction, "_prescreen_precompiled", False):
        return
    is_valid = fast_response_check(rasa_action.RemoteAction.action_response_format_spec())
    original = rasa_action.RemoteAction._validate_action_result

    def validate(self: Any, result: dict[str, Any]) -> bool:
        if is_valid(result):
            return True
        return original(self, result)  # Rasa's own message and exception for a failure

    rasa_action.RemoteAction._validate_action_result = validate
    rasa_action.RemoteAction._prescreen_precompiled = True


def fast_response_check(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """A predicate equal to `jsonschema` validity under `schema` (Rasa's action response format:
    an object whose `events` items are a base schema plus a `oneOf` keyed by `event`)."""
    from jsonschema import validators

    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    items = schema["properties"]["events"]["items"]
    alternatives = items["oneOf"]
    names = [alt["properties"]["event"]["const"] for alt in alternatives]
    if len(set(names)) != len(names):  # not keyed by name after all: validate as Rasa does
        whole = cls(schema)
        return whole.is_valid
    base = {k: v for k, v in items.items() if k != "oneOf"}
    by_name = {name: cls({"allOf": [base, alt]}) for name, alt in zip(names, alternatives, strict=True)}
    outer = cls({**schema, "properties": {**schema["properties"], "events": {"type": "array"}}})

    def is_valid(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        for event in result.get("events") or []:
            name = event.get("event") if isinstance(event, dict) else None
            check = by_name.get(name) if isinstance(name, str) else None
            if check is None or not check.is_valid(event):
                return False
        return True

    return is_valid


precompile_action_validation()


class WholeMessageCollector(CollectingOutputChannel):
    """Collects each bot message whole: text, buttons and custom payload in one entry.

    Rasa's collector splits texts at blank lines and sends `custom` as a separate entry;
    a summary whose last line is `Verdict: ...` must stay one message (contract.md).
    """

    def __init__(self, recipient: str | None = None) -> None:
        super().__init__()
        self.recipient = recipient  # the token's subject: what the client knows itself as

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        out: dict[str, Any] = {"recipient_id": self.recipient or recipient_id}
        for key in ("text", "buttons", "image", "attachment", "custom"):
            if message.get(key):
                out[key] = message[key]
        if len(out) > 1:
            await self._persist_message(out)


def pending_text(events: list[Any], now: float | None = None, ttl: float = PENDING_SECONDS) -> str | None:
    """The message to replay: the latest user message, when its turn answered "the record is
    loading" less than `ttl` ago (or got no reply at all, a 503, after a turn that did). A turn
    that answered without "loading" ends the wait."""
    now = time.time() if now is None else now
    latest: str | None = None
    loading_at: float | None = None
    replied = False  # in the turn being read (from its end back to its user message)
    for event in reversed(events):
        if _loading_event(event):
            loading_at = event.timestamp if loading_at is None else loading_at
        elif isinstance(event, BotUttered):
            replied = True
        elif isinstance(event, UserUttered):
            latest = event.text if latest is None else latest
            if loading_at is not None:
                break  # this turn waits for its record
            if replied:
                return None  # this turn stood: nothing waits
    if latest and loading_at is not None and now - loading_at < ttl:
        return latest
    return None


def _loading_event(event: Any) -> bool:
    custom = (event.data or {}).get("custom") if isinstance(event, BotUttered) else None
    return isinstance(custom, dict) and bool(custom.get("loading"))


def _error(status: int, text: str, **headers: str) -> HTTPResponse:
    return response.json({"error": text}, status=status, headers=headers or None)


def bearer_claims(header: str | None) -> Claims:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("missing bearer token")
    return verify(token.strip())


def _loading_message(m: dict[str, Any]) -> bool:
    return isinstance(m.get("custom"), dict) and bool(m["custom"].get("loading"))


async def _before(agent: Any, key: str) -> tuple[str | None, State]:
    """The message waiting for its record, and the state before this turn, read from the
    tracker store (shared by the Rasa servers; ours keeps current conversations in memory, so
    this costs one indexed query)."""
    try:
        tracker = await agent.tracker_store.retrieve(key)
    except Exception as e:  # the turn itself reports a store that is down
        logger.warning("could not read the conversation: %s", type(e).__name__)
        return None, ({}, None)
    if tracker is None:
        return None, _state(None)
    return pending_text(list(tracker.events)), _state(tracker)


async def _no_store(request: Request, resp: HTTPResponse) -> HTTPResponse | None:
    if request.path == "/":  # Rasa's root page names its version
        return response.text("ok", headers={"Cache-Control": "no-store"})
    resp.headers["Cache-Control"] = "no-store"
    return None


def _harden_app() -> None:
    """App-wide response middleware on Rasa's Sanic app (a blueprint's own middleware would
    only see the blueprint's routes)."""
    for app in list(Sanic._app_registry.values()):
        if not getattr(app.ctx, "prescreen_hardened", False):
            app.register_middleware(_no_store, "response")
            app.ctx.prescreen_hardened = True


State = tuple[dict[str, Any], str | None]


def _state(tracker: Any) -> State:
    """What a turn may change that the next turn reads: the slots and the active form."""
    if tracker is None:
        return {}, None
    return {name: slot.value for name, slot in tracker.slots.items()}, tracker.active_loop_name


async def _undo_turn(agent: Any, key: str, before: State) -> None:
    """Put the conversation back as it was before a turn that failed half-way (the action
    server down) or waits for a record: its slots and form as before, and listening, so the
    same message sent (or replayed) again works. Events that restore, not Rasa's
    UserUtteranceReverted: inside a form Rasa folds earlier turns away, and a revert there
    would undo the whole screening."""
    slots, loop = before
    try:
        async with agent.lock_store.lock(key):
            tracker = await agent.processor.get_tracker(key)
            events: list[Any] = []
            if tracker.active_loop_name != loop:
                events.append(ActiveLoop(loop))
            for name, slot in tracker.slots.items():
                old = slots.get(name, slot.initial_value)
                if slot.value != old:
                    events.append(SlotSet(name, old))
            events.append(ActionExecuted(ACTION_LISTEN_NAME))
            for event in events:
                tracker.update(event)
            await agent.processor.save_tracker(tracker)
    except Exception as e:  # the reply goes out anyway
        logger.warning("could not undo the turn: %s", type(e).__name__)


class PrescreenInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "prescreen"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("prescreen_webhook", __name__)
        _harden_app()

        async def turn(
            claims: Claims, text: str, lang: str | None = None, channel: str | None = None
        ) -> list[dict[str, Any]]:
            metadata = {METADATA_KEY: {"sub": claims.sub, "role": claims.role, "patient": claims.patient}}
            if lang:  # the conversation's language asked for by the invite or the page (en | zh)
                metadata[METADATA_KEY]["lang"] = lang
            if channel:  # a front that names itself (the portal), for the answer log
                metadata[METADATA_KEY]["channel"] = channel
            collector = WholeMessageCollector(claims.sub)
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    conversation_key(claims),
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
            return collector.messages

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "conversations_in_memory": conversations_in_memory()})

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
            if len(text) > MAX_MESSAGE_CHARS:
                return _error(413, f"'message' is longer than {MAX_MESSAGE_CHARS} characters")
            key = conversation_key(claims)
            agent = request.app.ctx.agent
            # After "the record is loading", whatever the user sends is the nudge to go on (the
            # reply asked for "any message"): the message that needed the record runs again,
            # on the conversation as it was before it; the nudge itself is not read as an answer.
            pending, before = await _before(agent, key)
            text = pending or text
            messages = await turn(claims, text, requested_language(body, claims), requested_channel(body))
            if not messages:
                logger.warning("a turn produced no reply (action server down?); turn undone")
                await _undo_turn(agent, key, before)
                return _error(503, NO_REPLY, **{"Retry-After": "5"})
            loading = [m for m in messages if _loading_message(m)]
            if loading:
                # Undo the turn: what it said past "loading" (a question re-asked on the old
                # state) no longer holds, so only the loading reply goes out.
                await _undo_turn(agent, key, before)
                messages = loading
            return response.json(messages)

        return hook
