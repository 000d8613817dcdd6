"""Table 1: baseline characteristics by group, with the test used footnoted per row.

Default tests follow gtsummary's ``add_p()`` rule: continuous, two groups -> Wilcoxon
rank-sum; more groups -> Kruskal–Wallis; categorical -> Pearson chi-square without
continuity correction when every expected count is >= 5, otherwise Fisher's exact test.
A variable's ``test`` overrides the rule (the seed study used chi-square throughout).
Missing values are a row of their own; percentages use the non-missing count.
Quartiles use R's ``quantile(type = 2)`` as gtsummary does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats, fmt
from retrostudy.analysis.table import Cell, Row, Table
from retrostudy.protocol.analyses import AnalysesBlock, Table1Variable

TEST_NAMES = {
    "wilcoxon": "Wilcoxon rank-sum test",
    "kruskal": "Kruskal\u2013Wallis test",
    "chisq": "Pearson's chi-square test without continuity correction",
    "chisq_yates": "Pearson's chi-square test with Yates' continuity correction",
    "fisher": "Fisher's exact test",
    # every other test whose p value the report prints (results.json "test" keys)
    "logrank": "log-rank test",
    "wald": "Wald test of the Cox coefficient (model-based variance)",
    "robust_wald": "Wald test of the Cox coefficient (robust sandwich variance)",
    "cox_lr": "likelihood-ratio test of the Cox model",
    "cox_wald": "Wald test of the Cox model",
    "cox_score": "score test of the Cox model",
    "robust_score": "robust score test (weighted log-rank)",
    "logistic_wald": "Wald test of the logistic-regression coefficient",
    "rmst_z": "z test of the RMST difference (ratio: on the log scale), survRM2",
    "gray": "Gray's test",
    "interaction_lr": "likelihood-ratio test of the group-by-variable interaction (Cox)",
    "interaction_wald": "Wald test of the group-by-variable interaction (Cox)",
    "interaction_robust_wald": "Wald test of the group-by-variable interaction (Cox, robust "
                               "variance)",
}
# Tests results.json holds but no table prints (the Cox models' global tests).
NOT_PRINTED = frozenset({"cox_lr", "cox_wald", "cox_score"})
_MARKS = "abcdefgh"


def choose_test(var, n_groups: int, table: np.ndarray | None, yates: bool = False) -> str:
    """The test for one variable: its override, or the gtsummary default rule.

    ``yates``: the profile's default chi-square applies Yates' correction (EZR).
    """
    if var.test != "auto":
        return var.test
    if var.kind == "continuous":
        return "wilcoxon" if n_groups == 2 else "kruskal"
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    if not (expected >= 5).all():
        return "fisher"
    return "chisq_yates" if yates else "chisq"


def run_test(test: str, samples=None, table=None) -> float:
    if test == "wilcoxon":
        return _stats.wilcoxon(*samples)
    if test == "kruskal":
        return _stats.kruskal(samples)
    if test in ("chisq", "chisq_yates"):
        return _stats.chisq(table, correct=test == "chisq_yates")
    if test == "fisher":
        return _stats.fisher(table)
    return float("nan")


def _summary(x: np.ndarray, how: str, digits: int) -> str:
    if x.size == 0:
        return ""
    if how == "mean_sd":
        sd = float(np.std(x, ddof=1)) if x.size > 1 else float("nan")
        return f"{fmt.num(float(np.mean(x)), digits)} ({fmt.num(sd, digits)})"
    if how == "median_iqr":
        lo, hi = np.quantile(x, [0.25, 0.75], method="averaged_inverted_cdf")
    else:
        lo, hi = x.min(), x.max()
    return f"{fmt.num(float(np.median(x)), digits)} ({fmt.interval(float(lo), float(hi), digits)})"


class _Builder:
    """Accumulates rows, footnote marks and the numbers for results.json."""

    def __init__(self, data: pd.DataFrame, groups: list[str], block, p_digits: int, yates: bool):
        self.data, self.groups, self.block, self.p_digits = data, groups, block, p_digits
        self.yates = yates
        self.rows: list[Row] = []
        self.numbers: list[dict] = []
        self.marks: dict[str, str] = {}
        self._by_group: list[pd.DataFrame] | None = None

    def group_frames(self, var) -> list[pd.DataFrame]:
        if self._by_group is None:  # split once: every variable reads the same groups
            self._by_group = [self.data[self.data["group"] == g] for g in self.groups]
        frames = self._by_group
        if var.among:
            frames = [f[f[var.among].fillna(False).astype(bool)] for f in frames]
        return frames

    def p_cell(self, test: str, p: float) -> Cell:
        if test == "none":
            return Cell(text="")
        mark = self.marks.setdefault(test, _MARKS[len(self.marks)])
        return Cell(text=f"{fmt.p_value(p, self.p_digits)}{_superscript(mark)}")

    def extra(self) -> int:
        return int(self.block.overall) + int(self.block.smd)

    def pad(self, cells: list[Cell], p: Cell | None = None, smd: str = "") -> tuple[Cell, ...]:
        out = list(cells)
        if self.block.smd:
            out.append(Cell(text=smd))
        out.append(p or Cell(text=""))
        return tuple(out)

    def missing_row(self, var, frames, indent: int) -> None:
        miss = [int(f[var.name].isna().sum()) for f in frames]
        if sum(miss) == 0:
            return
        cells = [Cell(text=str(m), count=m) for m in miss]
        if self.block.overall:
            cells.append(Cell(text=str(sum(miss)), count=sum(miss)))
        self.rows.append(Row(label="Missing", cells=self.pad(cells), indent=indent, block=var.name))

    def continuous(self, var) -> None:
        frames = self.group_frames(var)
        samples = [f[var.name].dropna().to_numpy(float) / var.scale for f in frames]
        usable = [s for s in samples if s.size]
        test = "none" if len(usable) < 2 else choose_test(var, len(self.groups), None)
        if test != "none" and np.ptp(np.concatenate(usable)) == 0:
            test = "none"  # every value equal: R's wilcox.test gives p NA; no test, a blank p
        with _stats.explained(f"Table 1, {var.name}: {test}", "analyses.table1"):
            p = run_test(test, samples=usable) if test != "none" else float("nan")
        smd = ""
        if self.block.smd and len(samples) == 2 and all(s.size > 1 for s in samples):
            smd = fmt.num(_stats.smd_continuous(samples[0], samples[1]), 2)
        cells = [Cell(text=_summary(s, var.summary, var.digits)) for s in samples]
        if self.block.overall:
            cells.append(Cell(text=_summary(np.concatenate(samples), var.summary, var.digits)))
        indent = 1 if var.among else 0
        self.rows.append(
            Row(label=var.text, cells=self.pad(cells, self.p_cell(test, p), smd), indent=indent)
        )
        self.missing_row(var, frames, indent + 1)
        self.numbers.append(_continuous_numbers(var, samples, self.groups, test, p))

    def categorical(self, var) -> None:
        frames = self.group_frames(var)
        levels = _levels(var, self.data[var.name])
        counts = np.array([[int((f[var.name] == lv).sum()) for f in frames] for lv, _ in levels])
        tested = counts[counts.sum(1) > 0][:, counts.sum(0) > 0]
        ok = tested.shape[0] > 1 and tested.shape[1] > 1
        test = choose_test(var, len(self.groups), tested, self.yates) if ok else "none"
        with _stats.explained(f"Table 1, {var.name}: {test}", "analyses.table1"):
            p = run_test(test, table=tested) if ok else float("nan")
        denoms = counts.sum(0)
        smd = ""
        if self.block.smd and len(self.groups) == 2 and (denoms > 0).all() and counts.shape[0] > 1:
            smd = fmt.num(_stats.smd_categorical(counts.T), 2)
        if var.kind == "binary":
            self._binary_row(var, counts, denoms, test, p, smd)
        else:
            empty = [Cell(text="")] * (len(self.groups) + int(self.block.overall))
            self.rows.append(
                Row(label=var.text, cells=self.pad(empty, self.p_cell(test, p), smd), heading=True)
            )
            for (_, label), row in zip(levels, counts, strict=True):
                self.rows.append(
                    Row(
                        label=label,
                        cells=self.pad(self._count_cells(row, denoms, var)),
                        indent=1,
                        block=var.name,
                    )
                )
        self.missing_row(var, frames, 1)
        self.numbers.append(
            {
                "variable": var.name,
                "label": var.text,
                "kind": var.kind,
                "test": test,
                "p_value": p,
                "levels": [lab for _, lab in levels],
                "values": [_key(v) for v, _ in levels],
                "counts": {g: counts[:, j].tolist() for j, g in enumerate(self.groups)},
            }
        )

    def _count_cells(self, row, denoms, var) -> list[Cell]:
        cells = [
            Cell(text=fmt.count_pct(int(n), int(d), 0), count=int(n), denominator=int(d))
            for n, d in zip(row, denoms, strict=True)
        ]
        if self.block.overall:
            cells.append(
                Cell(text=fmt.count_pct(int(row.sum()), int(denoms.sum()), 0), count=int(row.sum()),
                     denominator=int(denoms.sum()))
            )
        return cells

    def _binary_row(self, var, counts, denoms, test, p, smd) -> None:
        cells = self._count_cells(counts[0], denoms, var)  # level 0 of a binary variable is "Yes"
        self.rows.append(Row(label=var.text, cells=self.pad(cells, self.p_cell(test, p), smd)))


def _superscript(mark: str) -> str:
    return mark.translate(
        str.maketrans("abcdefgh", "\u1d43\u1d47\u1d9c\u1d48\u1d49\u1da0\u1d4d\u02b0")
    )


def _levels(var, values: pd.Series) -> list[tuple[object, str]]:
    if var.kind == "binary":
        return [(True, "Yes"), (False, "No")]
    listed = [(lv.value, lv.text) for lv in var.levels]
    known = {v for v, _ in listed}
    extra = sorted({v for v in values.dropna().unique() if v not in known}, key=str)
    return listed + [(v, str(v)) for v in extra]


def _key(value) -> str:
    """A level as a key path part: booleans lower case ("true"), others as printed."""
    return str(value).lower() if isinstance(value, (bool, np.bool_)) else str(value)


def _continuous_numbers(var, samples, groups, test, p) -> dict:
    stats = {}
    pooled = np.concatenate(samples) if samples else np.array([])
    for g, s in zip([*groups, "overall"], [*samples, pooled], strict=True):
        if s.size:
            q1, q3 = np.quantile(s, [0.25, 0.75], method="averaged_inverted_cdf")
            stats[g] = {
                "n": int(s.size),
                "median": float(np.median(s)),
                "min": float(s.min()),
                "max": float(s.max()),
                "q1": float(q1),
                "q3": float(q3),
                "mean": float(np.mean(s)),
            }
        else:
            stats[g] = {"n": 0}
    return {
        "variable": var.name,
        "label": var.text,
        "kind": "continuous",
        "among": var.among,
        "summary": var.summary,
        "test": test,
        "p_value": p,
        "groups": stats,
    }


def table1(
    data: pd.DataFrame, groups: list[str], block, *, header, p_digits: int = 4, yates: bool = False
) -> tuple[Table, list[dict]]:
    """Build Table 1 from the analysis dataset (one row per patient, a ``group`` column)."""
    b = _Builder(data, groups, block, p_digits, yates)
    for var in block.table1:
        if var.kind == "continuous":
            b.continuous(var)
        else:
            b.categorical(var)
    columns = (
        tuple(header)
        + (("Overall",) if block.overall else ())
        + (("SMD",) if block.smd else ())
        + ("p value",)
    )
    footnotes = [_describe(block)] + [
        f"{_superscript(m)} {TEST_NAMES[t]}." for t, m in b.marks.items()
    ]
    row_total = (len(groups), tuple(range(len(groups)))) if block.overall else None
    table = Table(
        key="table1",
        title="Table 1. Patient characteristics",
        columns=columns,
        rows=tuple(b.rows),
        footnotes=tuple(footnotes),
        stub="Characteristic",
        row_total=row_total,
    )
    return table, b.numbers


def _describe(block) -> str:
    shown = {v.summary for v in block.table1 if v.kind == "continuous"}
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
    same rows, tests and footnotes, as a :class:`~retrostudy.analysis.table.Table`
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
