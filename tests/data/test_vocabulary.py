"""The drug vocabulary: spellings, brands, codes and noise map to one ingredient."""

import csv
import dataclasses
import re
from importlib import resources
from pathlib import Path

import pytest

from retrostudy.data.vocabulary import CLASSES, DrugEntry, load_vocabulary
from retrostudy.errors import DataError

VOCAB = load_vocabulary()
SOURCES_MD = Path(__file__).parents[2] / "docs" / "sources.md"
REFERENCES = set(re.findall(r"^\| `([A-Za-z0-9-]+)` \|", SOURCES_MD.read_text(encoding="utf-8"),
                            re.MULTILINE))


@pytest.mark.parametrize(
    ("text", "ingredient"),
    [
        ("Herceptin 440mg IV", "trastuzumab"),
        ("ハーセプチン注射用150", "trastuzumab"),
        ("トラスツズマブ点滴静注用150mg", "trastuzumab"),
        ("Tmab", "trastuzumab"),
        ("L01XC03", "trastuzumab"),
        ("PERJETA", "pertuzumab"),
        ("パージェタ", "pertuzumab"),
        ("T-DM1", "trastuzumab emtansine"),
        ("tdm1", "trastuzumab emtansine"),
        ("Kadcyla 160 mg", "trastuzumab emtansine"),
        ("trastuzumab emtansine (Kadcyla)", "trastuzumab emtansine"),
        ("ado-trastuzumab emtansine", "trastuzumab emtansine"),
        ("カドサイラ", "trastuzumab emtansine"),
        ("ｶﾄﾞｻｲﾗ", "trastuzumab emtansine"),
        ("トラスツズマブ\u3000エムタンシン", "trastuzumab emtansine"),
        ("L01FD03", "trastuzumab emtansine"),
        ("43525787", "trastuzumab emtansine"),
        ("T-DXd", "trastuzumab deruxtecan"),
        ("Enhertu 5.4mg/kg", "trastuzumab deruxtecan"),
        ("エンハーツ", "trastuzumab deruxtecan"),
        ("DTX 75mg/m2", "docetaxel"),
        ("ワンタキソテール", "docetaxel"),
        ("PTX", "paclitaxel"),
        ("nab-PTX", "nab-paclitaxel"),
        ("Abraxane", "nab-paclitaxel"),
        ("CAPE", "capecitabine"),
        ("Xeloda 300mg tab PO", "capecitabine"),
        ("VNR", "vinorelbine"),
        ("Lapa", "lapatinib"),
        ("L01XE07", "lapatinib"),
        ("5-FU", "fluorouracil"),
        ("S-1", "tegafur/gimeracil/oteracil"),
        ("ランマーク", "denosumab"),
    ],
)
def test_normalise(text, ingredient):
    assert VOCAB.normalise(text) == ingredient


@pytest.mark.parametrize("text", ["", "  ", None, "herceptn", "trastuzumab duocarmazine"])
def test_unknown_or_empty_is_none(text):
    # Never a substring match: an unknown trastuzumab conjugate must not become trastuzumab.
    assert VOCAB.normalise(text) is None


def test_suggest_nearest_spellings():
    assert VOCAB.suggest("herceptn")[0] == "Herceptin"
    assert VOCAB.suggest("Kadsyla 160mg")[0] == "Kadcyla"
    assert VOCAB.suggest("zzzzzz") == ()


def test_classes():
    assert VOCAB.drug_class("trastuzumab emtansine") == "adc"
    assert VOCAB.drug_class("trastuzumab") == "her2_targeted"
    assert VOCAB.drug_class("letrozole") == "endocrine"
    assert VOCAB.drug_class("zoledronic acid") == "supportive"
    assert VOCAB.ingredients_in_class("adc") == (
        "sacituzumab govitecan",
        "trastuzumab deruxtecan",
        "trastuzumab emtansine",
    )
    with pytest.raises(KeyError, match="unknown ingredient 'aspirin'"):
        VOCAB.drug_class("aspirin")
    assert VOCAB.components("pertuzumab+trastuzumab") == ("pertuzumab", "trastuzumab")


def test_shipped_table_is_consistent():
    text = resources.files("retrostudy.data").joinpath("drugs.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    by_ingredient = {}
    codes = {}
    for row in rows:
        assert row["class"] in CLASSES, row
        assert by_ingredient.setdefault(row["ingredient"], row["class"]) == row["class"], row
        if row["code_system"]:
            assert row["source"] in {"V", "M"}, row
            # a verified code names its source (docs/sources.md); RxNorm and ATC codes
            # ship only verified
            assert (row["source"] == "V") == (row["reference"] in REFERENCES), row
            assert row["source"] == "V" or row["code_system"] not in ("RxNorm", "ATC"), row
            code = (row["code_system"], row["code"])
            assert codes.setdefault(code, row["ingredient"]) == row["ingredient"], row
    # ADCs are never trastuzumab, whatever the spelling or code (docs/sources.md).
    for row in rows:
        if row["ingredient"] in {"trastuzumab emtansine", "trastuzumab deruxtecan"}:
            spelling = row["synonym"] or row["code"]
            assert VOCAB.normalise(spelling) == row["ingredient"], spelling


def test_extensions_add_spellings_and_ingredients():
    vocab = load_vocabulary(
        [
            DrugEntry(name="HCP", ingredient="Herceptin"),
            {"name": "Foo-mab", "ingredient": "foomab", "class": "her2_targeted"},
        ]
    )
    assert vocab.normalise("hcp") == "trastuzumab"
    assert vocab.normalise("FOO MAB") == "foomab"
    assert vocab.drug_class("foomab") == "her2_targeted"
    assert VOCAB.normalise("HCP") is None  # the shipped vocabulary is untouched


def test_extension_cannot_fold_tdm1_into_trastuzumab():
    with pytest.raises(DataError) as info:
        load_vocabulary([{"name": "Kadcyla", "ingredient": "trastuzumab"}])
    (problem,) = info.value.problems
    assert problem.code == "drug_vocabulary_conflict"
    assert problem.column == "data.drugs[0].name"
    assert "already mapped to 'trastuzumab emtansine'" in problem.message


def test_vocabulary_is_frozen():
    with pytest.raises(TypeError):
        VOCAB.names["x"] = "y"
    with pytest.raises(dataclasses.FrozenInstanceError):
        VOCAB.classes = {}


def test_codes_corrected_against_their_sources():
    # gemcitabine: RxNorm 12574 (CPIC drug table) and OMOP 1314924; the shipped values
    # 236234 and 46274163 had no source and disagreed with both
    assert VOCAB.from_code("RxNorm", "12574") == "gemcitabine"
    assert VOCAB.from_code("OMOP", "1314924") == "gemcitabine"
    assert VOCAB.from_code("RxNorm", "236234") is None
    # L01BC53 is "tegafur, combinations" (tegafur/uracil too): not S-1 alone
    assert VOCAB.from_code("ATC", "L01BC53") is None
    # pre-2022 ATC codes stay mapped (MII ConceptMaps L01XC -> L01F, L01XE -> L01E)
    assert VOCAB.from_code("ATC", "L01XC14") == "trastuzumab emtansine"
    assert VOCAB.from_code("ATC", "L01XE45") == "neratinib"
    assert REFERENCES >= {"MII-ATC-2024", "MII-ATC-2021", "MII-ATC-2022", "CPIC",
                          "OXFORD-OMOP", "NCIt"}
