import numpy as np
import pandas as pd
import pytest

from helpers import write_reviews
from core.pipeline import Pipeline, Source
from core.store import Store


def _run(settings, fake_models, path, store=None, searches=None):
    store = store or Store(settings.db_path)
    report = Pipeline(settings, store, embedders=fake_models["embedders"], sentiment=fake_models["sentiment"]).run(
        Source(path.name, path=path), searches)
    return store, report


def test_run_loads_every_valid_row_and_exports_one_row_per_review(tmp_path, settings, fake_models):
    path = write_reviews(tmp_path / "r.csv", 120, extra_rows="99999,1,Tops,5,2026-01-01,\n")
    store, report = _run(settings, fake_models, path)
    summary = store.summary()
    assert summary["reviews"] == 120 and summary["rejected"] == 1
    assert summary["themes"] >= 2 and summary["snippets"] > 120
    assert sum(summary["sentiment"].values()) == 120
    exported = store.export_reviews()
    assert len(exported) == 120
    assert {"review_id", "text", "rating", "product", "category", "date", "sentiment", "sentiment_score",
            "theme_id", "theme_label", "keywords"} <= set(exported.columns)
    assert exported["review_id"].iloc[0] == "00000" and exported["product"].iloc[0] == "000"
    assert exported["sentiment_score"].between(-1, 1).all()
    assert set(report.stage_seconds) == {"ingest", "snippets", "embed", "themes", "sentiment", "needs", "keywords",
                                         "reviews", "save"}


def test_same_file_twice_is_not_double_counted_and_reuses_embeddings(tmp_path, settings, fake_models):
    path = write_reviews(tmp_path / "r.csv", 80)
    store, first = _run(settings, fake_models, path)
    _, second = _run(settings, fake_models, path, store)
    assert store.summary()["reviews"] == 80 and len(store.datasets()) == 1
    assert first.embed_cache_misses > 0 and second.embed_cache_misses == 0


def test_failing_stage_leaves_previous_analysis_and_marks_run_failed(tmp_path, settings, fake_models, monkeypatch):
    store, _ = _run(settings, fake_models, write_reviews(tmp_path / "a.csv", 60))
    before = store.summary()

    def boom(*args, **kwargs):
        raise RuntimeError("simulated crash in keywords")

    monkeypatch.setattr("core.pipeline.review_keyword_arrays", boom)
    with pytest.raises(RuntimeError):
        _run(settings, fake_models, write_reviews(tmp_path / "b.csv", 90), store)
    after = store.summary()
    assert after["reviews"] == before["reviews"] == 60 and after["data_version"] == before["data_version"]
    last = store.runs(1).iloc[0]
    assert last["status"] == "failed" and "simulated crash" in last["error"]


def test_a_run_cut_short_by_a_stopping_server_is_interrupted_not_failed(tmp_path, settings, fake_models, monkeypatch):
    # When the app is stopped mid-run, thread pools refuse new work ("cannot schedule new futures after interpreter
    # shutdown"); that is an interrupted run (as a killed process's run is marked on reopen), not a failure to report.
    import threading

    store, _ = _run(settings, fake_models, write_reviews(tmp_path / "a.csv", 60))

    def refused(*args, **kwargs):
        monkeypatch.setattr(threading, "main_thread", lambda: type("Gone", (), {"is_alive": lambda self: False})())
        raise RuntimeError("cannot schedule new futures after interpreter shutdown")

    monkeypatch.setattr("core.pipeline.review_keyword_arrays", refused)
    with pytest.raises(RuntimeError):
        _run(settings, fake_models, write_reviews(tmp_path / "b.csv", 90), store)
    monkeypatch.undo()
    last = store.runs(1).iloc[0]
    assert last["status"] == "interrupted" and "stopped" in last["error"]
    assert store.summary()["reviews"] == 60


