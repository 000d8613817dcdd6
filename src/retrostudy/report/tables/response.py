"""Table 2: best overall response by group and the response rates with their CIs and tests,
from :class:`retrostudy.analysis.response.Response`."""

from __future__ import annotations

from retrostudy.analysis.response import Rate, Response
from retrostudy.report import fmt
from retrostudy.report.pvalues import TestMarks
from retrostudy.report.table import Cell, Row, Table

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


def _rate_rows(rate: Rate, conf_level: float, p_digits: int, marks: TestMarks) -> list[Row]:
    p_text = marks.p(rate.p_value, rate.test, p_digits) if rate.test != "none" else "NE"
    return [
        Row(
            label=f"{rate.label}, n (%)",
            cells=(
                *[Cell(text=fmt.count_pct(x, n), count=x, ref=f"rate:{rate.name}:{g}",
                       denominator=n)
                  for x, n, g in zip(rate.x, rate.n, rate.groups, strict=True)],
                Cell(text=p_text),
            ),
        ),
        Row(
            label=f"{int(round(conf_level * 100))}% CI, %",
            indent=1,
            derived=True,
            cells=(*[Cell(text=fmt.interval(100 * lo, 100 * hi)) for lo, hi in rate.ci],
                   Cell(text="")),
        ),
    ]


def _bor_rows(res: Response) -> list[Row]:
    rows = []
    for value, label, xs in res.categories:
        rows.append(
            Row(
                label=f"{_LONG.get(label, label)}, n (%)",
                block="bor",
                cells=(
                    *[Cell(text=fmt.count_pct(x, n), count=x, ref=f"bor:{res.column}:{value}:{g}",
                           denominator=n)
                      for x, n, g in zip(xs, res.n, res.groups, strict=True)],
                    Cell(text=""),
                ),
            )
        )
    if res.missing is not None:
        rows.append(
            Row(
                label="Not assessed, n (%)",
                block="bor",
                cells=(
                    *[Cell(text=fmt.count_pct(x, n), count=x, denominator=n)
                      for x, n in zip(res.missing, res.n, strict=True)],
                    Cell(text=""),
                ),
            )
        )
    return rows


def response_table(res: Response, *, header, conf_level: float, p_digits: int = 4) -> Table:
    rows: list[Row] = []
    marks = TestMarks()
    for rate in res.rates:
        rows += _rate_rows(rate, conf_level, p_digits, marks)
    rows += _bor_rows(res)
    footnotes = [res.footnote] if res.footnote else []
    footnotes.append(f"{_OF[res.denominator]} CI: {_CI_NAMES[res.ci_method]}.")
    footnotes += marks.footnotes()
    footnotes += [f"{r.label}: no test, {r.not_estimable} (NE)." for r in res.rates
                  if r.not_estimable]
    return Table(
        key="table2_response",
        title="Table 2. Best response",
        columns=(*header, "p value"),
        rows=tuple(rows),
        footnotes=tuple(footnotes),
        stub="",
    )
