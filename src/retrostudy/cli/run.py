"""`retrostudy run`: run a study from its protocol file and write the report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from retrostudy.cli.output import finish_progress, log, progress, say
from retrostudy.warning_codes import check_codes, code_of

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

Output: the summary on stdout (--json: one JSON object), steps and warnings on stderr, one
line each; -q prints only errors, -v adds per-item progress. Warnings carry a code
(RS-W...) that --silence hides from the console (docs/warnings.md).

Exit codes: 0 done; 2 a usage error, or a problem with the protocol or the data (each
problem is listed with the file, row and column to fix); 3 the report could not be written
(--out is a file or a folder of other files, read-only, disk full: the previous report is
left as it was); 130 interrupted; 141 the reader of stdout went away (| head).
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
    p.add_argument(
        "--json",
        action="store_true",
        help="print a machine-readable summary (JSON) on stdout instead of the text one",
    )
    p.add_argument(
        "--silence",
        action="append",
        default=[],
        metavar="CODE",
        help="do not print warnings with this code on the console (e.g. RS-W012; repeat "
        "for several); the report still lists every warning (docs/warnings.md)",
    )


def run_and_summarise(protocol: Path, args) -> int:
    from retrostudy.pipeline import run_study

    silenced = check_codes(args.silence)
    try:
        result = run_study(
            protocol, engine=args.engine, out=args.out, profile=args.profile, progress=progress,
            patient_level=getattr(args, "patient_level", None),
        )
    finally:
        finish_progress()
    summary = summarise(result, Path(args.out))
    _log_warnings(summary["warnings"], silenced)
    if args.json:
        say(json.dumps(summary, ensure_ascii=False, sort_keys=True))
    elif args.verbosity >= 0:
        for line in summary_lines(summary):
            say(line)
    return 0


def summarise(result, out: Path) -> dict:
    """The run's summary as plain JSON types (``--json``; the text lines are made from it)."""
    from retrostudy.report import fmt

    an = result.analyses
    label = an.group_labels.get
    data_warnings = [f"{finding.problem}" for finding in getattr(result.load, "problems", ())
                     if finding.severity == "warning"]  # data-folder entries not read, ...
    # the records behind the endpoint plausibility rules (a response before index, an
    # unusual age), each naming patient, file and row: on the console, never in the report
    record_warnings = [str(p) for p in getattr(result.endpoints, "issues", ())
                       if p.patient is not None]
    return {
        "patients_analysed": len(result.dataset),
        "groups": [{"group": g, "label": label(g, g), "n": int(an.n[g])} for g in an.groups],
        "endpoints": [
            {
                "endpoint": ep.endpoint,
                "label": ep.label,
                "median_months": {g.group: fmt.estimate_ci(*g.median) for g in ep.groups},
                "logrank_p": ep.logrank.p_value,
                "logrank_p_text": fmt.p_value(ep.logrank.p_value, missing="NE"),
            }
            for ep in an.endpoints
        ],
        "warnings": [{"code": code_of(w), "message": w}
                     for w in (*an.warnings, *data_warnings, *record_warnings)],
        "out": str(out),
        "report": str(out / "report.html"),
        "files": [str(f) for f in result.files],
        "patient_level": (str(result.patient_level_files[0].parent)
                          if result.patient_level_files else None),
    }


def summary_lines(summary: dict) -> list[str]:
    groups = ", ".join(f"{g['label']} {g['n']}" for g in summary["groups"])
    lines = [f"{summary['patients_analysed']} patients analysed ({groups})"]
    labels = {g["group"]: g["label"] for g in summary["groups"]}
    for ep in summary["endpoints"]:
        medians = "; ".join(f"{labels.get(g, g)} {m}" for g, m in ep["median_months"].items())
        lines.append(f"{ep['label']}: median months {medians}; log-rank p = "
                     f"{ep['logrank_p_text']}")
    lines.append(f"Report written to {summary['out']} (open {summary['report']})")
    if summary["patient_level"]:
        lines.append(f"Patient-level data WITH IDENTIFIERS written to "
                     f"{summary['patient_level']} (not for sharing)")
    return lines


def _log_warnings(warnings: list[dict], silenced: frozenset[str]) -> None:
    for w in warnings:
        if w["code"] not in silenced:
            log.warning(w["message"], extra={"code": w["code"]})


def _run(args) -> int:
    return run_and_summarise(Path(args.protocol), args)
