"""Log-rank / G-rho tests against R survival 3.5-3 ``survdiff`` (tier 2: external oracle).

Reference values: ``tests/reference/km_logrank.json``, written by
``tests/reference/km_logrank.R`` (regenerate with ``Rscript tests/reference/km_logrank.R``;
CI never runs R). Cases: lung (sex; ECOG with 4 levels; stratified by ECOG), veteran
(trt; 4 cell types; stratified), ovarian, a tiny tied dataset; rho = 0, 0.5, 1.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import logrank_test

REF = json.loads((Path(__file__).parents[1] / "reference" / "km_logrank.json").read_text())
RTOL = 1e-10


def column(values):
    if any(isinstance(v, str) for v in values):
        return np.array(values, dtype=object)
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def run(case):
    data = {k: column(v) for k, v in REF["data"][case["data"]].items()}
    keep = np.ones(data["time"].shape[0], dtype=bool)
    for col in filter(None, (case["group"], case.get("strata"))):
        if data[col].dtype.kind == "f":
            keep &= ~np.isnan(data[col])
    strata = data[case["strata"]][keep] if case.get("strata") else None
    group = data[case["group"]][keep]
    if group.dtype == object:
        group = group.astype(str)
    return logrank_test(
        data["time"][keep], data["event"][keep], group, strata=strata, rho=case["rho"]
    )


@pytest.mark.parametrize("case", REF["logrank"], ids=[c["name"] for c in REF["logrank"]])
def test_matches_survdiff(case):
    r = run(case)
    assert r.groups.tolist() == case["groups"]
    assert r.df == case["df"]
    assert r.rho == case["rho"]
    for field in ("observed", "expected", "variance", "statistic", "p_value"):
        np.testing.assert_allclose(getattr(r, field), case[field], rtol=RTOL, atol=1e-12)
