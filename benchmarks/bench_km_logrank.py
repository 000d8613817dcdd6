"""Kaplan–Meier + log-rank speed and memory: retrostudy vs numpy floors, peers and R.

A script, not a test. Run from the repository root (peers are optional: ``pip install
-e '.[bench]'``; R is used when ``Rscript`` with the survival package is on the PATH)::

    .venv/bin/python benchmarks/bench_km_logrank.py [--sizes 1e3,1e4,1e5,1e6,1e7]

All tools get the same generated data in one run: exponential times (mean 365 days),
~70 % events, two groups. "integer days" rounds the times up to whole days (the bincount
path); "continuous" keeps them as floats (the sort path). Each cell is the best of a few
repeats (small cases repeat for ~0.3 s; peers run once from n = 1e6). A peer is skipped
at a size when its time at the previous size, scaled linearly, predicts more than
``--peer-limit`` seconds. Times are CPU seconds of the process (``time.process_time``;
in R, user + system from ``system.time`` around ``survfit`` and ``survdiff``, excluding
reading the data), because on a shared machine wall time mostly measures the neighbours.
"rel. Δχ²" is the relative difference of the peer's log-rank statistic from ours (R's
timefix merges near-equal float times as we do; the Python peers do not, hence ~1e-6 on
continuous times).
Peak memory is tracemalloc's peak for the call (numpy reports its buffers), as a multiple of
the input arrays (time 8 B + event 1 B + group 8 B per row).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from _common import machine

from retrostudy.stats import kaplan_meier, logrank_test, survival_table

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[2])
con <- file(args[1], "rb")
t <- readBin(con, "double", n); e <- readBin(con, "integer", n); g <- readBin(con, "integer", n)
close(con)
cpu <- function(f) { s <- system.time(f()); s[["user.self"]] + s[["sys.self"]] }
best <- function(f, reps) min(sapply(seq_len(reps), function(i) cpu(f)))
reps <- if (n >= 1e6) 1 else 3
km <- best(function() survfit(Surv(t, e) ~ 1), reps)
lr <- best(function() survdiff(Surv(t, e) ~ g), reps)
chisq <- survdiff(Surv(t, e) ~ g)$chisq
cat(km, lr, sprintf("%.17g", chisq), "\n")
"""


def timed(fn, reps: int, budget: float = 0.3) -> float:
    """Best CPU time of ``reps`` runs, repeating small cases until ``budget`` s are spent.

    CPU time (all threads of this process), not wall time: on a shared machine, wall time
    charges preemption to whichever call is long enough to be preempted.
    """
    best, spent, runs = float("inf"), 0.0, 0
    while runs < reps or (spent < budget and runs < 100):
        start = time.process_time()
        fn()
        took = time.process_time() - start
        best, spent, runs = min(best, took), spent + took, runs + 1
    return best


def peak_memory(fn) -> int:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def ours(t, e, g):
    return lambda: (kaplan_meier(t, e), logrank_test(t, e, g))


def shared(t, e, g):
    """The same results from one tabulation (``survival_table``)."""
    def run():
        tab = survival_table(t, e, g)
        return tab.kaplan_meier(), tab.logrank()
    return run


def lifelines_fn(t, e, g):
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test as ll_logrank

    a, b = g == 0, g == 1

    def run():
        KaplanMeierFitter().fit(t, e)
        return ll_logrank(t[a], t[b], e[a], e[b]).test_statistic

    return run


def statsmodels_fn(t, e, g):
    import statsmodels.api as sm

    def run():
        sm.SurvfuncRight(t, e)
        return sm.duration.survdiff(t, e, g)[0]

    return run


