"""Endpoints and analyses (with their documented meaning), the run with its progress, the
report in the page with its downloads, and one patient's timeline."""

from __future__ import annotations

import inspect
import io
import zipfile
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from retrostudy.app import studyfile
from retrostudy.app.jobs import report_folder
from retrostudy.app.security import OutsideFolder, safe_path
from retrostudy.app.views import guarded, refuse, relative, render
from retrostudy.errors import RetroStudyError

DOWNLOADS = ("report.docx", "checklist.docx", "results.json", "report.html")
PROFILES = ("r", "sas", "ezr")  # the protocol's [analyses] profile values


def _doc(obj) -> str:
    """The documented meaning of a protocol block: its class docstring, as one paragraph."""
    return " ".join((inspect.getdoc(type(obj)) or "").split())


def _fields(block) -> list[tuple[str, str]]:
    dumped = block.model_dump(mode="json", exclude_defaults=False)
    return [(k, str(v)) for k, v in dumped.items() if v not in (None, [], {}, "")]


@guarded
async def endpoints_page(request: Request, study: Path):
    try:
        protocol = studyfile.parse(study.read_text(encoding="utf-8"), study)
    except RetroStudyError as error:
        return render(request, "message.html", status=400,
                      problems=[str(p) for p in error.problems])
    endpoints = [{"name": name, "kind": spec.kind, "label": spec.label, "doc": _doc(spec),
                  "fields": _fields(spec)} for name, spec in protocol.endpoints.items.items()]
    analyses = protocol.analyses
    blocks = [{"name": name, "doc": _doc(value), "fields": _fields(value)}
              for name, value in analyses if hasattr(value, "model_dump")]
    blocks += [{"name": name, "doc": _doc(value[0]), "fields": _fields(value[0]),
                "count": len(value)}
               for name, value in analyses if isinstance(value, (list, tuple)) and value
               and hasattr(value[0], "model_dump")]
    return render(request, "endpoints.html", study=relative(request, study),
                  endpoints=endpoints, analyses_doc=_doc(analyses), profile=analyses.profile,
                  profiles=PROFILES, blocks=blocks, digest=studyfile.digest(
                      study.read_text(encoding="utf-8")))


@guarded
async def save_profile(request: Request, study: Path):
    """``[analyses] profile`` written to study.toml (refused when the file changed)."""
    form = await request.form()
    profile = str(form.get("profile", ""))
    if profile not in PROFILES:
        return refuse(request, "error.bad_value", value=profile)
    text, _ = studyfile.read(study)
    try:
        studyfile.save(study, studyfile.edit_profile(text, profile), str(form.get("digest", "")))
    except studyfile.Conflict as conflict:
        return render(request, "saved.html", status=409, conflict=conflict.diff,
                      study=relative(request, study))
    except RetroStudyError as error:
        return render(request, "saved.html", status=400, study=relative(request, study),
                      problems=[str(p) for p in error.problems])
    return render(request, "saved.html", saved=True, digest=studyfile.read(study)[1],
                  study=relative(request, study))


@guarded
async def run(request: Request, study: Path):
    job_id = request.app.state.jobs.start(study)
    return render(request, "progress.html", job_id=job_id, job=request.app.state.jobs.get(
        job_id), study=relative(request, study))


async def status(request: Request):
    job_id = request.query_params.get("job", "")
    job = request.app.state.jobs.get(job_id)
    if job is None:
        return refuse(request, "error.no_job", status=404)
    return render(request, "progress.html", job_id=job_id, job=job,
                  study=relative(request, job.study))


@guarded
async def report_page(request: Request, study: Path):
    folder = report_folder(study)
    if not (folder / "report.html").exists():
        return refuse(request, "error.no_report", status=404)
    present = [name for name in DOWNLOADS if (folder / name).exists()]
    job = request.app.state.jobs.last.get(study)
    ids = list(job.result.dataset["patient_id"].astype(str)) if job and job.result else []
    return render(request, "report.html", study=relative(request, study), downloads=present,
                  patient_ids=ids)


@guarded
async def report_file(request: Request, study: Path):
    """A file of the study's report folder (never outside it)."""
    try:
        path = safe_path(report_folder(study), request.query_params.get("f", ""))
    except OutsideFolder:
        return refuse(request, "error.outside", status=403)
    if not path.is_file():
        return refuse(request, "error.no_report", status=404)
    response = FileResponse(path, filename=path.name if path.suffix != ".html" else None)
    # the report is the pipeline's self-contained HTML: shown sandboxed, no script runs
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@guarded
async def report_zip(request: Request, study: Path):
    folder = report_folder(study)
    if not folder.is_dir():
        return refuse(request, "error.no_report", status=404)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.resolve().is_relative_to(folder.resolve()):
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{folder.name}.zip"'})


ROUTES = [
    Route("/endpoints", endpoints_page),
    Route("/endpoints/profile", save_profile, methods=["POST"]),
    Route("/run", run, methods=["POST"]),
    Route("/run/status", status),
    Route("/report", report_page),
    Route("/report/file", report_file),
    Route("/report/zip", report_zip),
]
