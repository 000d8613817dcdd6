"""Table 1: baseline characteristics by group, the test used footnoted per row, printed from
:class:`retrostudy.analysis.table1.Table1`; and :func:`table_one`, the same table from a
DataFrame in one call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from retrostudy.analysis import _stats
from retrostudy.analysis.table1 import Characteristic, Summary, Table1
from retrostudy.analysis.table1 import table1 as numbers
from retrostudy.protocol.analyses import AnalysesBlock, Table1Variable
from retrostudy.report import fmt
from retrostudy.report.pvalues import MARKS, TEST_NAMES, superscript
from retrostudy.report.table import Cell, Row, Table


def _text(s: Summary, how: str, digits: int) -> str:
    if not s.n:
        return ""
    if how == "mean_sd":
        return f"{fmt.num(s.mean, digits)} ({fmt.num(s.sd, digits)})"
    lo, hi = (s.q1, s.q3) if how == "median_iqr" else (s.min, s.max)
    return f"{fmt.num(s.median, digits)} ({fmt.interval(lo, hi, digits)})"


class _Builder:
    """Accumulates rows and footnote marks."""

    def __init__(self, res: Table1, p_digits: int):
        self.res, self.p_digits = res, p_digits
        self.rows: list[Row] = []
        self.marks: dict[str, str] = {}

    def p_cell(self, test: str, p: float) -> Cell:
        if test == "none":
            return Cell(text="")
        mark = self.marks.setdefault(test, MARKS[len(self.marks)])
        return Cell(text=f"{fmt.p_value(p, self.p_digits)}{superscript(mark)}")

    def pad(self, cells: list[Cell], p: Cell | None = None, smd: str = "") -> tuple[Cell, ...]:
        out = list(cells)
        if self.res.smd:
            out.append(Cell(text=smd))
        out.append(p or Cell(text=""))
        return tuple(out)

    def missing_row(self, c: Characteristic, indent: int) -> None:
        if c.missing_total == 0:
            return
        cells = [Cell(text=str(m), count=m) for m in c.missing]
        if self.res.overall:
            cells.append(Cell(text=str(c.missing_total), count=c.missing_total))
        self.rows.append(Row(label="Missing", cells=self.pad(cells), indent=indent,
                             block=c.variable))

    def continuous(self, c: Characteristic) -> None:
        smd = "" if c.smd is None else fmt.num(c.smd, 2)
        k = len(c.groups)
        cells = [Cell(text=_text(s, c.summary, c.digits)) for s in c.summaries[:k]]
        if self.res.overall:
            cells.append(Cell(text=_text(c.summaries[k], c.summary, c.digits)))
        indent = 1 if c.among else 0
        self.rows.append(
            Row(label=c.label, cells=self.pad(cells, self.p_cell(c.test, c.p_value), smd),
                indent=indent)
        )
        self.missing_row(c, indent + 1)

    def categorical(self, c: Characteristic) -> None:
        smd = "" if c.smd is None else fmt.num(c.smd, 2)
        if c.kind == "binary":  # level 0 of a binary variable is "Yes"
            cells = self._count_cells(c, 0)
            self.rows.append(Row(label=c.label,
                                 cells=self.pad(cells, self.p_cell(c.test, c.p_value), smd)))
        else:
            empty = [Cell(text="")] * (len(c.groups) + int(self.res.overall))
            self.rows.append(
                Row(label=c.label, cells=self.pad(empty, self.p_cell(c.test, c.p_value), smd),
                    heading=True)
            )
            for i, (_, label) in enumerate(c.levels):
                self.rows.append(Row(label=label, cells=self.pad(self._count_cells(c, i)),
                                     indent=1, block=c.variable))
        self.missing_row(c, 1)

    def _count_cells(self, c: Characteristic, level: int) -> list[Cell]:
        """Level ``level`` of ``c``: n (%) per group, then over every group."""
        denoms = c.denominators
        cells = [
            Cell(text=fmt.count_pct(int(n), d, 0), count=int(n), denominator=d)
            for n, d in zip(c.counts[level], denoms, strict=True)
        ]
        if self.res.overall:
            n, d = c.level_totals[level], sum(denoms)
            cells.append(Cell(text=fmt.count_pct(n, d, 0), count=n, denominator=d))
        return cells


def table1_table(res: Table1, *, header, p_digits: int = 4) -> Table:
    """Table 1 of ``res``; ``header``: the group columns' heads."""
    b = _Builder(res, p_digits)
    for c in res.characteristics:
        if c.kind == "continuous":
            b.continuous(c)
        else:
            b.categorical(c)
    columns = (
        tuple(header)
        + (("Overall",) if res.overall else ())
        + (("SMD",) if res.smd else ())
        + ("p value",)
    )
    footnotes = [_describe(res)] + [
        f"{superscript(m)} {TEST_NAMES[t]}." for t, m in b.marks.items()
    ]
    k = len(res.groups)
    return Table(
        key="table1",
        title="Table 1. Patient characteristics",
        columns=columns,
        rows=tuple(b.rows),
        footnotes=tuple(footnotes),
        stub="Characteristic",
        row_total=(k, tuple(range(k))) if res.overall else None,
    )


