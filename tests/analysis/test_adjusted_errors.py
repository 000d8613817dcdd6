"""[analyses.adjusted]: protocol and data errors name the key, column, patients and a fix;
the coding options (missing values, scale, reference) do what docs/protocol.md says."""

import numpy as np
import pytest
from adjusted_helpers import COVARIATES, dataset, protocol_with, run

from retrostudy.analysis import run_analyses
from retrostudy.errors import DataError, ProtocolError


def test_unknown_covariate():
    with pytest.raises(ProtocolError, match=r"no column 'agee'") as err:
        run(covariates=["agee"])
    assert "analyses.adjusted.covariates[0]" in str(err.value)


def test_more_than_two_groups():
    d = dataset()
    d.loc[:4, "group"] = "Other"
    with pytest.raises(ProtocolError, match=r"exactly two groups.*has 3"):
        run_analyses(protocol_with(), d)


@pytest.mark.parametrize("trim", [[0.9, 0.1], [-0.1, 0.9], [0.1, 1.5]])
def test_bad_trim(trim):
    with pytest.raises(ProtocolError, match=r"analyses\.adjusted\.trim.*0 <= low < high <= 1"):
        protocol_with(trim=trim)


def test_unknown_key_and_duplicates():
    with pytest.raises(ProtocolError, match=r"unknown key 'calliper'"):
        protocol_with(calliper=0.1)
    with pytest.raises(ProtocolError, match=r"covariates lists \['age'\] more than once"):
        protocol_with(covariates=["age", "age"])
    with pytest.raises(ProtocolError, match=r"'group' is the treatment"):
        protocol_with(covariates=["group"])
    with pytest.raises(ProtocolError, match=r"analyses\.adjusted\.methods"):
        protocol_with(methods=["iptw", "stratification"])


def test_unknown_endpoint():
    with pytest.raises(ProtocolError, match=r"endpoint\(s\) 'os' .*no \[\[analyses.survival\]\]"):
        run(endpoints=["os"])


def test_missing_value_is_an_error_naming_the_patient():
    with pytest.raises(DataError, match=r"'de_novo' .* missing for 1 patient\(s\): P007") as err:
        run(missing="error")
    assert 'missing = "complete_case"' in str(err.value)


def test_complete_case_counts():
    res = run(missing="complete_case").adjusted
    assert res.design.X.shape[0] == 41
    assert sum(res.design.excluded.values()) == 1
    assert res.to_json()["missing"]["counts"] == {"de_novo": 1}


def test_missing_indicator_keeps_everyone():
    res = run(missing="indicator").adjusted
    d = res.design
    assert d.X.shape[0] == 42
    assert d.names[-2:] == ("de_novo", "de_novo:missing")
    miss = d.X[:, d.names.index("de_novo:missing")]
    assert miss.sum() == 1 and d.X[miss == 1, d.names.index("de_novo")][0] == 0.0


def test_constant_and_bad_reference():
    d = dataset()
    d["sex"] = "female"
    res = run_analyses(protocol_with(covariates=["age", "sex"]), d).adjusted
    assert res.design.names == ("age",) and res.design.constant == {"sex": "female"}
    assert res.ps_fit.constant_covariates_left_out == {"sex": "female"}
    assert any("'sex' has one value (female)" in w and "left out" in w for w in res.warnings)
    with pytest.raises(ProtocolError, match=r"every covariate .* one value .*: sex \(female\)"):
        run_analyses(protocol_with(covariates=["sex"]), d)
    with pytest.raises(ProtocolError, match=r"reference 'unknown' is not a value of 'hr_status'"):
        run(covariates=[{"name": "hr_status", "reference": "unknown"}])


def test_binary_kind_rejects_other_values():
    with pytest.raises(DataError, match=r"'ecog' is binary but holds 2"):
        run(covariates=[{"name": "ecog", "kind": "binary"}])


