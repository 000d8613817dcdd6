"""[analyses.adjusted] balance_sd: the SMD denominator is chosen, applied and stated.

On the analysis test study (not the T-DM1 example): the balance after matching with the
treated group's SD (cobalt's and MatchIt's convention for a matched ATT sample) equals
balance_table(..., sd_denom="treated") on the hand-built design; the default follows the
estimand (pooled for the ATE); the results and the balance table's footnote name it.
"""

import numpy as np
import pytest
from adjusted_helpers import dataset, protocol_with, run

from retrostudy.errors import ProtocolError
from retrostudy.report.tables.adjusted import balance_table as adjusted_balance_table
from retrostudy.stats import balance_table, match_nearest, propensity_score

NAMES = ["age", "ecog", "hr_status=positive", "prior_regimens", "de_novo"]
BINARY = [False, False, True, False, True]


def _design():
    d = dataset()
    d = d[d["de_novo"].notna()].reset_index(drop=True)
    X = np.column_stack([
        d["age"].astype(float), d["ecog"].astype(float),
        (d["hr_status"] == "positive").astype(float), d["prior_regimens"].astype(float),
        d["de_novo"].map({True: 1.0, False: 0.0, "True": 1.0, "False": 0.0}).astype(float)])
    return X, (d["group"] == "Tmab/Pmab").to_numpy()


@pytest.mark.parametrize(("setting", "estimand", "denom"), [
    ("treated", "ATE", "treated"), ("pooled", "ATT", "pooled"), ("estimand", "ATE", "pooled"),
    ("estimand", "ATT", "treated")])
def test_balance_uses_and_states_the_denominator(setting, estimand, denom):
    res = run(methods=["matching"], balance_sd=setting, estimand=estimand).adjusted
    X, treated = _design()
    m = match_nearest(propensity_score(X, treated, names=NAMES).logit, treated, caliper=0.2)
    bal = balance_table(X, treated, names=NAMES, weights=m.weights, binary=BINARY,
                        sd_denom=denom)
    assert [res.balance["matching"][n] for n in NAMES] == pytest.approx(list(bal.smd_after))
    assert [res.balance["before"][n] for n in NAMES] == pytest.approx(list(bal.smd_before))
    assert res.conventions.balance_sd == denom
    note = adjusted_balance_table(res).footnotes[0]
    want = ("standard deviation of the treated group (Tmab/Pmab) before adjustment"
            if denom == "treated" else "pooled standard deviation of the two groups")
    assert want in note


def test_default_is_the_estimands_denominator():
    assert protocol_with().analyses.adjusted.balance_sd == "estimand"


def test_unknown_setting_is_refused():
    with pytest.raises(ProtocolError, match="balance_sd"):
        protocol_with(balance_sd="reference")
