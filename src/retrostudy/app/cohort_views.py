"""The cohort page: index event, ordered criteria and groups, with live counts.

Every edit is posted (htmx, on change) to :func:`preview`, which applies it to the file's
text in memory, reads it with the protocol model and counts it with the cohort builder
(:mod:`retrostudy.app.records`); :func:`save` writes the same edit to study.toml, refused
when the file changed since the page was built."""

from __future__ import annotations

import re
from itertools import zip_longest
from pathlib import Path

from starlette.requests import Request
from starlette.routing import Route

from retrostudy.app import picker, studyfile
from retrostudy.app.meanings import meaning
from retrostudy.app.records import counts
from retrostudy.app.views import guarded, language, refuse, relative, render
from retrostudy.errors import RetroStudyError

OCCURRENCES = ("first_in_window", "first_ever")
ACTIONS = ("exclude", "include")
ROW = re.compile(r"[cg][0-9]{1,4}")  # a picker's row: c0, c1, ... (criteria), g0, ... (groups)


def _form_rows(form, prefix: str, keys: tuple[str, ...]) -> list[dict]:
    """Rows of the repeated fields ``<prefix>_<key>`` (a missing field is empty)."""
    columns = [form.getlist(f"{prefix}_{k}") for k in keys]
    return [dict(zip(keys, (str(v) for v in values), strict=True))
            for values in zip_longest(*columns, fillvalue="")]


def _picked(form, prefix: str, rows: list[dict]) -> list[dict]:
    """Rows whose condition was picked (``<prefix>_kind`` a condition kind) get the TOML
    the picker builds; the others keep the typed TOML (the advanced entry)."""
    kinds = form.getlist(f"{prefix}_kind")
    for i, row in enumerate(rows):
        kind = kinds[i] if i < len(kinds) else picker.ADVANCED
        if kind in picker.KINDS:
            row["when"] = picker.condition(kind, f"{prefix}{i}", form)
    return rows


def edit_of(form) -> dict:
    return {
        "index": {k: str(form.get(f"index_{k}", "")) for k in
                  ("label", "drug", "start", "end", "occurrence")},
        "criteria": _picked(form, "c", _form_rows(form, "c", ("label", "action", "when"))),
        "groups": _picked(form, "g", _form_rows(form, "g", ("name", "label", "when"))),
        "reference": str(form.get("reference", "")),
    }


def _pick(when: str, row: str, lang: str) -> dict:
    """What the picker shows for a condition typed ``when`` in form row ``row``, its
    meanings in the interface language ``lang``."""
    try:
        found = picker.picked(studyfile.inline(when, row)) if when.strip() else {
            "kind": "drug", "negate": False, "values": None}
    except RetroStudyError:
        found = None
    if found is None:
        return {"kind": picker.ADVANCED, "inputs": [], "negate": False, "kind_doc": ""}
    return {"kind": found["kind"], "negate": found["negate"],
            "inputs": picker.inputs(found["kind"], row, found["values"], lang),
            "kind_doc": meaning(lang, picker.KINDS[found["kind"]])}


def _rows(rows: list[dict], prefix: str, blank: dict, lang: str) -> list[dict]:
    """The rows and one blank row to add a condition, each with its picker."""
    return [{**row, **_pick(row["when"], f"{prefix}{i}", lang)}
            for i, row in enumerate([*rows, blank])]


def _counted(request: Request, study: Path, text: str) -> dict:
    """What the count fragment shows for ``text``: the counts, or the problems."""
    try:
        protocol = studyfile.parse(text, study)
        loaded = request.app.state.records.get(study, protocol)
        if not loaded.ok:
            return {"problems": [str(p) for p in loaded.reported_errors()], "data_errors": True}
        return {"counts": counts(protocol, loaded)}
    except RetroStudyError as error:
        return {"problems": [str(p) for p in error.problems]}


@guarded
async def cohort_page(request: Request, study: Path):
    text, digest = studyfile.read(study)
    form = studyfile.cohort_form(text)
    lang = language(request)
    form["criteria"] = _rows(form["criteria"], "c", {"label": "", "action": "exclude",
                                                     "when": ""}, lang)
    form["groups"] = _rows(form["groups"], "g", {"name": "", "label": "", "when": ""}, lang)
    return render(request, "cohort.html", study=relative(request, study), digest=digest,
                  form=form, occurrences=OCCURRENCES, actions=ACTIONS,
                  kinds=(*picker.KINDS, picker.ADVANCED), advanced=picker.ADVANCED,
                  **_counted(request, study, text))


@guarded
async def picker_fields(request: Request, study: Path):
    """The picker's inputs for the kind chosen in one row (empty for typed TOML)."""
    row = request.query_params.get("row", "")
    kind = request.query_params.get(f"{row[:1]}_kind", "")
    if not ROW.fullmatch(row) or kind not in (*picker.KINDS, picker.ADVANCED):
        return refuse(request, "error.bad_value", value=f"{row} {kind}")
    if kind == picker.ADVANCED:
        return render(request, "picker.html", row=row, inputs=[])
    lang = language(request)
    return render(request, "picker.html", row=row, inputs=picker.inputs(kind, row, lang=lang),
                  negate=False, kind_doc=meaning(lang, picker.KINDS[kind]))


@guarded
async def preview(request: Request, study: Path):
    form = await request.form()
    text, _ = studyfile.read(study)
    try:
        edited = studyfile.edit_cohort(text, edit_of(form))
    except RetroStudyError as error:
        return render(request, "counts.html", study=relative(request, study),
                      problems=[str(p) for p in error.problems])
    return render(request, "counts.html", study=relative(request, study),
                  **_counted(request, study, edited))


@guarded
async def save(request: Request, study: Path):
    form = await request.form()
    text, _ = studyfile.read(study)
    try:
        edited = studyfile.edit_cohort(text, edit_of(form))
        studyfile.save(study, edited, str(form.get("digest", "")))
    except studyfile.Conflict as conflict:
        return render(request, "saved.html", status=409, conflict=conflict.diff,
                      study=relative(request, study))
    except RetroStudyError as error:
        return render(request, "saved.html", status=400, study=relative(request, study),
                      problems=[str(p) for p in error.problems])
    _, digest = studyfile.read(study)
    return render(request, "saved.html", saved=True, digest=digest,
                  study=relative(request, study))


@guarded
async def patients(request: Request, study: Path):
    """The IDs of the patients in two groups, or in none (``which``), for the saved file."""
    which = request.query_params.get("which", "overlap")
    found = _counted(request, study, study.read_text(encoding="utf-8"))
    if "counts" not in found:
        return render(request, "counts.html", study=relative(request, study), **found)
    attrition = found["counts"].attrition
    ids = attrition.overlap if which == "overlap" else attrition.unassigned
    return render(request, "patients.html", which=which, ids=ids)


ROUTES = [
    Route("/cohort", cohort_page),
    Route("/cohort/preview", preview, methods=["POST"]),
    Route("/cohort/save", save, methods=["POST"]),
    Route("/cohort/patients", patients),
    Route("/cohort/picker", picker_fields),
]
