"""Swimmer plot: one bar per patient, capped per group for large cohorts (evenly spaced)."""

import numpy as np
import pandas as pd
import pytest

from retrostudy.errors import ProtocolError
from retrostudy.protocol.report import ReportBlock
from retrostudy.report.figures.swimmer import draw_swimmer, thin_groups


def _data(sizes: dict[str, int], seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for g, m in sizes.items():
        frames.append(
            pd.DataFrame(
                {
                    "patient_id": [f"{g}{i:05d}" for i in range(m)],
                    "group": g,
                    "ttd_days": rng.permutation(np.arange(1, m + 1)) * 3,
                    "ttd_event": rng.integers(0, 2, m),
                    "pfs_days": rng.integers(1, 900, m),
                    "pfs_event": rng.integers(0, 2, m),
                    "bor": rng.choice(["PR", "SD", "PD"], m),
                    "bor_days": rng.integers(1, 300, m).astype(float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _bars(fig) -> list:
    return list(fig.figure.axes[0].patches)


def _label_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.figure.axes[0].texts]


def test_thinning_keeps_evenly_spaced_ranks_hand_derived():
    d = pd.DataFrame({"group": ["A"] * 5 + ["B"] * 2, "x": range(7)})
    kept, sizes = thin_groups(d, 3)
    # m = 5, k = 3: ranks round(i * 4 / 2) = 0, 2, 4; B (2 rows) is kept whole
    assert kept["x"].tolist() == [0, 2, 4, 5, 6]
    assert sizes == {"A": (3, 5), "B": (2, 2)}
    everything, sizes = thin_groups(d, None)
    assert everything["x"].tolist() == list(range(7)) and sizes == {"A": (5, 5), "B": (2, 2)}


def test_small_cohort_draws_every_patient_and_says_nothing_more():
    d = _data({"A": 18, "B": 24})
    fig = draw_swimmer(d, ["A", "B"], "pfs", 30.4375, max_per_group=50)
    assert len(_bars(fig)) == 42
    assert "evenly spaced" not in fig.caption
    assert sorted(_label_texts(fig)) == ["A", "B"]


def test_large_group_is_capped_keeping_shortest_and_longest_and_says_so():
    d = _data({"A": 1000, "B": 30})
    fig = draw_swimmer(d, ["A", "B"], "pfs", 30.4375, max_per_group=40)
    bars = _bars(fig)
    assert len(bars) == 40 + 30
    widths = sorted(b.get_width() * 30.4375 for b in bars)
    a_days = d.loc[d["group"] == "A", "ttd_days"]
    assert widths[0] == pytest.approx(a_days.min()) and widths[-1] == pytest.approx(a_days.max())
    assert "A: 40 of 1000" in fig.caption and "B:" not in fig.caption
    assert "A\n(40 of 1000)" in _label_texts(fig) and "B" in _label_texts(fig)


def test_uncapped_draws_every_bar():
    d = _data({"A": 120})
    fig = draw_swimmer(d, ["A"], "pfs", 30.4375, max_per_group=None)
    assert len(_bars(fig)) == 120


def test_protocol_option_default_and_validation():
    assert ReportBlock().swimmer_max_per_group == 50
    assert ReportBlock(swimmer_max_per_group=0).swimmer_max_per_group == 0
    with pytest.raises((ProtocolError, ValueError)):
        ReportBlock(swimmer_max_per_group=-1)
