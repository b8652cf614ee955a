"""The front's routes (Sanic 21.12, as pinned for rasa-sdk in the app environment).

/portal/i/CODE        the invitation: notice, then start (code spent) / call me / leave
/portal/chat          the intake conversation (session cookie); /portal/api/* its JSON
/clinician            the clinician chat page with the criteria panel
/webhooks/prescreen/webhook   forwarded to Rasa as it is (token checked there)
/static/NAME          the pages' CSS and JS
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.access.tokens import InvalidToken, issue, patient_subject, verify
from web import pages, portal, strings
from web.settings import WebConfig
from web.store import PortalStore, Session, digest
from web.upstream import Upstream, UpstreamDown

logger = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
COOKIE = "prescreen_portal"
CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


def _static_files() -> dict[str, tuple[bytes, str]]:
    """Every file the pages load, read once: nothing else under /static is reachable."""
    return {
        p.name: (p.read_bytes(), CONTENT_TYPES[p.suffix])
        for p in STATIC.iterdir()
        if p.is_file() and p.suffix in CONTENT_TYPES
    }


def _clinician_labels() -> list[dict[str, str]]:
    """Criteria in trial order with the chat's short names (the panel's rows)."""
    from eligibility import load_trial

    try:
        from actions.vocab import vocab

        labels = vocab().labels
    except Exception:  # the chat's words are optional here; ids still name each row
        labels = {}
    return [
        {"id": c.id, "kind": c.kind, "label": labels.get(c.id, c.id.replace("_", " "))}
        for c in load_trial().criteria
    ]


class RateLimit:
    """At most `per_minute` events per key in any 60 s window."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.seen: dict[str, collections.deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        q = self.seen.setdefault(key, collections.deque())
        while q and now - q[0] > 60:
            q.popleft()
        if len(q) >= self.per_minute:
            return False
        q.append(now)
        return True


