"""``run_study``: protocol -> records -> cohort -> endpoints -> analyses -> report.

A thin orchestration over the layers; each receives what it needs explicitly (the engine
included). Returns a frozen :class:`StudyResult` with the attrition, the analysis dataset,
every table and figure, and results.json's content; writes the report files when ``out``
is given.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import inspect
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from retrostudy.analysis import Analyses, prepare_dataset, run_analyses
from retrostudy.cohort import build_cohort
from retrostudy.cohort.result import Attrition
from retrostudy.data import load_records
from retrostudy.data.engines import connect, engine_name
from retrostudy.data.omop.episodes import line_summary
from retrostudy.data.result import LoadResult
from retrostudy.data.store import duckdb_backend
from retrostudy.endpoints import derive_endpoints
from retrostudy.endpoints.dataset import AnalysisDataset
from retrostudy.endpoints.derive import Endpoints, check_sources
from retrostudy.errors import Problem, RetroStudyError
from retrostudy.protocol import load_protocol, protocol_hash
from retrostudy.protocol.model import Protocol
from retrostudy.report import ReportContext, flow_from_attrition, make_report, write_report
from retrostudy.report.figures.base import ReportFigure
from retrostudy.report.folder import check_out, writing
from retrostudy.report.patient_level import folder_for, frames, write_patient_level
from retrostudy.report.published import published_parts
from retrostudy.report.quality import Quality
from retrostudy.report.quality import tables as quality_tables
from retrostudy.report.results_json import provenance
from retrostudy.report.table import Table
from retrostudy.report.tables import analysis_tables
from retrostudy.report.tables.target_trial import target_trial_tables

# progress(message) before each step; progress(message, done, total) as a long step
# (drawing the figures, writing the files) advances
Progress = Callable[..., None]


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyResult:
    protocol: Protocol
    attrition: Attrition  # identified -> each criterion -> analysed, per group
    dataset: pd.DataFrame  # the analysis dataset: one row per analysed patient
    analyses: Analyses  # every number of [analyses]
    tables: dict[str, Table]  # key -> table as shown (after any suppression)
    figures: dict[str, ReportFigure]  # key -> figure (matplotlib figure in .figure)
    # the content of results.json (docs/results-schema.md); typed:
    # retrostudy.report.results_model.validate_results(result.results)
    results: dict[str, Any]
    files: tuple[Path, ...] = field(default=())
    endpoints: Endpoints | None = None  # derived endpoints (record-level runs only)
    load: LoadResult | None = None  # rows read/loaded/rejected (record-level runs only)
    patient_level_files: tuple[Path, ...] = field(default=())  # identifiable; beside ``out``
    # ``dataset`` with its typed outcomes: analysis_dataset.outcome("pfs") (docs/endpoints.md)
    analysis_dataset: AnalysisDataset | None = None
    lines: pd.DataFrame | None = None  # lines of therapy of the analysed patients (records)

    def _repr_html_(self) -> str:

        head = (
            f"<h3>{html.escape(str(self.results['study']['title']))}</h3>"
            f"<p>{len(self.dataset)} patients analysed; tables: "
            f"{html.escape(', '.join(self.tables))}; "
            f"figures: {html.escape(', '.join(self.figures))}</p>"
        )
        return head + "".join(t._repr_html_() for t in self.tables.values())


def _counted(progress: Progress | None) -> Progress:
    """``progress`` as a callable taking (message, done=None, total=None); a callable that
    takes only the message (the signature before counts existed) gets the steps only."""
    if progress is None:
        return lambda *_args: None

    try:
        inspect.signature(progress).bind("step", 1, 1)
    except TypeError:
        return lambda message, done=None, total=None: (
            progress(message) if done is None else None)
    except ValueError:  # no signature (a builtin): assume it takes counts
        pass
    return progress


def _protocol(protocol_or_path) -> tuple[Protocol, str | None]:
    if isinstance(protocol_or_path, Protocol):
        return protocol_or_path, None
    return load_protocol(protocol_or_path), protocol_hash(protocol_or_path)


def _with_profile(protocol: Protocol, profile: str | None) -> Protocol:
    if profile is None:
        return protocol
    analyses = protocol.analyses.model_copy(update={"profile": profile})
    return protocol.model_copy(update={"analyses": analyses})


def _engine(engine, protocol: Protocol):
    """The Ibis backend of ``engine`` (a spec, a backend or a SparkSession), else of the
    protocol's ``[data] engine`` (retrostudy.data.engines.connect). Plain ``duckdb`` with
    ``[data] database`` set is DuckDB in that file (relative to the protocol), so the buffer
    manager can evict the loaded tables' blocks (docs/scaling.md, "Memory")."""

    spec = engine if engine is not None else protocol.data.engine
    if spec == "duckdb" and protocol.data.database:

        return duckdb_backend(str((Path(protocol.base_dir) / protocol.data.database).resolve()))
    return connect(spec, spark=protocol.data.spark)


