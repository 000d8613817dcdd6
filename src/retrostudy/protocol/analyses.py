"""The ``[analyses]`` block: which statistics the study runs, with which conventions.

Every key has a default that reproduces R's defaults (``profile = "r"``), so a minimal
protocol needs only the endpoints to analyse. Names follow the shared vocabulary
(``conf_level``, ``conf_type``, ``ties``). docs/protocol.md documents each key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from retrostudy.protocol.adjusted import AdjustedAnalysis
from retrostudy.protocol.base import Block
from retrostudy.protocol.imputation import ImputationSettings
from retrostudy.protocol.secondary import (
    CompetingAnalysis,
    RmstAnalysis,
    SensitivityAnalysis,
    SubgroupAnalysis,
)
from retrostudy.protocol.time_varying import TimeVaryingAnalysis

Test = Literal["auto", "wilcoxon", "kruskal", "chisq", "chisq_yates", "fisher", "none"]
Summary = Literal["median_range", "median_iqr", "mean_sd"]


class Level(Block):
    """One category of a categorical Table-1 variable: stored ``value`` shown as ``label``."""

    value: str | int | float | bool
    label: str | None = None

    @property
    def text(self) -> str:
        return self.label if self.label is not None else str(self.value)


class Table1Variable(Block):
    """One row block of Table 1."""

    name: str  # column of the analysis dataset
    label: str | None = None
    kind: Literal["continuous", "categorical", "binary"] = "categorical"
    summary: Summary = "median_range"
    levels: list[Level] = Field(default_factory=list)  # categorical: order and labels
    test: Test = "auto"
    # Divide the stored value by this before display, e.g. 30.4375 for days -> months.
    scale: float = 1.0
    unit: str | None = None
    # Summarise only patients for whom this (boolean) column is true, e.g. exposure duration
    # among the exposed. Shown indented under the previous row.
    among: str | None = None
    digits: int = 1

    @property
    def text(self) -> str:
        base = self.label or self.name
        return f"{base} ({self.unit})" if self.unit else base


class SurvivalAnalysis(Block):
    """Kaplan–Meier per group, log-rank and Cox models for one time-to-event endpoint."""

    endpoint: str  # the analysis dataset holds <endpoint>_days and <endpoint>_event
    """The time-to-event endpoint analysed (the dataset has <endpoint>_days and
    <endpoint>_event)."""
    label: str | None = None
    """Text shown; absent: the endpoint name in upper case."""
    landmarks: list[float] = Field(default_factory=lambda: [6.0, 12.0])  # months
    """Times in months at which survival (with its CI) is read off the Kaplan-Meier curves."""
    # Covariates of the adjusted Cox model (the group is always in it).
    adjust: list[str] = Field(default_factory=list)
    """Covariates of the adjusted Cox model (the group is always in it)."""
    # Reference level per adjustment covariate (the group's reference is [groups].reference).
    reference: dict[str, str | int | float | bool] = Field(default_factory=dict)
    """Reference level of each categorical adjustment covariate; absent: the first level, sorted."""
    univariable: bool = True  # also fit each adjustment covariate alone
    """Also fit each adjustment covariate alone (the "Unadjusted" column)."""
    # Landmark analysis: only patients alive and event-free at this many days after index,
    # followed from that day (time zero moved to the landmark). None: from the index date.
    landmark_days: int | None = Field(default=None, gt=0)
    """Landmark analysis: only patients alive and event-free this many days after the index
    date, followed from that day; absent: from the index date."""
    entry: str | None = Field(default=None, min_length=1)
    """Delayed entry (left truncation): where each patient's entry into observation comes
    from, in days after the index date: an endpoint (the day of its event, e.g. a tte endpoint
    of the first visit at the centre; none: day 0) or a numeric column of the analysis
    dataset. Kaplan-Meier and Cox use Surv(entry, time, event) and the groups are compared
    with the Cox score test; absent: every patient is observed from the index date."""

    @model_validator(mode="after")
    def _entry_alone(self) -> SurvivalAnalysis:
        if self.entry is not None and self.landmark_days is not None:
            raise ValueError("entry (delayed entry) and landmark_days cannot be combined in "
                             "one [[analyses.survival]] block; analyse the landmark in a "
                             "block without entry")
        return self

    @property
    def text(self) -> str:
        return self.label or self.endpoint.upper()


class Rate(Block):
    """A response-type proportion (e.g. tumour response rate) from a boolean column."""

    name: str
    label: str | None = None
    test: Test = "auto"

    @property
    def text(self) -> str:
        return self.label or self.name

    @property
    def kind(self) -> str:
        """A rate is a yes/no variable: ``test = "auto"`` follows Table 1's rule for one."""
        return "binary"


class ResponseAnalysis(Block):
    """Best overall response distribution and rates with exact CIs and between-group tests."""

    column: str = "bor"
    """The best overall response column."""
    categories: list[Level] = Field(
        default_factory=lambda: [Level(value=v) for v in ("CR", "PR", "SD", "PD", "NE")]
    )
    """The response categories, as rows in this order; other values found are added."""
    rates: list[Rate] = Field(
        default_factory=lambda: [
            Rate(name="response", label="Tumour response rate"),
            Rate(name="disease_control", label="Disease control rate"),
        ]
    )
    """Yes/no columns shown as n (%) with a CI and a between-group test."""
    ci_method: Literal["clopper-pearson", "wilson", "wilson-cc"] = "clopper-pearson"  # exact
    """Confidence interval of the rates: "clopper-pearson" (exact), "wilson" or "wilson-cc"."""
    # "analysed": every patient of the group; "evaluable": those whose BOR is not NE/missing
    denominator: Literal["analysed", "evaluable"] = "analysed"
    """Rates as a share of every analysed patient of the group ("analysed"), or of those whose
    best response is assessed and not NE ("evaluable")."""
    footnote: str | None = None
    """A footnote under the table, e.g. the definition of disease control."""