def sksurv_fn(t, e, g):
    from sksurv.compare import compare_survival
    from sksurv.nonparametric import kaplan_meier_estimator

    y = np.empty(t.shape[0], dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = e.astype(bool), t

    def run():
        kaplan_meier_estimator(y["event"], y["time"])
        return compare_survival(y, g)[0]

    return run


PEERS = {"lifelines": lifelines_fn, "statsmodels": statsmodels_fn, "scikit-survival": sksurv_fn}


def run_r(t, e, g) -> tuple[float, float, float] | None:
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, script = Path(tmp) / "data.bin", Path(tmp) / "bench.R"
        with data.open("wb") as f:
            f.write(t.astype("<f8").tobytes())
            f.write(e.astype("<i4").tobytes())
            f.write(g.astype("<i4").tobytes())
        script.write_text(R_SCRIPT)
        out = subprocess.run(
            ["Rscript", str(script), str(data), str(t.shape[0])], capture_output=True, text=True
        )
    if out.returncode:
        print("R failed:", out.stderr.strip()[:300])
        return None
    km, lr, chisq = (float(x) for x in out.stdout.split())
    return km, lr, chisq


def data(n: int, rng: np.random.Generator):
    tc = rng.exponential(365.0, n)
    ti = np.ceil(tc).astype(np.int64)
    e = (rng.random(n) < 0.7).astype(np.int8)
    g = rng.integers(0, 2, n)
    return {"integer days": ti, "continuous": tc}, e, g


def bench_size(n, args, rng, skip, rows):
    times, e, g = data(n, rng)
    for kind, t in times.items():
        row = bench_kind(n, kind, t, e, g, args, skip)
        rows.append(row)
        print(format_row(row), flush=True)


def bench_kind(n, kind, t, e, g, args, skip) -> dict:
    reps = 3 if n <= 10**6 else 2
    if kind == "integer days":
        floor_name, floor = "bincount", timed(lambda: np.bincount(t), reps)
    else:
        floor_name, floor = "argsort", timed(lambda: np.argsort(t), reps)
    chisq = logrank_test(t, e, g).statistic
    row = {
        "n": n,
        "kind": kind,
        "floor": (floor_name, floor),
        "km": timed(lambda: kaplan_meier(t, e), reps),
        "lr": timed(lambda: logrank_test(t, e, g), reps),
        "ours": timed(ours(t, e, g), reps),
        "shared": timed(shared(t, e, g), reps),
        "mem": peak_memory(ours(t, e, g)) / (n * (8 + 1 + 8)),
        "peers": {},
    }
    for name, make in PEERS.items():
        key = (name, kind)
        if key in skip:
            row["peers"][name] = skip[key]
            continue
        try:
            fn = make(t, e.astype(float) if name == "statsmodels" else e, g)
        except ImportError:
            row["peers"][name] = "not installed"
            continue
        secs = timed(fn, 1 if n >= 10**6 else reps)
        row["peers"][name] = (secs, abs(float(fn()) - chisq) / chisq)
        if secs * 10 > args.peer_limit:
            skip[key] = f"skipped (> {args.peer_limit:.0f} s predicted)"
    if args.r and ("R", kind) in skip:
        row["peers"]["R"] = skip[("R", kind)]
    elif args.r:
        r = run_r(t, e, g)
        row["peers"]["R"] = (r[0] + r[1], abs(r[2] - chisq) / chisq) if r else "no R"
        if r and (r[0] + r[1]) * 10 > args.peer_limit:
            skip[("R", kind)] = f"skipped (> {args.peer_limit:.0f} s predicted)"
    return row


def fmt(secs: float) -> str:
    if secs < 1e-3:
        return f"{secs * 1e6:.0f} µs"
    return f"{secs * 1000:.1f} ms" if secs < 1 else f"{secs:.2f} s"


def format_row(row) -> str:
    name, floor = row["floor"]
    cells = [
        f"{row['n']:.0e}",
        row["kind"],
        f"{fmt(floor)} ({name})",
        fmt(row["km"]),
        fmt(row["lr"]),
        f"{fmt(row['ours'])} ({row['ours'] / floor:.1f}x)",
        f"{fmt(row['shared'])} ({row['shared'] / floor:.1f}x)",
        f"{row['mem']:.1f}x",
    ]
    for peer in (*PEERS, "R"):
        v = row["peers"].get(peer, "-")
        if isinstance(v, tuple):
            cells.append(f"{fmt(v[0])} ({v[0] / row['ours']:.1f}x; Δχ² {v[1]:.0e})")
        else:
            cells.append(v)
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| n | times | numpy floor | KM | log-rank | KM + log-rank (/ floor) "
    "| one `survival_table` (/ floor) | peak mem / input "
    "| lifelines (/ ours; rel. Δχ²) | statsmodels | scikit-survival | R survival |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e3,1e4,1e5,1e6,1e7")
    parser.add_argument("--peer-limit", type=float, default=60.0)
    parser.add_argument("--no-r", dest="r", action="store_false")
    args = parser.parse_args()
    print(f"Machine: {machine()}; numpy {np.__version__}")
    print(HEADER)
    rng = np.random.default_rng(20261124)
    skip: dict = {}
    rows: list = []
    start = time.perf_counter()
    for n in (int(float(s)) for s in args.sizes.split(",")):
        bench_size(n, args, rng, skip, rows)
    print(
        f"\nTotal {time.perf_counter() - start:.0f} s; load average at the end: "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
