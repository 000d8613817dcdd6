"""Endpoints layer: PFS, OS, TTD, TTNT, DoR, RECIST best overall response, rates, follow-up.

Entry point: :func:`derive_endpoints` (docs/endpoints.md lists every rule and its source).
"""

from retrostudy.endpoints.derive import Endpoints, derive_endpoints, discontinuation_table

__all__ = ["Endpoints", "derive_endpoints", "discontinuation_table"]
