"""Constants of the chat wire shared by the Rasa channel (.venv-rasa) and the action server
(.venv). Standard library only: both virtualenvs import this module."""

from __future__ import annotations

from typing import Any

# Message metadata key under which the channel passes the verified token's claims
# (sub, role, patient) to the actions; never taken from the request body.
METADATA_KEY = "prescreen"


# The languages the chat speaks. The language may come from the request body: unlike the
# claims it grants nothing (only which catalogue the texts come from).
LANGUAGES = ("en", "zh")


def requested_language(body: dict[str, Any], claims: Any) -> str | None:
    """The conversation's language asked for by the invite (issue 12): a `lang` claim of the
    token (`prescreen invite --lang zh`), else `metadata.lang` of the message; only en / zh
    pass. The actions hold it in the `language` slot from the first screening on."""
    claimed = getattr(claims, "lang", None)
    if claimed in LANGUAGES:
        return str(claimed)
    meta = body.get("metadata")
    lang = meta.get("lang") if isinstance(meta, dict) else None
    return str(lang) if lang in LANGUAGES else None


CHANNELS = ("portal",)  # fronts that may name themselves; anything else is the plain chat


def requested_channel(body: dict[str, Any]) -> str | None:
    """`metadata.channel` of a message when it names a known front (the patient portal): a label
    for the answer log, never a permission."""
    meta = body.get("metadata")
    channel = meta.get("channel") if isinstance(meta, dict) else None
    return str(channel) if channel in CHANNELS else None
