"""``retrostudy validate DATA [--protocol study.toml] [--json]``: check records before a study.

Reads the records exactly as ``retrostudy run`` would (same readers, same checks, an
in-memory engine) and prints one table of rows read/loaded/rejected per file and the
first examples of each problem class. Exit code 0 when nothing has the ``error`` policy,
2 otherwise (quarantined rows alone do not fail).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from retrostudy.cli.output import say
from retrostudy.cli.usage import UsageError
from retrostudy.errors import Problem, ProtocolError

EXAMPLES = 3


def register(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="check hospital records (CSV, Excel, Parquet, DuckDB) and report every problem",
        description="Load the records into an in-memory engine, report every problem with "
        "file, row, column and value, and count rows read, loaded and rejected per table.",
    )
    p.add_argument("data", nargs="?", help="folder, .xlsx workbook or DuckDB file "
                   "(default: [data] path of the protocol)")
    p.add_argument("--protocol", help="study.toml whose [data] block says how to read DATA")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=_run)


def _block_and_base(args):
    from retrostudy.protocol.data import DataBlock

    if args.protocol:
        block, base = _data_block(Path(args.protocol))
        if args.data:
            block = block.model_copy(update={"path": str(Path(args.data).resolve())})
        return block, base
    if not args.data:
        raise UsageError("give DATA or --protocol")
    return DataBlock(path=str(Path(args.data).resolve())), Path(".")


def _data_block(path: Path):
    """Only the protocol's ``[data]`` block: data can be checked before the study is written."""
    import tomllib  # deferred: 7 ms of start-up for every command (cli/__init__.py)

    from pydantic import ValidationError

    from retrostudy.protocol.data import DataBlock
    from retrostudy.protocol.load import read_text

    try:
        raw = tomllib.loads(read_text(path))  # a ProtocolError when unreadable or not UTF-8
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(Problem(message=f"cannot read protocol: {exc}", file=str(path))) \
            from None
    try:
        return DataBlock.model_validate(raw.get("data", {})), path.parent.resolve()
    except ValidationError as exc:
        raise ProtocolError([
            Problem(message=err["msg"], file=str(path), code=err["type"],
                    key=".".join(["data", *(str(p) for p in err["loc"])]))
            for err in exc.errors()
        ]) from None


def _run(args) -> int:
    from retrostudy.data import check_records, duckdb_backend

    block, base = _block_and_base(args)
    result = check_records(block, base, duckdb_backend())
    if args.json:
        sys.stdout.write(json.dumps(as_json(result), ensure_ascii=False, indent=2) + "\n")
    elif args.verbosity >= 0:  # -q: only the exit code says whether the records load
        _print(result)
    return 0 if result.ok else 2


def as_json(result) -> dict:
    """The result as plain JSON types (the ``--json`` output)."""
    return {
        "ok": result.ok,
        "counts": {t: {"read": c.read, "loaded": c.loaded, "rejected": c.rejected,
                       **({"not_relevant": c.not_relevant} if hasattr(c, "not_relevant") else {})}
                   for t, c in result.counts.items()},
        "files": [{"table": f.table, "path": f.path, "sha256": f.sha256} for f in result.files],
        "date_formats": {k: list(v) for k, v in result.date_formats.items()},
        "problems": [
            {"table": f.table, "severity": f.severity, "count": f.count, "file": f.problem.file,
             "row": f.problem.row, "patient": f.problem.patient, "column": f.problem.column,
             "value": f.problem.value,
             "code": f.problem.code, "message": f.problem.message, "hint": f.problem.hint}
            for f in result.problems
        ],
    }


def _print(result) -> None:
    """The readable summary on stdout, one line per table row and per problem (whole lines,
    never wrapped: a log or ``grep`` sees each message once)."""
    files = {f.table: f.path for f in result.files}
    omop = any(hasattr(c, "not_relevant") for c in result.counts.values())  # an OMOP CDM
    headers = ("table", "file", "read", "loaded", "rejected") + (("not relevant",) if omop else ())
    rows = [(name, files.get(name, "(none)"), f"{count.read:,}", f"{count.loaded:,}",
             f"{count.rejected:,}", *((f"{count.not_relevant:,}",) if omop else ()))
            for name, count in result.counts.items()]
    say("Records")
    for line in _aligned(headers, rows, left=2):
        say(line)
    detected = {k: v for k, v in result.date_formats.items() if v}
    if detected:
        say("Date formats: " + "; ".join(f"{k} {' | '.join(v)}" for k, v in detected.items()))
    groups = defaultdict(list)
    for finding in result.problems:
        groups[(finding.table, finding.problem.code, finding.severity)].append(finding)
    for (name, code, severity), findings in groups.items():
        say(f"{severity} {name}: {code} "
            f"({findings[0].count:,} row{'s' if findings[0].count != 1 else ''})")
        for finding in findings[:EXAMPLES]:
            say(f"  - {finding.problem}")
    if result.ok:
        say("ok: records can be loaded"
            + (" (rejected rows are in the rejects table)" if result.problems else ""))
    else:
        n = sum(1 for f in result.problems if f.severity == "error")
        say(f"error: fix the problems above ({n} example{'s' if n != 1 else ''} shown), "
            "or set a policy in [data.policy]")


def _aligned(headers, rows, left: int) -> list[str]:
    """A plain text table: the first ``left`` columns left-aligned, the others right."""
    widths = [max(len(str(r[i])) for r in (headers, *rows)) for i in range(len(headers))]

    def line(cells):
        return "  ".join(str(c).ljust(w) if i < left else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [line(headers), *(line(r) for r in rows)]