class FollowUp(Block):
    """Follow-up per group: median (range) of the observed time of ``observation``, and the
    reverse Kaplan–Meier median of ``reverse_km_of`` (Schemper & Smith 1996)."""

    # endpoint whose observed time is summarised (None: the reverse_km_of endpoint)
    observation: str | None = None
    """Endpoint whose observed time (index date to event or censoring) is summarised as median
    (range); absent: the reverse_km_of endpoint."""
    reverse_km_of: str = "os"
    """Endpoint whose reverse Kaplan-Meier median (event indicator flipped) is the median
    follow-up."""

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data):
        if isinstance(data, dict) and "endpoint" in data:
            raise ValueError(
                "'endpoint' was split in two: observation = <endpoint whose observed time is "
                "summarised> and reverse_km_of = <endpoint whose reverse Kaplan-Meier median is "
                f"the follow-up> (e.g. observation = {data['endpoint']!r}, reverse_km_of = 'os')")
        return data

    @property
    def observed(self) -> str:
        return self.observation or self.reverse_km_of


class Discontinuation(Block):
    """Counts of treatment-discontinuation reasons from one column of the analysis dataset."""

    column: str
    labels: dict[str, str] = Field(default_factory=dict)
    # reasons as % of the patients who discontinued (the seed: PD 38/40) or of all patients
    denominator: Literal["discontinued", "all"] = "discontinued"


class Derived(Block):
    """A yes/no analysis variable cut from a numeric column: ``column >= at_least``.

    E.g. ECOG PS 1 or more (``name = "ecog_1plus", column = "ecog", at_least = 1``), the
    coding the seed's adjusted model needs. Missing stays missing.
    """

    name: str
    column: str
    at_least: float
    label: str | None = None


class AnalysesBlock(Block):
    profile: Literal["r", "sas", "ezr"] = "r"
    """Statistical conventions of the software reviewers compare with: "r" (log CI for
    Kaplan-Meier, Efron ties), "sas" (log-log, Breslow) or "ezr" (log-log, Breslow,
    Yates-corrected chi-square)."""
    conf_level: float = Field(default=0.95, gt=0, lt=1)
    """Confidence level of every confidence interval of the report."""
    # Overrides of the profile's conventions; None keeps the profile's choice.
    conf_type: Literal["log", "log-log", "plain"] | None = None
    """Kaplan-Meier confidence interval transform ("log", "log-log", "plain"); absent: the
    profile's."""
    ties: Literal["efron", "breslow", "exact"] | None = None
    """Cox model tie handling ("efron", "breslow", "exact"); absent: the profile's."""
    days_per_month: float = 30.4375
    """Months = days / this, for display only."""
    epv_min: float = 10.0  # warn when events per Cox term fall below this
    """A Cox model with fewer events per term than this gets a warning in the report."""
    smd: bool = False  # standardised mean differences column in Table 1
    """Add a standardised mean difference column to Table 1 (two groups)."""
    derived: list[Derived] = Field(default_factory=list)
    """Yes/no analysis variables cut from numeric columns (column >= at_least)."""
    overall: bool = False  # an "Overall" column in Table 1
    """Add an "Overall" column to Table 1."""
    table1: list[Table1Variable] = Field(default_factory=list)
    """The row blocks of Table 1 (patient characteristics), in display order."""
    survival: list[SurvivalAnalysis] = Field(default_factory=list)
    """One entry per time-to-event endpoint: Kaplan-Meier per group, landmarks, log-rank test
    and Cox models."""
    response: ResponseAnalysis | None = None
    """Table 2: best overall response and response rates per group; present by default when
    there is a BOR endpoint."""
    followup: FollowUp | None = None
    """Follow-up per group (observed time and reverse Kaplan-Meier median)."""
    discontinuation: Discontinuation | None = None
    """Reasons for stopping the index treatment, per group."""
    adjusted: AdjustedAnalysis | None = None  # propensity-score sensitivity analysis
    """Propensity-score sensitivity analysis (weighting and/or matching) of the survival
    comparisons; absent: none."""
    # Secondary analyses (protocol/secondary.py; docs/protocol.md "Secondary analyses").
    rmst: RmstAnalysis | None = None
    """Restricted mean survival time comparison; absent: none."""
    competing: CompetingAnalysis | None = None
    """Competing-risks analysis (cumulative incidence, Gray's test, Fine-Gray); absent: none."""
    subgroups: list[SubgroupAnalysis] = Field(default_factory=list)
    """Subgroup analyses of the hazard ratio (forest plot)."""
    sensitivity: SensitivityAnalysis | None = None
    """Sensitivity analyses (e.g. E-values); absent: none."""
    imputation: ImputationSettings | None = None  # multiple imputation (protocol/imputation.py)
    """Multiple imputation of missing covariates; absent: none."""
    # exposures starting after index (protocol/time_varying.py)
    time_varying: list[TimeVaryingAnalysis] = Field(default_factory=list)
    """Exposures that start after index, analysed as time-varying covariates beside the
    naive ever/never analysis."""

    @model_validator(mode="after")
    def _unique_names(self) -> AnalysesBlock:
        seen = [v.name for v in self.table1 if v.among is None]
        dup = sorted({n for n in seen if seen.count(n) > 1})
        if dup:
            raise ValueError(f"table1 lists variable(s) {dup} more than once")
        return self
