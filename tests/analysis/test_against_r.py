"""The analysis layer's numbers on seed_like.csv against R (survival 3.5-3, R 4.2).

tests/reference/seed_like_analysis.R computed them with survfit/survdiff/coxph/wilcox.test;
CI reads the committed JSON. These are the independent check of the snapshot files.
"""

import json
from pathlib import Path

import pytest

R = json.loads((Path(__file__).parents[1] / "reference" / "seed_like_analysis.json").read_text())


def _nan(v):
    return float("nan") if v == "NA" else v


def test_km_medians_and_landmarks(analyses):
    ep = analyses.endpoints[0]
    for g in ep.groups:
        assert g.median == pytest.approx(
            [_nan(v) for v in R["medians_months"][g.group]], rel=1e-10, nan_ok=True
        )
        lm = R["landmarks"][g.group]
        for i, month in enumerate((6.0, 12.0)):
            assert g.landmarks[month] == pytest.approx(
                (lm["surv"][i], lm["lower"][i], lm["upper"][i]), rel=1e-10
            )


def test_logrank_and_hazard_ratios(analyses):
    ep = analyses.endpoints[0]
    assert ep.logrank.p_value == pytest.approx(R["logrank_p"], rel=1e-9)
    for name in ("unadjusted", "adjusted"):
        hr = ep.group_hr(name)
        got = (hr.hazard_ratio, hr.conf_low, hr.conf_high, hr.p_value)
        assert got == pytest.approx(R[f"hr_{name}"], rel=1e-6)


def test_table1_p_values(analyses):
    p = {t["variable"]: t["p_value"] for t in analyses.table1.to_json()}
    assert p["age"] == pytest.approx(R["age_wilcox_p"], rel=1e-10)
    assert p["prior_regimens"] == pytest.approx(R["regimens_wilcox_p"], rel=1e-10)
    assert p["visceral"] == pytest.approx(R["visceral_fisher_p"], rel=1e-10)
