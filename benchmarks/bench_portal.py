"""Benchmark of the patient intake page (prints figures; not a test).

  .venv/bin/python benchmarks/bench_portal.py [--patients 5] [--fhir-base URL --token T]

Starts the stack with the web front (the embedded cohort as a folder unless --fhir-base is
given), then for each patient, in Debian's Chromium at 360 px: opens the invitation link,
agrees, and times (1) link open -> notice shown, (2) "start" pressed -> first question shown
(the record loaded, the rules run, the first question asked), (3) an answer -> next question.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "web"))

from benchmarks.common import free_port  # noqa: E402
from bot.supervisor import Stack, StackConfig  # noqa: E402
from fhir_ingest.configure import DEMO_AS_OF, demo_folder  # noqa: E402
from web import strings  # noqa: E402
from web.store import PortalStore  # noqa: E402

PATIENTS = ["icc-001", "icc-002", "icc-003", "icc-005", "icc-012", "icc-013", "icc-014", "icc-017"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=5)
    ap.add_argument("--fhir-base")
    ap.add_argument("--token")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    from webutil import CHROMIUM, CHROMIUM_ARGS

    en = strings.portal("en")
    state = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    extra = {"PRESCREEN_STATE_DIR": str(state), "PRESCREEN_TOKEN_SECRET": "bench-" + "x" * 40}
    if args.token:
        extra["PRESCREEN_FHIR_TOKEN"] = args.token
    cfg = StackConfig(
        fhir_base=args.fhir_base,
        fhir_dir=None if args.fhir_base else str(demo_folder()),
        as_of=DEMO_AS_OF,
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        log_dir=state / "logs",
        extra_env=extra,
    )
    store = PortalStore(state / "portal.sqlite3")
    notice, first, turn = [], [], []
    with Stack(cfg) as stack, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for pid in PATIENTS[: args.patients]:
            page = browser.new_context(viewport={"width": 360, "height": 780}).new_page()
            t0 = time.monotonic()
            page.goto(f"{stack.web_url}/portal/i/{store.create_invite(pid, 1, 'en')}")
            page.get_by_role("button", name=en["agree"]).wait_for()
            notice.append(time.monotonic() - t0)
            t1 = time.monotonic()
            page.get_by_role("button", name=en["agree"]).click()
            page.locator("#choices button").first.wait_for(timeout=120_000)
            first.append(time.monotonic() - t1)
            t2 = time.monotonic()
            page.get_by_role("button", name=en["not_sure"]).click()
            page.wait_for_selector("body[data-busy='0']", timeout=120_000)
            turn.append(time.monotonic() - t2)
            page.context.close()
        browser.close()
    source = args.fhir_base or "embedded cohort (folder)"
    print(f"portal, {len(first)} patients, source {source}, Chromium at 360 px")
    for name, values in (
        ("link open -> notice shown", notice),
        ("start pressed -> first question", first),
        ("answer -> next question", turn),
    ):
        print(f"  {name:34s} median {statistics.median(values):.2f} s  max {max(values):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
