"""Table 2: best overall response by group, response-type rates with exact CIs and tests.

Rates use every patient of the group as denominator (intention-to-treat, as the seed does)
or, with ``denominator = "evaluable"``, the patients whose best response is assessed and not
NE; their CI is Clopper–Pearson (exact) unless the protocol asks for Wilson. Tests follow the
Table-1 rule for a yes/no row unless a rate names its own (the seed used chi-square for both
rates). This is the one place the per-group rates are computed (the endpoints layer gives
the per-patient flags).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats, fmt
from retrostudy.analysis.pvalues import TestMarks
from retrostudy.analysis.table import Cell, Row, Table
from retrostudy.analysis.table1 import choose_test, run_test


def _denominator(data: pd.DataFrame, spec) -> pd.DataFrame:
    """The patients a rate is a proportion of (``spec.denominator``)."""
    if spec.denominator == "analysed":
        return data
    bor = data[spec.column].astype("string")
    return data[(bor.notna() & (bor != "NE")).to_numpy(dtype=bool)]


def _rate_rows(data, groups, rate, spec, conf_level, p_digits, yates,
               marks: TestMarks) -> tuple[list[Row], dict]:
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
    p_text = marks.p(p, test, p_digits) if test != "none" else "NE"
    rows = [
        Row(
            label=f"{rate.text}, n (%)",
            cells=(
                *[Cell(text=fmt.count_pct(x, n), count=x, ref=f"rate:{rate.name}:{g}",
                       denominator=n)
                  for x, n, g in zip(xs, ns, groups, strict=True)],
                Cell(text=p_text),
            ),
        ),
        Row(
            label=f"{int(round(conf_level * 100))}% CI, %",
            indent=1,
            derived=True,
            cells=(*[Cell(text=fmt.interval(100 * lo, 100 * hi)) for lo, hi in cis], Cell(text="")),
        ),
    ]
    numbers = {
        "name": rate.name,
        "label": rate.text,
        "test": test,
        "p_value": p,
        # every patient in one category (no responder, or all): no test (R: chisq.test NaN
        # "approximation may be incorrect", fisher.test p 1)
        "not_estimable": None if ok else _no_test(table, len(groups)),
        "groups": {
            g: {"x": x, "n": n, "proportion": x / n if n else None, "conf_low": lo, "conf_high": hi}
            for g, x, n, (lo, hi) in zip(groups, xs, ns, cis, strict=True)
        },
    }
    return rows, numbers


def _no_test(table: np.ndarray, k: int) -> str:
    if k < 2:
        return "one group"
    return "no patient has it" if table[0].sum() == 0 else "every patient has it"


def response_table(
    data: pd.DataFrame,
    groups: list[str],
    spec,
    *,
    header,
    conf_level: float,
    p_digits: int = 4,
    yates: bool = False,
) -> tuple[Table, dict]:
    rows: list[Row] = []
    rates = []
    marks = TestMarks()
    for rate in spec.rates:
        if rate.name not in data.columns:
            continue
        r, num = _rate_rows(data, groups, rate, spec, conf_level, p_digits, yates, marks)
        rows += r
        rates.append(num)
    bor_rows, counts = _bor_rows(data, groups, spec)
    rows += bor_rows
    footnotes = [spec.footnote] if spec.footnote else []
    footnotes.append(f"{_OF[spec.denominator]} CI: {_CI_NAMES[spec.ci_method]}.")
    footnotes += marks.footnotes()
    footnotes += [f"{r['label']}: no test, {r['not_estimable']} (NE)." for r in rates
                  if r["not_estimable"]]
    table = Table(
        key="table2_response",
        title="Table 2. Best response",
        columns=(*header, "p value"),
        rows=tuple(rows),
        footnotes=tuple(footnotes),
        stub="",
    )
    return table, {"rates": rates, "best_response": counts, "denominator": spec.denominator,
                   "ci_method": spec.ci_method}


def _bor_rows(data, groups, spec) -> tuple[list[Row], dict]:
    frames = [data[data["group"] == g] for g in groups]
    ns = [len(f) for f in frames]
    col = spec.column
    if col not in data.columns:
        return [], {}
    cats = [(c.value, c.text) for c in spec.categories]
    listed = {v for v, _ in cats}
    extra = sorted({v for v in data[col].dropna().unique() if v not in listed}, key=str)
    cats += [(v, str(v)) for v in extra]
    rows, counts = [], {}
    for value, label in cats:
        xs = [int((f[col] == value).sum()) for f in frames]
        counts[str(value)] = dict(zip(groups, xs, strict=True))
        rows.append(
            Row(
                label=f"{_long(label)}, n (%)",
                block="bor",
                cells=(
                    *[Cell(text=fmt.count_pct(x, n), count=x, ref=f"bor:{col}:{value}:{g}",
                           denominator=n)
                      for x, n, g in zip(xs, ns, groups, strict=True)],
                    Cell(text=""),
                ),
            )
        )
    miss = [int(f[col].isna().sum()) for f in frames]
    if sum(miss):
        counts["missing"] = dict(zip(groups, miss, strict=True))
        rows.append(
            Row(
                label="Not assessed, n (%)",
                block="bor",
                cells=(
                    *[
                        Cell(text=fmt.count_pct(x, n), count=x, denominator=n)
                        for x, n in zip(miss, ns, strict=True)
                    ],
                    Cell(text=""),
                ),
            )
        )
    return rows, counts


_OF = {"analysed": "Percentages of all patients in the group.",
       "evaluable": "Rates: percentages of the patients of the group with an assessed best "
                    "response other than NE; best response: of all patients in the group."}
_CI_NAMES = {
    "clopper-pearson": "Clopper\u2013Pearson exact",
    "wilson": "Wilson score",
    "wilson-cc": "Wilson score with continuity correction",
}
_LONG = {
    "CR": "Complete response",
    "PR": "Partial response",
    "SD": "Stable disease",
    "PD": "Progressive disease",
    "NE": "Not evaluable",
    "NON_CR_NON_PD": "Non-CR/non-PD",
}


def _long(label: str) -> str:
    return _LONG.get(label, label)


def response_warnings(response: dict) -> list[str]:
    """A warning when no patient has an assessed best response (the rates then count every
    patient as a non-responder, intention-to-treat) and for each rate without a test."""
    missing = response.get("best_response", {}).get("missing", {})
    out = []
    total = sum(r["groups"][g]["n"] for r in response.get("rates", [])[:1] for g in r["groups"])
    if total and sum(missing.values()) == total:
        out.append(f"response: no patient has an assessed best overall response ({total} of "
                   f"{total} not assessed); the rates count them as non-responders "
                   "(intention-to-treat).")
    out += [f"response: {r['label']}: no test, {r['not_estimable']} (NE)."
            for r in response.get("rates", []) if r.get("not_estimable")]
    return out
