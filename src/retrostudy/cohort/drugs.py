"""Drug names and classes as the cohort layer needs them, from the data layer's vocabulary.

The canonical tables already hold normalised ingredient names. The cohort layer uses the
vocabulary to normalise the names a protocol writes (``"Herceptin"`` -> ``trastuzumab``;
an unknown name is a :class:`~retrostudy.errors.ProtocolError`, never a silent empty
match), for classes (counting prior chemotherapy regimens, summing HER2-targeted exposure)
and for combination products (a ``pertuzumab+trastuzumab`` record counts as both).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from retrostudy.data.arrays import factor
from retrostudy.data.vocabulary import DrugEntry, load_vocabulary
from retrostudy.errors import Problem, ProtocolError
from retrostudy.protocol.conditions import AllCondition, AnyCondition, DrugCondition, NotCondition


@dataclass(frozen=True, slots=True)
class DrugLookup:
    """Protocol names -> ingredients, ingredient -> class, ingredient -> its combinations."""

    vocabulary: Any
    containing: MappingProxyType  # component -> combination ingredients

    def ingredient(self, name: str) -> str | None:
        """The ingredient ``name`` spells, or None when the vocabulary does not know it."""
        return self.vocabulary.normalise(name)

    def drug_class(self, ingredient: str) -> str:
        """The class of ``ingredient``; ``"other"`` when the vocabulary does not know it."""
        return self.vocabulary.classes.get(ingredient, "other")

    def stored_names(self, names: Iterable[str]) -> tuple[str, ...]:
        """Names a ``drug`` column may hold for any of ``names``, combinations included."""
        wanted = {self.ingredient(n) or n.strip().lower() for n in names}
        for name in list(wanted):
            wanted |= set(self.containing.get(name, ()))
        return tuple(sorted(wanted))

    def components(self, ingredient: str) -> tuple[str, ...]:
        """The single ingredients of a combination product (itself otherwise)."""
        if ingredient in self.vocabulary.classes:
            return self.vocabulary.components(ingredient)
        return (ingredient,)


def map_unique(values: pd.Series, function) -> pd.Series:
    """``values.map(function)``, calling ``function`` once per distinct value."""
    return values.map({v: function(v) for v in pd.unique(values.dropna())})


def component_rows(values: pd.Series, drugs: DrugLookup):
    """Rows of ``values`` (drug names) repeated once per ingredient, combination products
    split: ``(row, code, names)`` with each output row's source row and its ingredient's
    code into ``names`` (-1 for a missing drug), in row order, components in vocabulary
    order (as ``values.map(drugs.components).explode()``). ``row`` and ``code`` are int32
    (int64 beyond 2**31 rows): ten million administrations take 40 MB per array, not 80.
    The order of ``names`` is not meaningful (callers look names up or sort them)."""
    codes, uniques = factor(values)
    parts = [drugs.components(n) for n in uniques]
    flat_codes, names = pd.factorize(np.array([n for c in parts for n in c], dtype=object))
    count = np.array([len(c) for c in parts] + [1], dtype=np.int32)  # last: missing drug
    flat = np.concatenate([flat_codes, [-1]]).astype(np.int32)
    offset = np.concatenate([[0], np.cumsum(count[:-1])]).astype(np.int32)
    codes[codes < 0] = len(parts)
    index = np.int32 if len(values) < 2**31 - 1 else np.int64
    if (count == 1).all():  # no combination product: one row per record
        return np.arange(len(values), dtype=index), flat[offset[codes]], _names(names)
    reps = count[codes]
    row = np.repeat(np.arange(len(values), dtype=index), reps)
    first = np.cumsum(reps, dtype=index) - reps
    within = np.arange(row.size, dtype=index) - first[row]
    del first, reps
    within += offset[codes[row]]
    return row, flat[within], _names(names)


def _names(names) -> np.ndarray:
    return np.asarray(names, dtype=object)


def drug_lookup(vocabulary: Any | None = None, extra: Iterable[Any] = ()) -> DrugLookup:
    """Build the lookup from ``vocabulary`` (default: the shipped one plus ``extra``, the
    protocol's ``[[data.drugs]]`` spellings)."""
    if vocabulary is None:
        entries = [
            DrugEntry(name=e.name, ingredient=e.ingredient, drug_class=e.drug_class) for e in extra
        ]
        vocabulary = load_vocabulary(entries)
    containing: dict[str, set[str]] = {}
    for ingredient in vocabulary.classes:
        parts = vocabulary.components(ingredient)
        if len(parts) > 1:
            for part in parts:
                containing.setdefault(part, set()).add(ingredient)
    return DrugLookup(
        vocabulary=vocabulary,
        containing=MappingProxyType({k: tuple(sorted(v)) for k, v in containing.items()}),
    )


def check_drug_names(protocol: Any, drugs: DrugLookup) -> None:
    """Raise :class:`ProtocolError` naming every drug of the index, criteria and groups
    the vocabulary does not know (with suggestions)."""
    problems = [
        Problem(
            message=f"unknown drug {name!r}",
            key=path,
            hint=_hint(drugs, name),
            code="unknown_drug",
        )
        for path, name in _protocol_drugs(protocol)
        if drugs.ingredient(name) is None
    ]
    if problems:
        raise ProtocolError(problems)


def _hint(drugs: DrugLookup, name: str) -> str:
    near = drugs.vocabulary.suggest(name)
    known = f"did you mean {', '.join(near)}? " if near else ""
    return known + "add site-specific spellings under [[data.drugs]]"


def _protocol_drugs(protocol: Any) -> Iterator[tuple[str, str]]:
    if protocol.index is not None:
        yield from (("index.drug", name) for name in protocol.index.drug)
    for i, criterion in enumerate(protocol.criteria):
        yield from _condition_drugs(criterion.when, f"criteria.{i}.when")
    for i, group in enumerate(protocol.groups.group):
        if group.when is not None:
            yield from _condition_drugs(group.when, f"groups.group.{i}.when")


def _condition_drugs(condition: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(condition, DrugCondition):
        yield from ((f"{path}.drug", name) for name in condition.drug)
    elif isinstance(condition, (AllCondition, AnyCondition)):
        parts = condition.all if isinstance(condition, AllCondition) else condition.any
        kind = "all" if isinstance(condition, AllCondition) else "any"
        for j, part in enumerate(parts):
            yield from _condition_drugs(part, f"{path}.{kind}.{j}")
    elif isinstance(condition, NotCondition):
        yield from _condition_drugs(condition.not_, f"{path}.not")
