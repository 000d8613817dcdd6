"""Fixtures: the hand-built 42-patient analysis table (data/seed_like.csv) and its protocol."""

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def protocol():
    from retrostudy.protocol import load_protocol

    return load_protocol(DATA / "study.toml")


@pytest.fixture(scope="session")
def dataset():
    return pd.read_csv(DATA / "seed_like.csv")


@pytest.fixture(scope="session")
def analyses(protocol, dataset):
    from retrostudy.analysis import run_analyses

    return run_analyses(protocol, dataset)


@pytest.fixture(scope="session")
def tables(analyses, protocol):
    """The report's tables of the analyses (report/tables/ builds them from the numbers)."""
    from retrostudy.report.tables import analysis_tables

    return analysis_tables(analyses)
