"""Protocol blocks of the cohort layer: index event, criteria, groups, covariates, lines.

Also ``[analysis_table]``: entry from a table that already has one row per patient.
Every key is documented in docs/protocol.md, with the seed study as the worked example.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import (
    Field,
    NonNegativeInt,
    PositiveInt,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)
from pydantic_core import PydanticCustomError

from retrostudy.protocol.base import Block, Date, Names, Window
from retrostudy.protocol.conditions import Condition

SpecimenRule = Literal[
    "primary", "most_recent_before_index", "any_positive", "metastasis_first", "primary_first"
]


class IndexBlock(Block):
    """The index event: the first administration of ``drug``, within ``[start, end]``.

    ``occurrence = "first_in_window"`` takes the first dose inside the window;
    ``"first_ever"`` takes the first dose ever and keeps the patient only when it falls in
    the window. Either way, patients whose first-ever dose precedes the window are reported.
    """

    drug: Names
    """Normalised ingredient name(s) of the index drug: its first administration dates the index."""
    start: Date | None = None
    """First day of the study window (inclusive); absent: open."""
    end: Date | None = None
    """Last day of the study window (inclusive); absent: open."""
    occurrence: Literal["first_in_window", "first_ever"] = "first_in_window"
    """Which dose dates the index: "first_in_window", the first dose inside the window;
    "first_ever", the first dose ever, kept only when it falls inside the window."""
    label: str = "Received the index drug in the study period"
    """Text of the first box of the flow chart (the patients identified)."""

    @model_validator(mode="after")
    def _ordered(self) -> IndexBlock:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise PydanticCustomError(
                "date_order",
                "index: start ({start}) is after end ({end})",
                {"start": str(self.start), "end": str(self.end)},
            )
        return self


class Criterion(Block):
    """One step of the flow chart: keep (``include``) or drop (``exclude``) who match ``when``.

    ``excluded_label`` names the patients the step removes in the flow chart; by default
    the label itself for an exclusion and ``"Not: <label>"`` for an inclusion (they failed it).
    A window ending after the index day is refused unless ``allow_post_index`` is true
    (:mod:`retrostudy.protocol.timing`: immortal-time bias).
    """

    label: str = Field(min_length=1)
    """The criterion, as the Methods and the flow chart name it."""
    action: Literal["include", "exclude"]
    """"include" keeps only the patients who match; "exclude" removes the patients who match."""
    when: Condition
    """The condition tested, in the condition vocabulary (drug, diagnosis, biomarker,
    observation, age; all, any, not), with windows in days relative to the index date."""
    excluded_label: str | None = Field(default=None, min_length=1)
    """What the removed patients are called in the flow chart; default: the label for an
    exclusion, "Not: <label>" for an inclusion."""
    allow_post_index: StrictBool = False  # windows past index day (protocol/timing.py)
    """Allow windows ending after the index day (the report then warns of immortal-time bias)."""


class Group(Block):
    name: str = Field(min_length=1)
    """Short group name, used in tables, numbers at risk and [groups].reference; unique."""
    label: str = ""
    """Full group description, shown in figure legends."""
    when: Condition | None = None  # required for record-level entry (checked by Protocol)
    """The condition a patient meets to be in this group (required unless the groups come from
    an analysis table)."""
    allow_post_index: StrictBool = False  # windows past index day (protocol/timing.py)
    """Allow windows ending after the index day (the report then warns of immortal-time bias)."""


class GroupsBlock(Block):
    """Comparison groups. Unassigned patients are reported as a flow-chart step by default;
    a patient matching several groups is an error by default."""

    reference: str | None = None
    """Reference group for hazard ratios (must name a group)."""
    group: list[Group] = Field(default_factory=list)
    """The groups, in display order."""
    on_unassigned: Literal["error", "report"] = "report"
    """A patient matching no group: "report" excludes them as the flow-chart step "Matched no
    group"; "error" stops, naming the patients."""
    on_overlap: Literal["error", "report"] = "error"
    """A patient matching several groups: "error" stops, naming the patients and their groups;
    "report" excludes them as the step "Matched several groups"."""

    @model_validator(mode="after")
    def _names(self) -> GroupsBlock:
        names = [g.name for g in self.group]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise PydanticCustomError(
                "group_names", "groups: duplicate group name(s) {dupes}", {"dupes": str(dupes)}
            )
        if self.reference is not None and self.reference not in names:
            raise PydanticCustomError(
                "group_reference",
                "groups: reference '{ref}' is not a group name; allowed: {names}",
                {"ref": self.reference, "names": str(names)},
            )
        return self


