"""The tracker store inside Rasa (bot/tracker_store.py): what it keeps in memory and writes in one
insert must be what Rasa's own SQLTrackerStore would read back, also when another Rasa server
(a second store on the same database) writes to the conversation in between."""

from __future__ import annotations

import textwrap

from svc import in_rasa

SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
    from bot.tracker_store import CachedSQLTrackerStore

    domain = Domain.from_yaml('''
    version: "3.1"
    intents: [greet]
    slots:
      patient_id: {type: text, influence_conversation: false, mappings: [{type: custom}]}
    ''')
    db = sys.argv[1]

    def store(cls):
        return cls(domain, dialect="sqlite", db=db)

    def user(text):
        return UserUttered(text, {"name": "greet", "confidence": 1.0})

    async def events(s, sender):
        t = await s.retrieve(sender)
        return [e.as_dict() for e in t.events] if t else None

    async def main():
        a, b, plain = store(CachedSQLTrackerStore), store(CachedSQLTrackerStore), store(SQLTrackerStore)
        t = await a.retrieve("c1")
        assert t is None
        t = a.init_tracker("c1")
        t.update(ActionExecuted("action_listen"))
        t.update(user("hello"))
        await a.save(t)
        t = await a.retrieve("c1")
        t.update(SlotSet("patient_id", "icc-001"))
        t.update(ActionExecuted("action_listen"))
        await a.save(t)
        assert (await a.retrieve("c1")) is t, "an unchanged conversation is served from memory"
        assert await events(a, "c1") == await events(plain, "c1")
        # Another server appends: the first one sees it at once.
        u = await b.retrieve("c1")
        u.update(user("second server"))
        await b.save(u)
        seen = await a.retrieve("c1")
        assert seen is not t and [e.get("text") for e in await events(a, "c1")][-1] == "second server"
        assert await events(a, "c1") == await events(plain, "c1")
        # A turn that failed after changing the cached tracker: rebuilt, not served half-done.
        seen.update(SlotSet("patient_id", "icc-999"))
        again = await a.retrieve("c1")
        assert again is not seen and again.get_slot("patient_id") == "icc-001"
        # Saves after a rebuild add each event once.
        again.update(user("third"))
        await a.save(again)
        await a.save(again)
        got = await events(plain, "c1")
        said = [e.get("text") for e in got if e["event"] == "user"]
        assert said == ["hello", "second server", "third"], got
        # A new session: Rasa's rebuild holds only it; so does ours afterwards.
        s = await a.retrieve("c1")
        s.update(ActionExecuted("action_session_start"))
        s.update(SessionStarted())
        s.update(ActionExecuted("action_listen"))
        await a.save(s)
        assert await events(a, "c1") == await events(plain, "c1")
        assert len(await events(a, "c1")) == 2
        print("ok")

    asyncio.run(main())
""")


def test_memory_and_one_insert_read_back_as_rasa_reads(tmp_path):
    in_rasa(SCRIPT, str(tmp_path / "trackers.db"))
