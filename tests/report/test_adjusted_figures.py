"""The adjusted comparison's figures: what they draw is what the analysis computed."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "analysis"))
from adjusted_helpers import run  # noqa: E402

from retrostudy.report.figures.balance import draw_love, draw_overlap  # noqa: E402


@pytest.fixture(scope="module")
def res():
    return run().adjusted


def test_love_plot_points_are_the_absolute_smds(res):
    fig = draw_love(res, number="S1")
    ax = fig.figure.axes[0]
    offsets = [c.get_offsets()[:, 0] for c in ax.collections]
    for key, xs in zip(("before", *res.methods), offsets, strict=True):
        want = [abs(res.balance[key][n]) for n in res.design.names]
        np.testing.assert_allclose(np.asarray(xs, float), want)
    threshold_lines = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert threshold_lines[0].get_xdata()[0] == res.conventions.balance_threshold


def test_overlap_mirrors_the_groups(res):
    fig = draw_overlap(res, number="S2")
    ax = fig.figure.axes[0]
    treated, reference = (ln.get_ydata() for ln in ax.lines[:2])
    assert (np.asarray(treated) >= 0).all() and (np.asarray(reference) <= 0).all()
    # it draws the analysis's densities, computing none itself
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), res.ps_density.grid)
    np.testing.assert_array_equal(treated, res.ps_density.density[res.treated])
    np.testing.assert_array_equal(reference, -res.ps_density.density[res.reference])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [res.treated, res.reference]
