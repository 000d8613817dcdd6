"""Whole-study benchmark: records -> cohort -> endpoints -> analyses -> report, N persons.

The seed protocol (examples/tdm1_after_pertuzumab/study.toml without its [published] and
[comparators] blocks, which describe the 42-patient seed cohort, and without
``ever_docetaxel`` among the propensity covariates: every synthetic patient had docetaxel)
is run on a synthetic extract of N persons written by ``retrostudy synth``:

- ``records``: canonical Parquet tables (``synth --patients N --format parquet --canonical``)
  loaded into DuckDB;
- ``omop``: an OMOP CDM extract (``synth --patients N --omop --format parquet``) read with
  ``[data] format = "omop"`` on DuckDB;
- ``spark``: the canonical Parquet tables on Spark local mode (``--engine spark``);
- ``omop-spark``: the OMOP CDM extract mapped and queried by Spark local mode.

Each run is a fresh subprocess calling ``run_study`` (report written to a temporary folder,
every output format). Stage times are the intervals between the pipeline's progress
messages (load = reading, typing and checking the records; cohort; endpoints; analyses;
report = figures, HTML, Word, CSV, results.json, written to disk). Peak RSS is sampled
every 50 ms over the child's whole process tree (Spark's JVM included); CPU is the user +
system time of the tree's finished processes plus the child itself (over both cores).

    PYTHONPATH=src python benchmarks/bench_pipeline.py --patients 100000 1000000 \\
        --inputs records omop spark omop-spark

Prints a Markdown table for benchmarks/README.md ("Pipeline end to end").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import machine, run_sampled  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tdm1_after_pertuzumab" / "study.toml"
STAGES = {
    "Loading records": "load",
    "Building the cohort": "cohort",
    "Deriving endpoints": "endpoints",
    "Running the analyses": "analyses",
    "Drawing figures": "report",  # drawing and writing the report: one column
    "Writing the report": "report",
}
SYNTH = {
    "records": ["--format", "parquet", "--canonical"],
    "spark": ["--format", "parquet", "--canonical"],
    "omop": ["--omop", "--format", "parquet"],
    "omop-spark": ["--omop", "--format", "parquet"],  # the same CDM, mapped by Spark
}


def protocol_text(data: Path, fmt: str | None, keys: tuple[str, ...] = ()) -> str:
    """The seed protocol reading ``data`` (format ``fmt``), without the seed-only blocks,
    with extra ``[data]`` ``keys`` (TOML lines such as ``memory_limit = "3GB"``)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text[: text.index("\n[published]")]
    # every synthetic patient had docetaxel: a constant cannot enter the propensity model
    text = re.sub(r'(?m)^  \{ name = "ever_docetaxel".*\n', "", text)
    text = re.sub(r'(?m)^path = "data".*$', f"path = {json.dumps(str(data))}", text)
    if fmt:
        text = text.replace("\n[data]\n", f'\n[data]\nformat = "{fmt}"\n', 1)
    for key in keys:
        text = text.replace("\n[data]\n", f"\n[data]\n{key}\n", 1)
    return text


def run_one(protocol: str, engine: str | None, out: str) -> None:
    """Child process: run the study, print the stage times and counts as JSON."""
    from retrostudy.pipeline import run_study

    marks: list[tuple[str, float, float]] = []
    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        marks.append((STAGES.get(msg, msg), time.perf_counter(), time.process_time()))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # GB so far (Linux)
        print(f"  {marks[-1][1] - t0:7.1f} s  {msg} (peak RSS so far {peak:.2f} GB)",
              file=sys.stderr, flush=True)

    result = run_study(protocol, engine=engine, out=out, progress=progress)
    end = time.perf_counter()
    bounds = [*marks, ("end", end, time.process_time())]
    pairs = list(zip(marks, bounds[1:], strict=True))
    stages: dict[str, float] = {}
    stage_cpu: dict[str, float] = {}
    for a, b in pairs:  # a stage may span several messages (the report's two)
        stages[a[0]] = stages.get(a[0], 0.0) + b[1] - a[1]
        stage_cpu[a[0]] = stage_cpu.get(a[0], 0.0) + b[2] - a[2]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "wall": end - t0, "stages": stages, "stage_cpu": stage_cpu,
        "cpu": usage.ru_utime + usage.ru_stime,
        "analysed": len(result.dataset), "n_groups": dict(result.analyses.n),
    }, default=str))


def synth(n: int, kind: str, folder: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "retrostudy", "synth", "--patients", str(n), "--out", str(folder),
         *SYNTH[kind]], check=True, stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def measure(kind: str, data: Path, work: Path, keep: str | None = None,
            keys: tuple[str, ...] = ()) -> dict:
    study = work / f"study_{kind}.toml"
    omop = kind.startswith("omop")
    study.write_text(protocol_text(data, "omop" if omop else None, keys), encoding="utf-8")
    spark = kind in ("spark", "omop-spark")
    engine = ["--engine", "spark"] if spark else []  # else the protocol's [data]
    out, peak, cpu = run_sampled(
        [sys.executable, __file__, "--run-one", str(study), *engine,
         "--out", str(Path(keep or work) / f"report_{kind}_{data.name}")]
    )
    res = json.loads(out.strip().splitlines()[-1])
    return {**res, "peak_gb": peak / 1e9, "cpu_tree": cpu}


def row(n: int, kind: str, r: dict, load_before: float) -> str:
    st, cpu = r["stages"], r["stage_cpu"]
    parts = " | ".join(
        f"{st.get(s, float('nan')):.1f} ({cpu.get(s, float('nan')):.0f})"
        for s in dict.fromkeys(STAGES.values())
    )
    return (f"| {n:,} | {kind} | {r['analysed']:,} | {parts} | **{r['wall']:.1f}** "
            f"| {max(r['cpu'], r['cpu_tree']):.0f} | **{r['peak_gb']:.2f}** "
            f"| {load_before:.1f} / {os.getloadavg()[0]:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--inputs", nargs="+", default=["records", "omop", "spark"],
                        choices=sorted(SYNTH))
    parser.add_argument("--data", help="reuse/keep generated extracts in this folder")
    parser.add_argument("--data-key", action="append", default=[], metavar="TOML",
                        help='an extra [data] line, e.g. --data-key \'memory_limit = "3GB"\'')
    parser.add_argument("--run-one")
    parser.add_argument("--engine")
    parser.add_argument("--out")
    parser.add_argument("--keep", help="write the reports under this folder (else discarded)")
    args = parser.parse_args()
    if args.run_one:
        run_one(args.run_one, args.engine, args.out)
        return
    print(f"machine: {machine()}, Python {sys.version.split()[0]}")
    if args.data_key:
        print(f"[data] {'; '.join(args.data_key)}")
    print("stage columns: wall seconds (CPU seconds of the Python process, all its threads)")
    print("| persons | input | analysed | load (s) | cohort (s) | endpoints (s) | analyses (s) "
          "| report (s) | wall (s) | CPU (s) | peak RSS (GB) | load avg before / after |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.data or tmp)
        for n in args.patients:
            for kind in args.inputs:
                data = base / f"{'omop' if kind.startswith('omop') else 'records'}_{n}"
                if not data.exists():
                    secs = synth(n, kind, data)
                    print(f"(synth {kind} {n:,}: {secs:.1f} s)", file=sys.stderr)
                before = os.getloadavg()[0]
                with tempfile.TemporaryDirectory() as work:
                    r = measure(kind, data, Path(work), args.keep, tuple(args.data_key))
                    print(row(n, kind, r, before), flush=True)


if __name__ == "__main__":
    main()