@contextlib.contextmanager
def _out_of_memory(protocol: Protocol):
    """DuckDB's out-of-memory error (a ``[data] memory_limit`` too small for a query) as a
    :class:`RetroStudyError` naming the key, instead of a traceback."""

    try:
        yield
    except duckdb.OutOfMemoryException as exc:
        limit = protocol.data.memory_limit
        raise RetroStudyError(Problem(
            message=f"DuckDB ran out of memory (memory_limit {limit or 'default'}): "
                    f"{str(exc).splitlines()[0]}",
            key="data.memory_limit", code="out_of_memory",
            hint="raise [data] memory_limit (docs/scaling.md, 'Memory'), or set "
                 "[data] database so the loaded tables live in a file")) from exc


def _records_to_dataset(protocol: Protocol, engine, step: Progress):
    """Record-level path: load, build the cohort, derive endpoints, join them."""

    step("Loading records")
    loaded = load_records(protocol.data, protocol.base_dir, engine)
    check_sources(protocol.endpoints, loaded.store)
    step("Building the cohort")
    cohort = build_cohort(protocol, loaded.store)
    step("Deriving endpoints")
    eps = derive_endpoints(protocol.endpoints, loaded.store, cohort.patients, cohort.lines)
    extra = [c for c in eps.data.columns if c not in cohort.patients.columns or c == "patient_id"]
    dataset = cohort.patients.merge(
        eps.data[extra], on="patient_id", how="left", validate="one_to_one"
    )
    inputs = [(f.path, f.sha256) for f in loaded.files]
    return cohort, eps, dataset, inputs, loaded


def _episode_lines(protocol: Protocol, loaded, cohort) -> dict | None:
    """OMOP regimen episodes vs the derived lines of the analysed patients (counts), when
    the CDM had episodes (docs/data-model.md "Oncology episodes")."""
    if loaded is None or protocol.data.format != "omop":
        return None

    return line_summary(loaded.store.backend, cohort.lines)


def _table_to_dataset(protocol: Protocol, step: Progress):

    step("Reading the analysis table")
    cohort = build_cohort(protocol)
    assert protocol.analysis_table is not None  # the caller's branch
    name = protocol.analysis_table.file
    with (protocol.base_dir / name).open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return cohort, None, cohort.patients, [(name, digest)], None


