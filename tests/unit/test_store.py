import duckdb
import numpy as np
import pandas as pd
import pytest

from core.errors import WorkspaceError
from core.store import MIGRATIONS, SCHEMA_VERSION, Store


def workspace_at_schema(path, version: int) -> duckdb.DuckDBPyConnection:
    """A connection to a new workspace made the way schema ``version`` made it (for a migration to upgrade)."""
    con = duckdb.connect(str(path))
    for migration in MIGRATIONS[:version]:
        con.execute(migration)
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(version)])
    return con


def test_new_workspace_is_at_current_schema(tmp_path):
    store = Store(tmp_path / "w.duckdb")
    assert store.schema_version() == SCHEMA_VERSION


def test_workspace_from_older_schema_is_migrated(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))  # a version-1 workspace, made the way version 1 made it
    con.execute(MIGRATIONS[0])
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO datasets (dataset_id, name, kind) VALUES (1, 'old.csv', 'reviews')")
    con.close()
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.datasets()["name"].tolist() == ["old.csv"]
    store.edit_theme(1, 3, label="Sizing")  # the table added by migration 2 works
    assert store.query_df("SELECT label FROM theme_edits")["label"].tolist() == ["Sizing"]


def test_embedding_cache_round_trip_and_no_duplicates(tmp_path):
    store = Store(tmp_path / "w.duckdb")
    vectors = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    store.put_embeddings("m", ["a", "b", "c"], vectors)
    store.put_embeddings("m", ["a"], vectors[:1])
    found = store.get_embeddings("m", ["a", "c", "zzz"])
    assert set(found) == {"a", "c"} and np.allclose(found["c"], vectors[2])
    assert store.scalar("SELECT count(*) FROM embeddings") == 3
    assert store.get_embeddings("other-model", ["a"]) == {}


def test_failed_write_leaves_previous_analysis(tmp_path):
    store = Store(tmp_path / "w.duckdb")
    meta = {"dataset_id": 1, "name": "a.csv", "kind": "reviews", "loaded_rows": 1, "rejected_rows": 0}
    store.write_analysis([meta], {"reviews": pd.DataFrame({"dataset_id": [1], "review_id": ["r1"], "text": ["ok"]})})
    version = store.data_version()
    bad = pd.DataFrame({"dataset_id": [1], "review_id": ["r2"], "no_such_column": ["x"]})
    with pytest.raises(WorkspaceError, match="nothing was changed"):
        store.write_analysis([meta], {"reviews": bad})
    assert store.query_df("SELECT review_id FROM reviews")["review_id"].tolist() == ["r1"]
    assert store.data_version() == version


def test_runs_left_running_by_a_dead_process_are_marked_interrupted(tmp_path):
    path = tmp_path / "w.duckdb"
    store = Store(path)
    run_id = store.start_run("x.csv")
    store.update_run(run_id, pid=999999)
    store.close()
    assert Store(path).run(run_id)["status"] == "interrupted"


def test_a_run_of_this_process_whose_failure_could_not_be_written_is_interrupted_on_reopen(tmp_path, monkeypatch):
    # On a full disk the run's error is lost with the write that was to record it: the next open must not show the run
    # as still going (the CI failure of the disk-full test), while a run this process is still doing stays running.
    path = tmp_path / "w.duckdb"
    store = Store(path)
    live, lost = store.start_run("live.csv"), store.start_run("lost.csv")

    def full_disk(*args, **kwargs):
        raise WorkspaceError("writing to the workspace failed and nothing was changed: No space left on device")

    monkeypatch.setattr(store, "update_run", full_disk)
    with pytest.raises(WorkspaceError):
        store.finish_run(lost, "failed", error="disk full")
    store.close()
    reopened = Store(path)
    assert reopened.run(lost)["status"] == "interrupted"
    assert reopened.run(live)["status"] == "running"
    reopened.finish_run(live, "done")
    reopened.close()


