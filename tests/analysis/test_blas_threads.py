"""run_analyses keeps BLAS on one thread while the analyses run, and restores it after.

The analyses call BLAS on vectors and tall n x p matrices, where a multi-threaded OpenBLAS
is slower (thread wake-ups) and splits its sums by the number of cores. A probe analysis,
registered for the test only, records the BLAS thread counts it sees; the test first sets two
threads, so it fails without the limit on any machine with a threaded BLAS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from secondary_data import make_protocol
from threadpoolctl import threadpool_info, threadpool_limits

from retrostudy.analysis import registry, run_analyses
from retrostudy.analysis.registry import OMIT, Analysis


def _blas_threads() -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_analyses_run_on_one_blas_thread_and_the_setting_is_restored(monkeypatch):
    if not _blas_threads():
        pytest.skip("no BLAS library seen by threadpoolctl")
    seen: list[set[int]] = []

    def probe(_settings, data, _ctx):
        seen.append(_blas_threads())
        return float(np.ones(len(data)) @ np.ones(len(data)))  # a BLAS call, as the others

    entry = Analysis(name="blas_probe", json_key="blas_probe", run=probe,
                     settings=lambda b: b, to_json=lambda r: r, empty=OMIT)
    monkeypatch.setattr(registry, "REGISTRY", (*registry.REGISTRY, entry))
    data = pd.DataFrame({"patient_id": [f"q{i}" for i in range(6)],
                         "group": ["A", "B"] * 3,
                         "pfs_days": [40.0, 95.0, 120.0, 33.0, 210.0, 75.0],
                         "pfs_event": [1, 0, 1, 1, 0, 1]})
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        a = run_analyses(make_protocol({"survival": [{"endpoint": "pfs"}]}), data)
        after = _blas_threads()
    assert seen == [{1}]
    assert a.result("blas_probe") == 6.0
    assert after == before
