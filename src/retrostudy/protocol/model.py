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
from retrostudy.protocol.endpoints import EndpointsBlock, rates_column
from retrostudy.protocol.published import ComparatorsBlock, PublishedBlock
from retrostudy.protocol.report import ReportBlock
from retrostudy.protocol.study import StudyBlock
from retrostudy.protocol.target_trial import TargetTrialBlock, unknown_links


def default_response(bor: str, endpoints: dict[str, dict]) -> dict:
    """``[analyses.response]`` for the BOR endpoint ``bor``: its distribution, and the
    response and disease-control rates of the first rates endpoint that reads it."""
    rates = next((n for n, s in endpoints.items() if s.get("kind") == "rates"
                  and s.get("response_from", "bor") == bor), None)
    out: dict = {"column": bor, "rates": []}
    if rates is not None:
        out["rates"] = [
            {"name": rates_column(rates, "response"), "label": "Tumour response rate"},
            {"name": rates_column(rates, "disease_control"), "label": "Disease control rate"},
        ]
    return out


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
    target_trial: TargetTrialBlock | None = None  # protocol/target_trial.py
    # Folder the protocol file lives in; relative data paths resolve against it.
    base_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _default_response(cls, data):
        """Table 2 by default: with a BOR endpoint and no ``[analyses.response]``, the block
        is added for the first BOR endpoint (its rates from the first rates endpoint that
        reads it), as if written with every default (docs/protocol.md)."""
        if not isinstance(data, dict):
            return data
        endpoints, analyses = data.get("endpoints"), data.get("analyses", {})
        if not isinstance(endpoints, dict) or not isinstance(analyses, dict):
            return data
        if "response" in analyses:
            return data
        specs = {n: s for n, s in endpoints.items() if isinstance(s, dict)}
        bor = next((n for n, s in specs.items() if s.get("kind") == "bor"), None)
        if bor is None:
            return data
        return {**data, "analyses": {**analyses, "response": default_response(bor, specs)}}

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

    @model_validator(mode="after")
    def _entry_sources(self) -> Protocol:
        """``entry`` of ``[[analyses.survival]]`` built from records must name an endpoint
        (its event day); only an ``[analysis_table]`` can hold a column of entry days."""
        if self.analysis_table is not None:
            return self
        names = list(self.endpoints.items)
        for i, s in enumerate(self.analyses.survival):
            if s.entry is not None and s.entry not in names:
                raise PydanticCustomError(
                    "survival_entry",
                    "analyses.survival[{i}].entry = '{x}' is not an endpoint; endpoints: "
                    "{names}. Define the entry as a tte endpoint whose event is the entry "
                    "into observation (e.g. an observation source for the first visit at the "
                    "centre)", {"i": i, "x": s.entry, "names": ", ".join(names) or "none"})
        return self

    @model_validator(mode="after")
    def _time_varying_windows(self) -> Protocol:
        """``window_days`` of ``[[analyses.time_varying]]`` needs a drug exposure: an endpoint
        of [endpoints] whose events include a ``drug`` source (an [analysis_table] column
        pair is taken as given)."""
        items = self.endpoints.items
        for i, tv in enumerate(self.analyses.time_varying):
            spec = items.get(tv.exposure)
            if tv.window_days is None or spec is None:
                continue
            sources = [e.source for e in getattr(spec, "events", ())
                       if not isinstance(e, str)]
            if "drug" not in sources:
                raise PydanticCustomError(
                    "time_varying_window",
                    "analyses.time_varying[{i}].window_days = {w}: the exposure '{x}' is not "
                    "a drug start (kind = '{kind}', event sources {sources}); the window "
                    "limits when a drug begun after the index date counts. Define the "
                    "exposure as a tte endpoint with an event of source = 'drug' (drug = "
                    "['<drug>']), or drop window_days",
                    {"i": i, "w": tv.window_days, "x": tv.exposure, "kind": spec.kind,
                     "sources": sources})
        return self

    @model_validator(mode="after")
    def _target_trial_links(self) -> Protocol:
        problems = unknown_links(self)
        if problems:
            raise PydanticCustomError("target_trial", "; ".join(problems))
        return self
