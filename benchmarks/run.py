"""One reproducible benchmark table: retrostudy against R, the Python peers and numpy floors.

A script, not a test. Run from the repository root (peers: ``pip install -e '.[bench]'``;
R columns need ``Rscript`` with the survival package, and are left empty without it)::

    PYTHONPATH=src python benchmarks/run.py            # full sizes, rewrites README table
    PYTHONPATH=src python benchmarks/run.py --quick    # small sizes, prints only
    PYTHONPATH=src python benchmarks/run.py --only cox --only km   # those sections only

The full run measures and then regenerates the table between the ``run.py`` markers of
``benchmarks/README.md`` (``--no-write`` prints only; ``--quick --write`` writes the quick
table). With ``--only`` the sections not measured keep their previous text, marked with the
date of the run that measured them. Nothing in that table is edited by hand.

Measurement rules (the machine is shared): every cell is the median wall time of
``--reps`` runs (one run for a peer whose first run exceeds 5 s); retrostudy runs are
interleaved with R's (half before the R process, half after), so a ratio compares times
taken under the same load; retrostudy and the numpy floors are timed in a fresh Python
process per cell (after one untimed warm-up call), as R is, so neither the peers'
leftovers in this process (their heap and threads slowed our fits at 10^6 by up to 1.8x
in one measurement) nor numba's one-off load enter a cell; the load average is recorded
before and after each section. BLAS is single-threaded for Python (R's reference BLAS
is). A peer is skipped at a size when its time at the previous size, scaled by 12 per 10x
rows, predicts more than ``--peer-limit`` seconds.

Columns: *R user call* is ``coxph`` / ``glm`` / ``survfit`` + ``survdiff`` as a user calls
them (``coxph`` includes its concordance, ours is computed only when asked for); *R
engine* is ``coxph.fit`` / ``glm.fit`` on the prebuilt matrix; *numpy floor* is the work
any implementation must do (Cox: one ``argsort`` plus, per likelihood evaluation, ``X b``,
``exp``, the cumulative sums of ``r`` and ``r x`` and ``X' diag(v) X``; logistic: per
iteration ``X b``, ``exp`` and ``X' diag(w) X``; KM: one ``np.bincount`` of the days).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy is imported

import argparse  # noqa: E402
import importlib.metadata as md  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from _common import machine  # noqa: E402
from _data import cox_arrays, logistic_data, survival_days  # noqa: E402

from retrostudy.stats import (  # noqa: E402
    cox_ph,
    kaplan_meier,
    logrank_test,
    propensity_score,
    survival_table,
)

README = Path(__file__).parent / "README.md"
TITLES = {"cox": "Cox model", "logistic": "Propensity-score logistic fit",
          "km": "Kaplan–Meier + log-rank"}
BEGIN, END = "<!-- run.py table: begin -->", "<!-- run.py table: end -->"
SKIPPED = float("inf")
SLOW = 5.0  # a peer's first run above this many seconds is not repeated

R_COX = r"""
suppressPackageStartupMessages(library(survival))
a <- commandArgs(trailingOnly = TRUE)
n <- as.integer(a[2]); p <- as.integer(a[3]); reps <- as.integer(a[5]); user <- a[6] == "1"
con <- file(a[1], "rb")
t <- readBin(con, "double", n); e <- readBin(con, "integer", n)
X <- matrix(readBin(con, "double", n * p), n, p)
close(con)
y <- Surv(t, e)
el <- function(expr) system.time(expr)[["elapsed"]]
tf <- median(sapply(seq_len(reps), function(i) el(fit <<- coxph.fit(X, y, NULL, NULL, NULL,
  coxph.control(), NULL, a[4], NULL))))
tu <- if (user) median(sapply(seq_len(reps), function(i)
  el(coxph(Surv(t, e) ~ X, ties = a[4])))) else NA
