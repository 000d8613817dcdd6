"""The endpoints-and-analyses page: every endpoint and analysis setting with its documented
meaning (the protocol model's field descriptions), edited in place and saved like the
cohort (refused when the file changed since, or when it would not read as a protocol)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.routing import Route

from retrostudy.app import studyfile
from retrostudy.app.design import design_form, edit_design
from retrostudy.app.views import guarded, language, refuse, relative, render
from retrostudy.errors import RetroStudyError

PROFILES = ("r", "sas", "ezr")  # the protocol's [analyses] profile values


@guarded
async def endpoints_page(request: Request, study: Path):
    text, digest = studyfile.read(study)
    try:
        protocol = studyfile.parse(text, study)
    except RetroStudyError as error:
        return render(request, "message.html", status=400,
                      problems=[str(p) for p in error.problems])
    return render(request, "endpoints.html", study=relative(request, study), digest=digest,
                  design=design_form(text, language(request)), profile=protocol.analyses.profile,
                  profiles=PROFILES)


def _saved(request: Request, study: Path, edit):
    """Apply ``edit`` (text -> text) to study.toml through :func:`studyfile.save`, and the
    fragment saying what happened."""
    async def respond(form):
        text, _ = studyfile.read(study)
        try:
            studyfile.save(study, edit(text, form), str(form.get("digest", "")))
        except studyfile.Conflict as conflict:
            return render(request, "saved.html", status=409, conflict=conflict.diff,
                          study=relative(request, study), page="endpoints")
        except RetroStudyError as error:
            return render(request, "saved.html", status=400, study=relative(request, study),
                          problems=[str(p) for p in error.problems])
        return render(request, "saved.html", saved=True, digest=studyfile.read(study)[1],
                      study=relative(request, study))
    return respond


@guarded
async def save(request: Request, study: Path):
    """The whole form written to study.toml (only the keys whose value changed)."""
    return await _saved(request, study, edit_design)(await request.form())


@guarded
async def save_profile(request: Request, study: Path):
    """``[analyses] profile`` alone written to study.toml."""
    form = await request.form()
    profile = str(form.get("profile", ""))
    if profile not in PROFILES:
        return refuse(request, "error.bad_value", value=profile)
    return await _saved(request, study,
                        lambda text, _: studyfile.edit_profile(text, profile))(form)


ROUTES = [
    Route("/endpoints", endpoints_page),
    Route("/endpoints/save", save, methods=["POST"]),
    Route("/endpoints/profile", save_profile, methods=["POST"]),
]
