"""Protocols for the adjusted-comparison tests: the analysis test study plus [analyses.adjusted]."""

import tomllib
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data"

# No separation on seed_like.csv with these (ecog and visceral together separate the groups).
COVARIATES = [
    "age",
    "ecog",
    {"name": "hr_status", "reference": "negative"},
    "prior_regimens",
    "de_novo",
]


def raw_study() -> dict:
    return tomllib.loads((DATA / "study.toml").read_text(encoding="utf-8"))


def protocol_with(**adjusted):
    """The test study's protocol with ``[analyses.adjusted]`` = ``adjusted``."""
    from retrostudy.protocol.load import parse_protocol

    raw = raw_study()
    raw["analyses"]["adjusted"] = {"covariates": COVARIATES, "missing": "complete_case"} | adjusted
    return parse_protocol(raw, base_dir=DATA)


def dataset() -> pd.DataFrame:
    return pd.read_csv(DATA / "seed_like.csv")


def run(**adjusted):
    from retrostudy.analysis import run_analyses

    return run_analyses(protocol_with(**adjusted), dataset())
