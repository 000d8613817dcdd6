"""Date columns: declared formats, or formats detected over the whole column.

Detection never guesses silently. Year-first formats are unambiguous. For each
day-first/month-first pair (``%d/%m/%Y`` vs ``%m/%d/%Y``) the column decides: if some
values parse only day-first (a day above 12) and none only month-first, the column is
day-first, and vice versa. Otherwise every value that parses both ways *to different
dates* (03/04/2015) is flagged ``ambiguous_date`` with the hint to declare
``date_format``. The formats used are returned so reports can show them.

Before any format is tried, full-width characters (２０１５／０３／０４) become ASCII, and
Japanese era dates are read on their own: 令和3年4月1日, R3.4.1, H28/4/1, 平成28年4月1日,
S63.1.7, 昭和63年1月7日, 大正/T, 明治/M, and 元年 (year 1); 令和 N = 2018 + N, 平成 N =
1988 + N, 昭和 N = 1925 + N, 大正 N = 1911 + N, 明治 N = 1867 + N. A column of five-digit
whole numbers between 10000 and 73050 (a date cell exported as its number) is read as Excel
serial day numbers (1899-12-30 + n: 1927 to 2099).

All of this runs in DuckDB; formats are configuration (quoted as literals), data values
never enter the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrostudy.data.readers import literal, quote, run

YEAR_FIRST = (
    "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日",
    "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S",
    "%d-%b-%Y", "%d %b %Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y",
)
PAIRS = (
    ("%d/%m/%Y", "%m/%d/%Y"),
    ("%d-%m-%Y", "%m-%d-%Y"),
    ("%d.%m.%Y", "%m.%d.%Y"),
)
MIN_YEAR, MAX_YEAR = 1900, 2100
ERA_LABEL = "Japanese era (令和/平成/昭和/大正/明治)"
SERIAL_LABEL = "Excel serial day number"
_FULL_WIDTH = "".join(chr(0xFF01 + i) for i in range(94)) + "\u3000"
_ASCII = "".join(chr(0x21 + i) for i in range(94)) + " "
_ERA = (r"^(令和|平成|昭和|大正|明治|[RHSTMrhstm])\s*(\d{1,2}|元)\s*[年./-]\s*(\d{1,2})"
        r"\s*[月./-]\s*(\d{1,2})\s*日?$")
_ERA_YEAR = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988, "昭和": 1925, "S": 1925,
             "大正": 1911, "T": 1911, "明治": 1867, "M": 1867}
_SERIAL = r"\d{5}(\.0+)?"
NORM = "_rs_ascii({text})"  # {text} with full-width characters as ASCII
ERA = "_rs_era(_rs_ascii({text}))"  # DATE of an era date, else NULL


def text_macros(con) -> None:
    """The connection's text normalisers (temporary macros: configuration text only)."""
    pattern = literal(_ERA)
    offset = " ".join(f"WHEN {literal(k)} THEN {v}" for k, v in _ERA_YEAR.items())
    # translate() walks its 95-character map for every character (~8 us a cell); a pure
    # ASCII text (byte length = character length), nearly every cell, holds nothing to map
    run(con, f"CREATE OR REPLACE TEMP MACRO _rs_ascii(t) AS CASE WHEN strlen(t) = length(t) "
             f"THEN t ELSE translate(t, {literal(_FULL_WIDTH)}, {literal(_ASCII)}) END")
    run(con,
        "CREATE OR REPLACE TEMP MACRO _rs_era(t) AS CASE WHEN regexp_matches(t, "
        f"{pattern}) THEN CAST(try_strptime(CAST((CASE upper(regexp_extract(t, {pattern}, 1)) "
        f"{offset} END) + (CASE WHEN regexp_extract(t, {pattern}, 2) = '元' THEN 1 ELSE "
        f"CAST(regexp_extract(t, {pattern}, 2) AS INTEGER) END) AS VARCHAR) || '-' || "
        f"regexp_extract(t, {pattern}, 3) || '-' || regexp_extract(t, {pattern}, 4), "
        "'%Y-%m-%d') AS DATE) END")


@dataclass(frozen=True, slots=True, kw_only=True)
class DateParse:
    """How one column's text becomes a DATE."""

    column: str
    formats: tuple[str, ...]  # empty for typed (DATE/TIMESTAMP) source columns
    detected: bool
    value_sql: str  # DATE expression of {col} (the column) and {text} (its trimmed text)
    ambiguous_sql: str  # BOOLEAN expression of {text}: reads differently day-/month-first
    texts: str | None = None  # table of the column's distinct trimmed texts (text columns)

    def value(self, col: str, text: str) -> str:
        return self.value_sql.format(col=col, text=text)

    def ambiguous(self, text: str) -> str:
        return self.ambiguous_sql.format(text=text)


def _text(column: str) -> str:
    return f"NULLIF(trim(CAST({quote(column)} AS VARCHAR)), '')"


def _strptime(formats) -> str:
    items = ", ".join(literal(f).replace("{", "{{").replace("}", "}}") for f in formats)
    return f"COALESCE({ERA}, CAST(try_strptime({NORM}, [{items}]) AS DATE))"


