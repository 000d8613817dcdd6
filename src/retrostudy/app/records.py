"""The records behind the app's live views: loaded once per study and data block, then
the cohort counted on every edit by the cohort builder itself.

Nothing here decides who is in the cohort: :func:`counts` calls
:func:`retrostudy.cohort.build.select_patients` (the same index, criteria and groups code
``retrostudy run`` uses) on the edited protocol, and draws its attrition with the report's
own flow figure.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from retrostudy.cohort.build import select_patients
from retrostudy.data import check_records
from retrostudy.data.result import LoadResult
from retrostudy.data.store import duckdb_backend
from retrostudy.protocol.model import Protocol
from retrostudy.report import flow_from_attrition
from retrostudy.report.figures.flow import draw_flow

_LOCK = threading.Lock()


class RecordCache:
    """Checked records per (study file, data block), as `retrostudy validate` reads them
    (never raising for bad rows): loading takes seconds, counting a
    cohort a fraction of one. :meth:`forget` drops a study's records (new files)."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[str, str], LoadResult] = {}

    def get(self, path: Path, protocol: Protocol) -> LoadResult:
        key = (str(path), protocol.data.model_dump_json())
        with _LOCK:
            if key not in self._loaded:
                self._loaded = {k: v for k, v in self._loaded.items() if k[0] != str(path)}
                self._loaded[key] = check_records(protocol.data, protocol.base_dir,
                                                 duckdb_backend())
            return self._loaded[key]

    def forget(self, path: Path) -> None:
        with _LOCK:
            self._loaded = {k: v for k, v in self._loaded.items() if k[0] != str(path)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Counts:
    attrition: object  # retrostudy.cohort.Attrition
    flow_svg: str  # data: URI of the flow figure
    overlap_policy_stops: bool  # the protocol's on_overlap = "error" would stop the run


def counts(protocol: Protocol, loaded: LoadResult) -> Counts:
    """The attrition of ``protocol`` on the loaded records, with its flow figure.

    Patients in two groups are counted and named here even when the protocol's
    ``on_overlap = "error"`` would stop a run, so the page can show who they are;
    ``overlap_policy_stops`` says the run would stop."""
    groups = protocol.groups.model_copy(update={"on_overlap": "report"})
    relaxed = protocol.model_copy(update={"groups": groups})
    selection = select_patients(relaxed, loaded.store)
    attrition = selection.attrition
    with _LOCK:  # matplotlib's text measuring is not thread-safe
        figure = draw_flow(flow_from_attrition(attrition, source=protocol.report.flow_source))
        uri = figure.data_uri("svg")
    return Counts(attrition=attrition, flow_svg=uri,
                  overlap_policy_stops=bool(attrition.overlap)
                  and protocol.groups.on_overlap == "error")
