"""Drug names and classes as the cohort layer needs them, from the data layer's vocabulary.

The canonical tables already hold normalised ingredient names, so the cohort layer needs
the vocabulary only for classes (counting prior chemotherapy regimens, summing HER2-targeted
exposure) and for combination products (a ``pertuzumab+trastuzumab`` record counts as both).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from retrostudy.data.vocabulary import load_vocabulary


@dataclass(frozen=True, slots=True)
class DrugLookup:
    """Ingredient -> class and ingredient -> the stored names that contain it."""

    classes: MappingProxyType
    containing: MappingProxyType  # component -> combination ingredients

    def drug_class(self, ingredient: str) -> str:
        """The class of ``ingredient``; ``"other"`` when the vocabulary does not know it."""
        return self.classes.get(ingredient, "other")

    def stored_names(self, names: Iterable[str]) -> tuple[str, ...]:
        """Names a ``drug`` column may hold for any of ``names``, combinations included."""
        wanted = {n.strip().lower() for n in names}
        for name in list(wanted):
            wanted |= set(self.containing.get(name, ()))
        return tuple(sorted(wanted))

    def components(self, ingredient: str) -> tuple[str, ...]:
        found = tuple(c for c, combos in self.containing.items() if ingredient in combos)
        return found or (ingredient,)


def drug_lookup(vocabulary: Any | None = None) -> DrugLookup:
    """Build the lookup from ``vocabulary`` (default: the shipped one)."""
    vocab = vocabulary if vocabulary is not None else load_vocabulary()
    classes = dict(vocab.classes)
    containing: dict[str, set[str]] = {}
    for ingredient in classes:
        parts = vocab.components(ingredient)
        if len(parts) > 1:
            for part in parts:
                containing.setdefault(part, set()).add(ingredient)
    return DrugLookup(
        classes=MappingProxyType(classes),
        containing=MappingProxyType({k: tuple(sorted(v)) for k, v in containing.items()}),
    )
