"""The documented meaning of a protocol key or block, in the interface's language.

English is the protocol model's own text: the attribute docstring under each key (pydantic
makes it the field's ``description``) and a block's class docstring, the same text
``retrostudy schema`` gives an editor. The protocol model stays English; the Japanese
meanings are a catalogue of their own, ``messages/meanings.ja.json``, keyed
``<Model>.<key>`` for a key (``BorEndpoint.confirmation``) and ``<Model>`` for a block
(``SurvivalAnalysis``). A meaning the catalogue lacks is shown in English. tests/app check
that the catalogue covers every described key of :data:`MODELS` (the blocks the app shows)
and holds nothing else.
"""

from __future__ import annotations

import inspect
import json
from functools import cache
from importlib.resources import files

from pydantic import BaseModel

from retrostudy.protocol.adjusted import AdjustedAnalysis
from retrostudy.protocol.analyses import AnalysesBlock, FollowUp, ResponseAnalysis, SurvivalAnalysis
from retrostudy.protocol.conditions import (
    AgeCondition,
    AgeRange,
    BiomarkerCondition,
    DiagnosisCondition,
    DrugCondition,
    ObservationCondition,
)
from retrostudy.protocol.endpoints import SPEC_MODELS, EndpointsBlock

TRANSLATED = ("ja",)  # the languages with a meanings catalogue; English is the model's
MODELS: tuple[type[BaseModel], ...] = (
    *SPEC_MODELS, EndpointsBlock, AnalysesBlock, SurvivalAnalysis, ResponseAnalysis, FollowUp,
    AdjustedAnalysis, DrugCondition, DiagnosisCondition, BiomarkerCondition,
    ObservationCondition, AgeCondition, AgeRange)


@cache
def catalogue(lang: str) -> dict[str, str]:
    if lang not in TRANSLATED:
        return {}
    text = files("retrostudy.app").joinpath("messages", f"meanings.{lang}.json")
    return json.loads(text.read_text("utf-8"))


def english(model: type[BaseModel], key: str | None = None) -> str:
    """The model's own text for ``key`` (a field name), or for the block when None, on
    one line."""
    if key is None:
        text = (inspect.getdoc(model) or "").replace("``", "")
    else:
        text = model.model_fields[key].description or ""
    return " ".join(text.split())


def meaning(lang: str, model: type[BaseModel], key: str | None = None) -> str:
    """The meaning of ``model``'s field ``key`` (the block itself when None) in ``lang``."""
    name = model.__name__ if key is None else f"{model.__name__}.{key}"
    return catalogue(lang).get(name) or english(model, key)
