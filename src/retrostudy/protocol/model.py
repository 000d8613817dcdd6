"""The study protocol: one validated, frozen model assembled from one block per layer.

Owner of each block: study/index/criteria/groups/covariates/lines/analysis_table -> cohort
layer; data -> data layer; endpoints -> endpoints layer; analyses/report -> analysis &
report; published/comparators -> the published-vs-reproduced check.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from retrostudy.protocol.analyses import AnalysesBlock
from retrostudy.protocol.base import Block
from retrostudy.protocol.cohort import (
    AnalysisTableBlock,
    CovariatesBlock,
    Criterion,
    GroupsBlock,
    IndexBlock,
    LinesBlock,
)
from retrostudy.protocol.data import DataBlock
from retrostudy.protocol.endpoints import EndpointsBlock
from retrostudy.protocol.published import ComparatorsBlock, PublishedBlock
from retrostudy.protocol.report import ReportBlock
from retrostudy.protocol.study import StudyBlock


class Protocol(Block):
    """A whole study. ``index`` is required unless ``analysis_table`` is given."""

    study: StudyBlock
    data: DataBlock = Field(default_factory=DataBlock)
    analysis_table: AnalysisTableBlock | None = None
    index: IndexBlock | None = Field(default=None, validate_default=True)
    criteria: list[Criterion] = Field(default_factory=list)
    groups: GroupsBlock = Field(default_factory=GroupsBlock)
    covariates: CovariatesBlock = Field(default_factory=CovariatesBlock)
    lines: LinesBlock = Field(default_factory=LinesBlock)
    endpoints: EndpointsBlock = Field(default_factory=EndpointsBlock)
    analyses: AnalysesBlock = Field(default_factory=AnalysesBlock)
    report: ReportBlock = Field(default_factory=ReportBlock)
    published: PublishedBlock | None = None
    comparators: ComparatorsBlock | None = None
    # Folder the protocol file lives in; relative data paths resolve against it.
    base_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("index", mode="after")
    @classmethod
    def _index_required(cls, value: IndexBlock | None, info: ValidationInfo):
        if value is None and info.data.get("analysis_table") is None:
            raise PydanticCustomError(
                "missing_block",
                "missing required block [index] (the index event: drug, start, end), "
                "or [analysis_table] when the data already have one row per patient",
            )
        return value

    @model_validator(mode="after")
    def _groups_have_conditions(self) -> Protocol:
        if self.analysis_table is None:
            bare = [g.name for g in self.groups.group if g.when is None]
            if bare:
                raise PydanticCustomError(
                    "group_when",
                    "groups: group(s) {bare} have no 'when' condition; every group needs one "
                    "unless the protocol reads an [analysis_table]",
                    {"bare": str(bare)},
                )
        return self
