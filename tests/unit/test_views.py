"""Stored dashboard views: every unfiltered view round-trips exactly, is keyed on the data version, and never pickles."""
import math
import shutil

import pandas as pd
import pytest

from helpers import analyse_demo
from core import views
from core.filters import Filters
from core.store import SCHEMA_VERSION, Store


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("views") / "ws.duckdb")
    analyse_demo(store)
    views.materialize(store)
    yield store
    store.close()


def copied(analysed: Store, tmp_path, name: str = "copy.duckdb"):
    """The path of a private copy of the analysed workspace, for a test that edits or downgrades it."""
    analysed.cursor().execute("CHECKPOINT")
    path = tmp_path / name
    shutil.copy(analysed.path, path)
    return path


@pytest.fixture
def workspace_copy(tmp_path, analysed):
    store = Store(copied(analysed, tmp_path))
    yield store
    store.close()


def same(a, b, name: str = "") -> bool:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, obj=name)
        return True
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], name) for k in a)
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b and type(a) in (type(b), int, float) or (pd.isna(a) and pd.isna(b))


def test_every_default_view_is_stored_and_reads_back_equal(analysed):
    version = analysed.data_version()
    calls = views.default_calls(analysed)
    names = {name for name, _ in calls}
    # the pages' unfiltered views, search ones included (the demo has searches)
    assert {"overview", "theme_table", "backlog", "requests", "drivers", "emerging", "top_queries", "intent_table",
            "theme_snippets", "quotes", "facet_theme_matrix", "export_reviews"} <= names
    for name, args in calls:
        got = views.stored(analysed, name, version, args)
        assert got is not views.MISSING, name
        assert same(views.compute(analysed, name, *args), got, f"{name}{args}"), (name, args)


def test_a_filtered_call_or_another_version_is_not_served(analysed):
    version = analysed.data_version()
    assert views.stored(analysed, "overview", version, (Filters(langs=("zh",)),)) is views.MISSING
    assert views.stored(analysed, "overview", version + 1, (Filters(),)) is views.MISSING
    assert views.stored(analysed, "overview", version, (Filters(),)) is not views.MISSING


def test_an_edit_makes_stored_views_stale_and_a_late_write_is_discarded(workspace_copy):
    store = workspace_copy
    version = store.data_version()
    themes = store.theme_table()
    store.edit_theme(int(themes.dataset_id[0]), int(themes.theme_id[0]), label="Renamed by the PM")
    # the edit bumped the version: nothing stored is served, and pages compute the renamed label
    assert views.stored(store, "theme_table", store.data_version(), (Filters(),)) is views.MISSING
    assert "Renamed by the PM" in set(views.cached(store, "theme_table", Filters())["label"])
    # views computed before the edit are not written after it
    assert not store.put_views([("k", version, "json", b"1")], version)
    views.materialize(store)
    fresh = views.stored(store, "theme_table", store.data_version(), (Filters(),))
    assert "Renamed by the PM" in set(fresh["label"])


def test_views_of_an_earlier_format_or_version_are_stale(workspace_copy, tmp_path, monkeypatch):
    # an upgrade bumps views.FORMAT and ignores every stored view: the app stores them again (pages/ui.py) instead of
    # aggregating on every first visit until the next analysis (1.1-1.75 s a page on the 1M-review workspace)
    store = workspace_copy
    assert not views.stale(store)
    monkeypatch.setattr(views, "FORMAT", views.FORMAT + 1)
    assert views.stale(store)
    views.materialize(store)
    assert not views.stale(store)
    store.cursor().execute("UPDATE views SET data_version = data_version - 1")  # a commit that stored none again
    assert views.stale(store)
    # request names stored by other naming code (an upgrade that changed core/needs.py): stored again
    store.cursor().execute("UPDATE request_names SET version = 'older'")
    assert views.stale(store)
    views.materialize(store)
    assert not views.stale(store)
    store.cursor().execute("DELETE FROM views")
    assert not views.stale(store)  # never stored: nothing asked for them
    views.materialize(store)
    store.cursor().execute("UPDATE views SET data_version = data_version - 1")
    read_only = Store(copied(store, tmp_path, "ro.duckdb"), read_only=True)
    try:
        assert views.stale(store) and not views.stale(read_only)  # a reader cannot store them
    finally:
        read_only.close()


