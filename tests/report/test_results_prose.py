"""The main document's Results sentences quote the numbers of the tables they describe.

Studies that are not the T-DM1 example: the pd1 example (records, flow, two groups,
response), and small synthetic analysis tables written here (one group without a response
endpoint and with a median not reached; two groups under small-cell suppression). Each
number of a Results sentence is found, by an independent parse of the HTML, in the cell of
results.json that shows the same quantity; a masked count never reappears in the prose.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PD1 = ROOT / "examples" / "pd1_after_platinum_nsclc" / "study.toml"


def _results_text(folder: Path) -> str:
    page = (folder / "report.html").read_text(encoding="utf-8")
    section = re.search(r'<section id="results">(.*?)</section>', page, re.S).group(1)
    paras = re.findall(r'<p class="text">(.*?)</p>', section, re.S)
    return "\n".join(htmllib.unescape(p) for p in paras)


def _run(protocol, out: Path, threshold: int = 0) -> tuple[str, dict]:
    from retrostudy.pipeline import run_study

    rep = protocol.report
    supp = rep.suppression.model_copy(update={"threshold": threshold})
    report = rep.model_copy(update={"outputs": ["html", "json"], "suppression": supp})
    run_study(protocol.model_copy(update={"report": report}), out=out)
    return _results_text(out), json.loads((out / "results.json").read_text(encoding="utf-8"))


def _row(table: dict, label: str) -> dict[str, str]:
    head = table["columns"]
    for r in table["rows"]:
        if r[0].strip() == label:
            return dict(zip(head, r, strict=True))
    raise AssertionError(f"no row {label!r} in {table['title']}")


def _col(row: dict[str, str], starts: str) -> str:
    return next(v for k, v in row.items() if k.startswith(starts))


MEDIAN = re.compile(r"(not reached|\S+ months) \(95% CI (\S+)\) in (.+?) "
                    r"\((\S+) events among (\S+) patients\)")


def _check_medians(text: str, res: dict, endpoint: str) -> int:
    table = res["tables"][f"survival_{endpoint}"]
    label = table["title"].removesuffix(" by group").lower()
    found = 0
    para = "\n".join(p for p in text.split("\n") if p.lower().startswith(f"the median {label} "))
    for m in MEDIAN.finditer(para):
        est, ci, group, events, n = m.groups()
        row = _row(table, group)
        est = "NE" if est == "not reached" else est.removesuffix(" months")
        assert _col(row, "Median") == f"{est} ({ci})", m.group(0)
        assert row["Events"] == events and row["Patients"] == n, m.group(0)
        found += 1
    return found


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def _shown_numbers(res: dict) -> set[str]:
    """Every number results.json shows in a table (cells, headers, labels, notes) or the flow."""
    out: set[str] = set()
    for t in res["tables"].values():
        cells = [c for r in t["rows"] for c in r]
        for line in [t["title"], *t["columns"], *t["footnotes"], *cells]:
            out |= _numbers(line)
    if res.get("flow"):
        out |= _numbers(json.dumps(res["flow"]))
    return out | {"95", "0.05"}  # the confidence level and its two-sided alpha


@pytest.fixture(scope="module")
def pd1(tmp_path_factory):
    from retrostudy.protocol import load_protocol

    return _run(load_protocol(PD1), tmp_path_factory.mktemp("pd1"))


def test_pd1_results_numbers_are_the_cells(pd1):
    text, res = pd1
    flow = res["flow"]
    assert f"Of {flow['n_identified']} patients identified" in text
    assert f"{flow['n_analysed']} were analysed (Fig. 1)" in text
    excluded = flow["n_identified"] - flow["n_analysed"]
    assert f"{excluded} were excluded" in text
    for step in flow["exclusions"]:
        if step["n_excluded"]:
            assert f", {step['n_excluded']}" in text
    endpoints = [k.removeprefix("survival_") for k in res["tables"] if k.startswith("survival_")]
    assert sum(_check_medians(text, res, ep) for ep in endpoints) >= 2
    for ep in endpoints:  # the log-rank p as the survival table's footnote prints it
        note = next(f for f in res["tables"][f"survival_{ep}"]["footnotes"]
                    if f.startswith("Log-rank test "))
        label = res["tables"][f"survival_{ep}"]["title"].removesuffix(" by group").lower()
        para = next(p for p in text.split("\n") if p.lower().startswith(f"the median {label} "))
        assert f"(log-rank test {note.removeprefix('Log-rank test ').rstrip('.')}" in para
    # the hazard ratio sentence: the group row of the Cox table
    hr = re.search(r"hazard ratio for .*? \(Cox model\) of (.+?) vs (.+?) was (\S+) "
                   r"\(95% CI (\S+); Wald p = ([\d.<]+)\)", text)
    assert hr, text
    cox = next(t for k, t in res["tables"].items() if k.startswith("cox_"))
    row = _row(cox, hr.group(1))
    assert row["Unadjusted HR (95% CI)"] == f"{hr.group(3)} ({hr.group(4)})"
    cells = next(r for r in cox["rows"] if r[0].strip() == hr.group(1))
    assert cells[cox["columns"].index("Unadjusted HR (95% CI)") + 1] == hr.group(5)
    # response rates: "n (pct%) in <group>" for every group of each rate row
    resp = res["tables"].get("table2_response")
    if resp is not None:
        groups = [c.split(" (n = ")[0] for c in resp["columns"][1:-1]]
        for r in resp["rows"]:
            if not r[0].endswith("rate, n (%)"):
                continue
            sentence = next(s for s in text.split("\n") if r[0].split(",")[0].lower() in s.lower())
            for g, cell in zip(groups, r[1:-1], strict=True):
                n, pct = re.match(r"(\d+) \(([\d.]+)\)", cell).groups()
                assert f"{n} ({pct}%) in {g}" in sentence, (sentence, cell)
    # and no number in the prose that no table or the flow shows
    assert _numbers(text) <= _shown_numbers(res), _numbers(text) - _shown_numbers(res)


def _synthetic(folder: Path, groups: list[str], n: int, seed: int, response: bool) -> Path:
    """A small analysis-table study (not the example), written to ``folder``."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        g = groups[i % len(groups)]
        event = int(rng.random() < (0.3 if g == groups[0] else 0.8))
        bor = str(rng.choice(["PR", "SD", "PD"]))
        rows.append({"patient_id": f"S{i:03d}", "group": g, "index_date": "2020-01-01",
                     "age": int(rng.integers(40, 80)), "pfs_days": int(rng.integers(20, 900)),
                     "pfs_event": event,
                     **({"bor": bor, "response": bor == "PR"} if response else {})})
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "data.csv", index=False)
    groups_toml = "".join(f'[[groups.group]]\nname = "{g}"\n' for g in groups)
    resp = ('[analyses.response]\ncolumn = "bor"\n'
            'categories = [{ value = "PR" }, { value = "SD" }, { value = "PD" }]\n'
            'rates = [{ name = "response", label = "Tumour response rate", test = "fisher" }]\n'
            if response else "")
    (folder / "study.toml").write_text(
        '[study]\ntitle = "Synthetic prose study"\n[analysis_table]\nfile = "data.csv"\n'
        + groups_toml + '[analyses]\n[[analyses.table1]]\nname = "age"\nlabel = "Age"\n'
        'kind = "continuous"\n[[analyses.survival]]\nendpoint = "pfs"\n'
        'label = "Progression-free survival"\n' + resp, encoding="utf-8")
    return folder / "study.toml"


