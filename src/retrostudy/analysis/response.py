"""Best overall response by group, response-type rates with exact CIs and tests.

Rates use every patient of the group as denominator (intention-to-treat, as the seed does)
or, with ``denominator = "evaluable"``, the patients whose best response is assessed and not
NE; their CI is Clopper–Pearson (exact) unless the protocol asks for Wilson. Tests follow the
Table-1 rule for a yes/no row unless a rate names its own (the seed used chi-square for both
rates). This is the one place the per-group rates are computed (the endpoints layer gives
the per-patient flags); report/tables/response.py prints them (Table 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats
from retrostudy.analysis.context import Context
from retrostudy.analysis.table1 import choose_test, run_test


@dataclass(frozen=True, slots=True, kw_only=True)
class Rate:
    """One response rate (``[[analyses.response.rates]]``): x of n per group, its CI, a test."""

    name: str
    label: str
    test: str  # "none" when there is no test
    p_value: float
    # every patient in one category (no responder, or all): no test (R: chisq.test NaN
    # "approximation may be incorrect", fisher.test p 1)
    not_estimable: str | None
    groups: tuple[str, ...]
    x: tuple[int, ...]
    n: tuple[int, ...]
    ci: tuple[tuple[float, float], ...]  # proportion scale

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "test": self.test,
            "p_value": self.p_value,
            "not_estimable": self.not_estimable,
            "groups": {
                g: {"x": x, "n": n, "proportion": x / n if n else None, "conf_low": lo,
                    "conf_high": hi}
                for g, x, n, (lo, hi) in zip(self.groups, self.x, self.n, self.ci, strict=True)
            },
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    column: str
    denominator: str  # "analysed" | "evaluable"
    ci_method: str
    footnote: str | None
    groups: tuple[str, ...]
    n: tuple[int, ...]  # patients per group
    rates: tuple[Rate, ...]
    categories: tuple[tuple[str, str, tuple[int, ...]], ...]  # (value, label, per group)
    missing: tuple[int, ...] | None  # patients per group without a best response, if any

    def to_json(self) -> dict:
        counts: dict[str, dict[str, int]] = {
            v: dict(zip(self.groups, xs, strict=True)) for v, _, xs in self.categories
        }
        if self.missing is not None:
            counts["missing"] = dict(zip(self.groups, self.missing, strict=True))
        return {"rates": [r.to_json() for r in self.rates], "best_response": counts,
                "denominator": self.denominator, "ci_method": self.ci_method}


def _denominator(data: pd.DataFrame, spec) -> pd.DataFrame:
    """The patients a rate is a proportion of (``spec.denominator``)."""
    if spec.denominator == "analysed":
        return data
    bor = data[spec.column].astype("string")
    return data[(bor.notna() & (bor != "NE")).to_numpy(dtype=bool)]


def _rate(data, groups, rate, spec, conf_level, yates) -> Rate:
    data = _denominator(data, spec)
    frames = [data[data["group"] == g] for g in groups]
    xs = [int(f[rate.name].fillna(False).astype(bool).sum()) for f in frames]
    ns = [len(f) for f in frames]
    table = np.array([[x, n - x] for x, n in zip(xs, ns, strict=True)]).T
    ok = (table.sum(1) > 0).all() and len(groups) > 1
    test = choose_test(rate, len(groups), table, yates) if ok else "none"
    p = run_test(test, table=table) if test != "none" else float("nan")
    cis = [
        _stats.binom_ci(x, n, spec.ci_method, conf_level) if n else (np.nan, np.nan)
        for x, n in zip(xs, ns, strict=True)
    ]
    return Rate(name=rate.name, label=rate.text, test=test, p_value=p,
                not_estimable=None if ok else _no_test(table, len(groups)), groups=tuple(groups),
                x=tuple(xs), n=tuple(ns), ci=tuple(cis))


def _no_test(table: np.ndarray, k: int) -> str:
    if k < 2:
        return "one group"
    return "no patient has it" if table[0].sum() == 0 else "every patient has it"


def response(data: pd.DataFrame, groups: list[str], spec, *, conf_level: float,
             yates: bool = False) -> Response:
    """The rates and best-response counts of ``[analyses.response]`` (``spec``) per group."""
    rates = tuple(_rate(data, groups, rate, spec, conf_level, yates) for rate in spec.rates
                  if rate.name in data.columns)
    frames = [data[data["group"] == g] for g in groups]
    col = spec.column
    categories: list[tuple[str, str, tuple[int, ...]]] = []
    missing = None
    if col in data.columns:
        cats = [(c.value, c.text) for c in spec.categories]
        listed = {v for v, _ in cats}
        extra = sorted({v for v in data[col].dropna().unique() if v not in listed}, key=str)
        cats += [(v, str(v)) for v in extra]
        categories = [(str(v), label, tuple(int((f[col] == v).sum()) for f in frames))
                      for v, label in cats]
        miss = tuple(int(f[col].isna().sum()) for f in frames)
        missing = miss if sum(miss) else None
    return Response(column=col, denominator=spec.denominator, ci_method=spec.ci_method,
                    footnote=spec.footnote, groups=tuple(groups),
                    n=tuple(len(f) for f in frames), rates=rates, categories=tuple(categories),
                    missing=missing)


def response_warnings(res: Response | None) -> list[str]:
    """A warning when no patient has an assessed best response (the rates then count every
    patient as a non-responder, intention-to-treat) and for each rate without a test."""
    if res is None:
        return []
    out = []
    total = sum(res.rates[0].n) if res.rates else 0
    if total and res.missing is not None and sum(res.missing) == total:
        out.append(f"response: no patient has an assessed best overall response ({total} of "
                   f"{total} not assessed); the rates count them as non-responders "
                   "(intention-to-treat).")
    out += [f"response: {r.label}: no test, {r.not_estimable} (NE)."
            for r in res.rates if r.not_estimable]
    return out


def run(settings, data: pd.DataFrame, ctx: Context) -> Response:
    """The registry's entry point: ``[analyses.response]`` (``settings``)."""
    return response(data, list(ctx.groups), settings, conf_level=ctx.conv.conf_level,
                    yates=ctx.conv.chisq_correct)
