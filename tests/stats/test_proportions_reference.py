"""binom_ci and the standardised differences against R 4.2 (tier 2: external oracle).

``tests/reference/tests.R`` writes binom.test (Clopper-Pearson) and prop.test Wilson
intervals, correct = FALSE and TRUE, at levels 0.95 and 0.9, including x = 0, x = n and
x = n/2 (where prop.test's correction vanishes); and the tableone definitions of the SMD
(categorical with MASS::ginv). Compared at rtol 1e-10.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import binom_ci, smd, smd_table

REF = json.loads((Path(__file__).parents[1] / "reference" / "tests.json").read_text())
RTOL = 1e-10
METHODS = {"clopper-pearson": "clopper_pearson", "wilson": "wilson", "wilson-cc": "wilson_cc"}


def ci_cases():
    for c in REF["binom"]:
        for level in c["levels"]:
            for method, key in METHODS.items():
                yield pytest.param(
                    c["x"], c["n"], level["conf_level"], method, level[key],
                    id=f"{c['x']}/{c['n']}-{level['conf_level']}-{method}",
                )


@pytest.mark.parametrize(("x", "n", "conf_level", "method", "expected"), ci_cases())
def test_binom_ci_matches_r(x, n, conf_level, method, expected):
    ci = binom_ci(x, n, conf_level=conf_level, method=method)
    np.testing.assert_allclose([ci.conf_low, ci.conf_high], expected, rtol=RTOL, atol=1e-15)
    assert ci.estimate == x / n and ci.method == method


@pytest.mark.parametrize("case", REF["smd"]["continuous"], ids=lambda c: c["sample"])
def test_smd_continuous_matches_tableone_definition(case):
    s = REF["samples"][case["sample"]]
    np.testing.assert_allclose(smd(s["x"], s["y"]).estimate, case["estimate"], rtol=RTOL)


@pytest.mark.parametrize("case", REF["smd"]["categorical"], ids=lambda c: c["name"])
def test_smd_categorical_matches_tableone_definition(case):
    np.testing.assert_allclose(smd_table(case["table"]).estimate, case["estimate"], rtol=RTOL)
