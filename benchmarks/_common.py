"""Helpers shared by the benchmark scripts (run them as ``python benchmarks/bench_*.py``)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time


def machine() -> str:
    """CPU model, core count and load average: the context every timing table must state."""
    model = platform.processor() or platform.machine()
    if shutil.which("lscpu"):
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, load average {load}"


def _tree(root: int) -> list[int]:
    """``root`` and its descendants (Linux /proc), e.g. a Python child and Spark's JVM."""
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return pids


def _rss_and_cpu(pid: int) -> tuple[int, float]:
    """Resident bytes and user + system CPU seconds of one process (0, 0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0, 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    return rss, (int(fields[11]) + int(fields[12])) / ticks


def run_sampled(cmd: list[str], every: float = 0.05) -> tuple[str, int, float]:
    """Run ``cmd``; return its stdout, the peak RSS summed over its process tree (bytes,
    sampled every ``every`` s) and the tree's CPU seconds (last sample of each process)."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, text=True)
        peak, cpu = 0, {}
        while proc.poll() is None:
            total = 0
            for pid in _tree(proc.pid):
                rss, seconds = _rss_and_cpu(pid)
                cpu[pid] = max(cpu.get(pid, 0.0), seconds)
                total += rss
            peak = max(peak, total)
            time.sleep(every)
        out.seek(0)
        text = out.read()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd, text)
    return text, peak, sum(cpu.values())
