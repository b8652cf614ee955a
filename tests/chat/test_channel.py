"""bot/rasa_channel.py runs inside Rasa (.venv-rasa): its token check and its reply shape, in a
Rasa interpreter (the HTTP behaviour is in tests/e2e)."""

from __future__ import annotations

import subprocess
import textwrap

from bot.access.tokens import issue
from bot.supervisor import ROOT, quiet_env, rasa_python

SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from bot.rasa_channel import PrescreenInput, WholeMessageCollector, bearer_claims
    from bot.access.tokens import InvalidToken
    assert PrescreenInput.name() == "prescreen"
    claims = bearer_claims("Bearer " + sys.argv[1])
    assert (claims.sub, claims.role) == ("dr-x", "clinician"), claims
    for header in (None, "", "Basic abc", "Bearer", "Bearer nonsense"):
        try:
            bearer_claims(header)
        except InvalidToken:
            continue
        raise AssertionError(f"accepted {header!r}")
    c = WholeMessageCollector()
    reply = {"text": "a\\n\\nVerdict: ineligible", "custom": {"verdict": "ineligible"}}
    asyncio.run(c.send_response("dr-x", dict(reply)))
    assert c.messages == [{"recipient_id": "dr-x", "text": "a\\n\\nVerdict: ineligible",
                           "custom": {"verdict": "ineligible"}}], c.messages
    print("ok")
""")


def test_channel_in_the_rasa_interpreter(tmp_path, monkeypatch):
    monkeypatch.setenv("PRESCREEN_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("PRESCREEN_TOKEN_SECRET", raising=False)
    token = issue("clinician", user="dr-x")
    env = quiet_env()
    out = subprocess.run(
        [str(rasa_python()), "-c", SCRIPT, token],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]