def run_study(
    protocol_or_path: str | Path | Protocol,
    engine: object = None,
    out: str | Path | None = None,
    *,
    profile: str | None = None,
    progress: Progress | None = None,
    patient_level: bool | None = None,
) -> StudyResult:
    """Run the whole study of a protocol (a path to study.toml, or a parsed Protocol).

    Parameters
    ----------
    engine : None, str, an Ibis backend or a SparkSession
        Where the records are loaded and queried: ``"duckdb"`` (in memory),
        ``"duckdb:///path.db"``, ``"spark"`` (local, or the cluster of ``[data.spark]``),
        ``"spark://host:port"`` or any Ibis URL. None means the protocol's ``[data] engine``
        (DuckDB in memory by default). Results are identical on every engine.
    out : folder, optional
        Write report.html and report.docx (the main document), supplement.html and
        supplement.docx, results.json, tables/*.csv and figures/* there.
    profile : {"r", "sas", "ezr"}, optional
        Override the protocol's conventions profile.
    progress : callable, optional
        Called with a short description before each step, and with ``(description, done,
        total)`` counts while a long step (drawing figures, writing files) advances.
    patient_level : bool, optional
        Also write the analysis dataset, the excluded patients (with the criterion that
        removed each) and the lines of therapy, as CSV and Parquet, into
        ``<out>-patient-level-IDENTIFIABLE/`` beside ``out`` (never inside it: those files
        hold patient identifiers). None means the protocol's ``[report] patient_level``.
        Needs ``out``. The report says whether it was written.
    """
    step = _counted(progress)
    started = time.perf_counter()
    if out is not None:  # refused before any work: a file, a folder of other files

        check_out(out)
    protocol, sha = _protocol(protocol_or_path)
    protocol = _with_profile(protocol, profile)
    if patient_level is None:
        patient_level = protocol.report.patient_level
    identifiable = bool(patient_level) and out is not None
    if identifiable and out is not None:  # likewise the identifiable folder, before any

        check_out(folder_for(out))
    if protocol.analysis_table is not None:
        cohort, eps, dataset, inputs, loaded = _table_to_dataset(protocol, step)
    else:
        engine = _engine(engine, protocol)
        with _out_of_memory(protocol):
            cohort, eps, dataset, inputs, loaded = _records_to_dataset(protocol, engine, step)
    step("Running the analyses")

    dataset = prepare_dataset(protocol.analyses, dataset)
    analysis_dataset = (AnalysisDataset.from_frame(dataset) if eps is None
                        else AnalysisDataset.from_endpoints(dataset, protocol.endpoints))
    analyses = run_analyses(protocol, analysis_dataset)

    table = protocol.analysis_table.file if protocol.analysis_table is not None else None
    quality = Quality(load=loaded, endpoints=eps, analysis_table=table,
                      episode_lines=_episode_lines(protocol, loaded, cohort))
    report, ctx = _report(protocol, analyses, dataset, cohort, inputs, sha, engine, quality,
                          step, identifiable)
    files: tuple[Path, ...] = ()
    patient_files: tuple[Path, ...] = ()
    if out is not None:
        step("Writing the report")
        files = _write(report, protocol, Path(out), started, step)
    if identifiable and out is not None:

        patient_files = tuple(write_patient_level(folder_for(out), frames(dataset, cohort)))
    return StudyResult(
        protocol=protocol,
        attrition=cohort.attrition,
        dataset=dataset,
        analyses=analyses,
        tables=report.tables,
        figures=report.figures,
        results=report.results,
        files=files,
        endpoints=eps,
        load=loaded,
        patient_level_files=patient_files,
        analysis_dataset=analysis_dataset,
        lines=getattr(cohort, "lines", None),
    )


def _report(protocol, analyses, dataset, cohort, inputs, sha, engine, quality, step,
            patient_level=False):

    flow = flow_from_attrition(
        cohort.attrition,
        source=protocol.report.flow_source,
        notes=_outcome_notes(analyses, dataset),
    )
    c = analyses.conventions
    prov = provenance(
        protocol_sha256=sha,
        inputs=inputs,
        conventions={
            "profile": c.profile,
            "conf_type": c.conf_type,
            "ties": c.ties,
            "conf_level": c.conf_level,
            "days_per_month": c.days_per_month,
        },
        seed=protocol.report.seed,
        engine=_engine_name(engine),
    )
    tables = analysis_tables(analyses)
    published, extra_tables, comparator_rows = published_parts(protocol, analyses, flow)
    tables.update(extra_tables)
    tables.update(quality_tables(quality))
    tables.update(target_trial_tables(protocol))
    ctx = ReportContext(
        protocol=protocol,
        analyses=analyses,
        dataset=dataset,
        flow=flow,
        tables=tables,
        provenance=prov,
        published=published,
        comparator_rows=comparator_rows,
        quality=quality,
        patient_level=patient_level,
    )
    return make_report(ctx, progress=step), ctx


def _outcome_notes(analyses, dataset) -> tuple[str, ...]:
    """Per outcome analysis: how many patients it used (STROBE 13a, flow chart)."""
    n = len(dataset)
    notes = [f"{ep.label}: {n - ep.n_excluded} analysed" for ep in analyses.endpoints]
    if "evaluable" in dataset.columns:
        k = int(dataset["evaluable"].fillna(False).astype(bool).sum())
        notes.append(f"response evaluable: {k} of {n}")
    return tuple(notes)


def _engine_name(engine) -> str:
    if engine is None or isinstance(engine, str):
        return engine or "duckdb"

    return engine_name(engine)


def _write(report, protocol, out: Path, started: float, step=None) -> tuple[Path, ...]:
    """Write the report into a temporary folder beside ``out``, moved into place when
    complete (retrostudy.report.folder): ``out`` is the whole new report or the old one."""

    rep = protocol.report
    with writing(out) as folder:
        files = write_report(report, folder, outputs=rep.outputs,
                             figure_formats=rep.figure_formats, progress=step)
        info = {
            "wall_seconds": round(time.perf_counter() - started, 3),
            "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "note": "Not part of results.json on purpose: this file changes on every run.",
        }
        (folder / "run-info.json").write_text(
            json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        written = (*files, folder / "run-info.json")
    return tuple(out / p.relative_to(folder) for p in written)
