"""The secondary analyses of ``[analyses]``, run together: RMST, competing risks, subgroups
and sensitivity analyses (analysis/rmst.py, competing.py, subgroups.py, sensitivity.py).

:func:`run_secondary` returns a frozen :class:`Secondary` (its ``to_json`` gives the
results.json keys ``rmst``, ``competing_risks``, ``subgroups`` and ``sensitivity``, each only
when the protocol asks for it); report/tables/ prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrostudy.analysis.competing import CompetingResult, run_competing
from retrostudy.analysis.rmst import RmstEndpoint, run_rmst
from retrostudy.analysis.sensitivity import SensitivityResult, run_sensitivity
from retrostudy.analysis.subgroups import SubgroupResult, run_subgroup


@dataclass(frozen=True, slots=True, kw_only=True)
class Secondary:
    rmst: tuple[RmstEndpoint, ...] = ()
    competing: CompetingResult | None = None
    subgroups: tuple[SubgroupResult, ...] = ()
    sensitivity: SensitivityResult | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """The competing-risks warnings and the sensitivity analyses' not-estimable ones
        (what their tables' notes say); subgroup notes stay in the subgroup tables."""
        out = self.competing.warnings if self.competing else ()
        if self.sensitivity is not None:
            out += tuple(w for e in self.sensitivity.endpoints for w in e.warnings
                         if "monotone" in w or "not estimable" in w)
        return out

    def to_json(self) -> dict:
        out = {}
        if self.rmst:
            out["rmst"] = {r.endpoint: r.to_json() for r in self.rmst}
        if self.competing is not None:
            out["competing_risks"] = self.competing.to_json()
        if self.subgroups:
            out["subgroups"] = [s.to_json() for s in self.subgroups]
        if self.sensitivity is not None:
            out["sensitivity"] = self.sensitivity.to_json()
        return out


def endpoint_labels(protocol) -> dict[str, str]:
    """Endpoint name -> label: ``[[analyses.survival]]``'s, else ``[endpoints]``'s."""
    out = {n: s.label for n, s in protocol.endpoints.items.items() if s.label}
    return out | {s.endpoint: s.text for s in protocol.analyses.survival}


def run_secondary(protocol, data, groups, reference, conv, labels, level_labels,
                  var_labels) -> Secondary:
    block = protocol.analyses
    ep_labels = endpoint_labels(protocol)
    rmst = ()
    if block.rmst is not None:
        rmst = run_rmst(block, data, groups, reference, conv, ep_labels)
    competing = None
    if block.competing is not None:
        competing = run_competing(protocol, data, groups, reference, conv,
                                  ep_labels.get(block.competing.endpoint, "Competing risks"))
    subgroups = []
    for i, spec in enumerate(block.subgroups):
        res = run_subgroup(i, spec, data, groups, reference, conv, labels, level_labels,
                           var_labels, ep_labels.get(spec.endpoint, spec.endpoint.upper()))
        subgroups.append(res)
    sensitivity = None
    if block.sensitivity is not None:
        sensitivity = run_sensitivity(protocol, data, groups, reference, conv, ep_labels)
    return Secondary(rmst=rmst, competing=competing, subgroups=tuple(subgroups),
                     sensitivity=sensitivity)
