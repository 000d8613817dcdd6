"""Small-cell suppression: primary masking and secondary masking so nothing is recoverable."""

import json

import pytest

from retrostudy.report.flow import Flow, FlowStep
from retrostudy.report.masking import suppress_flow, suppress_table
from retrostudy.report.results_model import validate_results
from retrostudy.report.suppression import suppress_cells
from retrostudy.report.table import Cell, Row, Table


def _recoverable(counts, constraints, masked):
    """Cells a reader can compute: the only masked cell of a constraint whose total is shown."""
    return {k for c in constraints for k in c if k in masked and sum(x in masked for x in c) == 1}


def test_single_small_cell_gets_a_complement():
    counts = {"a": 3, "b": 20, "c": 12, "total": 35}
    constraints = [["a", "b", "c", "total"]]
    masked = suppress_cells(counts, constraints, threshold=5)
    assert masked == {"a", "c"}  # c: the smallest other cell
    assert not _recoverable(counts, constraints, masked)


def test_zero_is_not_masked_and_is_the_last_choice_as_complement():
    masked = suppress_cells({"a": 2, "b": 0, "c": 9}, [["a", "b", "c"]], threshold=5)
    assert masked == {"a", "c"}


def test_two_dimensional_constraints_iterate_until_safe():
    # rows r1, r2 (levels) x columns g1, g2, plus the overall column: both directions add up
    counts = {
        ("r1", "g1"): 2,
        ("r1", "g2"): 30,
        ("r1", "all"): 32,
        ("r2", "g1"): 16,
        ("r2", "g2"): 8,
        ("r2", "all"): 24,
    }
    constraints = [
        [("r1", "g1"), ("r2", "g1")],
        [("r1", "g2"), ("r2", "g2")],
        [("r1", "all"), ("r2", "all")],
        [("r1", "g1"), ("r1", "g2"), ("r1", "all")],
        [("r2", "g1"), ("r2", "g2"), ("r2", "all")],
    ]
    masked = suppress_cells(counts, constraints, threshold=5)
    assert ("r1", "g1") in masked
    assert not _recoverable(counts, constraints, masked)


def _table():
    def cells(*counts):
        return tuple(Cell(text=f"{n} (x)", count=n) for n in counts) + (Cell(text="0.5"),)

    rows = (
        Row(label="Level A", cells=cells(3, 10), block="v", indent=1),
        Row(label="Level B", cells=cells(15, 14), block="v", indent=1),
    )
    return Table(key="t", title="T", columns=("G1", "G2", "p"), rows=rows)


def test_table_masks_small_cell_and_its_complement_in_the_column():
    table, n = suppress_table(_table(), threshold=5, mask="<{threshold}")
    body = table.body()
    # 3 masked; 15 masked to protect it, marked as such (it is not a small count)
    assert body[0][1] == "<5" and body[1][1] == "\u2021"
    assert body[0][2] == "10 (x)" and body[1][2] == "14 (x)"
    assert body[0][3] == "0.5"  # p values are not counts
    assert n == 2
    assert table.footnotes[-1].startswith("<5: a count from 1 to 4")
    assert "\u2021: a count of any size" in table.footnotes[-1]


def test_rows_restating_a_masked_count_are_masked_too():
    rows = (
        Row(label="Rate", cells=(Cell(text="2 (11.1)", count=2), Cell(text="6 (25.0)", count=6))),
        Row(label="95% CI", cells=(Cell(text="1.4-34.7"), Cell(text="9.8-46.7")), derived=True),
    )
    table, _ = suppress_table(
        Table(key="t", title="T", columns=("A", "B"), rows=rows), 5, "<{threshold}"
    )
    assert table.body() == [["Rate", "<5", "6 (25.0)"], ["95% CI", "<5", "9.8-46.7"]]


def test_threshold_zero_is_off():
    table, n = suppress_table(_table(), threshold=0, mask="<{threshold}")
    assert n == 0 and table == _table()


def test_flow_exclusion_counts_are_protected():
    flow = Flow(
        source="s",
        n_identified=49,
        steps=(
            FlowStep(label="a", n_excluded=2, n_remaining=47),
            FlowStep(label="b", n_excluded=5, n_remaining=42),
        ),
        n_analysed=42,
        groups=(("A", 18), ("B", 24)),
    )
    hidden = suppress_flow(flow, threshold=5)
    assert "step:0" in hidden and len({"identified", "step:0", "remaining:0"} & hidden) >= 2


