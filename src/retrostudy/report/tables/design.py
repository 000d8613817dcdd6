"""The design analyses' tables (supplement): landmark analysis, multiple imputation and
time-varying exposure, from the results of ``analysis/landmark.py``, ``analysis/imputation.py``
and ``analysis/time_varying.py``."""

from __future__ import annotations

from retrostudy.report import fmt
from retrostudy.report.table import Cell, Row, Table


def _blank(k: int) -> tuple[Cell, ...]:
    return tuple(Cell(text="") for _ in range(k))


def landmark_table(results, group_labels: dict, conf_level: float, p_digits: int) -> Table:
    """One block per endpoint: patients at risk at the landmark, events after it, KM median
    from the landmark, log-rank p and the group hazard ratio."""
    pct = int(round(conf_level * 100))
    rows, notes = [], []
    for r in results:
        rows.append(Row(label=r.label_with_landmark, cells=_blank(5), heading=True))
        hr = {str(h.level): h for h in r.hazard_ratio}
        p = fmt.p_value(r.logrank.p_value, p_digits, "NE")
        for i, (g, v) in enumerate(r.groups.items()):
            h = hr.get(g)
            hr_text = ("reference" if g == r.reference else
                       fmt.estimate_ci(h.hazard_ratio, h.conf_low, h.conf_high, 2)
                       if h is not None else "")
            rows.append(Row(label=group_labels.get(g, g), indent=1, cells=(
                Cell(text=str(v.n), count=v.n, ref=f"lm:{r.endpoint}:n:{g}"),
                Cell(text=str(v.n_events), count=v.n_events,
                     ref=f"lm:{r.endpoint}:events:{g}"),
                Cell(text=fmt.estimate_ci(v.median, v.conf_low, v.conf_high, 1)),
                Cell(text=p if i == 0 else ""),
                Cell(text=hr_text),
            )))
        notes.append(
            f"{r.label}: landmark at day {r.landmark_days} ({r.landmark_months:.1f} months). "
            f"Of {r.n} patients, {r.n_event_before} had the event and {r.n_censored_before} "
            f"were censored on or before the landmark and are excluded; {r.n_at_risk} are "
            "analysed" + (f" ({r.n_missing} without a time for the endpoint are not counted)."
                          if r.n_missing else "."))
    notes.insert(0, "Landmark analysis: patients event-free and under follow-up at the "
                 "landmark, with time measured from the landmark; Kaplan\u2013Meier medians "
                 f"(months, {pct}% CI), log-rank test and unadjusted Cox hazard ratio (Wald "
                 f"{pct}% CI) on that set. Classifying patients only by what is known at the "
                 "landmark avoids immortal-time bias (Anderson et al. 1983).")
    return Table(key="landmark", title="Landmark analysis", stub="Group",
                 columns=("Patients at risk", "Events", f"Median, months ({pct}% CI)",
                          "Log-rank p", f"HR ({pct}% CI)"),
                 rows=tuple(rows), footnotes=tuple(notes))


def _level_text(variable, level, var_labels, level_labels, group_labels) -> str:
    if variable == "group":
        return f"Group: {group_labels.get(str(level), level)}"
    name = var_labels.get(variable, variable)
    if level is None:
        return name
    return f"{name}: {level_labels.get((variable, str(level)), level)}"


