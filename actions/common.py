"""Helpers the actions share: reading the latest message, patient ids, loading a screening."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.records import failure_message
from actions.screening import REQUESTED, Screening, caller_of
from fhir_ingest.errors import IngestError
from fhir_ingest.records import is_valid_id

NO_CALLER = "I cannot tell who you are: this conversation did not come through the prescreen channel."
NAME_A_PATIENT = (
    "Name a patient to pre-screen, e.g. 'pre-screen patient 123' or 'check icc-001 for the ICC trial'."
)
OWN_RECORD_ONLY = "This conversation can only screen your own record."

NEXT = "next_step"  # ask | finish | wait: which rule runs after an action (see data/rules.yml)
NOT_IDS = {
    "patient",
    "pt",
    "screen",
    "prescreen",
    "pre-screen",
    "check",
    "trial",
    "icc",
    "the",
    "for",
    "please",
}
TRIAL_ID = re.compile(r"^nct\d+$", re.IGNORECASE)
ID_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-.]*[A-Za-z0-9]|[0-9]")
ID_AFTER = re.compile(
    r"(?:\b(?:patient|pt|id|mrn|hospital id|hospital number|record|case|number|no\.|#)"
    r"|患者|病人|住院号|病历号|病案号)"
    r"\s*(?:id|number|no\.?)?"
    r"\s*[:#]?\s*([A-Za-z]{0,4}-?\d[A-Za-z0-9\-]*)",
    re.I,
)
# An explicit request to screen someone: naming an id inside an answer ("treated in 2019") is not.
REQUEST_WORDS = re.compile(
    r"\b(screen|pre-?screen|check|switch|swap|change to|move on to|next (one|patient|pt)|another patient|"
    r"look at|what about|how about|eligib\w*|qualif\w*|candidate|instead|start|referral|suitable|trial)\b"
    # Chinese requests (no word boundaries in Chinese): 预筛 / 筛查 / 看看 / 换成 / 另一位 ...
    r"|预筛|筛查|筛一下|看看|看一下|换成|换到|改为|另一位|下一位|能否入组|能不能入组|是否符合|入组",
    re.I,
)
# A number followed or preceded by these is a quantity or a date, not an id.
QUANTITY_AFTER = re.compile(
    r"\s*(?:-\s*)?(?:years?|yrs?|yo\b|y/o|y\.o|kg|kgs|kilos?|lbs?|pounds?|mg|g/dl|cm|mm|%|cycles?|months?|weeks?|"
    r"days?|m\b|f\b|male|female|x\b|times|doses?|/|年|岁|公斤|千克|斤|个月|月|周|天|日|次|级|分|厘米|毫克|程)",
    re.I,
)
QUANTITY_BEFORE = re.compile(
    r"(?:\b(?:ecog|ps|age|aged|grade|in|since|from|during|until|weighs|weight|bp|ef|cycles?|x)\s*[:=]?\s*)$",
    re.I,
)


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    return [
        str(e.get("value"))
        for e in (tracker.latest_message or {}).get("entities") or []
        if e.get("entity") == entity and e.get("value") is not None
    ]


def patient_id_in(tracker: Tracker) -> str | None:
    """The patient id a message names, wherever it stands: the token after a word that
    introduces an id ("patient 123", "id 123", "MRN 889201"), else the NLU entity, else the
    first token holding a digit that is not a quantity ("58 year old", "70 kg", "in 2019")."""
    return id_in_text(latest_text(tracker), entity_values(tracker, "patient_id"))


def id_in_text(text: str, entities: list[str] | tuple[str, ...] = ()) -> str | None:
    def ok(token: str) -> bool:
        v = token.strip(".,;:!?#()")
        return bool(v) and is_valid_id(v) and v.lower() not in NOT_IDS and not TRIAL_ID.match(v)

    m = ID_AFTER.search(text)
    if m and ok(m.group(1)):
        return m.group(1).strip(".,;:!?#()")
    for value in entities:
        v = value.strip().strip(".,;:!?#()")
        if ok(v) and any(c.isdigit() for c in v) and not QUANTITY_AFTER.match(text[text.find(v) + len(v) :]):
            return v
    for m in ID_TOKEN.finditer(text):
        t = m.group(0)
        if not any(c.isdigit() for c in t) or not ok(t):
            continue
        if QUANTITY_AFTER.match(text[m.end() :]) or QUANTITY_BEFORE.search(text[: m.start()]):
            continue
        return t
    return None


def form_active(tracker: Tracker) -> bool:
    return bool((tracker.active_loop or {}).get("name"))


def deactivate_if_active(tracker: Tracker) -> list[EventType]:
    return [ActiveLoop(None), SlotSet(REQUESTED, None)] if form_active(tracker) else []


def next_step(tracker: Tracker, step: str) -> list[EventType]:
    """`ask` runs the form, `finish` the end of screening, `wait` listens. Inside an active
    form `wait` becomes `ask` (the form asks its question again); a form still active when
    the screening must finish is closed first."""
    if step == "wait" and form_active(tracker):
        step = "ask"
    events: list[EventType] = [SlotSet(NEXT, step)]
    if step == "finish":
        events = deactivate_if_active(tracker) + events
    return events


async def loaded_screening(tracker: Tracker) -> Screening | None:
    s = Screening.from_tracker(tracker)
    if s is not None:
        await s.load()
    return s


async def screening_or_say(
    dispatcher: CollectingDispatcher, tracker: Tracker, nothing: str = "lines.no_screening"
) -> Screening | None:
    """The loaded screening, or None after telling the user why there is none to work on
    (`nothing`: the catalogue key of what to say then)."""
    from actions.language import conversation_lang, sentences
    from actions.messages import say

    lang = conversation_lang(tracker)
    try:
        s = await loaded_screening(tracker)
    except IngestError as e:
        patient = tracker.get_slot("patient_id")
        dispatcher.utter_message(**failure_message(e, patient, audience_of(tracker), lang))
        return None
    if s is None:
        dispatcher.utter_message(text=sentences(lang, say(nothing, lang), say("lines.name_a_patient", lang)))
    return s


def bot_text(text: str, **custom: Any) -> dict[str, Any]:
    """Keyword arguments for dispatcher.utter_message: the text and an optional payload."""
    out: dict[str, Any] = {"text": text}
    if custom:
        out["json_message"] = custom
    return out


def audience_of(tracker: Tracker) -> str:
    """clinician | patient, from the verified caller (patient when unsure: the safer wording)."""
    caller = caller_of(tracker)
    return caller.role if caller is not None else "patient"