def test_server_stopping_is_true_only_once_the_main_thread_has_finished():
    import subprocess
    import sys

    from helpers import ROOT

    script = ("import threading, time\n"
              "from core.pipeline import server_stopping\n"
              "def later():\n    time.sleep(0.5)\n    print('after', server_stopping(), flush=True)\n"
              "threading.Thread(target=later).start()\n"
              "print('during', server_stopping(), flush=True)\n"
              # threading's exit hooks (a thread pool's refusal of new work among them) run before the main thread
              # is marked finished: the server is stopping by then
              "threading._register_atexit(lambda: print('hooks', server_stopping(), flush=True))\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["during", "False", "hooks", "True", "after", "True"], out.stderr


def test_searches_are_stored_as_their_own_dataset(tmp_path, settings, fake_models):
    searches = tmp_path / "s.csv"
    pd.DataFrame({"query": ["usb c power bank", "petite dress", ""], "timestamp": ["2026-01-01"] * 3,
                  "result_count": [0, 12, 3]}).to_csv(searches, index=False)
    store, _ = _run(settings, fake_models, write_reviews(tmp_path / "r.csv", 40),
                    searches=Source("s.csv", "searches", path=searches))
    assert store.summary()["searches"] == 2
    assert store.datasets()["kind"].tolist() == ["reviews", "searches"]


def test_progress_reports_every_stage(tmp_path, settings, fake_models):
    seen = []
    store = Store(settings.db_path)
    Pipeline(settings, store, lambda stage, done, total, eta: seen.append(stage), **{
        "embedders": fake_models["embedders"], "sentiment": fake_models["sentiment"]}).run(
        Source("r.csv", path=write_reviews(tmp_path / "r.csv", 40)))
    assert list(dict.fromkeys(seen)) == ["ingest", "snippets", "embed", "needs", "themes", "sentiment", "keywords",
                                          "reviews", "save"]


def test_compact_vectors_give_the_same_analysis(tmp_path, settings, fake_models):
    """Above compact_above snippets a route keeps float16 vectors; the themes and sentiment barely move."""
    from dataclasses import replace

    path = write_reviews(tmp_path / "r.csv", 240)
    plain, _ = _run(settings, fake_models, path)
    compact_settings = replace(settings, db_path=tmp_path / "compact.duckdb",
                               embed=replace(settings.embed, compact_above=0))
    compact, _ = _run(compact_settings, fake_models, path)
    a, b = plain.export_reviews(), compact.export_reviews()
    assert (a["sentiment"] == b["sentiment"]).mean() == 1.0
    assert (a["keywords"] == b["keywords"]).mean() > 0.95
    sql = "SELECT snippet_id, coalesce(theme_id, -1) AS theme FROM snippets ORDER BY snippet_id"
    themes_a, themes_b = plain.query_df(sql)["theme"], compact.query_df(sql)["theme"]
    from sklearn.metrics import adjusted_rand_score
    # snippet themes (1.0 here); a review's main theme may differ where two of its snippets' themes tie (templated
    # test text), so themes are compared per snippet
    assert adjusted_rand_score(themes_a, themes_b) > 0.95


def test_main_theme_is_the_most_frequent_then_the_closest():
    import numpy as np

    from core.pipeline import main_themes

    rng = np.random.default_rng(3)
    review_no = np.sort(rng.integers(0, 400, 3000))
    theme = rng.integers(-1, 6, 3000)  # -1 = unassigned
    sim = rng.random(3000).astype(np.float32)
    frame = pd.DataFrame({"review_id": review_no, "theme_id": theme, "theme_similarity": sim})
    assigned = frame[frame.theme_id >= 0]
    expected = (assigned.groupby(["review_id", "theme_id"]).agg(n=("theme_id", "size"), sim=("theme_similarity", "max"))
                .reset_index().sort_values(["review_id", "n", "sim"], ascending=[True, False, False])
                .drop_duplicates("review_id").set_index("review_id")["theme_id"].reindex(range(402)))
    got = main_themes(review_no, theme, sim, 402)
    assert got.dtype == "Int32" and pd.isna(got[401]) and pd.isna(got[400])
    assert pd.Series(got).fillna(-1).tolist() == expected.fillna(-1).astype(int).tolist()


def test_a_language_with_a_sliver_of_the_snippets_gets_no_themes_of_its_own(tmp_path, settings, fake_models):
    # 6,000 Chinese reviews held 36 English snippets ("all rights reserved", "ctrip.com", model numbers): three English
    # themes of 10-15 snippets each, on the theme map far from every real theme
    import csv

    from helpers import EN_LINES, ZH_LINES

    from core import recluster

    path = tmp_path / "zh.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review_id", "rating", "review_text"])
        for i in range(400):
            writer.writerow([i, 4, ZH_LINES[i % len(ZH_LINES)] + ZH_LINES[(i * 3 + 1) % len(ZH_LINES)]])
        writer.writerow([400, 5, EN_LINES[0]])
        writer.writerow([401, 5, EN_LINES[1]])
    store, _ = _run(settings, fake_models, path)
    themes = store.query_df("SELECT lang FROM themes")
    assert len(themes) >= 2 and set(themes["lang"]) == {"zh"}
    english = store.query_df("SELECT theme_id FROM snippets WHERE lang = 'en'")
    assert len(english) >= 2 and english["theme_id"].isna().all()
    pipeline = Pipeline(settings, store, embedders=fake_models["embedders"], sentiment=fake_models["sentiment"])
    proposal = recluster.preview(pipeline, int(store.datasets()["dataset_id"].iloc[0]))
    assert set(proposal.themes["lang"]) == {"zh"}
    # nothing changed, so re-clustering proposes the same themes: it clusters within the stored need types, as the
    # run did
    assert proposal.agreement == 1.0

    # the same two English reviews in a file that is a quarter English are themed as usual
    store2, _ = _run(settings.with_db(tmp_path / "mixed.duckdb"), fake_models,
                     write_reviews(tmp_path / "mixed.csv", 80, zh=True))
    assert set(store2.query_df("SELECT lang FROM themes")["lang"]) == {"en", "zh"}


