"""results.json design analyses: ``landmark`` (landmark analysis), ``imputation`` (multiple
imputation of missing covariates) and ``time_varying`` (time-varying exposure)."""

from __future__ import annotations

from retrostudy.report.results_model.common import (
    CoxCoefficient,
    CoxModel,
    Estimate,
    Level,
    Strict,
    absent,
    doc,
)


class LandmarkLogRank(Strict):
    """The log-rank test on the landmark set."""

    statistic: float | None = doc("Chi-square statistic.")
    df: float | None = doc("Degrees of freedom.")
    p_value: float | None = doc("p value; null when not estimable.")
    test: str = doc("`logrank`.")
    not_estimable: str | None = doc("Null, or why there is no test.")


class LandmarkGroup(Strict):
    """One group of the landmark set."""

    n: int = doc("Patients at risk at the landmark.")
    n_events: int = doc("Events after the landmark.")
    median_months: Estimate = doc("Kaplan-Meier median from the landmark, with its CI, "
                                  "months.")


class LandmarkEndpoint(Strict):
    """One `[[analyses.survival]]` endpoint with `landmark_days`, analysed from the landmark."""

    label: str = doc("Endpoint label as printed.")
    landmark_days: int = doc("The landmark, days after the index date (`landmark_days`).")
    landmark_months: float = doc("The landmark in months.")
    reference_group: str = doc("The Cox reference group.")
    n: int = doc("Patients with a time and an event for the endpoint.")
    n_excluded_missing: int = doc("Patients without a time or an event for the endpoint.")
    n_excluded_event_before: int = doc("Patients with the event on or before the landmark "
                                       "(excluded).")
    n_excluded_censored_before: int = doc("Patients censored on or before the landmark "
                                          "(excluded).")
    n_at_risk: int = doc("Patients analysed: event-free and under follow-up at the landmark "
                         "(`n` = the two exclusions + `n_at_risk`).")
    method: str = doc("The rule in words.")
    groups: dict[str, LandmarkGroup] = doc("Group -> its landmark Kaplan-Meier summary.")
    logrank: LandmarkLogRank = doc("Log-rank test on the landmark set.")
    hazard_ratios: list[CoxCoefficient] = doc("Group terms of the unadjusted Cox model on the "
                                              "landmark set (time from the landmark).")
    cox_not_estimable: str | None = doc("Null, or why the Cox model has no estimate.")


class PooledHazardRatio(Strict):
    """One term of the adjusted Cox model pooled over the imputations (Rubin's rules)."""

    variable: str = doc("Covariate, `group` for the group.")
    level: Level = doc("The level compared with the reference; null for a numeric covariate.")
    hazard_ratio: float | None = doc("Pooled hazard ratio exp(mean log HR).")
    conf_low: float | None = doc("Lower limit: t CI on Barnard-Rubin degrees of freedom.")
    conf_high: float | None = doc("Upper limit of the same CI.")
    p_value: float | None = doc("Two-sided p of the pooled t statistic (same df as the CI).")
    fmi: float | None = doc("Fraction of missing information.")
    riv: float | None = doc("Relative increase in variance due to nonresponse.")
    df: float | None = doc("Barnard-Rubin degrees of freedom.")
    test: str = doc("`rubin_t`.")


class ImputedEndpoint(Strict):
    """`[analyses.imputation]` for one endpoint's adjusted Cox model."""

    label: str = doc("Endpoint label as printed.")
    covariates: list[str] = doc("Model terms, `group` first.")
    n: int = doc("Patients with a time and an event (all analysed after imputation).")
    n_events: int = doc("Events among them.")
    missing: dict[str, int] = doc("Imputed column -> missing values among the `n`.")
    methods: dict[str, str] = doc("Imputed column -> its model: `pmm`, `logreg`, `polyreg`.")
    m: int = doc("Number of imputations.")
    iterations: int = doc("Iterations of the chained equations per imputation.")
    seed: int = doc("Seed of the imputations.")
    method: str = doc("The method in words.")
    pooled: list[PooledHazardRatio] = doc("Every term pooled by Rubin's rules.")
    complete_case: CoxModel = doc("The same model on the complete cases (name "
                                  "`complete_case`).")


