"""The condition picker of the cohort page, on the second example study (not the T-DM1
one): conditions are picked from the protocol's condition model (a kind, then its fields),
counted live by the cohort builder, and saved as the protocol reads them; combinations
stay typed TOML (the advanced entry)."""

from __future__ import annotations

import math
import re

from app_helpers import authorised, make_client
from formdata import form_data, replace

from retrostudy.protocol import load_protocol
from retrostudy.protocol.conditions import AgeCondition, DrugCondition, NotCondition


def _post(client, route, pairs):
    data = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return client.post(route, data=data)


def _page(client):
    page = client.get("/cohort?s=study.toml").text
    return page, form_data(page, "cohort-form")


def _numbers(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="n-(?:identified|analysed)">(\d+)|group-n">(\d+)',
                                       page) for n in n if n]


def test_simple_conditions_are_picked_and_combinations_typed(nsclc):
    page, pairs = _page(authorised(make_client(nsclc)))
    kinds = dict(pairs)  # the first value of each name
    assert [v for k, v in pairs if k == "c_kind"] == ["drug", "drug", "age", "drug"]
    assert [v for k, v in pairs if k == "g_kind"] == ["drug", "toml", "toml", "drug"]
    assert kinds["c0.drug"] == "nivolumab, pembrolizumab, atezolizumab"
    assert (kinds["c0.window_start"], kinds["c0.window_end"]) == ("-inf", "-1")
    assert kinds["c2.age_min"] == "18"
    # each input carries the model's meaning of its key
    meaning = DrugCondition.model_fields["min_count"].description
    assert f'title="{meaning}"' in page


def test_an_unchanged_page_saves_the_same_bytes(nsclc):
    study = nsclc / "study.toml"
    before = study.read_bytes()
    client = authorised(make_client(nsclc))
    response = _post(client, "/cohort/save?s=study.toml", _page(client)[1])
    assert response.status_code == 200 and "saved-ok" in response.text
    assert study.read_bytes() == before


def test_a_picked_condition_counts_as_typed_and_saves_as_the_protocol_reads_it(nsclc):
    study = nsclc / "study.toml"
    text, before = study.read_text("utf-8"), load_protocol(study)
    client = authorised(make_client(nsclc))
    _, pairs = _page(client)
    picked = replace(pairs, "c_label", *[v for k, v in pairs if k == "c_label"][:3],
                     "No pemetrexed before")
    picked = replace(picked, "c3.drug", "pemetrexed")
    picked = replace(picked, "c3.not", "on")  # keep only who did NOT have it: include + not
    picked = replace(picked, "c_action", *[v for k, v in pairs if k == "c_action"][:3],
                     "include")
    typed = replace(picked, "c_kind", "drug", "drug", "age", "toml")
    typed = replace(typed, "c_when", *[v for k, v in pairs if k == "c_when"][:3],
                    '{ not = { drug = "pemetrexed", window = ["-inf", -1] } }')
    counted = _post(client, "/cohort/preview?s=study.toml", picked).text
    assert _numbers(counted) == _numbers(_post(client, "/cohort/preview?s=study.toml",
                                               typed).text)
    assert _numbers(counted) != _numbers(_page(client)[0])  # the step removed patients
    assert _post(client, "/cohort/save?s=study.toml", picked).status_code == 200
    after = load_protocol(study)
    assert after.criteria[-1].when == NotCondition(
        **{"not": DrugCondition(drug=("pemetrexed",), window=(-math.inf, -1))})
    assert after.criteria[:3] == before.criteria and after.groups == before.groups
    saved = study.read_text("utf-8")
    assert all(line in saved for line in text.splitlines() if line.lstrip().startswith("#"))


def test_the_kind_select_brings_that_kinds_fields(nsclc):
    client = authorised(make_client(nsclc))
    page = client.get("/cohort/picker?s=study.toml&row=c3&c_kind=age").text
    assert 'name="c3.age_min"' in page and 'name="c3.age_max"' in page
    assert AgeCondition.__doc__.split("``")[0].strip() in page
    biomarker = client.get("/cohort/picker?s=study.toml&row=g1&g_kind=biomarker").text
    assert re.findall(r'<option value="(\w+)"', biomarker)[:3] == ["ER", "PgR", "HER2"]
    assert "textarea" not in client.get("/cohort/picker?s=study.toml&row=c0&c_kind=toml").text
    assert client.get("/cohort/picker?s=study.toml&row=x%22&c_kind=age").status_code == 400
    assert client.get("/cohort/picker?s=study.toml&row=c1&c_kind=sql").status_code == 400


def test_a_bad_picked_value_is_refused_with_the_protocols_message(nsclc):
    study = nsclc / "study.toml"
    before = study.read_bytes()
    client = authorised(make_client(nsclc))
    _, pairs = _page(client)
    for name, value, said in (("c0.window_start", "soon", "a window is [start, end]"),
                              ("c0.window_start", "5", "a window is [start, end]"),
                              ("c2.age_min", "90", "min must be &lt;= max"),
                              ("c0.min_count", "0", "criteria.0.when")):
        edited = replace(pairs, name, value)
        if name == "c2.age_min":
            edited = replace(edited, "c2.age_max", "60")
        response = _post(client, "/cohort/save?s=study.toml", edited)
        assert response.status_code == 400 and said in response.text, (name, value)
    assert study.read_bytes() == before


def test_a_hostile_name_picked_is_escaped(nsclc):
    client = authorised(make_client(nsclc))
    _, pairs = _page(client)
    hostile = '"><img src=x onerror=alert(1)>'
    edited = replace(pairs, "c_label", *[v for k, v in pairs if k == "c_label"][:3], "x")
    edited = replace(edited, "c3.drug", hostile)
    assert _post(client, "/cohort/save?s=study.toml", edited).status_code == 200
    assert load_protocol(nsclc / "study.toml").criteria[-1].when.drug == (hostile,)
    page = client.get("/cohort?s=study.toml").text
    assert "<img src=x" not in page
    assert 'value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"' in page
