"""The meanings beside each option in the interface's language: the Japanese catalogue
covers every described key the app shows and nothing that no longer exists, and the
Japanese pages show it (on the second example study, not the T-DM1 one)."""

from __future__ import annotations

import re
from html import escape

import pytest
from app_helpers import authorised, make_client

from retrostudy.app import meanings, picker
from retrostudy.app.design import KINDS, design_form
from retrostudy.protocol.conditions import AgeRange, DrugCondition
from retrostudy.protocol.endpoints import PfsEndpoint

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

# every endpoint kind and every optional analyses block, for design_form to show
EVERY_KIND = "\n".join(f'[endpoints.e_{kind}]\nkind = "{kind}"\n' for kind in KINDS) + """
[analyses]
[[analyses.survival]]
endpoint = "e_pfs"
[analyses.response]
[analyses.followup]
reverse_km_of = "e_os"
[analyses.adjusted]
covariates = ["age"]
"""


def _html(text: str) -> str:
    return escape(text, quote=True).replace("&#x27;", "&#39;").replace("&quot;", "&#34;")


@pytest.fixture
def shown(nsclc, monkeypatch) -> set[tuple[str, str | None]]:
    """(model, key) of every meaning the app looks up while showing its pages in English
    (no catalogue then, so each lookup reads the model's own text)."""
    seen: set[tuple[str, str | None]] = set()
    english = meanings.english

    def record(model, key=None):
        assert model in meanings.MODELS, f"the app shows {model.__name__}: add it to MODELS"
        seen.add((model.__name__, key))
        return english(model, key)

    monkeypatch.setattr(meanings, "english", record)
    client = authorised(make_client(nsclc))
    assert client.get("/endpoints?s=study.toml").status_code == 200
    assert client.get("/cohort?s=study.toml").status_code == 200
    for kind in picker.KINDS:
        response = client.get(f"/cohort/picker?s=study.toml&row=c0&c_kind={kind}")
        assert response.status_code == 200
    design_form(EVERY_KIND, "en")
    return seen


def test_every_meaning_the_app_shows_has_a_japanese_text(shown):
    ja = meanings.catalogue("ja")
    missing = sorted(f"{m}.{k}" if k else m for m, k in shown
                     if (f"{m}.{k}" if k else m) not in ja
                     and meanings.english(_model(m), k))
    assert missing == []
    # the walk reached every kind of block: each endpoint kind, each condition kind
    names = {m for m, _ in shown}
    assert {m.__name__ for m in (*KINDS.values(), *picker.KINDS.values())} <= names


def _model(name: str):
    return next(m for m in meanings.MODELS if m.__name__ == name)


def test_japanese_catalogue_matches_the_model():
    """One entry per described key of the shown blocks, and no stale entry (a key or
    block that no longer exists, or lost its English meaning); each entry is Japanese."""
    ja = meanings.catalogue("ja")
    keys = {f"{m.__name__}.{k}" for m in meanings.MODELS
            for k, f in m.model_fields.items() if f.description}
    assert keys - set(ja) == set()
    for entry, text in ja.items():
        name, _, key = entry.partition(".")
        model = _model(name)  # StopIteration: a block the app no longer shows
        assert meanings.english(model, key or None), f"{entry}: no English meaning"
        assert JAPANESE.search(text), f"{entry}: not Japanese"
        if key:
            assert entry in keys, f"{entry}: not a key of {name}"


def test_english_is_the_models_text_and_other_languages_fall_back_to_it():
    pfs = " ".join(PfsEndpoint.model_fields["censor_at_new_therapy"].description.split())
    assert meanings.meaning("en", PfsEndpoint, "censor_at_new_therapy") == pfs
    assert meanings.meaning("xx", PfsEndpoint, "censor_at_new_therapy") == pfs
    assert meanings.meaning("ja", PfsEndpoint, "censor_at_new_therapy") != pfs


def test_japanese_pages_show_japanese_meanings(nsclc):
    client = authorised(make_client(nsclc))
    pfs_en = meanings.meaning("en", PfsEndpoint, "censor_at_new_therapy")
    pfs_ja = meanings.meaning("ja", PfsEndpoint, "censor_at_new_therapy")
    drug_en = meanings.meaning("en", DrugCondition, "drug")
    drug_ja = meanings.meaning("ja", DrugCondition, "drug")
    picker_url = "/cohort/picker?s=study.toml&row=c0&c_kind=drug"

    endpoints, cohort = client.get("/endpoints?s=study.toml").text, client.get(picker_url).text
    assert _html(pfs_en) in endpoints and _html(pfs_ja) not in endpoints
    assert _html(drug_en) in cohort and _html(drug_ja) not in cohort

    client.get("/lang?to=ja&next=/")
    endpoints, cohort = client.get("/endpoints?s=study.toml").text, client.get(picker_url).text
    assert _html(pfs_ja) in endpoints and _html(pfs_en) not in endpoints
    assert _html(drug_ja) in cohort and _html(drug_en) not in cohort
    # the cohort page's own pickers too: the study's criteria (a drug, an age range)
    page = client.get("/cohort?s=study.toml").text
    for model, key in ((DrugCondition, None), (DrugCondition, "window"), (AgeRange, "min")):
        assert _html(meanings.meaning("ja", model, key)) in page
        assert _html(meanings.meaning("en", model, key)) not in page