cat(tf, tu, sprintf("%.17g", fit$coefficients), "\n")
"""

R_GLM = r"""
a <- commandArgs(trailingOnly = TRUE)
n <- as.integer(a[2]); p <- as.integer(a[3]); reps <- as.integer(a[4])
con <- file(a[1], "rb")
tr <- readBin(con, "double", n)
X <- matrix(readBin(con, "double", n * p), n, p)
close(con)
X1 <- cbind(1, X)
el <- function(expr) system.time(expr)[["elapsed"]]
tf <- median(sapply(seq_len(reps), function(i) el(fit <<- glm.fit(X1, tr, family = binomial()))))
tu <- median(sapply(seq_len(reps), function(i) el(glm(tr ~ X, family = binomial))))
cat(tf, tu, sprintf("%.17g", fit$coefficients), "\n")
"""

R_KM = r"""
suppressPackageStartupMessages(library(survival))
a <- commandArgs(trailingOnly = TRUE)
n <- as.integer(a[2]); reps <- as.integer(a[3])
con <- file(a[1], "rb")
t <- readBin(con, "double", n); e <- readBin(con, "integer", n); g <- readBin(con, "integer", n)
close(con)
el <- function(expr) system.time(expr)[["elapsed"]]
tu <- median(sapply(seq_len(reps), function(i) el({survfit(Surv(t, e) ~ 1);
  lr <<- survdiff(Surv(t, e) ~ g)})))
