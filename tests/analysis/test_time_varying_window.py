"""``[[analyses.time_varying]] window_days``: only an exposure start within the window
counts; the models equal R's tmerge + coxph with the same rule
(tests/reference/time_varying_window.R, synthetic data, not the T-DM1 example); bad input
(a window of 0 or less, a window on an exposure that is not a drug start) is refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from secondary_data import make_protocol

from retrostudy.analysis import run_analyses

REF = json.loads((Path(__file__).parents[1] / "reference" / "time_varying_window.json")
                 .read_text(encoding="utf-8"))
DATA = pd.DataFrame(REF["data"])


def _block(window):
    tv = {"endpoint": "os", "exposure": "drug", "adjust": ["group"]}
    return tv | ({} if window is None else {"window_days": window})


@pytest.mark.parametrize("case", REF["cases"], ids=lambda c: f"window={c['window_days']}")
def test_window_matches_tmerge_coxph(case):
    window = case["window_days"] or None  # jsonlite writes NULL as {}
    an = run_analyses(make_protocol({"survival": [{"endpoint": "os"}],
                                     "time_varying": [_block(window)]}), DATA)
    (r,) = an.result("time_varying")
    tv = [h for h in r.time_varying]
    np.testing.assert_allclose(np.log([h.hazard_ratio for h in tv]), case["tv_coef"],
                               rtol=1e-8)
    np.testing.assert_allclose([h.conf_low for h in tv], case["tv_low"], rtol=1e-8)
    np.testing.assert_allclose([h.conf_high for h in tv], case["tv_high"], rtol=1e-8)
    np.testing.assert_allclose([h.p_value for h in tv], case["tv_p"], rtol=1e-6)
    np.testing.assert_allclose(np.log([h.hazard_ratio for h in r.naive]),
                               case["naive_coef"], rtol=1e-8)
    np.testing.assert_allclose([h.p_value for h in r.naive], case["naive_p"], rtol=1e-6)
    assert (r.n_intervals, r.n_exposed) == (case["n_intervals"], case["n_exposed"])
    js = r.to_json()
    if window is None:
        assert "window_days" not in js and "n_after_window" not in js
    else:
        assert js["window_days"] == window
        assert js["n_after_window"] == r.n_after_window == case["n_after_window"] > 0
    from retrostudy.report.results_model.design import TimeVarying

    TimeVarying.model_validate(js)


def test_table_footnote_states_the_window():
    from retrostudy.report.tables import analysis_tables

    an = run_analyses(make_protocol({"survival": [{"endpoint": "os"}],
                                     "time_varying": [_block(90)]}), DATA)
    notes = " ".join(analysis_tables(an)["time_varying"].footnotes)
    assert "only a start within 90 days of the index date counts" in notes


DRUG = {"kind": "tte", "events": [{"source": "drug", "drug": ["docetaxel"]}]}
OBS = {"kind": "tte", "events": [{"source": "observation", "observation": "surgery"}]}


@pytest.mark.parametrize("window", [0, -30])
def test_window_must_be_positive(window):
    with pytest.raises(Exception, match="window_days") as err:
        make_protocol({"time_varying": [_block(window)]},
                      endpoints={"os": {"kind": "os"}, "drug": DRUG})
    assert "greater than 0" in str(err.value)


def test_window_needs_a_drug_exposure():
    with pytest.raises(Exception, match="not a drug start") as err:
        make_protocol({"time_varying": [_block(90)]},
                      endpoints={"os": {"kind": "os"}, "drug": OBS})
    assert "analyses.time_varying[0].window_days = 90: the exposure 'drug' is not a drug " \
        "start (kind = 'tte', event sources ['observation'])" in str(err.value)
    # the same exposure without a window, and a drug exposure with one, are accepted
    make_protocol({"time_varying": [_block(None)]}, endpoints={"os": {"kind": "os"}, "drug": OBS})
    make_protocol({"time_varying": [_block(90)]}, endpoints={"os": {"kind": "os"}, "drug": DRUG})
