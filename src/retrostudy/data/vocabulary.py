"""The drug vocabulary: every spelling or code of a drug mapped to one ingredient.

Hospital extracts name the same drug by generic name, brand (often Japanese), in-house
abbreviation, RxNorm / ATC / OMOP code, with dose and route noise ("Herceptin 440mg IV").
:func:`load_vocabulary` reads the shipped table ``drugs.csv`` (plus the protocol's
``[[data.drugs]]`` extensions) into a frozen :class:`Vocabulary` that maps all of them to a
lower-case ingredient name and a drug class.

Antibody–drug conjugates are separate ingredients: trastuzumab emtansine (T-DM1) and
trastuzumab deruxtecan (T-DXd) never fold into trastuzumab (a known ETL error, docs/sources.md
§4.1/§5). Nothing here matches by substring for the same reason: an unknown spelling is
reported with suggestions, never mapped to the longest known name it contains.

The ``source`` column of ``drugs.csv`` tags codes ``V`` (verified) or ``M`` (not verified);
``reference`` names the public source a ``V`` code was checked against (the keys are listed
in docs/sources.md, "Drug and clinical codes"). RxNorm and ATC codes that could not be
verified are not shipped. With an Athena download (``[data] athena_vocabulary``,
:mod:`retrostudy.data.athena`) its codes take precedence.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType

from retrostudy.errors import DataError, Problem

CLASSES = (
    "her2_targeted", "adc", "chemotherapy", "endocrine", "targeted", "immunotherapy", "supportive",
    "other",
)
"""Drug classes, in the order documentation lists them."""

# Dose, unit and route tokens stripped before lookup ("Herceptin 440mg IV" -> "herceptin").
_NOISE = re.compile(
    r"""(?ix)
    \(?(?<![a-z0-9])\d+(?:[.,]\d+)?\s*(?:mg/m2|mg/m²|mg/kg|mg|mcg|µg|ug|g|ml|iu|units?|%)(?:/\w+)?(?![a-z])\)?
    | \b(?:i\.?v\.?|p\.?o\.?|s\.?c\.?|i\.?m\.?|div|inj(?:ection)?|infusion|tab(?:let)?s?
        |cap(?:sule)?s?|oral|intravenous|subcutaneous|vial|q[1-4]w|weekly|day\s*\d+|d\d+)\b
    | 点滴静注用|点滴静注|静注用|静注|皮下注|注射用|注射液|注|錠|カプセル|内服|点滴
    """
)
_TRAILING_NUMBER = re.compile(r"\d+(?:[.,]\d+)?\s*$")
_SEPARATORS = re.compile(r"[\s\-_.,·・()（）\[\]®™]+")


def key(text: str) -> str:
    """The lookup key of a drug spelling: NFKC, case-folded, no spaces/hyphens/dots."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).casefold())


def _strip_noise(text: str) -> str:
    return _NOISE.sub(" ", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True, slots=True, kw_only=True)
class DrugEntry:
    """One spelling (``name``) of an ingredient, as the protocol's ``[[data.drugs]]`` gives it."""

    name: str
    ingredient: str
    drug_class: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Vocabulary:
    """Spellings and codes of drugs mapped to ingredients and classes. Build with
    :func:`load_vocabulary`."""

    names: Mapping[str, str]  # key(spelling) -> ingredient
    codes: Mapping[tuple[str, str], str]  # (code system, code) -> ingredient
    classes: Mapping[str, str]  # ingredient -> class
    spellings: tuple[str, ...]  # every known spelling, for suggestions
    _by_key: Mapping[str, str] = field(repr=False)  # key(spelling) -> display spelling

    def normalise(self, text: object) -> str | None:
        """The ingredient ``text`` names, or None when unknown (or empty).

        Case, spaces, hyphens and full-width forms are ignored; dose, unit and route
        tokens are stripped; a bare code (ATC, RxNorm, OMOP) is looked up too when it is
        unambiguous across code systems.
        """
        if text is None:
            return None
        text = str(text).strip()
        if not text:
            return None
        stripped = _strip_noise(text)
        for candidate in (text, stripped, _TRAILING_NUMBER.sub("", stripped)):
            found = self.names.get(key(candidate))
            if found is not None:
                return found
        return self.names.get("code:" + key(text))

    def from_code(self, system: str, code: str) -> str | None:
        """The ingredient of ``code`` in ``system`` ("RxNorm", "ATC", "OMOP", "NCIt")."""
        return self.codes.get((system.casefold(), str(code).strip().upper()))

    def drug_class(self, ingredient: str) -> str:
        """The class of a (normalised) ingredient; ``KeyError`` if unknown."""
        try:
            return self.classes[ingredient]
        except KeyError:
            raise KeyError(f"unknown ingredient {ingredient!r}") from None

    def ingredients_in_class(self, drug_class: str) -> tuple[str, ...]:
        """Ingredients of ``drug_class``, sorted."""
        if drug_class not in CLASSES:
            raise KeyError(f"unknown drug class {drug_class!r}; known: {list(CLASSES)}")
        return tuple(sorted(i for i, c in self.classes.items() if c == drug_class))

    def components(self, ingredient: str) -> tuple[str, ...]:
        """Single ingredients of a fixed combination ("pertuzumab+trastuzumab" -> both)."""
        return tuple(ingredient.split("+"))

    def suggest(self, text: object, n: int = 3) -> tuple[str, ...]:
        """Up to ``n`` known spellings nearest to ``text`` (difflib ratio >= 0.6)."""
        k = key(_strip_noise(str(text)))
        hits = difflib.get_close_matches(k, list(self._by_key), n=n, cutoff=0.6)
        return tuple(self._by_key[h] for h in hits)


