"""Architecture guard: ``retrostudy.stats`` imports only numpy, scipy and the standard library."""

import ast
import sys
from pathlib import Path

STATS = Path(__file__).resolve().parents[1] / "src" / "retrostudy" / "stats"
ALLOWED = {"numpy", "scipy", "retrostudy"} | set(sys.stdlib_module_names)


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_stats_imports_only_numpy_scipy_stdlib():
    bad = []
    for path in sorted(STATS.rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            outside = top == "retrostudy" and not name.startswith("retrostudy.stats")
            if top not in ALLOWED or outside:
                bad.append(f"{path.name}: {name}")
    assert bad == [], f"retrostudy.stats must import only numpy/scipy/stdlib: {bad}"


def test_cli_help_lists_every_command(capsys):
    from retrostudy.cli import main

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("demo", "run", "validate", "synth"):
        assert command in out
