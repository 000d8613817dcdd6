"""Snapshot tests of every table body on the fixed 42-patient analysis table.

The committed snapshots (snapshots/*.txt) were written by this module with
``RETROSTUDY_UPDATE_SNAPSHOTS=1`` and then checked: the key numbers in them are
cross-checked independently in test_table1.py, test_response.py and test_survival.py
(scipy, hand calculation, or the seed paper's own printed values).
"""

import os
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "snapshots"
KEYS = ["table1", "survival_pfs", "cox_pfs", "table2_response", "followup", "discontinuation"]


@pytest.mark.parametrize("key", KEYS)
def test_table_body_matches_snapshot(tables, analyses, key):
    text = tables[key].to_text()
    path = SNAPSHOTS / f"{key}.txt"
    if os.environ.get("RETROSTUDY_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
