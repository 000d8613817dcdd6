"""Cox model (Efron ties) speed and memory: retrostudy vs the numpy floor, peers and R.

A script, not a test. Run from the repository root (peers are optional: ``pip install
-e '.[bench]'``; R is used when ``Rscript`` with the survival package is on the PATH)::

    .venv/bin/python benchmarks/bench_cox.py [--sizes 1e3,1e4,1e5,1e6] [--p 5,20]

All tools fit the same generated data in one run: ``p`` standard-normal covariates,
exponential event times with log-hazard ``x' beta``, independent exponential censoring
(about 30 % censored), continuous times. Each cell is the best of a few repeats (one from
n = 1e5). A peer is skipped at a size when its time at the previous size, scaled by 12x
per 10x rows, predicts more than ``--peer-limit`` seconds (default 120 s).

* ``numpy floor``: what any Cox fit must do: one ``argsort`` of the times, then per
  likelihood evaluation ``X b``, ``exp``, the cumulative sums of ``r`` and ``r x`` and the
  weighted Gram matrix ``X' diag(v) X`` (the information without an n-by-p-by-p array),
  times the number of evaluations retrostudy needed.
* ``retrostudy``: ``cox_ph(...)`` (fit, tests and variance; Harrell's C is computed on
  first access, timed separately as ``+ C``).
* R: ``system.time(coxph(Surv(t, e) ~ X))`` inside R (it includes R's concordance).
* Peak memory: tracemalloc's peak during ``cox_ph`` as a multiple of the input arrays
  (``8 (p + 1) + 1`` bytes per row).

BLAS runs single-threaded (``OPENBLAS_NUM_THREADS=1`` etc., unless already set), as R's
reference BLAS does: on a shared 2-core machine a multi-threaded OpenBLAS made every small
matrix product 20-30x slower for all Python tools alike.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy is imported

import argparse  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from _common import machine  # noqa: E402

from retrostudy.stats import cox_ph  # noqa: E402

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[2]); p <- as.integer(args[3])
con <- file(args[1], "rb")
t <- readBin(con, "double", n); e <- readBin(con, "integer", n)
X <- matrix(readBin(con, "double", n * p), n, p)
close(con)
reps <- if (n >= 1e5) 1 else 3
one <- function(i) system.time(fit <<- coxph(Surv(t, e) ~ X))[["elapsed"]]
el <- min(sapply(seq_len(reps), one))
cat(el, sprintf("%.17g", fit$loglik[2]), "\n")
"""


