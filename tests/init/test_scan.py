"""The scan engine on small hand-made extracts (not the examples): tables and headers by
name and by content, date formats per column, unknown spellings with suggestions."""

from __future__ import annotations

import tomllib

import pytest

from retrostudy.data.scan import scan_extract
from retrostudy.data.scan.profile import detect_dates
from retrostudy.data.scan.tomlout import blocks


def _write(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding)


@pytest.fixture
def extract(tmp_path):
    """A colorectal-cancer extract: Japanese headers in CP932, one file with headers no
    synonym list holds (content must decide), dates in three formats."""
    root = tmp_path / "export"
    root.mkdir()
    _write(root / "kanja.csv", "患者番号,生年月日,性別,死亡日\n"
           "P-001,1950/01/31,男,\nP-002,1961/11/02,女,2020/03/15\nP-003,1948/07/19,男,\n",
           encoding="cp932")
    _write(root / "rx.csv", "col_a,col_b,col_c\n"
           "P-001,Avastin 400mg,21.05.2019\nP-001,capecitabine,21.05.2019\n"
           "P-002,fluorouracil,13.06.2019\nP-003,Herceptn,02.07.2019\n"
           "P-003,capecitabine,02.07.2019\nP-002,ゼローダ,13.06.2019\n")
    _write(root / "recist.csv", "ID,評価日,総合効果\n"
           "P-001,2019-08-01,部分奏効\nP-002,2019-09-01,Partial remision\n"
           "P-003,2019-09-15,SD\n")
    _write(root / "notes.txt", "this is a note\nnot a table\n")
    return root


def test_tables_and_headers_by_name_and_content(extract):
    report = scan_extract(extract)
    patients = report.table("patients")
    assert patients.file == "kanja.csv" and patients.encoding == "cp932"
    assert {p.column: p.header for p in patients.mapping} == {
        "patient_id": "患者番号", "birth_date": "生年月日", "sex": "性別",
        "death_date": "死亡日"}
    drugs = report.table("drug_administrations")
    assert drugs.file == "rx.csv"
    # no header says anything: ids, drug spellings and dates decide
    assert {p.column: p.header for p in drugs.mapping} == {
        "patient_id": "col_a", "drug": "col_b", "date": "col_c"}
    assert all(p.confidence < 0.9 for p in drugs.mapping)  # content alone: less sure
    assert drugs.profile("col_c").date.formats == ("%d.%m.%Y",)
    assert report.table("tumor_assessments").file == "recist.csv"
    assert next(s for s in report.sources if s.file == "notes.txt").table is None


def test_unknown_spellings_have_suggestions(extract):
    report = scan_extract(extract)
    unknown = {(s.domain, s.value): s for s in report.unknown}
    assert set(unknown) == {("drug", "Herceptn"), ("response", "Partial remision")}
    assert "Herceptin" in unknown[("drug", "Herceptn")].suggestions
    assert unknown[("response", "Partial remision")].suggestions[0] == "PR"
    assert any("Herceptn" in note for note in report.notes)
    # an answer makes the spelling known
    answered = scan_extract(extract, drugs=[{"name": "Herceptn", "ingredient": "trastuzumab"}],
                            responses={"Partial remision": "PR"})
    assert answered.unknown == ()


def test_index_drug_and_groups_guessed_from_drug_records(extract):
    report = scan_extract(extract)
    # capecitabine (also as ゼローダ): 3 patients; bevacizumab, fluorouracil: 1 each
    assert report.index_drug == "capecitabine" and report.index_guessed
    assert report.groups is None  # nothing is given before capecitabine
    asked = scan_extract(extract, index_drug="Avastin")
    assert asked.index_drug == "bevacizumab" and not asked.index_guessed


@pytest.mark.parametrize(("values", "formats", "guessed"), [
    (["2017/06/01", "2018/12/31"], ("%Y/%m/%d",), False),
    (["01.06.2017", "31.12.2018"], ("%d.%m.%Y",), False),
    (["06/01/2017", "12/31/2018"], ("%m/%d/%Y",), False),  # 31 cannot be a month
    (["2017年6月1日", "2018年12月31日"], ("%Y年%m月%d日",), False),
    (["2017-06-01 00:00:00"], ("%Y-%m-%d %H:%M:%S",), False),
    (["01/02/2017", "03/04/2018"], ("%d/%m/%Y",), True),  # nothing decides: flagged
])
def test_date_formats_per_column(values, formats, guessed):
    date = detect_dates(values)
    assert date.formats == formats
    assert date.parsed == len(values)
    assert date.day_first_guessed is guessed


def test_excel_serials_and_non_dates():
    assert detect_dates(["42887", "43465"]).serial
    assert detect_dates(["0", "1", "2"]) is None
    assert detect_dates(["trastuzumab", "docetaxel"]) is None


def test_ambiguous_dates_are_left_to_decide(tmp_path):
    root = tmp_path / "x"
    root.mkdir()
    _write(root / "patients.csv", "patient_id,birth_date,sex\nA1,01/02/1950,F\nA2,03/04/1960,M\n")
    report = scan_extract(root)
    assert any("day-first was assumed" in note for note in report.notes)


def test_toml_writer_round_trips_protocol_blocks():
    document = {
        "index": {"drug": ["nivolumab", "pembrolizumab"], "start": "2016-01-01"},
        "criteria": [{"label": "x \"quoted\" 日本語", "action": "exclude",
                      "when": {"not": {"drug": "a", "window": ["-inf", -1]}}}],
        "groups": {"reference": "A", "group": [
            {"name": "A", "when": {"drug": "a", "window": ["-inf", -1]}},
            {"name": "B", "when": {"not": {"drug": "a", "window": ["-inf", -1]}}}]},
        "analyses": {"profile": "r", "conf_level": 0.95,
                     "response": {"categories": [{"value": "CR"}, {"value": "PR"}]},
                     "table1": [{"name": "age", "kind": "continuous", "digits": 0}]},
        "report": {"km": {"ci_bands": False}, "outputs": ["html"]},
    }
    assert tomllib.loads("\n".join(blocks(document))) == document


def test_day_first_and_month_first_in_one_table_is_left_to_decide(tmp_path):
    root = tmp_path / "z"
    root.mkdir()
    _write(root / "patients.csv", "patient_id,birth_date,sex,death_date\n"
           "A1,31/01/1950,F,12/25/2020\nA2,15/04/1960,M,\n")
    report = scan_extract(root)
    assert any("day-first (%d/%m/%Y) and month-first (%m/%d/%Y)" in n for n in report.notes)
