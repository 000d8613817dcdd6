"""Write a study.toml from a scan: the ``[data]`` block with every decision commented, a
cohort skeleton and the model study's endpoints and analyses as generic defaults.

The ``[data]`` block uses only what the protocol supports (``[data.tables.<table>]`` with
``file``, ``sheet``, ``columns``, ``date_format``; ``[[data.drugs]]``;
``[data.responses]``; ``[data.policy]``). Each table says which source it comes from, why,
and with what confidence; each column the reason for its header; each date format the
columns it was detected in.
"""

from __future__ import annotations

import json
import unicodedata

from retrostudy.data.scan.answers import Answers
from retrostudy.data.scan.defaults import default_blocks
from retrostudy.data.scan.model import ScanReport, SourceScan
from retrostudy.data.scan.notes import _records
from retrostudy.data.scan.tomlout import blocks, key, table, value
from retrostudy.data.schema import TABLES


def write_study(report: ScanReport, answers: Answers | None = None, *, data_path: str,
                extract_is_workbook: bool = False) -> str:
    """The study.toml text; ``data_path`` is ``[data] path`` (relative to the study file)."""
    answers = answers or Answers()
    lines = [
        "# study.toml written by `retrostudy init` from a scan of the extract.",
        "# Every [data] decision says why it was taken and how sure the scan was (0-1).",
        "# Check the lines marked CHECK, then run: retrostudy run study.toml --out report",
        "# Each key is documented in docs/protocol.md and docs/data-model.md.",
        "",
    ]
    chosen = default_blocks(report, answers)
    study = chosen.pop("study")
    lines += [*blocks({"study": study[1]})]
    lines += data_lines(report, answers, data_path, extract_is_workbook)
    for name, (comments, body) in chosen.items():
        lines += [*(f"# {c}" for c in comments), *(blocks({name: body}) if body else [""])]
    return "\n".join(lines).rstrip() + "\n"


def data_lines(report: ScanReport, answers: Answers, data_path: str,
               workbook: bool) -> list[str]:
    lines = ["# ---- data ----------------------------------------------------------------",
             "[data]", f"path = {value(data_path)}", ""]
    for name in TABLES:
        if name in answers.tables:
            config = answers.tables[name]
            if config is None:
                lines += [f"# {name}: left out (answer)", ""]
            else:
                lines += ["# from the answers", *table(f"data.tables.{name}", dict(config)), ""]
            continue
        source = report.table(name)
        if source is None:
            lines += [f"# {name}: no source found; the table loads empty.", ""]
            continue
        lines += _table_lines(name, source, workbook) + [""]
    unused = [s for s in report.sources if s.table is None]
    for source in unused:
        lines.append(f"# not used: {source.label}: {source.reason}")
    if unused:
        lines.append("")
    lines += _vocabulary_lines(report, answers)
    return lines


def _table_lines(name: str, source: SourceScan, workbook: bool) -> list[str]:
    flag = " CHECK" if source.confidence < 0.6 else ""
    out = [f"# {name} <- {source.label}, {source.rows} rows (confidence "
           f"{source.confidence:.2f}{flag}):",
           f"#   {_scores(source)}",
           f"[data.tables.{name}]"]
    if not workbook:
        out.append(f"file = {value(source.file)}")
    if source.sheet is not None:
        out.append(f"sheet = {value(source.sheet)}")
    formats, why = _date_formats(name, source)
    if formats:
        out.append(f"date_format = {value(formats)}   # {why}")
    elif why:
        out.append(f"# dates: {why}")
    out.append(f"[data.tables.{name}.columns]")
    width = max((_width(f"{p.column} = {value(p.header)}") for p in source.mapping), default=0)
    for p in source.mapping:
        flag = " CHECK" if p.confidence < 0.6 else ""
        text = f"{p.column} = {value(p.header)}"
        pad = " " * (width - _width(text))
        out.append(f"{text}{pad}   # {p.reason} ({p.confidence:.2f}{flag})")
    mapped = {p.header for p in source.mapping}
    rest = [c.header for c in source.columns if c.header not in mapped]
    if rest:
        out.append("# headers not used: " + ", ".join(rest))
    return out


def _width(text: str) -> int:
    """Columns ``text`` takes in a monospaced editor (East Asian wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _scores(source: SourceScan) -> str:
    return "fit per table: " + ", ".join(f"{s.table} {s.score:.2f}" for s in source.scores)


def _date_formats(name: str, source: SourceScan) -> tuple[list[str], str]:
    """The formats of the table's date columns (none when every one is ISO 8601)."""
    formats: list[str] = []
    notes, iso = [], True
    for p in source.mapping:
        if TABLES[name].column(p.column).type != "date":
            continue
        date = source.profile(p.header).date
        if date is None or not date.formats:
            continue
        iso = iso and date.iso
        guessed = " day-first assumed, CHECK" if date.day_first_guessed else ""
        notes.append(f"{p.column} {' | '.join(date.formats)} ({date.parsed} of "
                     f"{date.distinct} distinct values checked{guessed})")
        formats += [f for f in date.formats if f not in formats]
    if iso:
        return [], ("ISO 8601, read as is: " + "; ".join(notes)) if notes else ""
    return formats, "detected per column: " + "; ".join(notes)


def _vocabulary_lines(report: ScanReport, answers: Answers) -> list[str]:
    out = []
    for entry in answers.drugs:
        out += ["[[data.drugs]]", *(f"{key(k)} = {value(v)}" for k, v in entry.items()), ""]
    if answers.responses:
        out += ["[data.responses]",
                *(f"{key(k)} = {value(v)}" for k, v in answers.responses.items()), ""]
    answered = {key(e["name"]) for e in answers.drugs} | set(answers.responses)
    unknown = [s for s in report.unknown if s.value not in answered
               and key(s.value) not in answered]
    if not unknown:
        return out
    out.append("# Spellings no vocabulary knows (the nearest known spellings follow each).")
    out.append("# Map each one, e.g. [[data.drugs]] name = \"...\" ingredient = \"...\" or")
    out.append("# [data.responses] \"...\" = \"PR\". Until then their records are set aside:")
    for s in unknown:
        near = ", ".join(s.suggestions) or "none"
        out.append(f"#   {s.domain}: {json.dumps(s.value, ensure_ascii=False)} "
                   f"({_records(s.count)}, {s.source}); nearest: {near}")
    policy = {"unknown_drug": "quarantine"} if any(s.domain == "drug" for s in unknown) else {}
    if any(s.domain != "drug" for s in unknown):
        policy["invalid_value"] = "quarantine"
    out += ["[data.policy]   # CHECK: records with the spellings above are set aside, not used",
            *(f"{k} = {value(v)}" for k, v in policy.items()), ""]
    return out
