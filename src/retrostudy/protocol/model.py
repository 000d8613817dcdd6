"""The study protocol: one validated, frozen model assembled from one block per layer.

Owner of each block: study/index/criteria/groups/covariates/lines -> cohort layer;
data -> data layer; endpoints -> endpoints layer; analyses/report -> analysis & report;
published/comparators -> the published-vs-reproduced check.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from retrostudy.protocol.analyses import AnalysesBlock
from retrostudy.protocol.base import Block
from retrostudy.protocol.cohort import CovariatesBlock, GroupsBlock, IndexBlock, LinesBlock
from retrostudy.protocol.data import DataBlock
from retrostudy.protocol.endpoints import EndpointsBlock
from retrostudy.protocol.published import ComparatorsBlock, PublishedBlock
from retrostudy.protocol.report import ReportBlock
from retrostudy.protocol.study import StudyBlock


class Protocol(Block):
    study: StudyBlock
    data: DataBlock = Field(default_factory=DataBlock)
    index: IndexBlock = Field(default_factory=IndexBlock)
    criteria: list[dict] = Field(default_factory=list)  # cohort layer replaces with Criterion
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
