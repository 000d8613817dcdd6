"""The record store: canonical tables living in an engine (an Ibis backend).

Layers above ``data`` receive a :class:`Store` explicitly and read tables through
:meth:`Store.table`; nothing reaches for a global connection. DuckDB (in memory or a
file) is the default engine; any Ibis backend that can hold these tables works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import pandas as pd

from retrostudy.data.schema import TABLES, Table

_PANDAS_TYPES = {
    "string": "string",
    "date": "datetime64[s]",
    "integer": "Int64",
    "float": "float64",
    "boolean": "boolean",
}
_IBIS_TYPES = {
    "string": "string",
    "date": "date",
    "integer": "int64",
    "float": "float64",
    "boolean": "boolean",
}


def duckdb_backend(path: str | None = None) -> ibis.BaseBackend:
    """A DuckDB engine, in memory by default or in a database file at ``path``."""
    return ibis.duckdb.connect(path or ":memory:")


def ibis_schema(table: Table) -> ibis.Schema:
    return ibis.schema({c.name: _IBIS_TYPES[c.type] for c in table.columns})


def conform(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return ``frame`` with exactly the canonical columns of ``table``, typed.

    Optional columns that are absent are added empty. The frame must already hold
    valid, canonical values (validation happens in the readers, not here).
    """
    missing = [c for c in table.required if c not in frame.columns]
    if missing:
        raise ValueError(f"table {table.name!r}: missing required column(s) {missing}")
    out = {}
    for col in table.columns:
        values = frame[col.name] if col.name in frame.columns else pd.Series(
            [None] * len(frame), index=frame.index
        )
        out[col.name] = values.astype(_PANDAS_TYPES[col.type]) if col.type != "date" else (
            pd.to_datetime(values).astype("datetime64[s]")
        )
    return pd.DataFrame(out).reset_index(drop=True)


@dataclass(frozen=True, slots=True)
class Store:
    """Canonical tables in an engine. ``backend`` is the Ibis connection that holds them."""

    backend: ibis.BaseBackend

    def table(self, name: str) -> ibis.Table:
        if name not in TABLES:
            raise KeyError(f"unknown canonical table {name!r}; known: {sorted(TABLES)}")
        return self.backend.table(name)

    @classmethod
    def from_frames(
        cls, frames: Mapping[str, pd.DataFrame], backend: ibis.BaseBackend | None = None
    ) -> Store:
        """Put already-valid canonical frames into ``backend`` (a new DuckDB by default).

        Every canonical table exists afterwards; tables not given are created empty.
        """
        unknown = set(frames) - set(TABLES)
        if unknown:
            raise KeyError(f"unknown canonical table(s) {sorted(unknown)}; known: {sorted(TABLES)}")
        backend = backend if backend is not None else duckdb_backend()
        for name, table in TABLES.items():
            frame = frames.get(name)
            if frame is None:
                backend.create_table(name, schema=ibis_schema(table), overwrite=True)
            else:
                backend.create_table(
                    name, conform(frame, table), schema=ibis_schema(table), overwrite=True
                )
        return cls(backend)