cat(tu, NA, sprintf("%.17g", lr$chisq), "\n")
"""


# --------------------------------------------------------------------------- timing


def median_time(fn, reps: int) -> float:
    """Median wall seconds of ``reps`` calls (one call when the first exceeds ``SLOW``)."""
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if times[0] > SLOW:
            break
    return statistics.median(times)


def interleaved(kind: str, arrays: dict, params: dict, r_call, reps: int):
    """Our median over ``reps`` runs, each half in a fresh process, around one R process
    (same load for both)."""
    first = max(1, reps // 2)
    times = fresh(kind, arrays, params, first)
    r_out = r_call()
    times += fresh(kind, arrays, params, reps - first)
    return statistics.median(times), r_out


def fresh(kind: str, arrays: dict, params: dict, reps: int) -> list[float]:
    """Wall seconds of ``reps`` calls of ``CHILD[kind]`` in a new Python process, after one
    untimed warm-up call (imports, numba's cached code, first-touch of the arrays)."""
    if reps <= 0:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "a.npz"
        np.savez(data, **arrays)
        out = subprocess.run([sys.executable, __file__, "--child", kind, str(data),
                              json.dumps(params), str(reps)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"child {kind} failed:\n{out.stderr.strip()[-2000:]}")
    return [float(v) for v in out.stdout.split()[-reps:]]


def child(kind: str, data: str, params: str, reps: str) -> None:
    """The ``--child`` entry point of :func:`fresh`: prints one time per call."""
    with np.load(data) as npz:
        arrays = {k: npz[k] for k in npz.files}
    fn = CHILD[kind](**arrays, **json.loads(params))
    fn()
    times = []
    for _ in range(int(reps)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    print(" ".join(repr(t) for t in times))


def run_r(script: str, arrays: list[tuple[np.ndarray, str]], *args) -> list[float] | None:
    """Run an R script on arrays written as one binary file; its stdout as floats."""
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, path = Path(tmp) / "d.bin", Path(tmp) / "b.R"
        with data.open("wb") as fh:
            for arr, dtype in arrays:
                fh.write(np.asfortranarray(arr).T.astype(dtype).tobytes()
                         if arr.ndim == 2 else arr.astype(dtype).tobytes())
        path.write_text(script)
        out = subprocess.run(["Rscript", str(path), str(data), *map(str, args)],
                             capture_output=True, text=True)
    if out.returncode:
        print("R failed:", out.stderr.strip()[-300:])
        return None
    return [float("nan") if v == "NA" else float(v) for v in out.stdout.split()]


def peer(make, prev: float | None, limit: float, reps: int) -> float | None:
    """A peer's median time, None when not installed, SKIPPED when predicted too slow."""
    if prev is not None and (prev == SKIPPED or prev * 12 > limit):
        return SKIPPED
    try:
        fn = make()
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return median_time(fn, reps)


# --------------------------------------------------------------------------- Cox


def cox_floor(time, x, evaluations):
    def run():
        order = np.argsort(-time)
        xs = x[order]
        beta = np.full(x.shape[1], 0.01)
        for _ in range(evaluations):
            r = np.exp(xs @ beta)
            np.cumsum(r)
            np.cumsum(r[:, None] * xs, axis=0)
            (xs * r[:, None]).T @ xs
    return run


def cox_peers(time_, event, x, ties):
    def lifelines():
        import pandas as pd
        from lifelines import CoxPHFitter

        df = pd.DataFrame(x, columns=[f"x{j}" for j in range(x.shape[1])])
        df["time"], df["event"] = time_, event
        return lambda: CoxPHFitter().fit(df, "time", "event")

    def statsmodels():
        from statsmodels.duration.hazard_regression import PHReg

        return lambda: PHReg(time_, x, status=event, ties=ties).fit()

    def sksurv():
        from sksurv.linear_model import CoxPHSurvivalAnalysis

        y = np.empty(time_.size, dtype=[("event", bool), ("time", float)])
        y["event"], y["time"] = event.astype(bool), time_
        return lambda: CoxPHSurvivalAnalysis(ties=ties).fit(x, y)

    out = {"statsmodels": statsmodels, "scikit-survival": sksurv}
    if ties == "efron":  # lifelines fits Efron only
        out = {"lifelines": lifelines, **out}
    return out


def cox_ours(time, event, x, ties):
    cov = [f"x{j}" for j in range(x.shape[1])]
    data = {"time": time, "event": event, **{c: x[:, j].copy() for j, c in enumerate(cov)}}
    return lambda: cox_ph(data, time="time", event="event", covariates=cov, ties=ties)


def bench_cox(n, p, days, ties, state, args):
    time_, event, x = cox_arrays(n, p, days=days)
    reps = args.reps if n < 10**6 else max(1, args.reps - 2)  # for the peers
    arrays = {"time": time_, "event": event, "x": x}
    fit = cox_ours(time_, event, x, ties)()
    user = not predicted(state.get("R user"), args.peer_limit)
    t_ours, r = interleaved("cox", arrays, {"ties": ties}, lambda: run_r(
        R_COX, [(time_, "<f8"), (event, "<i4"), (x, "<f8")], n, p, ties, reps, int(user)),
        args.reps)
    row = {"n": n, "p": p, "times": "days" if days else "continuous", "ties": ties,
           "ours": t_ours}
    if r is not None:
        row["R engine"], row["R user"] = r[0], (r[1] if user else SKIPPED)
        state["R user"] = row["R user"]
        row["dcoef"] = float(np.max(np.abs(np.array(r[2:]) - fit.coef)))
    for name, make in cox_peers(time_, event, x, ties).items():
        key = (name, ties)
        row[name] = state[key] = peer(make, state.get(key), args.peer_limit, reps)
    row["floor"] = statistics.median(fresh(
        "cox floor", {"time": time_, "x": x}, {"evaluations": fit.iterations + 1}, args.reps))
    return row


def predicted(prev, limit) -> bool:
    return prev is not None and (prev == SKIPPED or prev * 12 > limit)


# --------------------------------------------------------------------------- logistic


def logistic_ours(x, t):
    return lambda: propensity_score(x, t)


def logistic_floor(x, t, iterations):
    x1 = np.column_stack([np.ones(x.shape[0]), x])

    def run():
        b = np.zeros(x1.shape[1])
        for _ in range(iterations):
            mu = 1 / (1 + np.exp(-(x1 @ b)))
            w = mu * (1 - mu)
            (x1 * w[:, None]).T @ x1
    return run


def bench_logistic(n, p, args):
    x, t = logistic_data(n, p)
    reps = args.reps
    fit = logistic_ours(x, t)().fit
    t_ours, r = interleaved("logistic", {"x": x, "t": t}, {}, lambda: run_r(
        R_GLM, [(t, "<f8"), (x, "<f8")], n, p, reps), reps)
    row = {"n": n, "p": p, "ours": t_ours}
    if r is not None:
        row["R engine"], row["R user"] = r[0], r[1]
        row["dcoef"] = float(np.max(np.abs(np.array(r[2:]) - fit.coef)))

    def statsmodels():
        import statsmodels.api as sm

        x1 = sm.add_constant(x)
        return lambda: sm.Logit(t, x1).fit(disp=0)

    row["statsmodels"] = peer(statsmodels, None, args.peer_limit, reps)
    row["floor"] = statistics.median(fresh("logistic floor", {"x": x, "t": t},
                                           {"iterations": fit.iterations}, reps))
    return row


# --------------------------------------------------------------------------- KM


def km_peers(t, e, g):
    def lifelines():
        from lifelines import KaplanMeierFitter
        from lifelines.statistics import logrank_test as ll_logrank

        a, b = g == 0, g == 1

        def run():
            KaplanMeierFitter().fit(t, e)
            ll_logrank(t[a], t[b], e[a], e[b])
        return run

    def statsmodels():
        import statsmodels.api as sm

        def run():
            sm.SurvfuncRight(t, e)
            sm.duration.survdiff(t, e, g)
        return run

    def sksurv():
        from sksurv.compare import compare_survival
        from sksurv.nonparametric import kaplan_meier_estimator

        y = np.empty(t.shape[0], dtype=[("event", bool), ("time", float)])
        y["event"], y["time"] = e.astype(bool), t

        def run():
            kaplan_meier_estimator(y["event"], y["time"])
            compare_survival(y, g)
        return run

    return {"lifelines": lifelines, "statsmodels": statsmodels, "scikit-survival": sksurv}


def km_ours(t, e, g):
    def run():  # one tabulation shared by the curve and the test
        tab = survival_table(t, e, g)
        tab.kaplan_meier()
        tab.logrank()
    return run


def km_two_calls(t, e, g):
    def run():
        kaplan_meier(t, e)
        logrank_test(t, e, g)
    return run


def km_floor(t, e, g):
    return lambda: np.bincount(t)


def bench_km(n, state, args):
    t, e, g = survival_days(n)
    reps = args.reps + 2  # cheap: a few more runs steady the median
    arrays = {"t": t, "e": e, "g": g}

    r_skip = predicted(state.get("R user"), args.peer_limit)
    t_ours, r = interleaved("km", arrays, {}, (lambda: None) if r_skip else lambda: run_r(
        R_KM, [(t, "<f8"), (e, "<i4"), (g, "<i4")], n, max(1, args.reps - 2)), reps)
    row = {"n": n, "ours": t_ours,
           "floor": statistics.median(fresh("km floor", arrays, {}, reps)),
           "two calls": statistics.median(fresh("km two calls", arrays, {}, reps))}
    if r_skip:
        row["R user"] = SKIPPED
    elif r is not None:
        row["R user"] = r[0]
        row["dchisq"] = abs(r[2] - survival_table(t, e, g).logrank().statistic) / r[2]
    state["R user"] = row.get("R user")
    for name, make in km_peers(t, e, g).items():
        row[name] = state[name] = peer(make, state.get(name), args.peer_limit, reps)
    return row


# --------------------------------------------------------------------------- report


def fmt(v) -> str:
    if v is None:
        return "–"
    if v == SKIPPED:
        return "skipped"
    return f"{v:.3g}" if v >= 0.01 else f"{v:.2g}"


def ratio(a, b) -> str:
    if a in (None, SKIPPED) or b in (None, SKIPPED):
        return "–"
    return f"{a / b:.2f}"


def goal(ok: bool | None, text: str) -> str:
    if ok is None:
        return f"not measured ({text})"
    return f"**met** ({text})" if ok else f"**not met** ({text})"


def versions() -> str:
    out = [f"Python {platform.python_version()}"]
    for pkg in ("numpy", "scipy", "numba", "lifelines", "statsmodels", "scikit-survival"):
        try:
            out.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            out.append(f"{pkg} not installed")
    if shutil.which("Rscript"):
        r = subprocess.run(["Rscript", "-e", "cat(R.version$major, R.version$minor, "
                            "as.character(packageVersion('survival')))"],
                           capture_output=True, text=True).stdout.split()
        out.append(f"R {r[0]}.{r[1]}, survival {r[2]}" if len(r) == 3 else "R (version unknown)")
    else:
        out.append("R not installed (R columns empty)")
    return ", ".join(out)


def ram() -> str:
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        return f"{kb / 2**20:.0f} GB RAM"
    except OSError:
        return "RAM unknown"


def load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def cox_table(rows) -> list[str]:
    head = ("| n | p | times | ties | retrostudy | R `coxph` | R `coxph.fit` | lifelines | "
            "statsmodels | scikit-survival | numpy floor | `coxph.fit` / ours | "
            "lifelines / ours | max abs Δcoef vs R | goal (n ≥ 1e5): ≤ `coxph.fit`; p = 20: "
            "and ≥ 10× lifelines |")
    out = [head, "|" + "---|" * 15]
    for r in rows:
        rf = r.get("R engine")
        ok = None if rf is None else r["ours"] <= rf
        text = "ratio " + ratio(rf, r["ours"])
        if r["p"] == 20 and r["ties"] == "efron" and r.get("lifelines") not in (None, SKIPPED):
            lf = r["lifelines"] / r["ours"]
            ok = (ok is not False) and lf >= 10
            text += f"; lifelines {lf:.0f}×"
        dc = r.get("dcoef")
        if dc is not None and dc > 1e-6:
            ok, text = False, text + "; coefficients differ from R"
        verdict = goal(ok, text) if r["n"] >= 10**5 else f"– (below the goal sizes; {text})"
        out.append(f"| {r['n']:.0e} | {r['p']} | {r['times']} | {r['ties']} | {fmt(r['ours'])} | "
                   f"{fmt(r.get('R user'))} | {fmt(rf)} | {fmt(r.get('lifelines'))} | "
                   f"{fmt(r.get('statsmodels'))} | {fmt(r.get('scikit-survival'))} | "
                   f"{fmt(r['floor'])} | {ratio(rf, r['ours'])} | "
                   f"{ratio(r.get('lifelines'), r['ours'])} | "
                   f"{'–' if dc is None else f'{dc:.1e}'} | {verdict} |")
    return out


def logistic_table(rows) -> list[str]:
    out = ["| n | covariates | retrostudy | R `glm` | R `glm.fit` | statsmodels `Logit` | "
           "numpy floor | statsmodels / ours | `glm.fit` / ours | max abs Δcoef vs R | "
           "goal: ≤ statsmodels |", "|" + "---|" * 11]
    for r in rows:
        sm = r.get("statsmodels")
        ok = None if sm in (None, SKIPPED) else r["ours"] <= sm
        dc = r.get("dcoef")
        out.append(f"| {r['n']:.0e} | {r['p']} | {fmt(r['ours'])} | {fmt(r.get('R user'))} | "
                   f"{fmt(r.get('R engine'))} | {fmt(sm)} | {fmt(r['floor'])} | "
                   f"{ratio(sm, r['ours'])} | {ratio(r.get('R engine'), r['ours'])} | "
                   f"{'–' if dc is None else f'{dc:.1e}'} | "
                   f"{goal(ok, 'ratio ' + ratio(sm, r['ours']))} |")
    return out


def km_table(rows, top) -> list[str]:
    out = ["| n | retrostudy (one table) | retrostudy (two calls) | R `survfit` + `survdiff` | "
           "lifelines | statsmodels | scikit-survival | numpy floor (`bincount`) | "
           "ours / floor | two calls / floor | rel. Δχ² vs R | "
           "goal: ≤ 1.5× floor at the largest n |", "|" + "---|" * 12]
    for r in rows:
        q = r["ours"] / r["floor"]
        text = goal(q <= 1.5, f"{q:.2f}×") if r["n"] == top else "–"
        dq = r.get("dchisq")
        out.append(f"| {r['n']:.0e} | {fmt(r['ours'])} | {fmt(r.get('two calls'))} | "
                   f"{fmt(r.get('R user'))} | "
                   f"{fmt(r.get('lifelines'))} | {fmt(r.get('statsmodels'))} | "
                   f"{fmt(r.get('scikit-survival'))} | {fmt(r['floor'])} | {q:.2f} | "
                   f"{ratio(r.get('two calls'), r['floor'])} | "
                   f"{'–' if dq is None else f'{dq:.0e}'} | {text} |")
    return out


def cox_section(args, sizes) -> list[str]:
    rows, before = [], load()
    for p in (5, 20):
        for days in (False, True):
            for ties in ("efron", "breslow"):
                state: dict = {}
                for n in sizes:
                    rows.append(bench_cox(n, p, days, ties, state, args))
                    print(cox_table(rows[-1:])[-1], flush=True)
    return [f"### Cox model (load average {before} before, {load()} after)", "",
            *cox_table(rows), ""]


def logistic_section(args, sizes) -> list[str]:
    rows, before = [], load()
    for n in sizes:
        rows.append(bench_logistic(n, 10, args))
        print(logistic_table(rows[-1:])[-1], flush=True)
    return [f"### Propensity-score logistic fit (load average {before} before, {load()} "
            "after)", "", *logistic_table(rows), ""]


def km_section(args, sizes) -> list[str]:
    rows, before, state = [], load(), {}
    for n in sizes:
        rows.append(bench_km(n, state, args))
        print(km_table(rows[-1:], sizes[-1])[-1], flush=True)
    return [f"### Kaplan–Meier + log-rank, integer days, two groups (load average {before} "
            f"before, {load()} after)", "", *km_table(rows, sizes[-1]), ""]


def write_readme(text: str, kept: set[str]) -> None:
    """Replace the table block; sections named in ``kept`` (not measured in this run) keep
    their previous text, marked with the date of the run that measured them."""
    readme = README.read_text()
    head, rest = readme.split(BEGIN, 1)
    old_block, tail = rest.split(END, 1)
    if kept:
        text = _merge(text, old_block, kept)
    README.write_text(head + BEGIN + "\n" + text + "\n" + END + tail)
    print(f"wrote {README}")


def _sections(block: str) -> tuple[str, dict[str, str]]:
    """The preamble and the ``### `` sections of a table block, by section key."""
    parts = block.split("\n### ")
    out = {}
    for part in parts[1:]:
        key = next((k for k, title in TITLES.items() if part.startswith(title)), part[:20])
        out[key] = "### " + part.rstrip("\n") + "\n"
    return parts[0], out


def _merge(text: str, old_block: str, kept: set[str]) -> str:
    preamble, new = _sections(text)
    old_pre, old = _sections(old_block)
    when = re.search(r"on (\d{4}-\d\d-\d\d \d\d:\d\d UTC)", old_pre)
    stamp = when.group(1) if when else "an earlier date"
    for key in kept:
        if key in old and "Not re-measured" not in old[key]:
            title, body = old[key].split("\n", 1)
            old[key] = f"{title}\n\n*Not re-measured in this run: measured on {stamp}.*\n{body}"
    merged = {**old, **new}
    return preamble.rstrip("\n") + "\n\n" + "\n".join(merged[k] for k in TITLES if k in merged)


CHILD = {"cox": cox_ours, "cox floor": cox_floor, "logistic": logistic_ours,
         "logistic floor": logistic_floor, "km": km_ours, "km two calls": km_two_calls,
         "km floor": km_floor}


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:6])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--peer-limit", type=float, default=30.0)
    ap.add_argument("--only", choices=("cox", "logistic", "km"), action="append")
    ap.add_argument("--write", action="store_true", help="write README (default: full run)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    only = set(args.only or ("cox", "logistic", "km"))
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    flags = (" --quick" if args.quick else "") + "".join(f" --only {o}" for o in args.only or ())
    lines = [f"Measured by `benchmarks/run.py{flags}` on "
             f"{started}. Machine: {machine().rsplit(', load', 1)[0]}, {ram()}. {versions()}. "
             f"Median wall seconds of {args.reps} runs (peers above {SLOW:.0f} s: one run); "
             "BLAS single-threaded; load average (1/5/15 min) given per section. "
             f"*skipped*: the time at the previous size, x12, predicts more than "
             f"{args.peer_limit:.0f} s; *–*: not installed or not applicable.", ""]
    quick = args.quick
    if "cox" in only:
        lines += cox_section(args, (10**4, 10**5) if quick else (10**4, 10**5, 10**6))
    if "logistic" in only:
        lines += logistic_section(args, (10**5,) if quick else (10**6,))
    if "km" in only:
        lines += km_section(args, (10**5, 10**6) if quick else (10**6, 10**7))
    text = "\n".join(lines)
    print("\n" + text)
    if (args.write or not quick) and not args.no_write:
        write_readme(text, {"cox", "logistic", "km"} - only)


if __name__ == "__main__":
    main()
