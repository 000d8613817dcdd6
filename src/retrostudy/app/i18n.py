"""Message catalogues: every label of the interface comes from ``messages/<lang>.json``.

A catalogue is one flat JSON object, message key -> text; ``{name}`` fields are filled by
:meth:`Catalogue.text`. English is the reference: a key missing from another language
falls back to it (tests/app check that both catalogues have the same keys). The report's
own language is the protocol's ``[report]`` choice, not the interface's.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

LANGUAGES = ("en", "ja")
DEFAULT = "en"


@cache
def catalogue(lang: str) -> dict[str, str]:
    text = files("retrostudy.app").joinpath("messages", f"{lang}.json").read_text("utf-8")
    return json.loads(text)


def translate(lang: str, key: str, **fields) -> str:
    """The text of ``key`` in ``lang`` (English when that language lacks it), fields filled."""
    lang = lang if lang in LANGUAGES else DEFAULT
    text = catalogue(lang).get(key) or catalogue(DEFAULT).get(key)
    if text is None:
        raise KeyError(f"no message {key!r} in the catalogues")
    return text.format(**fields) if fields else text
