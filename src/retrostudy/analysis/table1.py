"""Table 1: baseline characteristics by group, with the test used footnoted per row.

Default tests follow gtsummary's ``add_p()`` rule: continuous, two groups -> Wilcoxon
rank-sum; more groups -> Kruskal–Wallis; categorical -> Pearson chi-square without
continuity correction when every expected count is >= 5, otherwise Fisher's exact test.
A variable's ``test`` overrides the rule (the seed study used chi-square throughout).
Missing values are a row of their own; percentages use the non-missing count.
Quartiles use R's ``quantile(type = 2)`` as gtsummary does. report/tables/table1.py
prints the numbers computed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats
from retrostudy.analysis.context import Context

# Tests results.json holds but no table prints (the Cox models' global tests).


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """One sample of a continuous variable (a group, or every group: ``overall``)."""

    n: int
    median: float = float("nan")
    q1: float = float("nan")  # R quantile(type = 2)
    q3: float = float("nan")
    min: float = float("nan")
    max: float = float("nan")
    mean: float = float("nan")
    sd: float = float("nan")  # NaN with fewer than two values

    def to_json(self) -> dict:
        if not self.n:
            return {"n": 0}
        return {"n": self.n, "median": self.median, "min": self.min, "max": self.max,
                "q1": self.q1, "q3": self.q3, "mean": self.mean}


def describe(x: np.ndarray) -> Summary:
    """The :class:`Summary` of the values ``x``."""
    if x.size == 0:
        return Summary(n=0)
    q1, q3 = np.quantile(x, [0.25, 0.75], method="averaged_inverted_cdf")
    return Summary(n=int(x.size), median=float(np.median(x)), q1=float(q1), q3=float(q3),
                   min=float(x.min()), max=float(x.max()), mean=float(np.mean(x)),
                   sd=float(np.std(x, ddof=1)) if x.size > 1 else float("nan"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Characteristic:
    """One ``[[analyses.table1]]`` variable by group: its summaries or level counts, the
    patients without a value, the test and the standardised mean difference."""

    variable: str
    label: str
    kind: str  # "continuous" | "binary" | "categorical"
    among: str | None
    summary: str  # continuous: "median_range" | "median_iqr" | "mean_sd"
    digits: int
    test: str  # "none" when there is no test
    p_value: float
    smd: float | None  # None when not computed
    groups: tuple[str, ...]
    summaries: tuple[Summary, ...] = ()  # continuous: per group, then overall
    levels: tuple[tuple[str, str], ...] = ()  # categorical: (value key, label)
    counts: tuple[tuple[int, ...], ...] = ()  # categorical: per level, per group
    missing: tuple[int, ...] = ()  # per group

    @property
    def denominators(self) -> tuple[int, ...]:
        """Categorical: per group, the patients with a value (the percentages' base)."""
        return tuple(sum(int(row[j]) for row in self.counts) for j in range(len(self.groups)))

    @property
    def level_totals(self) -> tuple[int, ...]:
        """Categorical: per level, its patients over every group (the "Overall" column)."""
        return tuple(sum(int(v) for v in row) for row in self.counts)

    @property
    def missing_total(self) -> int:
        """The patients without a value, over every group."""
        return sum(self.missing)

    def to_json(self) -> dict:
        if self.kind == "continuous":
            return {
                "variable": self.variable, "label": self.label, "kind": "continuous",
                "among": self.among, "summary": self.summary, "test": self.test,
                "p_value": self.p_value,
                "groups": {g: s.to_json() for g, s in
                           zip([*self.groups, "overall"], self.summaries, strict=True)},
            }
        return {
            "variable": self.variable, "label": self.label, "kind": self.kind,
            "test": self.test, "p_value": self.p_value,
            "levels": [lab for _, lab in self.levels],
            "values": [v for v, _ in self.levels],
            "counts": {g: [int(row[j]) for row in self.counts]
                       for j, g in enumerate(self.groups)},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Table1:
    """Table 1's numbers: one :class:`Characteristic` per variable, in protocol order."""

    groups: tuple[str, ...]
    overall: bool  # an "Overall" column
    smd: bool  # a standardised-mean-difference column
    characteristics: tuple[Characteristic, ...]

    def to_json(self) -> list[dict]:
        return [c.to_json() for c in self.characteristics]


def _frames(data: pd.DataFrame, in_group, var) -> list[pd.DataFrame]:
    """Per group (``in_group``: one row mask each), the rows of ``var`` (and its ``among``
    column, then only its rows): only those columns are copied, not the whole dataset."""
    data = data[list(dict.fromkeys([var.name, *([var.among] if var.among else [])]))]
    frames = [data[m] for m in in_group]
    if var.among:
        frames = [f[f[var.among].fillna(False).astype(bool)] for f in frames]
    return frames


def _continuous(var, frames, groups, block) -> Characteristic:
    samples = [f[var.name].dropna().to_numpy(float) / var.scale for f in frames]
    usable = [s for s in samples if s.size]
    test = "none" if len(usable) < 2 else choose_test(var, len(groups), None)
    if test != "none" and np.ptp(np.concatenate(usable)) == 0:
        test = "none"  # every value equal: R's wilcox.test gives p NA; no test, a blank p
    with _stats.explained(f"Table 1, {var.name}: {test}", "analyses.table1"):
        p = run_test(test, samples=usable) if test != "none" else float("nan")
    smd = None
    if block.smd and len(samples) == 2 and all(s.size > 1 for s in samples):
        smd = _stats.smd_continuous(samples[0], samples[1])
    pooled = np.concatenate(samples) if samples else np.array([])
    return Characteristic(
        variable=var.name, label=var.text, kind="continuous", among=var.among,
        summary=var.summary, digits=var.digits, test=test, p_value=p, smd=smd,
        groups=tuple(groups), summaries=tuple(describe(s) for s in [*samples, pooled]),
        missing=tuple(int(f[var.name].isna().sum()) for f in frames),
    )


def _categorical(var, frames, groups, block, data, yates) -> Characteristic:
    levels = _levels(var, data[var.name])
    counts = np.array([[int((f[var.name] == lv).sum()) for f in frames] for lv, _ in levels])
    tested = counts[counts.sum(1) > 0][:, counts.sum(0) > 0]
    ok = tested.shape[0] > 1 and tested.shape[1] > 1
    test = choose_test(var, len(groups), tested, yates) if ok else "none"
    with _stats.explained(f"Table 1, {var.name}: {test}", "analyses.table1"):
        p = run_test(test, table=tested) if ok else float("nan")
    denoms = counts.sum(0)
    smd = None
    if block.smd and len(groups) == 2 and (denoms > 0).all() and counts.shape[0] > 1:
        smd = _stats.smd_categorical(counts.T)
    return Characteristic(
        variable=var.name, label=var.text, kind=var.kind, among=var.among,
        summary=var.summary, digits=var.digits, test=test, p_value=p, smd=smd,
        groups=tuple(groups), levels=tuple((_key(v), lab) for v, lab in levels),
        counts=tuple(tuple(int(x) for x in row) for row in counts),
        missing=tuple(int(f[var.name].isna().sum()) for f in frames),
    )


def table1(data: pd.DataFrame, groups: list[str], block, *, yates: bool = False) -> Table1:
    """Table 1's numbers from the analysis dataset (one row per patient, a ``group`` column)."""
    out = []
    in_group = [data["group"] == g for g in groups]
    for var in block.table1:
        frames = _frames(data, in_group, var)
        if var.kind == "continuous":
            out.append(_continuous(var, frames, groups, block))
        else:
            out.append(_categorical(var, frames, groups, block, data, yates))
    return Table1(groups=tuple(groups), overall=block.overall, smd=block.smd,
                  characteristics=tuple(out))


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


def run(settings, data: pd.DataFrame, ctx: Context) -> Table1:
    """The registry's entry point: Table 1 of ``[analyses]`` (``settings``: its ``table1``
    variables, ``overall`` and ``smd``)."""
    return table1(data, list(ctx.groups), settings, yates=ctx.conv.chisq_correct)
