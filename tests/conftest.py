"""Shared fixtures: temp workspaces and fake (model-free) models for fast tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import LexiconSentiment

from core.config import Settings
from core.embed import HashingEmbedder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings().with_db(tmp_path / "ws.duckdb")


@pytest.fixture
def fake_models() -> dict:
    embedder = HashingEmbedder(64)
    return {"embedders": {"en": embedder, "zh": embedder}, "sentiment": LexiconSentiment()}


@pytest.fixture(scope="session")
def _demo_reviews_workspace(tmp_path_factory) -> Path:
    """The bundled demo reviews analysed once per test session with the fake models (about 8 s here)."""
    from helpers import analyse_demo

    from core.store import Store

    path = tmp_path_factory.mktemp("demo_reviews") / "ws.duckdb"
    store = Store(path)
    analyse_demo(store, searches=False)
    store.close()
    return path


@pytest.fixture
def demo_reviews_db(_demo_reviews_workspace, settings) -> Path:
    """A private copy of the analysed demo reviews at ``settings.db_path``: a test may change it freely."""
    import shutil

    shutil.copy(_demo_reviews_workspace, settings.db_path)
    return settings.db_path