class TimeVarying(Strict):
    """One `[[analyses.time_varying]]` block: the exposure as a time-dependent covariate and
    as a baseline ever/never covariate."""

    endpoint: str = doc("The outcome endpoint.")
    exposure: str = doc("The endpoint whose event is the exposure start.")
    exposure_label: str = doc("The exposure as printed.")
    covariates: list[str] = doc("Adjustment terms of both models besides the exposure.")
    n: int = doc("Patients analysed (a time > 0 and every covariate).")
    n_excluded: int = doc("Patients left out: no time or covariate for the endpoint, or "
                          "time 0.")
    n_events: int = doc("Events.")
    n_exposed: int = doc("Patients whose exposure started before the end of follow-up.")
    n_intervals: int = doc("Counting-process rows of the time-dependent model.")
    median_start_days: float | None = doc("Median exposure start among the exposed, days "
                                          "after the index date.")
    time_varying: list[CoxCoefficient] = doc("Terms of the Cox model with the exposure as a "
                                             "time-dependent covariate (`exposed`).")
    naive: list[CoxCoefficient] = doc("Terms of the immortal-time-biased Cox model with the "
                                      "exposure as a baseline ever/never covariate.")
    method: str = doc("The two models in words.")
    window_days: int | None = absent("Only with `window_days`: an exposure counts only when "
                                     "it starts on or before this day after the index date.")
    n_after_window: int | None = absent("Only with `window_days`: patients whose exposure "
                                        "started after the window, analysed as unexposed.")


class IntervalEstimate(Strict):
    """An estimate with its CI and where the CI comes from."""

    estimate: float | None = doc("Point estimate.")
    conf_low: float | None = doc("Lower confidence limit (null without one).")
    conf_high: float | None = doc("Upper confidence limit (null without one).")
    method: str = doc("`bootstrap_percentile`, `wald_weights_known` (weights treated as "
                      "known) or `none`.")


class AipwLandmark(IntervalEstimate):
    """The doubly robust survival difference (treated - reference) at one landmark."""

    months: float = doc("Landmark, months.")


class AdjustedBootstrap(Strict):
    """`[analyses.adjusted]` with `bootstrap` and/or `aipw`, for one endpoint."""

    treated_group: str = doc("The treated group.")
    reference_group: str = doc("The reference group.")
    estimand: str = doc("`ATE`, `ATT`, `ATC` or `ATO`.")
    tau_months: float = doc("RMST horizon, months.")
    tau_rule: str = doc("How tau was chosen.")
    n: int = doc("Patients of the propensity-score sample with a time for the endpoint.")
    weighted_rmst: dict[str, float | None] = doc("Group -> IPTW-weighted RMST to tau, months.")
    weighted_rmst_difference: IntervalEstimate = doc("Treated - reference weighted RMST, "
                                                     "months, Wald CI with known weights.")
    n_resamples: int = doc("Bootstrap resamples (0: none).")
    n_failed: int = doc("IPTW resamples left out (no event in an arm, follow-up shorter "
                        "than tau).")
    n_failed_aipw: int = doc("AIPW resamples left out.")
    seed: int | None = doc("Seed of the resamples.")
    notes: list[str] = doc("How the bootstrap differs from the main IPTW analysis, if it "
                           "does.")
    bootstrap_hazard_ratio: IntervalEstimate | None = absent(
        "With `bootstrap`: the IPTW Cox hazard ratio with its percentile CI (propensity "
        "model refitted in each resample).")
    bootstrap_rmst_difference: IntervalEstimate | None = absent(
        "With `bootstrap`: the weighted RMST difference with its percentile CI, months.")
    aipw_estimand: str | None = absent(
        "With `aipw`: the estimand of the doubly robust estimate (`ATE`, over the patients "
        "with the endpoint), which differs from `estimand` when the weights target another.")
    aipw_rmst_difference: IntervalEstimate | None = absent(
        "With `aipw`: the doubly robust RMST difference, months (CI with `bootstrap`).")
    aipw_survival_difference: list[AipwLandmark] | None = absent(
        "With `aipw`: the doubly robust survival difference at each landmark.")
