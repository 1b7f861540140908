"""A demo workspace analysed with the fast fake models, shared by the AppTests."""
from __future__ import annotations

import threading

import pytest
import streamlit as st

from helpers import analyse_demo, open_in_app
from core.store import Store


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory):
    path = tmp_path_factory.mktemp("app") / "demo.duckdb"
    store = Store(path)
    analyse_demo(store)
    store.close()
    return path


@pytest.fixture
def workspace(demo_workspace, tmp_path, monkeypatch):
    """A private copy of the demo workspace, with Streamlit's caches cleared so the app opens it."""
    yield open_in_app(demo_workspace, tmp_path / "ws.duckdb", monkeypatch)
    # an edit stores the default views again on a background thread (pages.ui.refresh_views): let it finish here,
    # or it reads the next test's workspace and shows up in that test's record of what was computed
    for thread in threading.enumerate():
        if thread.name == "needlens-views":
            thread.join(timeout=120)
    st.cache_resource.clear()
    st.cache_data.clear()
