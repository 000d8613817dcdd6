"""Study runs in a background thread, with the pipeline's own progress reports.

A run is :func:`retrostudy.pipeline.run_study` on the saved study.toml, written to
``<study>-report/`` beside it: exactly what ``retrostudy run study.toml --out
<study>-report`` does. One run at a time (the figures share matplotlib).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from retrostudy.errors import RetroStudyError
from retrostudy.pipeline import StudyResult, run_study

_RUN_LOCK = threading.Lock()


def report_folder(study: Path) -> Path:
    return study.with_name(f"{study.stem}-report")


@dataclass
class Job:
    study: Path
    step: str = ""
    done: int | None = None
    total: int | None = None
    steps_seen: int = 0
    state: str = "running"  # running | done | failed
    problems: list[str] = field(default_factory=list)
    result: StudyResult | None = None

    def progress(self, message: str, done: int | None = None, total: int | None = None):
        if done is None:
            self.steps_seen += 1
        self.step, self.done, self.total = message, done, total

    @property
    def percent(self) -> int:
        """Rough progress: the pipeline's six steps, the last one by its own counts."""
        if self.state != "running":
            return 100
        base = min(self.steps_seen, 6) * 14
        if self.done is not None and self.total:
            base += int(14 * self.done / self.total)
        return min(base, 99)


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self.last: dict[Path, Job] = {}  # the latest finished run of each study

    def start(self, study: Path) -> str:
        job_id = secrets.token_hex(8)
        job = Job(study=study)
        self._jobs[job_id] = job
        threading.Thread(target=self._run, args=(job,), daemon=True).start()
        return job_id

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def _run(self, job: Job) -> None:
        with _RUN_LOCK:
            try:
                job.result = run_study(job.study, out=report_folder(job.study),
                                       progress=job.progress)
                job.state = "done"
                self.last[job.study] = job
            except RetroStudyError as error:
                job.problems = [str(p) for p in error.problems]
                job.state = "failed"
            except Exception as exc:  # shown on the page; the server keeps running
                job.problems = [f"{type(exc).__name__}: {exc}"]
                job.state = "failed"
