"""Drug codes from an OHDSI Athena vocabulary download, when a site has one.

``[data] athena_vocabulary = "vocab"`` names a folder holding ``CONCEPT.csv`` and
``CONCEPT_RELATIONSHIP.csv`` as Athena ships them (tab-separated, a header row, no
quoting). :func:`athena_codes` reads, in DuckDB:

- RxNorm and RxNorm Extension **ingredients** (``concept_class_id = 'Ingredient'``, valid):
  their RxNorm code (``concept_code``) and OMOP ``concept_id``;
- **ATC 5th-level** codes linked to exactly one such ingredient by an ``ATC - RxNorm`` or
  ``ATC - RxNorm pr lat`` relationship (a combination code linked to several ingredients
  names none of them and is left out).

Each code comes with the ingredient's name; :func:`~retrostudy.data.vocabulary.load_vocabulary`
maps it to the vocabulary's ingredient of that name (``drugs.csv`` or ``[[data.drugs]]``),
where it takes precedence over a shipped code. Ingredients the vocabulary does not know are
not added (their class is unknown): add their spelling to ``[[data.drugs]]`` and their
codes follow. Brand, local and Japanese spellings stay in ``drugs.csv`` and the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from retrostudy.errors import DataError, Problem

CONCEPT_COLUMNS = ("concept_id", "concept_name", "vocabulary_id", "concept_class_id",
                   "concept_code", "invalid_reason")
"""The columns of CONCEPT.csv read (Athena's file has these among others)."""
RELATIONSHIP_COLUMNS = ("concept_id_1", "concept_id_2", "relationship_id", "invalid_reason")
ATC_RELATIONSHIPS = ("ATC - RxNorm", "ATC - RxNorm pr lat")


@dataclass(frozen=True, slots=True, kw_only=True)
class AthenaCode:
    """One code of an ingredient: ``system`` is ``RxNorm``, ``OMOP`` or ``ATC``."""

    system: str
    code: str
    ingredient_name: str  # as Athena names the RxNorm ingredient, lower case


def athena_codes(folder: str | Path) -> tuple[AthenaCode, ...]:
    """The ingredient codes of the Athena download in ``folder`` (sorted, for stable output).

    Raises :class:`DataError` naming the file when a file is missing or lacks a column."""
    folder = Path(folder)
    files = {name: folder / f"{name}.csv" for name in ("CONCEPT", "CONCEPT_RELATIONSHIP")}
    problems = [Problem(message="Athena vocabulary file not found", file=str(path),
                        hint="download the vocabularies from athena.ohdsi.org and point "
                             "[data] athena_vocabulary at the unzipped folder",
                        code="file_not_found")
                for path in files.values() if not path.is_file()]
    if problems:
        raise DataError(problems)
    con = duckdb.connect()
    try:
        for name, columns in (("CONCEPT", CONCEPT_COLUMNS),
                              ("CONCEPT_RELATIONSHIP", RELATIONSHIP_COLUMNS)):
            _view(con, name, files[name], columns)
        rows = con.execute(_SQL, [list(ATC_RELATIONSHIPS)]).fetchall()
    finally:
        con.close()
    return tuple(AthenaCode(system=s, code=c, ingredient_name=n) for s, c, n in rows)


def _view(con, name: str, path: Path, columns: tuple[str, ...]) -> None:
    """A view of one Athena file (every column text; tab-separated, nothing quoted)."""
    try:
        rel = con.read_csv(str(path), sep="\t", header=True, quotechar="", escapechar="",
                           all_varchar=True)
    except duckdb.Error as error:
        raise DataError([Problem(message=f"not a readable Athena file: {error}".split("\n")[0],
                                 file=str(path), code="unreadable_file")]) from None
    found = [c.lower() for c in rel.columns]
    missing = [c for c in columns if c not in found]
    if missing:
        raise DataError([Problem(
            message=f"Athena file lacks column(s) {', '.join(missing)}", file=str(path),
            value=", ".join(rel.columns)[:200], code="missing_column",
            hint="use the tab-separated files of an Athena download, unchanged")])
    con.register(f"_{name.lower()}_rel", rel)
    con.execute(f"CREATE TEMP VIEW {name.lower()} AS SELECT * FROM _{name.lower()}_rel")


_SQL = """
WITH ingredient AS (
    SELECT concept_id, lower(trim(concept_name)) AS name, vocabulary_id, concept_code
    FROM concept
    WHERE vocabulary_id IN ('RxNorm', 'RxNorm Extension') AND concept_class_id = 'Ingredient'
      AND COALESCE(invalid_reason, '') = ''
), atc AS (
    SELECT concept_id, concept_code FROM concept
    WHERE vocabulary_id = 'ATC' AND concept_class_id = 'ATC 5th'
), link AS (
    SELECT a.concept_code AS atc, i.name
    FROM concept_relationship r
    JOIN atc a ON a.concept_id = r.concept_id_1
    JOIN ingredient i ON i.concept_id = r.concept_id_2
    WHERE r.relationship_id IN (SELECT unnest(?)) AND COALESCE(r.invalid_reason, '') = ''
)
SELECT * FROM (
    SELECT 'RxNorm' AS system, concept_code AS code, name FROM ingredient
    WHERE vocabulary_id = 'RxNorm'
    UNION ALL
    SELECT 'OMOP', concept_id, name FROM ingredient
    UNION ALL
    SELECT 'ATC', atc, min(name) FROM link GROUP BY atc HAVING count(DISTINCT name) = 1
) ORDER BY system, code
"""
