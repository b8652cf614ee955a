"""The shape every action of this chat has.

rasa-sdk calls an action's `name()` and `run(dispatcher, tracker, domain)`. Every action here
starts the same way: it reads the conversation's language and the caller the channel verified,
and most of them the screening in progress. `ChatAction.run` does that once and hands a `Chat`
to the action's own `act`; an action names itself with `action_name`.

The base is abstract (`act`), so rasa-sdk's executor, which registers every concrete subclass
of `Action`, does not register it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import screening_or_say
from actions.language import conversation_lang
from actions.messages import say
from actions.screening import Caller, Screening, caller_of


@dataclass
class Chat:
    """One turn as an action sees it: where to speak, the conversation, its language (the
    `language` slot, the invite's or the message's) and the verified caller (None: not through
    the prescreen channel)."""

    dispatcher: CollectingDispatcher
    tracker: Tracker
    domain: DomainDict
    lang: str
    caller: Caller | None

    def say(self, key: str, **values: Any) -> None:
        """Say a catalogue text (actions/messages) in the conversation's language."""
        self.dispatcher.utter_message(text=say(key, self.lang, **values))

    async def screening(self, nothing: str = "lines.no_screening") -> Screening | None:
        """The screening in progress with its record loaded, or None after saying why there is
        none to work on (`nothing`: what to say when no patient is named)."""
        return await screening_or_say(self.dispatcher, self.tracker, nothing)


class ChatAction(Action, ABC):
    action_name: ClassVar[str]

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        chat = Chat(dispatcher, tracker, domain, conversation_lang(tracker), caller_of(tracker))
        return await self.act(chat)

    @abstractmethod
    async def act(self, chat: Chat) -> list[EventType]:
        """The action's work this turn; its events."""
