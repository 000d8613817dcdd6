"""A run whose endpoint source table is empty is refused (issue 19, item 2): with no
tumour assessment, every PFS would be censored and every best response NE."""

import pandas as pd
import pytest

from retrostudy.data.store import Store
from retrostudy.endpoints.derive import check_sources
from retrostudy.errors import DataError
from retrostudy.protocol.endpoints import EndpointsBlock

PATIENTS = pd.DataFrame({"patient_id": ["A"], "birth_date": [pd.Timestamp("1960-01-01")],
                         "sex": ["female"], "death_date": [pd.NaT],
                         "last_contact_date": [pd.Timestamp("2020-06-01")]})
BLOCK = EndpointsBlock.model_validate({"pfs": {"kind": "pfs"}, "bor": {"kind": "bor"},
                                       "os": {"kind": "os"}})


def test_empty_assessments_refuse_pfs_and_bor():
    store = Store.from_frames({"patients": PATIENTS})
    with pytest.raises(DataError) as caught:
        check_sources(BLOCK, store)
    (problem,) = caught.value.problems
    assert problem.code == "empty_source_table"
    assert "tumor_assessments" in problem.message and "pfs, bor" in problem.message


def test_os_alone_needs_no_assessments_and_records_pass():
    store = Store.from_frames({"patients": PATIENTS})
    check_sources(EndpointsBlock.model_validate({"os": {"kind": "os"}}), store)
    assessments = pd.DataFrame({"patient_id": ["A"], "date": [pd.Timestamp("2020-02-01")],
                                "response": ["PR"], "method": ["CT"]})
    check_sources(BLOCK, Store.from_frames({"patients": PATIENTS,
                                            "tumor_assessments": assessments}))


def test_the_pipeline_refuses_a_run_without_assessments_before_the_analyses(tmp_path):
    """The run of issue 19: the assessments file the loader cannot match (here moved out
    of the folder) used to give 0 PFS events and best response NE for every patient, exit 0.
    The example protocol is used only as a complete protocol; no report is written."""
    import shutil
    from pathlib import Path

    from retrostudy.pipeline import run_study

    example = Path(__file__).parents[2] / "examples" / "tdm1_after_pertuzumab"
    study = tmp_path / "study"
    shutil.copytree(example, study)
    (study / "data" / "tumor_assessments.csv").rename(tmp_path / "elsewhere.csv")
    with pytest.raises(DataError) as caught:
        run_study(study / "study.toml", out=tmp_path / "out")
    assert [p.code for p in caught.value.problems] == ["empty_source_table"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("events", "censor", "needed"), [
    (["progression"], ["last_known_alive"], "tumor_assessments"),
    (["death"], ["last_adequate_assessment"], "tumor_assessments"),
    (["death", "next_treatment"], ["last_known_alive"], "drug_administrations"),
])
def test_a_declarative_tte_endpoint_names_the_tables_its_sources_read(events, censor, needed):
    """A ``kind = "tte"`` endpoint is refused on an empty table only when one of its event
    or censoring sources reads it (the registry's ``source_tables``)."""
    spec = {"kind": "tte", "events": [{"source": e} for e in events],
            "censor": [{"source": c} for c in censor]}
    block = EndpointsBlock.model_validate({"efs": spec})
    with pytest.raises(DataError, match=needed):
        check_sources(block, Store.from_frames({"patients": PATIENTS}))
    death_only = EndpointsBlock.model_validate(
        {"efs": {"kind": "tte", "events": [{"source": "death"}]}})
    check_sources(death_only, Store.from_frames({"patients": PATIENTS}))
