"""Issue 8.6: the Ray Data engine on a local 2-CPU Ray cluster gives the local engine's results."""
import numpy as np
import pandas as pd
import pytest

from helpers import ROOT
from core.config import Settings
from core.ingest import REVIEWS
from core.pipeline import Source, analyse
from core.store import Store

ray = pytest.importorskip("ray", reason="pip install -r requirements-dev.txt installs Ray for this test")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("ray") / "reviews.csv"
    pd.read_csv(ROOT / "data" / "demo_reviews.csv", dtype=str).sample(300, random_state=4).to_csv(path, index=False)
    return path


def _state(db):
    store = Store(db)
    try:
        themes = store.query_df("SELECT theme_id, lang, label, size FROM themes ORDER BY theme_id")
        sentiment = store.query_df("SELECT snippet_id, score FROM sentiment ORDER BY snippet_id")
        reviews = store.query_df("SELECT review_id, sentiment, theme_id FROM reviews ORDER BY review_id")
        runs = store.runs(5)
        return themes, sentiment, reviews, store.summary(), runs
    finally:
        store.close()


def test_ray_engine_matches_the_local_engine(sample, tmp_path):
    from core.distributed import analyse_on_ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        ray_report = analyse_on_ray(Settings().with_db(tmp_path / "ray.duckdb"), Source(sample.name, REVIEWS, path=sample),
                                    actors=2)
    finally:
        ray.shutdown()
    analyse(Settings().with_db(tmp_path / "local.duckdb"), Source(sample.name, REVIEWS, path=sample))
    ray_state, local_state = _state(tmp_path / "ray.duckdb"), _state(tmp_path / "local.duckdb")
    assert ray_report.embed_cache_misses == 0  # every vector came from the cluster
    pd.testing.assert_frame_equal(ray_state[0], local_state[0])  # same themes, labels and sizes
    assert np.allclose(ray_state[1].score, local_state[1].score, atol=1e-4)
    pd.testing.assert_frame_equal(ray_state[2], local_state[2])
    for key in ("reviews", "snippets", "themes", "unassigned_share", "sentiment"):
        assert ray_state[3][key] == local_state[3][key], key
    assert "ray: embedding" in " ".join(ray_state[4].source)
