"""The run with its progress, and the report in the page with its downloads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from retrostudy.app.jobs import report_folder
from retrostudy.app.security import OutsideFolder, safe_path
from retrostudy.app.views import guarded, refuse, relative, render

DOWNLOADS = ("report.docx", "checklist.docx", "results.json", "report.html")


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
    Route("/run", run, methods=["POST"]),
    Route("/run/status", status),
    Route("/report", report_page),
    Route("/report/file", report_file),
    Route("/report/zip", report_zip),
]
