"""A small driver that plays Rasa's part for the action tests: slots, the form's requested
slot, the metadata the channel sets from a verified token."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

REPO = Path(__file__).resolve().parents[2]
COHORT = REPO / "data" / "synthetic" / "bundles"
AS_OF = "2026-11-24"
DOMAIN = yaml.safe_load((REPO / "domain.yml").read_text())


@dataclass
class Turn:
    texts: list[str]
    payloads: list[dict]
    events: list[dict]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass
class Chat:
    """One conversation as the actions see it. `role`/`patient` play the verified token."""

    role: str = "clinician"
    patient: str | None = None
    slots: dict[str, Any] = field(default_factory=lambda: {name: None for name in DOMAIN["slots"]})
    active_loop: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    intent: str | None = None
    confidence: float = 0.9
    entities: list[dict] = field(default_factory=list)

    def say(
        self,
        text: str,
        intent: str | None = None,
        confidence: float = 0.9,
        entities: list[dict] | None = None,
    ) -> None:
        self.text, self.intent, self.confidence, self.entities = text, intent, confidence, entities or []

    def tracker(self, candidates: dict[str, Any] | None = None) -> Tracker:
        meta = {"prescreen": {"sub": "t", "role": self.role, "patient": self.patient}} if self.role else {}
        latest = {
            "text": self.text,
            "intent": {"name": self.intent, "confidence": self.confidence},
            "entities": self.entities,
            "metadata": meta,
        }
        events = [{"event": "slot", "name": k, "value": v} for k, v in (candidates or {}).items()]
        slots = dict(self.slots, **(candidates or {}))
        return Tracker("t", slots, latest, events, False, None, self.active_loop, "action_listen")

    def run(self, action: Action, candidates: dict[str, Any] | None = None) -> Turn:
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, self.tracker(candidates), DOMAIN))
        for e in events:
            if e["event"] == "slot":
                self.slots[e["name"]] = e["value"]
            elif e["event"] == "active_loop":
                self.active_loop = {"name": e["name"]} if e["name"] else {}
        return Turn(
            [m.get("text") or "" for m in dispatcher.messages],
            [m.get("custom") or {} for m in dispatcher.messages],
            events,
        )

    def answer(self, text: str, intent: str | None = None, confidence: float = 0.9) -> Turn:
        """The form's turn: the requested slot holds the reply's text, then validation runs."""
        from actions.form import ValidateScreeningForm

        self.say(text, intent, confidence)
        requested = self.slots.get("requested_slot")
        return self.run(ValidateScreeningForm(), {requested: text} if requested else None)

    def start(self, text: str, intent: str = "screen_patient") -> Turn:
        from actions.session import ActionStartScreening

        self.say(text, intent)
        turn = self.run(ActionStartScreening())
        if self.slots.get("next_step") == "ask":
            self.active_loop = {"name": "screening_form"}
            turn2 = self.run_form()
            turn = Turn(turn.texts + turn2.texts, turn.payloads + turn2.payloads, turn.events + turn2.events)
        return turn

    def run_form(self) -> Turn:
        from actions.form import ValidateScreeningForm

        return self.run(ValidateScreeningForm())

    @property
    def requested(self) -> str | None:
        return self.slots.get("requested_slot")