def table1(
    data: pd.DataFrame, groups: list[str], block, *, header, p_digits: int = 4, yates: bool = False
) -> tuple[Table, list[dict]]:
    """Table 1 of the analysis dataset and its numbers as results.json holds them."""
    res = numbers(data, groups, block, yates=yates)
    return table1_table(res, header=header, p_digits=p_digits), res.to_json()


def _describe(res: Table1) -> str:
    shown = {c.summary for c in res.characteristics if c.kind == "continuous"}
    words = {"median_range": "median (range)", "median_iqr": "median (IQR)", "mean_sd": "mean (SD)"}
    parts = [words[s] for s in sorted(shown)] + ["number (%)"]
    return "Data are presented as " + " or ".join(parts) + "; percentages exclude missing values."


def table_one(
    data: pd.DataFrame,
    by: str,
    variables: Sequence[str | Mapping[str, object] | Table1Variable] | None = None,
    *,
    overall: bool = False,
    smd: bool = False,
    profile: str = "r",
    p_digits: int = 4,
) -> Table:
    """Table 1 of ``data`` (one row per patient) by the groups in column ``by``.

    The builder the protocol's ``[[analyses.table1]]`` uses, called on a DataFrame: the
    same rows, tests and footnotes, as a :class:`~retrostudy.report.table.Table`
    (``to_frame()``, ``to_csv()``, ``_repr_html_`` in a notebook).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per patient.
    by : str
        The grouping column (no missing values); groups in their categorical order, else
        sorted.
    variables : sequence, optional
        Column names, or mappings with the keys of a protocol ``[[analyses.table1]]``
        entry (``name``, ``label``, ``kind``, ``summary``, ``levels``, ``test``, ...).
        A name alone gets its kind from the column: bool -> ``"binary"``, numeric ->
        ``"continuous"``, anything else -> ``"categorical"``. Default: every column but
        ``by``.
    overall, smd : bool
        Add an "Overall" column / a standardised-mean-difference column.
    profile : {"r", "sas", "ezr"}
        Conventions; ``"ezr"`` uses Yates' correction for the default chi-square.
    p_digits : int
        Decimals of the p values.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"arm": ["A", "A", "B", "B"], "age": [50, 60, 55, 70]})
    >>> table_one(df, by="arm").columns
    ('A (n = 2)', 'B (n = 2)', 'p value')
    """
    if by not in data.columns:
        raise ValueError(f"by: no column {by!r} in the data (columns: {list(data.columns)})")
    if data[by].isna().any():
        raise ValueError(f"by: column {by!r} has {int(data[by].isna().sum())} missing "
                         "value(s); drop or fill those rows first")
    names = [c for c in data.columns if c != by] if variables is None else variables
    specs = [_spec(data, v) for v in names]
    missing = [s.name for s in specs if s.name not in data.columns]
    if missing:
        raise ValueError(f"variables: no column(s) {missing} in the data")
    block = AnalysesBlock(profile=profile, overall=overall, smd=smd, table1=specs)
    present = set(data[by])
    order = list(data[by].cat.categories) if isinstance(data[by].dtype, pd.CategoricalDtype) \
        else sorted(present, key=str)
    groups = [g for g in order if g in present]
    header = [f"{g} (n = {int((data[by] == g).sum())})" for g in groups]
    table, _ = table1(data.assign(group=data[by]), groups, block, header=header,
                      p_digits=p_digits, yates=_stats.conventions(block).chisq_correct)
    return table


def _spec(data: pd.DataFrame, variable: str | Mapping[str, object] | Table1Variable):
    if isinstance(variable, Table1Variable):
        return variable
    if isinstance(variable, str):
        column = data[variable] if variable in data.columns else None
        kind = "categorical"
        if column is not None and pd.api.types.is_bool_dtype(column):
            kind = "binary"
        elif column is not None and pd.api.types.is_numeric_dtype(column):
            kind = "continuous"
        return Table1Variable(name=variable, kind=kind)
    return Table1Variable.model_validate(variable)
