"""Where the OMOP load stage spends its time and memory, step by step.

Loads an OMOP CDM extract (``retrostudy synth --omop --format parquet``) with the seed
protocol (as bench_pipeline.py writes it) and prints, for every working table the mapper
keeps, every canonical table it publishes and every count it makes: the seconds taken, the
process's resident memory after it and DuckDB's own memory (``duckdb_memory()``). DuckDB's
time is inside these steps, which cProfile cannot see into. Run from the repository root::

    PYTHONPATH=src python benchmarks/omop_load_steps.py /tmp/e2e/omop_1000000

The last line gives the stage's wall and CPU seconds and the peak RSS (sampled every 20 ms).
"""

from __future__ import annotations

import functools
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import machine  # noqa: E402
from bench_pipeline import protocol_text  # noqa: E402

from retrostudy.data import check_records  # noqa: E402
from retrostudy.data.omop import load as omop_load  # noqa: E402
from retrostudy.protocol import load_protocol  # noqa: E402


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def _traced(name: str):
    real = getattr(omop_load._Run, name)

    @functools.wraps(real)
    def step(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return real(self, *args, **kwargs)
        finally:
            label = args[0] if args and isinstance(args[0], str) else getattr(
                args[0], "name", "") if args else ""
            duck = self.backend.con.cursor().execute(
                "SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0]
            print(f"{name:8s} {label!s:28s} {time.perf_counter() - t:6.2f} s  "
                  f"RSS {_rss() / 1e9:.2f} GB  DuckDB {duck / 1e9:.2f} GB", flush=True)

    setattr(omop_load._Run, name, step)


def main() -> None:
    data = Path(sys.argv[1]).resolve()
    for name in ("keep", "publish", "split", "_tally", "findings"):
        _traced(name)
    peak = [0]

    def sample() -> None:
        while True:
            peak[0] = max(peak[0], _rss())
            time.sleep(0.02)

    threading.Thread(target=sample, daemon=True).start()
    print(f"{machine()}; {data.name}")
    with tempfile.TemporaryDirectory() as work:
        study = Path(work) / "study.toml"
        study.write_text(protocol_text(data, "omop", ("extraction_date = 2030-01-01",)),
                         encoding="utf-8")
        protocol = load_protocol(study)
        t0, c0 = time.perf_counter(), time.process_time()
        check_records(protocol.data, protocol.base_dir)
        print(f"load stage: {time.perf_counter() - t0:.2f} s wall, "
              f"{time.process_time() - c0:.2f} s CPU, peak RSS {peak[0] / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
