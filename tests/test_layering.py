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
# Packages whose modules keep every import at the top (none in a function). The others are
# being moved there; optional extras (pyspark, python-docx) and the CLI's start-up cost are
# the only reasons to import inside a function.
TOP_LEVEL_ONLY = ("stats", "errors", "protocol", "cohort", "endpoints", "pipeline", "analysis")
# Imports a module may make inside a function, when asked for: the notebook views of the
# stats results (to_frame, plot) keep pandas and matplotlib out of ``import retrostudy.stats``.
LAZY = {"retrostudy.stats._display": ("pandas", "matplotlib")}


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


def _lazy_allowed(module: str, name: str) -> bool:
    return name.split(".")[0] in LAZY.get(module, ())


def function_local_imports() -> Counter:
    """Function-local import statements per package (a ``from x import a, b`` counts once),
    :data:`LAZY` ones aside."""
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


def test_function_local_imports(capsys):
    counts = function_local_imports()
    with capsys.disabled():
        print(f"\nfunction-local imports: {sum(counts.values())} {dict(sorted(counts.items()))}")
    assert {name: counts[name] for name in TOP_LEVEL_ONLY} == dict.fromkeys(TOP_LEVEL_ONLY, 0)


def test_cli_help_lists_every_command(capsys):
    from retrostudy.cli import main

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("demo", "run", "validate", "synth", "schema"):
        assert command in out


if __name__ == "__main__":
    for package, n in sorted(function_local_imports().items()):
        print(f"{package:12} {n}")