class CovariatesBlock(Block):
    """How covariates at index are derived (see docs/protocol.md for each column)."""

    ecog_window: Window = (-30, 7)
    hr_specimen: SpecimenRule = "most_recent_before_index"
    her2_specimen: SpecimenRule = "most_recent_before_index"
    sites_window: Window = (-math.inf, 0)
    visceral_sites: Names = ("brain", "lung", "pleura", "liver")
    prior_regimen_classes: Names = ("chemotherapy", "her2_targeted")
    exposure_drugs: Names = (
        "trastuzumab",
        "pertuzumab",
        "lapatinib",
        "docetaxel",
        "paclitaxel",
        "capecitabine",
        "vinorelbine",
        "trastuzumab emtansine",
    )
    exposure_classes: Names = ("her2_targeted",)
    combinations: dict[str, Names] = Field(
        default_factory=lambda: {
            "docetaxel_trastuzumab_pertuzumab": ("docetaxel", "trastuzumab", "pertuzumab")
        }
    )
    exposure_window: Window = (-math.inf, -1)
    persistence_gap_days: NonNegativeInt = 30
    exposure_days: NonNegativeInt = 21


DEFAULT_SUBSTITUTIONS = (
    ("paclitaxel", "docetaxel", "nab-paclitaxel", "paclitaxel protein-bound"),
    ("capecitabine", "fluorouracil"),
    ("cisplatin", "carboplatin"),
)


class LinesBlock(Block):
    """Line-of-therapy rules (docs/sources.md, "Lines of therapy")."""

    regimen_window_days: NonNegativeInt = 28
    gap_days: PositiveInt = 120
    substitutions: list[Names] = Field(default_factory=lambda: list(DEFAULT_SUBSTITUTIONS))
    maintenance_drugs: Names = ("trastuzumab", "pertuzumab")
    maintenance_add_classes: Names = ("endocrine",)
    always_new_line: Names = ("trastuzumab emtansine", "trastuzumab deruxtecan")
    exclude_classes: Names = ("supportive",)
    metastatic_diagnosis: Names = ("metastatic breast cancer",)
    primary_diagnosis: Names = ("breast cancer",)
    surgery_observation: str = "surgery"
    early_relapse_days: NonNegativeInt = 183
    setting_from_records: bool = True
    de_novo_days: NonNegativeInt = 90


Scalar = StrictBool | StrictInt | StrictFloat | str


class ColumnCondition(Block):
    """A test on one column of an analysis table (all given tests must hold)."""

    column: str
    equals: Scalar | None = None
    one_of: list[Scalar] | None = None
    min: StrictInt | StrictFloat | None = None
    max: StrictInt | StrictFloat | None = None
    missing: bool | None = None


class TableCriterion(Block):
    label: str = Field(min_length=1)
    action: Literal["include", "exclude"]
    when: ColumnCondition
    excluded_label: str | None = Field(default=None, min_length=1)


class AnalysisTableBlock(Block):
    """One row per patient already (e.g. a chart-review spreadsheet): skip record derivation.

    ``columns`` maps retrostudy's names to the file's headers (``patient_id``, ``group``,
    ``index_date`` required; any other entry renames a covariate column). Every other
    column of the file is kept under its own name.
    """

    file: str
    sheet: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    label: str = "Patients in the analysis table"
    criteria: list[TableCriterion] = Field(default_factory=list)
