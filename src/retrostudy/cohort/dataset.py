"""Write the analysis dataset (one row per analysed patient) as CSV and Parquet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True, slots=True, kw_only=True)
class WrittenDataset:
    csv: Path
    parquet: Path
    n_rows: int


def write_analysis_dataset(
    df: pd.DataFrame, out_dir: str | Path, name: str = "analysis_dataset"
) -> WrittenDataset:
    """Write ``df`` to ``out_dir/<name>.csv`` and ``out_dir/<name>.parquet``.

    Dates are written as ISO ``YYYY-MM-DD`` in the CSV; missing values as empty cells.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv, parquet = out / f"{name}.csv", out / f"{name}.parquet"
    df.to_csv(csv, index=False, date_format="%Y-%m-%d")
    df.to_parquet(parquet, index=False)
    return WrittenDataset(csv=csv, parquet=parquet, n_rows=len(df))
