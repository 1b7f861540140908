"""Issue 8.3: incremental runs keep theme ids and PM edits; re-clustering is explicit, previewed, and carries edits."""
import pandas as pd
import pytest

from helpers import ROOT
from core.__main__ import main
from core import recluster
from core.errors import InputError
from core.pipeline import Pipeline, Source
from core.store import Store


@pytest.fixture
def files(tmp_path):
    demo = pd.read_csv(ROOT / "data" / "demo_reviews.csv", dtype=str, keep_default_na=False)
    base, more = tmp_path / "base.csv", tmp_path / "more.csv"
    demo.iloc[:1000].to_csv(base, index=False)
    demo.iloc[900:1100].to_csv(more, index=False)  # 100 already analysed + 100 new
    return base, more


def test_append_keeps_theme_ids_and_edits_and_counts_every_row(files, settings, fake_models):
    base, more = files
    store = Store(settings.db_path)
    pipeline = Pipeline(settings, store, **fake_models)
    pipeline.run(Source("base.csv", path=base))
    themes_before = store.query_df("SELECT theme_id, label, centroid FROM themes ORDER BY theme_id")
    first, second = themes_before.theme_id.iloc[:2]
    store.edit_theme(1, int(first), label="Sizing (PM name)")
    store.edit_theme(1, int(second), hidden=True)
    summary_before = store.summary()
    last_snippet = store.scalar("SELECT max(snippet_id) FROM snippets")
    report = pipeline.append(1, Source("more.csv", path=more))
    after = store.summary()
    assert after["reviews"] == summary_before["reviews"] + 100  # the 100 known reviews are skipped, not doubled
    themes_after = store.query_df("SELECT theme_id, label, centroid FROM themes ORDER BY theme_id")
    assert themes_after.theme_id.tolist() == themes_before.theme_id.tolist()
    assert themes_after.label.tolist() == themes_before.label.tolist()
    table = store.theme_table(include_hidden=True).set_index("theme_id")
    assert table.loc[int(first), "label"] == "Sizing (PM name)" and bool(table.loc[int(second), "hidden"])
    new = store.query_df("SELECT count(*) AS n, count(theme_id) AS themed FROM snippets WHERE snippet_id > ?",
                         [last_snippet]).iloc[0]
    assert new.n > 100 and new.themed / new.n >= 0.9  # new snippets joined the existing themes
    dataset = store.datasets().iloc[0]
    assert dataset.input_rows == dataset.loaded_rows + dataset.rejected_rows == after["reviews"] + dataset.rejected_rows
    assert store.scalar("SELECT count(DISTINCT review_id) FROM reviews") == after["reviews"]
    # appended rows continue the dataset's row numbers: the facts' integer review key stays one per review
    assert store.scalar("SELECT count(DISTINCT row_no) FROM reviews WHERE dataset_id = 1") == after["reviews"]
    store.refresh_facts()
    by_key = store.theme_table().set_index("theme_id")["reviews"]
    by_id = store.query_df("SELECT theme_id, count(DISTINCT review_id) AS n FROM snippets WHERE theme_id IS NOT NULL "
                           "GROUP BY 1").set_index("theme_id")["n"]
    assert len(by_key) > 2 and by_key.tolist() == by_id.loc[by_key.index].tolist()
    assert report.embed_cache_misses > 0
    # appending the same file again adds nothing
    pipeline.append(1, Source("more.csv", path=more))
    assert store.summary()["reviews"] == after["reviews"]


def test_an_append_does_not_commit_onto_themes_a_split_replaced_meanwhile(files, settings, fake_models, monkeypatch):
    # the app's split (or re-clustering) commits from the server process while a queued append embeds and scores: the
    # append's snippets were assigned to the themes it read first, and would point at themes that no longer exist
    from core.errors import InputError

    base, more = files
    store = Store(settings.db_path)
    pipeline = Pipeline(settings, store, **fake_models)
    pipeline.run(Source("base.csv", path=base))
    biggest = int(store.theme_table()["theme_id"].iloc[0])
    read_state = store.append_state

    def state_then_split(dataset_id):
        state = read_state(dataset_id)
        recluster.apply_split(store, recluster.split(pipeline, dataset_id, biggest, k=2))  # a PM, meanwhile
        return state

    monkeypatch.setattr(store, "append_state", state_then_split)
    before = store.summary()["reviews"]
    with pytest.raises(InputError, match="themes changed while the file was being added"):
        pipeline.append(1, Source("more.csv", path=more))
    assert store.summary()["reviews"] == before  # nothing written
    orphans = store.scalar("SELECT count(*) FROM snippets WHERE theme_id IS NOT NULL AND theme_id NOT IN "
                           "(SELECT theme_id FROM themes WHERE dataset_id = 1)")
    assert orphans == 0
    monkeypatch.setattr(store, "append_state", read_state)
    pipeline.append(1, Source("more.csv", path=more))  # added again, onto the split themes
    assert store.summary()["reviews"] == before + 100


