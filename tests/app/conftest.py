"""A demo workspace analysed with the fast fake models, shared by the AppTests."""
from __future__ import annotations

import shutil

import pytest
import streamlit as st

from helpers import ROOT, LexiconSentiment
from core.config import Settings
from core.embed import HashingEmbedder
from core.ingest import REVIEWS, SEARCHES
from core.pipeline import Pipeline, Source
from core.store import Store


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory):
    path = tmp_path_factory.mktemp("app") / "demo.duckdb"
    store = Store(path)
    embedder = HashingEmbedder(64)
    Pipeline(Settings().with_db(path), store, embedders={"en": embedder, "zh": embedder},
             sentiment=LexiconSentiment()).run(
        Source("demo_reviews.csv", REVIEWS, path=ROOT / "data" / "demo_reviews.csv"),
        Source("demo_searches.csv", SEARCHES, path=ROOT / "data" / "demo_searches.csv"))
    store.close()
    return path


@pytest.fixture
def workspace(demo_workspace, tmp_path, monkeypatch):
    """A private copy of the demo workspace, with Streamlit's caches cleared so the app opens it."""
    path = tmp_path / "ws.duckdb"
    shutil.copy(demo_workspace, path)
    monkeypatch.setenv("NEEDLENS_DB", str(path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()