def imputation_table(results, group_labels, var_labels, level_labels, conf_level: float,
                     p_digits: int) -> Table:
    """Per endpoint: each term of the adjusted Cox model pooled over the imputations (HR,
    CI, p, fmi) beside the complete-case fit; m and the seed in the heading."""
    pct = int(round(conf_level * 100))
    rows, notes = [], []
    for r in results:
        cc = r.complete_case
        rows.append(Row(label=f"{r.label} (m = {r.m}, seed {r.seed}; {r.n} patients, "
                              f"complete cases {cc.n})", cells=_blank(5), heading=True))
        ccs = {(h.variable, str(h.level)): h for h in cc.coefficients}
        for t in r.pooled:
            h = ccs.get((t.variable, str(t.level)))
            rows.append(Row(label=_level_text(t.variable, t.level, var_labels, level_labels,
                                              group_labels), indent=1, cells=(
                Cell(text=fmt.estimate_ci(t.hazard_ratio, t.conf_low, t.conf_high, 2)),
                Cell(text=fmt.p_value(t.p_value, p_digits, "NE")),
                Cell(text=fmt.num(t.fmi, 2)),
                Cell(text=fmt.estimate_ci(h.hazard_ratio, h.conf_low, h.conf_high, 2)
                     if h is not None else ""),
                Cell(text=fmt.p_value(h.p_value, p_digits, "NE") if h is not None else ""),
            )))
        notes.append(r.methods_text(var_labels))
    notes.insert(0, f"Pooled: Rubin's rules over the m imputations, {pct}% CI and p from "
                 "t on Barnard\u2013Rubin degrees of freedom; fmi: fraction of missing "
                 f"information. Complete case: the same Cox model on the patients without a "
                 f"missing covariate (Wald {pct}% CI and p).")
    return Table(key="imputation", title="Multiple imputation of missing covariates: adjusted "
                 "Cox model", stub="Term",
                 columns=(f"Pooled HR ({pct}% CI)", "p value", "fmi",
                          f"Complete-case HR ({pct}% CI)", "p value"),
                 rows=tuple(rows), footnotes=tuple(notes))


def time_varying_table(results, var_labels, level_labels, group_labels, conf_level: float,
                       p_digits: int) -> Table:
    """The exposure's hazard ratio as a time-dependent covariate beside the naive
    (ever/never at baseline) one, for each block; the footnote explains the bias."""
    pct = int(round(conf_level * 100))
    rows, notes = [], []
    for r in results:
        rows.append(Row(label=f"{r.endpoint_label}: {r.exposure_label} ({r.n} patients, "
                              f"{r.n_events} events, {r.n_exposed} exposed)",
                        cells=_blank(4), heading=True))
        naive = {(h.variable, str(h.level)): h for h in r.naive}
        for h in r.time_varying:
            n = naive.get((h.variable, str(h.level)))
            label = (f"{r.exposure_label} (exposed)" if h.variable == "exposed" else
                     _level_text(h.variable, h.level, var_labels, level_labels, group_labels))
            rows.append(Row(label=label, indent=1, cells=(
                Cell(text=fmt.estimate_ci(h.hazard_ratio, h.conf_low, h.conf_high, 2)),
                Cell(text=fmt.p_value(h.p_value, p_digits, "NE")),
                Cell(text=fmt.estimate_ci(n.hazard_ratio, n.conf_low, n.conf_high, 2)
                     if n is not None else ""),
                Cell(text=fmt.p_value(n.p_value, p_digits, "NE") if n is not None else ""),
            )))
        adj = (", adjusted for " + ", ".join(var_labels.get(a, a) for a in r.covariates)
               if r.covariates else "")
        start = (f"; median start day {r.median_start_days:g} after the index date"
                 if fmt.isnum(r.median_start_days) else "")
        if r.window_days is not None:
            start += (f"; only a start within {r.window_days} days of the index date counts "
                      f"({r.n_after_window} patients who started later are analysed as "
                      "unexposed)")
        notes.append(f"{r.endpoint_label}, {r.exposure_label}: {r.n_exposed} of {r.n} patients "
                     f"exposed before the end of follow-up{start}; {r.n_intervals} "
                     f"counting-process intervals{adj}"
                     + (f"; {r.n_excluded} patients without follow-up left out."
                        if r.n_excluded else "."))
    notes.insert(0, "Time-dependent: Cox model on counting-process intervals, each patient "
                 "unexposed from the index date until the exposure starts and exposed after "
                 f"(R's tmerge with tdc and coxph(Surv(start, stop, event) ~ ...)); Wald "
                 f"{pct}% CI and p. Naive: the same Cox model with the exposure as a baseline "
                 "ever/never covariate. The naive model is immortal-time biased: an exposed "
                 "patient had to survive event-free until the exposure started, and that "
                 "time is counted as exposed, so the naive hazard ratio is biased towards "
                 "benefit (Suissa 2008). The time-dependent model is the analysis; the naive "
                 "one is shown only to size the bias.")
    return Table(key="time_varying", title="Time-varying exposure: time-dependent vs naive "
                 "Cox model", stub="Term",
                 columns=(f"Time-dependent HR ({pct}% CI)", "p value",
                          f"Naive ever/never HR ({pct}% CI)", "p value"),
                 rows=tuple(rows), footnotes=tuple(notes))


