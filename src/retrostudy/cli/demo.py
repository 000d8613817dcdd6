"""`retrostudy demo [NAME]`: run a shipped example study (synthetic data) end to end.

The examples live in one place, ``examples/<name>/`` at the repository root (each with a
``study.toml``); the build ships every such folder inside the package as
``retrostudy/examples/<name>/`` (setup.py), so the demo works from a wheel, an sdist and
an editable install alike.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import retrostudy
from retrostudy.cli.output import say
from retrostudy.cli.run import add_common, run_and_summarise
from retrostudy.errors import Problem, RetroStudyError

EXAMPLE = "tdm1_after_pertuzumab"  # the default: the seed paper

DESCRIPTION = """\
Run an example study shipped with retrostudy and write its report. The default,
tdm1_after_pertuzumab, is T-DM1 after trastuzumab + pertuzumab versus trastuzumab only
in HER2-positive metastatic breast cancer, reproducing a published single-centre study
on a SYNTHETIC hospital extract (no real patient). Use it to see every output before
running your own study with 'retrostudy run'; 'retrostudy demo --list' lists the others.
"""


def examples_roots() -> list[Path]:
    """Where examples are looked for: the installed package's data (wheels), then the
    source tree's ``examples/`` (a clone or an editable install)."""
    package = Path(retrostudy.__file__).resolve().parent
    roots = [package / "examples"]
    roots += [parent / "examples" for parent in package.parents[:2]]
    return [r for r in roots if r.is_dir()]


def examples() -> dict[str, Path]:
    """Every shipped example: name -> folder (the first root that has it wins)."""
    found: dict[str, Path] = {}
    for root in examples_roots():
        for folder in sorted(root.iterdir()):
            if (folder / "study.toml").is_file():
                found.setdefault(folder.name, folder)
    return dict(sorted(found.items()))


def example_dir(name: str = EXAMPLE) -> Path:
    """The folder of example ``name`` (a user error listing the others when unknown)."""
    found = examples()
    if name in found:
        return found[name]
    raise RetroStudyError(Problem(
        message=f"the example study {name!r} was not found in the installed package",
        code="unknown_example", value=name,
        hint=("the examples are: " + ", ".join(found)) if found
        else "this installation has no examples (reinstall retrostudy)"))


def copy_example(name: str, target: Path) -> bool:
    """Example ``name`` (its study files, data and README) copied into ``target``, to edit.

    Returns True when copied (``target`` was absent or an empty folder), False when
    ``target`` already holds a ``study.toml`` (an earlier copy: left as it is, so the edits
    made to it stay). Anything else in ``target`` is refused and nothing is written: a copy
    never overwrites or mixes with files of the user's."""
    source = example_dir(name)
    if target.exists() and not target.is_dir():
        raise RetroStudyError(Problem(
            message=f"cannot copy the example study into {target}: it is a file, not a folder",
            code="demo_target_not_empty", value=str(target),
            hint="name a new or empty folder"))
    if (target / "study.toml").is_file():
        return False
    if target.is_dir() and any(target.iterdir()):
        raise RetroStudyError(Problem(
            message=(f"cannot copy the example study into {target}: the folder is not empty "
                     "and holds no study.toml (nothing was written)"),
            code="demo_target_not_empty", value=str(target),
            hint="name a new or empty folder, or a folder holding an earlier copy"))
    shutil.copytree(source, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "__init__.py", ".*"))
    return True


def summary(folder: Path) -> str:
    """An example's one-line description: its README's title, else the study's title."""
    readme = folder / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8").splitlines():
            if line.strip():
                return line.lstrip("# ").strip()
    return ""


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="run an example study (synthetic data) and write its report",
        description=DESCRIPTION,
        epilog="examples:\n  retrostudy demo --out demo-report\n  retrostudy demo --list",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", nargs="?", default=EXAMPLE, metavar="NAME",
                   help=f"which example (default: {EXAMPLE}; see --list)")
    p.add_argument("--list", action="store_true", help="list the shipped examples and exit")
    add_common(p, default_out="demo-report")
    p.set_defaults(func=_run)


def _run(args) -> int:
    if args.list:
        for name, folder in examples().items():
            say(f"{name}\t{summary(folder)}")
        return 0
    return run_and_summarise(example_dir(args.name) / "study.toml", args)
