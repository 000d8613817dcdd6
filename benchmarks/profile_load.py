"""Loading alone, statement by statement: ``check_records`` of the seed protocol on a
synthetic extract, with the wall seconds of every loader SQL statement (``sql.run``).

    PYTHONPATH=src .venv/bin/python benchmarks/profile_load.py /tmp/e2e/csv_100000

Prints one JSON line (wall, CPU of the process over all its threads, peak RSS, rows read /
loaded / rejected per table), then the statements by total time (seconds, calls, the
statement's first 150 characters). benchmarks/profiles/load_1m_csv_statements.txt was
written by it.
"""

from __future__ import annotations

import argparse
import collections
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_pipeline import protocol_text  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a records extract (retrostudy synth)")
    parser.add_argument("--data-key", action="append", default=[], metavar="TOML",
                        help="an extra [data] line (extraction_date = 2030-01-01 unless given)")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    keys = tuple(args.data_key)
    if not any(k.strip().startswith("extraction_date") for k in keys):
        keys += ("extraction_date = 2030-01-01",)

    import retrostudy.data.sql as sql
    from retrostudy.data.load import check_records
    from retrostudy.protocol.load import load_protocol

    seconds: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()
    original = sql.run

    def timed(con, text, params=None):
        t0 = time.perf_counter()
        try:
            return original(con, text, params)
        finally:
            key = " ".join(text.split())[:150]
            seconds[key] += time.perf_counter() - t0
            calls[key] += 1

    for module in list(sys.modules.values()):  # every loader module imported run by name
        if getattr(module, "__name__", "").startswith("retrostudy.") and \
                getattr(module, "run", None) is original:
            module.run = timed
    with tempfile.TemporaryDirectory() as work:
        study = Path(work) / "study.toml"
        study.write_text(protocol_text(args.data.resolve(), None, keys),
                         encoding="utf-8")
        protocol = load_protocol(study)
        t0, c0 = time.perf_counter(), time.process_time()
        result = check_records(protocol.data, Path(work))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({
        "wall": round(wall, 2), "cpu": round(cpu, 2),
        "peak_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3),
        "counts": {k: [v.read, v.loaded, v.rejected] for k, v in result.counts.items()},
    }))
    for key, total in seconds.most_common(args.top):
        print(f"{total:7.2f} {calls[key]:3d} {key}")


if __name__ == "__main__":
    main()
