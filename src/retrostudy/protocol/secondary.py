"""Secondary analyses of ``[analyses]``: RMST, competing risks, subgroups, sensitivity.

Each is a strict block like its neighbours in :mod:`retrostudy.protocol.analyses`;
docs/protocol.md ("Secondary analyses") documents every key::

    [analyses.rmst]
    endpoints = ["pfs"]          # default: every [[analyses.survival]] endpoint
    tau = 12                     # months; default: survRM2's rule (stated in the output)

    [analyses.competing]
    endpoint = "pfs"             # a PFS whose only event is progression
    deaths_from = "pfs_standard" # where death without progression comes from (default: found)

    [[analyses.subgroups]]
    endpoint = "pfs"
    variables = ["visceral", "hr_status"]

    [analyses.sensitivity]
    endpoints = ["pfs", "pfs_standard"]
    response = ["bor", "bor_confirmed"]
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from retrostudy.protocol.base import Block


class RmstAnalysis(Block):
    """Restricted mean survival time per group, difference and ratio (survRM2's rmst2)."""

    endpoints: list[str] | None = None  # None: every [[analyses.survival]] endpoint
    tau: float | None = Field(default=None, gt=0)  # months; None: survRM2 1.0-4's default


class CompetingAnalysis(Block):
    """Progression and death without progression as competing events (Aalen–Johansen CIF,
    Gray's test, cause-specific Cox models)."""

    endpoint: str  # a time-to-progression endpoint: its event is progression only
    # A PFS endpoint with death among its events (its <name>_reason column says which event
    # came first) or an OS endpoint (death at <name>_days). None: the first such endpoint.
    deaths_from: str | None = None
    label: str | None = None
    landmarks: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [6.0, 12.0]
    )  # months
    # Covariates of the adjusted cause-specific models; None: the adjust list of the
    # endpoint's [[analyses.survival]] entry (and its reference levels).
    adjust: list[str] | None = None
    reference: dict[str, str | int | float | bool] = Field(default_factory=dict)


class SubgroupAnalysis(Block):
    """Hazard ratio of the group within each level of each variable, and the interaction."""

    endpoint: str
    variables: list[str] = Field(min_length=1)  # yes/no or categorical columns (or derived)
    label: str | None = None
    # A level with fewer events than this (both arms together) gets no HR (NE, with why).
    min_events: int = Field(default=5, ge=1)
    max_levels: int = Field(default=10, ge=2)  # a column with more distinct values is an error

    @model_validator(mode="after")
    def _unique(self) -> SubgroupAnalysis:
        dup = sorted({v for v in self.variables if self.variables.count(v) > 1})
        if dup:
            raise ValueError(f"variables lists {dup} more than once")
        return self


class SensitivityAnalysis(Block):
    """One endpoint under alternative definitions, side by side (primary first)."""

    endpoints: list[str] = Field(default_factory=list)  # time-to-event endpoint names
    response: list[str] = Field(default_factory=list)  # best-overall-response columns
    label: str | None = None

    @model_validator(mode="after")
    def _something(self) -> SensitivityAnalysis:
        if not self.endpoints and not self.response:
            raise ValueError("sensitivity needs endpoints and/or response columns to compare")
        return self
