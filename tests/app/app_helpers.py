"""Helpers of the app tests (a module of its own, not conftest: tests/data/omop imports its
conftest by name too, and two modules called ``conftest`` clash in one pytest run)."""

from __future__ import annotations

import shutil
from pathlib import Path

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
