"""results.json ``analyses.adjusted``: the propensity-score comparison of
``[analyses.adjusted]`` (docs/protocol.md)."""

from __future__ import annotations

from retrostudy.report.results_model.common import (
    Estimate,
    EValueRecord,
    Landmark,
    Strict,
    absent,
    doc,
)


class AdjustedConventions(Strict):
    """Every choice behind the adjusted comparison, in words and values."""

    estimand: str = doc("`ATE`, `ATT`, `ATC` or `ATO`.")
    propensity_model: str = doc("The propensity model in words.")
    iptw_weights: str = doc("The IPTW weights in words.")
    trim: list[float] | None = doc("Propensity-score trimming bounds, or null.")
    matching: str = doc("The matching in words.")
    caliper: float = doc("Caliper, SDs of the logit of the score (0 = none).")
    replace: bool = doc("Matching with replacement.")
    seed: int = doc("Seed of random-order matching.")
    balance_threshold: float = doc("|SMD| at or above which a column is imbalanced.")
    balance_sd: str = doc("SMD denominator: `pooled`, `treated` or `control`.")
    min_ess_fraction: float = doc("Effective sample size below this fraction of a group is "
                                  "flagged.")
    missing: str = doc("Missing-covariate policy: `error`, `indicator` or `complete_case`.")
    km_variance: str = doc("Kaplan-Meier variance in words.")
    cox: str = doc("Cox model and variances in words.")
    test: str = doc("Tests in words.")
    conf_level: float = doc("Confidence level.")
    iptw_trimmed: int | None = absent("With IPTW: patients trimmed.")
    iptw_truncate: float | None = absent("With IPTW and `truncate`: the quantile at which the "
                                         "weights are capped.")
    iptw_truncation_cap: float | None = absent("With IPTW and `truncate`: the cap (that "
                                               "quantile of the kept patients' weights, type 7).")
    iptw_truncated: int | None = absent("With IPTW and `truncate`: patients whose weight was "
                                        "capped.")
    caliper_width: float | None = doc("With matching: the caliper on the logit scale "
                                      "(null without a caliper).", None)
    matching_warnings: list[str] | None = absent("With matching: the matcher's warnings.")
    methods_without_patients: list[str] | None = absent(
        "Present when a method left a group empty: those methods (omitted).")


class PsColumn(Strict):
    """A column of the propensity model."""

    column: str = doc("Model column, e.g. `age` or `hr_status=positive`.")
    label: str = doc("Its label as printed.")
    binary: bool = doc("Whether the column is 0/1.")
    covariate: str = doc("The protocol covariate it comes from.")


class Missing(Strict):
    """Missing covariate values."""

    counts: dict[str, int] = doc("Covariate -> patients missing it.")
    excluded_by_group: dict[str, int] = doc("Group -> patients left out (complete case).")


class PsFit(Strict):
    """The propensity model's fit."""

    method: str = doc("`ml` or `firth`.")
    converged: bool = doc("Whether the fit converged.")
    iterations: int = doc("Iterations.")
    separation: bool = doc("Whether maximum likelihood showed separation.")
    loglik: float | None = doc("Log-likelihood.")
    n: int = doc("Patients.")
    terms: int = doc("Model columns (without the intercept).")
    warnings: list[str] = doc("Warnings of the fit.")
    constant_covariates_left_out: dict[str, str | bool | int | float] = doc(
        "Covariate with one value for every patient -> that value, as the data hold it "
        "(left out).")
    aliased_columns_left_out: list[str] = doc(
        "Columns that are a combination of earlier ones on the patients used (left out, as "
        "R's glm gives them NA).")


class PsTerm(Strict):
    """One term of the propensity model (intercept first)."""

    term: str = doc("Model column, `(Intercept)` first.")
    label: str = doc("Label as printed.")
    coef: float | None = doc("Coefficient (log odds).")
    std_err: float | None = doc("Standard error.")
    odds_ratio: float | None = doc("Odds ratio (null beyond the float range).")
    conf_low: float | None = doc("Lower Wald confidence limit of the odds ratio.")
    conf_high: float | None = doc("Upper Wald confidence limit of the odds ratio.")
    p_value: float | None = doc("Wald p value.")
    test: str = doc("`logistic_wald`.")


class PsModel(Strict):
    """The propensity-score model."""

    fit: PsFit = doc("How the fit went.")
    terms: list[PsTerm] = doc("Coefficients.")


