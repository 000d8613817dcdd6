"""Time the OMOP loader on a large synthetic CDM (Parquet folder, DuckDB engine).

    PYTHONPATH=src python benchmarks/bench_omop.py --persons 1000000

Writes a CDM of random rows built with numpy (about 40 rows per person: drug_exposure 20,
measurement 10, condition_occurrence 5, observation 3, observation_period 1, death 0.3;
most concepts in the default sets, some not) to a temporary folder, then maps it with
``check_omop`` and prints the time and the per-table counts. Rows are random, not
clinically coherent: this measures throughput only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import machine

from retrostudy.data.omop.load import check_omop
from retrostudy.data.store import duckdb_backend
from retrostudy.protocol.data import DataBlock

DRUGS = [1387104, 42801287, 43525787, 1315942, 1378382, 1337620, 1343346, 1075655, 999]
CONDITIONS = [2000000021, 777, 778]
MEASUREMENTS = [2000000002, 2000000001, 3000, 3001]


def _dates(rng, n, start="2010-01-01", days=3650):
    return (np.datetime64(start) + rng.integers(0, days, n)).astype("datetime64[s]")


def write_cdm(folder: Path, persons: int, seed: int = 1) -> int:
    rng = np.random.default_rng(seed)
    pid = np.arange(1, persons + 1)
    tables = {
        "person": pd.DataFrame({
            "person_id": pid, "gender_concept_id": rng.choice([8532, 8507], persons),
            "year_of_birth": rng.integers(1930, 1990, persons),
            "month_of_birth": rng.integers(1, 13, persons),
            "day_of_birth": rng.integers(1, 29, persons)}),
        "observation_period": pd.DataFrame({
            "person_id": pid, "observation_period_end_date": _dates(rng, persons, "2018-01-01",
                                                                    1000)}),
        "death": pd.DataFrame({"person_id": rng.choice(pid, persons * 3 // 10, replace=False),
                               "death_date": _dates(rng, persons * 3 // 10, "2019-01-01")}),
    }
    n = persons * 20
    start = _dates(rng, n)
    tables["drug_exposure"] = pd.DataFrame({
        "drug_exposure_id": np.arange(n), "person_id": rng.integers(1, persons + 1, n),
        "drug_concept_id": rng.choice(DRUGS, n), "drug_exposure_start_date": start,
        "drug_exposure_end_date": start + rng.integers(0, 2, n).astype("timedelta64[D]"),
        "stop_reason": pd.Categorical(rng.choice([None, "progression"], n, p=[0.95, 0.05])),
        "drug_source_value": pd.Categorical(rng.choice(["Herceptin", "Kadcyla"], n))})
    n = persons * 5
    tables["condition_occurrence"] = pd.DataFrame({
        "condition_occurrence_id": np.arange(n), "person_id": rng.integers(1, persons + 1, n),
        "condition_concept_id": rng.choice(CONDITIONS, n), "condition_start_date": _dates(rng, n)})
    n = persons * 10
    tables["measurement"] = pd.DataFrame({
        "measurement_id": np.arange(n), "person_id": rng.integers(1, persons + 1, n),
        "measurement_concept_id": rng.choice(MEASUREMENTS, n), "measurement_date": _dates(rng, n),
        "value_as_number": np.full(n, np.nan),
        "value_as_concept_id": rng.choice([2000000013, 2000000015], n)})
    n = persons * 3
    tables["observation"] = pd.DataFrame({
        "observation_id": np.arange(n), "person_id": rng.integers(1, persons + 1, n),
        "observation_concept_id": rng.choice([555, 556], n), "observation_date": _dates(rng, n),
        "value_as_number": np.full(n, np.nan)})
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return sum(len(f) for f in tables.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cdm"
        folder.mkdir()
        t0 = time.perf_counter()
        rows = write_cdm(folder, args.persons)
        print(f"wrote {rows:,} OMOP rows for {args.persons:,} persons "
              f"in {time.perf_counter() - t0:.1f} s")
        block = DataBlock.model_validate({"format": "omop", "path": "cdm",
                                          "policy": {"unresolved_concept": "quarantine"}})
        t0, c0 = time.perf_counter(), time.process_time()
        result = check_omop(block, tmp, duckdb_backend())
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"check_omop: {elapsed:.1f} s wall, {cpu:.1f} s CPU (all threads) ({machine()})")
    for name, c in result.counts.items():
        print(f"  {name:22s} read {c.read:>12,} mapped {c.loaded:>12,} "
              f"not relevant {c.not_relevant:>12,} rejected {c.rejected:>8,}")


if __name__ == "__main__":
    main()
