#!/usr/bin/env python3
"""Synthetic FHIR R4 cohort for pre-screening NCT03951597 (advanced unresectable ICC).

Standard library only (Python 3.10).

  generate_cohort.py
      (Re)writes the committed hand-designed cohort under data/synthetic/: one transaction
      Bundle per patient in bundles/, the Group bundle, expected.json and README.md.
      Byte-identical on every run.
  generate_cohort.py --check
      Verifies that the committed files are what this script writes, that expected.json gives
      all 36 criterion ids to every patient with a consistent verdict, and that its coverage
      section shows every status the record alone can produce for every criterion (POSSIBLE).
      Also validates every resource with fhir.resources (R4B) when that package is installed.
  generate_cohort.py --count N --out DIR [--seed S]
      Writes N generated patients gen-000001... (and Group gen-cohort) for benchmarks: the same
      building blocks, realistic values and deviations picked by a seeded random generator.
      The same N and seed give identical files. No expected verdicts for these.

The code lives in the package tools/cohort/: fhir.py (FHIR resource builders, shared with
tests/rules/builders.py), catalogue.py (codes, medicines, laboratory catalogue), record.py (AS_OF
and the Case that renders one record), deviations.py (changes to the clean baseline),
expected.py, stories.py and stories.json (the 44 patients and their hand-designed expected
statuses, an independent oracle for the rules engine), scale.py (--count), files.py and check.py.
"""
from __future__ import annotations

import argparse
import sys

from cohort import check, files, scale, stories
from cohort.record import AS_OF  # noqa: F401  (the README points here for the as-of date)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify the committed cohort and expected.json")
    ap.add_argument("--count", type=int, help="generate N patients (benchmark mode; needs --out)")
    ap.add_argument("--out", help="output folder for --count")
    ap.add_argument("--seed", default="1", help="seed for --count (default 1)")
    args = ap.parse_args(argv)
    if args.check:
        return check.check()
    if args.count is not None:
        if not args.out or args.count < 1:
            ap.error("--count N needs N >= 1 and --out DIR")
        scale.write_scale(args.count, args.out, args.seed)
        return 0
    files.write_files(files.hand_outputs(), check.SYNTH)
    print(f"wrote {len(stories.PATIENTS)} patient bundles, the Group, expected.json and README.md to "
          f"{check.SYNTH.relative_to(check.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
