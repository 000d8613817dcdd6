"""`retrostudy synth`: write a synthetic hospital extract (the seed study or N patients)."""

from __future__ import annotations

import time


def register(sub) -> None:
    p = sub.add_parser(
        "synth",
        help="write a SYNTHETIC hospital extract (the seed study, or N patients for benchmarks)",
        description=(
            "Write synthetic canonical record tables (one file per table, plus truth.<ext> "
            "with each patient's ground truth). Every patient id starts with 'SYN'."
        ),
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--seed-study",
        action="store_true",
        help="the 51-patient extract calibrated to the seed paper (49 identified, 42 analysed)",
    )
    what.add_argument(
        "--patients", type=int, metavar="N", help="N patients with realistic distributions"
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the tables to")
    p.add_argument("--seed", type=int, default=None, help="random seed (default 2019 / 0)")
    p.add_argument(
        "--format", choices=("csv", "parquet"), default="csv", help="file format (default csv)"
    )
    p.add_argument(
        "--canonical",
        action="store_true",
        help="write normalised tables instead of the raw extract (brand names, duplicates)",
    )
    p.set_defaults(func=_run)


def _run(args) -> int:
    from retrostudy.synth import generate_cohort, generate_seed_study, write_study

    started = time.perf_counter()
    if args.seed_study:
        study = generate_seed_study(seed=2019 if args.seed is None else args.seed)
    else:
        if args.patients < 1:
            raise SystemExit("retrostudy synth: --patients must be at least 1")
        study = generate_cohort(args.patients, seed=0 if args.seed is None else args.seed)
    paths = write_study(study, args.out, fmt=args.format, raw=not args.canonical)
    n = len(study.tables["patients"])
    print(
        f"wrote {len(paths)} files for {n} SYNTHETIC patients to {args.out} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0