def test_a_run_keeps_no_cut_chinese_words_once_it_ends(tmp_path, settings, fake_models):
    # the analysis cuts each Chinese snippet once for all its passes (a cache: 14.0 -> 12.4 s on 6,000 reviews) and
    # lets the cache go when it ends, so a server that analysed a large file keeps no ~100 MB of words
    from core.text import _zh_words, tokenize_zh

    tokenize_zh("这个充电宝的性价比很高")
    words = tokenize_zh("续航有点短，性价比很高")
    words.append("mutated")  # callers get their own list: the cached words stay as cut
    assert "mutated" not in tokenize_zh("续航有点短，性价比很高")
    path = write_reviews(tmp_path / "r.csv", 80)
    store, _ = _run(settings, fake_models, path)
    assert store.summary()["themes"] >= 2 and _zh_words.cache_info().currsize == 0


def test_searches_judged_against_product_titles_are_served_by_how_well_the_title_matches(tmp_path, settings,
                                                                                        fake_models):
    # Home Depot's layout: each row a query and the product it returned, no clicks or result counts
    searches = tmp_path / "judged.csv"
    pd.DataFrame({"id": [str(i) for i in range(6)],
                  "search_term": ["cordless drill"] * 3 + ["garden hose"] * 3,
                  "product_title": ["Cordless Drill 20V Kit", "Cordless Drill Driver", "Brushless Cordless Drill",
                                    "Ceiling Fan Light Kit", "Brass Door Knob", "Ceiling Fan Light Kit"]}
                 ).to_csv(searches, index=False)
    store, _ = _run(settings, fake_models, write_reviews(tmp_path / "r.csv", 40),
                    searches=Source("judged.csv", "searches", path=searches))
    rows = store.query_df("SELECT query, clicked, result, title_match, served FROM searches ORDER BY search_id")
    assert rows["clicked"].isna().all() and rows["result"].iloc[0] == "Cordless Drill 20V Kit"
    drill, hose = rows[rows["query"] == "cordless drill"], rows[rows["query"] == "garden hose"]
    assert (drill["title_match"] > 0.3).all() and (hose["title_match"] < 0.1).all()
    assert (rows["served"] == rows["title_match"].clip(lower=0)).all()  # the file says nothing else
    unmet = store.unmet_queries()
    assert unmet["query"].tolist() == ["garden hose"]
    assert unmet["click_share"].isna().all() and unmet["zero_result_share"].isna().all()  # not 0% of each


