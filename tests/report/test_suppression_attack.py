"""An attacker who reads a suppressed report recovers no masked count.

The attacker knows every number printed in results.json and tables/*.csv and every margin
a reader of such a study knows: the levels of a variable add up to the group size (or to
the total row above them), the groups to the overall column and to the analysed total, the
flow's identified - excluded = remaining, the same group or endpoint counted in several
tables is one number, a response rate is a sum of best-response categories, a composite
endpoint's events are the sum of its causes, the first number at risk is the group size,
a percentage is count / denominator, a primary mask ("<t") hides 1..t-1 and a protecting
mask ("‡") hides 0 or more. Candidate margins are kept when they hold in the unsuppressed
run (the attacker is granted knowledge of every true relation of these kinds).

The solver is written here independently of retrostudy.report.suppression: propagation of
equations with one unknown (and of equations whose masked part sits at the end of its
range) to a fixed point, then exact elimination over the rationals on what is left.
"""

from __future__ import annotations

import csv
import json
import re
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
_COUNT = re.compile(r"^(\d+)(?: \((\d+(?:\.\d+)?)\))?$")
_HEAD = re.compile(r"^(.*) \(n = (.+)\)$")
SECONDARY = "\u2021"


def _read(folder: Path) -> dict[str, list[list[str]]]:
    out = {}
    for f in sorted((folder / "tables").glob("*.csv")):
        rows = list(csv.reader(f.read_text(encoding="utf-8").splitlines()))
        if [] in rows:  # footnotes follow an empty row
            rows = rows[: rows.index([])]
        out[f.stem] = rows
    return out


class Attack:
    """Variables: printed counts (truth known to the test, shown or masked to the attacker)."""

    def __init__(self, threshold: int):
        self.t = threshold
        self.truth: dict = {}
        self.shown: dict = {}  # key -> int, or "p" (primary mask), "s" (secondary mask)
        self.eqs: list[dict] = []

    def var(self, key, true: int, text: str) -> None:
        self.truth[key] = true
        m = _COUNT.match(text.strip())
        if m:
            self.shown[key] = int(m.group(1))
        elif text.strip() == SECONDARY:
            self.shown[key] = "s"
        else:
            assert text.strip().startswith("<"), (key, text)
            self.shown[key] = "p"

    def link(self, cell, name) -> None:
        """``cell`` counts the quantity ``name`` (a group's size, an endpoint's events),
        printed under that name nowhere or elsewhere: an unknown tied to it."""
        if name not in self.truth:
            self.truth[name] = self.truth[cell]
            self.shown.setdefault(name, "l")
        self.try_eq({cell: 1, name: -1})

    def try_eq(self, eq: dict) -> None:
        """Keep a candidate margin when it holds (the attacker knows true relations)."""
        eq = {k: c for k, c in eq.items() if c}
        if len(eq) > 1 and all(k in self.truth for k in eq) and \
                sum(c * self.truth[k] for k, c in eq.items()) == 0:
            self.eqs.append(eq)

    def masked(self) -> set:
        return {k for k, v in self.shown.items() if v in ("p", "s")}

    def solve(self) -> dict:
        """The masked counts the attacker determines exactly (key -> value)."""
        known = {k: v for k, v in self.shown.items() if isinstance(v, int)}
        unknown = {k for k, v in self.shown.items() if not isinstance(v, int)}
        found = {}
        progress = True
        while progress:
            progress = False
            for eq in self.eqs:
                hid = [k for k in eq if k not in known]
                if not hid:
                    continue
                rest = -sum(c * known[k] for k, c in eq.items() if k in known)
                if len(hid) == 1:
                    k = hid[0]
                    value = Fraction(rest, eq[k])
                    known[k] = found[k] = int(value)
                    progress = True
                    continue
                lo = hi = 0.0
                for k in hid:
                    a, b = (1, self.t - 1) if self.shown[k] == "p" else (0, float("inf"))
                    c = eq[k]
                    lo += c * a if c > 0 else c * b
                    hi += c * b if c > 0 else c * a
                if rest in (lo, hi):  # every masked count of the equation at its bound
                    for k in hid:
                        a, b = (1, self.t - 1) if self.shown[k] == "p" else (0, None)
                        at_low = (rest == lo) == (eq[k] > 0)
                        if (a if at_low else b) is not None:
                            known[k] = found[k] = a if at_low else b
                            progress = True
        left = sorted((k for k in unknown if k not in known), key=repr)
        found.update(_eliminate(self.eqs, known, left))
        return found


