"""The adjusted comparison on seed_like.csv against R (glm, MatchIt 4.5.1, survival 3.5-3).

tests/reference/adjusted.R ran the same analysis in R: glm propensity score, stabilised ATE
weights, MatchIt nearest-neighbour matching on the linear logit with a 0.2-SD caliper
(largest score first, no replacement), survfit with weights, coxph(weights, robust = TRUE)
and coxph(weights, cluster = subclass). CI reads the committed JSON.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from adjusted_helpers import run

R = json.loads((Path(__file__).parents[1] / "reference" / "adjusted.json").read_text())
PER = 30.4375
ARM = {"Tmab/Pmab": "1", "Tmab": "0"}


def _nan(v):
    return float("nan") if v == "NA" else v


@pytest.fixture(scope="module")
def res():
    return run().adjusted


def _ids(res):
    from adjusted_helpers import dataset

    d = dataset()
    return d["patient_id"].to_numpy()[d["de_novo"].notna().to_numpy()]


def test_propensity_score(res):
    assert list(_ids(res)) == R["patient_id"]
    np.testing.assert_allclose(res.ps, R["ps"], rtol=1e-9)
    r_coef = list(R["ps_coef"].values())
    r_se = list(R["ps_se"].values())
    np.testing.assert_allclose([t.coef for t in res.ps_model], r_coef, rtol=1e-9)
    np.testing.assert_allclose([t.std_err for t in res.ps_model], r_se, rtol=1e-9)


def test_iptw(res):
    np.testing.assert_allclose(res.weights["iptw"], R["iptw_weights"], rtol=1e-9)
    c = res.comparison("pfs", "iptw")
    hr = c.hazard_ratio
    got = (hr.hazard_ratio, hr.conf_low, hr.conf_high, hr.p_value)
    want = tuple(R["iptw"][k] for k in ("hr", "lower", "upper", "p"))
    assert got == pytest.approx(want, rel=1e-6)
    assert c.test.p_value == pytest.approx(R["iptw"]["robust_score_p"], rel=1e-6)


def test_crude(res):
    hr = res.comparison("pfs", "crude").hazard_ratio
    got = (hr.hazard_ratio, hr.conf_low, hr.conf_high, hr.p_value)
    assert got == pytest.approx(
        tuple(R["crude"][k] for k in ("hr", "lower", "upper", "p")), rel=1e-6
    )


@pytest.fixture(scope="module")
def res05():
    return run(caliper=0.5).adjusted


def _km(c, r):
    for g in c.groups:
        rg = r["km"][ARM[g.group]]
        assert g.median == pytest.approx([_nan(v) for v in rg["median"]], rel=1e-7, nan_ok=True)
        for i, month in enumerate((6.0, 12.0)):
            assert g.landmarks[month] == pytest.approx(
                (rg["surv"][i], rg["lower"][i], rg["upper"][i]), rel=1e-6
            )


def test_iptw_weighted_km(res):
    """R's weighted survfit with conf.type "log", the test protocol's profile."""
    _km(res.comparison("pfs", "iptw"), R["iptw"])


def _matched_ids(res):
    return sorted(_ids(res)[res.weights["matching"] > 0])


def test_matching(res05):
    r = R["matching"]
    assert _matched_ids(res05) == r["matched"]
    width = res05.conventions.matching_run.caliper_width
    assert width == pytest.approx(r["caliper_width"], rel=1e-7)
    c = res05.comparison("pfs", "matching")
    hr = c.hazard_ratio
    got = (hr.hazard_ratio, hr.conf_low, hr.conf_high, hr.p_value)
    assert got == pytest.approx(tuple(r[k] for k in ("hr", "lower", "upper", "p")), rel=1e-6)
    assert c.test.p_value == pytest.approx(r["robust_score_p"], rel=1e-6)
    _km(c, r)


def test_matching_monotone_at_the_default_caliper(res):
    """With a 0.2-SD caliper the 6 matched pairs give a monotone Cox likelihood: R warns the
    coefficient may be infinite (HR ~ 5e9); we print NE and say why."""
    r = R["matching_02"]
    assert r["monotone"] is True
    assert _matched_ids(res) == r["matched"]
    c = res.comparison("pfs", "matching")
    assert c.hazard_ratio.monotone and np.isnan(c.hazard_ratio.hazard_ratio)
    assert c.test.p_value == pytest.approx(r["robust_score_p"], rel=1e-6)
    assert "pfs:matching" in res.flags.monotone
    assert any("monotone" in w and "matching" in w for w in res.warnings)
