"""The analysis dataset: the flat patient table plus a registry of typed outcome bindings.

``AnalysisDataset.frame`` is the flat export view (one row per analysed patient: group,
covariates and every endpoint's columns; what ``StudyResult.dataset`` shows and what the
patient-level files hold). ``AnalysisDataset.outcome("pfs")`` is the typed view of one
endpoint over those rows (:class:`~retrostudy.endpoints.outcome.TimeToEventOutcome` or
:class:`~retrostudy.endpoints.outcome.BestResponseOutcome`); the binding that maps it to
columns comes from the endpoint's kind (``retrostudy.endpoints.kinds``) or, for a table
read from a file (``[analysis_table]``), from its ``<x>_days``/``<x>_event`` column pairs.

>>> ds = AnalysisDataset.from_frame(pd.DataFrame(
...     {"group": ["a", "b"], "os_days": [120, 30], "os_event": [1, 0]}))
>>> ds.names
('os',)
>>> ds.outcome("os").time.tolist()
[120.0, 30.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import pandas as pd

from retrostudy.endpoints.kinds import kind_of
from retrostudy.endpoints.outcome import (
    BestResponseColumns,
    BestResponseOutcome,
    TimeToEventColumns,
    TimeToEventOutcome,
    read_best_response,
    read_time_to_event,
    time_to_event_columns,
    time_to_event_names,
)
from retrostudy.errors import Problem, ProtocolError
from retrostudy.protocol.endpoints import EndpointsBlock

Binding = TimeToEventColumns | BestResponseColumns


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisDataset:
    """One row per analysed patient (``frame``) and where each endpoint lives in it."""

    frame: pd.DataFrame
    bindings: Mapping[str, Binding]

    @classmethod
    def from_endpoints(cls, frame: pd.DataFrame, block: EndpointsBlock) -> AnalysisDataset:
        """Bindings from the protocol's endpoint definitions (their kinds)."""
        found = {name: kind_of(spec).columns(name) for name, spec in block.items.items()}
        return cls(frame=frame, bindings=MappingProxyType(
            {n: b for n, b in found.items() if b is not None}))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> AnalysisDataset:
        """Bindings read off the columns of a flat table (``<x>_days`` with ``<x>_event``)."""
        return cls(frame=frame, bindings=MappingProxyType(
            {n: time_to_event_columns(n) for n in time_to_event_names(frame)}))

    @property
    def names(self) -> tuple[str, ...]:
        """The endpoints the dataset holds, in binding order."""
        return tuple(self.bindings)

    def outcome(self, name: str) -> TimeToEventOutcome | BestResponseOutcome:
        """The typed view of endpoint ``name`` over the rows of ``frame``."""
        binding = self.bindings.get(name)
        if binding is None:
            raise ProtocolError(Problem(
                message=f"the analysis dataset has no endpoint {name!r}",
                hint=f"endpoints: {', '.join(self.bindings) or 'none'}",
                code="unknown_endpoint"))
        if isinstance(binding, BestResponseColumns):
            return read_best_response(self.frame, name)
        return read_time_to_event(self.frame, name)

    def with_frame(self, frame: pd.DataFrame) -> AnalysisDataset:
        """The same bindings over another frame (e.g. with derived columns added)."""
        return replace(self, frame=frame)

    def to_frame(self) -> pd.DataFrame:
        """The flat export view."""
        return self.frame