def _eliminate(eqs, known, left) -> dict:
    """Exact Gauss-Jordan over the rationals: unknowns whose value is fixed."""
    index = {k: i for i, k in enumerate(left)}
    rows = []
    for eq in eqs:
        row = {index[k]: Fraction(c) for k, c in eq.items() if k in index}
        if not row:
            continue
        rhs = -sum(Fraction(c) * known[k] for k, c in eq.items() if k not in index)
        rows.append((row, rhs))
    pivots = []
    for row, rhs in rows:
        row = dict(row)
        for col, (prow, prhs) in pivots:
            if col in row:
                f = row[col]
                for k, v in prow.items():
                    row[k] = row.get(k, 0) - f * v
                rhs -= f * prhs
                row = {k: v for k, v in row.items() if v}
        if not row:
            continue
        col = min(row)
        f = row[col]
        row, rhs = {k: v / f for k, v in row.items()}, rhs / f
        for i, (c2, (r2, h2)) in enumerate(pivots):
            if col in r2:
                g = r2[col]
                r2 = {k: r2.get(k, 0) - g * row.get(k, 0) for k in set(r2) | set(row)}
                pivots[i] = (c2, ({k: v for k, v in r2.items() if v}, h2 - g * rhs))
        pivots.append((col, (row, rhs)))
    return {left[col]: int(rhs) for col, (row, rhs) in pivots if len(row) == 1}


def _columns_n(header: list[str]) -> dict[int, str]:
    """Column index -> the group a header's n counts ("all" for All/Overall)."""
    out = {}
    for j, h in enumerate(header):
        m = _HEAD.match(h)
        if m:
            out[j] = "all" if m.group(1) in ("All", "Overall", "Total") else m.group(1)
    return out


def build_attack(truth_dir: Path, shown_dir: Path, threshold: int) -> Attack:
    a = Attack(threshold)
    truth, shown = _read(truth_dir), _read(shown_dir)
    tj = json.loads((truth_dir / "results.json").read_text(encoding="utf-8"))
    sj = json.loads((shown_dir / "results.json").read_text(encoding="utf-8"))
    assert "published" not in shown
    endpoints = sorted(tj["numbers_at_risk"])
    groups = [g["name"] for g in tj["flow"]["groups"]]
    _flow(a, tj["flow"], sj["flow"])
    labels = {}  # endpoint label -> name, from headings "<label> (<name>)"
    for rows in truth.values():
        for r in rows:
            m = re.match(r"^(.*) \((\w+)\)$", r[0] if r else "")
            if m and m.group(2) in endpoints:
                labels[m.group(1)] = m.group(2)
    for name, rows in shown.items():
        if name in ("comparators", "published"):
            continue
        _table(a, name, truth[name], rows, endpoints, groups, labels)
    for e in endpoints:
        for g, counts in tj["numbers_at_risk"][e]["groups"].items():
            for k, n in enumerate(counts):
                a.var(("risk", e, g, k), n, str(sj["numbers_at_risk"][e]["groups"][g][k]))
            if counts:
                a.link(("risk", e, g, 0), ("ep", e, "n", g))
    _cross(a, endpoints, groups)
    _response_sums(a, truth)
    _footnote_counts(a, tj, sj, endpoints, groups)
    return a


def _footnote_counts(a: Attack, tj: dict, sj: dict, endpoints, groups) -> None:
    """The adjusted Cox model's "(n = N, E events)" under its table (results.json keeps the
    footnotes): E is the sum of the groups' events, N the analysed total (when no patient
    lacks a covariate)."""
    pattern = re.compile(r"\(n = ([^,]+), ([^ ]+) events\)")
    for e in endpoints:
        table = tj["tables"].get(f"cox_{e}")
        t = pattern.search(" ".join(table["footnotes"])) if table else None
        if t is None:
            continue
        s = pattern.search(" ".join(sj["tables"][f"cox_{e}"]["footnotes"]))
        a.var(("cox", e, "n"), int(t.group(1)), s.group(1))
        a.var(("cox", e, "events"), int(t.group(2)), s.group(2))
        a.try_eq({("cox", e, "n"): 1, ("n", "all"): -1})
        a.try_eq({("cox", e, "events"): -1, **{("ep", e, "events", g): 1 for g in groups}})


