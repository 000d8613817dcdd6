"""chisq_test and fisher_test against R 4.2 (tier 2: external oracle).

Reference values are in ``tests/reference/tests.json``, written with their input tables by
``tests/reference/tests.R`` (``chisq.test`` with correct TRUE/FALSE, ``fisher.test`` on 2x2
tables with zeros, one-sided alternatives and conf.level 0.9, and on r x c tables by R's
network algorithm). To regenerate (needs R with jsonlite and MASS; CI never runs R)::

    cd tests/reference && Rscript tests.R

Closed forms and exact p-values are compared at rtol 1e-10, r x c Fisher p-values at 1e-9.
The Fisher odds ratio and its limits come from R's root-finder (tolerance ~1.2e-4); we take
the same Brent steps, so they agree to ~1e-14 and are compared at rtol 1e-9. R's Inf is
stored as "Inf".
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import chisq_test, fisher_test

REF = json.loads((Path(__file__).parents[1] / "reference" / "tests.json").read_text())
RTOL = 1e-10


def num(value) -> float:
    return math.inf if value == "Inf" else float(value)


@pytest.mark.parametrize("case", REF["chisq"], ids=lambda c: c["name"])
@pytest.mark.parametrize("correct", [True, False])
def test_chisq_matches_r(case, correct):
    ref = case["correct_true" if correct else "correct_false"]
    r = chisq_test(case["table"], correct=correct)
    np.testing.assert_allclose(r.statistic, ref["statistic"], rtol=RTOL, atol=1e-14)
    np.testing.assert_allclose(r.p_value, ref["p_value"], rtol=RTOL)
    np.testing.assert_allclose(r.expected, ref["expected"], rtol=RTOL)
    assert r.df == ref["df"]
    assert r.method == ref["method"]
    assert r.correct == ("Yates" in ref["method"])
    assert r.min_expected == pytest.approx(np.min(ref["expected"]), rel=RTOL)


@pytest.mark.parametrize("case", REF["fisher_2x2"], ids=lambda c: c["name"])
def test_fisher_2x2_matches_r(case):
    r = fisher_test(case["table"], conf_level=case["conf_level"], alternative=case["alternative"])
    np.testing.assert_allclose(r.p_value, case["p_value"], rtol=RTOL)
    for field in ("estimate", "conf_low", "conf_high"):
        np.testing.assert_allclose(getattr(r, field), num(case[field]), rtol=1e-9, err_msg=field)
    assert r.method == "Fisher's Exact Test for Count Data"
    assert r.alternative == case["alternative"]


def rxc_cases():
    for c in REF["fisher_rxc"]:
        slow = np.sum(c["table"]) >= 300 and min(np.shape(c["table"])) >= 3
        yield pytest.param(c, id=c["name"], marks=[pytest.mark.slow] if slow else [])


@pytest.mark.parametrize("case", rxc_cases())
def test_fisher_rxc_matches_r_network_algorithm(case):
    # FEXACT merges path weights that agree within its tolerance, so on large tables with
    # small p-values R moves in the ninth or tenth digit (t3x4_n300: 5e-10).
    r = fisher_test(case["table"])
    np.testing.assert_allclose(r.p_value, case["p_value"], rtol=1e-9)
    assert math.isnan(r.estimate) and math.isnan(r.conf_low) and math.isnan(r.conf_high)


def test_reference_was_written_by_r_4_2():
    assert REF["r_version"].startswith("R version 4.2")
