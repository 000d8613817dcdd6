"""End-to-end scaling table: the seed protocol on 10k, 100k and 1M synthetic persons.

For each size and input (``csv``: the raw CSV extract ``retrostudy synth`` writes by
default; ``parquet``: the same extract as Parquet; ``omop``: an OMOP CDM in Parquet), the
whole study runs in a fresh process (benchmarks/bench_pipeline.py's child: stage times
from the pipeline's progress messages, peak RSS of the process tree sampled every 50 ms).
Sizes up to ``--repeat-below`` persons are run ``--repeat`` times and the median is shown;
larger ones once (``--large-runs``). The growth exponent between two sizes is the log-log
slope ``log(t2 / t1) / log(n2 / n1)`` (1 = linear) of each stage's time and of the peak.

    PYTHONPATH=src python benchmarks/e2e_scaling.py --patients 10000 100000 1000000 \\
        --inputs csv omop --data /tmp/extracts --out benchmarks/e2e_scaling.md

Writes the Markdown table (machine, load averages, date) to ``--out`` and prints it; the
JSON of every run goes next to it (``.json``). Nothing in it is typed by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import machine  # noqa: E402
from bench_pipeline import measure  # noqa: E402

STAGES = ("load", "cohort", "endpoints", "analyses", "report")
SYNTH = {"csv": [], "parquet": ["--format", "parquet"], "omop": ["--omop", "--format", "parquet"]}


def extract(base: Path, kind: str, n: int) -> Path:
    folder = base / f"{kind}_{n}"
    if not folder.exists():
        subprocess.run([sys.executable, "-m", "retrostudy", "synth", "--patients", str(n),
                        "--out", str(folder), "-q", *SYNTH[kind]], check=True)
    return folder


def run(kind: str, data: Path, keys: tuple[str, ...] = ()) -> dict:
    with tempfile.TemporaryDirectory() as work:
        before = os.getloadavg()[0]
        r = measure("omop" if kind == "omop" else "records", data, Path(work), keys=keys)
        return {"wall": r["wall"], "peak_gb": r["peak_gb"], "analysed": r["analysed"],
                **{s: r["stages"].get(s, 0.0) for s in STAGES},
                # CPU seconds of the process per stage: steadier than wall on a shared machine
                "cpu": {s: r["stage_cpu"].get(s, 0.0) for s in STAGES},
                "load_avg": [before, os.getloadavg()[0]]}


def median(runs: list[dict]) -> dict:
    keys = ("wall", "peak_gb", *STAGES)
    return {**{k: statistics.median(r[k] for r in runs) for k in keys},
            "analysed": runs[0]["analysed"], "n_runs": len(runs),
            "load_avg": [min(r["load_avg"][0] for r in runs), max(r["load_avg"][1] for r in runs)]}


def slope(a: float, b: float, n1: int, n2: int) -> str:
    if a <= 0 or b <= 0:
        return "–"
    return f"{math.log(b / a) / math.log(n2 / n1):.2f}"


def table(results: dict) -> str:
    lines = [
        f"Measured {dt.date.today().isoformat()} on {machine()}, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM.",
        "Wall seconds per stage; the median of the runs shown (load average: 1-minute, lowest "
        "before / highest after).",
        "",
        "| persons | input | runs | analysed | load | cohort | endpoints | analyses | report "
        "| **total** | **peak RSS** | load average |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for (kind, n), m in sorted(results.items(), key=lambda x: (x[0][0], x[0][1])):
        stages = " | ".join(f"{m[s]:.1f}" for s in STAGES)
        lines.append(f"| {n:,} | {kind} | {m['n_runs']} | {m['analysed']:,} | {stages} "
                     f"| **{m['wall']:.1f} s** | **{m['peak_gb']:.2f} GB** "
                     f"| {m['load_avg'][0]:.1f} / {m['load_avg'][1]:.1f} |")
    lines += ["", "Growth exponent (log-log slope; 1 = linear in persons):", "",
              "| input | sizes | load | cohort | endpoints | analyses | report | total | peak |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    kinds = sorted({k for k, _ in results})
    for kind in kinds:
        sizes = sorted(n for k, n in results if k == kind)
        for n1, n2 in zip(sizes, sizes[1:], strict=False):
            a, b = results[(kind, n1)], results[(kind, n2)]
            cells = " | ".join(slope(a[k], b[k], n1, n2) for k in (*STAGES, "wall", "peak_gb"))
            lines.append(f"| {kind} | {n1:,} → {n2:,} | {cells} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--inputs", nargs="+", default=["csv", "omop"], choices=sorted(SYNTH))
    parser.add_argument("--data", required=True, help="folder for (or with) the extracts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeat-below", type=int, default=100_000)
    parser.add_argument("--large-runs", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).parent / "e2e_scaling.md"))
    parser.add_argument("--data-key", action="append", default=[], metavar="TOML",
                        help="an extra [data] line, e.g. 'extraction_date = 2030-01-01' (the "
                             "1M synthetic extract holds records dated after today)")
    parser.add_argument("--insert", nargs="*", default=[], metavar="FILE",
                        help="replace the block between <!-- e2e_scaling --> and "
                             "<!-- /e2e_scaling --> in these files with the table")
    parser.add_argument("--table-only", action="store_true",
                        help="measure nothing: rebuild the table from --out's JSON")
    parser.add_argument("--merge", action="store_true",
                        help="keep the runs already in --out's JSON for sizes/inputs not rerun")
    args = parser.parse_args()
    out = Path(args.out)
    store = out.with_suffix(".json")
    runs: dict = {}
    if (args.merge or args.table_only) and store.exists():
        runs = {tuple(json.loads(k)): v for k, v in json.loads(store.read_text()).items()}
    for n in [] if args.table_only else args.patients:
        for kind in args.inputs:
            data = extract(Path(args.data), kind, n)
            times = args.repeat if n <= args.repeat_below else args.large_runs
            runs[(kind, n)] = [run(kind, data, tuple(args.data_key)) for _ in range(times)]
            m = median(runs[(kind, n)])
            print(f"{kind} {n:,}: {m['wall']:.1f} s, {m['peak_gb']:.2f} GB", file=sys.stderr,
                  flush=True)
            store.write_text(json.dumps({json.dumps(k): v for k, v in runs.items()}, indent=1))
    text = table({k: median(v) for k, v in runs.items()})
    out.write_text(text, encoding="utf-8")
    for name in args.insert:
        insert(Path(name), text)
    print(text)


def insert(path: Path, text: str) -> None:
    """Put ``text`` between the markers in ``path`` (Markdown comments, kept)."""
    start, end = "<!-- e2e_scaling -->\n", "<!-- /e2e_scaling -->"
    doc = path.read_text(encoding="utf-8")
    head, rest = doc.split(start, 1)
    path.write_text(head + start + text + rest[rest.index(end):], encoding="utf-8")


if __name__ == "__main__":
    main()
