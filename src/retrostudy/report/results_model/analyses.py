"""results.json ``analyses``: groups, Table 1, the survival endpoints, response, follow-up
and discontinuation (the primary analyses); the adjusted and secondary ones are in
:mod:`.adjusted` and :mod:`.secondary`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from retrostudy.report.results_model.adjusted import Adjusted
from retrostudy.report.results_model.common import (
    Conventions,
    CoxModel,
    Empty,
    Estimate,
    Landmark,
    Strict,
    absent,
    doc,
)
from retrostudy.report.results_model.design import (
    AdjustedBootstrap,
    ImputedEndpoint,
    LandmarkEndpoint,
    TimeVarying,
)
from retrostudy.report.results_model.secondary import (
    CompetingRisks,
    RmstEndpoint,
    Sensitivity,
    Subgroup,
)


class GroupCount(Strict):
    """An analysed group."""

    name: str = doc("Group name, as in `[[groups.group]]`.")
    label: str = doc("Group label as printed.")
    n: int = doc("Patients analysed in the group.")


class ContinuousSummary(Strict):
    """Summary of a continuous variable in one group (values after `scale`)."""

    n: int = doc("Patients with a value; the other keys are absent when it is 0.")
    median: float | None = doc("Median.", None)
    min: float | None = doc("Minimum.", None)
    max: float | None = doc("Maximum.", None)
    q1: float | None = doc("First quartile (R's quantile type 2).", None)
    q3: float | None = doc("Third quartile (R's quantile type 2).", None)
    mean: float | None = doc("Mean.", None)


class ContinuousVariable(Strict):
    """A continuous Table 1 variable."""

    variable: str = doc("Column name.")
    label: str = doc("Row label as printed.")
    kind: Literal["continuous"] = doc("`continuous`.")
    among: str | None = doc("Restricted to the patients for whom this column is true, or "
                            "null.")
    summary: str = doc("How it is printed: `median_range`, `median_iqr` or `mean_sd`.")
    test: str = doc("Test of the p value: `wilcoxon`, `kruskal` or `none`.")
    p_value: float | None = doc("p value of `test`; null for `none`.")
    groups: dict[str, ContinuousSummary] = doc("Group (and `overall`) -> summary.")


class CategoricalVariable(Strict):
    """A categorical or binary Table 1 variable."""

    variable: str = doc("Column name.")
    label: str = doc("Row label as printed.")
    kind: Literal["categorical", "binary"] = doc("`categorical` or `binary`.")
    test: str = doc("Test of the p value: `chisq`, `chisq_yates`, `fisher` or `none`.")
    p_value: float | None = doc("p value of `test`; null for `none`.")
    levels: list[str] = doc("Level labels in order (binary: `Yes`, `No`).")
    values: list[str] = doc("The stored values of the levels as key strings (`true`, `0`, "
                            "`positive`).")
    counts: dict[str, list[int]] = doc("Group -> count per level (missing values excluded).")


Table1Variable = Annotated[ContinuousVariable | CategoricalVariable, Field(discriminator="kind")]


class LogRank(Strict):
    """The log-rank test of an endpoint across the groups."""

    statistic: float | None = doc("Chi-square statistic (0 when not estimable).")
    df: float | None = doc("Degrees of freedom (0 when not estimable).")
    p_value: float | None = doc("p value; null when not estimable.")
    test: Literal["logrank", "cox_score_entry"] = doc(
        "`logrank`; with delayed entry (`entry`), `cox_score_entry`: the score test of the "
        "unadjusted Cox model on the left-truncated risk sets (R's survdiff does not accept "
        "delayed entry).")
    observed: list[float | None] = doc("Observed events per group, in `groups` order.")
    expected: list[float | None] = doc("Expected events per group, in `groups` order (with "
                                       "delayed entry: on the left-truncated risk sets).")
    groups: list[str] = doc("Groups of the test.")
    not_estimable: str | None = doc("Null, or why there is no test (no events, one group "
                                    "at risk, a singular variance).")


class DelayedEntry(Strict):
    """Delayed entry (left truncation) of an endpoint: each patient at risk on (entry, time]."""

    source: str = doc("The protocol's `entry`: an endpoint or a column.")
    kind: Literal["endpoint", "column"] = doc("`endpoint`: the day of its event (none: 0); "
                                              "`column`: the entry day itself.")
    n: int = doc("Patients analysed.")
    n_delayed: int = doc("Patients entering after the index date (entry > 0).")
    median_delayed_days: float | None = doc("Median entry day of those patients; null when "
                                            "none.")
    method: str = doc("The method, in words.")


class GroupSurvival(Strict):
    """Kaplan-Meier summary of one group."""

    n: int = doc("Patients.")
    n_events: int = doc("Events.")
    median_months: Estimate = doc("Median survival with its CI (where the CI bands cross "
                                  "0.5, as R's survival does), months.")
    landmarks: list[Landmark] = doc("Survival at each landmark of the endpoint.")


class Endpoint(Strict):
    """One `[[analyses.survival]]` endpoint."""

    label: str = doc("Endpoint label as printed.")
    reference_group: str = doc("The Cox reference group.")
    n_excluded_missing: int = doc("Rows without a time or an event for this endpoint.")
    groups: dict[str, GroupSurvival] = doc("Group -> Kaplan-Meier summary.")
    logrank: LogRank = doc("Log-rank test.")
    cox: list[CoxModel] = doc("Cox models: `unadjusted`, `univariable:<covariate>` (with "
                              "`univariable = true`), `adjusted` (with `adjust`).")
    warnings: list[str] = doc("Warnings of this endpoint (too few events per term, "
                              "monotone likelihood, no test).")
    delayed_entry: DelayedEntry | None = absent(
        "Only with `entry` (delayed entry, left truncation): where the entry days come from "
        "and how many patients enter after the index date.")


class RateGroup(Strict):
    """A rate in one group."""

    x: int = doc("Patients with the outcome.")
    n: int = doc("Denominator.")
    proportion: float | None = doc("x / n; null when n is 0.")
    conf_low: float | None = doc("Lower confidence limit (the block's `ci_method`).")
    conf_high: float | None = doc("Upper confidence limit.")


class Rate(Strict):
    """A response rate of Table 2."""

    name: str = doc("The rate's column.")
    label: str = doc("Label as printed.")
    test: str = doc("Test of the p value: `chisq`, `chisq_yates`, `fisher` or `none`.")
    p_value: float | None = doc("p value of `test`; null for `none`.")
    not_estimable: str | None = doc("Null, or why there is no test (e.g. `no patient has "
                                    "it`).")
    groups: dict[str, RateGroup] = doc("Group -> rate.")


class Response(Strict):
    """Table 2: response rates and best overall response."""

    rates: list[Rate] = doc("One entry per rate present in the data.")
    best_response: dict[str, dict[str, int]] = doc(
        "Category (and `missing` for not assessed) -> group -> patients; `{}` when the "
        "best-response column is absent.")
    denominator: Literal["analysed", "evaluable"] = doc("Denominator of the rates.")
    ci_method: str = doc("CI of a rate: `clopper-pearson`, `wilson` or `wilson-cc`.")


class FollowUpGroup(Strict):
    """Follow-up of one group."""

    n: int = doc("Patients with an observed time.")
    observed_median_months: float | None = doc("Median observed time, months.")
    observed_min_months: float | None = doc("Shortest observed time, months.")
    observed_max_months: float | None = doc("Longest observed time, months.")
    reverse_km_median_months: Estimate = doc("Median follow-up by reverse Kaplan-Meier, "
                                             "with its CI, months.")


class FollowUp(Strict):
    """`[analyses.followup]`."""

    observation: str = doc("Endpoint whose observed times are summarised.")
    reverse_km_of: str = doc("Endpoint whose reverse Kaplan-Meier median is the follow-up.")
    method: str = doc("The sentence the report prints about how follow-up was computed.")
    groups: dict[str, FollowUpGroup] = doc("Group -> follow-up.")


class Discontinuation(Strict):
    """`[analyses.discontinuation]`: reasons for stopping treatment."""

    discontinued: dict[str, int] = doc("Group -> patients who discontinued.")
    reasons: dict[str, dict[str, int]] = doc("Reason -> group -> patients.")
    denominator: Literal["discontinued", "all"] = doc("Denominator of the percentages.")
    method: str = doc("What the table counts, in words (its footnote).")


class MissingCount(Strict):
    """Missing values of one covariate in one group (or overall)."""

    n: int = doc("Patients of the group.")
    n_missing: int = doc("Patients with the covariate missing.")
    percent_missing: float | None = doc("100 * n_missing / n; null for an empty group.")


class MissingCovariate(Strict):
    """One covariate of the missingness table."""

    covariate: str = doc("Column of the analysis dataset.")
    used_in: list[str] = doc("Where it is used: `table1`, `survival:<endpoint>`, "
                             "`competing`, `adjusted`.")
    groups: dict[str, MissingCount] = doc("Group -> its missing values.")
    overall: MissingCount = doc("All patients.")


class Missingness(Strict):
    """Missing values of the Table-1 and adjustment covariates, by group
    (`stats.missingness_table`; Sterne et al. 2009)."""

    groups: list[str] = doc("Groups in protocol order.")
    covariates: list[MissingCovariate] = doc("Table-1 variables (not those shown only among "
                                             "another row's patients), then the adjustment "
                                             "covariates, each once.")
    complete_cases: dict[str, int] = doc("Group (and `overall`) -> patients with no listed "
                                         "covariate missing.")


class Analyses(Strict):
    """Every estimate and count of the study (null at the top level under suppression)."""

    conventions: Conventions = doc("The conventions the numbers follow.")
    groups: list[GroupCount] = doc("Groups in protocol order.")
    reference_group: str = doc("The Cox reference group (`[groups].reference`).")
    table1: list[Table1Variable] = doc("One entry per Table 1 variable.")
    endpoints: dict[str, Endpoint] = doc("Endpoint name -> its survival analysis.")
    response: Response | Empty = doc("Table 2; `{}` without a response analysis.")
    followup: FollowUp | Empty = doc("Follow-up; `{}` without `[analyses.followup]`.")
    discontinuation: Discontinuation | Empty = doc(
        "Discontinuation; `{}` without `[analyses.discontinuation]` or its column.")
    warnings: list[str] = doc("Every warning of the analyses, each once (as at the top "
                              "level).")
    adjusted: Adjusted | None = absent("Only with `[analyses.adjusted]`: the "
                                       "propensity-score comparison.")
    rmst: dict[str, RmstEndpoint] | None = absent("Only with `[analyses.rmst]`: endpoint "
                                                  "-> restricted mean survival time.")
    competing_risks: CompetingRisks | None = absent("Only with `[analyses.competing]`.")
    subgroups: list[Subgroup] | None = absent("Only with `[[analyses.subgroups]]`: one "
                                              "entry per block.")
    sensitivity: Sensitivity | None = absent("Only with `[analyses.sensitivity]`.")
    landmark: dict[str, LandmarkEndpoint] | None = absent(
        "Only when a `[[analyses.survival]]` block has `landmark_days`: endpoint -> its "
        "landmark analysis.")
    imputation: dict[str, ImputedEndpoint] | None = absent(
        "Only with `[analyses.imputation]` and an adjusted Cox model: endpoint -> the "
        "adjusted model pooled over the imputations, beside its complete-case fit.")
    time_varying: list[TimeVarying] | None = absent(
        "Only with `[[analyses.time_varying]]`: one entry per block.")
    adjusted_bootstrap: dict[str, AdjustedBootstrap] | None = absent(
        "Only with `[analyses.adjusted]` `bootstrap` or `aipw`: endpoint -> bootstrap, "
        "doubly robust and weighted-RMST estimates.")
    missingness: Missingness | None = absent("Only when the analyses use covariates the "
                                             "dataset has: their missing values by group.")
