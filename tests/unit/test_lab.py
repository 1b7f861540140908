"""The lab over a workspace: catalogue from review themes, simulated shoppers stored, A/B test run."""
import numpy as np

from helpers import write_reviews
from core.lab import lab_data, last_shopper_params, run_ab, simulate_workspace, workspace_catalogue
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
    version = store.data_version()
    unkept, _, _ = simulate_workspace(store, params, keep=False)  # the page's first view: nothing written
    assert len(store.interactions()) == 0 and last_shopper_params(store) is None and store.data_version() == version
    frame, needs, _ = simulate_workspace(store, params)
    assert len(store.interactions()) == len(frame) == 480 and frame.equals(unkept)
    # the stored settings give the same shoppers again (the page opens on them in a new session)
    assert last_shopper_params(store) == params
    assert simulate_workspace(store, last_shopper_params(store), keep=False)[0].equals(frame)
    assert set(frame["item"]) <= set(catalogue.items)
    data = lab_data(frame, needs, catalogue)
    assert data.matrix.shape == (80, 7)
    result = run_ab(frame, needs, catalogue, "popularity", "need_aware", 4000, 0.5, params)
    assert result.n_a + result.n_b == 4000 and 0 <= result.p_value <= 1 and result.verdict
    # the arms are named as the lab shows them, not by their ids ("need_aware wins")
    assert (result.arm_a, result.arm_b) == ("Popularity", "Need-aware hybrid") and "need_aware" not in result.verdict


def test_persona_by_needs_gets_products_praised_for_them():
    from core.lab import Catalogue, persona_recommendations

    catalogue = Catalogue(np.array(["quiet fan", "loud fan", "cheap fan"]), np.array([10.0, 10.0, 10.0]),
                          np.array([[0.8, 0.0], [-0.7, 0.0], [0.0, 0.9]]), ["noise", "price"], None)
    out = persona_recommendations(catalogue, ["noise"], k=2)
    assert out["item"].tolist()[0] == "quiet fan" and "praised for noise" in out["why"].iloc[0]
    assert persona_recommendations(catalogue, ["price"], k=1)["item"].iloc[0] == "cheap fan"



def test_a_persona_is_ranked_by_the_simulators_choice_model_not_popularity_first():
    # the demo: a shopper caring about battery life got three skincare products (popular, no battery mentions) above a
    # speaker praised for battery life (popularity + the match at weight 1)
    from core.lab import Catalogue, persona_recommendations
    from core.simulate import ShopperParams

    catalogue = Catalogue(np.array(["moisturiser", "serum", "speaker", "earbuds"]), np.array([235.0, 213.0, 149.0, 180.0]),
                          np.array([[0.0], [0.0], [0.25], [-0.6]]), ["battery"], None)
    out = persona_recommendations(catalogue, ["battery"])
    assert out["item"].tolist() == ["speaker", "moisturiser", "serum", "earbuds"]
    assert "criticised for battery" in out["why"].iloc[-1]
    # with the need weight at 0 the simulator's shoppers choose by popularity alone, and so does the persona
    by_popularity = persona_recommendations(catalogue, ["battery"], params=ShopperParams(need_weight=0.0))
    assert by_popularity["item"].tolist() == ["moisturiser", "serum", "earbuds", "speaker"]


def test_job_queue_runs_one_analysis_at_a_time_in_order(tmp_path, settings, fake_models):
    import threading

    from core.jobs import JobQueue

    store = Store(settings.db_path)
    running, overlaps = [], []
    lock = threading.Lock()

    class Watched(Pipeline):
        def run(self, reviews, searches=None, run_id=None):
            with lock:
                running.append(run_id)
                overlaps.append(len(running))
            try:
                return super().run(reviews, searches, run_id)
            finally:
                with lock:
                    running.remove(run_id)

    finished = []
    queue = JobQueue(store, settings, lambda s, st: Watched(s, st, **fake_models), on_done=finished.append)
    first = queue.submit(Source("a.csv", path=write_reviews(tmp_path / "a.csv", 40)))
    second = queue.submit(Source("b.csv", path=write_reviews(tmp_path / "b.csv", 50, zh=False)))
    assert store.run(second)["status"] in ("queued", "running")
    assert queue.wait(120)
    assert max(overlaps) == 1
    assert finished == [first, second]  # the dashboard's warm-up hook ran after each successful run
    assert [store.run(r)["status"] for r in (first, second)] == ["done", "done"]
    assert store.run(first)["finished_at"] <= store.run(second)["started_at"] or store.run(first)["run_id"] < second


def test_simulated_shoppers_need_needs_not_general_opinions():
    # simulated shoppers of 4,000 clothing reviews "cared about General praise (gorgeous / highly recommend)"
    import pandas as pd

    class Stub:
        def product_aspects(self, top_themes):
            rows = [(p, t, m, s, 10) for p in ("A", "B") for t, m, s in
                    (("General praise (gorgeous / lovely)", 90, 60.0), ("Reviewer context (partner)", 50, 0.0),
                     ("sizing / fit", 40, -10.0), ("其他话题（后来 / 情况）", 30, -5.0), ("fabric / soft", 20, 12.0))]
            return pd.DataFrame(rows, columns=["product", "theme", "mentions", "score_sum", "reviews"])

        def product_snippet_hashes(self, per_product):
            return pd.DataFrame(columns=["product", "text_hash"])

    catalogue = workspace_catalogue(Stub())
    assert catalogue.aspect_names == ["sizing / fit", "fabric / soft"] and catalogue.aspects.shape == (2, 2)


def test_product_vectors_are_each_products_mean_cached_snippet_vector(tmp_path, settings, fake_models):
    from core.lab import product_vectors

    store = Store(settings.db_path)
    Pipeline(settings, store, **fake_models).run(Source("r.csv", path=write_reviews(tmp_path / "r.csv", 200)))
    items = workspace_catalogue(store).items
    got = product_vectors(store, items)
    hashes = store.product_snippet_hashes(200)
    found = store.get_embeddings(store.embedding_models()[0], hashes["text_hash"].unique().tolist())
    for i, item in enumerate(items):  # the plain per-product mean
        rows = [found[h] for h in hashes.loc[hashes["product"] == item, "text_hash"] if h in found]
        assert np.allclose(got[i], np.mean(rows, axis=0), atol=1e-6)
    # read a few distinct snippets at a time (bounded memory at a million reviews): the same means
    assert hashes["text_hash"].nunique() == 11  # the fake data's wordings: chunks of 3 are four reads
    assert np.allclose(product_vectors(store, items, chunk=3), got, atol=1e-6)
