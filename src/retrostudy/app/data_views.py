"""Opening or creating a study, adding an extract (uploads), and the data-mapping page:
the scan's proposal (``retrostudy init``'s engine) and the loader's findings
(``retrostudy validate``'s), row by row."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from retrostudy.app.security import OutsideFolder, safe_path
from retrostudy.app.studyfile import parse
from retrostudy.app.views import guarded, language, refuse, relative, render
from retrostudy.data.omop.resolve import summary
from retrostudy.data.scan.engine import scan_extract
from retrostudy.data.scan.study import propose
from retrostudy.errors import RetroStudyError

UPLOAD_TYPES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet")
CHUNK = 1024 * 1024


async def create(request: Request):
    """A new study.toml proposed by the scan of an extract folder inside the study folder."""
    form = await request.form()
    root = request.app.state.root
    try:
        extract = safe_path(root, str(form.get("extract", "")))
        target = safe_path(root, str(form.get("name", "")).strip() or "study.toml")
    except OutsideFolder:
        return refuse(request, "error.outside", status=403)
    if target.suffix != ".toml":
        return refuse(request, "error.toml_name")
    if target.exists():
        return refuse(request, "error.exists", name=relative(request, target), status=409)
    if not extract.exists():
        return refuse(request, "error.no_extract", status=404)
    try:
        proposal = propose(extract, out=target)
    except RetroStudyError as error:
        return render(request, "message.html", status=400,
                      problems=[str(p) for p in error.problems])
    target.write_text(proposal.text, encoding="utf-8")
    return RedirectResponse(f"/data?s={relative(request, target)}", status_code=303)


async def upload(request: Request):
    """Files into a sub-folder of the study folder: named by their base name only, of the
    record types the loader reads, and no larger than the app's limit."""
    limit = request.app.state.upload_limit
    declared = int(request.headers.get("content-length", "0") or 0)
    if declared > limit:
        return refuse(request, "error.too_large", status=413, limit=_mb(limit))
    async with request.form(max_files=200) as form:  # closes the spooled files
        return await _store_files(request, form, limit)


async def _store_files(request: Request, form, limit: int):
    root = request.app.state.root
    try:
        folder = safe_path(root, str(form.get("folder", "")).strip() or "extract")
    except OutsideFolder:
        return refuse(request, "error.outside", status=403)
    saved = []
    for item in form.getlist("files"):
        name = Path(getattr(item, "filename", "") or "").name
        if not name:
            continue
        if Path(name).suffix.lower() not in UPLOAD_TYPES:
            return refuse(request, "error.upload_type", name=name,
                          types=", ".join(UPLOAD_TYPES))
        folder.mkdir(parents=True, exist_ok=True)
        target = safe_path(folder, name)
        if not await _copy(item, target, limit):
            return refuse(request, "error.too_large", status=413, limit=_mb(limit))
        saved.append(name)
    return render(request, "message.html", message=", ".join(saved), uploaded=True,
                  folder=relative(request, folder))


async def _copy(item, target: Path, limit: int) -> bool:
    """Copy an uploaded file; False (and nothing left behind) when it exceeds ``limit``."""
    size = 0
    with target.open("wb") as out:
        while chunk := await item.read(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit:
        target.unlink()
        return False
    return True


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


@guarded
async def data_page(request: Request, study: Path):
    text = study.read_text(encoding="utf-8")
    try:
        protocol = parse(text, study)
    except RetroStudyError as error:
        return render(request, "data.html", study=relative(request, study),
                      protocol_problems=[str(p) for p in error.problems])
    if request.query_params.get("reload"):
        request.app.state.records.forget(study)
    loaded = request.app.state.records.get(study, protocol)
    scan = None
    extract = (protocol.base_dir / protocol.data.path) if protocol.data.path else None
    if extract is not None and extract.exists() and protocol.data.format != "omop":
        scan = scan_extract(extract)
    files = {f.table: f.path for f in loaded.files}
    omop = None
    if protocol.data.format == "omop":  # what the OMOP loader maps, set by set
        omop = summary(protocol.data.omop)
    return render(request, "data.html", study=relative(request, study), load=loaded,
                  files=files, scan=scan, omop=omop, lang_code=language(request))


ROUTES = [
    Route("/create", create, methods=["POST"]),
    Route("/upload", upload, methods=["POST"]),
    Route("/data", data_page),
]