def test_categorical_coding_reference_and_scale():
    res = run(
        covariates=[
            {"name": "ecog", "kind": "categorical", "reference": 1},
            {"name": "age", "scale": 10},
        ],
        missing="error",
    ).adjusted
    d = dataset()
    assert res.design.names == ("ecog=0", "ecog=2", "age")
    np.testing.assert_array_equal(res.design.X[:, 0], (d["ecog"] == 0).astype(float))
    np.testing.assert_array_equal(res.design.X[:, 2], d["age"] / 10)
    assert res.design.references == {"ecog": "1"}


def test_separation_is_flagged_and_firth_used():
    """ECOG and visceral together separate the groups of seed_like.csv (R: SEs in the
    thousands); the result says so instead of printing meaningless odds ratios."""
    res = run(covariates=[*COVARIATES, "visceral"]).adjusted
    assert res.flags.separation is True
    assert res.ps_fit.method == "firth" and res.flags.firth is True
    assert any("separation" in w and "Firth" in w for w in res.warnings)


def test_small_sample_warnings_on_the_test_study():
    res = run().adjusted
    assert res.flags.patients_per_term == pytest.approx(17 / 5) or res.flags.patients_per_term == \
        pytest.approx(18 / 5)
    assert any("per term" in w for w in res.warnings)


def test_aliased_propensity_column_left_out_as_r_glm_gives_it_na():
    """R's glm gives a column equal to an earlier one an NA coefficient and fits the rest;
    the adjusted comparison's design leaves it out (analysis.adjusted_design._aliased), and
    the propensity model on the rest equals R's coefficients and fitted values."""
    import json
    from pathlib import Path

    from retrostudy.analysis.adjusted_design import _aliased
    from retrostudy.stats import logistic_regression

    ref = Path(__file__).parents[1] / "reference" / "degenerate.json"
    r = json.loads(ref.read_text(encoding="utf-8"))["glm_aliased"]  # tests/reference/degenerate.R
    X = np.column_stack([r["a"], r["b"], r["x"]]).astype(float)
    dropped = _aliased(X)
    assert [("a", "b", "x")[j] for j in dropped] == [r["aliased"]] == ["b"]
    keep = [j for j in range(3) if j not in dropped]
    fit = logistic_regression(X[:, keep], np.asarray(r["y"], float), names=["a", "x"])
    expected = [c for c in r["coef"] if c is not None]
    np.testing.assert_allclose(fit.coef, expected, rtol=1e-8)
    np.testing.assert_allclose(fit.fitted, r["fitted"], rtol=1e-8)


def test_aliased_covariate_is_left_out_with_a_warning():
    """On the study data: a covariate equal to an earlier one (no variation left) is left
    out of the propensity model with a warning, not a stop; the scores are the same as
    without it (R: NA coefficient, same fitted values)."""
    d = dataset()
    d["de_novo_copy"] = d["de_novo"]
    with_copy = run_analyses(protocol_with(covariates=[*COVARIATES, "de_novo_copy"]), d).adjusted
    without = run_analyses(protocol_with(), d).adjusted
    assert with_copy.design.aliased == ("de_novo_copy",)
    assert with_copy.ps_fit.aliased_columns_left_out == ("de_novo_copy",)
    assert any("'de_novo_copy' is a linear combination" in w for w in with_copy.warnings)
    np.testing.assert_allclose(with_copy.ps, without.ps, rtol=1e-12)


def test_infinite_estimates_print_ne_not_inf_or_an_overflow():
    """One patient per group: an SMD has no variance (inf) and the propensity model separates
    (odds ratio beyond float range); both print as NE (the degenerate-study property test
    found both: 'inf' in the balance table, OverflowError in math.exp)."""
    import math
    from types import SimpleNamespace

    from retrostudy.analysis.adjusted import _ps_terms
    from retrostudy.report.tables.adjusted import _smd

    assert _smd(math.inf, 0.1) == _smd(-math.inf, 0.1) == _smd(math.nan, 0.1) == "NE"
    assert _smd(-0.25, 0.1) == "0.250*"
    fit = SimpleNamespace(names=("(Intercept)", "x"), coef=np.array([0.0, 900.0]),
                          std_err=np.array([1.0, 50.0]))
    x = _ps_terms(fit, ("x",), 0.95)[1]
    assert x.odds_ratio == math.inf and x.conf_high == math.inf
