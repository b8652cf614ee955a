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
