"""Date columns: declared formats, or formats detected over the whole column.

Detection never guesses silently. Year-first formats are unambiguous. For each
day-first/month-first pair (``%d/%m/%Y`` vs ``%m/%d/%Y``) the column decides: if some
values parse only day-first (a day above 12) and none only month-first, the column is
day-first, and vice versa. Otherwise every value that parses both ways *to different
dates* (03/04/2015) is flagged ``ambiguous_date`` with the hint to declare
``date_format``. The formats used are returned so reports can show them.

All of this runs in DuckDB; formats are configuration (quoted as literals), data values
never enter the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrostudy.data.readers import literal, quote

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


@dataclass(frozen=True, slots=True, kw_only=True)
class DateParse:
    """How one column's text becomes a DATE."""

    column: str
    formats: tuple[str, ...]  # empty for typed (DATE/TIMESTAMP) source columns
    detected: bool
    value_sql: str  # DATE expression of {col} (the column) and {text} (its trimmed text)
    ambiguous_sql: str  # BOOLEAN expression of {text}: reads differently day-/month-first

    def value(self, col: str, text: str) -> str:
        return self.value_sql.format(col=col, text=text)

    def ambiguous(self, text: str) -> str:
        return self.ambiguous_sql.format(text=text)


def _text(column: str) -> str:
    return f"NULLIF(trim(CAST({quote(column)} AS VARCHAR)), '')"


def _strptime(formats) -> str:
    items = ", ".join(literal(f).replace("{", "{{").replace("}", "}}") for f in formats)
    return f"CAST(try_strptime({{text}}, [{items}]) AS DATE)"


def plan_date(con, raw: str, column: str, declared: tuple[str, ...]) -> DateParse:
    """Decide how ``column`` of table ``raw`` is parsed (one or two aggregate scans)."""
    # DuckDB identifiers are case-insensitive: an alias may keep the header's case
    kinds = {r[0].lower(): r[1] for r in con.execute(
        f"DESCRIBE SELECT * FROM {quote(raw)}").fetchall()}
    kind = kinds[column.lower()]
    if kind == "DATE" or kind.startswith("TIMESTAMP"):
        return DateParse(column=column, formats=(), detected=False,
                         value_sql="CAST({col} AS DATE)", ambiguous_sql="FALSE")
    if declared:
        return DateParse(column=column, formats=declared, detected=False,
                         value_sql=_strptime(declared), ambiguous_sql="FALSE")
    text = _text(column)
    iso = "CAST(try_cast({text} AS TIMESTAMP) AS DATE)"
    n, n_iso = con.execute(
        f"SELECT count({text}), count({iso.format(text=text)}) FROM {quote(raw)}").fetchall()[0]
    if n == n_iso:
        return DateParse(column=column, formats=("ISO 8601",), detected=True,
                         value_sql=iso, ambiguous_sql="FALSE")
    return _detect(con, raw, column)


def _detect(con, raw: str, column: str) -> DateParse:
    parse = {f: f"try_strptime({_text(column)}, {literal(f)})" for f in YEAR_FIRST}
    aggregates = [f"count({expr})" for expr in parse.values()]
    for day, month in PAIRS:
        d, m = f"try_strptime({_text(column)}, {literal(day)})", \
            f"try_strptime({_text(column)}, {literal(month)})"
        aggregates += [f"count({d})", f"count({m})",
                       f"count_if({d} IS NOT NULL AND {m} IS NULL)",
                       f"count_if({m} IS NOT NULL AND {d} IS NULL)"]
    counts = con.execute(f"SELECT {', '.join(aggregates)} FROM {quote(raw)}").fetchall()[0]
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
            d, m = (f"try_strptime({{text}}, {literal(f)})" for f in (day, month))
            ambiguous.append(f"({d} IS NOT NULL AND {m} IS NOT NULL AND {d} <> {m})")
    formats_t = tuple(formats) or ("%Y-%m-%d",)
    return DateParse(column=column, formats=formats_t, detected=True,
                     value_sql=_strptime(formats_t),
                     ambiguous_sql=" OR ".join(ambiguous) or "FALSE")


def in_range_sql(expr: str) -> str:
    """BOOLEAN: the parsed date's year is plausible (catches %Y reading '15' as year 15)."""
    return f"(year({expr}) BETWEEN {MIN_YEAR} AND {MAX_YEAR})"
