"""On the synthetic seed extract, derived endpoints equal the generator's truth per patient,
and the seed's Table 2 counts come out (PR 2/6, SD 6/15, PD 10/3; DCR 3/18 vs 15/24)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from retrostudy.cohort import build_cohort
from retrostudy.data.store import Store
from retrostudy.endpoints import derive_endpoints
from retrostudy.protocol.load import load_protocol

SEED = Path(__file__).resolve().parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"
synth = pytest.importorskip("retrostudy.synth")


@pytest.fixture(scope="module")
def derived():
    if not hasattr(synth, "generate_seed_study"):
        pytest.skip("retrostudy.synth.generate_seed_study not available")
    protocol = load_protocol(SEED)
    study = synth.generate_seed_study()
    store = Store.from_frames(study.tables)
    cohort = build_cohort(protocol, store)
    e = derive_endpoints(protocol.endpoints, store, cohort.patients, cohort.lines)
    truth = study.truth.set_index("patient_id").loc[e.data["patient_id"]]
    return e, truth


@pytest.mark.parametrize(("truth_col", "col"), [
    ("pfs_days", "pfs_days"), ("pfs_event", "pfs_event"), ("os_days", "os_days"),
    ("os_event", "os_event"), ("response", "response"), ("disease_control", "disease_control"),
    ("followup_days", "pfs_days"),
])
def test_numbers_equal_truth(derived, truth_col, col):
    e, truth = derived
    np.testing.assert_array_equal(e.data[col].to_numpy(dtype=float),
                                  truth[truth_col].to_numpy(dtype=float))


def test_labels_equal_truth(derived):
    e, truth = derived
    assert e.data["bor"].tolist() == truth["bor"].astype(str).tolist()
    mine = e.data["ttd_discontinuation_reason"].astype(object).where(
        e.data["ttd_discontinuation_reason"].notna(), None).tolist()
    theirs = truth["discontinuation_reason"].astype(object).where(
        truth["discontinuation_reason"].notna(), None).tolist()
    assert mine == theirs


def test_seed_table_2(derived):
    e, _ = derived
    bor = pd.crosstab(e.data["group"], e.data["bor"])
    assert bor.loc["Tmab/Pmab"].to_dict() == {"PD": 10, "PR": 2, "SD": 6}
    assert bor.loc["Tmab"].to_dict() == {"PD": 3, "PR": 6, "SD": 15}
    by = e.data.groupby("group")
    rates = {(g, m): (int(d[m].sum()), len(d)) for g, d in by
             for m in ("response", "disease_control")}
    assert rates[("Tmab/Pmab", "disease_control")] == (3, 18)
    assert rates[("Tmab", "disease_control")] == (15, 24)