def test_queries_get_need_types_and_a_taxonomy_edit_retypes_them(tmp_path, settings, fake_models):
    from core.latent import reapply_taxonomy
    from core.needs import taxonomy_frame

    searches = tmp_path / "s.csv"
    pd.DataFrame({"query": ["birthday gift for dad"] * 4 + ["gift for partner birthday"] * 2 + ["cordless drill"] * 3,
                  "result_count": [5] * 9}).to_csv(searches, index=False)
    store, _ = _run(settings, fake_models, write_reviews(tmp_path / "r.csv", 40),
                    searches=Source("s.csv", "searches", path=searches))
    assert store.scalar("SELECT count(*) FROM searches WHERE need_type IS NULL") == 0
    assert "gift-giving" not in set(store.query_df("SELECT need_type FROM searches")["need_type"])
    frame = taxonomy_frame()
    frame.loc[len(frame)] = ["gift-giving", "birthday gift, gift for my partner, a present for dad", "礼物 送人", ""]
    reapply_taxonomy(store, settings, frame, fake_models["embedders"])
    types = store.query_df("SELECT DISTINCT query, need_type FROM searches").set_index("query")["need_type"]
    assert types["birthday gift for dad"] == "gift-giving" and types["cordless drill"] != "gift-giving"
    intents = store.intent_table()
    gifts = intents[intents["examples"].map(lambda e: "birthday gift for dad" in e)]
    assert gifts["need_type"].tolist() == ["gift-giving"]  # the intent takes its queries' commonest type


def test_a_title_in_another_language_than_its_query_is_not_matched(tmp_path, settings, fake_models):
    # the demo's Chinese searches click English catalogue names: the Chinese space reads no English words, so a
    # cosine there would call every such search badly served
    searches = tmp_path / "s.csv"
    pd.DataFrame({"query": ["充电宝 快充", "充电宝 快充", "usb c power bank"],
                  "clicked_product": ["VoltMax power bank", "罗马仕 快充 充电宝", "VoltMax power bank"],
                  "result_count": [5, 5, 5]}).to_csv(searches, index=False)
    store, _ = _run(settings, fake_models, write_reviews(tmp_path / "r.csv", 40),
                    searches=Source("s.csv", "searches", path=searches))
    rows = store.query_df("SELECT query, clicked, title_match FROM searches ORDER BY row_no")
    assert pd.isna(rows["title_match"][0]) and rows["title_match"][1:].notna().all()


