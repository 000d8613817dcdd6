"""Building blocks of the results.json models: the strict base, estimates, Cox models.

Conventions of every model here: a number that could not be computed (R's ``NA``, a NaN,
an infinite bound) is written as ``null`` -- hence ``float | None`` -- and a key that a
model does not declare is an error (``extra = "forbid"``). Counts are integers; times are
months unless a field says otherwise. Group-keyed objects use the group names of
``[[groups.group]]``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: A level of a covariate as the data hold it: a string, a number, a boolean, or null
#: for a numeric covariate (one coefficient per unit).
Level = str | bool | int | float | None


def doc(description: str, default: Any = ...) -> Any:
    """A field with its documentation (the description is what docs/results-schema.md
    prints for it)."""
    return Field(default, description=description)


def _no_null(schema: dict[str, Any]) -> None:
    """JSON Schema of an :func:`absent` field: its type without ``null``, no default."""
    schema.pop("default", None)
    options = [s for s in schema.get("anyOf", ()) if s.get("type") != "null"]
    if len(options) == 1:
        schema.pop("anyOf")
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


def absent(description: str) -> Any:
    """A key the writer leaves out when it does not apply, never writes as null: ``None``
    in Python means "absent", and an explicit ``null`` in the file is an error."""
    return Field(None, description=description, json_schema_extra=_no_null)


def is_absent(field: Any) -> bool:
    """Whether a model field was declared with :func:`absent`."""
    return field.json_schema_extra is _no_null


class Strict(BaseModel):
    """Base of every results.json model: unknown keys rejected, JSON types not coerced
    (``"5"`` is not a count), read-only."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _absent_is_not_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            null = [k for k, f in cls.model_fields.items()
                    if is_absent(f) and k in data and data[k] is None]
            if null:
                raise ValueError(f"{', '.join(null)}: null where the key is left out when "
                                 "it does not apply")
        return data


class Empty(Strict):
    """``{}``: the analysis was not asked for (its protocol block is absent)."""


class Estimate(Strict):
    """A point estimate with its confidence interval."""

    estimate: float | None = doc("Point estimate; null when not estimable (NE).")
    conf_low: float | None = doc("Lower confidence limit; null when not estimable.")
    conf_high: float | None = doc("Upper confidence limit; null when not estimable.")


class Landmark(Strict):
    """Kaplan-Meier survival at one landmark time."""

    months: float = doc("Landmark time, months.")
    survival: float | None = doc("Survival probability at that time (0-1).")
    conf_low: float | None = doc("Lower confidence limit of the survival.")
    conf_high: float | None = doc("Upper confidence limit of the survival.")


class Conventions(Strict):
    """The statistical conventions every number follows (docs/statistics.md)."""

    profile: str = doc("Conventions profile: `r`, `sas` or `ezr`.")
    conf_type: str = doc("Kaplan-Meier CI transform, e.g. `log-log`, `log`, `plain`.")
    ties: str = doc("Cox ties method: `efron`, `breslow` or `exact`.")
    conf_level: float = doc("Confidence level of every CI, e.g. 0.95.")
    days_per_month: float = doc("Days per month used to show days as months (30.4375).")


class ModelTest(Strict):
    """A global test of a Cox model."""

    statistic: float | None = doc("Test statistic (chi-square).")
    df: float | None = doc("Degrees of freedom.")
    p_value: float | None = doc("Two-sided p value; null when the model is not estimable.")
    test: str | None = absent(
        "The test: `cox_lr`, `cox_wald` or `cox_score`; absent when the model could not "
        "be fitted.")


class CoxTests(Strict):
    """The likelihood-ratio, Wald and score tests of a Cox model and its concordance."""

    lr: ModelTest = doc("Likelihood-ratio test.")
    wald: ModelTest = doc("Wald test.")
    score: ModelTest = doc("Score (log-rank) test.")
    concordance: float | None = doc("Harrell's C of the model.")