def plan_date(con, raw: str, column: str, declared: tuple[str, ...]) -> DateParse:
    """Decide how ``column`` of table ``raw`` is parsed.

    A text column's distinct trimmed texts and their row counts go to one small table
    (``DateParse.texts``: column ``column`` and ``_n``); the format counts are sums of
    ``_n`` over it, so each text is parsed once however many rows hold it (a date column
    of millions of rows holds a few tens of thousands of days)."""
    # DuckDB identifiers are case-insensitive: an alias may keep the header's case
    kinds = {r[0].lower(): r[1] for r in con.execute(
        f"DESCRIBE SELECT * FROM {quote(raw)}").fetchall()}
    kind = kinds[column.lower()]
    if kind == "DATE" or kind.startswith("TIMESTAMP"):
        return DateParse(column=column, formats=(), detected=False,
                         value_sql="CAST({col} AS DATE)", ambiguous_sql="FALSE")
    text_macros(con)
    texts = f"_dates_{raw}_{column}"
    run(con, f"CREATE OR REPLACE TEMP TABLE {quote(texts)} AS SELECT {_text(column)} AS "
             f"{quote(column)}, count(*) AS _n FROM {quote(raw)} GROUP BY 1")
    if declared:
        return DateParse(column=column, formats=declared, detected=False,
                         value_sql=_strptime(declared), ambiguous_sql="FALSE", texts=texts)
    era = ERA.format(text=_text(column))
    rest = f"CASE WHEN {era} IS NULL THEN {NORM.format(text=_text(column))} END"
    iso = "CAST(try_cast({text} AS TIMESTAMP) AS DATE)"
    serial = f"regexp_full_match({rest}, {literal(_SERIAL)}) AND " \
             f"TRY_CAST({rest} AS DOUBLE) BETWEEN 10000 AND 73050"
    n, n_iso, n_era, n_serial = con.execute(
        f"SELECT {_rows(rest + ' IS NOT NULL')}, {_rows(iso.format(text=rest) + ' IS NOT NULL')}"
        f", {_rows(era + ' IS NOT NULL')}, {_rows(serial)} FROM {quote(texts)}").fetchall()[0]
    label = (ERA_LABEL,) if n_era else ()
    if n == n_iso:
        return DateParse(column=column, formats=("ISO 8601", *label), detected=True,
                         value_sql=f"COALESCE({ERA}, {iso.format(text=NORM)})",
                         ambiguous_sql="FALSE", texts=texts)
    if n == n_serial:
        number = literal(_SERIAL).replace("{", "{{").replace("}", "}}")
        value = (f"COALESCE({ERA}, CASE WHEN regexp_full_match({NORM}, {number}) THEN "
                 f"DATE '1899-12-30' + CAST(TRY_CAST({NORM} AS DOUBLE) AS INTEGER) END)")
        return DateParse(column=column, formats=(SERIAL_LABEL, *label), detected=True,
                         value_sql=value, ambiguous_sql="FALSE", texts=texts)
    plan = _detect(con, texts, column, rest)
    return DateParse(column=column, formats=(*plan.formats, *label), detected=True,
                     value_sql=plan.value_sql, ambiguous_sql=plan.ambiguous_sql, texts=texts)


def _rows(condition: str) -> str:
    """The number of rows (``_n`` per distinct text) for which ``condition`` holds."""
    return f"CAST(COALESCE(sum(_n) FILTER (WHERE {condition}), 0) AS BIGINT)"


def _detect(con, texts: str, column: str, text: str) -> DateParse:
    """``text``: the column's text without era dates, full-width characters as ASCII;
    ``texts``: the table of distinct texts and their row counts (:func:`plan_date`)."""
    parse = {f: f"try_strptime({text}, {literal(f)})" for f in YEAR_FIRST}
    aggregates = [_rows(f"{expr} IS NOT NULL") for expr in parse.values()]
    for day, month in PAIRS:
        d, m = f"try_strptime({text}, {literal(day)})", \
            f"try_strptime({text}, {literal(month)})"
        aggregates += [_rows(f"{d} IS NOT NULL"), _rows(f"{m} IS NOT NULL"),
                       _rows(f"{d} IS NOT NULL AND {m} IS NULL"),
                       _rows(f"{m} IS NOT NULL AND {d} IS NULL")]
    counts = con.execute(f"SELECT {', '.join(aggregates)} FROM {quote(texts)}").fetchall()[0]
    formats = [f for f, c in zip(YEAR_FIRST, counts, strict=False) if c]
    ambiguous = []
    offset = len(YEAR_FIRST)
    for i, (day, month) in enumerate(PAIRS):
        n_day, n_month, only_day, only_month = counts[offset + 4 * i: offset + 4 * i + 4]
        if not (n_day or n_month):
            continue
        if only_day and not only_month:
            formats.append(day)
        elif only_month and not only_day:
            formats.append(month)
        else:
            formats += [day, month]
            d, m = (f"try_strptime({NORM}, {literal(f)})" for f in (day, month))
            ambiguous.append(f"({d} IS NOT NULL AND {m} IS NOT NULL AND {d} <> {m})")
    formats_t = tuple(formats) or ("%Y-%m-%d",)
    return DateParse(column=column, formats=formats_t, detected=True,
                     value_sql=_strptime(formats_t),
                     ambiguous_sql=" OR ".join(ambiguous) or "FALSE")


def in_range_sql(expr: str) -> str:
    """BOOLEAN: the parsed date's year is plausible (catches %Y reading '15' as year 15)."""
    return f"(year({expr}) BETWEEN {MIN_YEAR} AND {MAX_YEAR})"
