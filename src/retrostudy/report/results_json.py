"""results.json: every number of the report, deterministic bytes (docs/results-schema.md).

Same input -> same bytes: keys sorted, floats rounded to 12 significant digits (beyond
what any computation here is accurate to, so platform noise in the last bits cannot show),
NaN and infinities written as null, no timestamps. Run time and host live in run-info.json.
"""

from __future__ import annotations

import json
import math
import platform
from importlib import metadata

import numpy as np

SCHEMA_VERSION = "1.0"
_PACKAGES = (
    "retrostudy",
    "numpy",
    "scipy",
    "numba",
    "pandas",
    "matplotlib",
    "jinja2",
    "python-docx",
    "duckdb",
    "ibis-framework",
    "pydantic",
)


def clean(value):
    """JSON-ready copy: numpy scalars/arrays to Python, floats rounded, NaN/inf to None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [clean(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return None if not math.isfinite(v) else float(f"{v:.12g}")
    if value is None or isinstance(value, str):
        return value
    return str(value)


def dumps(obj) -> str:
    return (
        json.dumps(clean(obj), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    )


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def provenance(
    *,
    protocol_sha256: str | None,
    inputs: list[tuple[str, str | None]],
    conventions: dict,
    seed: int,
    engine: str,
) -> dict:
    """What produced the numbers: protocol and input hashes, versions, conventions, seeds.

    ``inputs``: (file name as the protocol names it, SHA-256 of its bytes).
    """
    files = [{"file": name, "sha256": digest} for name, digest in inputs]
    return {
        "protocol_sha256": protocol_sha256,
        "inputs": sorted(files, key=lambda f: f["file"]),
        "packages": package_versions(),
        "conventions": conventions,
        "seeds": {"report": seed},
        "engine": engine,
    }


def build(
    *,
    study: dict,
    flow: dict | None,
    analyses: dict | None,
    tables: dict,
    figures: list[dict],
    published: object,
    provenance: dict,
    suppression: dict,
    warnings: list[str],
) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "study": study,
        "flow": flow,
        "analyses": analyses,
        "tables": tables,
        "figures": figures,
        "published_comparison": published,
        "suppression": suppression,
        "warnings": warnings,
        "provenance": provenance,
    }
