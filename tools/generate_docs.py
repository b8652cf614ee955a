"""Write docs/criteria.md from the trial data (`make docs`); `--check` fails when it is stale.

    python tools/generate_docs.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eligibility.describe import render

TARGET = Path(__file__).resolve().parent.parent / "docs" / "criteria.md"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="exit 1 if docs/criteria.md is not up to date")
    args = p.parse_args(argv)
    text = render()
    if args.check:
        if not TARGET.is_file() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