def test_stored_views_are_data_not_code():
    kind, payload = views.encode({"first_date": pd.Timestamp("2026-01-02"), "n": 3, "share": float("nan"),
                                  "nested": {"positive": 1}, "none": None})
    assert kind == "json" and b"pickle" not in payload
    back = views.decode(kind, payload)
    assert back["first_date"] == pd.Timestamp("2026-01-02") and back["n"] == 3 and math.isnan(back["share"])
    assert back["nested"] == {"positive": 1} and back["none"] is None
    with pytest.raises(TypeError):
        views.encode({"object": object()})
    with pytest.raises(ValueError):
        views.decode("pickle", b"\x80\x04")


def test_facts_table_gives_the_join_s_aggregates_and_follows_edits(workspace_copy, monkeypatch):
    # Filtered aggregates read the snippet_facts table the writer rebuilds after each commit; until it is rebuilt
    # they join the tables. Both must give the same results, and an edit (new data version) must never read old facts.
    store = workspace_copy
    zh = Filters(langs=("zh",))
    calls = [("theme_table", (zh,)), ("need_type_table", (zh,)), ("quotes", ("negative", zh)),
             ("quotes", ("positive", Filters())), ("facet_theme_matrix", ("product", zh)), ("drivers", (zh,)),
             ("backlog", (zh,)), ("requests", (zh,)), ("emerging", (zh, 21)), ("theme_table", (Filters(),)),
             ("theme_table", (Filters(langs=("xx",)),)), ("drivers", (Filters(rating_min=4.5),))]
    first = store.theme_table(zh).iloc[0]  # evidence reads hidden themes too
    calls.append(("theme_snippets", (int(first.dataset_id), int(first.theme_id), zh, None, None)))
    assert store.facts_current()  # materialize rebuilt them

    def same_either_way():
        assert store.flag_groups(zh) is not None  # distinct counts and drivers come from the review flags
        from_table = [views.compute(store, name, *args) for name, args in calls]
        with monkeypatch.context() as patch:
            patch.setattr(Store, "facts_current", lambda self: False)
            assert store.flag_groups(zh) is None
            joined = [views.compute(store, name, *args) for name, args in calls]
        for (name, _), a, b in zip(calls, joined, from_table):
            pd.testing.assert_frame_equal(a, b, obj=name)

    same_either_way()
    # merges (two raw flags of one review become one effective theme) and a hidden theme, after a rebuild
    zh_themes = store.theme_table(zh)
    dataset, ids = int(zh_themes.dataset_id[0]), [int(t) for t in zh_themes.theme_id[:4]]
    assert len(ids) == 4 and (zh_themes.dataset_id[:4] == dataset).all()
    store.edit_theme(dataset, ids[1], merged_into=ids[0])
    store.edit_theme(dataset, ids[2], merged_into=ids[0])
    store.edit_theme(dataset, ids[3], hidden=True)
    assert store.refresh_facts()
    same_either_way()

    themes = store.theme_table(zh)
    store.edit_theme(int(themes.dataset_id[0]), int(themes.theme_id[0]), label="Renamed after the rebuild")
    assert not store.facts_current()  # the edit moved the data version on: the join serves
    assert "Renamed after the rebuild" in set(store.theme_table(zh)["label"])
    assert store.refresh_facts() and store.facts_current() and not store.refresh_facts()
    assert "Renamed after the rebuild" in set(store.theme_table(zh)["label"])  # labels join at query time
    dataset = int(themes.dataset_id[0])
    store.delete_dataset(dataset)  # deleted rows leave the facts in the same transaction
    assert not store.scalar("SELECT count(*) FROM snippet_facts WHERE dataset_id = ?", [dataset])