def _rows() -> list[dict[str, str]]:
    text = resources.files("retrostudy.data").joinpath("drugs.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def load_vocabulary(extra: Iterable[DrugEntry | Mapping[str, str]] = (),
                    athena: Iterable = ()) -> Vocabulary:
    """The shipped drug vocabulary, extended by ``extra`` (the protocol's ``[[data.drugs]]``)
    and by ``athena`` (:class:`~retrostudy.data.athena.AthenaCode` rows of an Athena download).

    An extension may add a spelling of a known or a new ingredient; it may not re-map a
    spelling the vocabulary already maps to a *different* ingredient (that is how
    "Kadcyla" -> trastuzumab errors happen), which raises :class:`DataError`. An Athena code
    whose ingredient name the vocabulary knows maps to that ingredient, replacing a shipped
    code of the same system and value; codes of other ingredients are left out.
    """
    names: dict[str, str] = {}
    display: dict[str, str] = {}
    codes: dict[tuple[str, str], str] = {}
    classes: dict[str, str] = {}
    for row in _rows():
        ingredient, cls = row["ingredient"], row["class"]
        classes[ingredient] = cls
        for spelling in (row["synonym"], ingredient) if row["synonym"] else (ingredient,):
            names[key(spelling)] = ingredient
            display.setdefault(key(spelling), spelling)
        if row["code_system"]:
            codes[(row["code_system"].casefold(), row["code"].upper())] = ingredient
    problems = _extend(names, display, classes, extra)
    if problems:
        raise DataError(problems)
    for row in athena or ():
        ingredient = names.get(key(row.ingredient_name))
        if ingredient is not None:
            codes[(row.system.casefold(), row.code.upper())] = ingredient
    for code, ingredients in _codes_by_value(codes).items():
        if len(ingredients) == 1 and key(code) not in names:
            names["code:" + key(code)] = next(iter(ingredients))
    return Vocabulary(
        names=MappingProxyType(names),
        codes=MappingProxyType(codes),
        classes=MappingProxyType(classes),
        spellings=tuple(sorted(set(display.values()))),
        _by_key=MappingProxyType(display),
    )


def _codes_by_value(codes: Mapping[tuple[str, str], str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for (_, code), ingredient in codes.items():
        out.setdefault(code, set()).add(ingredient)
    return out


def _extend(names, display, classes, extra) -> list[Problem]:
    problems = []
    for i, item in enumerate(extra):
        entry = item if isinstance(item, DrugEntry) else DrugEntry(
            name=item["name"], ingredient=item["ingredient"], drug_class=item.get("class")
        )
        ingredient = names.get(key(entry.ingredient), entry.ingredient.strip().lower())
        known = names.get(key(entry.name))
        if known is not None and known != ingredient:
            problems.append(
                Problem(
                    message=f"drug spelling is already mapped to {known!r}, not {ingredient!r}",
                    column=f"data.drugs[{i}].name",
                    value=entry.name,
                    hint="remove this entry; antibody-drug conjugates such as T-DM1 are never "
                    "trastuzumab",
                    code="drug_vocabulary_conflict",
                )
            )
            continue
        if entry.drug_class is not None and entry.drug_class not in CLASSES:
            problems.append(
                Problem(
                    message="unknown drug class",
                    column=f"data.drugs[{i}].class",
                    value=entry.drug_class,
                    hint=f"use one of {', '.join(CLASSES)}",
                    code="unknown_drug_class",
                )
            )
            continue
        classes.setdefault(ingredient, entry.drug_class or "other")
        names[key(entry.name)] = ingredient
        names.setdefault(key(ingredient), ingredient)
        display.setdefault(key(entry.name), entry.name)
    return problems
