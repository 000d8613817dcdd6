"""Packages, package data, and every example study shipped inside the package.

The examples have one home, ``examples/<name>/`` at the repository root (README and docs
point there). The wheel carries each of them as ``retrostudy/examples/<name>/``: the folder
is mapped onto the package ``retrostudy.examples`` and each of its sub-folders is listed as
a package whose files are data, so a new example folder ships without editing this file
and ``retrostudy demo NAME`` works from any install, not only from a clone. The rest of the
configuration is in pyproject.toml.
"""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
EXAMPLES = HERE / "examples"
SKIP = {"__pycache__"}

example_packages = ["retrostudy.examples"] + [
    "retrostudy.examples." + ".".join(d.relative_to(EXAMPLES).parts)
    for d in sorted(EXAMPLES.rglob("*"))
    if d.is_dir() and not SKIP & set(d.relative_to(EXAMPLES).parts)
    and not any(p.startswith(".") for p in d.relative_to(EXAMPLES).parts)
]

setup(
    packages=[*find_packages("src"), *example_packages],
    package_dir={"": "src", "retrostudy.examples": "examples"},
    package_data={
        "retrostudy": ["**/*.csv", "**/*.toml", "**/*.json", "**/*.html", "**/*.j2", "**/*.css",
                       "app/static/*.js", "app/static/*.txt", "py.typed"],
        **{name: ["*"] for name in example_packages},
    },
    exclude_package_data={name: ["*.pyc", ".*"] for name in example_packages},
)