def test_an_upgraded_workspace_rebuilds_its_review_flags_on_open(tmp_path, analysed):
    # A schema-9 workspace (facts current, no review flags) opened by this version: migrated, and its derived facts
    # rebuilt at once, so a filtered page reads the flags without waiting for the next commit.
    import duckdb

    path = copied(analysed, tmp_path, "v9.duckdb")
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE review_flags")
    con.execute("ALTER TABLE reviews DROP COLUMN document_score")  # schema 11's columns
    con.execute("ALTER TABLE reviews DROP COLUMN document_weight")
    con.execute("ALTER TABLE themes DROP COLUMN model")  # schema 12's
    for column in ("result", "title_match", "served", "need_type"):  # schema 13's
        con.execute(f"ALTER TABLE searches DROP COLUMN {column}")
    con.execute("DROP TABLE request_names")  # schema 14's
    con.execute("DROP TABLE theme_counts")  # schema 15's
    con.execute("ALTER TABLE themes DROP COLUMN stability")
    con.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    con.close()
    old = Store(path, read_only=True)  # read-only: no migration, the plain facts join serves
    assert old.schema_version() == 9 and old.flag_groups(Filters(langs=("zh",))) is None
    expected = old.theme_table(Filters(langs=("zh",)))
    assert expected["stability"].isna().all() and old.theme_counts().empty  # schema 15's, not there yet
    from core.needs import NAMES_VERSION

    assert old.request_snippets(None, NAMES_VERSION)["named"].isna().all()  # no stored names to read before 14
    old.close()
    store = Store(path)
    try:
        assert store.schema_version() == SCHEMA_VERSION and store.facts_current()
        assert store.scalar("SELECT count(*) FROM review_flags") > 0
        assert store.flag_groups(Filters(langs=("zh",))) is not None
        pd.testing.assert_frame_equal(store.theme_table(Filters(langs=("zh",))), expected)  # (stability: NULL till a run)
    finally:
        store.close()


def test_praise_and_complaint_quotes_leave_out_feature_requests(workspace_copy):
    store = workspace_copy
    for polarity in ("positive", "negative"):
        before = store.quotes(polarity)
        first = before.iloc[0]
        # the top quote (every snippet with its text, in the templated demo) turns out to be a wish: other
        # snippets fill the list instead
        store.cursor().execute("UPDATE snippets SET is_request = TRUE WHERE text = ?", [first["quote"]])
        after = store.quotes(polarity)
        assert first["quote"] not in set(after["quote"]) and len(after) == len(before)
        assert (after["score"] > 0).all() if polarity == "positive" else (after["score"] < 0).all()


def test_quotes_pass_over_a_bare_verdict_when_their_theme_has_one_that_says_more(workspace_copy):
    # as the backlog and the report choose theirs: "就是京东" or "highly recommend!" said nothing of their theme
    store = workspace_copy
    first = store.quotes("negative").iloc[0]
    # the demo repeats its wordings, tied in rank and taken in snippet order: the first copy becomes a bare verdict
    store.cursor().execute("UPDATE snippets SET text = 'Terrible.' WHERE snippet_id = (SELECT min(snippet_id) FROM "
                           "snippets WHERE text = ?)", [first["quote"]])
    theirs = store.quotes("negative").query("theme == @first.theme")
    assert len(theirs) and "Terrible." not in set(theirs["quote"])


def test_top_complaints_and_praise_quote_the_busiest_themes_first(workspace_copy):
    from core.themes import is_general_opinion

    store = workspace_copy
    for polarity in ("negative", "positive"):
        quotes = store.quotes(polarity)
        facts, params = store._snippet_facts(None)  # the rows every aggregate reads
        counts = store.query_df(f"{facts} SELECT label AS theme, count(*) AS n FROM facts WHERE sentiment = ? GROUP BY 1",
                                params + [polarity]).set_index("theme")["n"]
        first = quotes.drop_duplicates("theme", keep="first")
        first = first[~first["theme"].map(is_general_opinion)]
        # one quote per theme, the themes with the most mentions of this polarity first (not the most extreme
        # scores, which on the demo were all 2-6 character Chinese snippets from small themes)
        assert len(first) >= 4 and quotes["theme"].is_unique
        assert counts[first["theme"]].is_monotonic_decreasing, counts[first["theme"]]
        assert (quotes["score"] < 0).all() if polarity == "negative" else (quotes["score"] > 0).all()
