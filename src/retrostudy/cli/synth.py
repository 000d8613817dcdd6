"""`retrostudy synth`: write a synthetic hospital extract (the seed study or N patients).

With ``--omop`` the same records are written as an OMOP CDM v5.4 instead (a DuckDB file
or a folder of Parquet files; :mod:`retrostudy.synth.omop`), built and written one OMOP
table at a time so a million patients fit in memory.
"""

from __future__ import annotations

import time
from pathlib import Path

from retrostudy.cli.output import say
from retrostudy.cli.usage import UsageError

DATABASE_SUFFIXES = (".duckdb", ".db")
OMOP_DATABASE = "omop.duckdb"


def register(sub) -> None:
    p = sub.add_parser(
        "synth",
        help="write a SYNTHETIC hospital extract (the seed study, or N patients for benchmarks)",
        description=(
            "Write synthetic canonical record tables (one file per table, plus truth.<ext> "
            "with each patient's ground truth), or with --omop the same records as an OMOP "
            "CDM v5.4. Every patient id starts with 'SYN'."
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
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help=f"folder to write the tables to (with --omop --format duckdb: a .duckdb file, "
        f"or a folder that gets {OMOP_DATABASE})",
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default 2019 / 0)")
    p.add_argument(
        "--format",
        choices=("csv", "parquet", "duckdb"),
        default=None,
        help="file format: csv (default) or parquet; with --omop duckdb (default) or parquet",
    )
    p.add_argument(
        "--canonical",
        action="store_true",
        help="write normalised tables instead of the raw extract (brand names, duplicates)",
    )
    p.add_argument(
        "--omop",
        action="store_true",
        help="write an OMOP CDM v5.4 (person, drug_exposure, measurement, ..., concept, "
        "concept_ancestor) instead of the record tables",
    )
    p.add_argument(
        "--episodes",
        action="store_true",
        help="with --omop: also write the oncology episode/episode_event tables (a Disease "
        "Progression episode per PD assessment, a Treatment Regimen episode per line of "
        "therapy linked to its drug_exposure rows)",
    )
    p.set_defaults(func=_run)


def _run(args) -> int:
    from retrostudy.synth import generate_cohort, generate_seed_study, write_study

    fmt = args.format or ("duckdb" if args.omop else "csv")
    if fmt == "duckdb" and not args.omop:
        raise UsageError("--format duckdb needs --omop (records: csv or parquet)")
    if fmt == "csv" and args.omop:
        raise UsageError("--omop writes --format duckdb or parquet, not csv")
    if args.episodes and not args.omop:
        raise UsageError("--episodes needs --omop")
    started = time.perf_counter()
    if args.seed_study:
        study = generate_seed_study(seed=2019 if args.seed is None else args.seed)
    else:
        if args.patients < 1:
            raise UsageError("--patients must be at least 1")
        study = generate_cohort(args.patients, seed=0 if args.seed is None else args.seed)
    n = len(study.tables["patients"])
    if args.omop:
        target = _write_omop(study, args.out, fmt, args.episodes)
        if args.verbosity >= 0:  # -q: nothing but errors
            say(f"wrote an OMOP CDM ({fmt}) for {n} SYNTHETIC patients to {target} "
                f"in {time.perf_counter() - started:.1f} s")
        return 0
    paths = write_study(study, args.out, fmt=fmt, raw=not args.canonical)
    if args.verbosity >= 0:
        say(f"wrote {len(paths)} files for {n} SYNTHETIC patients to {args.out} "
            f"in {time.perf_counter() - started:.1f} s")
    return 0


def _write_omop(study, out: str, fmt: str, episodes: bool = False) -> Path:
    from retrostudy.synth.omop import omop_tables
    from retrostudy.synth.omop_cdm import write_omop

    target = Path(out)
    if fmt == "duckdb" and target.suffix.lower() not in DATABASE_SUFFIXES:
        target = target / OMOP_DATABASE
    write_omop(omop_tables(study.tables, episodes=episodes), target, format=fmt)
    return target
