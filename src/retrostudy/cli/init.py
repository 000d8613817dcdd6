"""``retrostudy init EXTRACT``: scan an unknown extract and write a working study.toml.

The engine is :mod:`retrostudy.data.scan`; this module only gathers answers (a JSON file,
flags, and prompts when a terminal is attached), writes the file and prints the check.
Prompts go through one ``ask(question, default) -> str`` function so they are tested with
injected input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from retrostudy.errors import Problem, RetroStudyError

Ask = Callable[[str, str], str]

DESCRIPTION = """\
Scan every file and sheet of a hospital extract (a folder of CSV/Excel/Parquet files, or
one workbook), propose which canonical table each one is and which header is which
column (English and Japanese headers, dates, identifiers, drug, response and biomarker
spellings), and write study.toml with every decision commented. Then check the study as
'retrostudy run' would and say what is left to decide.

With a terminal attached it asks about the index drug, unknown spellings and unsure
tables; without one (or with --yes) it takes its own best guesses.
"""

EPILOG = """\
examples:
  retrostudy init extract/                       # writes ./study.toml beside extract/
  retrostudy init extract.xlsx --index-drug "trastuzumab emtansine" --out study.toml
  retrostudy init extract/ --answers answers.json --yes --force
  retrostudy init extract/ --json                # the scan report, machine-readable

Exit codes: 0 written and checked; 2 written but the check found problems (listed), or
the file exists (use --force).
"""


def register(sub) -> None:
    p = sub.add_parser("init", help="scan an extract and write a working study.toml",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("extract", metavar="EXTRACT", help="folder of files or an .xlsx workbook")
    p.add_argument("--out", metavar="STUDY.TOML",
                   help="where to write (default: study.toml beside EXTRACT)")
    p.add_argument("--answers", metavar="JSON", help="answers file (docs/init.md)")
    p.add_argument("--index-drug", help="the index drug (default: asked, else the "
                   "antineoplastic most patients received)")
    p.add_argument("--title", help="the study title")
    p.add_argument("--yes", action="store_true", help="ask nothing: take the best guesses")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--json", action="store_true",
                   help="print the scan report as JSON and write nothing")
    p.set_defaults(func=_run)


def _answers(args):
    from retrostudy.data.scan.answers import Answers, read_answers

    answers = read_answers(args.answers) if args.answers else Answers()
    if args.index_drug:
        answers = replace(answers, index_drug=args.index_drug)
    if args.title:
        answers = replace(answers, title=args.title)
    return answers


def _run(args, ask: Ask | None = None, out=print) -> int:
    from retrostudy.data.scan.model import as_plain
    from retrostudy.data.scan.study import default_out, propose

    target = Path(args.out) if args.out else default_out(args.extract)
    if not Path(args.extract).exists():
        raise RetroStudyError(Problem(message="extract not found", file=args.extract,
                                      hint="give a folder of files or an .xlsx workbook"))
    if target.exists() and not args.force and not args.json:
        raise RetroStudyError(Problem(message="file exists; not overwritten", file=str(target),
                                      hint="use --force, or --out another file"))
    answers = _answers(args)
    proposal = propose(args.extract, answers, out=target)
    if args.json:
        out(json.dumps(as_plain(proposal.report), ensure_ascii=False, indent=2))
        return 0
    if ask is None and not args.yes and sys.stdin.isatty():
        ask = _terminal_ask
    if ask is not None:
        answers = interview(proposal.report, answers, ask)
        proposal = propose(args.extract, answers, out=target)
    target.write_text(proposal.text, encoding="utf-8")
    out(f"wrote {_shown(target)}")
    return _check(target, _notes(proposal, answers), out)


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _notes(proposal, answers) -> list[str]:
    """The scan's notes, less those the answers settled, plus the missing groups."""
    notes = [n for n in proposal.report.notes
             if not (n.startswith("The index drug was guessed") and answers.index_drug)
             and not (n.startswith("The groups were guessed") and "groups" in answers.blocks)]
    if "\n[groups]\n" not in proposal.text:
        notes.append("No comparison groups were found or given: define [groups] (a study "
                     "compares at least two); docs/protocol.md shows how.")
    return notes


def _terminal_ask(question: str, default: str) -> str:
    reply = input(f"{question} [{default}]: " if default else f"{question}: ").strip()
    return reply or default


def interview(report, answers, ask: Ask):
    """Ask about the index drug, unknown spellings and unsure tables; return the answers."""
    if answers.index_drug is None and "index" not in answers.blocks:
        top = [u.ingredient for u in report.drugs if u.drug_class not in ("supportive", "other")]
        if top:
            drug = ask(f"Index drug (most patients: {', '.join(top[:5])})", report.index_drug)
            answers = replace(answers, index_drug=drug or None)
    drugs, responses = list(answers.drugs), dict(answers.responses)
    for spelling in report.unknown:
        default = spelling.suggestions[0] if spelling.suggestions else ""
        question = (f"{spelling.domain} {spelling.value!r} ({spelling.count} records) means "
                    "(blank: set it aside)")
        reply = ask(question, default)
        if reply and spelling.domain == "drug":
            drugs.append({"name": spelling.value, "ingredient": reply})
        elif reply and spelling.domain == "response":
            responses[spelling.value] = reply
    tables = dict(answers.tables)
    for source in report.sources:
        if source.table and source.table not in tables and source.confidence < 0.6:
            reply = ask(f"Is {source.label} the {source.table} table? (y/n)", "y")
            if reply.lower().startswith("n"):
                tables[source.table] = None
    return replace(answers, drugs=tuple(drugs), responses=responses, tables=tables)


def _check(target: Path, notes: list[str], out) -> int:
    from retrostudy.data.scan.study import check_study

    check = check_study(target)
    if check.protocol_problems:
        out("The protocol does not read yet:")
        out("\n".join(f"  - {p}" for p in check.protocol_problems))
    elif check.load is not None:
        load = check.load
        out("Records: " + "; ".join(f"{t} {c.loaded:,} loaded"
                                     + (f", {c.rejected:,} set aside" if c.rejected else "")
                                     for t, c in load.counts.items()))
        errors = [f for f in load.problems if f.severity == "error"]
        for finding in errors[:10]:
            out(f"  error: {finding.problem}")
    if check.ok and not notes:
        out("Nothing left to decide from the data. Read the CHECK lines of the file, then:"
            f"\n  retrostudy run {_shown(target)} --out report")
        return 0
    out("Left to decide:")
    out("\n".join(f"  - {n}" for n in notes) or "  - the errors above")
    if check.ok:
        out("The protocol and the records read without errors; settle the points above, "
            f"then: retrostudy run {_shown(target)} --out report")
    return 0 if check.ok else 2
