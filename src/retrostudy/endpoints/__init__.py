"""Endpoints layer: PFS, OS, TTD, TTNT, DoR, RECIST best overall response, response flags.

Entry point: :func:`derive_endpoints` (docs/endpoints.md lists every rule and its source).
Per-group summaries (rates, follow-up, discontinuation reasons) are the analysis layer's.
"""

from retrostudy.endpoints.derive import Endpoints, derive_endpoints

__all__ = ["Endpoints", "derive_endpoints"]
