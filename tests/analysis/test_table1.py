"""Table 1: the default-test rule, overrides, missing rows, and p values checked independently.

Independent checks: scipy's chi-square/Fisher/Mann-Whitney on the same counts, and the seed
paper's own printed p values where the hand-built table reproduces its counts exactly
(ECOG PS 0.3971 by chi-square; hormone-receptor chi-square 0.212, which the paper misprints
as 0.4740 -- see issue 7).
"""

import numpy as np
import pytest
from scipy import stats as ss

from retrostudy.analysis.table1 import choose_test, describe
from retrostudy.protocol.analyses import Table1Variable
from retrostudy.report.tables.table1 import _text


def _row(analyses, name):
    return next(t for t in analyses.table1.to_json() if t["variable"] == name)


def test_ecog_chisq_matches_scipy_and_the_seed(analyses):
    ecog = _row(analyses, "ecog")
    table = np.array([ecog["counts"]["Tmab/Pmab"], ecog["counts"]["Tmab"]]).T
    assert table.tolist() == [[13, 13], [5, 10], [0, 1]]  # seed Table 1
    expected = ss.chi2_contingency(table, correction=False).pvalue
    assert ecog["test"] == "chisq"
    assert ecog["p_value"] == pytest.approx(expected, rel=1e-10)
    assert f"{ecog['p_value']:.4f}" == "0.3971"  # as printed in the seed


def test_hormone_receptor_chisq_is_0212_not_the_printed_04740(analyses):
    hr = _row(analyses, "hr_status")
    table = np.array([[11, 10], [7, 14]])
    assert np.array([hr["counts"]["Tmab/Pmab"], hr["counts"]["Tmab"]]).T.tolist() == table.tolist()
    assert hr["p_value"] == pytest.approx(
        ss.chi2_contingency(table, correction=False).pvalue, rel=1e-10
    )
    assert f"{hr['p_value']:.3f}" == "0.212"


def test_default_rule_picks_fisher_when_an_expected_count_is_below_5(analyses):
    visceral = _row(analyses, "visceral")  # no override in the test protocol
    table = np.array([[13, 18], [5, 6]])  # expected non-visceral count in Tmab/Pmab: 11*18/42 = 4.7
    assert visceral["test"] == "fisher"
    assert visceral["p_value"] == pytest.approx(ss.fisher_exact(table).pvalue, rel=1e-8)


def test_wilcoxon_for_two_groups_matches_r_convention(analyses, dataset):
    age = _row(analyses, "age")
    x = dataset.loc[dataset.group == "Tmab/Pmab", "age"].to_numpy(float)
    y = dataset.loc[dataset.group == "Tmab", "age"].to_numpy(float)
    ties = len(np.unique(np.concatenate([x, y]))) < len(x) + len(y)
    # R wilcox.test: exact null without ties (n < 50), else normal with continuity correction
    method = "asymptotic" if ties else "exact"
    expected = ss.mannwhitneyu(x, y, method=method, use_continuity=True).pvalue
    assert age["test"] == "wilcoxon"
    assert age["p_value"] == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    ("kind", "n_groups", "table", "yates", "expected"),
    [
        ("continuous", 2, None, False, "wilcoxon"),
        ("continuous", 3, None, False, "kruskal"),
        ("categorical", 2, [[10, 10], [10, 10]], False, "chisq"),
        ("categorical", 2, [[10, 10], [10, 10]], True, "chisq_yates"),
        ("categorical", 2, [[1, 10], [10, 10]], False, "fisher"),
    ],
)
def test_choose_test_follows_gtsummary(kind, n_groups, table, yates, expected):
    var = Table1Variable(name="x", kind=kind)
    arr = None if table is None else np.array(table, float)
    assert choose_test(var, n_groups, arr, yates) == expected


def test_override_wins_over_the_rule():
    var = Table1Variable(name="x", kind="categorical", test="chisq")
    assert choose_test(var, 2, np.array([[1.0, 10.0], [10.0, 10.0]])) == "chisq"


def test_missing_is_a_row_and_percentages_exclude_it(tables, analyses):
    body = tables["table1"].body()
    labels = [r[0].strip() for r in body]
    i = labels.index("De novo stage IV")
    assert body[i + 1][0].strip() == "Missing" and body[i + 1][1:3] == ["1", "0"]
    counts = _row(analyses, "de_novo")["counts"]["Tmab/Pmab"]  # [yes, no]
    assert sum(counts) == 17  # 18 patients, 1 missing
    assert body[i][1] == f"{counts[0]} ({100 * counts[0] / 17:.0f})"


def test_among_rows_summarise_the_exposed_only(tables, analyses, dataset):
    body = tables["table1"].body()
    row = next(r for r in body if r[0].strip() == "Duration (months)")
    exposed = dataset[(dataset.group == "Tmab") & dataset.ever_lapatinib]
    months = exposed.duration_lapatinib_days.to_numpy(float) / 30.4375
    assert row[1] == ""  # nobody exposed in Tmab/Pmab (as in the seed)
    assert row[2] == f"{np.median(months):.1f} ({months.min():.1f}\u2013{months.max():.1f})"


def test_tests_are_footnoted(tables, analyses):
    notes = "\n".join(tables["table1"].footnotes)
    for name in (
        "Wilcoxon rank-sum test",
        "Pearson's chi-square test without continuity correction",
        "Fisher's exact test",
    ):
        assert name in notes


def test_iqr_uses_r_type_2_quartiles():
    # R quantile(1:4, c(.25, .75), type = 2) = 1.5, 3.5 (numpy's default type 7 gives 1.75, 3.25)
    s = describe(np.array([1.0, 2.0, 3.0, 4.0]))
    assert (s.q1, s.q3) == (1.5, 3.5)
    assert _text(s, "median_iqr", 2) == "2.50 (1.50\u20133.50)"


def test_smd_and_overall_columns(protocol, dataset):
    from retrostudy.report.tables.table1 import table1
    from retrostudy.stats import smd, smd_table

    block = protocol.analyses.model_copy(update={"smd": True, "overall": True})
    table, _ = table1(dataset, ["Tmab/Pmab", "Tmab"], block, header=["A", "B"])
    assert table.columns == ("A", "B", "Overall", "SMD", "p value")
    body = {r[0].strip(): r for r in table.body()}
    x = dataset.loc[dataset.group == "Tmab/Pmab", "age"].to_numpy(float)
    y = dataset.loc[dataset.group == "Tmab", "age"].to_numpy(float)
    assert body["Age"][4] == f"{abs(smd(x, y).estimate):.2f}"
    both = np.concatenate([x, y])
    assert body["Age"][3] == f"{np.median(both):.0f} ({both.min():.0f}\u2013{both.max():.0f})"
    assert body["ECOG PS"][4] == f"{smd_table([[13, 5, 0], [13, 10, 1]]).estimate:.2f}"
    assert body["0"][3] == "26 (62)"  # 13 + 13 of 42


def test_ezr_profile_turns_on_yates_for_the_default_rule(protocol):
    from retrostudy.analysis import conventions

    ezr = protocol.analyses.model_copy(update={"profile": "ezr"})
    conv = conventions(ezr)
    assert (conv.conf_type, conv.ties, conv.chisq_correct) == ("log-log", "breslow", True)