def test_without_response_endpoint_or_flow(tmp_path):
    """An analysis table without a response endpoint: no response
    sentence, the medians and the hazard ratio still quote their cells. (A single-group
    study is refused before the report: retrostudy.analysis.checks.check_groups.)"""
    from retrostudy.protocol import load_protocol

    path = _synthetic(tmp_path / "two", ["A", "B"], 30, seed=3, response=False)
    text, res = _run(load_protocol(path), tmp_path / "out")
    assert "response rate" not in text and "Table 2" not in text
    assert _check_medians(text, res, "pfs") == 2
    assert "log-rank test p = " in text and "hazard ratio" in text
    assert _numbers(text) <= _shown_numbers(res), _numbers(text) - _shown_numbers(res)


def test_a_median_not_reached_is_written_so(tmp_path):
    """Few events in the first group: its median is NE in the table, "not reached" in words."""
    from retrostudy.protocol import load_protocol

    path = _synthetic(tmp_path / "nr", ["Low", "High"], 40, seed=5, response=True)
    text, res = _run(load_protocol(path), tmp_path / "out")
    assert _col(_row(res["tables"]["survival_pfs"], "Low"), "Median").startswith("NE")
    assert re.search(r"not reached \(95% CI \S+\) in Low", text), text
    assert _check_medians(text, res, "pfs") == 2
    assert _numbers(text) <= _shown_numbers(res)


def test_suppressed_counts_stay_masked_in_the_prose(tmp_path):
    """Under small-cell suppression the sentences print the masked text of the cell, and
    none of the counts masked in the tables or the flow."""
    from retrostudy.protocol import load_protocol

    protocol = load_protocol(PD1)
    _, truth = _run(protocol, tmp_path / "truth")
    text, shown = _run(protocol, tmp_path / "shown", threshold=11)
    assert "<11" in text  # something the prose quotes is masked
    masked = set()
    for key, t in shown["tables"].items():
        if key not in truth["tables"]:
            continue
        for r_s, r_t in zip(t["rows"], truth["tables"][key]["rows"], strict=True):
            for c_s, c_t in zip(r_s, r_t, strict=True):
                if c_s.startswith("<11") and c_s != c_t:
                    masked |= {m for m in re.findall(r"^\d+", c_t)}
    assert masked, "nothing masked: the test would prove nothing"
    assert _check_medians(text, shown, next(k.removeprefix("survival_")
                                              for k in shown["tables"]
                                              if k.startswith("survival_"))) >= 1
    # every number the prose prints is shown by a (masked) table or the (masked) flow
    assert _numbers(text) <= _shown_numbers(shown), _numbers(text) - _shown_numbers(shown)
    for step in shown["flow"]["exclusions"]:  # a masked flow count is masked in words too
        if isinstance(step["n_excluded"], str):
            assert f", {step['n_excluded']}" in text


def test_the_protocol_chooses_the_main_exhibits(tmp_path):
    """``[report] main`` = KM figure then Table 1: the main document shows those two, in
    that order; the flow chart, the hazard ratios and Table 2 move to the supplement."""
    from retrostudy.protocol import load_protocol

    protocol = load_protocol(_synthetic(tmp_path / "s", ["A", "B"], 40, seed=5, response=True))
    report = protocol.report.model_copy(update={"main": ["km", "table1"]})
    text, _ = _run(protocol.model_copy(update={"report": report}), tmp_path / "out")
    assert "Fig. 1" not in text and "Table 2" not in text  # the prose names main exhibits only
    main = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    supp = (tmp_path / "out" / "supplement.html").read_text(encoding="utf-8")
    shown = re.findall(r'alt="(Fig\. [^"]*)"|<caption>(.*?)</caption>', main)
    assert [a or b for a, b in shown] == ["Fig. 2. Progression-free survival",
                                          "Table 1. Patient characteristics"]
    for title in ("Fig. 1. Patient flow", "Table 2. Best response", "Hazard ratios for"):
        assert title in supp and title not in main, title
