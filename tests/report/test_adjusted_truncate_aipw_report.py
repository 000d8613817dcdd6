"""The report prints weight truncation (Methods sentence, balance-table row) and the AIPW
estimand beside the weights' one (Methods, table), from the result objects (the analysis
test study, not T-DM1)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "analysis"))
from adjusted_helpers import protocol_with  # noqa: E402


def _html(tmp_path, **adjusted) -> tuple[object, str]:
    from retrostudy.pipeline import run_study

    study = run_study(protocol_with(**adjusted), out=tmp_path)
    return study, (tmp_path / "supplement.html").read_text(encoding="utf-8")


def test_truncation_in_methods_and_balance_table(tmp_path):
    study, html = _html(tmp_path, truncate=0.95, methods=["iptw"])
    cap = study.analyses.adjusted.conventions.truncation.cap
    assert f"Weights above their 0.95 quantile (type 7, over the patients kept; cap {cap:.3g})" \
        in html
    assert "Truncated (weight capped)" in html


def test_aipw_estimand_stated_when_the_weights_target_the_att(tmp_path):
    study, html = _html(tmp_path, estimand="ATT", aipw=True, bootstrap=20, methods=["iptw"],
                        covariates=["age", "ecog"])
    (r,) = study.analyses.result("adjusted_bootstrap")[:1]
    assert r.aipw_estimand == "ATE"
    assert r.methods_notes()[0].replace("'", "&#39;") in html
    assert "Doubly robust (AIPW, ATE)" in html
