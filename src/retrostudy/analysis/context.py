"""What every analysis receives besides its own protocol block and the dataset.

An analysis's entry point is ``run(settings, data, ctx)``: ``settings`` is its block of
``[analyses]`` (``[analyses.rmst]``, the list ``[[analyses.subgroups]]``, ...), ``data`` the
analysis dataset (one row per patient, a ``group`` column) and ``ctx`` this
:class:`Context`: the whole ``[analyses]`` block (for the settings several analyses share:
``survival``, ``epv_min``, ``conf_level``), the endpoint definitions and what the study
decided once (groups, reference, conventions, labels). No analysis sees the whole protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from retrostudy.analysis._stats import Conventions
from retrostudy.protocol.analyses import AnalysesBlock
from retrostudy.protocol.endpoints import EndpointSpec


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    analyses: AnalysesBlock  # [analyses]
    endpoints: Mapping[str, EndpointSpec] = field(default_factory=dict)  # [endpoints] name -> spec
    groups: tuple[str, ...]  # in protocol order, those with patients
    reference: str  # [groups] reference
    n: Mapping[str, int]  # patients per group
    conv: Conventions
    p_digits: int = 4  # [report] p_digits: decimals of a printed p value
    # [report.km] break_months, max_months: where the figures count the patients at risk
    risk_step: float = 6.0
    risk_max_months: float | None = None
    group_labels: Mapping[str, str] = field(default_factory=dict)
    var_labels: Mapping[str, str] = field(default_factory=dict)  # variable -> label
    level_labels: Mapping[tuple[str, str], str] = field(default_factory=dict)
    endpoint_labels: Mapping[str, str] = field(default_factory=dict)  # endpoint -> label


def endpoint_labels(analyses: AnalysesBlock,
                    endpoints: Mapping[str, EndpointSpec]) -> dict[str, str]:
    """Endpoint name -> label: ``[[analyses.survival]]``'s, else ``[endpoints]``'s."""
    out = {n: s.label for n, s in endpoints.items() if getattr(s, "label", None)}
    return out | {s.endpoint: s.text for s in analyses.survival}