def _response_sums(a: Attack, truth) -> None:
    """Another table's response measure (objective response = CR + PR) is a sum of Table
    2's best-response categories of the same group."""
    t2 = truth.get("table2_response")
    if t2 is None:
        return
    cols2 = {g: j for j, g in _columns_n(t2[0]).items()}
    cats = ("Complete response", "Partial response", "Stable disease", "Progressive disease",
            "Not evaluable", "Non-CR/non-PD", "Not assessed")
    bor = [i for i, r in enumerate(t2) if i and r[0].startswith(cats)]
    for name, rows in truth.items():
        if "response" not in name or name == "table2_response":
            continue
        for j, g in enumerate(rows[0]):
            if g not in cols2:
                continue
            parts = [_cell_key("table2_response", i, cols2[g]) for i in bor]
            for i in range(1, len(rows)):
                key = _cell_key(name, i, j)
                if key not in a.truth:
                    continue
                for size in range(1, len(parts) + 1):
                    for sub in combinations(parts, size):
                        a.try_eq({**{k: 1 for k in sub}, key: -1})


def _flow(a: Attack, tf: dict, sf: dict) -> None:
    a.var(("flow", "identified"), tf["n_identified"], str(sf["n_identified"]))
    a.var(("n", "all"), tf["n_analysed"], str(sf["n_analysed"]))
    before = ("flow", "identified")
    for i, (t, s) in enumerate(zip(tf["exclusions"], sf["exclusions"], strict=True)):
        a.var(("flow", "excluded", i), t["n_excluded"], str(s["n_excluded"]))
        a.var(("flow", "remaining", i), t["n_remaining"], str(s["n_remaining"]))
        a.try_eq({before: 1, ("flow", "excluded", i): -1, ("flow", "remaining", i): -1})
        before = ("flow", "remaining", i)
    a.try_eq({before: 1, ("n", "all"): -1})
    for t, s in zip(tf["groups"], sf["groups"], strict=True):
        a.var(("n", t["name"]), t["n"], str(s["n"]))
    a.try_eq({("n", "all"): 1, **{("n", t["name"]): -1 for t in tf["groups"]}})


def _cell_key(name, i, j):
    return ("cell", name, i, j)


def _table(a: Attack, name: str, truth: list, rows: list, endpoints, groups, labels) -> None:
    head_t, head_s = truth[0], rows[0]
    for j, g in _columns_n(head_t).items():
        n_true = int(_HEAD.match(head_t[j]).group(2))
        a.var(("hdr", name, j), n_true, _HEAD.match(head_s[j]).group(2))
        a.try_eq({("hdr", name, j): 1, ("n", g): -1})
    counts = {}
    for i, (rt, rs) in enumerate(zip(truth[1:], rows[1:], strict=True), start=1):
        for j, (ct, cs) in enumerate(zip(rt, rs, strict=True)):
            m = _COUNT.match(ct.strip())
            if j and m:
                a.var(_cell_key(name, i, j), int(m.group(1)), cs)
                counts[i, j] = int(m.group(1))
                _percentage(a, name, i, j, cs, head_t, groups)
    _blocks(a, name, truth, counts)
    _row_totals(a, name, truth, counts)
    _semantic(a, name, truth, counts, endpoints, groups, labels)


def _percentage(a: Attack, name, i, j, shown: str, head, groups) -> None:
    """A shown "k (p)" gives its denominator when one integer rounds to p: the column's
    header n, or the size of the group the column is named after."""
    m = _COUNT.match(shown.strip())
    if not m or m.group(2) is None or int(m.group(1)) == 0:
        return
    k, p = int(m.group(1)), m.group(2)
    dec = len(p.split(".")[1]) if "." in p else 0
    cands = [d for d in range(k, 5000) if f"{100 * k / d:.{dec}f}" == p]
    if len(cands) == 1:
        a.var(("denominator", name, i, j), cands[0], str(cands[0]))
        if j in _columns_n(head):
            a.try_eq({("denominator", name, i, j): 1, ("hdr", name, j): -1})
        if head[j] in groups:
            a.try_eq({("denominator", name, i, j): 1, ("n", head[j]): -1})


