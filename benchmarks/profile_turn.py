"""Where a turn's time goes: the stack under cProfile (stdlib), 10 conversations of 8 turns, then
the top functions by own time and by cumulative time in Rasa and in the action server.

  .venv/bin/python benchmarks/profile_turn.py [--conversations 10] [--top 25]

Profiles the main thread of each process (Rasa's event loop, the action server's); record loads
run in a worker thread and show up as waiting (asyncio / to_thread) there.
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.chat_load import OUR_PATIENTS, OUR_SCRIPT, our_sender, our_stack, run_load  # noqa: E402


def top(path: Path, n: int, key: str) -> str:
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.strip_dirs().sort_stats(key).print_stats(n)
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conversations", type=int, default=10)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    os.environ.setdefault("PRESCREEN_STATE_DIR", tempfile.mkdtemp(prefix="prescreen-profile-state-"))
    folder = Path(tempfile.mkdtemp(prefix="prescreen-profile-"))
    os.environ["PRESCREEN_PROFILE_DIR"] = str(folder)
    stack = our_stack(1)
    stack.start(say=lambda m: print(m, file=sys.stderr))
    try:
        send = our_sender(stack)
        res = run_load(
            send,
            args.conversations,
            len(OUR_SCRIPT),
            lambda i: f"pre-screen patient {OUR_PATIENTS[i % len(OUR_PATIENTS)]}",
            OUR_SCRIPT,
        )
        print(res.line("prescreen (profiled)", args.conversations))
    finally:
        stack.stop()
    for name in ("rasa", "actions"):
        prof = folder / f"{name}.prof"
        if not prof.is_file():
            print(f"{name}: no profile written")
            continue
        print(f"===== {name}: by own time =====")
        print(top(prof, args.top, "tottime"))
        print(f"===== {name}: by cumulative time =====")
        print(top(prof, args.top, "cumulative"))


if __name__ == "__main__":
    main()
