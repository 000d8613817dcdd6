"""The default concept sets and the [data.omop] merge rules."""

from __future__ import annotations

import csv
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrostudy.data.omop import concepts as c
from retrostudy.data.schema import ASSESSMENT_METHOD, BIOMARKER_RESULT, METASTATIC_SITES, RESPONSE
from retrostudy.data.vocabulary import load_vocabulary
from retrostudy.protocol.omop import OmopBlock


def test_drug_concepts_are_the_vocabulary_codes():
    text = resources.files("retrostudy.data").joinpath("drugs.csv").read_text(encoding="utf-8")
    rows = [r for r in csv.DictReader(text.splitlines()) if r["code_system"] in ("OMOP", "RxNorm")]
    by_ref = {x.ref: x.value for x in c.DRUG_INGREDIENTS}
    for r in rows:
        ref = int(r["code"]) if r["code_system"] == "OMOP" else f"RxNorm:{r['code']}"
        if r["ingredient"] in {p.value for p in c.DRUG_PRODUCTS}:
            continue
        assert by_ref[ref] == r["ingredient"]
    # the verified ids of docs/sources.md, "Drug and clinical codes"
    for ref, name in [(1387104, "trastuzumab"), (42801287, "pertuzumab"),
                      (43525787, "trastuzumab emtansine"), (1315942, "docetaxel"),
                      (1378382, "paclitaxel"), (1337620, "capecitabine"),
                      (1343346, "vinorelbine")]:
        assert by_ref[ref] == name
    assert c.preferred(c.DRUG_PRODUCTS, "pertuzumab+trastuzumab") == 1075655
    # every drug name is a known ingredient, so drug classes work on OMOP input
    vocab = load_vocabulary()
    for x in (*c.DRUG_INGREDIENTS, *c.DRUG_PRODUCTS):
        assert vocab.normalise(x.value) == x.value


def test_sets_use_canonical_values_and_tags():
    assert {x.value for x in c.METASTATIC_SITES} <= set(METASTATIC_SITES)
    assert {x.value for x in c.RESPONSE_VALUES} == set(RESPONSE)
    assert {x.value for x in c.RESPONSES} == set(ASSESSMENT_METHOD) | {"none"}
    assert {x.value for x in c.RECEPTOR_RESULTS} == set(BIOMARKER_RESULT)
    local = [x for s in c.DEFAULTS.values() for x in s if x.evidence == "L"]
    assert local and all(isinstance(x.ref, int) and x.ref >= c.SITE_LOCAL_MIN for x in local)
    assert all(x.evidence in ("V", "M", "L") for s in c.DEFAULTS.values() for x in s)


@pytest.mark.parametrize("bad", ["", "trastuzumab", "RxNorm:", ":123", True, 1.5])
def test_parse_ref_rejects(bad):
    with pytest.raises(ValueError, match="not a concept reference"):
        c.parse_ref(bad)


@given(st.integers(min_value=0, max_value=2**62))
def test_parse_ref_ints(n):
    assert c.parse_ref(n) == n == c.parse_ref(str(n)) == c.parse_ref(f" {n} ")


@given(st.sampled_from(["RxNorm", "LOINC", "SNOMED"]),
       st.text(alphabet="0123456789-ABC", min_size=1, max_size=12).filter(
           lambda s: not s.isdigit()))
def test_parse_ref_codes(vocab, code):
    assert c.parse_ref(f" {vocab} : {code} ") == f"{vocab}:{code}"


@given(st.dictionaries(st.integers(min_value=1, max_value=10**9).map(str),
                       st.sampled_from(["", "trastuzumab", "x"]), max_size=5),
       st.booleans())
def test_concept_set_merge(given_drugs, defaults):
    opt = OmopBlock.model_validate({"drugs": given_drugs, "defaults": defaults})
    merged = c.concept_set(opt, "drugs")
    base = {x.ref: x.value for x in c.DRUG_INGREDIENTS} if defaults else {}
    expected = {**base, **{int(k): v for k, v in given_drugs.items()}}
    assert merged == {k: v for k, v in expected.items() if v != ""}
