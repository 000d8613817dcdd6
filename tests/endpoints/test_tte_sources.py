"""``kind = "tte"`` (declarative sources), the typed outcomes and the analysis dataset.

Hand-built sequences (conftest.py); every expected value is worked out from the rules in
docs/endpoints.md ("Any time-to-event from sources", "Analysis dataset columns").
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import rows, run
from pydantic import ValidationError

from retrostudy.endpoints import AnalysisDataset
from retrostudy.errors import ProtocolError
from retrostudy.protocol.endpoints import EndpointsBlock

TTF = {"ttf": {"kind": "tte", "events": ["next_treatment", "death", "progression"],
               "censor": ["last_known_alive"]}}


def test_first_event_wins_else_latest_censoring():
    d = rows(TTF, {
        "line": [(40, "SD"), (90, "PD")],  # next line day 60 comes before the PD (90)
        "pd": [(50, "PD")],
        "alive": [(30, "SD")],  # last contact day 400 is the latest date known alive
        "dead": [],
    }, lines={"line": 60}, deaths={"dead": 20},
        contacts={"alive": 400})
    got = d[["ttf_days", "ttf_event", "ttf_reason"]].astype(str).agg(" ".join, axis=1)
    assert got.to_dict() == {"line": "60 1 next_treatment", "pd": "50 1 progression",
                             "alive": "400 0 censored_last_contact", "dead": "20 1 death"}


def test_a_line_after_death_is_no_event_and_a_renamed_reason_is_written():
    block = {"ttf": {"kind": "tte", "events": [{"source": "next_treatment",
                                                "reason": "treatment_failure"}],
                     "censor": ["death", "index_date"]}}
    d = rows(block, {"a": [], "b": []}, lines={"a": 30, "b": 90}, deaths={"b": 50})
    assert d.loc["a", "ttf_reason"] == "treatment_failure"
    assert (d.loc["b", "ttf_days"], d.loc["b", "ttf_reason"]) == (50, "censored_death")


def test_next_treatment_sources_need_the_lines_table():
    with pytest.raises(ProtocolError, match=r"endpoint\(s\) \['ttf'\] need the lines-of-thera"):
        run(TTF, {"a": []})


def test_drug_source_is_the_first_administration_after_the_index_date():
    """The start of an exposure: the first dose of a named drug on day >= 1 (a dose on the
    index day, another drug, or a dose after death is not one)."""
    block = {"dtx_start": {"kind": "tte",
                           "events": [{"source": "drug", "drug": ["docetaxel", "pemetrexed"]}]}}
    d = rows(block, {"a": [], "b": [], "c": [], "d": []}, deaths={"c": 40},
             contacts={"a": 300, "b": 300, "d": 300},
             admins={"a": [{"day": 0, "drug": "docetaxel"}, {"day": 45, "drug": "docetaxel"},
                           {"day": 20, "drug": "pemetrexed"}],
                     "b": [{"day": 10, "drug": "nivolumab"}],
                     "c": [{"day": 60, "drug": "docetaxel"}],
                     "d": [{"day": 0, "drug": "docetaxel"}]})
    got = d[["dtx_start_days", "dtx_start_event", "dtx_start_reason"]].astype(str).agg(
        " ".join, axis=1)
    assert got.to_dict() == {"a": "20 1 drug", "b": "300 0 censored_last_contact",
                             "c": "0 0 censored_last_contact",
                             "d": "300 0 censored_last_contact"}


@pytest.mark.parametrize(("spec", "message"), [
    ({"events": [{"source": "observation"}]}, "observation = '<observations.name>' is needed"),
    ({"events": [{"source": "death", "observation": "x"}]}, "is needed with, and only with"),
    ({"events": ["death", "death"]}, "events must not repeat"),
    ({"events": []}, "at least 1 item"),
    ({"events": ["death"], "censor": []}, "censor needs at least one source"),
    ({"events": ["relapse"]}, "'progression', 'death', 'next_treatment', 'observation' or 'drug'"),
    ({"events": [{"source": "drug"}]}, "drug = \\['<drug>', ...\\] is needed"),
    ({"events": [{"source": "death", "drug": ["x"]}]}, "is needed with, and only with"),
])
def test_bad_tte_blocks_name_the_problem(spec, message):
    with pytest.raises(ValidationError, match=message):
        EndpointsBlock.model_validate({"x": {"kind": "tte", **spec}})


def test_outcomes_are_typed_and_the_dataset_reads_them_back():
    block = {"bor": {"kind": "bor"}, "dor": {"kind": "dor", "events": ["progression"]},
             "os": {"kind": "os"}}
    e = run(block, {"r": [(50, "PR"), (100, "PR"), (150, "PD")], "n": [(60, "SD")]},
            deaths={"n": 300})
    assert set(e.outcomes) == {"bor", "dor", "os"}
    assert e.outcomes["dor"].origin_day.tolist() == [50, 0]
    ds = AnalysisDataset.from_endpoints(e.data, EndpointsBlock.model_validate(block))
    assert ds.names == ("bor", "dor", "os")
    dor = ds.outcome("dor")
    # DoR runs from the first response (day 50) to the PD on day 150: 100 days
    assert dor.time.tolist()[0] == 100 and dor.origin.tolist()[0] == 50
    assert dor.applies.tolist() == [True, False]  # the non-responder is outside DoR
    assert ds.outcome("os").event.tolist() == [0.0, 1.0]
    bor = ds.outcome("bor")
    assert bor.category.tolist() == ["PR", "SD"]
    assert bor.n_assessments.tolist() == [3, 1]
    with pytest.raises(ProtocolError, match="no endpoint 'pfs'"):
        ds.outcome("pfs")


def test_a_flat_table_is_bound_by_its_column_pairs():
    frame = pd.DataFrame({"group": ["a", "b"], "pfs_days": [10, None], "pfs_event": [1, None],
                          "age_days": [1, 2]})
    ds = AnalysisDataset.from_frame(frame)
    assert ds.names == ("pfs",)
    pfs = ds.outcome("pfs")
    assert pfs.applies.tolist() == [True, False]
    assert pfs.reason is None
