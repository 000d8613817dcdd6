"""cProfile top-20 tables of the statistical hot paths, written to ``benchmarks/profiles/``.

A script, not a test. Run from the repository root::

    PYTHONPATH=src python benchmarks/profile_hot.py [--n 1000000] [--out benchmarks/profiles]

Profiles (same generated data as ``run.py``): the Cox fit (Efron ties, continuous times)
at p = 5 and p = 20, and the propensity-score logistic fit (``propensity_score``) at
n rows x 10 covariates; ``--cox-grid`` the Cox fit at p = 5 and 20 on continuous and
day times with Efron and Breslow ties instead. ``--pipeline 1e5`` profiles the whole
seed study instead
(``run_study`` on ``retrostudy synth`` records, as ``bench_pipeline.py``; DuckDB's own
threads are not seen by cProfile, their time shows under the query calls).
Each file holds the machine line (CPU, cores, load average), the
total wall time of the profiled call and pstats' top 20 by cumulative and by own time.
BLAS is single-threaded, as in the benchmarks.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy is imported

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from _common import machine  # noqa: E402
from _data import cox_data, logistic_data  # noqa: E402

from retrostudy.stats import cox_ph, propensity_score  # noqa: E402


def profile(label: str, fn, out: Path, warm: bool = True) -> None:
    if warm:
        fn()  # warm-up: imports and first-call costs are not what the profile is for
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.enable()
    fn()
    prof.disable()
    wall = time.perf_counter() - start
    buf = io.StringIO()
    buf.write(f"{label}\nMachine: {machine()}\nWall time under the profiler: {wall:.3f} s\n")
    for key in ("cumulative", "tottime"):
        buf.write(f"\n## top 20 by {key}\n")
        stats = pstats.Stats(prof, stream=buf)
        stats.strip_dirs().sort_stats(key).print_stats(20)
    # pstats prints absolute paths of the profiled files; keep the tables path-free
    out.write_text("\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n")
    print(f"{out}: {wall:.3f} s")


def pipeline(n: int, out: Path, data: str | None) -> None:
    """The whole seed study (``bench_pipeline.py``'s protocol, canonical Parquet records on
    DuckDB) under the profiler, once (no warm-up run)."""
    import tempfile

    import bench_pipeline as bp

    from retrostudy.pipeline import run_study

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(data or tmp) / f"records_{n}"
        if not folder.exists():
            bp.synth(n, "records", folder)
        study = Path(tmp) / "study.toml"
        study.write_text(bp.protocol_text(folder, None), encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        size = f"{n:.0e}".replace("e+0", "e").replace("e+", "e")
        profile(f"run_study (seed protocol, canonical Parquet records, DuckDB), {n} persons",
                lambda: run_study(str(study), out=str(Path(tmp) / "report")),
                out / f"pipeline_records_n{size}.txt", warm=False)


def cox_grid(n: int, size: str, out: Path) -> None:
    for p in (5, 20):
        for days in (False, True):
            data, cov = cox_data(n, p, days=days)
            times = "days" if days else "continuous"
            for ties in ("efron", "breslow"):
                profile(f"cox_ph(ties={ties!r}), n = {n}, p = {p}, {times} times",
                        lambda data=data, cov=cov, ties=ties: cox_ph(
                            data, time="time", event="event", covariates=cov, ties=ties),
                        out / f"cox_{ties}_p{p}_{times}_n{size}.txt")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=float, default=1e6)
    ap.add_argument("--out", default=str(Path(__file__).parent / "profiles"))
    ap.add_argument("--pipeline", type=float, metavar="PERSONS",
                    help="instead: profile run_study on a synthetic extract of PERSONS")
    ap.add_argument("--data", help="with --pipeline: keep/reuse the extract in this folder")
    ap.add_argument("--cox-grid", action="store_true",
                    help="instead: Cox at p = 5 and 20, continuous and day times, Efron and "
                    "Breslow (cox_{ties}_p{p}_{times}_n{n}.txt)")
    args = ap.parse_args()
    if args.pipeline:
        pipeline(int(args.pipeline), Path(args.out), args.data)
        return
    n, out = int(args.n), Path(args.out)
    size = f"{n:.0e}".replace("e+0", "e").replace("e+", "e")  # 1e6
    out.mkdir(parents=True, exist_ok=True)
    if args.cox_grid:
        cox_grid(n, size, out)
        return
    for p in (5, 20):
        data, cov = cox_data(n, p, days=False)
        profile(f"cox_ph(ties='efron'), n = {n}, p = {p}, continuous times",
                lambda data=data, cov=cov: cox_ph(data, time="time", event="event",
                                                  covariates=cov),
                out / f"cox_efron_p{p}_n{size}.txt")
        del data
    x, t = logistic_data(n, 10)
    profile(f"propensity_score (logistic IRLS), n = {n}, 10 covariates",
            lambda: propensity_score(x, t), out / f"ps_logistic_p10_n{size}.txt")


if __name__ == "__main__":
    main()
