"""Display tables of the adjusted comparison: "ps_model", "balance", "adjusted_<endpoint>",
"adjusted_curves_<endpoint>" (RMST and cumulative incidence per method).

Cells showing a patient count carry it (``Cell.count``), so small-cell suppression masks
them; effective sample sizes and weighted sums are not counts and are shown as decimals.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from retrostudy.analysis.adjusted_curves import TESTS
from retrostudy.analysis.adjusted_survival import METHOD_NAMES
from retrostudy.analysis.competing_status import CAUSE_LABELS, CAUSES
from retrostudy.report import fmt
from retrostudy.report.pvalues import TestMarks
from retrostudy.report.table import Cell, Row, Table, text_cells
from retrostudy.report.tables.survival import survival_cells, survival_columns

METHOD_TITLES = {"iptw": "After IPTW", "matching": "After matching"}


def ps_model_table(res, p_digits: int) -> Table:
    pct = int(round(100 * res.conventions.conf_level))
    rows = []
    refs = res.design.references
    for t in res.ps_model[1:]:
        rows.append(
            Row(
                label=t.label,
                cells=(
                    Cell(text=fmt.num(t.coef, 3)),
                    Cell(text=fmt.estimate_ci(t.odds_ratio, t.conf_low, t.conf_high, 2)),
                    Cell(text=fmt.p_value(t.p_value, p_digits, "NE")),
                ),
            )
        )
    f = res.ps_fit
    notes = [
        f"Logistic regression of {res.treated} (vs {res.reference}) on the covariates; "
        f"n = {f.n}; "
        + ("Firth's penalised likelihood" if f.method == "firth" else "maximum likelihood")
        + f", {'converged' if f.converged else 'NOT converged'} in {f.iterations} "
        f"iteration(s). Wald CIs and p values.",
    ]
    if refs:
        notes.append(
            "Reference levels: "
            + "; ".join(f"{res.labels_of.get(k, k)}: {v}" for k, v in refs.items())
            + "."
        )
    if f.separation:
        notes.append(
            "Separation in the maximum-likelihood fit"
            + ("; Firth's penalised likelihood used." if f.method == "firth" else ".")
        )
    return Table(
        key="ps_model",
        title=f"Propensity-score model: probability of {res.treated}",
        columns=("Coefficient", f"Odds ratio ({pct}% CI)", "p value"),
        rows=tuple(rows),
        footnotes=tuple(notes),
        stub="Covariate",
    )


SD_TEXT = {
    "pooled": "the pooled standard deviation of the two groups before adjustment, "
    "sqrt((s1^2 + s0^2) / 2)",
    "treated": "the standard deviation of the treated group ({treated}) before adjustment "
    "(cobalt's and MatchIt's convention for a matched, ATT, sample)",
}


def balance_table(res) -> Table:
    """|SMD| per design column before and after each method, then the sample sizes."""
    methods = [m for m in res.methods]
    columns = ("Unadjusted", *[METHOD_TITLES[m] for m in methods])
    thr = res.conventions.balance_threshold
    rows = [
        Row(
            label="Standardised mean difference",
            cells=text_cells(*[""] * len(columns)),
            heading=True,
        )
    ]
    for name, label in zip(res.design.names, res.design.labels, strict=True):
        values = [res.balance["before"][name], *[res.balance[m][name] for m in methods]]
        rows.append(Row(label=label, cells=text_cells(*(_smd(v, thr) for v in values)), indent=1))
    rows.append(Row(label="Patients", cells=text_cells(*[""] * len(columns)), heading=True))
    for g in (res.treated, res.reference):
        n = res.samples.by_method["unadjusted"][g].n
        cells = [Cell(text=str(n), count=n, ref=f"adj:n:{g}")]
        for m in methods:
            s = res.samples.by_method[m][g]
            cells.append(
                Cell(text=f"ESS {s.effective_n:.1f}") if m == "iptw" else _count(s.n_used)
            )
        rows.append(Row(label=g, cells=tuple(cells), indent=1))
    trim = res.conventions.trim
    if "iptw" in methods and trim is not None:  # the number trimmed, per group
        rows.append(Row(label="Trimmed (weight 0)", cells=text_cells(*[""] * len(columns)),
                        heading=True))
        for g in (res.treated, res.reference):
            k = res.samples.by_method["iptw"][g].trimmed or 0
            rows.append(Row(label=g, indent=1, cells=tuple(
                _count(k) if m == "iptw" else Cell(text="") for m in ["", *methods])))
    trunc = res.conventions.truncation
    cap = None if trunc is None else trunc.quantile
    if "iptw" in methods and cap is not None:  # the number truncated, per group
        rows.append(Row(label="Truncated (weight capped)",
                        cells=text_cells(*[""] * len(columns)), heading=True))
        for g in (res.treated, res.reference):
            k = res.samples.by_method["iptw"][g].truncated or 0
            rows.append(Row(label=g, indent=1, cells=tuple(
                _count(k) if m == "iptw" else Cell(text="") for m in ["", *methods])))
    notes = [
        f"Absolute standardised mean differences; * marks |SMD| >= {thr:g}, the conventional "
        "limit of balance. Denominator of every column: "
        + SD_TEXT[res.conventions.balance_sd].format(treated=res.treated)
        + " (p(1 - p) as the variance of a yes/no column).",
    ]
    if "iptw" in methods:
        notes.append(
            f"IPTW ({res.estimand}): weights "
            + res.conventions.iptw_weights
            + "; ESS = effective sample size (sum w)^2 / sum w^2."
            + (f" Trimmed: patients whose propensity score lies outside [{trim[0]:g}, "
               f"{trim[1]:g}], given weight 0 and left out of the weighted analyses."
               if trim is not None else "")
            + (f" Truncated: weights above their {cap:g} quantile (type 7, over the patients "
               f"kept) set to that quantile, "
               f"{trunc.cap:.3g}."
               if trunc is not None else "")
        )
    if "matching" in methods:
        notes.append("Matching: " + res.conventions.matching + "; matched patients per group.")
    return Table(
        key="balance",
        title="Covariate balance before and after adjustment",
        columns=columns,
        rows=tuple(rows),
        footnotes=tuple(notes),
        stub="Covariate",
    )


def _smd(v: float, thr: float) -> str:
    """|SMD| to 3 decimals, * when imbalanced; NE when NaN or infinite (no variance in
    either group, e.g. one patient each)."""
    if not fmt.isnum(v) or math.isinf(v):
        return "NE"
    return f"{abs(v):.3f}" + ("*" if abs(v) >= thr else "")


def _count(n: int) -> Cell:
    return Cell(text=str(n), count=n)


def endpoint_table(res, endpoint: str, label: str, p_digits: int, conf_level: float) -> Table:
    comps = [c for c in res.comparisons if c.endpoint == endpoint]
    marks = TestMarks()
    lms = sorted({m for c in comps for g in c.groups for m in g.landmarks})
    pct = int(round(100 * conf_level))
    columns = (
        *survival_columns(lms, conf_level),
        f"HR ({pct}% CI)",
        "HR p value",
        "Group test p value",
    )
    rows = []
    for c in comps:
        hr = c.hazard_ratio
        rows.append(
            Row(
                label=METHOD_NAMES[c.method],
                cells=(
                    *text_cells(*[""] * (3 + len(lms))),
                    Cell(
                        text=fmt.estimate_ci(hr.hazard_ratio, hr.conf_low, hr.conf_high, 2)
                    ),
                    Cell(text=marks.p(hr.p_value, hr.test, p_digits)),
                    Cell(text=marks.p(c.test.p_value, c.test.test, p_digits)),
                ),
                heading=True,
            )
        )
        crude = {g.group: (g.n, g.n_events) for c0 in comps if c0.method == "crude"
                 for g in c0.groups}
        for g in c.groups:
            # the same patients and events as the crude row: one quantity (the report's
            # suppression ties it to the endpoint's own table when the numbers agree)
            same = crude.get(g.group) == (g.n, g.n_events)
            rows.append(
                Row(
                    label=g.group,
                    cells=(*survival_cells(g, lms, f"{endpoint}@crude" if same else None),
                           *text_cells("", "", "")),
                    indent=1,
                )
            )
    notes = [
        f"Hazard ratio {res.treated} vs {res.reference} (reference) from a Cox model of the "
        "group alone. HR CI and HR p value: Wald, with the same variance (crude, model-based; "
        "IPTW, robust sandwich; matched, sandwich clustered on matched sets). Group test: "
        "crude, log-rank; IPTW and matched, robust score (weighted log-rank).",
        *marks.footnotes(),
        "Weighted Kaplan\u2013Meier estimates (patients with weight 0, trimmed or unmatched, "
        "left out); patients and events are unweighted counts. NE = not estimable.",
    ]
    return Table(
        key=f"adjusted_{endpoint}",
        title=f"{label}: crude and propensity-score adjusted comparison",
        columns=columns,
        rows=tuple(rows),
        footnotes=tuple(notes),
        stub="Method / group",
    )


# the RMST difference's variance (RMSTComparison.variance), in words
RMST_VARIANCE = {
    "greenwood": "the Greenwood-type variance of R's survfit rmean",
    "robust": "the robust infinitesimal-jackknife variance, with the weights treated as known",
    "robust_cluster": "the robust infinitesimal-jackknife variance summed within matched "
    "sets (as the clustered Cox variance)",
}


def _cif_columns(comps) -> list[tuple[float, str]]:
    cif = next((c.cumulative_incidence for c in comps if c.cumulative_incidence), None)
    if cif is None:
        return []
    return [(m, cause) for m in cif.landmarks for cause in CAUSES.values()]


def _cif_cells(cif, group: str, cols) -> list[Cell]:
    if cif is None:
        return [Cell(text="") for _ in cols]
    at = {(r.months, r.cause): r for r in cif.groups[group].landmarks}
    return [Cell(text=fmt.estimate_ci(100 * at[k].incidence, 100 * at[k].conf_low,
                                      100 * at[k].conf_high, 1)) for k in cols]


def curves_table(res, endpoint: str, label: str, p_digits: int, conf_level: float) -> Table:
    """Per method: RMST of each group, their difference with its CI and test and, with
    competing risks on the endpoint, the cumulative incidence of each cause."""
    comps = [c for c in res.comparisons if c.endpoint == endpoint and c.rmst is not None]
    marks = TestMarks()
    pct = int(round(100 * conf_level))
    z = NormalDist().inv_cdf(0.5 + conf_level / 2)
    tau = comps[0].rmst.tau
    cols = _cif_columns(comps)
    names = {n: lb for n, lb in zip(CAUSES.values(), CAUSE_LABELS.values(), strict=True)}
    columns = (f"RMST to {tau:.1f} months ({pct}% CI)", f"RMST difference ({pct}% CI)",
               "p value", *[f"{names[c]} at {m:g} months, % ({pct}% CI)" for m, c in cols])
    rows = []
    for c in comps:
        r = c.rmst
        rows.append(Row(label=METHOD_NAMES[c.method], heading=True, cells=(
            Cell(text=""),
            Cell(text=fmt.estimate_ci(r.difference, r.conf_low, r.conf_high, 2)),
            Cell(text=marks.p(r.p_value, TESTS[r.variance], p_digits)),
            *[Cell(text="") for _ in cols])))
        for g in (res.treated, res.reference):
            est, se = r.rmst[g]
            rows.append(Row(label=g, indent=1, cells=(
                Cell(text=fmt.estimate_ci(est, est - z * se, est + z * se, 2)),
                Cell(text=""), Cell(text=""),
                *_cif_cells(c.cumulative_incidence, g, cols))))
    notes = [
        f"Restricted mean survival time (RMST): the area under each group's (weighted) "
        f"Kaplan–Meier curve to τ = {tau:.2f} months ({comps[0].rmst.tau_rule}); "
        f"difference {res.treated} − {res.reference}, months. Each CI is the Wald "
        "interval of the variance its p value's test names: "
        + "; ".join(f"{METHOD_NAMES[c.method]}, {RMST_VARIANCE[c.rmst.variance]}"
                    for c in comps) + ".",
        *marks.footnotes(),
    ]
    if cols:
        notes.append("Cumulative incidence (%): Aalen–Johansen estimator with each method's "
                     "weights (crude: none), infinitesimal-jackknife standard errors and "
                     "log-scale CIs (R survival's multi-state survfit); causes as in the "
                     "competing-risks analysis.")
    notes.append("Patients with weight 0 (trimmed or unmatched) are left out. NE = not "
                 "estimable.")
    return Table(key=f"adjusted_curves_{endpoint}",
                 title=f"{label}: restricted mean survival time"
                 + (" and cumulative incidence" if cols else "")
                 + ", crude and propensity-score adjusted",
                 columns=columns, rows=tuple(rows), footnotes=tuple(notes),
                 stub="Method / group")


def adjusted_tables(res, labels: dict[str, str], p_digits: int, conf_level: float) -> dict:
    out = {"ps_model": ps_model_table(res, p_digits), "balance": balance_table(res)}
    for ep in res.endpoints:
        out[f"adjusted_{ep}"] = endpoint_table(res, ep, labels.get(ep, ep), p_digits, conf_level)
        if any(c.rmst is not None for c in res.comparisons if c.endpoint == ep):
            out[f"adjusted_curves_{ep}"] = curves_table(res, ep, labels.get(ep, ep), p_digits,
                                                        conf_level)
    return out