def test_schema_12_fills_each_themes_model_from_its_snippets_cached_vectors(tmp_path):
    path = tmp_path / "w.duckdb"
    con = workspace_at_schema(path, 11)
    con.execute("INSERT INTO themes (dataset_id, theme_id, lang) VALUES (1, 0, 'en'), (1, 1, 'zh'), (1, 2, 'zh')")
    con.execute("INSERT INTO snippets (dataset_id, snippet_id, text_hash, theme_id) VALUES "
                "(1, 0, 'a', 0), (1, 1, 'b', 1), (1, 2, 'c', 1), (1, 3, 'd', 2)")
    con.execute("INSERT INTO embeddings VALUES ('minilm', 'a', [1.0]), ('zh-lsa', 'b', [1.0]), ('zh-lsa', 'c', [1.0]), "
                "('zh-new', 'c', [1.0])")
    con.close()
    store = Store(path)
    models = store.query_df("SELECT theme_id, model FROM themes ORDER BY theme_id").model.tolist()
    assert models[:2] == ["minilm", "zh-lsa"] and pd.isna(models[2])  # theme 2's snippet has no cached vector
    store.close()


def test_second_process_gets_a_plain_message(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "w.duckdb"
    store = Store(path)
    code = f"import sys; sys.path.insert(0, {str(store.path.parent.parent)!r})\n" if False else ""
    code += ("from core.store import Store\nfrom core.errors import WorkspaceError\n"
             f"try:\n    Store({str(path)!r})\nexcept WorkspaceError as e:\n    print('MSG', e)\n")
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert "is open in another NeedLens process" in out.stdout
    store.close()


def test_theme_edits_rename_merge_hide(tmp_path):
    store = Store(tmp_path / "w.duckdb")
    themes = pd.DataFrame({"dataset_id": [1, 1, 1], "theme_id": [1, 2, 3], "label": ["fit", "size", "fabric"],
                           "lang": "en", "size": [5, 4, 3], "stability": [0.9, 0.8, 0.7]})
    snippets = pd.DataFrame({"dataset_id": 1, "snippet_id": range(6), "review_id": ["a", "b", "c", "d", "e", "f"],
                             "theme_id": [1, 1, 2, 2, 3, 3]})
    sentiment = pd.DataFrame({"dataset_id": 1, "snippet_id": range(6), "label": "positive", "score": 0.5})
    reviews = pd.DataFrame({"dataset_id": 1, "review_id": list("abcdef"), "text": "x", "rating": 4.0})
    store.write_analysis([{"dataset_id": 1, "name": "a", "kind": "reviews"}],
                         {"themes": themes, "snippets": snippets, "sentiment": sentiment, "reviews": reviews})
    store.edit_theme(1, 1, label="Sizing & fit")
    store.edit_theme(1, 2, merged_into=1)
    store.edit_theme(1, 3, hidden=True)
    table = store.theme_table([1])
    assert table["label"].tolist() == ["Sizing & fit"] and table["snippets"].tolist() == [4]
    assert store.overview([1])["themes"] == 1  # the Overview's count: merged themes once, hidden ones left out
    store.refresh_facts()  # the same count from the facts table the writer keeps
    assert store.overview([1])["themes"] == 1 and store.facts_current()
    assert table["stability"].isna().all()  # a merged theme was not measured as the group it now is
    shown = store.theme_table([1], include_hidden=True).set_index("label")["stability"]
    assert len(shown) == 2 and shown["fabric"] == 0.7
    store.edit_theme(1, 3, merged_into=2)  # 2 was merged into 1: 3 follows the chain to 1
    assert store.query_df("SELECT merged_into FROM theme_edits WHERE theme_id = 3").iloc[0, 0] == 1


def test_schema_13_serves_old_searches_from_their_results_clicks_and_relevance(tmp_path):
    path = tmp_path / "w.duckdb"
    con = workspace_at_schema(path, 12)
    con.execute("""INSERT INTO datasets (dataset_id, name, kind, column_map) VALUES
        (1, 'log.csv', 'searches', '{"query": "q", "clicked": "clicked_product", "relevance": "converted"}'),
        (2, 'judged.csv', 'searches', '{"query": "q", "result_count": "hits"}')""")
    con.execute("""INSERT INTO searches (dataset_id, search_id, query, result_count, clicked, relevance) VALUES
        (1, 'a', 'earbuds', 10, 'AuraBuds', 1), (1, 'b', 'earbuds', 10, '', 0), (1, 'c', 'petite dress', 0, '', 0),
        (2, 'd', 'rice cooker', 5, '', NULL), (2, 'e', 'rice cooker', 0, '', NULL)""")
    con.close()
    store = Store(path)
    rows = store.query_df("SELECT search_id, clicked, served FROM searches ORDER BY search_id")
    # a click and a conversion; neither; no results. Dataset 2 had no click column: its '' were never "not clicked"
    assert rows["served"].tolist() == [1.0, 0.0, 0.0, 1.0, 0.0]
    assert rows["clicked"].tolist()[:3] == ["AuraBuds", "", ""] and rows["clicked"][3:].isna().all()
    unmet = store.unmet_queries()
    assert unmet.empty  # no query was searched three times
    store.close()


def test_an_intent_takes_its_queries_commonest_need_type_only_where_it_covers_a_third_of_its_searches(tmp_path):
    store = Store(tmp_path / "w.duckdb")
    types = {1: ["price/value"] * 2 + ["fit/size"] * 1 + ["other"] * 3,  # 2 of 6: a third
             2: ["price/value"] * 1 + ["fit/size"] * 1 + ["other"] * 4,  # 1 of 6 each: mostly no need
             3: ["fit/size"] * 3}
    rows = [(intent, f"{intent}-{i}", f"query {intent}", kind, 10.0, 1.0 if intent == 3 else 0.2)
            for intent, kinds in types.items() for i, kind in enumerate(kinds)]
    with store.cursor() as cur:
        cur.executemany("INSERT INTO intents (dataset_id, intent_id, label) VALUES (1, ?, ?)",
                        [(i, f"intent {i}") for i in types])
        cur.executemany("INSERT INTO searches (dataset_id, intent_id, search_id, query, need_type, result_count, served) "
                        "VALUES (1, ?, ?, ?, ?, ?, ?)", rows)
    table = store.intent_table().set_index("intent_id")
    assert table.loc[[1, 2, 3], "need_type"].tolist() == ["price/value", "other", "fit/size"]
    # served 0.2 against a typical (12 x 0.2 + 3 x 1) / 15 = 0.36: 6 x 0.16 unmet searches each; the well-served
    # intent none, and last
    assert table["unmet_searches"].round(2).to_dict() == {1: 0.96, 2: 0.96, 3: 0.0}
    assert table.index.tolist()[-1] == 3


def test_searches_by_need_type_leave_product_names_out_and_say_how_well_each_type_is_served(tmp_path):
    store = Store(tmp_path / "w.duckdb")
    rows = ([("petite dress", "fit/size", 0.0, 0.0)] * 3 + [("Petite Dress ", "fit/size", 0.0, 0.0)]
            + [("plus size coat", "fit/size", 10.0, 1.0)] + [("cheap watch", "price/value", 10.0, 0.5)] * 2
            + [("coffee maker", "other", 10.0, 1.0)] * 4)
    with store.cursor() as cur:
        cur.executemany("INSERT INTO searches (dataset_id, search_id, query, need_type, result_count, served) "
                        "VALUES (1, ?, ?, ?, ?, ?)", [(str(i), *row) for i, row in enumerate(rows)])
    table = store.search_need_types().set_index("need_type")
    assert table.index.tolist() == ["fit/size", "price/value"]  # "other" (a product name) left out; most searched first
    assert table.loc["fit/size", "searches"] == 5 and table.loc["fit/size", "queries"] == 2
    assert table.loc["fit/size", "share"] == pytest.approx(5 / 11) and table.loc["fit/size", "served"] == pytest.approx(0.2)
    assert table.loc["fit/size", "top_query"] == "petite dress" and table.loc["fit/size", "zero_result_share"] == 0.8
