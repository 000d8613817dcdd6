"""The endpoints-and-analyses form: what it shows of study.toml and how an edit is written.

The endpoints (``[endpoints.<name>]``: add one of a kind, remove one, edit its keys), the
``[analyses]`` settings, the time-to-event endpoints analysed (``[[analyses.survival]]``),
``[analyses.response]``, ``[analyses.followup]`` and the propensity-score block
``[analyses.adjusted]`` (on or off, with its estimand and methods). Every field comes from
the protocol model (:mod:`retrostudy.app.settings`), so each shows its documented meaning
(in the interface language: :mod:`retrostudy.app.meanings`) and default; the edit goes
through tomlkit in place and the protocol model decides whether it reads
(:func:`retrostudy.app.studyfile.save`).
"""

from __future__ import annotations

import tomlkit
from tomlkit.items import AoT

from retrostudy.app.meanings import meaning
from retrostudy.app.settings import apply, plain, settings
from retrostudy.protocol.adjusted import AdjustedAnalysis
from retrostudy.protocol.analyses import AnalysesBlock, FollowUp, ResponseAnalysis, SurvivalAnalysis
from retrostudy.protocol.endpoints import SPEC_MODELS, EndpointsBlock

KINDS = {m.model_fields["kind"].annotation.__args__[0]: m for m in SPEC_MODELS}
NEW_KINDS = ("pfs", "os", "bor", "ttd", "ttnt", "dor", "rates")  # added from the page
TIME_TO_EVENT = ("pfs", "dor", "os", "ttd", "ttnt", "tte")
ANALYSES_SKIP = ("kind",)


def _endpoint_tables(doc) -> dict:
    block = doc.get("endpoints", {})
    return {k: v for k, v in block.items() if hasattr(v, "items") and "kind" in v}


def design_form(text: str, lang: str = "en") -> dict:
    """What the page shows: each endpoint with its settings, the analyses' settings; every
    meaning in the interface language ``lang``."""
    doc = tomlkit.parse(text)
    endpoints = []
    for name, table in _endpoint_tables(doc).items():
        model = KINDS.get(str(plain(table["kind"])))
        if model is None:
            continue
        endpoints.append({"name": name, "kind": model.model_fields["kind"].annotation.__args__[0],
                          "doc": meaning(lang, model), "kind_doc": meaning(lang, model, "kind"),
                          "settings": settings(model, table, f"ep.{name}", lang=lang)})
    analyses = doc.get("analyses", {})
    survival = {str(plain(t.get("endpoint", ""))): t for t in analyses.get("survival", [])}
    adjusted = analyses.get("adjusted")
    names = _covariate_names(adjusted)
    return {
        "endpoints": endpoints,
        "globals": settings(EndpointsBlock, doc.get("endpoints", {}), "endpoints", lang=lang),
        "analyses": [s for s in settings(AnalysesBlock, analyses, "an", lang=lang)
                     if s.widget != "shown"],
        "analyses_doc": {k: meaning(lang, AnalysesBlock, k) for k in AnalysesBlock.model_fields},
        "tte": [e["name"] for e in endpoints if e["kind"] in TIME_TO_EVENT],
        "survival": [{"endpoint": name, "settings": [
            s for s in settings(SurvivalAnalysis, table, f"surv.{name}", skip=("endpoint",),
                          lang=lang)
            if s.widget != "shown"]} for name, table in survival.items()],
        "survival_doc": meaning(lang, SurvivalAnalysis),
        "response": settings(ResponseAnalysis, analyses.get("response", {}), "an.response",
                             lang=lang),
        "response_doc": meaning(lang, ResponseAnalysis),
        "followup": settings(FollowUp, analyses.get("followup", {}), "an.followup", lang=lang),
        "followup_doc": meaning(lang, FollowUp),
        "followup_on": "followup" in analyses,
        "adjusted_on": adjusted is not None,
        "adjusted": [s for s in settings(AdjustedAnalysis, adjusted or {}, "an.adjusted",
                                          lang=lang)
                     if s.widget != "shown"],
        "adjusted_doc": meaning(lang, AdjustedAnalysis),
        "covariates": ", ".join(names) if names is not None else None,
        "covariates_doc": meaning(lang, AdjustedAnalysis, "covariates"),
        "new_kinds": NEW_KINDS,
    }


