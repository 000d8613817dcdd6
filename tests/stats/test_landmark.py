"""Landmark sets: by hand, and the Kaplan–Meier identity S_L(s) = S(L + s) / S(L)."""

import numpy as np
import pytest

from retrostudy.stats import kaplan_meier, landmark


def test_by_hand_with_ties_at_the_landmark():
    time = [2, 4, 4, 6, 9, 4, 15]
    event = [1, 1, 0, 1, 0, 0, 1]
    lm = landmark(time, event, 4)
    # on day 4: one event and two censorings are left out; kept: 6, 9, 15
    assert lm.index.tolist() == [3, 4, 6]
    assert lm.time.tolist() == [2.0, 5.0, 11.0]
    assert lm.event.tolist() == [1, 0, 1]
    assert (lm.n, lm.n_event_before, lm.n_censored_before, lm.n_at_risk) == (7, 2, 2, 3)
    assert lm.n == lm.n_at_risk + lm.n_event_before + lm.n_censored_before
    zero = landmark(time, event, 0)  # landmark 0: everyone with positive follow-up
    assert zero.index.tolist() == list(range(7)) and zero.time.tolist() == time


def test_km_of_the_landmark_set_is_the_conditional_curve():
    rng = np.random.default_rng(22)
    time = rng.integers(0, 40, 500)
    event = rng.integers(0, 2, 500)
    for lmk in (0, 5, 12.5, 30):
        lm = landmark(time, event, lmk)
        sub = kaplan_meier(lm.time, lm.event)
        full = kaplan_meier(time, event)
        s_l = full.at([lmk]).survival[0]
        want = full.at(sub.time + lmk).survival / s_l
        np.testing.assert_allclose(sub.survival, want, rtol=1e-12)
        # and delayed entry at L on the kept patients gives the same curve
        ent = kaplan_meier(time[lm.index], lm.event, entry=np.full(lm.n_at_risk, lmk))
        np.testing.assert_allclose(ent.survival, sub.survival, rtol=1e-13)


@pytest.mark.parametrize("value, match", [
    (-1, "finite and >= 0"), (np.nan, "finite and >= 0"), ("x", "must be a number"),
    (20, "no patient is at risk at landmark_days=20"),
])
def test_bad_landmark(value, match):
    with pytest.raises(ValueError, match=match):
        landmark([3, 20], [1, 0], value)
