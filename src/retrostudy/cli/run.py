"""`retrostudy run`: run a study from its protocol file and write the report."""

from __future__ import annotations

import argparse
from pathlib import Path

DESCRIPTION = """\
Run the whole study described by a protocol file (study.toml): read the hospital records,
build the cohort with its flow chart, derive the endpoints (PFS, response, ...), run the
statistics and write the report.

The output folder receives:
  report.html      the full report (open it in any browser; prints well)
  report.docx      the same report for Word, with journal-style tables
  results.json     every number of the report, machine-readable (identical on re-runs)
  tables/*.csv     each table, for spreadsheets
  figures/*        each figure as PNG, SVG and PDF
  run-info.json    when the run happened and how long it took

The report is written beside the folder and moved into place when complete: the folder
holds the whole new report or, if the run fails, the previous one (a rerun replaces it).
"""

EPILOG = """\
examples:
  retrostudy run study.toml --out report
  retrostudy run study.toml --out report-sas --profile sas
  retrostudy run study.toml --out report --engine spark     (needs retrostudy[spark], Java)

Profiles choose the statistical conventions of the software reviewers compare with:
  r    R survival (log CI for Kaplan-Meier, Efron ties)       [default]
  sas  SAS (log-log CI, Breslow ties)
  ezr  EZR (log-log CI, Breslow ties, Yates-corrected chi-square)

Exit codes: 0 done; 2 a problem with the protocol or the data (each problem is listed with
the file, row and column to fix); 3 the report could not be written (--out is a file or a
folder of other files, read-only, disk full: the previous report is left as it was);
130 interrupted.
"""


def register(sub) -> None:
    p = sub.add_parser(
        "run",
        help="run a study from its protocol file and write the report",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p)
    p.add_argument(
        "--patient-level",
        action="store_true",
        default=None,
        help="also write the analysis dataset and the excluded patients (CSV and Parquet, "
        "WITH patient identifiers) into DIR-patient-level-IDENTIFIABLE/ beside the report "
        "(default: the protocol's [report] patient_level, else off)",
    )
    p.add_argument("protocol", metavar="STUDY.TOML", help="the study's protocol file")
    p.set_defaults(func=_run)


def add_common(p, default_out: str = "report") -> None:
    p.add_argument(
        "--out",
        metavar="DIR",
        default=default_out,
        help=f"folder for the report files (created; default: ./{default_out})",
    )
    p.add_argument(
        "--engine",
        default=None,
        metavar="ENGINE",
        help="where the records are queried: duckdb (in memory), duckdb:///path.db, spark "
        "(local, or the cluster of [data.spark]), spark://host:port or an Ibis URL such as "
        "postgres://user@host/db (default: the protocol's [data] engine, else duckdb); "
        "results are identical on every engine",
    )
    p.add_argument(
        "--profile",
        choices=["r", "sas", "ezr"],
        default=None,
        help="statistical conventions (default: the protocol's, else r)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def run_and_summarise(protocol: Path, args) -> int:
    from rich.console import Console

    from retrostudy.pipeline import run_study

    console = Console(stderr=True, highlight=False, quiet=args.quiet)
    with console.status("Starting", spinner="dots") as status:

        def progress(message: str) -> None:
            status.update(message + " ...")
            console.log(message, markup=False)

        result = run_study(
            protocol, engine=args.engine, out=args.out, profile=args.profile, progress=progress,
            patient_level=getattr(args, "patient_level", None),
        )
    summarise(console, result, Path(args.out))
    return 0


def summarise(console, result, out: Path) -> None:
    from retrostudy.analysis import fmt

    an = result.analyses
    groups = ", ".join(f"{an.group_labels.get(g, g)} {an.n[g]}" for g in an.groups)
    console.print(f"[bold]{len(result.dataset)} patients analysed[/] ({groups})")
    for ep in an.endpoints:
        medians = "; ".join(
            f"{an.group_labels.get(g.group, g.group)} {fmt.estimate_ci(*g.median)}"
            for g in ep.groups
        )
        console.print(
            f"{ep.label}: median months {medians}; log-rank p = "
            f"{fmt.p_value(ep.logrank['p_value'], missing='NE')}",
            markup=False,
        )
    for w in an.warnings:
        console.print(f"[yellow]warning[/]: {w}")
    for finding in getattr(result.load, "problems", ()):  # data-folder entries not read, ...
        if finding.severity == "warning":
            console.print(f"warning: {finding.problem}", markup=False)
    console.print(f"Report written to [bold]{out}/[/] (open {out / 'report.html'})")
    if result.patient_level_files:
        folder = result.patient_level_files[0].parent
        console.print(f"[bold red]Patient-level data WITH IDENTIFIERS[/] written to {folder}/ "
                      "(not for sharing)", markup=True)


def _run(args) -> int:
    return run_and_summarise(Path(args.protocol), args)
