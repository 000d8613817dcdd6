"""Load a hospital extract into the engine as the canonical tables, losing nothing silently.

:func:`check_records` reads every table, types and validates it in DuckDB, and returns a
:class:`LoadResult` with all problems (never stopping at the first). :func:`load_records`
does the same and raises :class:`~retrostudy.errors.DataError` when any problem has the
``error`` policy. Rows with a ``quarantine`` problem go to the ``rejects`` table in the
engine. For every table, rows read = rows loaded + rows rejected (checked here).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import MappingProxyType

import duckdb
import ibis

from retrostudy.data import checks, csv_files, plausibility, receptor_load
from retrostudy.data.athena import athena_codes
from retrostudy.data.engines import compact, is_duckdb
from retrostudy.data.inventory import Inventory, take_inventory
from retrostudy.data.omop.load import check_omop
from retrostudy.data.readers import (
    DATABASE_EXTENSIONS,
    EXTENSIONS,
    RawTable,
    literal,
    locate,
    read_table,
    run,
)
from retrostudy.data.result import (
    HINTS,
    MAX_EXAMPLES,
    Finding,
    LoadResult,
    SourceFile,
    TableCount,
)
from retrostudy.data.schema import TABLES
from retrostudy.data.store import Store, duckdb_backend, ibis_schema
from retrostudy.data.vocabulary import DrugEntry, load_vocabulary
from retrostudy.errors import DataError, Problem
from retrostudy.protocol.data import DataBlock

ALWAYS_ERROR = ("ambiguous_date",)


def load_records(data_block: DataBlock, base_dir: str | Path = ".",
                 backend: ibis.BaseBackend | None = None) -> LoadResult:
    """Load and validate the records; raise :class:`DataError` listing every error."""
    result = check_records(data_block, base_dir, backend)
    if not result.ok:
        raise DataError(result.reported_errors())
    return result


def check_records(data_block: DataBlock, base_dir: str | Path = ".",
                  backend: ibis.BaseBackend | None = None) -> LoadResult:
    """Read, type and validate every table; never raises for problems in the data.

    Record files are read and validated in DuckDB; with another engine (Spark, an Ibis URL)
    in a DuckDB in memory, and the valid tables are then copied into ``backend``. An OMOP
    CDM (``format = "omop"``) is read and mapped by the engine itself.
    """
    base_dir = Path(base_dir)
    if backend is None:
        database = data_block.database and str((base_dir / data_block.database).resolve())
        backend = duckdb_backend(database)
    if is_duckdb(backend):
        limit_memory(backend.con, data_block, base_dir)
    if data_block.format == "omop":  # an OMOP CDM: mapped by retrostudy.data.omop, in the engine
        return check_omop(data_block, base_dir, backend)
    refused = _unsupported_path(data_block, base_dir)
    if refused is not None:  # read nothing (never echo a line of, say, /etc/passwd)
        return _nothing_read(backend, refused)
    target = None
    if not is_duckdb(backend):
        target, backend = backend, duckdb_backend()
        limit_memory(backend.con, data_block, base_dir)
    con = backend.con
    # the text copies of CSV files go to a scratch database file (compressed, evictable)
    csv_files.attach_scratch(con, base_dir / data_block.temp_directory
                             if data_block.temp_directory else None)
    try:
        return _check(con, backend, target, data_block, base_dir)
    finally:
        csv_files.detach_scratch(con)


def _check(con, backend, target, data_block: DataBlock, base_dir: Path) -> LoadResult:
    """:func:`check_records` on DuckDB connection ``con`` (``backend``'s), copied into
    ``target`` (another engine) at the end when given."""
    vocabulary = load_vocabulary(
        (DrugEntry(name=d.name, ingredient=d.ingredient, drug_class=d.drug_class)
         for d in data_block.drugs),
        athena=athena_codes(base_dir / data_block.athena_vocabulary)
        if data_block.athena_vocabulary else (),
    )
    run(con, "DROP TABLE IF EXISTS _problems")
    run(con, checks.PROBLEMS_DDL)
    findings, files, counts, formats = [], [], {}, {}
    inventory = take_inventory(data_block, base_dir)
    findings += [Finding(problem=p, severity="warning", table=t)
                 for t, p in (inventory.notes if inventory else ())]
    findings += [Finding(problem=p, severity="note")
                 for p in (inventory.ignored if inventory else ())]
    extraction = data_block.extraction_date or dt.date.today()
    patients_ok = True
    for name in TABLES:  # patients first: later tables are checked against it
        raw = _read(con, data_block, base_dir, name, inventory)
        if raw is None:
            _empty(backend, name)
            counts[name] = TableCount(read=0, loaded=0, rejected=0)
            if name == "patients":
                patients_ok = False
                findings.append(Finding(table=name, severity="error", problem=_no_patients(
                    base_dir / data_block.path)))
            continue
        files.append(SourceFile(table=name, path=raw.file, sha256=raw.sha256))
        findings += [Finding(problem=p, severity="error", table=name) for p in raw.problems]
        if not raw.ok:
            patients_ok = patients_ok and name != "patients"
            _empty(backend, name)
            # an unusable file: every row it holds is rejected (none is in rejects)
            counts[name] = TableCount(read=raw.rows, loaded=0, rejected=raw.rows)
            continue
        # biomarker scores ("3+", "90%") read by [data.biomarkers] her2_rule
        raw = receptor_load.prepare(con, raw, data_block.biomarkers.her2_rule)
        config = data_block.table(name)
        declared = tuple([config.date_format] if isinstance(config.date_format, str)
                         else config.date_format or ())
        plans, texts = checks.typed_view(con, name, raw.columns, declared, vocabulary,
                                         data_block.responses)
        formats.update({f"{name}.{c}": p.formats for c, p in plans.items()})
        checks.materialise(con, name, raw.file, raw.row_range, raw.csv_offset)
        checks.value_problems(con, name, raw.file, raw.columns, plans, texts)
        plausibility.problems(con, name, raw.file, raw.columns)
        checks.structure_problems(con, name, raw.file, patients_ok, extraction)
        findings += plausibility.warnings(con, name, raw.file, raw.columns)
        findings += receptor_load.discordances(con, raw, data_block.biomarkers.her2_rule)
        checks.finish(con, name)
        csv_files.drop_text(con, name)
        compact(backend)
        counts[name] = _count(con, name, raw.rows)
    _write_rejects(con, data_block)
    findings += _row_findings(con, data_block)
    _cleanup(con)
    store = Store(backend) if target is None else Store(backend).copy_to(target)
    return LoadResult(store=store, counts=MappingProxyType(counts),
                      problems=tuple(findings), files=tuple(files),
                      date_formats=MappingProxyType(formats), extraction_date=extraction,
                      extraction_declared=data_block.extraction_date is not None)


def limit_memory(con, block: DataBlock, base_dir: Path) -> None:
    """Set ``[data] memory_limit`` (a size the protocol validated against
    :data:`retrostudy.protocol.data.MEMORY_SIZE`) and ``temp_directory`` on a DuckDB
    connection; nothing when they are unset.

    Past the limit DuckDB's buffer manager evicts blocks (of a database file, or of an
    in-memory database to the temporary directory) instead of allocating more; results do
    not change, only where the blocks live. SET takes no bound parameter, hence quoted
    literals of configuration text (never data values).
    """
    if block.temp_directory:
        run(con, f"SET temp_directory = {literal(str(base_dir / block.temp_directory))}")
    if block.memory_limit:
        run(con, f"SET memory_limit = {literal(block.memory_limit)}")


def _nothing_read(backend, refused: Finding) -> LoadResult:
    for name in TABLES:
        _empty(backend, name)
    return LoadResult(store=Store(backend), problems=(refused,), files=(),
                      counts=MappingProxyType({n: TableCount(read=0, loaded=0, rejected=0)
                                               for n in TABLES}),
                      date_formats=MappingProxyType({}))


def _unsupported_path(block: DataBlock, base_dir: Path) -> Finding | None:
    """``[data] path`` names a file that is neither a workbook nor a database (nor, with
    ``[data] type_column``, one file of every table)."""
    root = (base_dir / block.path).resolve()
    allowed = (".xlsx", ".xls", *DATABASE_EXTENSIONS)
    if block.type_column is not None:  # one long file: rows of every table, typed
        allowed = EXTENSIONS
    if not root.is_file() or root.suffix.lower() in allowed:
        return None
    return Finding(table="patients", severity="error", problem=Problem(
        message="[data] path must be a folder, an .xlsx workbook or a DuckDB database "
                f"({', '.join(DATABASE_EXTENSIONS)}), or with [data] type_column one file "
                "holding every table; this is another kind of file",
        file=str(root), key="data.path", code="unsupported_path",
        hint="give the folder holding patients.csv and the other tables"))


def _no_patients(root: Path) -> Problem:
    if not root.exists():
        return Problem(message="data path not found", file=str(root), code="file_not_found",
                       hint="[data] path is relative to the protocol file")
    return Problem(message="no patients table found", file=str(root), code="missing_table",
                   hint="add patients.csv (or .parquet/.xlsx, or a sheet/table 'patients')")


def _cleanup(con) -> None:
    """Drop the working objects (temporary tables, views, registrations, attachments)."""
    for name in TABLES:
        try:
            con.unregister(f"_frame_{name}")
        except duckdb.Error:  # not registered in this run
            pass
    for kind in ("VIEW", "TABLE"):
        for (name,) in run(con, "SELECT table_name FROM information_schema.tables WHERE "
                                "table_catalog = 'temp' AND starts_with(table_name, '_')"):
            try:
                run(con, f'DROP {kind} IF EXISTS "{name}"')
            except duckdb.Error:  # the other kind
                pass
    for (name,) in run(con, "SELECT database_name FROM duckdb_databases() "
                            "WHERE starts_with(database_name, '_src_')"):
        run(con, f'DETACH "{name}"')


def _read(con, block: DataBlock, base_dir: Path, name: str,
          inventory: Inventory | None) -> RawTable | None:
    if inventory is not None and name in inventory.refused:  # two files, an .xls, a bad link
        problem = inventory.refused[name]
        return RawTable(table=name, file=problem.file, sha256=None, rows=0, columns=(),
                        problems=(problem,))
    path, sheet = locate(block, base_dir, name, inventory and inventory.paths)
    if path is None:
        return None
    root = (base_dir / block.path).resolve()
    try:
        shown = str(path.relative_to(root.parent if root.is_file() else root))
    except ValueError:
        shown = str(path)
    if path.suffix.lower() in DATABASE_EXTENSIONS + (".xlsx", ".xls"):
        shown += f"[{sheet or name}]"
    return read_table(con, name, path, sheet, block.table(name), shown, block)


def _empty(backend, name: str) -> None:
    backend.create_table(name, schema=ibis_schema(TABLES[name]), overwrite=True)


def _count(con, name: str, read: int) -> TableCount:
    loaded = con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
    rejected = con.execute("SELECT count(DISTINCT row) FROM _problems WHERE tbl = ?",
                           [name]).fetchall()[0][0]
    if read != loaded + rejected:  # the invariant: nothing is dropped without being counted
        raise AssertionError(f"{name}: read {read} != loaded {loaded} + rejected {rejected}")
    return TableCount(read=read, loaded=loaded, rejected=rejected)


def _write_rejects(con, block: DataBlock) -> None:
    hint = " ".join(f"WHEN {literal(code)} THEN {literal(text)}" for code, text in HINTS.items())
    policy = " ".join(
        f"WHEN {literal(code)} THEN "
        f"{literal('error' if code in ALWAYS_ERROR else block.policy_for(code))}"
        for code in sorted({*HINTS, "unknown_drug", "invalid_value"})
    )
    have_map = run(con, "SELECT count(*) FROM duckdb_tables() "
                        "WHERE table_name = '_drugs_drug_administrations'")[0][0]
    drug_hints = ("SELECT 'drug_administrations' AS tbl, _src, _hint "
                  "FROM _drugs_drug_administrations") if have_map else (
                  "SELECT NULL AS tbl, NULL AS _src, NULL AS _hint WHERE FALSE")
    run(con,
        "CREATE OR REPLACE TABLE rejects AS SELECT p.tbl AS \"table\", p.file, p.row, "
        "p.patient, p.col AS \"column\", p.value, p.code, p.message, "
        f"replace(COALESCE(d._hint, p.hint, CASE p.code {hint} ELSE NULL END, CASE WHEN p.code = "
        f"'invalid_value' THEN CASE {checks.allowed_hints_sql()} END END), '{{table}}', p.tbl) "
        f"AS hint, CASE p.code {policy} ELSE 'error' END AS policy "
        f"FROM _problems p LEFT JOIN ({drug_hints}) d ON p.code = 'unknown_drug' "
        "AND d.tbl = p.tbl AND d._src = p.value ORDER BY p.tbl, p.row, p.col"
    )


def _row_findings(con, block: DataBlock) -> list[Finding]:
    rows = con.execute(
        'SELECT "table", file, row, patient, "column", value, code, message, hint, policy, '
        'count(*) OVER (PARTITION BY "table", code) AS n FROM rejects '
        f'QUALIFY row_number() OVER (PARTITION BY "table", code ORDER BY row) <= {MAX_EXAMPLES} '
        'ORDER BY "table", code, row'
    ).fetchall()
    findings = []
    for table, file, row, patient, column, value, code, message, hint, policy, n in rows:
        problem = Problem(message=message, file=file, row=row, column=column, value=value,
                          hint=hint, code=code, patient=patient)
        findings.append(Finding(problem=problem, severity=policy, table=table, count=n))
    return findings
