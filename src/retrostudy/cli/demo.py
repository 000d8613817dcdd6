"""`retrostudy demo`: run the shipped example study (synthetic data) end to end."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from retrostudy.errors import RetroStudyError

EXAMPLE = "tdm1_after_pertuzumab"

DESCRIPTION = """\
Run the example study shipped with retrostudy and write its report: T-DM1 after
trastuzumab + pertuzumab versus trastuzumab only in HER2-positive metastatic breast
cancer, reproducing a published single-centre study on a SYNTHETIC hospital extract
(no real patient). Use it to see every output before running your own study with
'retrostudy run'.
"""


def example_dir() -> Path:
    """The example folder: in the source tree (editable installs), else package data."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "examples" / EXAMPLE
        if (candidate / "study.toml").is_file():
            return candidate
    packaged = resources.files("retrostudy").joinpath("examples", EXAMPLE)
    if packaged.joinpath("study.toml").is_file():
        return Path(str(packaged))
    raise RetroStudyError(
        f"the example study '{EXAMPLE}' was not found next to the installed package; "
        "run the demo from a clone of the repository (pip install -e .)"
    )


def register(sub) -> None:
    from retrostudy.cli.run import add_common

    p = sub.add_parser(
        "demo",
        help="run the example study (synthetic data) and write its report",
        description=DESCRIPTION,
        epilog="example:\n  retrostudy demo --out demo-report",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p, default_out="demo-report")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from retrostudy.cli.run import run_and_summarise

    return run_and_summarise(example_dir() / "study.toml", args)
