"""Fixtures of the app tests: a study folder in a temporary directory and a client that
talks to the app as the local browser would (loopback address, token cookie set). The
app's libraries come with the ``test`` extra (it includes ``retrostudy[app]``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOKEN = "test-token-0123456789"


def copy_example(name: str, target: Path) -> Path:
    """``examples/<name>`` copied into ``target`` (study.toml and its data folder)."""
    shutil.copytree(EXAMPLES / name, target, dirs_exist_ok=True)
    return target


def make_client(folder: Path, **kwargs):
    from starlette.testclient import TestClient

    from retrostudy.app import create_app

    app = create_app(folder, token=TOKEN, **kwargs)
    return TestClient(app, base_url="http://127.0.0.1:8765", client=("127.0.0.1", 50000),
                      follow_redirects=False)


def authorised(client):
    response = client.get(f"/?token={TOKEN}")
    assert response.status_code == 303
    return client


@pytest.fixture
def nsclc(tmp_path):
    """The second example (not the T-DM1 one): three groups, an inclusion criterion."""
    return copy_example("pd1_after_platinum_nsclc", tmp_path / "nsclc")


@pytest.fixture
def tdm1(tmp_path):
    return copy_example("tdm1_after_pertuzumab", tmp_path / "tdm1")
