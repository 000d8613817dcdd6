"""One patient's timeline from the study's last run: the drug records, the lines of
therapy, the tumour assessments, and each derived endpoint with its reason (the columns
the endpoints layer wrote for that patient: ``pfs_days``, ``pfs_event``, ``pfs_reason``,
``bor``, ...). Nothing is derived here; this page shows what the run derived."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from starlette.requests import Request
from starlette.routing import Route

from retrostudy.app.views import guarded, refuse, relative, render

RECORDS = ("drug_administrations", "tumor_assessments")


def shown(value) -> str:
    """A value as the page prints it: dates without a time of day, missing as blank."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else str(value)
    return str(value)


def _rows(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    return [str(c) for c in frame.columns], [[shown(v) for v in row] for row in
                                             frame.itertuples(index=False)]


def _records(result, patient: str) -> dict:
    store = result.load.store if result.load is not None else None
    out = {}
    for name in RECORDS if store is not None else ():
        table = store.table(name)
        frame = store.execute(table.filter(table.patient_id == patient))
        out[name] = _rows(frame.sort_values([c for c in ("date", "drug") if c in frame]))
    if result.lines is not None and "patient_id" in result.lines:
        lines = result.lines[result.lines["patient_id"].astype(str) == patient]
        out["lines"] = _rows(lines)
    return out


def owner(column: str, names) -> str | None:
    """The endpoint a dataset column belongs to: the longest endpoint name it is or starts
    with (``pfs_standard_days`` is pfs_standard's, not pfs's)."""
    owners = [n for n in names if column == n or column.startswith(f"{n}_")]
    return max(owners, key=len) if owners else None


def _endpoints(result, row: pd.Series) -> list[dict]:
    specs = result.protocol.endpoints.items
    return [{"name": name, "label": spec.label,
             "values": [(c, shown(row[c])) for c in row.index if owner(c, specs) == name]}
            for name, spec in specs.items()]


@guarded
async def patient_page(request: Request, study: Path):
    job = request.app.state.jobs.last.get(study)
    if job is None or job.result is None:
        return refuse(request, "error.run_first", status=404)
    patient = request.query_params.get("id", "")
    data = job.result.dataset
    match = data[data["patient_id"].astype(str) == patient]
    if match.empty:
        return refuse(request, "error.no_patient", status=404, patient=patient)
    row = match.iloc[0]
    return render(request, "patient.html", study=relative(request, study), patient=patient,
                  group=row.get("group", ""), index_date=shown(row.get("index_date")),
                  records=_records(job.result, patient), endpoints=_endpoints(job.result, row))


ROUTES = [Route("/patient", patient_page)]