def _covariate_names(adjusted) -> list[str] | None:
    """The propensity covariates as plain names ([] without the block; None when some
    covariate is a table, which the study file then edits)."""
    if adjusted is None:
        return []
    values = plain(adjusted.get("covariates", []))
    return list(values) if all(isinstance(v, str) for v in values) else None


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def edit_design(text: str, form) -> str:
    """``text`` with the posted endpoints-and-analyses form applied (see :func:`design_form`).
    A block the file lacks is added only when the edit puts a key in it."""
    doc = tomlkit.parse(text)
    endpoints = doc.get("endpoints", tomlkit.table())
    apply(EndpointsBlock, endpoints, "endpoints", form)
    removed = set(form.getlist("remove"))
    for name, table in _endpoint_tables({"endpoints": endpoints}).items():
        if name in removed:
            del endpoints[name]
        elif (model := KINDS.get(str(plain(table["kind"])))) is not None:
            apply(model, table, f"ep.{name}", form)
    _add_endpoint(doc, endpoints, form)
    _attach(doc, "endpoints", endpoints)
    analyses = doc.get("analyses", tomlkit.table())
    apply(AnalysesBlock, analyses, "an", form)
    if "survival_shown" in form:
        _edit_survival(analyses, form)
    response = analyses.get("response", tomlkit.table())
    apply(ResponseAnalysis, response, "an.response", form)
    _attach(analyses, "response", response)
    if "followup_shown" in form:
        _edit_optional(analyses, "followup", FollowUp, form)
    if "adjusted_shown" in form:
        _edit_optional(analyses, "adjusted", AdjustedAnalysis, form)
    _attach(doc, "analyses", analyses)
    return tomlkit.dumps(doc)


def _attach(parent, key: str, table) -> None:
    """``table`` added as ``parent[key]`` when new and not empty (a blank line after it)."""
    if key not in parent and len(table):
        table.add(tomlkit.nl())
        parent[key] = table


def _add_endpoint(doc, endpoints, form) -> None:
    """A new ``[endpoints.<name>]`` of the chosen kind with the model study's defaults: a
    TTD endpoint follows the index drug; DOR and rates read the first BOR endpoint."""
    name, kind = str(form.get("new_name", "")).strip(), str(form.get("new_kind", ""))
    if not name:
        return
    table = tomlkit.table()
    table["kind"] = kind
    if kind == "ttd":
        drug = plain(doc.get("index", {}).get("drug", ""))
        table["drug"] = drug[0] if isinstance(drug, list) and drug else drug
    if kind in ("dor", "rates"):
        bor = [n for n, t in _endpoint_tables({"endpoints": endpoints}).items()
               if plain(t["kind"]) == "bor"]
        if bor and bor[0] != "bor":
            table["response_from"] = bor[0]
    table.add(tomlkit.nl())
    endpoints[name] = table  # an existing name: the table is replaced by the new kind


def _edit_survival(analyses, form) -> None:
    """``[[analyses.survival]]`` holds the ticked endpoints: unticked entries are removed,
    newly ticked ones appended (with every default), the rest edited in place."""
    ticked = list(form.getlist("survival"))
    if "survival" not in analyses:
        if not ticked:
            return
        analyses["survival"] = tomlkit.aot()
    aot: AoT = analyses["survival"]
    for i in reversed(range(len(aot))):
        if str(plain(aot[i].get("endpoint", ""))) not in ticked:
            del aot[i]
    present = [str(plain(t.get("endpoint", ""))) for t in aot]
    for table in aot:
        apply(SurvivalAnalysis, table, f"surv.{plain(table['endpoint'])}", form,
              skip=("endpoint",))
    for name in ticked:
        if name not in present:
            table = tomlkit.table()
            table["endpoint"] = name
            table.add(tomlkit.nl())
            aot.append(table)
    if not len(aot):
        del analyses["survival"]


def _edit_optional(analyses, key: str, model, form) -> None:
    """An optional block (``followup``, ``adjusted``) switched on or off, its settings
    applied. Switched on, a new block holds at least its first key (``reverse_km_of``;
    the propensity covariates, typed as names)."""
    if form.get(f"an.{key}.on") != "on":
        if key in analyses:
            del analyses[key]
        return
    table = analyses.get(key, tomlkit.table())
    typed = form.get(f"an.{key}.covariates")
    if typed is not None and _names(str(typed)) != plain(table.get("covariates", [])):
        table["covariates"] = _names(str(typed))
    apply(model, table, f"an.{key}", form)
    if key == "followup" and not len(table):
        table["reverse_km_of"] = str(form.get("an.followup.reverse_km_of", "")).strip() or "os"
    _attach(analyses, key, table)
