"""Bad input to cox_ph (tier 5): a ValueError naming the argument and the problem."""

from __future__ import annotations

import numpy as np
import pytest

from retrostudy.stats import cox_ph


def base(**over):
    d = {"time": np.array([5.0, 3, 8, 2, 9, 4, 7, 6]), "event": np.array([1, 0, 1, 1, 0, 1, 1, 0]),
         "x": np.array([0.5, 1.2, -0.3, 2.0, 0.1, 0.7, -1.0, 0.4]),
         "arm": np.array(["a", "b", "a", "b", "a", "b", "a", "b"]),
         "w": np.ones(8)}
    d.update(over)
    return d


def run(data=None, **kw):
    args = {"time": "time", "event": "event", "covariates": ["x"]}
    args.update(kw)
    return cox_ph(base() if data is None else data, **args)


CL = base(cl=np.arange(8))


@pytest.mark.parametrize(("data", "kw", "message"), [
    (base(time=np.array([5.0, -3, 8, 2, 9, 4, 7, 6])), {},
     r"time must be >= 0; position 1 is -3.0"),
    (base(time=np.array([5.0, np.nan, 8, 2, 9, 4, 7, 6])), {}, r"time has 1 missing or infinite"),
    (base(event=np.array([1, 2, 1, 1, 0, 1, 1, 0])), {}, r"event must be 0 \(censored\) or 1"),
    (base(event=np.zeros(8)), {}, r"event has no events \(all rows censored\)"),
    (None, {"covariates": ["nope"]}, r"covariates: unknown column 'nope'"),
    (None, {"time": "t"}, r"time: unknown column 't'"),
    (None, {"weights": "w2"}, r"weights: unknown column 'w2'"),
    (base(w=np.array([1.0, 0, 1, 1, 1, 1, 1, 1])), {"weights": "w"},
     r"weights must be finite and > 0"),
    (base(c=np.full(8, 3.0)), {"covariates": ["c"]}, r"covariate 'c' is constant"),
    (base(x2=2 * base()["x"] + 1), {"covariates": ["x", "x2"]},
     r"singular design; 'x2' is a linear combination of \['x'\]"),
    (base(x=np.array([0.5, np.nan, -0.3, 2.0, 0.1, 0.7, -1.0, 0.4])), {},
     r"covariate 'x' has 1 missing value"),
    ({"time": np.zeros(0), "event": np.zeros(0), "x": np.zeros(0)}, {}, r"time is empty"),
    (base(event=np.ones(7)), {}, r"event has 7 values but time has 8"),
    (None, {"ties": "average"}, r"ties must be one of \('efron', 'breslow', 'exact'\)"),
    (None, {"covariates": []}, r"covariates must be a non-empty list"),
    (None, {"covariates": ["arm"], "levels": {"arm": ["a"]}}, r"value 'b' that is not among"),
    (None, {"covariates": ["arm"], "levels": {"arm": ["a", "b", "c"]}},
     r"level\(s\) \['c'\] have no rows"),
    (None, {"conf_level": 95}, r"conf_level must be between 0 and 1"),
    (None, {"weights": "w", "ties": "exact"}, r"weights are not supported with ties='exact'"),
    (CL, {"cluster": "cl", "robust": False}, r"cluster needs the robust variance"),
    (CL, {"cluster": "cl", "ties": "exact"}, r"robust variance is not available"),
])
def test_bad_input(data, kw, message):
    with pytest.raises(ValueError, match=message):
        run(data, **kw)


def test_collinear_dummies_are_named():
    d = base(arm2=np.array(["a", "b", "a", "b", "a", "b", "a", "b"]))
    with pytest.raises(ValueError, match=r"'arm2=b' is a linear combination of \['arm=b'\]"):
        run(d, covariates=["arm", "arm2"])


def test_zph_rejects_unknown_transform():
    fit = run()
    with pytest.raises(ValueError, match="transform must be one of"):
        fit.zph("loglog")


def test_single_event_in_the_only_exposed_subject_is_monotone_not_a_crash():
    # found by hypothesis: the fit diverges, the information matrix becomes singular and the
    # log-likelihood reaches exactly 0; R returns var 0 and Wald Inf without an error
    time = np.arange(1.0, 32.0)
    event = np.zeros(31)
    x = np.zeros(31)
    x[5] = event[5] = 1
    with pytest.warns(RuntimeWarning, match="monotone likelihood: coefficient of 'x'"):
        fit = cox_ph({"time": time, "event": event, "x": x}, time="time", event="event",
                     covariates=["x"])
    assert fit.monotone and not fit.converged
    assert fit.wald_test.statistic == np.inf
