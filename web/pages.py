"""The HTML of the pages: small server-rendered documents, every string escaped.

No inline script or style (the Content-Security-Policy forbids both): behaviour comes from
/static/*.js, look from /static/app.css, and what a script needs (its strings) travels in a
JSON data block, which browsers never execute.
"""

from __future__ import annotations

import json
from html import escape

from web import strings

ASSET_VERSION = "2"  # bump when static files change, so cached copies are not reused


def _json_block(data: object) -> str:
    # "<" escaped: nothing in the data can close the element.
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/json" id="page-data">{text}</script>'


def layout(title: str, lang: str, body: str, script: str | None = None, data: object = None) -> str:
    html_lang = "zh-Hans" if lang == "zh" else "en"
    scripts = _json_block(data) if data is not None else ""
    if script:
        scripts += f'<script src="/static/{script}?v={ASSET_VERSION}" defer></script>'
    return (
        "<!doctype html>"
        f'<html lang="{html_lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(title)}</title>"
        '<link rel="icon" href="/static/icon.svg" type="image/svg+xml">'
        f'<link rel="stylesheet" href="/static/app.css?v={ASSET_VERSION}">'
        f"{scripts}</head><body>{body}</body></html>"
    )


def _lang_switch(s: dict[str, str], lang: str, path: str) -> str:
    other = "zh" if lang == "en" else "en"
    other_html = "zh-Hans" if other == "zh" else "en"
    return (
        f'<a class="lang" href="{escape(path)}?lang={other}" lang="{other_html}" '
        f'hreflang="{other_html}">{escape(s["other_lang"])}</a>'
    )


def _header(s: dict[str, str], lang: str, path: str) -> str:
    return (
        f'<header class="top"><span class="brand">{escape(s["title"])}</span>'
        f"{_lang_switch(s, lang, path)}</header>"
    )


def notice(code: str, lang: str) -> str:
    """Step 2 of the portal: who, what is read, what answers are for, who sees them."""
    s = strings.portal(lang)
    path = f"/portal/i/{code}"
    paras = "".join(
        f"<p>{escape(s[k])}</p>"
        for k in ("notice_who", "notice_reads", "notice_asks", "notice_use", "notice_decide", "notice_stop")
    )
    body = (
        _header(s, lang, path) + '<main id="main" class="card notice">'
        f'<h1>{escape(s["notice_heading"])}</h1>{paras}'
        f'<form method="post" action="{escape(path)}/start" class="actions">'
        f'<input type="hidden" name="lang" value="{lang}">'
        f'<button type="submit" class="primary">{escape(s["agree"])}</button></form>'
        f'<form method="post" action="{escape(path)}/call" class="actions">'
        f'<input type="hidden" name="lang" value="{lang}">'
        f'<button type="submit">{escape(s["call"])}</button></form>'
        f'<p class="actions"><a class="button" href="/portal/left?lang={lang}">{escape(s["leave"])}</a></p>'
        "</main>"
    )
    return layout(s["title"], lang, body)


def message_page(lang: str, heading: str, lines: list[str], link: tuple[str, str] | None = None) -> str:
    """A short page: a used or expired link, leaving, a call requested, a session ended."""
    s = strings.portal(lang)
    paras = "".join(f"<p>{escape(line)}</p>" for line in lines)
    extra = f'<p><a class="button" href="{escape(link[0])}">{escape(link[1])}</a></p>' if link else ""
    body = (
        f'<header class="top"><span class="brand">{escape(s["title"])}</span></header>'
        f'<main id="main" class="card"><h1>{escape(heading)}</h1>{paras}{extra}</main>'
    )
    return layout(s["title"], lang, body)


def portal_chat(lang: str) -> str:
    """The intake conversation's shell; portal.js fills it from /portal/api/state."""
    s = strings.portal(lang)
    body = (
        f'<a class="skip" href="#answer-area">{escape(s["skip"])}</a>'
        + _header(s, lang, "/portal/chat")
        + '<main id="main" class="chat portal">'
        f'<h1>{escape(s["chat_heading"])}</h1>'
        '<p id="progress" class="progress" aria-live="polite"></p>'
        f'<section id="log" class="log" aria-label="{escape(s["log_label"])}" aria-live="polite"></section>'
        '<p id="status" class="status" role="status"></p>'
        '<section id="answer-area" class="answer" tabindex="-1" hidden>'
        '<div id="choices" class="choices"></div>'
        '<form id="answer-form" class="free" autocomplete="off">'
        f'<label for="answer">{escape(s["answer_label"])}</label>'
        '<div class="row"><input id="answer" name="answer" type="text" maxlength="1000">'
        f'<button type="submit">{escape(s["send"])}</button></div></form>'
        f'<button type="button" id="help-toggle" class="link" aria-expanded="false" '
        f'aria-controls="help">{escape(s["help_button"])}</button>'
        '<p id="help" class="help" hidden></p>'
        f'<button type="button" id="stop" class="quiet">{escape(s["stop_button"])}</button>'
        "</section>"
        '<section id="stopped" class="card" hidden>'
        f'<p>{escape(s["stopped"])}</p><button type="button" id="resume">{escape(s["go_on"])}</button>'
        "</section>"
        '<section id="result" class="card result" tabindex="-1" hidden></section>'
        "</main>"
    )
    return layout(s["title"], lang, body, script="portal.js", data={"lang": lang, "s": s})