@pytest.fixture(scope="module")
def suppressed_run(study_path, tmp_path_factory):
    from retrostudy.pipeline import run_study
    from retrostudy.protocol import load_protocol

    protocol = load_protocol(study_path)
    report = protocol.report.model_copy(
        update={"suppression": protocol.report.suppression.model_copy(update={"threshold": 5})}
    )
    out = tmp_path_factory.mktemp("suppressed")
    return run_study(protocol.model_copy(update={"report": report}), out=out), out


def test_shared_outputs_carry_no_small_counts(suppressed_run):
    result, out = suppressed_run
    body = result.tables["table1"].body()
    ecog = [r for r in body if r[0].strip() in ("0", "1", "2")]
    assert ecog[1][1] == "5 (28)"  # 5 is not below the threshold
    # Tmab: 1 masked, and 10 (marked as a protecting mask) so 1 = 24 - 13 - 10 fails
    assert ecog[2][2] == "<5" and ecog[1][2] == "\u2021"
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["analyses"] is None and data["suppression"]["threshold"] == 5
    validate_results(data)  # masked counts ("<5", "\u2021") are documented strings
    assert data["suppression"]["cells_masked"] > 0
    assert "1 (4)" not in (out / "tables" / "table1.csv").read_text(encoding="utf-8")


# ---- issue 19: leaks of per-table suppression, closed by the run-wide pass ---------------


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """The T-DM1 example at thresholds 5 and 20, every output written."""
    from pathlib import Path

    from retrostudy.pipeline import run_study
    from retrostudy.protocol import load_protocol

    path = Path(__file__).parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"
    protocol = load_protocol(path)
    out = {}
    for t in (5, 20):
        supp = protocol.report.suppression.model_copy(update={"threshold": t})
        report = protocol.report.model_copy(update={"suppression": supp,
                                                    "outputs": ["html", "csv", "json"]})
        folder = tmp_path_factory.mktemp(f"t{t}")
        out[t] = (run_study(protocol.model_copy(update={"report": report}), out=folder), folder)
    return out


def _csv(folder, name):
    return (folder / "tables" / f"{name}.csv").read_text(encoding="utf-8")


def test_published_comparison_is_left_out(shared):
    result, folder = shared[5]
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert not (folder / "tables" / "published.csv").exists()
    assert "published" not in data["tables"] and data["published_comparison"] is None
    html = "".join((folder / f"{n}.html").read_text(encoding="utf-8")
                   for n in ("report", "supplement"))
    assert "Published vs reproduced" not in html and "discontinuation.toxicity.n" not in html


def test_totals_do_not_give_masked_cells_back(shared):
    result, folder = shared[5]
    body = result.tables["discontinuation"].body()
    tmab = [r[2] for r in body]  # Discontinued 22 = PD + toxicity + another tumour
    assert tmab[2:] == ["<5", "<5"] and tmab[1] == "\u2021"  # PD masked: 22 - 20 = 1 + 1
    t2 = {r[0]: r[1:] for r in result.tables["table2_response"].body()}
    rate, pr = t2["Tumour response rate, n (%)"][1], t2["Partial response, n (%)"][1]
    assert not (pr.startswith(("<", "\u2021")) and rate[0].isdigit())  # 6 (25.0) gave PR
    result20, folder20 = shared[20]
    texts = [_csv(folder20, k) for k in ("table1", "table2_response", "discontinuation")]
    assert all("(n = 18)" not in t and "(n = 24)" not in t for t in texts)
    flow = json.loads((folder20 / "results.json").read_text(encoding="utf-8"))["flow"]
    assert {g["name"]: g["n"] for g in flow["groups"]} == {"Tmab/Pmab": "<20",
                                                            "Tmab": "\u2021"}


def test_tables_do_not_give_each_other_away(shared):
    result, _ = shared[5]
    comp = {r[0].strip(): r for r in result.tables["competing_pfs"].body()}
    sens = result.tables["sensitivity"].body()
    # Tmab's one death without progression is masked; PD-only events 20 and PD-or-death
    # events 21 must not both be shown
    assert comp["Tmab"][2] in ("<5", "\u2021")
    shown = [r[2] for r in sens if r[0].strip() == "Tmab"]
    assert "20" not in shown[:1] or "21" not in shown[1:2]


