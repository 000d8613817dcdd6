"""Receptor status by ASCO/CAP guideline, from texts as pathology systems print them.

Expected statuses are worked by hand from the guideline tables (Wolff 2013, Wolff 2018,
Allison 2020, Allred 1999), not from the code.
"""

import pytest

from retrostudy.data import check_records
from retrostudy.data.receptors import (
    Reading,
    her2_specimen,
    hormone_status,
    ish_group,
    ish_status,
    parse,
    row_result,
)
from retrostudy.protocol.data import DataBlock


@pytest.mark.parametrize(("text", "expected"), [
    ("IHC 2+", {"method": "IHC", "ihc": 2}),
    ("HER2 スコア３＋", {"ihc": 3}),  # full-width digit and plus
    ("IHC 0", {"method": "IHC", "ihc": 0}),
    ("HER2/CEP17 ratio 2.3", {"method": "ISH", "ratio": 2.3}),
    ("Average HER2 copy number 4.5", {"method": "ISH", "copy_number": 4.5}),
    ("HER2/CEP17 ratio 1.6; average HER2 copy number 6.2 signals/cell",
     {"method": "ISH", "ratio": 1.6, "copy_number": 6.2}),
    ("FISH: amplified", {"method": "ISH", "amplified": True}),
    ("DISH: not amplified", {"method": "ISH", "amplified": False}),
])
def test_her2_texts_are_read(text, expected):
    reading = parse(text, marker="HER2")
    for field, value in expected.items():
        assert getattr(reading, field) == value, field


@pytest.mark.parametrize(("text", "marker", "status"), [
    ("90%", "ER", "positive"),
    ("ER 5%", "ER", "low_positive"),  # 1-10%: low positive (Allison 2020)
    ("1%", "PgR", "low_positive"),
    ("10%", "ER", "low_positive"),
    ("11%", "ER", "positive"),
    ("<1%", "ER", "negative"),
    ("0%", "PgR", "negative"),
    ("Allred 6", "ER", "positive"),
    ("Allred score 3", "PgR", "positive"),  # Allred's cut-off: >= 3
    ("Allred 2", "ER", "negative"),
    ("PS5 IS3 TS8", "ER", "positive"),
])
def test_hormone_receptor_cut_offs(text, marker, status):
    assert hormone_status(parse(text, marker=marker)) == status


def test_ambiguous_or_impossible_hormone_scores_are_not_read():
    assert parse("<10%", marker="ER").percent is None  # 0% or 9%: not knowable
    assert parse("Allred 1", marker="ER").allred is None  # cannot occur (PS 0 -> IS 0)


@pytest.mark.parametrize(("ratio", "cn", "group"), [
    (2.5, 5.0, 1), (2.0, 4.0, 1), (2.3, 3.5, 2), (1.8, 6.0, 3), (1.5, 4.0, 4), (1.5, 3.9, 5)])
def test_ish_groups(ratio, cn, group):
    assert ish_group(ratio, cn) == group


@pytest.mark.parametrize(("ratio", "cn", "ihc", "y2013", "y2018"), [
    (2.5, 5.0, None, "positive", "positive"),      # group 1
    (2.3, 3.5, 2, "positive", "negative"),         # group 2: 2018 needs IHC 3+
    (2.3, 3.5, 3, "positive", "positive"),
    (2.3, 3.5, None, "positive", "equivocal"),     # group 2 without concomitant IHC
    (1.6, 6.5, 2, "positive", "positive"),         # group 3 with IHC 2+
    (1.6, 6.5, 1, "positive", "negative"),         # group 3 with IHC 0/1+
    (1.5, 4.5, 2, "equivocal", "negative"),        # group 4
    (1.5, 4.5, 3, "equivocal", "positive"),
    (1.2, 2.0, 2, "negative", "negative"),         # group 5
    (None, 6.0, None, "positive", "positive"),     # single-probe
    (None, 5.0, 2, "equivocal", "negative"),
    (None, 3.0, None, "negative", "negative"),
    (2.2, None, None, "positive", "positive"),     # ratio only: group 1 / 5
    (1.9, None, None, "negative", "negative"),
])
def test_ish_status_2013_and_2018(ratio, cn, ihc, y2013, y2018):
    reading = Reading(ratio=ratio, copy_number=cn)
    assert ish_status(reading, ihc, "asco_cap_2013") == y2013
    assert ish_status(reading, ihc, "asco_cap_2018") == y2018


def _spec(*texts, rule="asco_cap_2018"):
    rows = [(None, parse(t, marker="HER2")) for t in texts]
    return her2_specimen(rows, rule)


