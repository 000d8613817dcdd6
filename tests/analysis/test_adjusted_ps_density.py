"""The propensity score's kernel density of the adjusted comparison (the overlap figure
draws it): R's bw.nrd0 bandwidth, Gaussian kernels, linear binning of many distinct values;
computed in the analysis on the analysis test study (not T-DM1), once per group."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from adjusted_helpers import run  # noqa: E402

from retrostudy.analysis.adjusted_types import bw_nrd0, density  # noqa: E402


@pytest.mark.parametrize(
    ("x", "r_value"),
    [  # R 4.2.2: bw.nrd0(x), printed with options(digits = 17)
        ([0.1, 0.25, 0.3, 0.31, 0.5, 0.72, 0.9, 0.95], 0.18902413433462967),
        ([1, 1, 1, 1, 2], 0.29171818740469724),  # IQR 0: falls back to the SD
        ([3, 3, 3], 2.167402216752623),  # SD 0: falls back to |x[1]|
    ],
)
def test_bandwidth_is_r_bw_nrd0(x, r_value):
    assert bw_nrd0(np.array(x, float)) == pytest.approx(r_value, rel=1e-14)


def test_density_integrates_to_one():
    x = np.array([0.3, 0.4, 0.45, 0.6])
    grid = np.linspace(-2, 3, 20001)
    assert np.trapezoid(density(x, grid), grid) == pytest.approx(1.0, abs=1e-6)


def _naive_density(x, grid):
    h = bw_nrd0(x)
    return np.array([np.sum(np.exp(-0.5 * ((g - x) / h) ** 2)) for g in grid]) / (
        x.size * h * np.sqrt(2 * np.pi)
    )


def test_density_over_distinct_values_is_exact():
    x = np.random.default_rng(3).choice([0.12, 0.3, 0.31, 0.77], size=5000)
    grid = np.linspace(0, 1, 101)
    np.testing.assert_allclose(density(x, grid), _naive_density(x, grid), rtol=1e-12)


def test_linear_binning_changes_the_curve_invisibly():
    x = np.random.default_rng(4).beta(2, 5, size=20_000)  # 20,000 distinct values
    grid = np.linspace(0, 1, 401)
    exact = _naive_density(x, grid)
    binned = density(x, grid, bins=2048)
    assert np.max(np.abs(binned - exact)) < 1e-4 * exact.max()
    assert np.trapezoid(binned, grid) == pytest.approx(np.trapezoid(exact, grid), rel=1e-6)


def test_the_result_carries_each_groups_density_of_its_scores():
    res = run().adjusted
    d = res.ps_density
    np.testing.assert_array_equal(d.grid, np.linspace(0.0, 1.0, 401))
    assert list(d.density) == [res.treated, res.reference]
    for arm, g in ((True, res.treated), (False, res.reference)):
        ps = res.ps[res.design.treated == arm]
        np.testing.assert_allclose(d.density[g], _naive_density(ps, d.grid), rtol=1e-12)