class CoxCoefficient(Strict):
    """One term of a Cox model (a level of a categorical covariate, or a numeric one)."""

    variable: str = doc("Covariate, `group` for the group.")
    level: Level = doc("The level compared with the reference; null for a numeric covariate.")
    hazard_ratio: float | None = doc("Hazard ratio; null when not estimable (monotone "
                                     "likelihood or no fit).")
    conf_low: float | None = doc("Lower Wald confidence limit of the hazard ratio.")
    conf_high: float | None = doc("Upper Wald confidence limit of the hazard ratio.")
    p_value: float | None = doc("Wald p value of the coefficient (the variance of its CI).")
    test: str = doc("`wald` (model variance), `robust_wald` (sandwich variance) or "
                    "`profile_likelihood` (Firth fit: profile penalised-likelihood CI and p).")


class EValueRecord(Strict):
    """The E-value of one hazard ratio (VanderWeele & Ding 2017; R ``EValue::evalues.HR``)."""

    variable: str = doc("The model term (`group`).")
    level: Level = doc("The level compared with the reference.")
    hazard_ratio: float = doc("The hazard ratio.")
    conf_low: float | None = doc("Its lower confidence limit (null: not finite).")
    conf_high: float | None = doc("Its upper confidence limit (null: not finite).")
    event_proportion: float = doc("Patients with the event / patients of the model; above "
                                  "0.15 the outcome is common.")
    rare_outcome: bool = doc("True: the rare-outcome approximation (HR taken as RR).")
    conversion: str = doc("`hr_as_rr` (rare outcome) or `sqrt_transform` (common outcome: "
                          "RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)), VanderWeele 2020).")
    risk_ratio: float = doc("The hazard ratio on the risk-ratio scale.")
    evalue: float = doc("E-value of the estimate.")
    evalue_ci: float | None = doc("E-value of the confidence limit closest to 1 (1 when the "
                                  "interval contains 1; null without limits).")
    limit: str | None = doc("`lower`, `upper` or `crosses 1`: the limit used.")
    assumption: str = doc("The conversion in words, as the report prints it.")


class ZPHTermRecord(Strict):
    """The score test of proportional hazards of one term (or GLOBAL)."""

    term: str = doc("Model term (`group`, a covariate) or `GLOBAL`.")
    chisq: float = doc("Chi-square statistic.")
    df: int = doc("Degrees of freedom (a factor: levels - 1).")
    p_value: float = doc("p value (chi-square).")
    test: str = doc("`cox_zph`: the score test of proportional hazards.")


class PHTest(Strict):
    """Test of proportional hazards, as R's `cox.zph(fit, transform = "km")$table`."""

    transform: str = doc("Time scale of the test: `km` (1 - KM(t-), R's default).")
    test: str = doc("`cox_zph`.")
    terms: list[ZPHTermRecord] = doc("One test per model term.")
    global_test: ZPHTermRecord = doc("The global test, all terms.")


class CoxModel(Strict):
    """One Cox proportional-hazards model."""

    name: str = doc("`unadjusted` (group alone), `univariable:<covariate>` or `adjusted`.")
    covariates: list[str] = doc("Model terms in order, `group` first when present.")
    n: int = doc("Patients used (complete cases of the model's columns).")
    n_events: int = doc("Events among them.")
    events_per_term: float = doc("Events per model term (compared with `epv_min`).")
    coefficients: list[CoxCoefficient] = doc("One entry per term.")
    tests: CoxTests = doc("Global tests and concordance.")
    monotone: bool = doc("True when the partial likelihood has no maximum (a level without "
                         "events, separation): estimates are then null and print as NE.")
    not_estimable: str | None = doc("Null, or why the model could not be fitted (no "
                                    "events, a covariate with one value, a singular design).")
    reference_levels: dict[str, Level] = doc("Categorical covariate -> its reference level.")
    evalues: list[EValueRecord] = doc("E-values of the group hazard ratios (none when not "
                                      "estimable).")
    method: str = doc("`standard` (maximum partial likelihood) or `firth` (Firth's penalised "
                      "likelihood, used because the likelihood is monotone; as R's coxphf).")
    ph_test: PHTest | None = doc("Proportional-hazards test of the unadjusted and adjusted "
                                 "models; null for univariable, monotone or unfitted models.")