def test_append_refuses_themes_from_another_embedding_space(files, settings, fake_models):
    # Themes record the model their centroids live in; new reviews embedded by another model (the Chinese route's
    # encoder changed, or NEEDLENS_MODEL did) cannot be compared with them, so adding to the dataset says so.
    from core.embed import HashingEmbedder
    from core.errors import InputError

    base, more = files
    store = Store(settings.db_path)
    Pipeline(settings, store, **fake_models).run(Source("base.csv", path=base))
    assert set(store.query_df("SELECT model FROM themes").model) == {"hashing-64"}
    other = HashingEmbedder(64, seed=8)
    other.name = "hashing-64-other"
    before = store.summary()["reviews"]
    with pytest.raises(InputError, match="computed with hashing-64; NeedLens now embeds"):
        Pipeline(settings, store, embedders={"en": other, "zh": other}, sentiment=fake_models["sentiment"]).append(
            1, Source("more.csv", path=more))
    assert store.summary()["reviews"] == before


def test_recluster_preview_changes_nothing_and_apply_carries_renames(files, settings, fake_models):
    base, more = files
    store = Store(settings.db_path)
    pipeline = Pipeline(settings, store, **fake_models)
    pipeline.run(Source("base.csv", path=base))
    pipeline.append(1, Source("more.csv", path=more))
    biggest = int(store.query_df("SELECT theme_id FROM themes ORDER BY size DESC LIMIT 1").theme_id.iloc[0])
    store.edit_theme(1, biggest, label="Battery life (PM name)")
    version = store.data_version()
    proposal = recluster.preview(pipeline, 1)
    assert store.data_version() == version  # a preview writes nothing
    assert len(proposal.comparison) == len(proposal.themes) > 0 and 0 <= proposal.agreement <= 1
    assert proposal.comparison["snippets"].sum() == proposal.snippets["theme_id"].notna().sum()
    assert [c["lang"] for c in proposal.counts] == ["en", "zh"] and all(c["asked"] is None for c in proposal.counts)
    assert sum(c["themes"] for c in proposal.counts) == len(proposal.themes)
    fewer = recluster.preview(pipeline, 1, themes=3)  # a number asked for: per language, nothing written
    assert [c["themes"] for c in fewer.counts] == [3, 3] and len(fewer.themes) == 6
    assert store.data_version() == version
    with pytest.raises(InputError, match="at least 2 themes"):
        recluster.preview(pipeline, 1, themes=1)
    stored = store.theme_counts()  # the analysis recorded how it chose each language's number of themes
    assert stored["lang"].tolist() == ["en", "zh"] and stored["asked"].isna().all()
    assert (stored["chosen"] >= 2).all() and all(c in t for c, t in zip(stored["chosen"], stored["tried"]))
    assert recluster.count_sentence(stored.to_dict("records")[0]).startswith("English: ")
    # by the review language filtered on: "other" languages are clustered with English
    assert store.theme_counts((1,), ("other",))["lang"].tolist() == ["en"]
    assert store.theme_counts(langs=("zh", "other"))["lang"].tolist() == ["en", "zh"]
    recluster.apply(store, proposal)
    labels = store.theme_table()["label"].tolist()
    assert "Battery life (PM name)" in labels
    assert store.scalar("SELECT count(*) FROM snippets WHERE theme_id IS NOT NULL AND theme_id NOT IN "
                        "(SELECT theme_id FROM themes WHERE dataset_id = 1)") == 0
    assert store.theme_counts()["themes"].tolist() == [c["themes"] for c in proposal.counts]
    # re-clustered at a number asked for: the record says so; a split later leaves it as it was
    recluster.apply(store, recluster.preview(pipeline, 1, themes=3))
    stored = store.theme_counts((1,))
    assert stored["asked"].tolist() == [3, 3] and stored["themes"].tolist() == [3, 3]
    assert recluster.count_sentence(stored.to_dict("records")[1]) == "Chinese: 3 themes, 3 asked."
    biggest = int(store.query_df("SELECT theme_id FROM themes ORDER BY size DESC LIMIT 1").theme_id.iloc[0])
    recluster.apply_split(store, recluster.split(pipeline, 1, biggest, k=2))
    assert store.theme_counts()["themes"].tolist() == [3, 3] and len(store.theme_table()) == 7


