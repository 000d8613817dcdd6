"""results.json design analyses: ``landmark`` (landmark analysis), ``imputation`` (multiple
imputation of missing covariates) and ``time_varying`` (time-varying exposure)."""

from __future__ import annotations

from retrostudy.report.results_model.common import CoxCoefficient, Estimate, Strict, doc


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
