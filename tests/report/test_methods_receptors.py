"""The Methods paragraph states the receptor rule the protocol set (words from one setting)."""

from types import SimpleNamespace

from retrostudy.protocol import parse_protocol
from retrostudy.report.quality import Quality
from retrostudy.report.sections import _methods

_LOADED = object()


def _ctx(data=None, covariates=None, load=_LOADED):
    raw = {"study": {"title": "t"}, "index": {"drug": "trastuzumab emtansine",
                                              "start": "2014-01-01", "end": "2015-01-01"}}
    if data:
        raw["data"] = data
    if covariates:
        raw["covariates"] = covariates
    conventions = SimpleNamespace(profile="r", conf_level=0.95, conf_type="log-log",
                                  ties="efron", days_per_month=30.4375)
    analyses = SimpleNamespace(conventions=conventions, table1=[], response={},
                               group_labels={}, reference="A", followup=None, endpoints=(),
                               to_json=lambda: {})
    return SimpleNamespace(analyses=analyses, protocol=parse_protocol(raw),
                           quality=Quality(load=load))


def _text(ctx):
    return " ".join(p.text for p in _methods(ctx))


def test_methods_name_the_her2_guideline_and_specimen_rule():
    text = _text(_ctx(data={"biomarkers": {"her2_rule": "asco_cap_2013"}},
                      covariates={"her2_specimen": "metastasis_first"}))
    assert "ASCO/CAP 2013 (Wolff AC et al., J Clin Oncol 2013;31:3997)" in text
    assert "HER2 metastasis first" in text and "Allred score of at least 3" in text
    default = _text(_ctx())
    assert "ASCO/CAP 2018 (Wolff AC et al., J Clin Oncol 2018;36:2105)" in default


def test_no_receptor_sentence_without_records():
    assert "HER2 status" not in _text(_ctx(load=None))


def test_receptor_discordance_is_counted_in_data_quality(tmp_path):
    from retrostudy.data import check_records
    from retrostudy.protocol.data import DataBlock
    from retrostudy.report.quality import REJECTIONS_KEY, load_problems, tables

    (tmp_path / "patients.csv").write_text("patient_id,birth_date,sex\nP1,1960-01-01,F\n")
    (tmp_path / "biomarkers.csv").write_text(
        "patient_id,date,marker,result,specimen\n"
        "P1,2014-01-10,HER2,IHC 3+,primary\nP1,2014-01-10,HER2,FISH: not amplified,primary\n"
        "P1,2016-01-10,HER2,IHC 1+,metastasis\n")
    q = Quality(load=check_records(DataBlock(path=str(tmp_path))))
    problems = {p["code"]: p for p in load_problems(q.load)}
    assert problems["her2_ihc_ish_discordance"]["severity"] == "warning"
    assert problems["receptor_discordance"]["occurrences"] == 1
    rows = {r.cells[0].text: r.cells[2].text for r in tables(q)[REJECTIONS_KEY].rows}
    assert rows["receptor_discordance"] == "loading goes on; counted and reported"
    assert q.load.ok and q.load.counts["biomarkers"].loaded == 3