def timed(fn, reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def make_data(n: int, p: int, seed: int = 20261124):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    beta = rng.normal(scale=0.3, size=p)
    t_event = rng.exponential(np.exp(-(x @ beta)))
    t_cens = rng.exponential(2.0, n)
    time_ = np.minimum(t_event, t_cens)
    event = (t_event <= t_cens).astype(np.int8)
    return time_, event, x


def numpy_floor(time_, x, evaluations: int) -> float:
    def run():
        order = np.argsort(-time_)
        xs = x[order]
        beta = np.full(x.shape[1], 0.01)
        for _ in range(evaluations):
            r = np.exp(xs @ beta)
            np.cumsum(r)
            np.cumsum(r[:, None] * xs, axis=0)
            (xs * r[:, None]).T @ xs
    return run


def ours(data, cov):
    return lambda: cox_ph(data, time="time", event="event", covariates=cov)


def lifelines_fit(time_, event, x):
    import pandas as pd
    from lifelines import CoxPHFitter

    df = pd.DataFrame(x, columns=[f"x{j}" for j in range(x.shape[1])])
    df["time"], df["event"] = time_, event
    return lambda: CoxPHFitter().fit(df, "time", "event")


def statsmodels_fit(time_, event, x):
    from statsmodels.duration.hazard_regression import PHReg

    return lambda: PHReg(time_, x, status=event, ties="efron").fit()


def sksurv_fit(time_, event, x):
    from sksurv.linear_model import CoxPHSurvivalAnalysis

    y = np.empty(time_.size, dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = event.astype(bool), time_
    return lambda: CoxPHSurvivalAnalysis(ties="efron").fit(x, y)


PEERS = {"lifelines": lifelines_fit, "statsmodels": statsmodels_fit, "scikit-survival": sksurv_fit}


def r_time(time_, event, x) -> float | None:
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, script = Path(tmp) / "d.bin", Path(tmp) / "b.R"
        with open(data, "wb") as fh:
            fh.write(time_.astype("<f8").tobytes())
            fh.write(event.astype("<i4").tobytes())
            fh.write(np.asfortranarray(x).T.astype("<f8").tobytes())
        script.write_text(R_SCRIPT)
        out = subprocess.run(["Rscript", str(script), str(data), str(time_.size), str(x.shape[1])],
                             capture_output=True, text=True)
        if out.returncode:
            return None
        return float(out.stdout.split()[0])


SKIPPED = float("inf")


def predicted_too_slow(prev, limit) -> bool:
    return prev is not None and (prev == SKIPPED or prev * 12 > limit)


def peer_time(name, time_, event, x, reps, prev, limit):
    """Seconds for one peer, None when not installed, SKIPPED when predicted > limit."""
    if predicted_too_slow(prev, limit):
        return SKIPPED
    try:
        fn = PEERS[name](time_, event, x)
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return timed(fn, reps)


def bench_size(n, p, state, limit):
    time_, event, x = make_data(n, p)
    cov = [f"x{j}" for j in range(p)]
    data = {"time": time_, "event": event, **{c: x[:, j] for j, c in enumerate(cov)}}
    reps = 1 if n >= 10**5 else 3
    fit = ours(data, cov)()
    row = {"n": n, "p": p, "ours": timed(ours(data, cov), reps)}
    row["conc"] = timed(lambda: ours(data, cov)().concordance, 1) - row["ours"]
    row["floor"] = timed(numpy_floor(time_, x, fit.iterations + 1), reps)
    tracemalloc.start()
    ours(data, cov)()
    row["mem"] = tracemalloc.get_traced_memory()[1] / (n * (8 * (p + 1) + 1))
    tracemalloc.stop()
    for name in PEERS:
        row[name] = state[name] = peer_time(name, time_, event, x, reps, state.get(name), limit)
    if predicted_too_slow(state.get("R"), limit):
        row["R"] = SKIPPED
    else:
        row["R"] = state["R"] = r_time(time_, event, x)
    return row


def fmt(v) -> str:
    if v is None:
        return "–"
    if v == SKIPPED:
        return "skipped"
    return f"{v:.3g}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1e3,1e4,1e5,1e6")
    ap.add_argument("--p", default="5,20")
    ap.add_argument("--peer-limit", type=float, default=120.0)
    args = ap.parse_args()
    print(f"Machine: {machine()}\n")
    head = ("| n | p | retrostudy (s) | + C (s) | numpy floor (s) | ours/floor | lifelines | "
            "statsmodels | scikit-survival | R coxph | R/ours | lifelines/ours | peak mem |")
    print(head)
    print("|---" * 13 + "|")
    for p in (int(v) for v in args.p.split(",")):
        state: dict = {}
        for n in (int(float(v)) for v in args.sizes.split(",")):
            row = bench_size(n, p, state, args.peer_limit)
            ratio = {k: (row[k] / row["ours"] if row.get(k) not in (None, SKIPPED) else None)
                     for k in ("R", "lifelines")}
            print(f"| {n:.0e} | {p} | {fmt(row['ours'])} | {fmt(row['conc'])} | "
                  f"{fmt(row['floor'])} | {fmt(row['ours'] / row['floor'])} | "
                  f"{fmt(row['lifelines'])} | {fmt(row['statsmodels'])} | "
                  f"{fmt(row['scikit-survival'])} | {fmt(row['R'])} | "
                  f"{fmt(ratio['R'])} | {fmt(ratio['lifelines'])} | {row['mem']:.2f}x |",
                  flush=True)
    print(f"\nMachine after the run: {machine()}")


if __name__ == "__main__":
    main()