def test_her2_specimen_combines_ihc_and_ish():
    h = _spec("IHC 2+", "HER2/CEP17 ratio 4.1, average HER2 copy number 8.0")
    assert (h.status, h.category, h.discordant) == ("positive", "positive", False)
    h = _spec("IHC 2+", "FISH: not amplified")
    assert (h.status, h.category) == ("negative", "low")  # HER2-low
    h = _spec("IHC 1+")
    assert (h.status, h.category) == ("negative", "low")
    h = _spec("IHC 0")
    assert (h.status, h.category) == ("negative", "zero")
    h = _spec("IHC 2+")
    assert (h.status, h.category) == ("equivocal", "equivocal")
    h = _spec("IHC 3+", "FISH: not amplified")
    assert (h.status, h.discordant) == ("positive", True)
    h = _spec("IHC 2+", "HER2/CEP17 ratio 2.3, Average HER2 copy number 3.5")
    assert (h.status, h.category) == ("negative", "low")
    h = _spec("IHC 2+", "HER2/CEP17 ratio 2.3, Average HER2 copy number 3.5",
              rule="asco_cap_2013")
    assert h.status == "positive"  # 2013: any ratio >= 2.0 is positive


def test_row_result_of_a_single_test():
    assert row_result("HER2", parse("3+", marker="HER2"), "asco_cap_2018") == "positive"
    assert row_result("HER2", parse("2+", marker="HER2"), "asco_cap_2018") == "equivocal"
    assert row_result("ER", parse("5%", marker="ER"), "asco_cap_2018") == "positive"


PATHOLOGY_EXPORT = """patient_id,date,marker,method,result,value,specimen
P1,2014-01-10,HER2,,IHC 2+,,primary
P1,2014-01-10,HER2,,"HER2/CEP17 ratio 2.3, Average HER2 copy number 3.5",,primary
P1,2014-01-10,ER,,,Allred 6,primary
P2,2014-01-10,HER2,IHC,1+,,primary
P2,2016-01-10,HER2,FISH,FISH: amplified,,metastasis
P2,2014-01-10,ER,IHC,5%,,primary
P3,2014-01-10,HER2,IHC,3+,,primary
P3,2014-01-10,HER2,ISH,,not amplified,primary
P4,2014-01-10,HER2,IHC,positive,3+,primary
P4,2014-01-10,PgR,IHC,weird,,primary
"""


def test_pathology_scores_load_and_conflicts_are_counted(tmp_path):
    (tmp_path / "patients.csv").write_text(
        "patient_id,birth_date,sex\n" + "".join(f"P{i},1960-01-01,F\n" for i in range(1, 5)))
    (tmp_path / "biomarkers.csv").write_text(PATHOLOGY_EXPORT)
    result = check_records(DataBlock(path=str(tmp_path)))
    by_code = {f.problem.code: f for f in result.problems}
    assert set(by_code) == {"her2_ihc_ish_discordance", "receptor_discordance", "invalid_value"}
    assert by_code["her2_ihc_ish_discordance"].severity == "warning"
    assert by_code["her2_ihc_ish_discordance"].problem.row == 8  # P3's IHC 3+ row
    assert "P3" in by_code["her2_ihc_ish_discordance"].problem.message
    assert by_code["receptor_discordance"].problem.row == 5 and "P2" in \
        by_code["receptor_discordance"].problem.message
    bad = by_code["invalid_value"].problem
    assert (bad.row, bad.column, bad.value) == (11, "result", "weird")
    assert "score" in bad.hint
    rows = result.store.table("biomarkers").execute().sort_values(["patient_id", "marker",
                                                                    "method"])
    got = list(zip(rows["patient_id"], rows["marker"], rows["method"], rows["result"],
                   rows["value"], strict=True))
    assert got == [
        ("P1", "ER", "IHC", "positive", "Allred 6"),
        ("P1", "HER2", "IHC", "equivocal", "IHC 2+"),
        ("P1", "HER2", "ISH", "equivocal",  # group 2: needs the IHC; the cohort decides
         "HER2/CEP17 ratio 2.3, Average HER2 copy number 3.5"),
        ("P2", "ER", "IHC", "positive", "5%"),
        ("P2", "HER2", "IHC", "negative", "1+"),
        ("P2", "HER2", "ISH", "positive", "FISH: amplified"),
        ("P3", "HER2", "IHC", "positive", "3+"),
        ("P3", "HER2", "ISH", "negative", "not amplified"),
        ("P4", "HER2", "IHC", "positive", "3+"),
    ]
    c = result.counts["biomarkers"]
    assert (c.read, c.loaded, c.rejected) == (10, 9, 1)
