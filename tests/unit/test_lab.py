"""The lab over a workspace: catalogue from review themes, simulated shoppers stored, A/B test run."""
import numpy as np

from helpers import write_reviews
from core.lab import lab_data, run_ab, simulate_workspace, workspace_catalogue
from core.pipeline import Pipeline, Source
from core.simulate import ShopperParams
from core.store import Store


def test_simulation_over_workspace_products_is_stored_and_ab_runs(tmp_path, settings, fake_models):
    store = Store(settings.db_path)
    Pipeline(settings, store, **fake_models).run(Source("r.csv", path=write_reviews(tmp_path / "r.csv", 200)))
    catalogue = workspace_catalogue(store)
    assert len(catalogue.items) == 7 and catalogue.aspects.shape == (7, len(catalogue.aspect_names))
    assert np.abs(catalogue.aspects).max() <= 1
    params = ShopperParams(users=80, events_per_user=6, seed=5)
    frame, needs, _ = simulate_workspace(store, params)
    assert len(store.interactions()) == len(frame) == 480
    assert set(frame["item"]) <= set(catalogue.items)
    data = lab_data(frame, needs, catalogue)
    assert data.matrix.shape == (80, 7)
    result = run_ab(frame, needs, catalogue, "popularity", "need_aware", 4000, 0.5, params)
    assert result.n_a + result.n_b == 4000 and 0 <= result.p_value <= 1 and result.verdict
