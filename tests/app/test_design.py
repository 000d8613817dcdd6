"""The endpoints-and-analyses page on the second example study (not the T-DM1 one): every
setting shows the protocol model's documented meaning, and a save changes only the key
edited (comments stay), or is refused with the protocol's own message."""

from __future__ import annotations

import re

from app_helpers import authorised, make_client
from formdata import form_data, replace

from retrostudy.protocol import load_protocol
from retrostudy.protocol.analyses import SurvivalAnalysis
from retrostudy.protocol.endpoints import BorEndpoint, PfsEndpoint


def _dump(path) -> dict:
    return load_protocol(path).model_dump(mode="json")


def _changed(before: dict, after: dict, path: str = "") -> list[str]:
    """Dotted paths whose values differ between two protocol dumps."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after)):
            out += _changed(before.get(key), after.get(key), f"{path}.{key}".lstrip("."))
        return out
    return [] if before == after else [path]


def _post(client, pairs, route="/endpoints/save?s=study.toml"):
    data = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return client.post(route, data=data)


def _page(client) -> tuple[str, list[tuple[str, str]]]:
    page = client.get("/endpoints?s=study.toml").text
    return page, form_data(page, "design-form")


def test_every_setting_shows_the_models_meaning(nsclc):
    page, _ = _page(authorised(make_client(nsclc)))
    for model in (PfsEndpoint, BorEndpoint, SurvivalAnalysis):
        for name, field in model.model_fields.items():
            if name in ("kind", "endpoint", "missed_assessments", "adjust", "reference",
                        "landmarks"):
                continue
            text = " ".join(field.description.split())[:50]
            assert text.replace('"', "&#34;").replace("'", "&#39;") in page, (model, name)


def test_an_unchanged_page_saves_the_same_bytes(nsclc):
    study = nsclc / "study.toml"
    before = study.read_bytes()
    client = authorised(make_client(nsclc))
    response = _post(client, _page(client)[1])
    assert response.status_code == 200 and "saved-ok" in response.text
    assert study.read_bytes() == before


def test_one_edit_changes_that_key_only_and_keeps_comments(nsclc):
    study = nsclc / "study.toml"
    text, before = study.read_text("utf-8"), _dump(study)
    client = authorised(make_client(nsclc))
    pairs = replace(_page(client)[1], "ep.pfs.events", "progression")
    pairs = replace(pairs, "ep.bor.confirm_days", "35")
    assert _post(client, pairs).status_code == 200
    assert _changed(before, _dump(study)) == ["endpoints.bor.confirm_days",
                                               "endpoints.pfs.events"]
    after = study.read_text("utf-8")
    assert all(line in after for line in text.splitlines() if line.lstrip().startswith("#"))
    assert load_protocol(study).endpoints.items["pfs"].events == ("progression",)


def test_analyses_blocks_switched_and_survival_endpoints_picked(nsclc):
    study = nsclc / "study.toml"
    before = _dump(study)
    client = authorised(make_client(nsclc))
    pairs = replace(_page(client)[1], "an.adjusted.on", "on")
    pairs = replace(pairs, "an.adjusted.covariates", "age, ecog_1plus")
    pairs = replace(pairs, "an.adjusted.estimand", "ATT")
    pairs = replace(pairs, "an.conf_level", "0.9")
    pairs = replace(pairs, "survival", "os")  # pfs no longer analysed
    response = _post(client, pairs)
    assert response.status_code == 200, response.text
    protocol = load_protocol(study)
    assert protocol.analyses.adjusted.estimand == "ATT"
    assert [c.name for c in protocol.analyses.adjusted.covariates] == ["age", "ecog_1plus"]
    assert [s.endpoint for s in protocol.analyses.survival] == ["os"]
    assert _changed(before, _dump(study)) == [
        "analyses.adjusted", "analyses.conf_level", "analyses.survival"]
    # switched off again, and pfs back (appended with every default)
    pairs = replace(_page(client)[1], "an.adjusted.on")
    pairs = replace(pairs, "survival", "os", "pfs")
    assert _post(client, pairs).status_code == 200
    protocol = load_protocol(study)
    assert protocol.analyses.adjusted is None
    assert [s.endpoint for s in protocol.analyses.survival] == ["os", "pfs"]
    assert protocol.analyses.survival[1].landmarks == SurvivalAnalysis(endpoint="x").landmarks


def test_an_endpoint_added_with_the_model_studys_defaults_and_removed(nsclc):
    study = nsclc / "study.toml"
    client = authorised(make_client(nsclc))
    pairs = replace(_page(client)[1], "new_name", "ttd")
    pairs = replace(pairs, "new_kind", "ttd")
    assert _post(client, pairs).status_code == 200
    protocol = load_protocol(study)
    assert protocol.endpoints.items["ttd"].drug == protocol.index.drug[0]  # the index drug
    page, pairs = _page(client)
    assert 'id="ep-ttd"' in page
    assert _post(client, replace(pairs, "remove", "ttd")).status_code == 200
    assert "ttd" not in load_protocol(study).endpoints.items


def test_a_bad_value_is_refused_with_the_protocols_message(nsclc):
    study = nsclc / "study.toml"
    before = study.read_bytes()
    client = authorised(make_client(nsclc))
    _, pairs = _page(client)
    for name, value, said in (("an.conf_level", "1.5", "analyses.conf_level"),
                              ("ep.bor.confirm_days", "0", "endpoints.bor.confirm_days"),
                              ("ep.pfs.events", "", "events must include &#39;progression&#39;")):
        response = _post(client, replace(pairs, name, *([value] if value else [])))
        assert response.status_code == 400 and said in response.text, name
    removed = _post(client, replace(pairs, "remove", "bor"))  # rates reads it
    assert removed.status_code == 400 and "is not a &#39;bor&#39; endpoint" in removed.text
    assert study.read_bytes() == before


def test_a_hostile_label_is_escaped(nsclc):
    study = nsclc / "study.toml"
    client = authorised(make_client(nsclc))
    hostile = '<script>alert("x")</script>'
    assert _post(client, replace(_page(client)[1], "ep.os.label", hostile)).status_code == 200
    assert load_protocol(study).endpoints.items["os"].label == hostile
    page = client.get("/endpoints?s=study.toml").text
    assert hostile not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_two_tabs_cannot_lose_an_edit(nsclc):
    client = authorised(make_client(nsclc))
    _, pairs = _page(client)
    assert _post(client, replace(pairs, "an.conf_level", "0.9")).status_code == 200
    stale = _post(client, replace(pairs, "an.smd", "true"))
    assert stale.status_code == 409 and re.search(r"conf_level = 0\.9", stale.text)
    assert load_protocol(nsclc / "study.toml").analyses.smd is False


def test_a_new_study_starts_from_the_model_studys_design(tmp_path, nsclc):
    """A study created from an extract (as `retrostudy init` writes it) shows the model
    study's endpoints and analyses, and an unchanged save keeps its commented file."""
    import shutil

    folder = tmp_path / "new"
    shutil.copytree(nsclc / "data", folder / "extract")
    client = authorised(make_client(folder))
    assert client.post("/create", data={"extract": "extract",
                                        "name": "study.toml"}).status_code == 303
    study = folder / "study.toml"
    protocol = load_protocol(study)
    page, pairs = _page(client)
    for name in protocol.endpoints.items:
        assert f"<code>{name}</code>" in page
    analysed = [v for k, v in pairs if k == "survival"]
    assert analysed == [s.endpoint for s in protocol.analyses.survival] and analysed
    before = study.read_bytes()
    assert _post(client, pairs).status_code == 200 and study.read_bytes() == before
