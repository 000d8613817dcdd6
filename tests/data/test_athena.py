"""An OHDSI Athena download as the source of RxNorm, OMOP and ATC ingredient codes.

The fixture is written here in Athena's shape (tab-separated, header row, no quoting,
YYYYMMDD dates); its concept ids and codes are made up for the test except where a
comment says otherwise, so the test shows the mapping comes from the file.
"""

import pytest

from retrostudy.data import check_records, load_vocabulary
from retrostudy.data.athena import athena_codes
from retrostudy.errors import DataError
from retrostudy.protocol.data import DataBlock

CONCEPT_HEADER = ("concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\t"
                  "standard_concept\tconcept_code\tvalid_start_date\tvalid_end_date\t"
                  "invalid_reason")
CONCEPTS = [
    # id, name, vocabulary, class, standard, code, invalid_reason
    (9001, "trastuzumab", "RxNorm", "Ingredient", "S", "777001", ""),
    (9002, "ado-trastuzumab emtansine", "RxNorm", "Ingredient", "S", "777002", ""),
    (9003, "fluorouracil", "RxNorm", "Ingredient", "S", "777003", ""),
    (9004, "tegafur", "RxNorm", "Ingredient", "S", "777004", ""),
    (9005, "uracil", "RxNorm", "Ingredient", "S", "777005", ""),
    (9006, "old-mab", "RxNorm", "Ingredient", "", "777006", "D"),  # deprecated
    (9007, "zz-newmab", "RxNorm Extension", "Ingredient", "S", "OMOP777007", ""),
    (9008, "qq-unknownib", "RxNorm", "Ingredient", "S", "777008", ""),
    (9009, "trastuzumab 150 MG Injection", "RxNorm", "Clinical Drug", "S", "777009", ""),
    (9101, "trastuzumab", "ATC", "ATC 5th", "C", "L01FD01", ""),
    (9102, "trastuzumab emtansine", "ATC", "ATC 5th", "C", "L01FD03", ""),
    (9103, "tegafur, combinations", "ATC", "ATC 5th", "C", "L01BC53", ""),
    (9104, "unknownib", "ATC", "ATC 5th", "C", "L01XX99", ""),
    (9105, "Antineoplastic agents", "ATC", "ATC 2nd", "C", "L01", ""),
]
REL_HEADER = ("concept_id_1\tconcept_id_2\trelationship_id\tvalid_start_date\tvalid_end_date\t"
              "invalid_reason")
RELATIONSHIPS = [
    (9101, 9001, "ATC - RxNorm pr lat", ""),
    (9102, 9002, "ATC - RxNorm", ""),
    (9103, 9004, "ATC - RxNorm", ""),  # a combination code: two ingredients, names neither
    (9103, 9005, "ATC - RxNorm", ""),
    (9104, 9008, "ATC - RxNorm", ""),
    (9105, 9001, "ATC - RxNorm", ""),  # not 5th level
    (9001, 9101, "RxNorm - ATC pr lat", ""),
]


def _athena(folder):
    folder.mkdir()
    lines = [CONCEPT_HEADER] + [
        f"{i}\t{n}\tDrug\t{v}\t{k}\t{s}\t{c}\t19700101\t20991231\t{r}"
        for i, n, v, k, s, c, r in CONCEPTS]
    (folder / "CONCEPT.csv").write_text("\n".join(lines) + "\n")
    lines = [REL_HEADER] + [f"{a}\t{b}\t{r}\t19700101\t20991231\t{x}"
                            for a, b, r, x in RELATIONSHIPS]
    (folder / "CONCEPT_RELATIONSHIP.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_codes_read_from_an_athena_download(tmp_path):
    codes = {(c.system, c.code): c.ingredient_name for c in athena_codes(_athena(tmp_path / "v"))}
    assert codes[("RxNorm", "777001")] == "trastuzumab"
    assert codes[("OMOP", "9002")] == "ado-trastuzumab emtansine"
    assert codes[("OMOP", "9007")] == "zz-newmab"  # RxNorm Extension: OMOP id only
    assert ("RxNorm", "OMOP777007") not in codes
    assert codes[("ATC", "L01FD03")] == "ado-trastuzumab emtansine"
    assert ("ATC", "L01BC53") not in codes  # combination: no single ingredient
    assert ("ATC", "L01") not in codes and ("RxNorm", "777006") not in codes
    assert ("RxNorm", "777009") not in codes  # a clinical drug, not an ingredient


def test_vocabulary_takes_athena_codes_for_known_ingredients(tmp_path):
    vocab = load_vocabulary(athena=athena_codes(_athena(tmp_path / "v")))
    assert vocab.from_code("RxNorm", "777002") == "trastuzumab emtansine"  # via ado- spelling
    assert vocab.normalise("777001") == "trastuzumab"  # a bare code
    assert vocab.from_code("OMOP", "9003") == "fluorouracil"
    assert vocab.from_code("RxNorm", "777008") is None  # ingredient unknown to the vocabulary
    assert vocab.from_code("ATC", "L01FD01") == "trastuzumab"
    assert load_vocabulary().from_code("RxNorm", "777001") is None


def test_protocol_key_maps_extract_codes(tmp_path):
    _athena(tmp_path / "vocab")
    data = tmp_path / "extract"
    data.mkdir()
    (data / "patients.csv").write_text("patient_id,birth_date,sex\nP1,1960-01-01,F\n")
    (data / "drug_administrations.csv").write_text(
        "patient_id,drug,date\nP1,777002,2015-01-01\nP1,777001,2014-01-01\n")
    without = check_records(DataBlock(path=str(data)))
    assert {f.problem.code for f in without.problems} == {"unknown_drug"}
    block = DataBlock(path="extract", athena_vocabulary="vocab")
    result = check_records(block, base_dir=tmp_path)
    assert result.ok, result.errors
    drugs = result.store.table("drug_administrations").order_by("date").execute()
    assert list(drugs["drug"]) == ["trastuzumab", "trastuzumab emtansine"]


def test_missing_athena_file_names_the_file(tmp_path):
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "CONCEPT.csv").write_text(CONCEPT_HEADER + "\n")
    with pytest.raises(DataError) as caught:
        athena_codes(tmp_path / "v")
    (problem,) = caught.value.problems
    assert problem.file.endswith("CONCEPT_RELATIONSHIP.csv") and "athena" in problem.hint


def test_athena_file_without_a_needed_column(tmp_path):
    folder = _athena(tmp_path / "v")
    (folder / "CONCEPT.csv").write_text("concept_id\tname\n1\tx\n")
    with pytest.raises(DataError, match="concept_name"):
        athena_codes(folder)