def test_cli_append_and_recluster(files, settings, monkeypatch, capsys, tmp_path):
    base, more = files
    db = str(tmp_path / "cli.duckdb")
    monkeypatch.setenv("NEEDLENS_MODEL", "hashing-64")
    monkeypatch.setenv("NEEDLENS_ZH_MODEL", "hashing-64")
    from core import pipeline as pipeline_module
    from helpers import LexiconSentiment

    monkeypatch.setattr(pipeline_module, "load_sentiment_model", lambda *a, **k: LexiconSentiment())
    assert main(["run", "--reviews", str(base), "--db", db, "--no-progress"]) == 0
    assert main(["run", "--reviews", str(more), "--db", db, "--append-to", "1", "--no-progress"]) == 0
    assert main(["recluster", "--db", db, "--dataset", "1"]) == 0
    out = capsys.readouterr().out
    assert "preview only" in out and "English: " in out and "silhouette chose" in out
    assert main(["recluster", "--db", db, "--dataset", "1", "--themes", "4"]) == 0
    assert "English: 4 themes, 4 asked." in capsys.readouterr().out
    assert main(["recluster", "--db", db, "--dataset", "1", "--split", "1", "--into", "2", "--apply"]) == 0
    out = capsys.readouterr().out
    assert "-> 2 sub-themes" in out and "applied" in out
    assert main(["recluster", "--db", db, "--dataset", "1", "--split", "1"]) == 2  # theme 1 is split: gone
    assert main(["run", "--reviews", str(more), "--db", db, "--append-to", "7", "--no-progress"]) == 2


def test_job_queue_runs_an_incremental_job(files, settings, fake_models):
    from core.jobs import JobQueue

    base, more = files
    store = Store(settings.db_path)
    Pipeline(settings, store, **fake_models).run(Source("base.csv", path=base))
    before = store.summary()["reviews"]
    queue = JobQueue(store, settings, lambda s, st: Pipeline(s, st, **fake_models))
    run_id = queue.submit(Source("more.csv", path=more), append_to=1)
    assert queue.wait(120)
    assert store.run(run_id)["status"] == "done" and "added to dataset 1" in store.run(run_id)["source"]
    assert store.summary()["reviews"] == before + 100 and len(store.datasets()) == 1


def test_an_append_knows_reviews_stored_before_cut_reviews_and_entities_were_read(tmp_path, settings, fake_models,
                                                                                    monkeypatch):
    # a workspace analysed before the thirty-ninth session stored a cut review with its half word and an entity as
    # written; appending the same file (no ids: known by text) must not add those reviews a second time
    import random

    from core import ingest

    rng = random.Random(3)
    words = "the fabric is soft and the fit runs small but the colour is lovely".split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 25))) + "." for _ in range(230)]
    texts += [" ".join(rng.choice(words) for _ in range(50))[:190] + " i wish it were emb" for _ in range(40)]
    texts += ["tops &amp; tees, i&#39;m a petite."]
    path = tmp_path / "capped.csv"
    pd.DataFrame({"review": texts, "rating": 4}).to_csv(path, index=False)
    store = Store(settings.db_path)
    pipeline = Pipeline(settings, store, **fake_models)
    with monkeypatch.context() as before:  # as the earlier version read the file
        before.setattr(ingest, "cut_at_limit", lambda t, **_: pd.Series(False, index=t.index))
        before.setattr(ingest, "_clean", lambda v: ingest.mask_pii(ingest.normalise(v)))
        pipeline.run(Source("capped.csv", path=path))
    assert store.scalar("SELECT count(*) FROM reviews WHERE text LIKE '%&amp;%' OR text LIKE '%emb'") == 41
    reviews = store.summary()["reviews"]
    pipeline.append(1, Source("capped.csv", path=path))
    assert store.summary()["reviews"] == reviews  # nothing new
