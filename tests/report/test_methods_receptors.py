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
                               group_labels={}, reference="A")
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
