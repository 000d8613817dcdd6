"""Endpoint definitions and record accounting: what the report says about its own inputs.

Two sources, both optional (an analysis-table study has neither):

- the data layer's :class:`~retrostudy.data.load.LoadResult`: rows read, loaded and
  rejected per canonical table (read = loaded + rejected, checked here too) and the
  classes of problems that sent rows to the ``rejects`` table;
- the endpoint layer's :class:`~retrostudy.endpoints.Endpoints`: each endpoint's rule in
  words (``definitions``) and every bad-input rule that fired (``counts``).

Tables here go through small-cell suppression like every other table: the patient counts
of the bad-input table carry their integer (``Cell.count``); record counts do not (they
count rows of the extract, not patients).
"""

from __future__ import annotations

from dataclasses import dataclass

from retrostudy.report.document import Paragraph, TableItem
from retrostudy.report.suppression import mask_count
from retrostudy.report.table import Cell, Row, Table

RECORDS_KEY = "data_records"
REJECTIONS_KEY = "data_rejections"
BAD_INPUT_KEY = "endpoint_bad_input"
EPISODE_LINES_KEY = "data_episode_lines"
_ACTIONS = {"quarantine": "row rejected (kept in the rejects table)", "error": "stops the run",
            "warning": "loading goes on; counted and reported",
            "note": "not read, as the protocol says ([data] ignore)"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Quality:
    """What the pipeline knows about its inputs (``None`` where that layer did not run)."""

    load: object = None  # retrostudy.data.LoadResult (record-level runs)
    endpoints: object = None  # retrostudy.endpoints.Endpoints (record-level runs)
    analysis_table: str | None = None  # the file of an analysis-table run
    episode_lines: dict | None = None  # OMOP regimen episodes vs derived lines (counts)

    @property
    def from_records(self) -> bool:
        return self.load is not None or self.endpoints is not None


def record_counts(load) -> dict[str, dict[str, int]]:
    """Table -> read, loaded, rejected (and, for an OMOP table, not_relevant: its concept is
    in no set); raises if a table's rows do not add up."""
    out = {}
    for table, c in load.counts.items():
        read, loaded, rejected = int(c.read), int(c.loaded), int(c.rejected)
        omop = hasattr(c, "not_relevant")
        other = int(c.not_relevant) if omop else 0
        if read != loaded + rejected + other:
            raise AssertionError(
                f"{table}: {read} rows read but {loaded} loaded + {rejected} rejected"
                + (f" + {other} not relevant" if omop else "")
            )
        out[str(table)] = {"read": read, "loaded": loaded, "rejected": rejected,
                           **({"not_relevant": other} if omop else {})}
    return out


def load_problems(load) -> list[dict]:
    """One entry per (table, problem class), in the order the loader reported them; a
    warning (an entry of the data folder not read, a spelling accepted) per file."""
    out: dict[tuple, dict] = {}
    for f in load.problems:
        key = (f.table, f.problem.code,
               f.problem.file if f.severity in ("warning", "note") else None)
        if key in out:
            continue
        p = f.problem
        where = ", ".join(x for x in (p.file, f"row {p.row}" if p.row is not None else None) if x)
        out[key] = {
            "table": f.table,
            "code": p.code,
            "severity": f.severity,
            "occurrences": int(f.count),
            "example": f"{where}: {p.message}" if where else p.message,
        }
    return list(out.values())


def bad_input(endpoints) -> list[dict]:
    """Every endpoint bad-input rule that fired: rule, scope, n_records, n_patients, action."""
    if endpoints is None or endpoints.counts is None or endpoints.counts.empty:
        return []
    return [
        {
            "rule": str(r.rule),
            "scope": str(r.scope),
            "n_records": int(r.n_records),
            "n_patients": int(r.n_patients),
            "action": str(r.action),
        }
        for r in endpoints.counts.itertuples(index=False)
    ]


def definitions(q: Quality, protocol) -> dict[str, str]:
    """Endpoint name -> the rule in words (derived endpoints), or where the columns came from."""
    if q.endpoints is not None:
        return {str(k): str(v) for k, v in q.endpoints.definitions.items()}
    if q.analysis_table is None:
        return {}
    return {
        s.endpoint: (
            f"{s.text}: read as given from columns {s.endpoint}_days and {s.endpoint}_event "
            f"of the analysis table {q.analysis_table} (not derived from records here)."
        )
        for s in protocol.analyses.survival
    }


def to_json(q: Quality, protocol, supp) -> tuple[dict, dict]:
    """(``endpoint_definitions``, ``data_quality``) of results.json (docs/results-schema.md)."""
    rules = bad_input(q.endpoints)
    if supp.threshold > 0:
        for r in rules:
            n = r["n_patients"]
            r["n_patients"] = (
                n if not 0 < n < supp.threshold else mask_count(n, supp.threshold, supp.mask)
            )
    quality = {
        "source": "records" if q.from_records else "analysis_table",
        "analysis_table": q.analysis_table,
        "records": None if q.load is None else record_counts(q.load),
        "load_problems": [] if q.load is None else load_problems(q.load),
        "bad_input": rules,
    }
    if q.episode_lines is not None:
        quality["episode_lines"] = dict(q.episode_lines)
    return definitions(q, protocol), quality


def tables(q: Quality) -> dict[str, Table]:
    """The accounting tables (only those with something to show)."""
    out = {}
    if q.load is not None:
        out[RECORDS_KEY] = _records_table(q.load)
        problems = load_problems(q.load)
        if problems:
            out[REJECTIONS_KEY] = _rejections_table(problems)
    rules = bad_input(q.endpoints)
    if rules:
        out[BAD_INPUT_KEY] = _bad_input_table(rules)
    if q.episode_lines is not None:
        out[EPISODE_LINES_KEY] = _episode_lines_table(q.episode_lines)
    return out


def _text(*texts: str) -> tuple[Cell, ...]:
    return tuple(Cell(text=t) for t in texts)


def _records_table(load) -> Table:
    counts = record_counts(load)
    keys = ("read", "loaded", "rejected")
    omop = any("not_relevant" in c for c in counts.values())
    keys += ("not_relevant",) if omop else ()
    rows = [Row(label=t, cells=_text(*(str(c[k]) for k in keys))) for t, c in counts.items()]
    total = {k: sum(c[k] for c in counts.values()) for k in keys}
    rows.append(Row(label="All tables", cells=_text(*(str(total[k]) for k in total)), heading=True))
    return Table(
        key=RECORDS_KEY,
        title="Records read, loaded and rejected per table",
        stub="Table",
        columns=("Read", "Loaded", "Rejected") + (("Not relevant",) if omop else ()),
        rows=tuple(rows),
        footnotes=(
            ("Rows read = rows loaded + rows rejected + rows not relevant (an OMOP row whose "
             "concept is in no concept set), for every table. " if omop else
             "Rows read = rows loaded + rows rejected, for every table. ")
            + "Rejected rows are kept, with the reason, in the engine's rejects table; none "
            "is dropped silently.",
        ),
    )


def _episode_lines_table(s: dict) -> Table:
    labels = (("derived_lines", "Lines derived by the protocol's [lines] rules"),
              ("episode_lines", "Treatment Regimen episodes in the CDM"),
              ("matched", "Same patient and line number in both"),
              ("same_start", "... with the same start date"),
              ("same_drugs", "... with the same drugs"),
              ("episode_only", "Episode lines with no derived line"),
              ("derived_only", "Derived lines with no episode line"))
    return Table(
        key=EPISODE_LINES_KEY,
        title="Lines of therapy: derived lines and the CDM's regimen episodes",
        stub="Lines",
        columns=("Number",),
        rows=tuple(Row(label=text, cells=_text(str(s[k]))) for k, text in labels),
        footnotes=(
            f"Analysed patients ({s['patients']}). The analysis uses the derived lines; the "
            "regimen episodes (episode_number = line) are a check of the source's line "
            "rules, compared by retrostudy.data.omop.episodes.compare_lines. Counts are "
            "lines, not patients.",
        ),
    )


def _rejections_table(problems: list[dict]) -> Table:
    rows = tuple(
        Row(
            label=p["table"] or "(file)",
            cells=_text(
                p["code"] or "",
                str(p["occurrences"]),
                _ACTIONS.get(p["severity"], p["severity"]),
                p["example"],
            ),
        )
        for p in problems
    )
    return Table(
        key=REJECTIONS_KEY,
        title="Problems found while loading the records",
        stub="Table",
        columns=("Problem", "Occurrences", "Action", "First example"),
        rows=rows,
        footnotes=("Occurrences count problems; one rejected row can have more than one.",),
    )


def _bad_input_table(rules: list[dict]) -> Table:
    rows = tuple(
        Row(
            label=r["rule"],
            cells=(
                Cell(text=r["scope"]),
                Cell(text=str(r["n_records"])),
                Cell(text=str(r["n_patients"]), count=r["n_patients"]),
                Cell(text=r["action"]),
            ),
        )
        for r in rules
    )
    return Table(
        key=BAD_INPUT_KEY,
        title="Endpoint bad-input rules that fired",
        stub="Rule",
        columns=("Applies to", "Records", "Patients", "Action taken"),
        rows=rows,
        footnotes=(
            "Each rule is stated in docs/endpoints.md (\u201cBad input\u201d); records a rule "
            "sets aside are counted here, never dropped silently.",
        ),
    )


def definition_items(q: Quality, protocol) -> list[Paragraph]:
    defs = definitions(q, protocol)
    if not defs:
        return [Paragraph("No endpoint definitions are available for this study.", "note")]
    items = [Paragraph(f"{name}: {text}") for name, text in defs.items()]
    if q.endpoints is not None:
        items.append(
            Paragraph(
                "Each endpoint was derived from the records by the rule above. For every "
                "time-to-event endpoint each patient has an event or a censoring with a reason "
                "code (analysis dataset columns <name>_event and <name>_reason).",
                "note",
            )
        )
    return items


def extraction_text(load) -> str:
    """The extraction date the records were checked against, in words (Methods, data)."""
    if load.extraction_declared:
        return (f"Records were checked against the extraction date {load.extraction_date:%Y-%m-%d} "
                "([data] extraction_date): a record dated after it is a problem "
                "(after_extraction), never follow-up.")
    return ("No extraction date was declared ([data] extraction_date); records were checked "
            "against the day of the run: a record dated in the future is a problem "
            "(after_extraction), never follow-up.")


def quality_items(q: Quality, shown: dict[str, Table]) -> list:
    """Paragraphs and tables of the data-quality section (``shown``: tables as displayed)."""
    items: list = []
    if not q.from_records:
        name = q.analysis_table or "the analysis table"
        return [
            Paragraph(
                f"The analysis dataset was read from {name}, one row per patient; no record "
                "was loaded or derived here, so there is no record-level accounting.",
                "note",
            )
        ]
    if RECORDS_KEY in shown:
        items.append(TableItem(shown[RECORDS_KEY]))
    if q.load is not None and getattr(q.load, "extraction_date", None) is not None:
        items.append(Paragraph(extraction_text(q.load)))
    if REJECTIONS_KEY in shown:
        items.append(TableItem(shown[REJECTIONS_KEY]))
    if BAD_INPUT_KEY in shown:
        items.append(TableItem(shown[BAD_INPUT_KEY]))
    elif q.endpoints is not None:
        items.append(
            Paragraph(
                "None of the endpoint bad-input rules (docs/endpoints.md, \u201cBad input\u201d: "
                "assessments before or on the index date, records after death, unknown "
                "response codes, patients without a post-baseline assessment, ...) fired on "
                "these records.",
                "note",
            )
        )
    if EPISODE_LINES_KEY in shown:
        items.append(TableItem(shown[EPISODE_LINES_KEY]))
    return items
