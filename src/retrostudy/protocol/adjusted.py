"""The ``[analyses.adjusted]`` block: a propensity-score sensitivity analysis.

The treatment is the group that is not ``[groups].reference``; the propensity score is
the probability of that group given ``covariates`` (logistic regression). ``methods``
chooses inverse probability of treatment weighting (``"iptw"``) and/or 1:1 nearest-
neighbour matching on the logit of the score (``"matching"``). docs/protocol.md documents
each key.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from retrostudy.protocol.base import Block


class AdjustedCovariate(Block):
    """One propensity-model covariate: a column of the analysis dataset.

    ``kind = "auto"`` reads the column: booleans are binary, numbers continuous, anything
    else categorical (one indicator per non-reference level).
    """

    name: str
    label: str | None = None
    kind: Literal["auto", "continuous", "categorical", "binary"] = "auto"
    reference: str | int | float | bool | None = None  # categorical: the reference level
    scale: float = Field(default=1.0, gt=0)  # continuous: divide by this (days -> months)
    unit: str | None = None

    @property
    def text(self) -> str:
        base = self.label or self.name
        return f"{base} ({self.unit})" if self.unit else base


def _covariate(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


Covariate = Annotated[AdjustedCovariate, BeforeValidator(_covariate)]


class AdjustedAnalysis(Block):
    """Propensity score, balance, and per-endpoint weighted / matched survival comparisons."""

    covariates: list[Covariate] = Field(min_length=1)
    """Propensity-score model covariates: column names, or { name, label, kind, reference,
    scale, unit }."""
    methods: list[Literal["iptw", "matching"]] = Field(
        default_factory=lambda: ["iptw", "matching"], min_length=1
    )
    """Adjustment methods: "iptw" (inverse probability of treatment weighting) and/or
    "matching" (1:1 nearest neighbour on the logit of the score)."""
    estimand: Literal["ATE", "ATT", "ATC", "ATO"] = "ATE"
    """Weighting target: "ATE", the effect in everyone (weights 1/e and 1/(1-e)); "ATT", in
    the treated (1 and e/(1-e)); "ATC", in the reference group ((1-e)/e and 1); "ATO", in the
    overlap population (overlap weights 1-e and e). Matching always estimates the effect in
    the matched treated."""
    stabilized: bool = True
    """Stabilised weights (ATE: multiplied by the arm's share of patients)."""
    # Weights of patients whose score lies outside [low, high] are set to 0 (IPTW only).
    trim: tuple[float, float] | None = None
    """Weights of patients whose score lies outside [low, high] are set to 0 (weighting only);
    absent: none."""
    truncate: float | None = Field(default=None, gt=0.5, lt=1)
    """Cap (winsorise) the IPTW weights at this quantile of the weights of the patients kept
    after trim (type 7, as R's quantile; e.g. 0.99), in the main estimate and in every
    bootstrap resample; absent: none."""
    caliper: float = Field(default=0.2, ge=0)  # SDs of the logit PS; 0 = no caliper
    """Matching caliper in standard deviations of the logit of the score; 0: no caliper."""
    replace: bool = False
    """Match with replacement."""
    order: Literal["largest", "smallest", "random", "data"] = "largest"
    """Order in which treated patients are matched: "largest", "smallest", "random" or "data"."""
    threshold: float = Field(default=0.1, gt=0)  # |SMD| below this counts as balanced
    """An absolute standardised mean difference below this counts as balanced."""
    # SMD denominator, from the unadjusted groups, one for every column of the balance table:
    # "estimand" = pooled SD for ATE, treated-group SD for ATT; "treated" = cobalt's and
    # MatchIt's convention for a matched (ATT) sample.
    balance_sd: Literal["estimand", "pooled", "treated", "control"] = "estimand"
    """Denominator of every standardised mean difference: "estimand" (pooled for ATE and ATO,
    treated for ATT, reference group for ATC), "pooled", "treated" or "control" (the
    reference group's)."""
    min_ess_fraction: float = Field(default=0.5, gt=0, le=1)  # warn when ESS/n falls below
    """Warn when an arm's weighted effective sample size falls below this share of its patients."""
    endpoints: list[str] | None = None  # default: every [[analyses.survival]] endpoint
    """Endpoints compared; absent: every [[analyses.survival]] endpoint."""
    missing: Literal["error", "indicator", "complete_case"] = "error"
    """A missing covariate value: "error" stops naming the patients; "complete_case" leaves
    them out; "indicator" keeps them with a missing-indicator column."""
    firth: bool | None = None  # None: Firth's penalised fit only when ML shows separation
    """Firth's penalised logistic regression: always (true), never (false), or when maximum
    likelihood shows separation (absent)."""
    seed: int = 0  # matching order "random", and the bootstrap's resamples
    """Random seed, for the "random" matching order and the bootstrap's resamples."""
    # Nonparametric bootstrap (resamples; None: none) of the IPTW hazard ratio and weighted
    # RMST difference, the propensity model refitted in each resample
    bootstrap: int | None = Field(default=None, ge=10, le=100_000)
    """Bootstrap resamples of the IPTW hazard ratio and weighted RMST difference (the
    propensity model refitted in each); absent: no bootstrap."""
    aipw: bool = False  # doubly robust (AIPW) survival and RMST differences
    """Add doubly robust (augmented IPW) survival differences at the landmarks and the RMST
    difference."""

    @field_validator("trim")
    @classmethod
    def _trim(cls, value):
        if value is not None and not (0 <= value[0] < value[1] <= 1):
            raise ValueError(
                f"trim = [{value[0]:g}, {value[1]:g}] must be two propensity-score bounds with "
                "0 <= low < high <= 1, e.g. [0.05, 0.95]"
            )
        return value

    @model_validator(mode="after")
    def _unique(self) -> AdjustedAnalysis:
        names = [c.name for c in self.covariates]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"covariates lists {dup} more than once")
        if "group" in names:
            raise ValueError("'group' is the treatment, not a covariate of its own propensity")
        if len(set(self.methods)) != len(self.methods):
            raise ValueError(f"methods {self.methods} repeats a method")
        return self
