"""[analyses.adjusted] truncate against R (tests/reference/adjusted_truncate.R, by hand:
glm propensity score, stabilised ATE/ATT weights, optional trim, cap at
quantile(w[kept], q, type = 7), coxph(weights = w, robust = TRUE)): the weights, the cap,
the patients truncated per group and the IPTW Cox coefficient with its robust and model
standard errors, through the whole adjusted comparison (simulated data, not T-DM1).

Quantile convention: R's type 7 (its default) equals numpy's "linear" (our
``np.quantile``): ``x[k] + g (x[k+1] - x[k])`` with ``h = (n - 1) q`` over the weights of the
patients kept after trim.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from secondary_data import make_protocol

from retrostudy.analysis import run_analyses

REF = json.loads((Path(__file__).parents[1] / "reference" / "adjusted_truncate.json")
                 .read_text(encoding="utf-8"))


def _frame() -> pd.DataFrame:
    d = REF["data"]
    n = len(d["age"])
    return pd.DataFrame({
        "patient_id": [f"P{i:03d}" for i in range(n)],
        "index_date": pd.Timestamp("2016-01-01"),
        "group": np.where(np.asarray(d["treat"]) == 1, "A", "B"),
        "age": np.asarray(d["age"], float),
        "visceral": np.asarray(d["visceral"]) == 1,
        "os_days": np.asarray(d["os_days"], float),
        "os_event": np.asarray(d["os_event"], int),
    })


@pytest.mark.parametrize("case", REF["cases"], ids=[c["name"] for c in REF["cases"]])
def test_truncated_iptw_equals_r(case):
    block = {"covariates": ["age", "visceral"], "methods": ["iptw"],
             "estimand": case["estimand"], "truncate": case["truncate"]}
    if case.get("trim"):
        block["trim"] = case["trim"]
    run = run_analyses(make_protocol({"survival": [{"endpoint": "os"}], "adjusted": block}),
                       _frame())
    res = run.adjusted
    np.testing.assert_allclose(res.ps, REF["ps"], rtol=1e-10)
    np.testing.assert_allclose(res.weights["iptw"], case["weights"], rtol=1e-10, atol=1e-14)
    conv = res.conventions.truncation
    assert conv.cap == pytest.approx(case["truncation_cap"], rel=1e-10)
    n_tr, n_ct = case["n_truncated"]
    assert res.samples.by_method["iptw"]["A"].truncated == n_tr
    assert res.samples.by_method["iptw"]["B"].truncated == n_ct
    assert conv.truncated == n_tr + n_ct
    hr = res.comparison("os", "iptw").hazard_ratio
    assert hr.coef == pytest.approx(case["coef"], rel=1e-8)
    assert hr.robust_std_err == pytest.approx(case["robust_se"], rel=1e-8)
    assert hr.std_err == pytest.approx(case["model_se"], rel=1e-8)