def test_splitting_a_theme_regroups_only_its_snippets_and_keeps_every_other_theme_and_edit(tmp_path, settings,
                                                                                            fake_models, monkeypatch):
    # a PM's "fit / large / waist" (71% of 2,890 clothing reviews) splits into what runs large or small, the length,
    # the waist...: the theme's snippets grouped again, nothing else moved
    from core import recluster
    from core.errors import InputError

    store, _ = _run(settings, fake_models, write_reviews(tmp_path / "r.csv", 200))
    dataset_id = int(store.datasets()["dataset_id"].iloc[0])
    table = store.theme_table()
    assert len(table) >= 3
    big = int(table["theme_id"].iloc[0])
    same = table[(table["lang"] == table["lang"].iloc[0]) & (table["theme_id"] != big)]
    other, third = int(same["theme_id"].iloc[0]), int(same["theme_id"].iloc[1])
    foreign = int(table.loc[table["lang"] != table["lang"].iloc[0], "theme_id"].iloc[0])
    store.edit_theme(dataset_id, other, label="Renamed by the PM")
    store.edit_theme(dataset_id, third, merged_into=big)  # merged into the theme split: its snippets go along
    before = store.query_df("SELECT snippet_id, theme_id FROM snippets ORDER BY snippet_id")
    inside = before["theme_id"].isin([big, third])
    pipeline = Pipeline(settings, store, embedders=fake_models["embedders"], sentiment=fake_models["sentiment"])

    proposal = recluster.split(pipeline, dataset_id, big, k=2)
    # a theme beyond compact_above snippets is read as float16, as the analysis holds a big route's vectors
    from dataclasses import replace

    compact = replace(settings, embed=replace(settings.embed, compact_above=1))
    half = recluster.split(Pipeline(compact, store, embedders=fake_models["embedders"],
                                    sentiment=fake_models["sentiment"]), dataset_id, big, k=2)
    assert sorted(half.comparison["snippets"]) == sorted(proposal.comparison["snippets"])
    assert len(proposal.comparison) == 2 and proposal.comparison["snippets"].sum() == inside.sum()
    assert (proposal.comparison["reviews"] <= proposal.comparison["snippets"]).all()
    assert (proposal.comparison["reviews"] > 0).all()
    assert set(proposal.snippets["snippet_id"]) == set(before.loc[inside, "snippet_id"])
    new_ids = set(proposal.snippets["theme_id"].dropna().astype(int))
    assert len(new_ids) == 2 and min(new_ids) > int(table["theme_id"].max())
    # the map is drawn again over the language's themes: every one placed, within [-1, 1]
    english = proposal.themes[proposal.themes["lang"] == "en"]
    assert len(proposal.themes) == len(table) and english[["x", "y"]].abs().max().max() == pytest.approx(1.0)
    chinese = proposal.themes[proposal.themes["lang"] == "zh"]  # the other language's map is as it was
    stored = store.query_df("SELECT theme_id, x FROM themes WHERE lang = 'zh' ORDER BY theme_id")
    assert chinese.sort_values("theme_id")["x"].tolist() == stored["x"].tolist()
    assert set(proposal.edits["theme_id"]) == {other}  # the merge into the split theme goes with it

    # applied, then undone: the themes, every snippet's theme and the PM's edits exactly as they were
    def state():
        return (store.query_df("SELECT theme_id, label, size, x, y FROM themes ORDER BY theme_id"),
                store.query_df("SELECT snippet_id, theme_id, theme_similarity FROM snippets ORDER BY snippet_id"),
                store.query_df("SELECT * FROM theme_edits ORDER BY theme_id"),
                store.query_df("SELECT review_id, theme_id FROM reviews ORDER BY review_id"))

    was = state()
    applied = recluster.apply_split(store, proposal)
    recluster.undo_split(store, proposal, applied)
    for old, now in zip(was, state()):
        pd.testing.assert_frame_equal(old, now)
    proposal = recluster.split(pipeline, dataset_id, big, k=2)  # the undo was a change: preview again
    applied = recluster.apply_split(store, proposal)
    store.edit_theme(dataset_id, other, label="Renamed again")
    with pytest.raises(InputError, match="changed since this split was applied"):
        recluster.undo_split(store, proposal, applied)  # it would undo the rename too
    store.edit_theme(dataset_id, other, label="Renamed by the PM")
    after = store.query_df("SELECT snippet_id, theme_id FROM snippets ORDER BY snippet_id")
    assert (after.loc[~inside, "theme_id"].fillna(-1) == before.loc[~inside, "theme_id"].fillna(-1)).all()
    assert set(after.loc[inside, "theme_id"]) == new_ids
    labels = dict(zip(store.theme_table()["theme_id"], store.theme_table()["label"]))
    assert labels[other] == "Renamed by the PM" and big not in labels and third not in labels
    assert new_ids <= set(labels)
    assert store.query_df("SELECT count(*) AS n FROM reviews WHERE theme_id IN (?, ?)", [big, third])["n"].iloc[0] == 0
    # a preview made before the workspace changed is not applied over the change
    with pytest.raises(InputError):
        recluster.apply_split(store, proposal)
    with pytest.raises(InputError):
        recluster.split(pipeline, dataset_id, big)  # split already: no such theme now
    auto = recluster.split(pipeline, dataset_id, min(new_ids))
    assert 2 <= len(auto.comparison) <= 8
    # too few mentions to split (here: fewer than two sub-themes' worth): a plain message, not an error
    with monkeypatch.context() as patched, pytest.raises(InputError, match="too few to split"):
        patched.setattr(recluster, "SPLIT_MIN_SNIPPETS", 10**6)
        recluster.split(pipeline, dataset_id, min(new_ids), k=2)
    # a theme holding two languages (a PM merged them) is not split: each language is grouped in its own space
    store.edit_theme(dataset_id, foreign, merged_into=min(new_ids))
    with pytest.raises(InputError, match="English and Chinese"):
        recluster.split(pipeline, dataset_id, min(new_ids))


def test_split_k_is_what_the_pm_asks_for_within_one_sub_theme_per_ten_snippets():
    from core.themes import SPLIT_MAX_K, SplitKMeans

    assert SplitKMeans(3).k_bounds(500) == (3, 3)
    assert SplitKMeans(6).k_bounds(40) == (4, 4)
    assert SplitKMeans().k_bounds(5000) == (2, SPLIT_MAX_K)
    assert SplitKMeans().k_bounds(35) == (2, 3)
    assert SplitKMeans().k_bounds(15) == (1, 1)  # one group: recluster.split refuses it
    labels = SplitKMeans(2).fit_predict(np.vstack([np.eye(4)[[0] * 20], np.eye(4)[[1] * 20]]) + 0.01)
    assert len(set(labels[:20])) == 1 and labels[0] != labels[-1]