def create_app(cfg: WebConfig, name: str = "prescreen_web") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = cfg.max_body_bytes
    app.config.REQUEST_TIMEOUT = 30
    app.config.RESPONSE_TIMEOUT = cfg.upstream_timeout + 15
    app.config.KEEP_ALIVE_TIMEOUT = 15
    store = PortalStore(cfg.state / "portal.sqlite3")
    upstream = Upstream(cfg.upstreams, cfg.upstream_timeout)
    static = _static_files()
    locks: dict[str, asyncio.Lock] = collections.defaultdict(asyncio.Lock)
    limiter = RateLimit(cfg.portal_rate_per_minute)
    labels = _clinician_labels()

    # --- headers on every response --------------------------------------------------------
    @app.middleware("response")
    async def security_headers(request: Request, resp: HTTPResponse) -> None:
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.path.startswith("/static/") and resp.status == 200:
            resp.headers["Cache-Control"] = "public, max-age=300"
        else:  # pages hold codes, conversations hold health information: never cached
            resp.headers["Cache-Control"] = "no-store"

    @app.exception(Exception)
    async def on_error(request: Request, exc: Exception) -> HTTPResponse:
        status = exc.status_code if isinstance(exc, SanicException) else 500
        if status >= 500:
            logger.error("error on %s %s: %s", request.method, request.path, type(exc).__name__)
        if request.path.startswith(("/portal/api/", "/webhooks/", "/clinician/api/")):
            return response.json({"error": _status_words(status)}, status=status)
        return response.text(_status_words(status), status=status)

    # --- the portal -----------------------------------------------------------------------
    def lang_of(request: Request, fallback: str) -> str:
        asked = request.args.get("lang") or (request.form.get("lang") if request.form else None)
        return strings.pick_lang(asked or fallback)

    def current_session(request: Request) -> tuple[str, Session] | None:
        sid = request.cookies.get(COOKIE)
        s = store.session(sid) if sid else None
        return (sid, s) if s else None

    def bad_link(lang: str, status: str) -> HTTPResponse:
        s = strings.portal(lang)
        words = {"used": s["bad_used"], "expired": s["bad_expired"]}.get(status, s["bad_unknown"])
        link = ("/portal/chat", s["bad_resume"]) if status == "used" else None
        html = pages.message_page(lang, s["bad_heading"], [words, s["bad_next"]], link)
        return response.html(html, status=404 if status == "unknown" else 410)

    @app.get("/portal/i/<code>")
    async def invitation(request: Request, code: str) -> HTTPResponse:
        state = store.invite_state(code) if CODE_SHAPE.match(code) else None
        lang = lang_of(request, state.lang if state else "en")
        if state is not None and state.status == "valid":
            return response.html(pages.notice(code, lang))
        current = current_session(request)
        if state is not None and current and state.status == "used":
            if current[1].invite == digest(code):  # the same browser coming back by its link
                return response.redirect("/portal/chat", status=303)
        return bad_link(lang, state.status if state else "unknown")

    @app.post("/portal/i/<code>/start")
    async def start_session(request: Request, code: str) -> HTTPResponse:
        state = store.invite_state(code) if CODE_SHAPE.match(code) else None
        lang = lang_of(request, state.lang if state else "en")
        spent = store.exchange(code, cfg.session_hours, lang) if state and state.status == "valid" else None
        if spent is None:
            return bad_link(lang, state.status if state else "unknown")
        sid, session = spent
        resp = response.redirect("/portal/chat", status=303)
        resp.cookies[COOKIE] = sid
        cookie = resp.cookies[COOKIE]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/portal"
        cookie["max-age"] = max(1, int(session.expires - time.time()))
        if cfg.secure_cookie:
            cookie["secure"] = True
        return resp

    @app.post("/portal/i/<code>/call")
    async def call_me(request: Request, code: str) -> HTTPResponse:
        found = store.patient_of_invite(code) if CODE_SHAPE.match(code) else None
        lang = lang_of(request, found[1] if found else "en")
        if found is None:
            state = store.invite_state(code) if CODE_SHAPE.match(code) else None
            return bad_link(lang, state.status if state else "unknown")
        store.request_call(found[0], lang)
        s = strings.portal(lang)
        return response.html(pages.message_page(lang, s["call_heading"], [s["call_body"]]))

    @app.get("/portal/left")
    async def left(request: Request) -> HTTPResponse:
        lang = lang_of(request, "en")
        s = strings.portal(lang)
        return response.html(pages.message_page(lang, s["left_heading"], [s["left_body"]]))

    def ended(lang: str) -> HTTPResponse:
        s = strings.portal(lang)
        return response.html(pages.message_page(lang, s["ended_heading"], [s["ended_body"]]), status=401)

    @app.get("/portal/chat")
    async def chat_page(request: Request) -> HTTPResponse:
        current = current_session(request)
        if current is None:
            return ended(lang_of(request, "en"))
        sid, session = current
        lang = lang_of(request, session.lang)
        if lang != session.lang:
            store.set_lang(sid, lang)
        return response.html(pages.portal_chat(lang))

    def api_session(request: Request) -> tuple[str, Session]:
        current = current_session(request)
        if current is None:
            raise SanicException("session ended", status_code=401)
        if request.method == "POST" and "application/json" not in (request.content_type or ""):
            raise SanicException("json only", status_code=415)  # no cross-site form posts
        return current

    async def talk(session: Session, text: str) -> list[dict[str, Any]]:
        """One patient message to Rasa, under a token the front signs for this patient."""
        token = issue("patient", patient=session.patient, ttl_hours=cfg.patient_token_minutes / 60)
        # The invite's language and the channel's name travel with the message (the chat holds
        # the language from the first screening on; the answer log records the channel).
        body = json.dumps({"message": text, "metadata": {"lang": session.lang, "channel": "portal"}}).encode()
        reply = await upstream.post(body, f"Bearer {token}")
        if reply.status != 200:
            logger.warning("upstream answered %s to a portal message", reply.status)
            raise UpstreamDown(f"status {reply.status}")
        return portal.turns_from_replies(json.loads(reply.body), session.patient)

    def state(session: Session, convo: str) -> HTTPResponse:
        return response.json(portal.view(store.turns(convo), session.lang))

    @app.get("/portal/api/state")
    async def api_state(request: Request) -> HTTPResponse:
        _, session = api_session(request)
        return state(session, patient_subject(session.patient))

    @app.post("/portal/api/start")
    async def api_start(request: Request) -> HTTPResponse:
        _, session = api_session(request)
        convo = patient_subject(session.patient)
        async with locks[convo]:
            if not store.turns(convo):
                try:
                    turns = await talk(session, strings.portal(session.lang)["start_message"])
                    if session.lang != "en" and not any("q" in t or "verdict" in t for t in turns):
                        # A chat that does not understand this language yet: start in English
                        # rather than not at all (the page's own words stay in the language).
                        turns = await talk(session, strings.portal("en")["start_message"])
                except (UpstreamDown, ValueError):
                    return _api_error(session.lang, "error", 503)
                if not any("q" in t or "verdict" in t for t in turns):
                    # No question and no result: the record could not be opened. The bot's
                    # words (ids, server names) are not for a patient.
                    return _api_error(session.lang, "cannot_open", 503)
                store.add_turns(convo, turns)
        return state(session, convo)

    @app.post("/portal/api/send")
    async def api_send(request: Request) -> HTTPResponse:
        sid, session = api_session(request)
        try:
            body = request.json
        except Exception:
            body = None
        text = body.get("message") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise SanicException("message required", status_code=400)
        if len(text) > cfg.max_message_chars:
            return _api_error(session.lang, "too_long", 413)
        if not limiter.allow(sid):
            raise SanicException("slow down", status_code=429)
        convo = patient_subject(session.patient)
        async with locks[convo]:
            try:
                turns = await talk(session, text.strip())
            except (UpstreamDown, ValueError):
                return _api_error(session.lang, "error", 503)
            store.add_turns(convo, [{"who": "user", "text": text.strip()}, *turns])
        return state(session, convo)

    # --- the clinician page ---------------------------------------------------------------
    @app.get("/clinician")
    async def clinician_page(request: Request) -> HTTPResponse:
        return response.html(pages.clinician(lang_of(request, "en")))

    @app.get("/clinician/criteria.json")
    async def clinician_criteria(request: Request) -> HTTPResponse:
        return response.json(labels)

    def study_team(request: Request) -> str | HTTPResponse:
        """The token's subject when it is a clinician (study team) token, else the error reply."""
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise InvalidToken("missing bearer token")
            claims = verify(token.strip())
        except InvalidToken:
            return response.json({"error": "token not accepted"}, status=401)
        if claims.role != "clinician":  # a patient never sees the queue
            return response.json({"error": "not a clinician token"}, status=403)
        return claims.sub

    @app.get("/clinician/api/whoami")
    async def whoami(request: Request) -> HTTPResponse:
        user = study_team(request)
        return user if not isinstance(user, str) else response.json({"user": user})


    # --- the coordinator's queue (issue 14) -------------------------------------------------
    @app.get("/queue")
    async def queue_page(request: Request) -> HTTPResponse:
        return response.html(pages.queue(lang_of(request, "en")))

    def queue_rows(request: Request, user: str, what: str) -> list:
        from common.errors import UsageError
        from common.options import parse_date
        from eligibility import load_trial
        from screening_log import enabled, open_store
        from screening_log import queue as q

        if not enabled():
            raise SanicException("the screening log is off", status_code=503)
        args = {k: request.args.get(k) for k in ("since", "until")}
        try:
            since, until = (parse_date(args[k], k) if args[k] else None for k in ("since", "until"))
        except UsageError as e:
            raise SanicException(str(e), status_code=400) from None
        trial, store = load_trial(), open_store()
        rows = q.entries(store, trial, since, until)
        period = {k: v for k, v in args.items() if v}
        q.record_look(store, trial, rows, user=user, channel="web", period=period, export=what == "export")
        return rows

    async def read_queue(request: Request, what: str) -> tuple[str | HTTPResponse, list | None]:
        """(user, rows) for a study-team token; (the error reply, None) for any other."""
        user = study_team(request)
        if not isinstance(user, str):
            return user, None
        return user, await asyncio.to_thread(queue_rows, request, user, what)

    @app.get("/queue/api/entries")
    async def queue_entries(request: Request) -> HTTPResponse:
        user, rows = await read_queue(request, "view")
        if rows is None:
            return user
        entries = [
            {
                "patient": e.patient,
                "state": e.state,
                "screened_at": e.screening.finished_at.isoformat(timespec="minutes")
                if e.screening.finished_at
                else "",
                "channel": e.screening.channel,
                "failed": [{"id": f["id"], "reason": f.get("reason", "")} for f in e.screening.failed],
                "missing": [{"id": m["id"], "ask": m.get("ask", "")} for m in e.screening.missing],
            }
            for e in rows
        ]
        return response.json({"user": user, "entries": entries})

    @app.get("/queue/api/entries.csv")
    async def queue_csv(request: Request) -> HTTPResponse:
        from screening_log import queue as q

        user, rows = await read_queue(request, "export")
        if rows is None:
            return user
        return response.text(
            q.to_csv(rows),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="prescreen-queue.csv"'},
        )

    # --- the chat webhook, forwarded ------------------------------------------------------
    @app.get("/webhooks/prescreen/")
    async def webhook_health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.post("/webhooks/prescreen/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        try:
            reply = await upstream.post(request.body, request.headers.get("Authorization"))
        except UpstreamDown:
            return response.json({"error": "the assistant is not reachable"}, status=503)
        ctype = (
            reply.content_type if reply.content_type.startswith("application/json") else "application/json"
        )
        return response.raw(reply.body, status=reply.status, content_type=ctype)

    # --- the rest -------------------------------------------------------------------------
    @app.get("/static/<name>")
    async def static_file(request: Request, name: str) -> HTTPResponse:
        if name not in static:
            raise SanicException("not found", status_code=404)
        data, ctype = static[name]
        return response.raw(data, content_type=ctype)

    @app.get("/healthz")
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/")
    async def index(request: Request) -> HTTPResponse:
        return response.redirect("/clinician")

    return app


def _api_error(lang: str, key: str, status: int) -> HTTPResponse:
    return response.json({"error": strings.portal(lang)[key]}, status=status)


def _status_words(status: int) -> str:
    return {
        400: "bad request",
        401: "not signed in",
        403: "forbidden",
        404: "not found",
        405: "method not allowed",
        413: "request too large",
        415: "unsupported media type",
        429: "too many requests",
        503: "not available",
    }.get(status, "error")
