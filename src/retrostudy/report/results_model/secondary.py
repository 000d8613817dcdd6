"""results.json secondary analyses: ``rmst``, ``competing_risks``, ``subgroups`` and
``sensitivity`` under ``analyses`` (each only when its protocol block is present; times in
months)."""

from __future__ import annotations

from typing import Literal

from retrostudy.report.results_model.common import (
    CoxCoefficient,
    CoxModel,
    Estimate,
    Strict,
    absent,
    doc,
)


class RmstGroup(Strict):
    """RMST of one group up to tau."""

    n: int = doc("Patients.")
    n_events: int = doc("Events.")
    rmst: float | None = doc("Restricted mean survival time, months.")
    std_err: float | None = doc("Its standard error, months.")
    conf_low: float | None = doc("Lower normal confidence limit, months.")
    conf_high: float | None = doc("Upper normal confidence limit, months.")


class RmstContrast(Strict):
    """A group's RMST against the reference's (survRM2 `rmst2`)."""

    estimate: float | None = doc("Difference (months) or ratio.")
    std_err: float | None = doc("Standard error (of the log ratio for `ratio`).")
    conf_low: float | None = doc("Lower confidence limit.")
    conf_high: float | None = doc("Upper confidence limit.")
    p_value: float | None = doc("Two-sided p value.")
    test: str = doc("`rmst_z`.")


class RmstContrasts(Strict):
    """Difference and ratio of one non-reference group vs the reference."""

    difference: RmstContrast = doc("RMST difference, months.")
    ratio: RmstContrast = doc("RMST ratio (CI on the log scale).")


class RmstEndpoint(Strict):
    """`[analyses.rmst]` for one endpoint."""

    label: str = doc("Endpoint label.")
    tau_months: float = doc("Truncation time tau, months.")
    tau_rule: str = doc("`survRM2 default` or `protocol`.")
    tau_max_months: float = doc("Largest tau survRM2 accepts for these data, months.")
    reference_group: str = doc("Reference group of the contrasts.")
    conf_level: float = doc("Confidence level.")
    units: str = doc("`months`.")
    method: str = doc("The method in words.")
    groups: dict[str, RmstGroup] = doc("Group -> RMST.")
    contrasts: dict[str, RmstContrasts] = doc("Non-reference group -> difference and ratio.")


class Derivation(Strict):
    """How the competing-risks status was derived."""

    method: str = doc("`reason` or `death_date`.")
    rule: str = doc("The rule in words.")


class CifLandmark(Strict):
    """Cumulative incidence of one cause at one landmark."""

    months: float = doc("Landmark, months.")
    cause: str = doc("`progression` or `death_without_progression`.")
    incidence: float | None = doc("Cumulative incidence (0-1).")
    conf_low: float | None = doc("Lower confidence limit.")
    conf_high: float | None = doc("Upper confidence limit.")


class CifGroup(Strict):
    """Cumulative incidence of one group."""

    n: int = doc("Patients.")
    events: dict[str, int] = doc("Cause -> events.")
    landmarks: list[CifLandmark] = doc("Per landmark and cause.")


class CumulativeIncidence(Strict):
    """Aalen-Johansen cumulative incidence per group."""

    method: str = doc("Estimator in words.")
    variance: str = doc("Variance estimator in words.")
    conf_type: str = doc("CI transform (`log`).")
    groups: dict[str, CifGroup] = doc("Group -> cumulative incidence.")


class GrayTest(Strict):
    """Gray's test of one cause across the groups."""

    statistic: float | None = doc("Chi-square statistic; null when not computed.")
    df: float | None = doc("Degrees of freedom.")
    p_value: float | None = doc("p value.")
    test: str = doc("`gray`.")
    note: str | None = absent("Present when the test was not computed: why.")


class FineGrayModel(Strict):
    """A Fine-Gray subdistribution hazards model of one cause (R `cmprsk::crr`)."""

    name: str = doc("`unadjusted` (group alone) or `adjusted`.")
    covariates: list[str] = doc("Model terms, `group` first.")
    n: int = doc("Patients used (complete cases).")
    n_events: int = doc("Events of the modelled cause.")
    n_competing: int = doc("Events of the other cause (kept at risk with censoring weights).")
    coefficients: list[CoxCoefficient] = doc("Subdistribution hazard ratios, one per term "
                                             "(`robust_wald`: sandwich variance); null when "
                                             "not estimable.")
    not_estimable: str | None = doc("Null, or why there is no estimate (e.g. no events of "
                                    "the cause in a group: no convergence).")
    method: str = doc("The model in words.")


class CompetingRisks(Strict):
    """`[analyses.competing]`: progression and death without progression."""

    endpoint: str = doc("The progression endpoint analysed.")
    label: str = doc("Its label.")
    deaths_from: str = doc("Endpoint whose deaths are the competing event.")
    derivation: Derivation = doc("How each patient's cause was derived.")
    causes: dict[str, str] = doc("Cause code (`1`, `2`) -> cause name.")
    reference_group: str = doc("Reference group of the Cox models.")
    n_excluded_missing: int = doc("Patients without a time or status.")
    cumulative_incidence: CumulativeIncidence = doc("Cumulative incidence functions.")
    gray_test: dict[str, GrayTest] = doc("Cause name -> Gray's test.")
    cause_specific_cox: dict[str, list[CoxModel]] = doc(
        "Cause name -> cause-specific Cox models (`unadjusted`, `adjusted`), as under "
        "`endpoints`.")
    fine_gray: dict[str, list[FineGrayModel]] = doc(
        "Cause name -> Fine-Gray models (`unadjusted`, `adjusted`), beside the cause-specific "
        "ones.")
    adjust: list[str] = doc("Covariates of the adjusted models.")
    warnings: list[str] = doc("Warnings of this analysis.")