def _find_blocks(truth, counts) -> list:
    """[parent row, member rows]: indented rows under a row, and runs of count rows."""
    blocks, current = [], None
    for i, r in enumerate(truth[1:], start=1):
        if r[0].startswith("  "):
            if current is None:
                current = [i - 1, []]
                blocks.append(current)
            current[1].append(i)
        else:
            current = None
    run = []
    for i in range(1, len(truth) + 1):
        if i < len(truth) and not truth[i][0].startswith("  ") and \
                any((i, j) in counts for j in range(len(truth[i]))):
            run.append(i)
            continue
        if len(run) > 1:
            blocks.append([run[0] - 1, run])
        run = []
    return blocks


def _blocks(a: Attack, name, truth, counts) -> None:
    """Indented rows under a non-indented one, or a run of non-indented count rows (Table
    2's best responses): their counts add up to the header n, to the count row above, or
    to the table's first count row (subgroups: All patients). In a response table a rate
    is a sum of some best-response categories."""
    blocks = _find_blocks(truth, counts)
    in_block = {i for _, m in blocks for i in m}
    first = min((i for i, _ in counts), default=None)
    for parent, members in blocks:
        cols = {j for i in members for (ii, j) in counts if ii == i}
        for j in cols:
            parts = {_cell_key(name, i, j): 1 for i in members if (i, j) in counts}
            for total in (("hdr", name, j), _cell_key(name, parent, j),
                          _cell_key(name, first, j)):
                a.try_eq({**parts, total: -1})
            # a subset of the block adds up to another count row (rate = CR + PR)
            if "response" in name and len(parts) <= 8:
                for i, _ in [c for c in counts if c[1] == j and c[0] not in in_block]:
                    for size in range(1, len(parts) + 1):
                        for sub in combinations(parts, size):
                            a.try_eq({**{k: 1 for k in sub}, _cell_key(name, i, j): -1})


def _row_totals(a: Attack, name, truth, counts) -> None:
    cols = _columns_n(truth[0])
    total = [j for j, g in cols.items() if g == "all"]
    parts = [j for j, g in cols.items() if g != "all"]
    for i in {i for i, _ in counts}:
        for t in total:
            a.try_eq({**{_cell_key(name, i, j): 1 for j in parts}, _cell_key(name, i, t): -1})


def _what(label: str, header: str, groups) -> tuple:
    """(group, "n" | "events" | None) a cell counts, from its row label and header."""
    g = label if label in groups else None
    kind = {"Patients": "n", "Events": "events"}.get(header)
    m = re.match(r"^(.*) (patients|events)$", header)
    if m and m.group(1) in groups and label == "All patients":
        g, kind = m.group(1), {"patients": "n", "events": "events"}[m.group(2)]
    return g, kind


def _semantic(a: Attack, name, truth, counts, endpoints, groups, labels) -> None:
    """The same group or endpoint counted in several tables is one number."""
    head = truth[0]
    endpoint = None
    for i, r in enumerate(truth[1:], start=1):
        label = r[0].strip()
        m = re.search(r"\((\w+)\)$", r[0])
        if not r[0].startswith("  ") and m and m.group(1) in endpoints:
            endpoint = m.group(1)
        elif not r[0].startswith("  ") and r[0].split(" (")[0] in labels:
            endpoint = labels[r[0].split(" (")[0]]  # RMST: "<label> (τ = ...)"
        suffix = next((e for e in endpoints if name.endswith("_" + e)), None)
        e_here = endpoint or suffix
        for j, h in enumerate(head):
            if (i, j) not in counts:
                continue
            key = _cell_key(name, i, j)
            g, kind = _what(label, h, groups)
            if g is None:
                continue
            if kind is not None and e_here:
                a.link(key, ("ep", e_here, kind, g))
            if kind == "n" or h == "Unadjusted":
                a.try_eq({key: 1, ("n", g): -1})
            if name.startswith("competing_") and kind == "events":
                cause = "prog" if any(truth[k][0].startswith("Progression")
                                      for k in range(1, i)) else None
                death = any(truth[k][0].startswith("Death") for k in range(1, i))
                a.link(key, ("cr", "death" if death else cause, g))


