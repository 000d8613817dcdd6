"""Readable labels for the key paths of ``[published]`` values (``table1.ecog.1.Tmab`` ->
"ECOG PS: 1, Tmab"), for a printed number the protocol gives no ``label``: built from the
key and the study's own labels (Table 1 variables and levels, exclusion steps, endpoints,
rates), so a row never reads as an internal key."""

from __future__ import annotations

import re

__all__ = ["RATE_KEYS", "describe", "label_names", "slug"]

RATE_KEYS = {"response": "trr", "disease_control": "dcr"}


def slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


_STATS = {
    "median": "median",
    "min": "minimum",
    "max": "maximum",
    "conf_low": "lower 95% CI limit",
    "conf_high": "upper 95% CI limit",
    "hazard_ratio": "hazard ratio",
    "p_value": "p value",
    "percent": "%",
    "n": "n",
}
_HEADS = {
    "flow": "",
    "groups": "",
    "table1": "",
    "response": "",
    "cox": "",
    "followup": "follow-up",
    "discontinuation": "treatment discontinued",
}
_RATES = {"trr": "tumour response rate", "dcr": "disease control rate", "bor": "best response"}


def _words(token: str) -> str:
    return _STATS.get(token) or token.replace("_", " ")


def label_names(analyses, flow=None) -> dict[str, str]:
    """Readable names for the tokens of key paths, from the study's own labels: Table 1
    variables ("Prior trastuzumab: Duration (months)" for an ``among`` row), their levels
    (``variable=value``), exclusion steps (by slug and position), endpoints and rates."""
    names: dict[str, str] = {}
    rows = {t["variable"]: t for t in analyses.table1.to_json()}
    for v, t in rows.items():
        among = rows.get(t.get("among") or "")
        names[v] = f"{among['label']}: {t['label']}" if among else t["label"]
        for value, level in zip(t.get("values", ()), t.get("levels", ()), strict=False):
            names[f"{v}={value}"] = level
    for i, step in enumerate(flow.steps if flow is not None else (), start=1):
        names[f"step={i}"] = names[f"step={slug(step.step)}"] = step.step
    for ep in analyses.endpoints:
        names[ep.endpoint] = ep.label
    response = analyses.response.to_json() if analyses.response else {}
    for r in response.get("rates", []):
        names[RATE_KEYS.get(r["name"], r["name"])] = r.get("label") or r["name"]
    return names


def describe(what: str, names: dict[str, str] | None = None) -> str:
    """A readable label for a key path, for a ``[published]`` value given no ``label``:
    ``table1.ecog.1.Tmab.percent`` -> "ECOG PS: 1, Tmab, %" with the study's labels,
    "ecog: 1, Tmab, %" without. Group names are kept as written (they are short)."""
    names = names or {}
    head, *rest = what.split(".")
    if head == "flow" and rest[:1] == ["excluded"] and len(rest) > 1:
        step = ".".join(rest[1:])
        return "excluded, " + names.get(f"step={step}", step.replace("_", " "))
    if head == "flow":
        return "patients " + " ".join(rest)
    if head == "groups" and len(rest) == 2 and rest[1] == "n":
        return f"{rest[0]}, number of patients"
    if head == "table1" and rest:
        var, *more = rest
        name = names.get(var, var.replace("_", " "))
        if more and more[0] not in _STATS:
            level = names.get(f"{var}={more[0]}", more[0])
            return ", ".join([f"{name}: {level}", *(_words(t) for t in more[1:])])
        return ", ".join([name, *(_words(t) for t in more)])
    if head == "response" and rest:
        rate, *more = rest
        name = names.get(rate, _RATES.get(rate, rate))
        if rate == "bor" and more:
            return ", ".join([f"{name}: {more[0]}", *(_words(t) for t in more[1:])])
        return ", ".join([name, *(_words(t) for t in more)])
    if head == "cox" or (rest[:1] == ["cox"]):
        model = [t for t in rest if t in ("unadjusted", "adjusted")]
        stat = _words(rest[-1]) if rest else ""
        ep = "" if head == "cox" else f"{names.get(head, head)}, "
        return f"{ep}{stat} ({model[0] if model else 'Cox'} Cox model)"
    if head in _HEADS:
        return ", ".join(t for t in [_HEADS[head], *(_words(t) for t in rest)] if t)
    return ", ".join([names.get(head, head.replace("_", " ")), *(_words(t) for t in rest)])
