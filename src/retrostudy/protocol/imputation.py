"""``[analyses.imputation]``: multiple imputation of missing covariates (settings only).

Chained equations with ``m`` imputations of ``iterations`` rounds from ``seed``; each
imputed variable's model is ``pmm`` (predictive mean matching, numbers), ``logreg`` (two
levels), ``polyreg`` (three or more) or ``none``; analyses are pooled by Rubin's rules.
docs/protocol.md documents each key and docs/statistics.md the method.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictInt

from retrostudy.protocol.base import Block

ImputationMethod = Literal["pmm", "logreg", "polyreg", "none"]


class ImputationSettings(Block):
    """Multiple imputation by chained equations (van Buuren & Groothuis-Oudshoorn 2011)."""

    m: StrictInt = Field(default=20, ge=2, le=500)
    iterations: StrictInt = Field(default=10, ge=1, le=1000)
    seed: StrictInt = Field(default=20240601, ge=0)
    donors: StrictInt = Field(default=5, ge=1, le=50)
    # Column -> model; a column not named gets the default for its type (pmm for numbers,
    # logreg for two levels, polyreg for more).
    method: dict[str, ImputationMethod] = Field(default_factory=dict)
    # Columns to impute (None: every Table 1, propensity and Cox covariate with missing values).
    variables: list[str] | None = None