class BalanceRow(Strict):
    """Balance of one model column."""

    name: str = doc("Model column.")
    binary: bool = doc("Whether the column is 0/1.")
    mean_treated_before: float | None = doc("Mean in the treated group, before.")
    mean_control_before: float | None = doc("Mean in the reference group, before.")
    smd_before: float | None = doc("Standardised mean difference, before.")
    variance_ratio_before: float | None = doc("Variance ratio, before.")
    mean_treated_after: float | None = doc("Weighted mean in the treated group, after.")
    mean_control_after: float | None = doc("Weighted mean in the reference group, after.")
    smd_after: float | None = doc("Standardised mean difference, after.")
    variance_ratio_after: float | None = doc("Variance ratio, after.")
    balanced: bool = doc("|SMD| below the threshold.")


class SampleGroup(Strict):
    """One group's sample under a method."""

    n: int = doc("Patients.")
    n_used: int = doc("Patients with a weight above 0.")
    sum_weights: float = doc("Sum of the weights.")
    effective_n: float | None = doc("Kish's effective sample size.")
    trimmed: int | None = absent("IPTW with `trim`: patients given weight 0 because their "
                                 "score lies outside the bounds.")
    truncated: int | None = absent("IPTW with `truncate`: patients whose weight was capped at "
                                   "the quantile.")


class Overlap(Strict):
    """Common support of the propensity scores."""

    common_support: list[float] = doc("[low, high]: the score range both groups share.")
    outside: dict[str, int] = doc("Group -> patients outside it.")


class Samples(Strict):
    """Group sizes, sums of weights and effective sizes per method."""

    unadjusted: dict[str, SampleGroup] = doc("Group -> sample, without weights.")
    iptw: dict[str, SampleGroup] | None = absent("Group -> sample under IPTW.")
    matching: dict[str, SampleGroup] | None = absent("Group -> sample under matching.")
    overlap: Overlap = doc("Common support.")


class WeightedGroup(Strict):
    """(Weighted) Kaplan-Meier summary of one group."""

    n: int = doc("Patients with a weight above 0.")
    n_events: int = doc("Their events (unweighted).")
    sum_weights: float = doc("Sum of the weights.")
    effective_n: float | None = doc("Kish's effective sample size.")
    variance: str = doc("`greenwood` or `robust`.")
    median_months: Estimate = doc("Median with CI, months.")
    landmarks: list[Landmark] = doc("Survival at the endpoint's landmarks.")


class AdjustedHazardRatio(Strict):
    """The group's hazard ratio under one method."""

    level: str | None = doc("The treated group; null without a fit.")
    coef: float | None = doc("Log hazard ratio.")
    std_err: float | None = doc("Model standard error.")
    robust_std_err: float | None = doc("Robust (sandwich) standard error.")
    hazard_ratio: float | None = doc("Hazard ratio.")
    conf_low: float | None = doc("Lower confidence limit.")
    conf_high: float | None = doc("Upper confidence limit.")
    p_value: float | None = doc("Wald p of the variance the CI uses.")
    test: str | None = doc("`wald` (crude) or `robust_wald` (weighted, matched); null "
                           "without a fit.")
    variance: str | None = doc("Variance used; null without a fit.")
    monotone: bool = doc("Monotone likelihood (estimates null).")
    not_estimable: str | None = doc("Null, or why there is no fit.")


class AdjustedTest(Strict):
    """The group test under one method."""

    name: str = doc("The test in words.")
    test: str = doc("`logrank` (crude) or `robust_score` (weighted).")
    statistic: float | None = doc("Statistic.")
    df: float | None = doc("Degrees of freedom.")
    p_value: float | None = doc("p value.")
    not_estimable: str | None = doc("Null, or why there is no test.")


class RMSTGroup(Strict):
    """One group's restricted mean survival time."""

    rmst: float = doc("RMST to tau, months.")
    std_err: float = doc("Its standard error (the variance of `variance`), months.")


class AdjustedRMST(Strict):
    """RMST of each group to tau under one method and the difference treated - reference."""

    tau_months: float = doc("Horizon tau, months (one per endpoint, every method).")
    tau_rule: str = doc("How tau was chosen.")
    groups: dict[str, RMSTGroup] = doc("Group -> RMST.")
    difference: float = doc("Treated minus reference, months.")
    std_err: float = doc("Standard error of the difference, months.")
    conf_low: float | None = doc("Lower Wald confidence limit.")
    conf_high: float | None = doc("Upper Wald confidence limit.")
    p_value: float | None = doc("Wald z-test p of the same variance.")
    variance: str = doc("`greenwood` (crude; R's survfit rmean), `robust` (IPTW; "
                        "infinitesimal jackknife, weights treated as known) or "
                        "`robust_cluster` (matching; clustered on matched sets).")
    test: str = doc("`rmst_wald`, `rmst_wald_robust` or `rmst_wald_cluster` (by variance).")


