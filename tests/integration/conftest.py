"""Real-model fixtures: the bundled embedders and sentiment are loaded once per test session."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers import SHARED
from core.config import Settings


def need_shared(path):
    if not path.exists():
        pytest.skip(f"shared dataset missing: {path} (CI and dev machines have ../shared/datasets)")
    return path


@pytest.fixture(scope="session")
def real_models():
    from core.embed import embedders_from_settings
    from core.sentiment import load_sentiment_model

    embedders = embedders_from_settings(Settings().embed)
    return {"embedders": embedders, "sentiment": load_sentiment_model("bundled", embedders["zh"])}


def _sample(tmp_path_factory, source, name: str):
    frame = pd.read_csv(need_shared(source), dtype=str, keep_default_na=False).sample(1000, random_state=7)
    path = tmp_path_factory.mktemp("data") / name
    frame.to_csv(path, index=False)
    return path, frame


@pytest.fixture(scope="session")
def clothing_1k(tmp_path_factory):
    return _sample(tmp_path_factory, SHARED / "womens_clothing_reviews" / "womens_clothing_reviews_shared.csv",
                   "clothing_1k.csv")


@pytest.fixture(scope="session")
def zh_1k(tmp_path_factory):
    return _sample(tmp_path_factory, SHARED / "online_shopping_10_cats" / "online_shopping_10_cats_shared.csv", "zh_1k.csv")
