"""From an extract to a checked study.toml: scan, write, validate.

:func:`propose` scans with the answers applied and returns the report with the study.toml
text; :func:`check_study` then reads the written file as ``retrostudy run`` would (the
whole protocol, then the records through the loader) and returns what stops it, so a
front end can say what is left to decide.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from retrostudy.data.load import check_records
from retrostudy.data.result import LoadResult
from retrostudy.data.scan.answers import Answers
from retrostudy.data.scan.engine import scan_extract
from retrostudy.data.scan.model import ScanReport
from retrostudy.data.scan.writer import write_study
from retrostudy.data.store import duckdb_backend
from retrostudy.data.vocabulary import DrugEntry
from retrostudy.errors import Problem, RetroStudyError
from retrostudy.protocol.load import load_protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    report: ScanReport
    text: str  # the study.toml


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """What reading the written study found: protocol problems (then the records were not
    read) or the loader's result."""

    protocol_problems: tuple[Problem, ...]
    load: LoadResult | None

    @property
    def ok(self) -> bool:
        return not self.protocol_problems and self.load is not None and self.load.ok


def default_out(extract: str | Path) -> Path:
    """study.toml beside the extract folder (or workbook)."""
    return Path(extract).resolve().parent / "study.toml"


def propose(extract: str | Path, answers: Answers | None = None, *,
            out: str | Path | None = None) -> Proposal:
    """Scan ``extract`` with ``answers`` applied and write the study.toml text for ``out``
    (``[data] path`` is the extract relative to the study file's folder)."""
    answers = answers or Answers()
    extract = Path(extract).resolve()
    out = Path(out).resolve() if out is not None else default_out(extract)
    drugs = [DrugEntry(name=d["name"], ingredient=d["ingredient"], drug_class=d.get("class"))
             for d in answers.drugs]
    index = answers.index_drug
    report = scan_extract(extract, drugs=drugs, responses=answers.responses,
                          index_drug=index[0] if isinstance(index, tuple) else index)
    try:
        path = os.path.relpath(extract, out.parent)
    except ValueError:  # another drive
        path = str(extract)
    text = write_study(report, answers, data_path=Path(path).as_posix(),
                       extract_is_workbook=extract.is_file())
    return Proposal(report=report, text=text)


def check_study(path: str | Path) -> Check:
    """Read the study file as a run would: the protocol, then its records."""
    try:
        protocol = load_protocol(path)
    except RetroStudyError as error:
        return Check(protocol_problems=error.problems, load=None)
    result = check_records(protocol.data, protocol.base_dir, duckdb_backend())
    return Check(protocol_problems=(), load=result)
