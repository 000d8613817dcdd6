"""wilcoxon_test and kruskal_test against R 4.2 (tier 2: external oracle).

Reference values and the generated samples are in ``tests/reference/tests.json``, written
by ``tests/reference/tests.R``: exact without ties (18 vs 24, as the seed's groups, and
3 vs 4), ties (normal approximation, with and without continuity correction), n >= 50, the
three alternatives; kruskal.test with and without ties. Compared at rtol 1e-10.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import kruskal_test, wilcoxon_test

REF = json.loads((Path(__file__).parents[1] / "reference" / "tests.json").read_text())
RTOL = 1e-10


def case_id(c):
    return f"{c['sample']}-{c['alternative']}-exact{c['exact']}-correct{c['correct']}"


@pytest.mark.parametrize("case", REF["wilcox"], ids=case_id)
def test_wilcoxon_matches_r(case):
    s = REF["samples"][case["sample"]]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "cannot compute exact p-value with ties")
        r = wilcoxon_test(
            s["x"], s["y"], exact=case["exact"], correct=case["correct"],
            alternative=case["alternative"],
        )
    assert r.statistic == case["statistic"]
    np.testing.assert_allclose(r.p_value, case["p_value"], rtol=RTOL)
    assert r.method == case["method"]
    assert r.exact == ("exact" in case["method"])


def test_r_default_is_exact_for_the_seed_group_sizes():
    s = REF["samples"]["exact_no_ties"]
    r = wilcoxon_test(s["x"], s["y"])
    assert (r.n_x, r.n_y, r.exact, r.ties) == (18, 24, True, False)


@pytest.mark.parametrize("case", REF["kruskal"], ids=lambda c: c["name"])
def test_kruskal_matches_r(case):
    r = kruskal_test(*case["samples"])
    np.testing.assert_allclose(r.statistic, case["statistic"], rtol=RTOL)
    np.testing.assert_allclose(r.p_value, case["p_value"], rtol=RTOL)
    assert r.df == case["df"]
    assert r.method == "Kruskal-Wallis rank sum test"