def _cross(a: Attack, endpoints, groups) -> None:
    """A composite endpoint's events are its causes' (PD + death without PD); the PD cause
    is a PD-only endpoint's events; an endpoint analysing everyone has the group's n."""
    for g in groups:
        for e in endpoints:
            a.try_eq({("ep", e, "n", g): 1, ("n", g): -1})
            a.try_eq({("cr", "prog", g): 1, ("ep", e, "events", g): -1})
            a.try_eq({("cr", "prog", g): 1, ("cr", "death", g): 1, ("ep", e, "events", g): -1})


def _run(protocol_path: Path, threshold: int, out: Path):
    from retrostudy.pipeline import run_study
    from retrostudy.protocol import load_protocol

    protocol = load_protocol(protocol_path)
    supp = protocol.report.suppression.model_copy(update={"threshold": threshold})
    outputs = ["csv", "json"]
    report = protocol.report.model_copy(update={"suppression": supp, "outputs": outputs})
    run_study(protocol.model_copy(update={"report": report}), out=out)
    return out


@pytest.fixture(scope="module")
def truth_runs(tmp_path_factory):
    cache = {}

    def get(path: Path):
        if path not in cache:
            cache[path] = _run(path, 0, tmp_path_factory.mktemp("truth"))
        return cache[path]

    return get


TDM1 = ROOT / "examples" / "tdm1_after_pertuzumab" / "study.toml"
PD1 = ROOT / "examples" / "pd1_after_platinum_nsclc" / "study.toml"
TABLE = ROOT / "tests" / "analysis" / "data" / "study.toml"  # hand-built analysis table


@pytest.mark.parametrize(("study", "threshold"), [(TDM1, 5), (TDM1, 11), (TDM1, 20),
                                                  (PD1, 11), (PD1, 5), (TABLE, 5),
                                                  (TABLE, 11)])
def test_attacker_recovers_no_masked_count(study, threshold, truth_runs, tmp_path):
    truth = truth_runs(study)
    shown = _run(study, threshold, tmp_path / "shared")
    attack = build_attack(truth, shown, threshold)
    assert attack.masked(), "nothing masked: the test would prove nothing"
    assert len(attack.eqs) > 20  # the margins were found
    recovered = {k: v for k, v in attack.solve().items() if k in attack.masked()
                 and attack.truth.get(k) is not None}
    assert recovered == {}, recovered


def test_the_attack_solves_what_is_determined():
    """The solver itself: exact elimination finds a count fixed only by several equations
    together, leaves an underdetermined one open, and uses the masks' ranges."""
    a = Attack(5)
    a.var("x", 2, "<5")
    a.var("y", 20, SECONDARY)
    a.var("z", 1, "<5")
    a.var("t", 22, "22")
    a.var("u", 21, "21")
    a.eqs = [{"x": 1, "y": 1, "t": -1}, {"y": 1, "z": 1, "u": -1}, {"y": 1, "u": -1, "z": 1}]
    assert a.solve() == {}  # x + y = 22, y + z = 21: two equations, three unknowns
    a.var("w", 1, "1")
    a.eqs.append({"x": 1, "z": -1, "w": -1})
    assert a.solve() == {}  # x - z = 1 follows from the two: still open
    a.var("v", 3, "3")
    a.eqs.append({"x": 1, "z": 1, "v": -1})
    assert a.solve() == {"x": 2, "y": 20, "z": 1}  # x + z = 3 closes the system
    b = Attack(5)
    b.var("p", 1, "<5")
    b.var("q", 1, "<5")
    b.var("s", 2, "2")
    b.eqs = [{"p": 1, "q": 1, "s": -1}]
    assert b.solve() == {"p": 1, "q": 1}  # two "<5" adding up to 2