def _signin(s: dict[str, str], hidden: bool) -> str:
    """The study-team sign-in card, the same on the clinician page and the queue (hidden until
    the page script knows there is no token)."""
    return (
        f'<section id="signin" class="card"{" hidden" if hidden else ""}>'
        f'<h1>{escape(s["signin_heading"])}</h1><p>{escape(s["signin_help"])}</p>'
        '<form id="signin-form" autocomplete="off">'
        f'<label for="token">{escape(s["token_label"])}</label>'
        '<input id="token" name="token" type="password" required>'
        f'<button type="submit" class="primary">{escape(s["signin"])}</button></form>'
        '<p id="signin-error" class="error" role="alert"></p></section>'
    )


def _bar(s: dict[str, str], h1: str, heading: str) -> str:
    """The workspace's top bar: its heading, who is signed in (filled by the script), sign out."""
    return (
        f'<div class="bar">{h1}{escape(s[heading])}</h1><span id="who" class="who"></span>'
        f'<button type="button" id="signout" class="quiet">{escape(s["signout"])}</button></div>'
    )


def _study_team_page(s: dict[str, str], lang: str, path: str, workspace: str, signin_hidden: bool) -> str:
    """A study-team page (/clinician, /queue): the sign-in card, then the workspace its script
    shows once a token is accepted."""
    name = path.strip("/")
    body = (
        _header(s, lang, path) + f'<main id="main" class="{name}">'
        + _signin(s, hidden=signin_hidden) + workspace + "</main>"
    )
    return layout(s["title"], lang, body, script=f"{name}.js", data={"lang": lang, "s": s})


def clinician(lang: str) -> str:
    s = strings.clinician(lang)
    workspace = (
        '<div id="workspace" class="workspace" hidden>'
        '<section class="chat" aria-labelledby="chat-h">'
        + _bar(s, '<h1 id="chat-h">', "chat_heading")
        # Focusable: the log scrolls, and keyboard users must be able to scroll it (axe).
        + f'<div id="log" class="log" role="log" tabindex="0" aria-label="{escape(s["log_label"])}" '
        'aria-live="polite"></div>'
        '<p id="status" class="status" role="status"></p>'
        '<form id="message-form" class="free" autocomplete="off">'
        f'<label for="message">{escape(s["message_label"])}</label>'
        f'<div class="row"><input id="message" name="message" type="text" maxlength="2000" '
        f'placeholder="{escape(s["message_hint"])}">'
        f'<button type="submit" class="primary">{escape(s["send"])}</button></div></form></section>'
        '<section class="panel" aria-labelledby="panel-h">'
        f'<h2 id="panel-h">{escape(s["panel_heading"])}</h2>'
        '<p id="verdict" class="verdict" aria-live="polite"></p>'
        '<div class="row tools">'
        f'<button type="button" id="copy" disabled>{escape(s["copy"])}</button>'
        f'<button type="button" id="download" disabled>{escape(s["download"])}</button></div>'
        f'<p id="panel-empty">{escape(s["panel_empty"])}</p>'
        '<ul id="criteria" class="criteria"></ul></section></div>'
    )
    return _study_team_page(s, lang, "/clinician", workspace, signin_hidden=True)


def queue(lang: str) -> str:
    """The coordinator's queue (issue 14): sign in with a study-team token; queue.js fills it."""
    s = strings.queue(lang)
    workspace = (
        '<section id="workspace" hidden>'
        + _bar(s, "<h1>", "heading")
        + '<form id="filter" class="row" autocomplete="off">'
        f'<label for="since">{escape(s["since"])}</label><input id="since" type="date">'
        f'<label for="until">{escape(s["until"])}</label><input id="until" type="date">'
        f'<button type="submit">{escape(s["show"])}</button>'
        f'<button type="button" id="export">{escape(s["export"])}</button></form>'
        '<p id="status" class="status" role="status"></p>'
        '<div id="groups"></div></section>'
    )
    return _study_team_page(s, lang, "/queue", workspace, signin_hidden=False)
