"""Time the synthetic records -> OMOP CDM conversion (``canonical_to_omop``).

    PYTHONPATH=src python benchmarks/bench_synth_omop.py --patients 100000

The conversion is vectorised: 100,000 synthetic patients (over 4 million OMOP rows) convert
in well under the 30 s budget printed beside the time, where a row-wise loop would take
minutes. This was a test (tests/synth/test_omop.py) until the suite was made fast: a
wall-clock threshold measures the machine as much as the code, so it lives here, where the
machine and its load are printed with the number.
"""

from __future__ import annotations

import argparse
import time

from _common import machine

from retrostudy.synth import generate_cohort
from retrostudy.synth.omop import canonical_to_omop

BUDGET_SECONDS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    tables = generate_cohort(args.patients, seed=args.seed).tables
    started = time.perf_counter()
    omop = canonical_to_omop(tables)
    elapsed = time.perf_counter() - started
    rows = sum(len(f) for f in omop.values())
    verdict = "within" if elapsed < BUDGET_SECONDS else "OVER"
    print(f"{machine()}")
    print(f"{args.patients:,} patients -> {rows:,} OMOP rows in {elapsed:.1f} s "
          f"({verdict} the {BUDGET_SECONDS:g} s budget)")


if __name__ == "__main__":
    main()
