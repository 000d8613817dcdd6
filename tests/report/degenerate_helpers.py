"""Degenerate cohorts for the whole study: the example protocol on an analysis table.

The example study (examples/tdm1_after_pertuzumab) is derived once from its CSV records;
its analysis dataset is then cut and edited (a group of one patient, no events, all times
tied, no response assessed, ...) and run through :func:`retrostudy.pipeline.run_study` as an
``[analysis_table]`` with every other block of the example protocol (its analyses, adjusted
comparison, RMST, competing risks, subgroups, sensitivity analyses and report).
"""

from __future__ import annotations

import functools
import json
import math
import re
import tomllib
from pathlib import Path

import pandas as pd

from retrostudy.report.results_model import validate_results

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tdm1_after_pertuzumab"
TTE = ("pfs", "pfs_standard", "pfs_censor_new_therapy", "pfs_missed_visits", "os", "ttd")
_RECORD_BLOCKS = ("data", "index", "criteria", "covariates", "lines", "published", "comparators")


@functools.lru_cache(maxsize=1)
def example_dataset() -> pd.DataFrame:
    """The example's 42-patient analysis dataset, derived from its records (as run_study)."""
    from retrostudy.cohort import build_cohort
    from retrostudy.data import load_records
    from retrostudy.endpoints import derive_endpoints
    from retrostudy.protocol import load_protocol

    protocol = load_protocol(EXAMPLE / "study.toml")
    store = load_records(protocol.data, protocol.base_dir).store
    cohort = build_cohort(protocol, store)
    eps = derive_endpoints(protocol.endpoints, store, cohort.patients, cohort.lines)
    extra = [c for c in eps.data.columns if c not in cohort.patients.columns or c == "patient_id"]
    return cohort.patients.merge(eps.data[extra], on="patient_id", how="left")


def censor(d: pd.DataFrame, rows=None) -> pd.DataFrame:
    """Every time-to-event endpoint censored (in ``rows``, default all): event 0 and a
    censoring reason, so the PFS definitions still agree with each other."""
    d = d.copy()
    rows = d.index if rows is None else rows
    for ep in TTE:
        d.loc[rows, f"{ep}_event"] = 0
        d.loc[rows, f"{ep}_reason"] = "censored_last_contact"
    return d


def protocol_for(folder: Path):
    """The example protocol reading ``folder/dataset.csv`` as its analysis table."""
    from retrostudy.protocol.load import parse_protocol

    raw = tomllib.loads((EXAMPLE / "study.toml").read_text(encoding="utf-8"))
    for key in _RECORD_BLOCKS:
        raw.pop(key, None)
    raw["analysis_table"] = {"file": "dataset.csv"}
    raw["report"]["figure_formats"] = ["png"]
    return parse_protocol(raw, base_dir=folder)


def run(d: pd.DataFrame, folder: Path):
    from retrostudy.pipeline import run_study

    folder.mkdir(parents=True, exist_ok=True)
    d.to_csv(folder / "dataset.csv", index=False)
    return run_study(protocol_for(folder), out=folder / "out")


_NAN = re.compile(r"\b(nan|NaN|inf|Infinity)\b")


def assert_no_silent_nan(result, out: Path) -> None:
    """No number printed as nan/inf anywhere; results.json is strict JSON (NaN -> null) and
    every missing log-rank p or Cox hazard ratio comes with its reason."""
    text = (out / "results.json").read_text(encoding="utf-8")
    json.loads(text, parse_constant=lambda c: pytest_fail(f"results.json has {c}"))
    validate_results(text)  # every key documented (docs/results-schema.md), NE as null
    for key, table in result.tables.items():
        body = table.to_text()
        assert not _NAN.search(body), (key, _NAN.search(body).group(0))
    html = "".join((out / f"{n}.html").read_text(encoding="utf-8")
                   for n in ("report", "supplement"))
    visible = re.sub(r"(?s)<(style|script)\b.*?</\1>|<[^>]+>|data:[^\"')]+", " ", html)
    assert not _NAN.search(visible), _NAN.search(visible).group(0)
    for ep in result.analyses.endpoints:
        if not _finite(ep.logrank.p_value):
            assert ep.logrank.not_estimable, ep.endpoint
        for m in ep.cox:
            if any(not _finite(c.hazard_ratio) for c in m.coefficients):
                assert m.monotone or m.not_estimable, (ep.endpoint, m.name)


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def pytest_fail(message: str):
    import pytest

    pytest.fail(message)
