"""Records: load hospital extracts into an engine as the canonical tables, validated.

Entry points: :func:`load_records` (raises :class:`~retrostudy.errors.DataError` listing
every error), :func:`check_records` (the same, reporting instead of raising),
:func:`load_vocabulary` (drug spellings -> ingredients and classes) and :class:`Store`.
"""

from retrostudy.data.load import check_records, load_records
from retrostudy.data.result import Finding, LoadResult, SourceFile, TableCount
from retrostudy.data.store import Store, duckdb_backend
from retrostudy.data.vocabulary import DrugEntry, Vocabulary, load_vocabulary

__all__ = [
    "DrugEntry",
    "Finding",
    "LoadResult",
    "SourceFile",
    "Store",
    "TableCount",
    "Vocabulary",
    "check_records",
    "duckdb_backend",
    "load_records",
    "load_vocabulary",
]
