"""Response and disease-control rates (with the seed's SD-duration rule) and follow-up."""

import numpy as np
import pytest
from conftest import rows, run
from scipy.stats import beta

RATES = {"bor": {"kind": "bor"}, "rates": {"kind": "rates"}}


@pytest.mark.parametrize(("seq", "control"), [
    ([(42, "SD"), (183, "PD")], True),   # SD lasting 183 days (to the first PD)
    ([(42, "SD"), (182, "PD")], False),
    ([(42, "SD"), (183, "SD")], True),   # no PD: to the last assessment still showing SD
    ([(42, "SD"), (182, "SD"), (200, "NE")], False),  # NE does not extend it
    ([(42, "PR"), (60, "PD")], True),    # responders are in control whatever the duration
])
def test_seed_disease_control_sd_duration(seq, control):
    d = rows(RATES, {"p": seq})
    assert bool(d.loc["p", "disease_control"]) is control
    assert bool(d.loc["p", "disease_control_conventional"]) is True


def test_sd_duration_to_last_non_pd():
    block = {"bor": {"kind": "bor"}, "cb": {"kind": "rates", "sd_duration_to": "last_non_pd"}}
    d = rows(block, {"p": [(42, "SD"), (100, "SD"), (200, "PD")]})
    assert d.loc["p", "cb_sd_duration_days"] == 100
    assert not d.loc["p", "cb_disease_control"]
    assert rows(RATES, {"p": [(42, "SD"), (100, "SD"), (200, "PD")]}).loc[
        "p", "disease_control"]


def _seed_cohort():
    pr = [(42, "PR"), (84, "PD")]
    sd_long, sd_short, pd_ = [(42, "SD"), (190, "PD")], [(42, "SD"), (120, "PD")], [(42, "PD")]
    pmab = [pr] * 2 + [sd_long] + [sd_short] * 5 + [pd_] * 10
    tmab = [pr] * 6 + [sd_long] * 9 + [sd_short] * 6 + [pd_] * 3
    seqs = {f"p{i:02d}": s for i, s in enumerate(pmab + tmab)}
    return seqs, ["Tmab/Pmab"] * 18 + ["Tmab"] * 24


def _table2(e, **spec):
    """The one per-group rates implementation ([analyses.response], Table 2) on ``e``."""
    from retrostudy.analysis.response import response
    from retrostudy.protocol.analyses import ResponseAnalysis

    data = e.data if "group" in e.data else e.data.assign(group="all")
    groups = list(dict.fromkeys(data["group"]))
    numbers = response(data, groups, ResponseAnalysis(**spec), conf_level=0.95).to_json()
    return {(g, r["name"]): v for r in numbers["rates"] for g, v in r["groups"].items()}


def test_seed_table_2_counts_and_exact_ci():
    seqs, groups = _seed_cohort()
    e = run(RATES, seqs, groups=groups)
    got = {k: (v["x"], v["n"]) for k, v in _table2(e).items()}
    assert got[("Tmab/Pmab", "response")] == (2, 18)
    assert got[("Tmab", "response")] == (6, 24)
    assert got[("Tmab/Pmab", "disease_control")] == (3, 18)
    assert got[("Tmab", "disease_control")] == (15, 24)
    assert int(e.data["disease_control_conventional"][:18].sum()) == 8
    r = _table2(e)[("Tmab/Pmab", "response")]
    # Clopper-Pearson from beta quantiles (an independent formula)
    assert r["conf_low"] == pytest.approx(beta.ppf(0.025, 2, 17), rel=1e-9)
    assert r["conf_high"] == pytest.approx(beta.ppf(0.975, 3, 16), rel=1e-9)
    assert e.data["bor"].value_counts().to_dict() == {"SD": 21, "PD": 13, "PR": 8}


def test_denominator_evaluable():
    e = run(RATES, {"a": [(42, "PR")], "b": [(42, "PD")], "c": [], "d": [(20, "SD")]})
    assert e.data["evaluable"].tolist() == [True, True, False, False]
    r = _table2(e, denominator="evaluable")[("all", "response")]
    assert (r["x"], r["n"]) == (1, 2)  # c (no scan) and d (SD too early: NE) left out
    analysed = _table2(e)[("all", "response")]
    assert (analysed["x"], analysed["n"]) == (1, 4)


def test_rates_need_a_bor_endpoint():
    with pytest.raises(ValueError, match="rates.response_from = 'bor' is not a 'bor' endpoint"):
        run({"rates": {"kind": "rates"}}, {"p": []})


def test_followup_median_range_and_reverse_km():
    from retrostudy.analysis._stats import conventions
    from retrostudy.analysis.followup import follow_up
    from retrostudy.protocol.analyses import AnalysesBlock, FollowUp

    block = {"pfs": {"kind": "pfs", "events": ["progression"]}, "os": {"kind": "os"}}
    seqs = {"a": [(30, "PD")], "b": [(60, "SD"), (90, "PD")], "c": [(42, "SD")], "d": []}
    e = run(block, seqs, groups=["g", "g", "g", "h"], deaths={"a": 100},
            contacts={"b": 200, "c": 300, "d": 50})
    conv = conventions(AnalysesBlock())
    fu = follow_up(e.data, ["g", "h"], FollowUp(observation="pfs"), conv)
    g = fu.groups[0]
    per = conv.days_per_month
    assert (g.n, g.median * per, g.low * per, g.high * per) == pytest.approx((3, 42, 30, 90))
    # reverse KM on OS (100 death, 200, 300 censored -> events of the flipped indicator):
    # S = 1 at 100, 1/2 after 200, 0 after 300 -> median 250 (R: midpoint of a flat 0.5)
    assert g.reverse_km[0] * per == pytest.approx(250.0)
    assert (fu.observation, fu.reverse_km_of) == ("pfs", "os")
    assert "reverse Kaplan" in fu.method and "of OS" in fu.method


def test_followup_old_endpoint_key_says_what_replaced_it():
    from pydantic import ValidationError

    from retrostudy.protocol.analyses import FollowUp

    with pytest.raises(ValidationError, match="observation = 'pfs'.*reverse_km_of"):
        FollowUp.model_validate({"endpoint": "pfs"})


def test_months_only_for_display():
    from retrostudy.endpoints.tte import to_months
    np.testing.assert_allclose(to_months([30.4375, 365.25]), [1.0, 12.0])


def test_reason_counts_and_json():
    import json

    block = {"pfs": {"kind": "pfs", "events": ["progression"]}, "bor": {"kind": "bor"},
             "rates": {"kind": "rates"}, "os": {"kind": "os"}}
    e = run(block, {"a": [(42, "PD")], "b": [(42, "SD")], "c": []}, groups=["g", "g", "h"])
    counts = e.reason_counts("pfs")
    assert counts.loc["progression", "g"] == 1
    assert counts.loc["censored_no_post_baseline_assessment", "h"] == 1
    out = json.loads(json.dumps(e.to_json(), default=str))
    assert set(out) == {"definitions", "days_per_month", "bad_input"}
    assert out["bad_input"][0]["rule"] == "no_post_baseline_assessment"
