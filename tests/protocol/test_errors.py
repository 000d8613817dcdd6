"""Every protocol error message: where it is (key path) and what is allowed, all at once."""

import pytest

from retrostudy.errors import ProtocolError
from retrostudy.protocol import load_protocol, parse_protocol

WINDOW_HELP = (
    "a window is [start, end]: whole days relative to the index date (index day = 0, ends "
    'inclusive), "-inf" for an open start and "inf" for an open end, start <= end; '
    'e.g. ["-inf", -1] = strictly before the index day'
)


def _problems(raw):
    with pytest.raises(ProtocolError) as info:
        parse_protocol(raw)
    return {(p.key, p.message, p.hint) for p in info.value.problems}


def _one(raw):
    problems = _problems(raw)
    assert len(problems) == 1, problems
    return problems.pop()


def _with(**blocks):
    return {"study": {"title": "t"}, "index": {"drug": "x"}, **blocks}


def _criterion(when, action="exclude"):
    return _with(criteria=[{"label": "c", "action": action, "when": when}])


def test_unknown_key_lists_allowed_keys():
    assert _one(_with(index={"drug": "x", "occurence": "first_ever"})) == (
        "index.occurence",
        "unknown key 'occurence'",
        "allowed keys here: drug, start, end, occurrence, label",
    )


def test_unknown_key_inside_nested_condition():
    raw = _criterion({"all": [{"drug": "x", "window": [0, 1], "min_cout": 2}]})
    assert _one(raw) == (
        "criteria.0.when.all.0.drug.min_cout",
        "unknown key 'min_cout'",
        "allowed keys here: drug, window, min_count",
    )


def test_unknown_top_level_block():
    column, message, hint = _one(_with(cohort={}))
    assert (column, message) == ("cohort", "unknown key 'cohort'")
    assert "index" in hint and "criteria" in hint and "groups" in hint


@pytest.mark.parametrize(
    "window", [[5, 1], [0], ["-inf", "x"], ["inf", 0], [0, "-inf"], [0.5, 1], "0,1", [True, 1]]
)
def test_bad_window(window):
    assert _one(_criterion({"drug": "x", "window": window})) == (
        "criteria.0.when.drug.window",
        WINDOW_HELP,
        None,
    )


def test_unknown_action():
    assert _one(_criterion({"drug": "x", "window": [0, 0]}, action="drop")) == (
        "criteria.0.action",
        "'action' must be one of 'include' or 'exclude'",
        None,
    )


def test_unknown_condition_kind():
    column, message, _ = _one(_criterion({"drog": "x", "window": [0, 0]}))
    assert column == "criteria.0.when"
    assert message.startswith(
        "a condition is a table with exactly one of the keys drug, diagnosis, biomarker, "
        "observation, age, all, any, not"
    )


def test_two_condition_kinds_in_one_table():
    column, message, _ = _one(_criterion({"drug": "x", "age": {"min": 1}, "window": [0, 0]}))
    assert column == "criteria.0.when" and message.startswith("a condition is a table")


@pytest.mark.parametrize("value", ["2014/04/01", "01-04-2014", "2014-02-30", 20140401])
def test_bad_date(value):
    assert _one(_with(index={"drug": "x", "start": value})) == (
        "index.start",
        "expected a calendar date written YYYY-MM-DD (e.g. 2014-04-01), without a time",
        None,
    )


def test_index_dates_out_of_order():
    column, message, _ = _one(
        _with(index={"drug": "x", "start": "2017-01-01", "end": "2016-01-01"})
    )
    assert (column, message) == ("index", "index: start (2017-01-01) is after end (2016-01-01)")


def test_missing_required_blocks_reported_together():
    assert _problems({}) == {
        ("study", "missing required block [study]", None),
        (
            "index",
            "missing required block [index] (the index event: drug, start, end), "
            "or [analysis_table] when the data already have one row per patient",
            None,
        ),
    }


def test_missing_required_key():
    assert _one(_criterion({"drug": "x"})) == (
        "criteria.0.when.drug.window",
        "missing required key 'window'",
        None,
    )


def test_bad_occurrence_and_min_count_together():
    problems = _problems(
        _with(
            index={"drug": "x", "occurrence": "last"},
            criteria=[
                {
                    "label": "c",
                    "action": "include",
                    "when": {"drug": "x", "window": [0, 0], "min_count": 0},
                }
            ],
        )
    )
    assert (
        "index.occurrence",
        "'occurrence' must be one of 'first_in_window' or 'first_ever'",
        None,
    ) in problems
    assert ("criteria.0.when.drug.min_count", "Input should be greater than 0", None) in problems


def test_bad_drug_names():
    assert _one(_criterion({"drug": [], "window": [0, 0]})) == (
        "criteria.0.when.drug",
        "expected a name or a non-empty list of names (strings)",
        None,
    )


def test_age_range_order():
    assert _one(_criterion({"not": {"age": {"min": 80, "max": 18}}})) == (
        "criteria.0.when.not.age",
        "age: min must be <= max",
        None,
    )


def test_bad_biomarker():
    column, message, _ = _one(
        _criterion({"biomarker": "Ki67", "result": "positive", "window": [0, 0]})
    )
    assert column == "criteria.0.when.biomarker"
    assert message == "'biomarker' must be one of 'ER', 'PgR' or 'HER2'"


def test_group_reference_must_name_a_group():
    groups = {"reference": "Z", "group": [{"name": "A", "when": {"age": {"min": 1}}}]}
    assert _one(_with(groups=groups)) == (
        "groups",
        "groups: reference 'Z' is not a group name; allowed: ['A']",
        None,
    )


def test_duplicate_group_names():
    g = {"name": "A", "when": {"age": {"min": 1}}}
    assert _one(_with(groups={"group": [g, g]})) == (
        "groups",
        "groups: duplicate group name(s) ['A']",
        None,
    )


def test_group_without_condition_in_record_mode():
    assert _one(_with(groups={"group": [{"name": "A"}]})) == (
        None,
        "groups: group(s) ['A'] have no 'when' condition; every group needs one unless the "
        "protocol reads an [analysis_table]",
        None,
    )


def test_bad_policy():
    column, message, _ = _one(_with(groups={"on_overlap": "ignore"}))
    assert (column, message) == (
        "groups.on_overlap",
        "'on_overlap' must be one of 'error' or 'report'",
    )


def test_file_errors(tmp_path):
    with pytest.raises(ProtocolError, match="protocol file not found"):
        load_protocol(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\ntitle = 'x'", encoding="utf-8")
    with pytest.raises(ProtocolError, match="not valid TOML"):
        load_protocol(bad)
    (tmp_path / "p.toml").write_text(
        "[study]\ntitle = 't'\n[index]\ndrug = 'x'\nstart = 2014-04-01T10:00:00\n"
    )
    with pytest.raises(ProtocolError) as info:
        load_protocol(tmp_path / "p.toml")
    (problem,) = info.value.problems
    assert problem.file == str(tmp_path / "p.toml") and problem.key == "index.start"
