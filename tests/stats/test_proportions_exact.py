"""binom_ci and SMDs: closed forms by hand (tier 1) and bad input (tier 5)."""

import math
import re

import numpy as np
import pytest

from retrostudy.stats import binom_ci, smd, smd_table


def test_clopper_pearson_closed_forms_at_the_boundaries():
    # x = 0: upper = 1 - (alpha/2)^(1/n); x = n: lower = (alpha/2)^(1/n).
    assert binom_ci(0, 10).conf_high == pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-12)
    assert binom_ci(0, 10).conf_low == 0
    assert binom_ci(10, 10).conf_low == pytest.approx(0.025 ** (1 / 10), rel=1e-12)
    assert binom_ci(10, 10).conf_high == 1


def test_wilson_closed_form():
    # x = 6, n = 24: (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n).
    z, n, p = 1.959963984540054, 24, 0.25
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    centre, scale = p + z**2 / (2 * n), 1 + z**2 / n
    ci = binom_ci(6, 24, method="wilson")
    assert ci.conf_low == pytest.approx((centre - half) / scale, rel=1e-12)
    assert ci.conf_high == pytest.approx((centre + half) / scale, rel=1e-12)


def test_wilson_cc_has_no_correction_at_half_as_r():
    a, b = binom_ci(12, 24, method="wilson-cc"), binom_ci(12, 24, method="wilson")
    assert (a.conf_low, a.conf_high) == (b.conf_low, b.conf_high)


def test_binary_smd_closed_form():
    # TRR 2/18 vs 6/24: |p1 - p2| / sqrt((p1 q1 + p2 q2) / 2).
    p1, p2 = 16 / 18, 18 / 24  # proportions of the second level, as the table's columns
    expected = abs(p1 - p2) / math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
    assert smd_table([[2, 16], [6, 18]]).estimate == pytest.approx(expected, rel=1e-12)


def test_smd_continuous_by_hand_and_sign():
    # means 2 and 3, both variances 1: (2 - 3) / 1.
    assert smd([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]).estimate == pytest.approx(-1.0)
    assert math.isnan(smd([1.0, 1.0], [1.0, 1.0]).estimate)


def test_smd_table_three_groups_is_mean_of_pairs():
    t = np.array([[5, 5], [8, 2], [2, 8]])
    r = smd_table(t)
    pairs = [smd_table(t[[0, 1]]).estimate, smd_table(t[[0, 2]]).estimate,
             smd_table(t[[1, 2]]).estimate]
    np.testing.assert_allclose(r.pairs, pairs, rtol=1e-12)
    assert r.estimate == pytest.approx(np.mean(pairs))


def test_smd_table_level_empty_in_both_groups_is_harmless():
    a = smd_table([[13, 5, 0], [13, 10, 0]]).estimate
    assert a == pytest.approx(smd_table([[13, 5], [13, 10]]).estimate, rel=1e-9)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((5, 3), {}, "x must be between 0 and n = 3, got 5"),
        ((-1, 3), {}, "x must be between 0 and n = 3, got -1"),
        ((1.5, 3), {}, "x must be a whole number, got 1.5"),
        ((1, 0), {}, "n must be at least 1, got 0"),
        ((1, "a"), {}, "n must be a whole number, got 'a'"),
        ((1, 3), {"conf_level": 1.0}, "conf_level must be between 0 and 1, got 1.0"),
        (
            (1, 3),
            {"method": "wald"},
            "method must be one of ('clopper-pearson', 'wilson', 'wilson-cc'), got 'wald'",
        ),
    ],
)
def test_binom_ci_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        binom_ci(*args, **kwargs)


def test_smd_bad_input():
    with pytest.raises(ValueError, match="^x needs at least 2 values for a standard deviation$"):
        smd([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=re.escape("table row 2 (a group) has no observations")):
        smd_table([[1, 2], [0, 0]])
    with pytest.raises(ValueError, match=re.escape("table has a negative count -1 at row 1")):
        smd_table([[-1, 2], [3, 4]])
