"""The Rasa-side speed-up (bot/rasa_channel.py precompile_action_validation) keeps Rasa's
validation of action server answers: valid ones pass, invalid ones raise as before."""

from __future__ import annotations

import textwrap

from svc import in_rasa

SCRIPT = textwrap.dedent("""
    import jsonschema, time
    from rasa.core.actions.action import RemoteAction
    import bot.rasa_channel  # applies the patch
    assert RemoteAction._prescreen_precompiled
    ok = {"events": [{"event": "slot", "name": "patient_id", "value": "x", "timestamp": None}],
          "responses": [{"text": "hi"}]}
    assert RemoteAction._validate_action_result(RemoteAction, ok) is True
    for bad in ({"events": [{"event": "no-such-event"}]}, {"events": "nope"}, {"responses": [1]}):
        try:
            RemoteAction._validate_action_result(RemoteAction, bad)
        except jsonschema.ValidationError as e:
            assert "Failed to validate Action server response" in e.message
            continue
        raise AssertionError(f"accepted {bad}")
    print("ok")
""")


def test_action_answers_are_still_validated():
    in_rasa(SCRIPT)


EQUIVALENCE = textwrap.dedent("""
    import copy, jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core import events as ev
    from bot.rasa_channel import fast_response_check

    schema = RemoteAction.action_response_format_spec()
    full = jsonschema.validators.validator_for(schema)(schema)
    fast = fast_response_check(schema)
    samples = [
        ev.UserUttered("hi", {"name": "greet", "confidence": 0.9}, [{"entity": "x", "value": "1"}]),
        ev.BotUttered("hello", {"buttons": []}), ev.SlotSet("patient_id", "icc-001"),
        ev.ActionExecuted("action_listen"), ev.ActiveLoop("screening_form"), ev.ActiveLoop(None),
        ev.Restarted(), ev.SessionStarted(), ev.AllSlotsReset(), ev.ReminderScheduled("greet", None),
        ev.ReminderCancelled(), ev.ConversationPaused(), ev.ConversationResumed(),
        ev.FollowupAction("action_listen"), ev.UserUtteranceReverted(), ev.ActionReverted(),
        ev.StoryExported(), ev.LoopInterrupted(True), ev.ActionExecutionRejected("a"),
        ev.AgentUttered("x"), ev.EntitiesAdded([{"entity": "e", "value": "v"}]),
        ev.DefinePrevUserUtteredFeaturization(False),
    ]
    valid = []
    for e in samples:
        try:
            valid.append(e.as_dict())
        except Exception:
            pass
    assert len(valid) >= 18, len(valid)
    odd = [None, 1, 2.5, "x", [], {}, True, ["a"], {"a": 1}]
    cases = [{"events": [d], "responses": [{"text": "t"}]} for d in valid]
    for d in valid:
        for key in list(d) + ["event", "timestamp", "metadata", "name", "value", "text"]:
            for value in odd:
                bad = copy.deepcopy(d)
                bad[key] = value
                cases.append({"events": [bad]})
            gone = copy.deepcopy(d)
            gone.pop(key, None)
            cases.append({"events": [gone]})
    cases += [{}, {"events": []}, {"events": None}, {"events": [1]}, {"events": [[]]},
              {"responses": "x"}, {"responses": [{"text": "a"}, 2]}, [], "x", {"events": valid}]
    agree = sum(fast(c) == full.is_valid(c) for c in cases)
    assert agree == len(cases), [c for c in cases if fast(c) != full.is_valid(c)][:3]
    n_valid = sum(full.is_valid(c) for c in cases)
    assert 0 < n_valid < len(cases)
    print("ok", len(cases), n_valid)
""")


def test_the_fast_check_decides_exactly_as_rasas_schema():
    """Rasa's events, valid and mutated field by field: the per-event check and jsonschema over
    the whole schema agree on every one."""
    print(in_rasa(EQUIVALENCE).strip())


PENDING = textwrap.dedent("""
    import time
    from rasa.shared.core.constants import ACTION_LISTEN_NAME as L
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from bot.rasa_channel import pending_text

    def turn(text, *said):
        out = [UserUttered(text), ActionExecuted("a")]
        for s in said:
            out.append(BotUttered(s, data={"custom": {"loading": True}} if s == "loading" else {}))
        return out + [ActionExecuted(L), SlotSet("requested_slot", "q"), ActionExecuted(L)]  # undone

    base = [ActionExecuted(L)] + turn("hi", "hello")
    assert pending_text(base) is None
    assert pending_text(base + turn("screen icc-001", "loading")) == "screen icc-001"
    # the form asked its question again after "loading": still a turn that waits
    assert pending_text(base + turn("all apply", "loading", "icc-001: about the tumour")) == "all apply"
    assert pending_text(base + turn("yes", "loading") + turn("yes", "loading")) == "yes"  # still loading
    assert pending_text(base + turn("yes", "loading") + turn("yes")) == "yes"  # then no reply (503)
    assert pending_text(base + turn("yes", "loading") + turn("yes", "Patient icc-002")) is None
    assert pending_text(base + turn("x")) is None  # a 503 alone replays nothing
    assert pending_text(base + turn("yes", "loading"), now=time.time() + 3600) is None  # too late
    print("ok")
""")


def test_the_message_waiting_for_its_record_is_read_from_the_events():
    in_rasa(PENDING)
