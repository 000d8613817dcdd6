"""Table 2 (best response): rates, exact CIs and tests, checked against scipy and the seed."""

import numpy as np
import pytest
from scipy import stats as ss


def _rate(analyses, name):
    return next(r for r in analyses.response.to_json()["rates"] if r["name"] == name)


@pytest.mark.parametrize(
    ("name", "x", "printed_p"),
    [("response", (2, 6), "0.2566"), ("disease_control", (3, 15), "0.0030")],
)
def test_rates_and_chisq_reproduce_the_seed(analyses, name, x, printed_p):
    rate = _rate(analyses, name)
    got = (rate["groups"]["Tmab/Pmab"]["x"], rate["groups"]["Tmab"]["x"])
    assert got == x
    table = np.array([[x[0], 18 - x[0]], [x[1], 24 - x[1]]])
    assert rate["p_value"] == pytest.approx(
        ss.chi2_contingency(table, correction=False).pvalue, rel=1e-10
    )
    assert f"{rate['p_value']:.4f}" == printed_p


def test_exact_ci_is_clopper_pearson(analyses):
    g = _rate(analyses, "response")["groups"]["Tmab/Pmab"]
    ci = ss.binomtest(2, 18).proportion_ci(0.95, method="exact")
    assert (g["conf_low"], g["conf_high"]) == pytest.approx((ci.low, ci.high), rel=1e-8)


def test_best_response_counts_add_up_to_the_group(analyses):
    counts = analyses.response.to_json()["best_response"]
    assert {k: v["Tmab/Pmab"] for k, v in counts.items()} == {"PR": 2, "SD": 6, "PD": 10}
    assert sum(v["Tmab"] for v in counts.values()) == 24


def test_table2_prints_percent_with_one_decimal(tables, analyses):
    body = tables["table2_response"].body()
    assert body[0][1:] == ["2 (11.1)", "6 (25.0)", "0.2566\u1d43"]  # ᵃ: the test's footnote