def test_protecting_masks_are_marked_apart_from_small_counts(shared):
    result, folder = shared[5]
    body = result.tables["table1"].body()
    ecog1 = next(r for r in body if r[0].strip() == "1")
    assert ecog1[2] == "\u2021"  # holds 10: not "<5"
    notes = result.tables["table1"].footnotes
    assert any("\u2021: a count of any size" in n for n in notes)
    assert "\u2021" in _csv(folder, "table1")


def test_warnings_are_not_damaged(shared):
    for t, (result, _) in shared.items():
        text = " ".join(result.results["warnings"])
        for bad in ("<5-<5", "cause <5", "below <20", f"<{t} term"):
            assert bad not in text
        assert any("left out of this suppressed report" in w for w in result.results["warnings"])


def test_flow_notes_and_numbers_at_risk_follow_the_plan(shared):
    result, _ = shared[20]
    risk = result.results["numbers_at_risk"]["pfs"]["groups"]
    assert risk["Tmab/Pmab"][0] == "<20"  # the group size, masked like the header n
    assert result.results["flow"]["notes"] == []


def test_swimmer_plot_is_left_out_when_suppressing(shared):
    result, folder = shared[5]
    assert not any(k.endswith("_swimmer") for k in result.figures)


def test_two_small_counts_adding_up_to_their_minimum_get_a_complement():
    # discontinuation: 22 stopped = 20 progression + 1 toxicity + 1 other; two "<5" that
    # add up to 2 are both 1, so a shown count of the equation is masked too
    from retrostudy.report.suppression import Ledger, suppress_ledger

    ledger = Ledger(values={"pd": 20, "tox": 1, "other": 1, "stopped": 22})
    ledger.equation({"pd": 1, "tox": 1, "other": 1, "stopped": -1})
    primary, secondary = suppress_ledger(ledger, 5)
    assert primary == {"tox", "other"} and secondary == {"pd"}


def test_the_audit_finds_a_count_fixed_only_by_several_equations():
    # a + b, b + c and a + c shown: every equation has two masked counts, yet the three
    # together fix a, b and c; the exact audit masks one of the sums
    from retrostudy.report.suppression import Ledger, determined, suppress_ledger

    ledger = Ledger(values={"a": 2, "b": 7, "c": 9, "ab": 9, "bc": 16, "ac": 11})
    for x, y in (("a", "b"), ("b", "c"), ("a", "c")):
        ledger.equation({x: 1, y: 1, x + y: -1})
    assert determined(ledger.equations, {"a", "b", "c"}) == {"a", "b", "c"}
    primary, secondary = suppress_ledger(ledger, 5)
    assert primary == {"a"} and "b" in secondary
    assert not determined(ledger.equations, primary | secondary) & (primary | secondary)


def test_a_percentage_never_prints_a_masked_denominator():
    # "21 (87.5)" in a column of group A gives A's size 24: masked size, no percentage;
    # a percentage over a denominator printed nowhere goes when the column has a mask
    from retrostudy.report.masking import apply_table

    sizes = {"n:A": ("A", 24), "n:B": ("B", 30)}
    rows = (
        Row(label="Disease control", cells=(
            Cell(text="21 (87.5)", count=21, denominator=24),
            Cell(text="9 (30.0)", count=9, denominator=30))),
        Row(label="Evaluable rate", cells=(
            Cell(text="6 (30.0)", count=6, denominator=20),
            Cell(text="2 (7.1)", count=2, denominator=28))),
        Row(label="Other evaluable rate", cells=(
            Cell(text="8 (40.0)", count=8, denominator=20),
            Cell(text="12 (42.9)", count=12, denominator=28))),
    )
    table = Table(key="t", title="T", columns=("A", "B"), rows=rows)
    shown, _ = apply_table(table, {}, {("cell", "t", 1, 1)}, {"n:A"}, 5, "<{threshold}", sizes)
    # A: its size is masked, every percentage over it or over part of it goes; B: 9 of 30
    # stays, 12 of 28 (28 printed nowhere, 30 - 28 = the masked 2) loses its percentage
    assert shown.body() == [["Disease control", "21", "9 (30.0)"],
                            ["Evaluable rate", "6", "<5"],
                            ["Other evaluable rate", "8", "12"]]
    headed = Table(key="t", title="T", columns=("A (n = 24)", "B (n = 30)"), rows=rows[:1])
    shown, _ = apply_table(headed, {0: "n:A", 1: "n:B"}, set(), {"n:A"}, 5, "<{threshold}",
                           sizes)
    assert shown.columns == ("A (n = \u2021)", "B (n = 30)")
    assert shown.body() == [["Disease control", "21", "9 (30.0)"]]
