"""The data page of a study reading an OMOP CDM (a tiny synthetic one, not the T-DM1
example): the loader's per-table counts (with the rows whose concept is in no set) and
what each concept set of [data.omop] maps to, as the loader resolves it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from app_helpers import authorised, make_client

from retrostudy.data.omop.concepts import concept_set
from retrostudy.data.omop.load import check_omop
from retrostudy.protocol import load_protocol

OMOP_TESTS = Path(__file__).resolve().parents[1] / "data" / "omop" / "conftest.py"


def _omop_fixtures():
    spec = importlib.util.spec_from_file_location("omop_fixtures", OMOP_TESTS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STUDY = """[study]
title = "Tiny OMOP study"

[data]
format = "omop"
path = "cdm.duckdb"

[data.omop]
patient_id = "person_source_value"
drugs = { "RxNorm:3002" = "gemcitabine", "1387104" = "" }   # one added, one default removed

[index]
drug = "trastuzumab"
"""


def test_the_data_page_shows_what_the_omop_loader_maps(tmp_path):
    fixtures = _omop_fixtures()
    fixtures.write_duckdb(fixtures.tiny_cdm(), tmp_path / "cdm.duckdb")
    (tmp_path / "study.toml").write_text(STUDY, encoding="utf-8")
    protocol = load_protocol(tmp_path / "study.toml")
    page = authorised(make_client(tmp_path)).get("/data?s=study.toml").text
    sets = re.search(r'<table id="omop-sets">(.*?)</table>', page, re.S).group(1)
    rows = {m[1]: (m[0], int(m[2]), m[3]) for m in re.findall(
        r"<tr><td>([^<]+)</td><td><code>(\w+)</code></td><td>[^<]+</td>"
        r'<td class="n">(\d+)</td><td>([^<]*)</td></tr>', sets)}
    drugs = concept_set(protocol.data.omop, "drugs")
    assert rows["drugs"][:2] == ("drug_administrations", len(drugs))
    assert "gemcitabine" in rows["drugs"][2]
    assert "1387104" not in {str(k) for k in drugs}  # the removed default is not counted
    assert rows["responses"][0] == "tumor_assessments" and rows["conditions"][0] == "diagnoses"
    # the loader's own counts, with the rows whose concept is in no set
    loaded = check_omop(protocol.data, tmp_path)
    shown = dict(re.findall(r"<tr><td>(\w+)</td><td>[^<]*</td>(?:<td class=\"n\">\d+</td>){3}"
                            r'<td class="n">(\d+)</td></tr>', page))
    assert shown and all(int(shown[t]) == c.not_relevant for t, c in loaded.counts.items())
