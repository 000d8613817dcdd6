"""A report folder is complete or absent.

A run writes into a temporary folder beside the target (``.<name>-<random>.partial``) and
renames it into place only when every file is written: an interrupted run, a full disk or
a crash leaves the previous report as it was (or nothing), never a report.html beside a
truncated report.docx. A rerun replaces the whole previous folder, so no file of an
earlier run (a table that no longer exists) is left behind.

Replacing a folder deletes it, so only a folder this tool wrote is replaced: an empty one,
or one whose entries are all listed in its :data:`MANIFEST` (or, for a report written
before the manifest existed, all standard report names). Anything else, and ``--out``
naming a file, is refused by :func:`check_out` before the study runs.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from retrostudy.errors import OutputError, Problem

MANIFEST = ".retrostudy-report.json"
"""Hidden file listing the top-level entries a run wrote (which a rerun may replace)."""
_STANDARD = frozenset({"report.html", "report.docx", "supplement.html", "supplement.docx",
                       "checklist.docx", "results.json",
                       "run-info.json", "tables", "figures", MANIFEST})


def check_out(out: str | Path) -> None:
    """Refuse an output path a report cannot replace, before any work is done."""
    out = Path(out).absolute()
    if out.exists() and not out.is_dir():
        raise OutputError(Problem(
            message="--out names a file, not a folder", file=str(out), code="out_is_a_file",
            hint="give a folder for the report (it is created, or replaced if it holds a "
                 "previous report)"))
    cwd = Path.cwd().resolve()
    if out.resolve() == cwd or out.resolve() in cwd.parents:
        raise OutputError(Problem(
            message="--out is the working folder (or holds it); a rerun replaces the whole "
                    "report folder", file=str(out), code="out_not_replaceable",
            hint="give a sub-folder, e.g. --out report"))
    foreign = _foreign(out) if out.is_dir() else []
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more"
                                          if len(foreign) > 5 else "")
        raise OutputError(Problem(
            message=f"--out names a folder holding files retrostudy did not write ({shown}); "
                    "a run replaces the whole report folder", file=str(out),
            code="out_not_replaceable",
            hint="give a new or empty folder, or the folder of a previous report"))


def _foreign(out: Path) -> list[str]:
    """Entries of ``out`` no previous run wrote (empty: the folder may be replaced)."""
    names = sorted(p.name for p in out.iterdir())
    try:
        owned = set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        owned = set()
    return [n for n in names if n not in owned | _STANDARD]


@contextlib.contextmanager
def writing(out: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; when the block ends without error, it
    becomes ``out`` (replacing a previous report). On any error the temporary folder is
    removed and ``out`` is untouched; an ``OSError`` (read-only folder, full disk) becomes
    an :class:`~retrostudy.errors.OutputError`."""
    out = Path(out).absolute()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # mkdir, not mkdtemp (0700): the report keeps the permissions of any new folder
        partial = out.parent / f".{out.name}-{uuid.uuid4().hex[:12]}.partial"
        partial.mkdir()
    except OSError as exc:
        raise _error(out, exc) from None
    try:
        yield partial
        files = sorted(p.name for p in partial.iterdir()) + [MANIFEST]
        (partial / MANIFEST).write_text(json.dumps({"files": files}, indent=1) + "\n",
                                        encoding="utf-8")
        _swap(partial, out)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise _error(out, exc) from None
    except BaseException:  # a crash, an interrupt: nothing half-written stays
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _swap(partial: Path, out: Path) -> None:
    """``partial`` becomes ``out``; a previous ``out`` is moved aside first and removed
    after (restored if the second rename fails)."""
    if not out.exists():
        os.rename(partial, out)
        return
    old = out.parent / f".{out.name}-{uuid.uuid4().hex[:8]}.old"
    os.rename(out, old)
    try:
        os.rename(partial, out)
    except OSError:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _error(out: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        hint = "free disk space (or choose --out on another disk) and run again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "the folder is not writable: choose another --out"
    else:
        hint = "choose another --out"
    return OutputError(Problem(
        message=f"cannot write the report: {reason}; the previous report (if any) is "
                "unchanged and no partial report was left", file=str(out),
        code="output_failed", hint=hint))