class CIFLandmark(Strict):
    """Cumulative incidence of one cause at one landmark."""

    months: float = doc("Landmark, months.")
    cause: str = doc("`progression` or `death_without_progression`.")
    incidence: float = doc("Cumulative incidence.")
    conf_low: float | None = doc("Lower confidence limit (log).")
    conf_high: float | None = doc("Upper confidence limit (log).")


class CIFGroup(Strict):
    """One group's cumulative incidence under one method."""

    n: int = doc("Patients with a weight above 0 and a competing-risks status.")
    events: dict[str, int] = doc("Cause -> events (unweighted count).")
    landmarks: list[CIFLandmark] = doc("Per landmark and cause.")


class AdjustedCIF(Strict):
    """(Weighted) Aalen-Johansen cumulative incidence of `[analyses.competing]`'s causes."""

    method: str = doc("`Aalen-Johansen`, or `Aalen-Johansen with case weights`.")
    variance: str = doc("`infinitesimal jackknife`.")
    conf_type: str = doc("`log`.")
    landmarks_months: list[float] = doc("The competing-risks landmarks, months.")
    groups: dict[str, CIFGroup] = doc("Group -> cumulative incidence.")


class Comparison(Strict):
    """One endpoint under one method."""

    method: str = doc("`crude`, `iptw` or `matching`.")
    n: int = doc("Patients with a weight above 0.")
    n_events: int = doc("Their events.")
    groups: dict[str, WeightedGroup] = doc("Group -> Kaplan-Meier summary.")
    hazard_ratio: AdjustedHazardRatio = doc("Hazard ratio of the treated group.")
    test: AdjustedTest = doc("Test of the group difference.")
    evalue: EValueRecord | None = doc("E-value of the hazard ratio; null when not estimable.")
    rmst: AdjustedRMST | None = absent("RMST per group and difference.")
    cumulative_incidence: AdjustedCIF | None = absent(
        "With `[analyses.competing]` on this endpoint: cumulative incidence per group.")


class AdjustedEndpoint(Strict):
    """One endpoint of the adjusted comparison, by method."""

    crude: Comparison = doc("Without weights.")
    iptw: Comparison | None = absent("Inverse probability of treatment weighting.")
    matching: Comparison | None = absent("Propensity-score matching.")


class Flags(Strict):
    """Weaknesses found, for machines (the warnings say them in words)."""

    separation: bool = doc("The propensity model separates.")
    firth: bool = doc("Firth's penalised likelihood was used.")
    converged: bool = doc("The propensity model converged.")
    patients_per_term: float = doc("Patients of the smaller group per model term.")
    outside_common_support: dict[str, int] = doc("Group -> patients outside common support.")
    imbalanced: dict[str, list[str]] = doc("Method -> columns with |SMD| >= threshold.")
    low_ess: dict[str, list[str]] = doc("`iptw` -> groups with a small effective size.")
    unmatched: dict[str, int] = doc("Group -> patients without a match.")
    omitted_methods: list[str] = doc("Methods that left a group empty.")
    monotone: list[str] = doc("`endpoint:method` with a monotone Cox likelihood.")


class Adjusted(Strict):
    """`[analyses.adjusted]`: the propensity-score sensitivity analysis."""

    treated_group: str = doc("The non-reference group.")
    reference_group: str = doc("The reference group.")
    estimand: str = doc("`ATE`, `ATT`, `ATC` or `ATO`.")
    methods: list[str] = doc("Methods run (`iptw`, `matching`); a method that left a group "
                             "empty is omitted (`flags.omitted_methods`).")
    conventions: AdjustedConventions = doc("Every choice, in words and values.")
    covariates: list[PsColumn] = doc("Columns of the propensity model.")
    reference_levels: dict[str, str] = doc("Categorical covariate -> reference level.")
    missing: Missing = doc("Missing covariate values.")
    ps_model: PsModel = doc("The propensity-score model.")
    balance: dict[str, dict[str, float | None]] = doc(
        "`before` and each method -> column -> signed SMD.")
    balance_detail: dict[str, list[BalanceRow]] = doc(
        "`before` and each method -> per-column balance.")
    samples: Samples = doc("Sample sizes and weights.")
    endpoints: dict[str, AdjustedEndpoint] = doc("Endpoint -> comparisons by method.")
    flags: Flags = doc("Weaknesses, for machines.")
    warnings: list[str] = doc("Weaknesses, in words.")