class SubgroupCount(Strict):
    """Patients and events of one group in a subgroup."""

    n: int = doc("Patients.")
    events: int = doc("Events.")


class SubgroupHazardRatio(Strict):
    """Hazard ratio of one non-reference group in a subgroup."""

    hazard_ratio: float | None = doc("Hazard ratio vs the reference group.")
    conf_low: float | None = doc("Lower confidence limit.")
    conf_high: float | None = doc("Upper confidence limit.")
    p_value: float | None = doc("p value of `test`.")
    test: str | None = doc("`wald`; `profile_likelihood` for Firth's fit; null when not "
                           "estimable.")
    not_estimable: str | None = absent("Present when not estimable: why (too few events, "
                                       "no patients, monotone likelihood).")
    method: Literal["firth"] | None = absent(
        "Present (`firth`) when the likelihood is monotone (a group without events in the "
        "level, or separation): Firth's penalised estimate, profile penalised-likelihood CI "
        "and p, Breslow ties (R's coxphf).")


class SubgroupCell(Strict):
    """Counts and hazard ratios of one subgroup (or all patients)."""

    n: int = doc("Patients.")
    counts: dict[str, SubgroupCount] = doc("Group -> patients and events.")
    hazard_ratios: dict[str, SubgroupHazardRatio] = doc("Non-reference group -> hazard ratio.")


class SubgroupLevel(SubgroupCell):
    """One level of a subgroup variable."""

    value: str = doc("The level as a key string (`True`, `1`, `positive`).")
    label: str = doc("Its label as printed.")


class Interaction(Strict):
    """Test of the group-by-variable interaction."""

    statistic: float | None = doc("Test statistic.")
    df: float | None = doc("Degrees of freedom.")
    p_value: float | None = doc("p value.")
    method: str = doc("The test in words (`likelihood ratio`, `wald`); empty when none.")
    test: str | None = doc("`interaction_lr`, `interaction_wald` or "
                           "`interaction_robust_wald`; absent when not computed.", None)
    note: str | None = absent("Present when the test was not computed or has a caveat.")


class SubgroupVariable(Strict):
    """One subgroup variable."""

    variable: str = doc("Column.")
    label: str = doc("Label as printed.")
    n_missing: int = doc("Patients without a value (left out).")
    levels: list[SubgroupLevel] = doc("Levels in order.")
    interaction: Interaction = doc("Interaction test.")


class Subgroup(Strict):
    """One `[[analyses.subgroups]]` block."""

    endpoint: str = doc("Endpoint.")
    label: str = doc("Label of the analysis.")
    reference_group: str = doc("Reference group.")
    min_events: int = doc("Fewest events for a hazard ratio to be estimated.")
    overall: SubgroupCell = doc("All patients.")
    variables: list[SubgroupVariable] = doc("One entry per variable.")


class SensitivityHazardRatio(Strict):
    """Unadjusted hazard ratio of a non-reference group under an alternative definition."""

    hazard_ratio: float | None = doc("Hazard ratio.")
    conf_low: float | None = doc("Lower confidence limit.")
    conf_high: float | None = doc("Upper confidence limit.")
    p_value: float | None = doc("Wald p value.")
    test: str | None = doc("`wald` or `robust_wald`.")


class SensitivityGroup(Strict):
    """Kaplan-Meier summary of one group under an alternative definition."""

    n: int = doc("Patients.")
    n_events: int = doc("Events.")
    median_months: Estimate = doc("Median with CI, months.")


class SensitivityEndpoint(Strict):
    """An alternative endpoint definition."""

    endpoint: str = doc("Endpoint.")
    label: str = doc("Label.")
    differs_from_primary: str = doc("The settings that differ from the first (primary) "
                                    "endpoint of the list, in words.")
    n_excluded_missing: int = doc("Rows without time or event.")
    groups: dict[str, SensitivityGroup] = doc("Group -> summary.")
    logrank_p_value: float | None = doc("Log-rank p value.")
    logrank_test: str = doc("`logrank`.")
    hazard_ratios: dict[str, SensitivityHazardRatio] = doc("Non-reference group -> hazard "
                                                           "ratio.")


class RateCount(Strict):
    """Patients with the outcome and the denominator."""

    x: int = doc("Patients with the outcome.")
    n: int = doc("Patients.")


class ResponseMeasure(Strict):
    """Objective response or disease control under an alternative response column."""

    label: str = doc("Label.")
    test: str = doc("`chisq`, `chisq_yates`, `fisher` or `none`.")
    p_value: float | None = doc("p value of `test`.")
    groups: dict[str, RateCount] = doc("Group -> counts.")


class SensitivityResponse(Strict):
    """Response measures of one alternative best-response column."""

    column: str = doc("Best-response column.")
    measures: dict[str, ResponseMeasure] = doc("`objective_response`, `disease_control` -> "
                                               "measure.")


class Sensitivity(Strict):
    """`[analyses.sensitivity]`."""

    endpoints: list[SensitivityEndpoint] = doc("Alternative endpoint definitions.")
    response: list[SensitivityResponse] = doc("Alternative response columns.")
