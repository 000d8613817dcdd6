"""Architecture guards: the layer order, no import cycles, a pure ``retrostudy.stats``.

Every ``import`` statement anywhere in a module counts, including the ones inside functions
(an import hidden in a function is still a dependency). Layers, lowest first::

    errors, stats  <  warning_codes  <  protocol  <  data  <  cohort  <  endpoints
        <  analysis  <  report  <  pipeline, synth  <  app  <  cli  <  __main__

A package may import from its own package and from lower layers only. ``retrostudy``
itself (the public API) may import any layer; the layers import it only for its
``__version__`` or its location (``import retrostudy``), never for an API name. Run this
file as a script (``python tests/test_layering.py``) to print the function-local imports
per package.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "retrostudy"
STATS = PACKAGE / "stats"
ALLOWED = {"numpy", "scipy", "retrostudy"} | set(sys.stdlib_module_names)

LAYERS = (
    ("errors", "stats"),
    ("warning_codes",),
    ("protocol",),
    ("data",),
    ("cohort",),
    ("endpoints",),
    ("analysis",),
    ("report",),
    ("pipeline", "synth"),
    ("app",),  # the local web application: a front end over pipeline, started by the CLI
    ("cli",),
    ("__main__",),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
# The only imports a module may make inside a function: (module, imported module or a prefix
# of it) -> why. Everything else sits at the top of its module (test_no_function_local_imports).
# Two reasons only: an optional extra (pyproject.toml's [project.optional-dependencies]), or a
# measured start-up cost (the numbers are in the importing module's docstring).
LOCAL_IMPORTS = {
    ("retrostudy.stats._display", "pandas"):
        "start-up: import retrostudy.stats stays numpy/scipy (pandas, matplotlib >1 s)",
    ("retrostudy.stats._display", "matplotlib"):
        "start-up: import retrostudy.stats stays numpy/scipy (pandas, matplotlib >1 s)",
    ("retrostudy.stats._cox_kernel", "numba"):
        "start-up: 0.1-0.4 s; only Cox fits of >= COMPILED_MIN_ROWS rows use the kernel",
    ("retrostudy.stats._km_kernel", "numba"):
        "start-up: importing numba takes ~0.3 s; only KM/log-rank counts of >= 10^6 records use it",
    ("retrostudy.data.engines", "pyspark"): "optional extra [spark]",
    ("retrostudy.data.store", "ibis.backends.pyspark"): "optional extra [spark]",
    ("retrostudy.data.sheets", "xlrd"): "optional extra [xls]",
    ("retrostudy.cli.app", "uvicorn"): "optional extra [app]",
    ("retrostudy.cli.app", "retrostudy.app"): "optional extra [app] (Starlette)",
    ("retrostudy.cli.app", "webbrowser"): "CLI start-up: 8 ms for every command",
    ("retrostudy.cli.validate", "tomllib"): "CLI start-up: 7 ms for every command",
    ("retrostudy.cli.validate", "pydantic"): "CLI start-up: 0.1 s",
    ("retrostudy.cli.validate", "retrostudy.protocol"): "CLI start-up: pydantic models",
    ("retrostudy.cli.validate", "retrostudy.data"): "CLI start-up: DuckDB, Ibis, pandas",
    ("retrostudy.cli.init", "retrostudy.data"): "CLI start-up: DuckDB, Ibis, pandas",
    ("retrostudy.cli.run", "retrostudy.pipeline"): "CLI start-up: every layer",
    ("retrostudy.cli.run", "retrostudy.report"): "CLI start-up: the report, matplotlib",
    ("retrostudy.cli.schema", "retrostudy.protocol"): "CLI start-up: pydantic models",
    ("retrostudy.cli.schema", "retrostudy.report"): "CLI start-up: the report, matplotlib",
    ("retrostudy.cli.synth", "retrostudy.synth"): "CLI start-up: numpy, pandas, DuckDB",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The deepest module of the package that ``name`` (module or module.attribute) names."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def _top_level_nodes(tree: ast.Module) -> set[int]:
    """ids of the statements that run at import time (module body, also inside if/try)."""
    out: set[int] = set()
    for stmt in tree.body:
        nodes = ast.walk(stmt) if isinstance(stmt, (ast.If, ast.Try)) else (stmt,)
        out.update(id(n) for n in nodes)
    return out


def _imports(module: str):
    """(line, imported name, module-level?) for every import statement in ``module`` that
    runs (those under ``if TYPE_CHECKING:`` do not)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = _top_level_nodes(tree)
    skip = _type_checking_only(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, id(node) in top
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                yield node.lineno, f"{source}.{alias.name}", id(node) in top


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for _, name, _ in _imports(module):
            target = _resolve(name) if name.startswith("retrostudy") else None
            if target and target != module:
                graph[module].add(target)
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return seen


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or around a loop.

    Two modules are in one group when each reaches the other (the strongly connected
    components with more than one module); a few hundred modules make brute force cheap.
    """
    reach = {node: _reachable(graph, node) for node in graph}
    groups = {
        tuple(sorted(other for other in reach[node] if node in reach[other]))
        for node in graph
        if node in reach[node]
    }
    return sorted(list(g) for g in groups if len(g) > 1)


def _allowed_entry(module: str, name: str) -> tuple[str, str] | None:
    """The :data:`LOCAL_IMPORTS` entry that lets ``module`` import ``name`` in a function."""
    for entry in LOCAL_IMPORTS:
        allowed_module, prefix = entry
        if module == allowed_module and (name == prefix or name.startswith(prefix + ".")):
            return entry
    return None


def _lazy_allowed(module: str, name: str) -> bool:
    return _allowed_entry(module, name) is not None


def local_imports_outside_allowlist() -> list[str]:
    """``module:line imports name`` for every function-local import :data:`LOCAL_IMPORTS`
    does not list."""
    return [f"{module}:{line} imports {name}"
            for module in MODULES for line, name, at_top in _imports(module)
            if not at_top and not _lazy_allowed(module, name)]


def function_local_imports() -> Counter:
    """Function-local import statements per package (a ``from x import a, b`` counts once),
    :data:`LOCAL_IMPORTS` ones aside."""
    counts: Counter = Counter()
    for module in MODULES:
        lines = {line for line, name, at_top in _imports(module)
                 if not at_top and not _lazy_allowed(module, name)}
        counts[_layer(module) or "retrostudy"] += len(lines)
    return counts


def test_stats_imports_only_numpy_scipy_stdlib():
    bad = []
    for path in sorted(STATS.rglob("*.py")):
        module = _module_name(path)
        for _, name, at_top in _imports(module):
            top = name.split(".")[0]
            outside = top == "retrostudy" and not name.startswith("retrostudy.stats")
            if (top not in ALLOWED or outside) and (at_top or not _lazy_allowed(module, name)):
                bad.append(f"{path.name}: {name}")
    assert bad == [], f"retrostudy.stats must import only numpy/scipy/stdlib: {bad}"


def test_every_package_has_a_layer():
    assert {_layer(m) for m in MODULES} - {""} <= set(RANK)


def test_imports_follow_the_layer_order():
    bad = []
    for module in MODULES:
        source = _layer(module)
        if not source:  # retrostudy/__init__.py: the public API sits on top of every layer
            continue
        for line, name, _ in _imports(module):
            target = _resolve(name) if name.startswith("retrostudy") else None
            if target is None or target == "retrostudy" and name.rpartition(".")[2] in (
                    "retrostudy", "__version__"):
                continue
            layer = _layer(target)
            if layer != source and RANK.get(layer, len(LAYERS)) >= RANK[source]:
                bad.append(f"{MODULES[module].relative_to(SRC)}:{line} ({source}) imports "
                           f"{name} ({layer or 'retrostudy'})")
    assert bad == [], "imports must go down the layer order:\n" + "\n".join(bad)


def test_no_import_cycles():
    cycles = _cycles(_graph())
    assert cycles == [], f"modules importing each other (directly or around a loop): {cycles}"


def test_cycle_check_finds_a_loop():
    """The checker itself: a three-module loop and a self-contained tail."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_function_local_imports(capsys):
    """Every import sits at the top of its module, except the few :data:`LOCAL_IMPORTS`
    lists (optional extras, measured start-up cost)."""
    counts = function_local_imports()
    with capsys.disabled():
        print(f"\nfunction-local imports: {sum(counts.values())} {dict(sorted(counts.items()))}")
    bad = local_imports_outside_allowlist()
    assert bad == [], "imports inside functions (move them to the top):\n" + "\n".join(bad)


def test_every_allowed_local_import_is_used():
    """No stale entry in the allowlist: each one matches a function-local import."""
    used = {_allowed_entry(module, name) for module in MODULES
            for _, name, at_top in _imports(module) if not at_top}
    assert set(LOCAL_IMPORTS) - used == set()


def test_allowlist_check_finds_a_local_import(tmp_path, monkeypatch):
    """The checker itself: a module with an import inside a function, and one allowed."""
    path = tmp_path / "fake.py"
    path.write_text("import os\n\ndef f():\n    import json\n    import pyspark.sql\n",
                    encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "MODULES", {"retrostudy.data.engines": path})
    bad = local_imports_outside_allowlist()
    assert len(bad) == 1 and bad[0].endswith("imports json")


def test_no_module_imports_a_name_from_its_own_package():
    """A module imports its package's submodules, never a name the package's ``__init__``
    defines: the ``__init__`` runs first and may still be importing that very module (the
    loop the report had when report/__init__.py defined ReportContext and make_report)."""
    bad = []
    for module in MODULES:
        for line, name, _ in _imports(module):
            target = _resolve(name) if name.startswith("retrostudy") else None
            if target == "retrostudy" and name.rpartition(".")[2] in ("retrostudy",
                                                                      "__version__"):
                continue  # the package root loads every API name lazily
            if target and target != module and module.startswith(target + ".") \
                    and name != target:
                bad.append(f"{MODULES[module].relative_to(SRC)}:{line} imports {name}")
    assert bad == [], "import the defining submodule instead:\n" + "\n".join(bad)


def test_cli_help_lists_every_command(capsys):
    from retrostudy.cli import main

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("demo", "run", "validate", "synth", "schema"):
        assert command in out


if __name__ == "__main__":
    for package, n in sorted(function_local_imports().items()):
        print(f"{package:12} {n}")
