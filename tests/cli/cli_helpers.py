"""A small study on a generated analysis table (not the T-DM1 example) for the CLI tests:
groups whose names look like markup (``[prior]``, ``[x``), a constant covariate that
makes the adjusted Cox model not estimable (a warning with a code), and a deep folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

GROUPS = ("[prior]", "[x")


def write_study(folder: Path, n: int = 40, seed: int = 7) -> Path:
    """Write ``analysis.csv`` and ``study.toml`` into ``folder`` (created); returns the
    protocol's path."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    group = np.repeat(GROUPS, n // 2)
    scale = np.where(group == GROUPS[0], 120.0, 240.0)
    pd.DataFrame({
        "patient_id": [f"T{i:03d}" for i in range(n)],
        "group": group,
        "index_date": "2020-01-01",
        "pfs_days": np.ceil(rng.exponential(scale)).astype(int),
        "pfs_event": (rng.random(n) < 0.8).astype(int),
        "constant_covariate_with_a_long_name": 1,
    }).to_csv(folder / "analysis.csv", index=False)
    protocol = folder / "study.toml"
    protocol.write_text(
        '[study]\ntitle = "CLI conventions [test] study"\n'
        '[analysis_table]\nfile = "analysis.csv"\n'
        f'[groups]\nreference = "{GROUPS[1]}"\n'
        f'[[groups.group]]\nname = "{GROUPS[0]}"\n[[groups.group]]\nname = "{GROUPS[1]}"\n'
        '[[analyses.survival]]\nendpoint = "pfs"\nlabel = "PFS"\n'
        'adjust = ["constant_covariate_with_a_long_name"]\n',
        encoding="utf-8")
    return protocol


def deep(tmp_path: Path) -> Path:
    """A folder whose path is well over 80 characters (wrapping would split it)."""
    return tmp_path.joinpath(*(["a-folder-with-a-rather-long-name"] * 4))
