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
