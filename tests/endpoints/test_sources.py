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
