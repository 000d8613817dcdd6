"""Typing and row-level validation of one raw table, in DuckDB SQL.

Three steps per table, each one scan or one join (so 30M administrations stay fast):

1. :func:`typed_view` — a view with every canonical column typed (dates parsed,
   categories and drugs mapped to canonical spellings) next to the source text.
2. :func:`value_problems` — one scan of that view writes every value problem
   (missing value, unreadable/ambiguous date, unknown category or drug) into
   ``_problems``; the rows without any become the canonical table.
3. :func:`structure_problems` — duplicates, records of unknown patients and impossible
   order (before birth, after death, end before start) on the typed table; those rows are
   then deleted from it.

Every problem row holds table, file, row, column, value, code and message; the value is
always data, the rest configuration, so no data value is ever spliced into SQL text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from retrostudy.data import csv_files
from retrostudy.data.dates import DateParse, in_range_sql, plan_date, text_macros
from retrostudy.data.readers import literal, quote, run
from retrostudy.data.schema import TABLES
from retrostudy.data.values import VALUE_KEY_SQL, allowed, categorical_columns, spellings
from retrostudy.data.vocabulary import Vocabulary

PROBLEMS_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS _problems (tbl VARCHAR, file VARCHAR, row BIGINT, "
    "col VARCHAR, value VARCHAR, code VARCHAR, message VARCHAR, hint VARCHAR, "
    "patient VARCHAR)"
)
_INSERT = "INSERT INTO _problems (tbl, file, row, col, value, code, message, hint) SELECT "
CHUNK_ROWS = 2_000_000  # rows typed per statement (materialise): ~0.3 GB uncompressed
_BUCKET_ROWS = 10_000_000  # 5 scans of _h at 40.8M rows, each hash table < ~0.3 GB
_SQL_TYPES = {"string": "VARCHAR", "date": "DATE", "boolean": "BOOLEAN",
              "integer": "BIGINT", "float": "DOUBLE"}


def src(column: str) -> str:
    return quote(column + "__src")


def _text(column: str) -> str:
    """The trimmed text of a raw column; full-width characters as ASCII (ＥＣＯＧ １ -> ECOG 1)
    except in drug names, whose source text is kept (the vocabulary normalises it)."""
    if column in ("drug", "drug_source"):
        return f"NULLIF(trim(CAST(r.{quote(column)} AS VARCHAR)), '')"
    return f"NULLIF(trim(_rs_ascii(CAST(r.{quote(column)} AS VARCHAR))), '')"


def typed_view(con, name: str, present: tuple[str, ...], date_formats: tuple[str, ...],
               vocabulary: Vocabulary, responses: Mapping[str, str]):
    """Create ``_typed_<name>``.

    Returns the date parse plan of each date column and, for each present column, the SQL
    of its source text (what problems show as ``value``). Source text is only stored
    where typing can lose it: text dates on the rows whose text gave no date, a date out of
    range or an ambiguous one (the rows a date problem shows; each distinct text is judged
    once, in its date map), and
    categories and drugs on the rows where they did not map; a drug's text is
    ``drug_source`` itself when the file has no such column.
    """
    table = TABLES[name]
    raw = "_raw_" + name
    text_macros(con)
    selects, extra, joins, plans, texts = ["r._row"], [], [], {}, {}
    for column in table.columns:
        c = column.name
        if c not in present:
            own_text = c == "drug_source" and "drug" in present
            selects.append(f"CAST({_text('drug') if own_text else 'NULL'} AS "
                           f"{_SQL_TYPES[column.type]}) AS {quote(c)}")
            continue
        if column.type == "date":
            plans[c] = plan = plan_date(con, raw, c, date_formats)
            if plan.texts is None:  # a typed column: a cast
                selects.append(f"{plan.value('r.' + quote(c), _text(c))} AS {quote(c)}")
            else:  # each distinct text parsed once, then joined
                alias, dates = f"d_{c}", f"_dates_{name}_{c}_map"
                text = f"NULLIF(trim(_rs_ascii(CAST({quote(c)} AS VARCHAR))), '')"  # _text
                # each distinct text also says once whether its row needs the text kept
                # (no date, out of range, or ambiguous: the rows value_problems reports)
                run(con, f"CREATE OR REPLACE TEMP TABLE {quote(dates)} AS SELECT _t, _d, "
                         f"_d IS NULL OR NOT {in_range_sql('_d')} OR ({plan.ambiguous('_x')}) "
                         f"AS _keep FROM (SELECT {quote(c)} AS _t, {plan.value(quote(c), text)} "
                         f"AS _d, {text} AS _x FROM {quote(plan.texts)} "
                         f"WHERE {quote(c)} IS NOT NULL)")
                joins.append(f"LEFT JOIN {quote(dates)} {alias} ON {alias}._t = "
                             f"NULLIF(trim(CAST(r.{quote(c)} AS VARCHAR)), '')")
                selects.append(f"{alias}._d AS {quote(c)}")
                # a text date's source text only where a problem can show it (a text
                # column of every row would be the typed table's largest)
                extra.append(f"CASE WHEN {alias}._keep THEN {_text(c)} END AS {src(c)}")
            texts[c] = f"CAST({src(c) if plan.formats else quote(c)} AS VARCHAR)"
            continue
        texts[c] = src(c)
        if c == "drug":
            _drug_map(con, name, vocabulary)
            joins.append(f"LEFT JOIN _drugs_{name} dm ON dm._src = {_text(c)}")
            selects.append(f"dm._ingredient AS {quote(c)}")
            if "drug_source" in present:
                extra.append(_unmapped_text("dm._ingredient", c))
            else:
                texts[c] = quote("drug_source")
        elif c in categorical_columns(name):
            alias = f"m_{c}"
            _value_map(con, name, c, responses)
            # each distinct cell is normalised and looked up once, then joined by its text
            lookup = quote(f"_values_{name}_{c}_texts")
            run(con, f"CREATE OR REPLACE TEMP TABLE {lookup} AS SELECT r.{quote(c)} AS _s, "
                     f"m._v FROM (SELECT DISTINCT CAST({quote(c)} AS VARCHAR) AS {quote(c)} "
                     f"FROM {quote(raw)} WHERE {quote(c)} IS NOT NULL) r LEFT JOIN "
                     f"_values_{name}_{c} m ON m._k = {VALUE_KEY_SQL.format(_text(c))}")
            joins.append(f"LEFT JOIN {lookup} {alias} ON {alias}._s = "
                         f"CAST(r.{quote(c)} AS VARCHAR)")
            selects.append(f"CAST({alias}._v AS {_SQL_TYPES[column.type]}) AS {quote(c)}")
            extra.append(_unmapped_text(f"{alias}._v", c))
        elif (name, c) == ("observations", "value") and "name" in present:
            number = ecog_sql(_text(c))
            selects.append(f"CASE WHEN {_IS_ECOG} THEN {number} ELSE {_text(c)} END AS value")
            extra.append(f"CASE WHEN {_IS_ECOG} AND {number} IS NULL THEN {_text(c)} END "
                         f"AS {src(c)}")
            texts[c] = src(c)
        else:
            selects.append(f"{_text(c)} AS {quote(c)}")
            texts[c] = quote(c)
    keys = ", ".join(quote(k) for k in table.key)
    run(con, f"CREATE OR REPLACE TEMP VIEW {quote('_typed_' + name)} AS SELECT *, "
             f"hash({keys}) AS _h FROM (SELECT {', '.join(selects + extra)} "
             f"FROM {quote(raw)} r {' '.join(joins)})")
    return plans, texts


_IS_ECOG = f"lower({_text('name')}) = 'ecog'"
ECOG_MESSAGE = "ECOG performance status must be a whole number from 0 to 5"


def ecog_sql(text: str) -> str:
    """An ECOG value as its digit '0'..'5', else NULL: full-width digits read as digits
    (NFKC for 0-9 and the point) and a whole number written as a decimal ('1.0', from a
    numeric Excel or Parquet column) as that number; 7, -1, 1.5 or 'PS1' are NULL."""
    # translate() costs for every cell; a pure ASCII text (byte length = character length,
    # nearly every cell) holds no full-width digit
    ascii_ = (f"CASE WHEN strlen({text}) = length({text}) THEN {text} ELSE "
              f"translate({text}, '０１２３４５６７８９．', '0123456789.') END")
    return f"NULLIF(regexp_extract({ascii_}, '^([0-5])(\\.0*)?$', 1), '')"


def _unmapped_text(mapped: str, column: str) -> str:
    """The source text of ``column`` where it did not map (typed value NULL), else NULL:
    the only rows whose text a problem shows. Stored for every row, it would double the
    text held in the largest table."""
    return f"CASE WHEN {mapped} IS NULL THEN {_text(column)} END AS {src(column)}"


def _drug_map(con, name: str, vocabulary: Vocabulary) -> None:
    texts = [r[0] for r in con.execute(
        f"SELECT DISTINCT {_text('drug')} FROM {quote('_raw_' + name)} r "
        f"WHERE {_text('drug')} IS NOT NULL").fetchall()]
    frame = pd.DataFrame({"_src": texts, "_ingredient": [vocabulary.normalise(t) for t in texts],
                          "_hint": [_drug_hint(vocabulary, t) for t in texts]})
    frame = frame.astype({"_src": "string", "_ingredient": "string", "_hint": "string"})
    con.register("_drugs_frame", frame)
    run(con, f"CREATE OR REPLACE TEMP TABLE _drugs_{name} AS SELECT * FROM _drugs_frame")
    con.unregister("_drugs_frame")


def _drug_hint(vocabulary: Vocabulary, text: str) -> str:
    near = vocabulary.suggest(text)
    return (f"nearest known spellings: {', '.join(near)}; " if near else "") + (
        'or add { name = "...", ingredient = "..." } to [[data.drugs]]')


def _value_map(con, name: str, column: str, responses: Mapping[str, str]) -> None:
    mapping = spellings(name, column, responses)
    frame = pd.DataFrame({"_k": list(mapping), "_v": list(mapping.values())}, dtype="string")
    con.register("_values_frame", frame)
    run(con, f"CREATE OR REPLACE TEMP TABLE _values_{name}_{column} AS "
                "SELECT * FROM _values_frame")
    con.unregister("_values_frame")


def value_problems(con, name: str, file: str, present: tuple[str, ...],
                   plans: Mapping[str, DateParse], texts: Mapping[str, str]) -> None:
    """One scan of table ``name`` writing all value problems into ``_problems``."""
    table = TABLES[name]
    checks = []
    for column in table.columns:
        c = column.name
        if c not in present:
            continue
        if column.required:  # no text (a source text is kept only where it did not map)
            checks.append((f"{quote(c)} IS NULL AND {texts[c]} IS NULL", c, "missing_value",
                           "required value is empty"))
        if c in plans:
            ambiguous = plans[c].ambiguous(texts[c])
            checks.append((f"{texts[c]} IS NOT NULL AND ({ambiguous})", c, "ambiguous_date",
                           "date reads differently day-first and month-first"))
            checks.append((f"{texts[c]} IS NOT NULL AND NOT ({ambiguous}) AND ({quote(c)} IS NULL "
                           f"OR NOT {in_range_sql(quote(c))})", c, "invalid_date",
                           "cannot read this as a date between 1900 and 2100"))
        elif c == "drug":
            checks.append((f"{texts[c]} IS NOT NULL AND {quote(c)} IS NULL", c, "unknown_drug",
                           "unknown drug"))
        elif c in categorical_columns(name):
            checks.append((f"{texts[c]} IS NOT NULL AND {quote(c)} IS NULL", c, "invalid_value",
                           f"not an allowed value of {c}"))
        elif (name, c) == ("observations", "value") and texts[c] == src(c):
            checks.append((f"{texts[c]} IS NOT NULL AND {quote(c)} IS NULL", c, "invalid_value",
                           ECOG_MESSAGE))
    if not checks:
        return
    structs = ", ".join(
        f"CASE WHEN {cond} THEN {{'col': {literal(col)}, 'value': {texts[col]}, "
        f"'code': {literal(code)}, 'message': {literal(message)}}} END"
        for cond, col, code, message in checks
    )
    flagged = " OR ".join(f"({cond})" for cond, *_ in checks)
    run(con,
        f"{_INSERT}{literal(name)}, {literal(file)}, _row, p.col, p.value, "
        f"p.code, p.message, NULL FROM (SELECT _row, unnest(list_filter([{structs}], "
        f"lambda x: x IS NOT NULL)) AS p FROM {quote(name)} WHERE {flagged})"
    )


def materialise(con, name: str, file: str, row_range: tuple[int, int],
                csv_offset: int | None = None) -> None:
    """``_typed_<name>`` becomes table ``name``, with ``_row``, ``source_file`` (``file``,
    as every message shows it) and the source text of parsed columns (the view is computed
    once); checks then run on it and :func:`finish` removes the rejected rows and the
    working columns.

    The rows go in by ranges of ``_row`` (``row_range``: its first and last value) of
    :data:`CHUNK_ROWS`, each compressed by a checkpoint before the next: DuckDB keeps a
    freshly written in-memory table uncompressed until then, ~150 bytes a row here, so one
    statement over 40.8M administrations would hold ~6 GB at once; by ranges the peak is
    one range's worth. The table's rows and their order are those of one statement."""
    typed, target = quote("_typed_" + name), quote(name)
    run(con, f"CREATE OR REPLACE TABLE {target} AS SELECT *, {literal(file)} AS source_file "
             f"FROM {typed} LIMIT 0")
    first, last = row_range
    if last - first < CHUNK_ROWS:  # one statement (also a table without rows)
        run(con, f"INSERT INTO {target} SELECT *, {literal(file)} AS source_file FROM {typed}")
        return
    try:
        for start in range(first, last + 1, CHUNK_ROWS):
            if csv_offset is not None:  # read only this range of the CSV's text copy
                csv_files.source_view(con, name, csv_offset, start, start + CHUNK_ROWS)
            run(con, f"INSERT INTO {target} SELECT *, {literal(file)} AS source_file FROM "
                     f"{typed} WHERE _row >= {int(start)} AND _row < {int(start + CHUNK_ROWS)}")
            run(con, "CHECKPOINT")
    finally:
        if csv_offset is not None:
            csv_files.source_view(con, name, csv_offset)


def finish(con, name: str) -> None:
    """Drop the working columns: table ``name`` is now the canonical table plus where each
    record came from, ``source_file`` and ``source_row`` (``_row``), which
    :meth:`retrostudy.data.store.Store.table` leaves out."""
    working = "column_name = '_h' OR ends_with(column_name, '__src')"
    for (column,) in run(con, f"SELECT column_name FROM (DESCRIBE {quote(name)}) "
                              f"WHERE {working}"):
        run(con, f"ALTER TABLE {quote(name)} DROP COLUMN {quote(column)}")
    run(con, f"ALTER TABLE {quote(name)} RENAME COLUMN _row TO source_row")


def structure_problems(con, name: str, file: str, patients_ok: bool,
                       extraction: dt.date | None = None) -> None:
    """Duplicates, unknown patients, impossible order and dates after ``extraction`` (the
    extraction date); offending rows leave ``name``."""
    table = TABLES[name]
    t = quote(name)
    clean = (f"(SELECT * FROM {t} x WHERE NOT EXISTS (SELECT 1 FROM _problems p WHERE "
             f"p.tbl = {literal(name)} AND p.row = x._row))")
    insert = f"{_INSERT}{literal(name)}, {literal(file)}, "
    if extraction is not None:
        day = literal(extraction.isoformat())
        for column in (c.name for c in table.columns if c.type == "date"):
            c = quote(column)
            run(con, f"{insert} _row, {literal(column)}, CAST({c} AS VARCHAR), "
                     f"'after_extraction', {literal('dated after the extraction date ')} || "
                     f"{day}, NULL FROM {t} WHERE {c} > DATE {day} AND {in_range_sql(c)}")
    _duplicates(con, name, insert, clean)
    if table.patient_level:
        _order(con, insert, t, "death_date", "birth_date", "death_before_birth",
               "death date before birth date", "")
        _order(con, insert, t, "last_contact_date", "birth_date", "before_birth",
               "last contact before birth date", "")
        _order(con, insert, t, "death_date", "last_contact_date", "after_death",
               "last contact after death date", "", reverse=True)
    else:
        if patients_ok:
            run(con,
                f"{insert} _row, 'patient_id', patient_id, 'unknown_patient', "
                f"'no such patient in patients', NULL FROM {t} x "
                f"WHERE x.patient_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM patients p "
                f"WHERE p.patient_id = x.patient_id)"
            )
            join = " JOIN patients p USING (patient_id)"
            _order(con, insert, t, "date", "p.birth_date", "before_birth",
                   "record dated before birth", join)
            _order(con, insert, t, "p.death_date", "date", "after_death",
                   "record dated after death", join, reverse=True)
        if "end_date" in table.column_names:
            _order(con, insert, t, "end_date", "date", "end_before_start",
                   "end date before start date", "")
    _delete_rejected(con, name)


def _duplicates(con, name: str, insert: str, clean: str) -> None:
    """Exact duplicate rows and duplicate keys with different values.

    One hash aggregate over the key finds the (usually zero) duplicated keys; the
    windows that name the first row then run on those few rows only.
    """
    table = TABLES[name]
    compared = [c for c in table.column_names if c != "drug_source"]
    same = ", ".join(quote(c) for c in compared)
    keys = ", ".join(quote(c) for c in table.key)
    # A 64-bit hash of the key is grouped (much cheaper than the strings), over all rows,
    # in buckets of ~10M rows so the hash table stays small (< ~0.3 GB) at 40M rows. Equal
    # keys have equal hashes, so no duplicate is missed; a collision only adds candidates,
    # which the exact windows below sort out (rows with value problems are left out there).
    key_hash = "_h"  # hash of the key, computed in typed_view
    rows = run(con, f"SELECT count(*) FROM {quote(name)}")[0][0]
    buckets = max(1, -(-rows // _BUCKET_ROWS))
    run(con, "CREATE OR REPLACE TEMP TABLE _dup_keys (h UBIGINT)")
    for bucket in range(buckets):
        run(con, f"INSERT INTO _dup_keys SELECT {key_hash} FROM {quote(name)} "
                 f"WHERE {key_hash} % {buckets} = {bucket} GROUP BY ALL HAVING count(*) > 1")
    if not run(con, "SELECT count(*) FROM _dup_keys")[0][0]:
        return
    run(con, f"CREATE OR REPLACE TEMP TABLE _dups AS SELECT * FROM {clean} x "
             f"WHERE {key_hash} IN (SELECT h FROM _dup_keys)")
    shown = quote(table.key[-1])
    run(con,
        f"{insert} _row, {literal(table.key[-1])}, CAST({shown} AS VARCHAR), "
        f"'duplicate_row', 'exact duplicate of row ' || first_row, NULL FROM (SELECT *, "
        f"min(_row) OVER (PARTITION BY {same}) AS first_row FROM _dups) WHERE _row <> first_row")
    if set(table.key) != set(compared):
        run(con,
            f"{insert} _row, {literal(table.key[-1])}, CAST({shown} AS VARCHAR), "
            f"'duplicate_key', 'same {'/'.join(table.key)} as row ' || first_row || "
            f"' with different values', NULL FROM (SELECT *, min(_row) OVER (PARTITION BY "
            f"{keys}) AS first_row, min(_row) OVER (PARTITION BY {same}) AS copy_of FROM _dups) "
            f"WHERE _row <> first_row AND _row = copy_of")


def _order(con, insert, t, late, early, code, message, join, reverse=False):
    """Flag rows where ``late`` < ``early`` (the shown column is the record's own)."""
    column = (early if reverse else late).removeprefix("p.")

    def q(name: str) -> str:
        return "p." + quote(name[2:]) if name.startswith("p.") else "x." + quote(name)

    late, early = q(late), q(early)
    run(con,
        f"{insert} x._row, {literal(column)}, CAST(x.{quote(column)} AS VARCHAR), "
        f"{literal(code)}, {literal(message)} || ' (' || {literal(_label(early))} || ' ' || "
        f"CAST({early} AS VARCHAR) || ', ' || {literal(_label(late))} || ' ' || "
        f"CAST({late} AS VARCHAR) || ')', NULL FROM {t} x{join} WHERE {late} < {early} "
        f"AND {in_range_sql(late)} AND {in_range_sql(early)}"
    )


def _label(column: str) -> str:
    name = column.split(".")[-1].strip('"')
    return {"date": "record", "birth_date": "birth", "death_date": "death",
            "last_contact_date": "last contact", "end_date": "end"}.get(name, name)


def _delete_rejected(con, name: str) -> None:
    """Name each problem's patient (its row's patient_id), then drop the rejected rows."""
    run(con,
        f"UPDATE _problems p SET patient = CAST(x.patient_id AS VARCHAR) FROM {quote(name)} x "
        f"WHERE p.tbl = {literal(name)} AND p.row = x._row")
    run(con,
        f"DELETE FROM {quote(name)} WHERE _row IN (SELECT row FROM _problems "
        f"WHERE tbl = {literal(name)})"
    )


def allowed_hint(name: str, column: str) -> str:
    text = f"allowed: {', '.join(allowed(name, column))} (common spellings are accepted)"
    if (name, column) == ("biomarkers", "result"):
        text += ("; or a score: HER2 IHC 0-3+, HER2/CEP17 ratio, HER2 copy number, "
                 "amplified/not amplified, ER/PgR percentage or Allred score")
    return text


def allowed_hints_sql() -> str:
    """CASE branches giving the invalid_value hint of every categorical column (and of an
    observation's ECOG value)."""
    ecog = ("WHEN p.tbl = 'observations' AND p.col = 'value' THEN 'allowed ECOG values: 0, 1, "
            "2, 3, 4, 5 (1.0 and full-width digits are read as the digit)'")
    return " ".join(
        f"WHEN p.tbl = {literal(t)} AND p.col = {literal(c)} THEN {literal(allowed_hint(t, c))}"
        for t in TABLES for c in categorical_columns(t)
    ) + " " + ecog
