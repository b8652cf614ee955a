"""The Rasa-side speed-up (bot/rasa_channel.py precompile_action_validation) keeps Rasa's
validation of action server answers: valid ones pass, invalid ones raise as before."""

from __future__ import annotations

import subprocess
import textwrap

from bot.supervisor import ROOT, quiet_env, rasa_python

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
    out = subprocess.run(
        [str(rasa_python()), "-c", SCRIPT],
        cwd=ROOT,
        env=quiet_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]


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
    out = subprocess.run(
        [str(rasa_python()), "-c", PENDING],
        cwd=ROOT,
        env=quiet_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]
