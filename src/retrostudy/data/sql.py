"""The few SQL helpers every loader module uses (DuckDB connection, configuration text)."""

from __future__ import annotations


def run(con, sql: str, params=None) -> list:
    """Execute ``sql`` and consume its result (DuckDB 2 refuses new work until then)."""
    return con.execute(sql, params or []).fetchall()


def quote(identifier: str) -> str:
    """An SQL identifier, double-quoted (user headers may hold anything)."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal for configuration text (formats, paths), never for data values."""
    return "'" + text.replace("'", "''") + "'"