def _ci(iv) -> str:
    return fmt.interval(iv.conf_low, iv.conf_high, 2) if fmt.isnum(iv.conf_low) else ""


def adjusted_bootstrap_table(results, adjusted, group_labels, conf_level: float) -> Table:
    """Per endpoint: the IPTW hazard ratio with its robust and bootstrap CIs, the weighted
    RMST difference with its Wald and bootstrap CIs, and the AIPW differences."""
    pct = int(round(conf_level * 100))
    rows, notes = [], []
    for r in results:
        tr = group_labels.get(r.treated, r.treated)
        ref = group_labels.get(r.reference, r.reference)
        rows.append(Row(label=f"{r.endpoint.upper()}: {tr} vs {ref} ({r.estimand}, "
                              f"{r.n} patients)", cells=_blank(3), heading=True))
        comp = adjusted.comparison(r.endpoint, "iptw") if adjusted is not None else None
        if r.bootstrap_hr is not None:
            robust = (fmt.interval(comp.hazard_ratio.conf_low,
                                   comp.hazard_ratio.conf_high, 2)
                      if comp is not None else "")
            rows.append(Row(label="IPTW hazard ratio", indent=1, cells=(
                Cell(text=fmt.num(r.bootstrap_hr.estimate, 2)), Cell(text=robust),
                Cell(text=_ci(r.bootstrap_hr)))))
        boot = _ci(r.bootstrap_rmst_difference) if r.bootstrap_rmst_difference else ""
        rows.append(Row(label=f"Weighted RMST difference to {r.tau:.1f} months, months",
                        indent=1, cells=(Cell(text=fmt.num(r.rmst_difference.estimate, 2)),
                                         Cell(text=_ci(r.rmst_difference)), Cell(text=boot))))
        if r.aipw_rmst_difference is not None:
            rows.append(Row(label=f"Doubly robust (AIPW, {r.aipw_estimand}) RMST difference "
                                  f"to {r.tau:.1f} months, months", indent=1, cells=(
                Cell(text=fmt.num(r.aipw_rmst_difference.estimate, 2)), Cell(text=""),
                Cell(text=_ci(r.aipw_rmst_difference)))))
            for m, iv in r.aipw_survival_difference:
                rows.append(Row(label=f"Doubly robust (AIPW, {r.aipw_estimand}) survival "
                                      f"difference at {m:g} months", indent=1, cells=(
                    Cell(text=fmt.num(iv.estimate, 3)), Cell(text=""), Cell(text=_ci(iv)))))
        boot_note = (f"{r.n_resamples} bootstrap resamples (seed {r.seed}), the propensity "
                     f"model refitted in each; {r.n_failed} IPTW and {r.n_failed_aipw} AIPW "
                     "resamples left out (an arm without events or with follow-up shorter "
                     "than \u03c4)" if r.n_resamples else "no bootstrap")
        notes.append(f"{r.endpoint.upper()}: \u03c4 = {r.tau:.2f} months ({r.tau_rule}); "
                     f"{boot_note}." + "".join(f" {n}" for n in r.notes))
    notes.insert(0, f"Robust: the {pct}% CI of the IPTW Cox model's sandwich variance, which "
                 "treats the propensity score as known. Wald: the weighted RMST difference's "
                 "CI from its robust (infinitesimal-jackknife) variance with the weights "
                 "treated as known, as in the adjusted comparison. Bootstrap: percentile intervals "
                 "over resamples of patients in which the propensity model, the weights and "
                 "the estimate are recomputed. AIPW: augmented inverse probability weighting "
                 "(logistic propensity model, Cox outcome model per arm, Kaplan\u2013Meier "
                 "censoring weights), consistent if either model is right; differences are "
                 "treated minus reference. No p values: the bootstrap gives intervals only.")
    return Table(key="adjusted_bootstrap", title="Adjusted comparison: bootstrap and doubly "
                 "robust estimates", stub="Estimate",
                 columns=("Estimate", f"{pct}% CI, robust or Wald", f"{pct}% CI, bootstrap"),
                 rows=tuple(rows), footnotes=tuple(notes))
