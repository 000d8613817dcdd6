"""Bad samples get a ValueError that names the argument and the problem (tier 5)."""

import re

import pytest

from retrostudy.stats import kruskal_test, wilcoxon_test

NAN = float("nan")


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ([], [1, 2], "x is empty; each sample needs at least one value"),
        ([1, 2], [], "y is empty; each sample needs at least one value"),
        (
            [1, NAN, 3],
            [1, 2],
            "x has 1 missing or infinite value(s) (first at position 1: nan); "
            "remove them before testing, as R does",
        ),
        ([[1, 2]], [1, 2], "x must be one-dimensional, got shape (1, 2)"),
        (["a", "b"], [1, 2], "x must be numeric, got values of type <U1"),
        ([2, 2], [2], "all observations are equal, so the Wilcoxon test is undefined"),
    ],
)
def test_bad_wilcoxon_samples(x, y, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        wilcoxon_test(x, y)


def test_bad_alternative():
    message = "alternative must be one of ('two.sided', 'less', 'greater'), got 'two-sided'"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        wilcoxon_test([1, 2], [3, 4], alternative="two-sided")


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        (([1, 2, 3],), "kruskal_test needs at least 2 samples (groups), got 1"),
        (([1, 2], []), "samples[1] is empty; each sample needs at least one value"),
        (
            ([1, 2], [NAN]),
            "samples[1] has 1 missing or infinite value(s) (first at position 0: nan); "
            "remove them before testing, as R does",
        ),
        (([3, 3], [3]), "all observations are equal, so the Kruskal-Wallis test is undefined"),
    ],
)
def test_bad_kruskal_samples(samples, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        kruskal_test(*samples)
