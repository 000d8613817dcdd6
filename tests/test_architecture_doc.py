"""docs/architecture.md places every package of src/retrostudy: a new package (or a
renamed one) fails here until the page says what it receives, returns and must not do."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "retrostudy"
DOC = ROOT / "docs" / "architecture.md"


def _packages() -> list[str]:
    """Dotted names of every package (a folder with __init__.py) and top-level module."""
    names = ["retrostudy." + ".".join(p.parent.relative_to(PACKAGE).parts)
             for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE]
    names += [f"retrostudy.{p.stem}" for p in PACKAGE.glob("*.py")
              if not p.stem.startswith("_")]
    return sorted(names)


def test_every_package_is_named_in_the_architecture_page():
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"`(retrostudy(?:\.\w+)*)`", text))
    missing = [name for name in _packages() if name not in named]
    assert missing == [], f"docs/architecture.md does not name: {missing}"


def test_the_page_states_the_enforced_layer_order():
    """The order the page gives is the one tests/test_layering.py enforces."""
    from test_layering import LAYERS

    text = " ".join(DOC.read_text(encoding="utf-8").split())
    order = " < ".join(", ".join(names) for names in LAYERS)
    assert order in text, order


def test_the_page_is_linked_from_the_readme():
    assert "docs/architecture.md" in (ROOT / "README.md").read_text(encoding="utf-8")
