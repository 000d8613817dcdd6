"""Bootstrap of an IPTW analysis: retrostudy's vectorised resamples vs the same loop in R.

A script, not a test. Run from the repository root::

    .venv/bin/python benchmarks/bootstrap_iptw.py [--sizes 5000,50000] [--resamples 1000]

Per resample both tools refit the propensity model (logistic, 4 covariates), build
stabilised ATE weights, fit the weighted Cox model of treatment (Efron ties) and the weighted
Kaplan-Meier curves of both arms with their RMST to day 365. Data: integer days, about 40 %
censored. retrostudy runs ``bootstrap_iptw(..., n_resamples=R)``. R runs the same loop
(``sample``, ``glm``, ``coxph(weights=)``, ``survfit(weights=)``) for ``--r-resamples``
resamples (default 100 at n = 5,000 and 20 above, as R's loop would take minutes), and its
time is scaled to ``R`` resamples (the loop's cost is the same for every resample). The ratio
is R's scaled time over ours, in one run on the same data. R is skipped without ``Rscript``.
BLAS runs single-threaded, as R's reference BLAS does.
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
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from _common import machine  # noqa: E402

from retrostudy.stats.bootstrap import bootstrap_iptw  # noqa: E402

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); B <- as.integer(args[2]); tau <- 365
set.seed(1)
one <- function() {
  i <- sample(nrow(d), nrow(d), TRUE); x <- d[i, ]
  ps <- fitted(glm(a ~ x1 + x2 + x3 + x4, binomial, x))
  p1 <- mean(x$a)
  x$w <- ifelse(x$a == 1, p1 / ps, (1 - p1) / (1 - ps))
  hr <- coef(coxph(Surv(t, e) ~ a, x, weights = w))
  rm <- summary(survfit(Surv(t, e) ~ a, x, weights = w), rmean = tau)$table[, "rmean"]
  c(hr, rm[2] - rm[1])
}
el <- system.time(for (b in seq_len(B)) one())[["elapsed"]]
cat(el, "\n")
"""


def simulate(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    a = (rng.random(n) < 1 / (1 + np.exp(-(0.6 * x[:, 0] - 0.4 * x[:, 1])))).astype(float)
    t = np.ceil(rng.exponential(400 / np.exp(0.5 * x[:, 0] + 0.3 * x[:, 2] - 0.3 * a)))
    c = np.ceil(rng.uniform(30, 900, n))
    return np.minimum(t, c), (t <= c).astype(float), a, x


def run_r(t, e, a, x, resamples: int) -> float | None:
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = Path(tmp) / "d.csv", Path(tmp) / "b.R"
        header = "t,e,a,x1,x2,x3,x4"
        np.savetxt(csv, np.column_stack([t, e, a, x]), delimiter=",", header=header,
                   comments="", fmt="%.10g")
        script.write_text(R_SCRIPT)
        out = subprocess.run(["Rscript", str(script), str(csv), str(resamples)],
                             capture_output=True, text=True)
        if out.returncode:
            print(out.stderr)
            return None
        return float(out.stdout.split()[0])


def _fmt(s: float) -> str:
    return f"{s:.2f} s" if s >= 1 else f"{s * 1000:.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="5000,50000")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--r-resamples", type=int, default=None)
    args = ap.parse_args()
    print(f"Machine: {machine()}")
    print(f"| n | resamples | retrostudy | per resample | R loop (resamples run) | R scaled to "
          f"{args.resamples} | R / retrostudy | HR (failed resamples) |")
    print("|---|---|---|---|---|---|---|---|")
    for n in (int(float(v)) for v in args.sizes.split(",")):
        t, e, a, x = simulate(n)
        start = time.perf_counter()
        res = bootstrap_iptw(t, e, a, x, tau=365.0, n_resamples=args.resamples, seed=1)
        ours = time.perf_counter() - start
        rb = args.r_resamples or (100 if n <= 5000 else 20)
        r_time = run_r(t, e, a, x, rb)
        if r_time is None:
            r_cells = "skipped (no Rscript) | - | - |"
        else:
            scaled = r_time / rb * args.resamples
            r_cells = f"{_fmt(r_time)} ({rb}) | {_fmt(scaled)} | {scaled / ours:.0f}x |"
        print(f"| {n:,} | {args.resamples} | {_fmt(ours)} | {_fmt(ours / args.resamples)} | "
              f"{r_cells} {res.hazard_ratio:.3f} ({res.n_failed}) |")


if __name__ == "__main__":
    main()
