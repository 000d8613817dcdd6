"""Every p value names its test, one test per comparison, and a CI and the p beside it come
from one method: on a synthetic study that is not the example (tests/report/
test_minimal_protocol.py builds it), with Table 2, the response sensitivity table and the
propensity-score (IPTW) comparison.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from scipy.stats import norm
from test_minimal_protocol import _study

SUPERSCRIPTS = "\u1d43\u1d47\u1d9c\u1d48\u1d49\u1da0\u1d4d\u02b0"
RESPONSE = """[analyses.response]
rates = [
  { name = "response", label = "Objective response", test = "chisq" },
  { name = "disease_control", label = "Disease control" },
]
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from retrostudy.pipeline import run_study

    folder = tmp_path_factory.mktemp("ptests")
    path = _study(folder, RESPONSE)
    text = path.read_text(encoding="utf-8")
    text = text.replace('endpoints = ["pfs", "ttp"]   # at least one list is required',
                        'endpoints = ["pfs", "ttp"]\nresponse = ["bor", "bor_confirmed"]')
    text = text.replace('[analyses.adjusted]\ncovariates = ["age"]',
                        '[analyses.adjusted]\ncovariates = ["age", "ecog_1plus"]\n'
                        'missing = "indicator"\nmethods = ["iptw"]')
    text += '\n[endpoints.bor_confirmed]\nkind = "bor"\nconfirmation = true\n'
    path.write_text(text, encoding="utf-8")
    res = run_study(path, out=folder / "out", )
    return res, folder / "out"


def _marked(text: str) -> bool:
    return bool(text) and text[-1] in SUPERSCRIPTS


def _footnote_of(table, mark: str) -> str:
    return next(f for f in table.footnotes if f.startswith(mark))


def test_one_test_for_the_same_response_comparison(study):
    """Table 2's objective response (test = "chisq") and the sensitivity table's objective
    response on the same BOR column are one comparison: one test, one p."""
    res, _ = study
    t2 = next(r for r in res.analyses.response.to_json()["rates"] if r["name"] == "response")
    sens = res.analyses.secondary.sensitivity.response[0]
    assert sens.column == "bor"
    m = sens.measures["objective_response"]
    assert (m.test, m.p_value) == ("chisq", pytest.approx(t2["p_value"], rel=1e-12))
    # the confirmed definition is compared with the same test
    assert res.analyses.secondary.sensitivity.response[1].measures[
        "objective_response"].test == "chisq"


@pytest.mark.parametrize("key", ["table2_response", "sensitivity_response", "adjusted_pfs"])
def test_every_printed_p_carries_a_mark_whose_footnote_names_the_test(study, key):
    from retrostudy.report.pvalues import TEST_NAMES

    res, out = study
    table = res.tables[key]
    p_columns = [i for i, c in enumerate(table.columns) if "p value" in c]
    assert p_columns
    names = {n.lower() for n in TEST_NAMES.values()}
    seen = 0
    for row in table.rows:
        for i in p_columns:
            text = row.cells[i].text
            if text in ("", "NE"):
                continue
            assert _marked(text), (key, row.label, text)
            note = _footnote_of(table, text[-1])
            assert note[2:].rstrip(".").lower() in names
            seen += 1
    assert seen
    csv = (out / "tables" / f"{key}.csv").read_text(encoding="utf-8")
    assert all(f in csv for f in table.footnotes if f[0] in SUPERSCRIPTS)


def test_iptw_p_beside_the_robust_ci_is_the_robust_wald_p(study):
    """The p printed next to the IPTW hazard ratio is the Wald p of the CI's own (robust)
    SE, rebuilt here from the printed CI: z = log HR / ((log high - log low) / 2 z_0.975)."""
    res, _ = study
    comp = next(c for c in res.analyses.adjusted.comparisons if c.method == "iptw")
    hr = comp.hazard_ratio
    assert hr.test == "robust_wald"
    se = (math.log(hr.conf_high) - math.log(hr.conf_low)) / (2 * norm.ppf(0.975))
    wald_p = 2 * norm.sf(abs(math.log(hr.hazard_ratio)) / se)
    assert hr.p_value == pytest.approx(wald_p, rel=1e-9)
    row = next(r for r in res.tables["adjusted_pfs"].rows if r.label.startswith("IPTW"))
    cols = res.tables["adjusted_pfs"].columns
    printed = row.cells[cols.index("HR p value")].text
    digits = res.protocol.report.p_digits
    from retrostudy.report import fmt

    assert printed[:-1] == fmt.p_value(wald_p, digits)
    assert "robust sandwich" in _footnote_of(res.tables["adjusted_pfs"], printed[-1])
    score = row.cells[cols.index("Group test p value")].text
    assert "robust score" in _footnote_of(res.tables["adjusted_pfs"], score[-1]).lower()


def test_every_p_value_in_results_json_names_its_test(study):
    from retrostudy.report.pvalues import TEST_NAMES

    _, out = study
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    missing = []

    def walk(node, path):
        if isinstance(node, dict):
            for k in node:
                if k.endswith("p_value") and node[k] is not None:
                    test = node.get("test") if k == "p_value" else node.get(
                        k.replace("p_value", "test"))
                    if test not in TEST_NAMES:
                        missing.append(f"{path}.{k}")
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    walk(saved["analyses"], "analyses")
    assert not missing, missing[:10]


def test_methods_lists_the_tests_from_the_results(study):
    from retrostudy.report.pvalues import tests_used

    res, out = study
    html = (out / "report.html").read_text(encoding="utf-8") if (out / "report.html").exists() \
        else None
    used = tests_used(res.analyses.to_json())
    assert "Pearson's chi-square test without continuity correction" in used
    assert "Wald test of the Cox coefficient (robust sandwich variance)" in used
    assert "robust score test (weighted log-rank)" in used
    assert "likelihood-ratio test of the Cox model" not in used  # not printed anywhere
    from retrostudy.report.sections import _methods

    class Ctx:
        analyses = res.analyses
        quality = None  # a study read from an analysis table: no receptor sentence

    text = " ".join(p.text for p in _methods(Ctx()))
    assert all(name in text for name in used)
    assert res.analyses.followup.method in text
    assert html is None or re.search("Tests behind the p values", html)
