"""`prescreen demo` without a terminal: the whole stack with the web front starts, the demo
prints where to open the pages (the clinician page with a token, a patient's one-time link),
plays its sample conversation through the front's webhook, and stops."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from webutil import free_port

from bot.access.tokens import verify
from web.store import PortalStore

PRESCREEN = str(Path(sys.executable).parent / "prescreen")


def test_demo_prints_where_to_open_the_pages(tmp_path):
    port, rasa, actions = free_port(), free_port(), free_port()
    secret = "demo-test-" + "k" * 40
    env = dict(os.environ, PRESCREEN_STATE_DIR=str(tmp_path), PRESCREEN_TOKEN_SECRET=secret)
    env.pop("PRESCREEN_PUBLIC_URL", None)
    out = subprocess.run(
        [PRESCREEN, "demo", "--port", str(port), "--rasa-port", str(rasa), "--action-port", str(actions)],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    assert f"http://127.0.0.1:{port}/clinician" in text
    token = re.search(r"sign in with this demo token \(valid 12 h\): (\S+)", text).group(1)
    assert verify(token, secret).role == "clinician"
    link = re.search(rf"http://127\.0\.0\.1:{port}/portal/i/([A-Za-z0-9_-]+)", text)
    assert link, text
    assert PortalStore(tmp_path / "portal.sqlite3").invite_state(link.group(1)).status == "valid"
    assert f"POST http://127.0.0.1:{port}/webhooks/prescreen/webhook" in text
    assert "bot> " in text  # the sample conversation went through the front to Rasa and back
    assert "icc-001" not in link.group(0)
