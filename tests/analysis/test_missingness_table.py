"""The missingness table of the Table-1 / adjustment covariates by group: its numbers are
stats.missingness_table's, on the hand-built table with values blanked (not the example)."""

import numpy as np

from retrostudy.analysis import run_analyses
from retrostudy.report.tables import analysis_tables
from retrostudy.stats import missingness_table


def test_missingness_by_group_equals_stats(protocol, dataset):
    data = dataset.copy()
    rng = np.random.default_rng(4)
    for col, k in (("age", 5), ("ecog", 3), ("hr_status", 7)):
        data.loc[rng.choice(len(data), k, replace=False), col] = None
    res = run_analyses(protocol, data)
    m = res.result("missingness")
    covs = list(m.table.covariates)
    assert covs[:2] == ["age", "ecog"] and "hr_status" in covs
    # the "among" rows (duration given only for the exposed) are not listed
    assert not any(c.startswith("duration_") for c in covs)
    groups = list(res.groups)
    want = missingness_table({c: data[c].to_numpy(object) for c in [*covs, "group"]}, covs,
                             group="group", group_order=groups)
    assert m.table == want
    assert m.table.cell("age", None).n_missing == 5
    js = m.to_json()
    age = next(c for c in js["covariates"] if c["covariate"] == "age")
    assert age["overall"]["n_missing"] == 5 and "table1" in age["used_in"]
    hr = next(c for c in js["covariates"] if c["covariate"] == "hr_status")
    assert any(u.startswith("survival:") for u in hr["used_in"])
    table = analysis_tables(res)["missingness"]
    row = next(r for r in table.rows if r.label == res.var_labels.get("age", "age"))
    g0 = want.cell("age", groups[0])
    assert row.cells[0].text == f"{g0.n_missing} ({g0.percent_missing:.1f}%)"
    assert row.cells[-1].text == "5 (11.9%)"  # 5 of 42
    assert js["complete_cases"] == {**{g: want.complete_cases[g] for g in groups},
                                    "overall": want.complete_cases[None]}
    assert table.row_total == (len(groups), tuple(range(len(groups))))
