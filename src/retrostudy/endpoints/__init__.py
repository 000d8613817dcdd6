"""Endpoints layer: PFS, OS, TTD, TTNT, DoR, RECIST best overall response, response flags.

Entry point: :func:`derive_endpoints` (docs/endpoints.md lists every rule and its source).
Every endpoint kind is one entry of :data:`KINDS`; outcomes are typed values, and
:class:`AnalysisDataset` binds them to the flat table (``outcome.py`` names its columns).
Per-group summaries (rates, follow-up, discontinuation reasons) are the analysis layer's.
"""

from retrostudy.endpoints.dataset import AnalysisDataset
from retrostudy.endpoints.derive import Endpoints, derive_endpoints
from retrostudy.endpoints.kinds import KINDS, EndpointKind

__all__ = ["KINDS", "AnalysisDataset", "EndpointKind", "Endpoints", "derive_endpoints"]
