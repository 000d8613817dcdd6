"""Loading benchmark: N synthetic patients from Parquet and from CSV into DuckDB.

Each patient has ~30 drug administrations (brand, generic and abbreviated spellings),
6 tumour assessments (mixed response spellings), 3 biomarkers and 2 observations. The
extract is generated with numpy/pyarrow here (seeded; a few seconds for 1M patients), then
each load runs in a fresh subprocess whose resident memory is sampled every 50 ms
(psutil), so the peak is the loader's alone. Wall time is the whole ``load_records`` call
(reading, typing, every validation, rejects table); CPU is the child's user + system time
(over both cores), useful when other work shares the machine (load avg = 1-min average).

    .venv/bin/python benchmarks/bench_load.py --patients 100000 1000000

Prints a Markdown table for benchmarks/README.md ("Loading").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DRUGS = ["Herceptin", "trastuzumab", "Perjeta", "pertuzumab", "DTX", "docetaxel",
         "Kadcyla", "T-DM1", "CAPE", "Xeloda", "Lapa", "PTX", "nab-PTX", "Halaven",
         "Enhertu", "ハーセプチン", "カドサイラ", "letrozole", "Faslodex", "ランマーク"]
RESPONSES = ["PR", "Partial Response", "SD", "stable", "PD", "progressive disease", "CR", "NE"]
EPOCH = np.datetime64("1970-01-01", "D")


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("int32"), pa.int32()).cast(pa.date32())


def _repeat(ids: pa.Array, k: int) -> pa.Array:
    return ids.take(pa.array(np.repeat(np.arange(len(ids)), k)))


def generate(n: int, seed: int = 1) -> dict[str, pa.Table]:
    """The six tables for ``n`` patients (seeded, vectorised)."""
    rng = np.random.default_rng(seed)
    ids = pa.array([f"P{i:07d}" for i in range(n)])
    birth = (np.datetime64("1940-01-01") - EPOCH).astype(int) + rng.integers(0, 40 * 365, n)
    start = (np.datetime64("2010-01-01") - EPOCH).astype(int) + rng.integers(0, 8 * 365, n)
    k = 30
    gaps = rng.integers(14, 28, (n, k)).cumsum(axis=1) - 14
    admin_days = (start[:, None] + gaps).ravel()
    last = start + gaps[:, -1]
    dead = rng.random(n) < 0.3
    death = np.where(dead, last + rng.integers(30, 300, n), -1)
    contact = np.where(dead, death, last + rng.integers(0, 200, n))
    patients = pa.table({
        "patient_id": ids, "birth_date": _dates(birth),
        "sex": pa.array(np.where(rng.random(n) < 0.99, "female", "F")),
        "death_date": pa.array(death.astype("int32"), mask=~dead).cast(pa.date32()),
        "last_contact_date": _dates(contact),
    })
    drugs = pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, len(DRUGS), n * k).astype("int32")), pa.array(DRUGS))
    administrations = pa.table({
        "patient_id": _repeat(ids, k), "drug": drugs.cast(pa.string()),
        "date": _dates(admin_days),
    })
    m = 6
    assess = start[:, None] + 42 * np.arange(1, m + 1)[None, :]
    assess = np.minimum(assess, contact[:, None]).ravel()
    assessments = pa.table({
        "patient_id": _repeat(ids, m),
        "date": _dates(assess + np.tile(np.arange(m), n) * 0),
        "response": pa.DictionaryArray.from_arrays(
            pa.array(rng.integers(0, len(RESPONSES), n * m).astype("int32")),
            pa.array(RESPONSES)).cast(pa.string()),
    })
    # distinct dates per patient so (patient_id, date) stays a key
    assessments = assessments.set_column(1, "date", _dates(
        np.minimum(start[:, None] + 42 * np.arange(1, m + 1)[None, :], 10**6).ravel()))
    markers = np.tile(np.array(["ER", "PgR", "HER2"]), n)
    biomarkers = pa.table({
        "patient_id": _repeat(ids, 3), "date": _dates(np.repeat(start - 400, 3)),
        "marker": pa.array(markers), "method": pa.array(np.where(markers == "HER2", "IHC", "IHC")),
        "result": pa.array(np.where(rng.random(3 * n) < 0.6, "positive", "negative")),
        "specimen": pa.array(np.full(3 * n, "primary")),
    })
    observations = pa.table({
        "patient_id": _repeat(ids, 2), "date": _dates(np.repeat(start - 7, 2)),
        "name": pa.array(np.tile(np.array(["ecog", "metastatic_site"]), n)),
        "value": pa.array(np.where(np.arange(2 * n) % 2 == 0, "1", "liver")),
    })
    return {"patients": patients, "drug_administrations": administrations,
            "tumor_assessments": assessments, "biomarkers": biomarkers,
            "observations": observations}


def write(tables: dict[str, pa.Table], folder: Path, fmt: str) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        if fmt == "parquet":
            pq.write_table(table, folder / f"{name}.parquet")
        else:
            pacsv.write_csv(table, folder / f"{name}.csv",
                            pacsv.WriteOptions(quoting_style="needed"))
    return sum(p.stat().st_size for p in folder.iterdir())


def run_one(folder: str) -> None:
    """Child process: load ``folder`` and print timings as JSON."""
    from retrostudy.data import load_records
    from retrostudy.protocol.data import DataBlock

    t0 = time.perf_counter()
    result = load_records(DataBlock(path=folder))
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                      "rows": {t: c.read for t, c in result.counts.items()},
                      "rejected": sum(c.rejected for c in result.counts.values())}))


def measure(folder: Path) -> dict:
    import psutil

    proc = subprocess.Popen([sys.executable, __file__, "--run-one", str(folder)],
                            stdout=subprocess.PIPE, text=True)
    handle, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            peak = max(peak, handle.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    out = json.loads(proc.stdout.read().strip().splitlines()[-1])
    return {**out, "peak_gb": peak / 1e9}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"])
    parser.add_argument("--run-one")
    args = parser.parse_args()
    if args.run_one:
        run_one(args.run_one)
        return
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print("| patients | format | rows read | input size | wall (s) | CPU (s) | peak RSS (GB) "
          "| load avg |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n in args.patients:
        t0 = time.perf_counter()
        tables = generate(n)
        gen = time.perf_counter() - t0
        for fmt in args.formats:
            with tempfile.TemporaryDirectory() as tmp:
                size = write(tables, Path(tmp), fmt)
                r = measure(Path(tmp))
                assert r["rejected"] == 0, r
                print(f"| {n:,} | {fmt} | {sum(r['rows'].values()):,} | {size / 1e6:,.0f} MB "
                      f"| {r['wall']:.1f} | {r['cpu']:.1f} | {r['peak_gb']:.2f} "
                      f"| {os.getloadavg()[0]:.1f} |", flush=True)
        print(f"(generated {n:,} patients in {gen:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
