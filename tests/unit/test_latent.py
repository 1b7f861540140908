"""Latent-needs recipes over a real (fake-model) workspace: need types, taxonomy edits, requests, backlog, CLI."""
import json

import pandas as pd
import pytest

from helpers import ROOT
from core.__main__ import main
from core.latent import backlog, drivers, emerging_issues, feature_requests, reapply_taxonomy
from core.needs import taxonomy_frame
from core.store import Store


@pytest.fixture
def analysed(demo_reviews_db):
    return Store(demo_reviews_db)


def test_every_snippet_gets_a_need_type_and_requests_are_flagged(analysed):
    types = analysed.need_type_table()  # over themed snippets, like every aggregate
    assert types["snippets"].sum() == analysed.scalar("SELECT count(*) FROM snippets WHERE theme_id IS NOT NULL")
    assert analysed.scalar("SELECT count(*) FROM snippets WHERE need_type IS NULL") == 0
    requests = analysed.request_snippets()
    asks = "wish|希望|建议|要是|would be great|needs a|should come|add|i'd love"
    assert len(requests) > 100 and requests["text"].str.contains(asks, case=False).all()


def test_taxonomy_edit_is_stored_and_reapplied_without_reembedding(analysed, settings, fake_models):
    frame = taxonomy_frame()
    frame.loc[len(frame)] = ["gift-giving", "gift for my partner, present, birthday gift", "礼物 送人", ""]
    misses_before = analysed.scalar("SELECT count(*) FROM embeddings")
    counts = reapply_taxonomy(analysed, settings, frame, fake_models["embedders"])
    assert analysed.taxonomy()["name"].iloc[-1] == "gift-giving"
    assert counts.sum() == analysed.summary()["snippets"]
    # only the taxonomy's phrases were embedded, never the snippets
    from core.needs import need_type_phrases, taxonomy_from_frame

    phrases = {p for t in taxonomy_from_frame(frame) for route in ("en", "zh") for p in need_type_phrases(t, route)}
    assert 0 < analysed.scalar("SELECT count(*) FROM embeddings") - misses_before <= len(phrases)


@pytest.mark.parametrize("route", ["zh", "en"])
def test_a_taxonomy_edit_on_a_workspace_analysed_with_another_model_embeds_its_snippets_once(analysed, settings,
                                                                                               fake_models, route):
    # the default Chinese model changed (zh-char-content -> zh-char-word), or the PM configured another English model:
    # the stored vectors are under the old name, and re-typing found none, so every such snippet became "other"
    from core.embed import HashingEmbedder
    from core.needs import DEFAULT_TAXONOMY, need_type_phrases

    renamed = HashingEmbedder(64)  # the same vectors under another model name
    renamed.name = "a model this workspace was not analysed with"
    before = analysed.query_df("SELECT lang, need_type FROM snippets ORDER BY snippet_id")
    embedders = {**fake_models["embedders"], route: renamed}
    vectors_before = analysed.scalar("SELECT count(*) FROM embeddings")
    reapply_taxonomy(analysed, settings, None, embedders)
    after = analysed.query_df("SELECT lang, need_type FROM snippets ORDER BY snippet_id")
    mine = ((after["lang"] == "zh") == (route == "zh")).to_numpy()
    assert (after["need_type"][mine] != "other").sum() > 100  # typed, not all "other"
    assert after["need_type"].tolist() == before["need_type"].tolist()  # the same vectors: the same types
    added = analysed.scalar("SELECT count(*) FROM embeddings") - vectors_before
    distinct = analysed.scalar(f"SELECT count(DISTINCT text_hash) FROM snippets WHERE (lang = 'zh') = {route == 'zh'}")
    phrases = {p for t in DEFAULT_TAXONOMY for p in need_type_phrases(t, route)}
    assert distinct < added <= distinct + len(phrases)  # each snippet of the route once, and the taxonomy's phrases


def test_a_chinese_word_added_to_a_type_retypes_the_snippets_holding_it(analysed, settings, fake_models):
    # the PM adds 甲醛 (formaldehyde) to quality's Chinese words: a Chinese snippet holding it is typed quality from
    # its words, on re-applying, with no snippet embedded again
    with analysed.cursor() as cur:
        cur.execute("UPDATE snippets SET text = '有一股甲醛味' WHERE snippet_id = (SELECT min(snippet_id) FROM snippets "
                    "WHERE lang = 'zh')")
    frame = taxonomy_frame()
    quality = frame.index[frame["name"] == "quality/durability"][0]
    frame.loc[quality, "description_zh"] += " 甲醛"
    reapply_taxonomy(analysed, settings, frame, fake_models["embedders"])
    assert analysed.scalar("SELECT need_type FROM snippets WHERE text = '有一股甲醛味'") == "quality/durability"


def test_feature_requests_are_grouped_with_counts(analysed):
    requests = feature_requests(analysed)
    assert requests["requests"].sum() == len(analysed.request_snippets())
    assert requests["requests"].is_monotonic_decreasing
    assert any("usb-c" in f or "carrying case" in f or "容量" in f for f in requests["feature"])


def test_request_snippets_carry_their_theme_as_the_pm_renamed_it(analysed):
    requests = analysed.request_snippets()
    themed = requests.dropna(subset=["theme"])
    assert len(themed) > 0.5 * len(requests)
    row = analysed.query_df("SELECT dataset_id, theme_id FROM snippets WHERE snippet_id = ? AND dataset_id = ?",
                            [int(themed["snippet_id"].iloc[0]), int(themed["dataset_id"].iloc[0])]).iloc[0]
    analysed.edit_theme(int(row.dataset_id), int(row.theme_id), label="renamed by the PM")
    again = analysed.request_snippets().set_index(["dataset_id", "snippet_id"])
    key = (int(themed["dataset_id"].iloc[0]), int(themed["snippet_id"].iloc[0]))
    assert again.loc[key, "theme"] == "renamed by the PM"


def test_request_snippets_carry_the_themes_said_next_to_them(analysed):
    # theme_before / theme_before2 / theme_after: the effective themes of the snippets one and two before a request
    # in its review and one after, as the PM named them (a hidden theme is none)
    requests = analysed.request_snippets().set_index(["dataset_id", "snippet_id"])
    every = analysed.query_df("""SELECT sn.dataset_id, sn.review_id, sn.position, sn.snippet_id, sn.theme_id,
                                        t.label FROM snippets sn LEFT JOIN themes t USING (dataset_id, theme_id)""")
    at = every.set_index(["dataset_id", "review_id", "position"])["label"]
    checked = 0
    for (dataset_id, snippet_id), row in requests.iterrows():
        own = every[(every.dataset_id == dataset_id) & (every.snippet_id == snippet_id)].iloc[0]
        for column, offset in (("theme_before", -1), ("theme_before2", -2), ("theme_after", 1)):
            expected = at.get((dataset_id, own.review_id, own.position + offset))
            assert (row[column] if isinstance(row[column], str) else None) == (
                expected if isinstance(expected, str) else None)
            checked += isinstance(expected, str)
    assert checked > 50
    first = requests.dropna(subset=["theme_before"]).iloc[0]
    dataset_id, theme_id = analysed.query_df("SELECT dataset_id, theme_id FROM themes WHERE label = ?",
                                             [first["theme_before"]]).iloc[0]
    analysed.edit_theme(int(dataset_id), int(theme_id), label="renamed by the PM")
    assert (analysed.request_snippets()["theme_before"] == "renamed by the PM").sum() >= 1
    analysed.edit_theme(int(dataset_id), int(theme_id), hidden=True)
    assert (analysed.request_snippets()["theme_before"] == "renamed by the PM").sum() == 0


def test_backlog_has_the_contract_columns_and_ranks_by_opportunity(analysed):
    ranked = backlog(analysed)
    for column in ("need", "need_type", "volume", "negative_share", "rating_impact", "trend", "opportunity", "example"):
        assert column in ranked.columns
    assert ranked["opportunity"].is_monotonic_decreasing and len(ranked) >= 5
    # stars as a number a spreadsheet sorts, not "-1.08 stars" text (which a CSV wrote as "'-1.08 stars")
    assert ranked["rating_impact"].dtype.kind == "f" and ranked["rating_impact"].notna().any()
    assert ranked["stable"].between(0, 1).all()  # how well each need's mentions stay together, as its theme's


def test_backlog_leaves_out_themes_nobody_complains_about(analysed):
    from core import insights

    themes = analysed.theme_table()
    quiet = themes[(themes["snippets"] * themes["negative_share"]).round() < insights.MIN_COMPLAINTS]
    assert len(quiet)  # the demo's context sentences ("Ordered during the sale.") form themes of their own
    ranked = backlog(analysed)
    assert not set(quiet["label"]) & set(ranked["need"])
    assert (ranked["negative_share"] * ranked["volume"] > 0).all()


def test_backlog_example_is_a_typical_complaint_not_a_stray(analysed):
    negatives = analysed.query_df("""SELECT sn.theme_id, sn.snippet_id, sn.text, sn.theme_similarity
                                     FROM snippets sn JOIN sentiment se USING (dataset_id, snippet_id)
                                     WHERE se.label = 'negative' AND sn.theme_id >= 0""")
    sizes = negatives.groupby("theme_id").theme_similarity.agg(["count", "min", "max"])
    theme = sizes[(sizes["count"] >= 5) & (sizes["min"] < 0.8 * sizes["max"])].index[0]
    rows = negatives[negatives.theme_id == theme].sort_values("theme_similarity")
    stray, typical = rows.iloc[0], rows.iloc[-1]
    # the stray, far from the theme's centre, is the most negative snippet; the typical one is clearly negative too
    for snippet_id, score in ((stray.snippet_id, -1.0), (typical.snippet_id, -0.9)):
        for table in ("sentiment", "snippet_facts"):
            analysed.cursor().execute(f"UPDATE {table} SET score = ? WHERE snippet_id = ?", [score, int(snippet_id)])
    evidence = analysed.negative_evidence().set_index("theme_id")
    assert evidence.loc[theme, "example"] == typical.text != stray.text


def test_backlog_example_says_what_is_wrong(analysed):
    # 3,000 hotel reviews: the room theme was quoted as "房间一般", the breakfast theme as "但早餐也一般"; restaurant
    # reviews: "This was the worst dining experience I've ever had." for "restaurant / dinner / waiter"
    from core.themes import MERELY_MEDIOCRE, telling_example, telling_examples

    negatives = analysed.query_df("""SELECT sn.theme_id, sn.snippet_id, sn.text, sn.theme_similarity
                                     FROM snippets sn JOIN sentiment se USING (dataset_id, snippet_id)
                                     WHERE se.label = 'negative' AND sn.theme_id >= 0 ORDER BY theme_similarity DESC""")
    theme = negatives.theme_id.value_counts().index[0]
    first = negatives[negatives.theme_id == theme].iloc[0]
    cur = analysed.cursor()
    for table in ("sentiment", "snippet_facts"):
        cur.execute(f"UPDATE {table} SET score = -0.999 WHERE snippet_id = ?", [int(first.snippet_id)])
    cur.execute("UPDATE snippets SET text = 'We were very disappointed.' WHERE snippet_id = ?", [int(first.snippet_id)])
    evidence = analysed.negative_evidence().set_index("theme_id")
    assert evidence.loc[theme, "example"] == "We were very disappointed."  # the most typical, clearly negative
    label = analysed.theme_table().set_index("theme_id").loc[theme, "label"]
    assert backlog(analysed).set_index("need").loc[label, "example"] not in ("We were very disappointed.", "")

    assert telling_example(["房间一般", "但是服务!", "房间没窗户没空调"], "房间 / 窗户", [], "zh") == "房间没窗户没空调"
    assert telling_example(["This was the worst dining experience I've ever had.", "The waiter forgot our order."],
                           "restaurant / dinner / waiter", [], "en") == "The waiter forgot our order."
    assert telling_example(["I wanted to love this top so badly.", "For my body type, this top looked ridiculous!"],
                           "tops / looks / fitted", [], "en") == "For my body type, this top looked ridiculous!"
    assert telling_example(["服务一般"], "服务", [], "zh") == "服务一般"  # nothing better: the first
    # the label's own noun and no more says little; its keywords are what is said about it ("屏幕模糊")
    assert telling_examples(["我的手机", "这个酒店", "手机屏幕碎了"], "手机 / 酒店", ["翻新"], "zh", 2) == \
        ["手机屏幕碎了", "我的手机"]
    assert telling_example(["屏幕模糊", "屏幕连张屏幕纸都没有!"], "屏幕", ["模糊"], "zh") == "屏幕模糊"
    # nor the noun and a bare verdict ("做工不好" for "做工 / 精细 / 细致" on phone reviews); that still beats "一般"
    assert telling_example(["做工不好", "音质也不好", "做工粗糙"], "做工 / 音质", [], "zh") == "做工粗糙"
    assert telling_example(["使用体验一般。", "使用体验很差。"], "使用 / 体验", [], "zh") == "使用体验很差。"
    assert telling_example(["但是这段故事", "内容瞎编乱造"], "作者 / 故事 / 一本", [], "zh") == "内容瞎编乱造"  # a book theme's
    # praise that sets up a complaint, alone in its clause (clothing's "embroidery / quality / design" was quoted so)
    assert telling_example(["I loved the actual design on the fabric.", "Great print, terrible quality."],
                           "embroidery / quality / design", [], "en") == "Great print, terrible quality."
    assert telling_example(["I loved the design.", "I loved the design but the embroidery came undone."], "design", [],
                           "en") == "I loved the design but the embroidery came undone."  # says what went wrong
    assert all(MERELY_MEDIOCRE.search(t) for t in ("房间一般", "但是服务一般!", "服务比较一般。", "早餐一般般", "但是效果一般也"))
    assert not any(MERELY_MEDIOCRE.search(t) for t in ("就是环境不太卫生。", "一般用来办公", "比一般的好", "房间没窗户没空调"))


def test_with_complaints_counts_negative_mentions():
    from core.insights import with_complaints

    themes = pd.DataFrame({"label": ["sale", "sizing", "rare"], "snippets": [353, 150, 40],
                           "negative_share": [0.0, 0.45, 0.05]})
    assert with_complaints(themes)["label"].tolist() == ["sizing"]  # 40 x 5% = 2 complaints: not yet
    assert with_complaints(themes, minimum=2)["label"].tolist() == ["sizing", "rare"]
    assert with_complaints(themes.iloc[:0]).empty


def test_heatmap_shows_themes_customers_complain_about():
    from core.insights import heatmap_themes

    rows = [(product, theme, 50, share) for product in ("A", "B")
            for theme, share in (("partner", 0.0), ("sizing", 0.3), ("battery", 0.2), ("General praise (love / great)", 0.1),
                                 ("fabric", 0.04), ("zipper", 0.05))]
    matrix = pd.DataFrame(rows, columns=["value", "theme", "snippets", "negative_share"])
    # partner: no complaint; general praise names no need; fabric: 2 x 50 x 4% = 4 complaints, kept
    assert set(heatmap_themes(matrix)["theme"]) == {"sizing", "battery", "fabric", "zipper"}
    matrix.loc[matrix["theme"] == "zipper", "snippets"] = 80  # the busiest need first
    assert set(heatmap_themes(matrix, top=2)["theme"]) == {"zipper", "sizing"}
    happy = matrix.assign(negative_share=0.0)  # nothing to fix anywhere: the busiest themes, not an empty chart
    assert set(heatmap_themes(happy)["theme"]) == set(matrix["theme"])
    assert heatmap_themes(matrix.iloc[:0]).empty


def test_rising_queries_are_significant_rises_in_daily_searches():
    from core.charts import query_bars
    from core.insights import rising_queries

    # 28 recent days and 242 earlier ones: a query searched evenly has about 10% of its searches in the window
    rows = {"earbuds": (60, 200), "serum": (16, 120), "dress": (15, 150), "typo": (2, 4), "brand new": (60, 60),
            "falling": (5, 180)}
    top = pd.DataFrame([(q, total, recent / 28, (total - recent) / 242) for q, (recent, total) in rows.items()],
                       columns=["query", "searches", "recent_per_day", "earlier_per_day"])
    rising = rising_queries(top)
    # earbuds: 60 of 200 in the window (+270%); serum's +46% (16 of 120) is within chance; flat, rare (4 searches),
    # new (no earlier rate) and falling queries are never "rising"
    assert rising["query"].tolist() == ["earbuds"] and rising["p_value"].iloc[0] < 1e-6
    assert rising["growth"].iloc[0] == pytest.approx((60 / 28) / (140 / 242) - 1)
    assert set(rising_queries(top, alpha=1.0)["query"]) == {"earbuds", "serum"}  # alpha 1: any rise (dress: 10% flat)
    quiet = top[top["query"] != "earbuds"]
    assert rising_queries(quiet).empty and list(rising_queries(quiet).columns)[-2:] == ["growth", "p_value"]
    chart = query_bars(rising, "Rising queries", "growth", axis_title="Change in searches per day",
                       axis_format="+.0%").to_dict()
    assert chart["encoding"]["x"]["title"] == "Change in searches per day"
    assert chart["encoding"]["x"]["axis"]["format"] == "+.0%"


def test_the_demo_s_planted_search_rise_is_found_and_nothing_else(settings, fake_models):
    from core.ingest import SEARCHES
    from core.insights import rising_queries
    from core.pipeline import Pipeline, Source

    store = Store(settings.db_path)
    Pipeline(settings, store, **fake_models).run(
        Source("demo_searches.csv", SEARCHES, path=ROOT / "data" / "demo_searches.csv"))
    rising = rising_queries(store.top_queries(None, 40))
    planted = {"usb c power bank", "fast charging power bank usb-c", "power bank type c"}  # make_demo.RISING
    assert set(rising["query"]) == planted, rising[["query", "growth", "p_value"]]


def test_product_heatmap_on_the_demo_has_a_complaint_in_every_column(analysed):
    from core import insights

    matrix = analysed.facet_theme_matrix("product")
    negatives = (matrix["snippets"] * matrix["negative_share"]).groupby(matrix["theme"]).sum().round()
    assert len(negatives) >= 3 and (negatives >= insights.MIN_COMPLAINTS).all()
    themes = analysed.theme_table()
    quiet = set(themes[(themes["snippets"] * themes["negative_share"]).round() == 0]["label"])
    assert quiet and not quiet & set(matrix["theme"])  # "partner", "sale": context sentences, no red to show


def test_backlog_leaves_out_general_opinion_themes(analysed, tmp_path):
    import shutil

    from core import insights
    from core.store import Store

    analysed.cursor().execute("CHECKPOINT")
    shutil.copy(analysed.path, tmp_path / "copy.duckdb")
    store = Store(tmp_path / "copy.duckdb")
    try:
        first = backlog(store).iloc[0]["need"]
        themes = store.theme_table()
        row = themes[themes["label"] == first].iloc[0]
        # the label theme_label gives a theme of verdicts; a PM's own name makes it a need again
        store.edit_theme(int(row.dataset_id), int(row.theme_id), label="General praise (lovely / gorgeous)")
        assert "General praise (lovely / gorgeous)" not in set(backlog(store)["need"])
        # nor among the Overview's and the report's top opportunities
        assert "General praise (lovely / gorgeous)" not in set(insights.opportunities(store.theme_table(), 50)["label"])
        store.edit_theme(int(row.dataset_id), int(row.theme_id), label="Praise for the finish")
        assert "Praise for the finish" in set(backlog(store)["need"])
        assert "Praise for the finish" in set(insights.opportunities(store.theme_table(), 50)["label"])
    finally:
        store.close()


def test_drivers_and_emerging_issues_run_on_the_demo(analysed):
    assert not drivers(analysed).empty
    assert {"theme", "emerging", "p_value"} <= set(emerging_issues(analysed).columns)


def test_the_demos_planted_rise_in_usb_c_asks_is_the_one_rising_request(analysed):
    # data/make_demo.py dates half the reviews asking for a USB-C port in the last 3 weeks; every other ask is steady
    from core.filters import Filters
    from core.latent import rising_requests

    found = rising_requests(analysed, None, 21)
    assert found.loc[found["emerging"], "feature"].tolist() == ["usb-c port"]
    usb = found.iloc[0]
    assert usb["recent"] >= 10 and usb["recent_share"] > 3 * usb["earlier_share"]
    tab = feature_requests(analysed).set_index("feature")  # the Feature requests tab counts the same reviews
    assert tab.loc["usb-c port", "requests"] == usb["requests"]
    from core.latent import rising_requests_over_time  # its evidence week by week: the last weeks stand out
    weekly = rising_requests_over_time(analysed, None, 21)
    assert set(weekly["theme"]) == {"usb-c port"}
    weekly = weekly.sort_values("period")
    assert weekly["share"].tail(3).mean() > 3 * weekly["share"].head(-3).mean()
    assert weekly["complaints"].sum() == usb["requests"]  # the reviews asking, each once
    calls = []  # the tab's table and chart read one scan; another data version scans again
    real = analysed.request_days
    analysed.request_days = lambda *a, **k: calls.append(a) or real(*a, **k)
    rising_requests(analysed, None, 21), rising_requests_over_time(analysed, None, 21)
    assert calls == []  # scanned above, at this data version
    rising_requests(analysed, Filters(langs=("en",)), 21), rising_requests_over_time(analysed, Filters(langs=("en",)))
    assert len(calls) == 1
    # the Feature requests tab: its Trend column counts the snippets the table read, the same as a scan of its own
    from core import latent
    zh = Filters(langs=("zh",))
    feature_requests(analysed, zh)
    counted = rising_requests(analysed, zh, 21)
    assert len(calls) == 1 and len(counted) >= 5
    latent._MENTIONS.clear()
    pd.testing.assert_frame_equal(rising_requests(analysed, zh, 21), counted)
    assert len(calls) == 2
    newest = analysed.last_date(None)  # the weeks before the rise: nothing rising
    before = Filters(date_to=(newest - pd.Timedelta(days=30)).date())
    assert not rising_requests(analysed, before, 21)["emerging"].any()


def test_what_moved_the_average_rating_splits_the_windows_change_into_parts(analysed):
    # the recent window and the days before it hold every rated dated review once, and the parts add up to the
    # change between their averages
    from core.charts import rating_change_bars
    from core.latent import rating_change

    parts = rating_change(analysed, None, 30)
    first = parts.iloc[0]
    assert first["n_before"] + first["n_recent"] == analysed.scalar(
        "SELECT count(*) FROM reviews WHERE rating IS NOT NULL AND date IS NOT NULL")
    assert parts["part"].sum() == pytest.approx(first["change"])
    assert first["ci_low"] < first["change"] < first["ci_high"]
    assert "What moved the average rating" in str(rating_change_bars(parts, 30).to_dict()["title"])
    from core.privacy import suppress  # privacy mode hides a theme fewer than k reviews mention, and the sums
    k = int(parts["reviews"].iloc[0]) + 1
    hidden = suppress(parts, k)
    assert parts["theme"].iloc[0] not in set(hidden["theme"]) and hidden["theme"].iloc[-1] == parts["theme"].iloc[-1]
    newest = analysed.last_date(None)
    from core.filters import Filters
    assert rating_change(analysed, Filters(date_from=(newest - pd.Timedelta(days=5)).date()), 30).empty  # no "before"


def test_the_overviews_rating_alert_reads_every_rated_review_of_the_same_windows(analysed):
    # one scan of the reviews gives the rating change the Rating drivers tab computes from the drivers' moments
    # (the demo: every review has a theme); the demo's packaging spike costs stars in its last 3 weeks
    from core.filters import Filters
    from core.latent import rating_change, rating_shift

    reviews = analysed.query_df("SELECT CAST(date AS DATE) AS day, rating FROM reviews WHERE rating IS NOT NULL")
    recent = reviews["day"] > reviews["day"].max() - pd.Timedelta(days=21)
    moments = analysed.rating_moments(None, 21)
    assert (moments["recent"]["n"], moments["before"]["n"]) == (int(recent.sum()), int((~recent).sum()))
    assert moments["recent"]["sum_y"] == pytest.approx(reviews.loc[recent, "rating"].sum())
    shift, head = rating_shift(analysed, None, 21), rating_change(analysed, None, 21).iloc[0]
    for name in ("before_avg", "recent_avg", "change", "ci_low", "ci_high", "n_before", "n_recent"):
        assert shift[name] == pytest.approx(head[name]), name
    assert shift["significant"] and shift["change"] < -0.15
    newest = analysed.last_date(None)
    assert rating_shift(analysed, Filters(date_from=(newest - pd.Timedelta(days=5)).date()), 21) == {}  # no "before"


def test_the_product_losing_stars_on_the_demo_is_the_one_its_packaging_spike_hits_hardest(analysed):
    # data/make_demo.py dates half the reviews that open on a shipping complaint in the last 3 weeks; CalmSkin
    # moisturiser's reviews there complain of it most, and its rating falls beyond chance; no other product's does
    from core.filters import Filters
    from core.latent import rating_falls

    reviews = analysed.query_df("SELECT product, CAST(date AS DATE) AS day, rating FROM reviews")
    recent = reviews["day"] > reviews["day"].max() - pd.Timedelta(days=21)
    moments = analysed.facet_rating_moments("product", None, 21).set_index(["value", "recent"])
    counted = reviews.groupby(["product", recent.rename("recent")])["rating"].agg(["size", "sum"])
    assert moments["n"].to_dict() == counted["size"].to_dict()
    assert moments["sum_y"].to_dict() == pytest.approx(counted["sum"].astype(float).to_dict())
    found = rating_falls(analysed, None, "product", 21)
    assert found.loc[found["falling"], "value"].tolist() == ["CalmSkin moisturiser"]
    calm = found.iloc[0]
    assert calm["change"] < -0.5 and calm["n_recent"] == int(counted.loc[("CalmSkin moisturiser", True), "size"])
    # its evidence: the theme with the most complaints beyond its earlier share, counted as Emerging issues counts
    mentions = analysed.negative_theme_days(Filters(products=("CalmSkin moisturiser",)))
    in_window = mentions[mentions["date"] > analysed.last_date(None) - pd.Timedelta(days=21)]
    assert calm["theme"] in set(in_window["theme"])
    assert calm["theme_recent"] == in_window.loc[in_window["theme"] == calm["theme"], "n"].sum()
    assert calm["complaints_recent"] == in_window["n"].sum() and not found.iloc[1:]["theme"].any()
    assert rating_falls(analysed, None, "category", 21).query("falling")["value"].tolist() == ["Beauty"]
    newest = analysed.last_date(None)  # the weeks before the spike: no product loses stars
    assert not rating_falls(analysed, Filters(date_to=(newest - pd.Timedelta(days=30)).date()), "product", 21)[
        "falling"].any()
    assert rating_falls(analysed, Filters(date_from=(newest - pd.Timedelta(days=5)).date())).empty  # no "before"


def test_emerging_issues_count_the_window_back_from_the_newest_review(analysed, monkeypatch):
    from core.filters import Filters

    newest = analysed.last_date(None)
    earlier = Filters(langs=("zh",), date_to=(newest - pd.Timedelta(days=40)).date())
    for filters in (None, earlier):
        assert analysed.last_date(filters) == pd.Timestamp(analysed.overview(filters)["last_date"]).normalize()
        assert analysed.overview(filters)["themes"] == len(analysed.theme_table(filters))  # counted without it
    assert analysed.last_date(earlier) <= newest - pd.Timedelta(days=40)
    seen = {}
    real = __import__("core.latent", fromlist=["emerging"]).emerging

    def spy(mentions, window_days, **kwargs):
        seen.update(kwargs)
        return real(mentions, window_days, **kwargs)

    monkeypatch.setattr("core.latent.emerging", spy)
    emerging_issues(analysed, None, 21)
    assert seen["as_of"] == analysed.last_date(None)


def test_cli_exports_backlog_requests_and_report(analysed, settings, tmp_path, capsys):
    analysed.close()
    db = str(settings.db_path)
    assert main(["export", "--db", db, "--what", "backlog", "--out", str(tmp_path / "b.csv")]) == 0
    assert main(["export", "--db", db, "--what", "backlog", "--out", str(tmp_path / "b.md")]) == 0
    assert main(["export", "--db", db, "--what", "requests", "--out", str(tmp_path / "r.xlsx")]) == 0
    assert main(["export", "--db", db, "--what", "report", "--out", str(tmp_path / "report.html")]) == 0
    assert main(["export", "--db", db, "--what", "reviews", "--out", str(tmp_path / "reviews.csv")]) == 0
    assert main(["export", "--db", db, "--what", "rating-change", "--window", "30", "--out", str(tmp_path / "c.csv")]) == 0
    moved = pd.read_csv(tmp_path / "c.csv")
    assert moved["part"].sum() == pytest.approx(moved["change"].iloc[0]) and {"before_avg", "recent_avg"} <= set(moved)
    table = pd.read_csv(tmp_path / "b.csv")
    assert {"need", "need_type", "volume", "negative_share", "rating_impact", "trend", "opportunity", "example"} <= set(table.columns)
    assert table["rating_impact"].dtype.kind == "f" and (table["rating_impact"].dropna() < 0).any()
    assert (tmp_path / "b.md").read_text().startswith("# Improvement backlog")
    assert "need_type" in pd.read_csv(tmp_path / "reviews.csv").columns
    html = (tmp_path / "report.html").read_text()
    assert "<script" not in html and "NeedLens insight report" in html
    # dated reviews: the report says what is rising, or that nothing is (the app's default window)
    assert "<h2>Emerging issues</h2>" in html and ("rising significantly" in html or "of complaints in the last" in html)
    assert "<h3>What moved the average rating</h3>" in html and "rated reviews" in html
    # what is rising, without the browser: the demo's packaging complaints and its asks for a USB-C port
    for what, name, planted in (("emerging", "theme", "packag|dent|damag|crush"), ("rising-requests", "feature", "usb-c port")):
        assert main(["export", "--db", db, "--what", what, "--out", str(tmp_path / f"{what}.csv")]) == 0
        rising = pd.read_csv(tmp_path / f"{what}.csv")
        assert {name, "recent", "earlier", "p_value", "emerging"} <= set(rising.columns)
        assert rising.loc[rising["emerging"], name].str.contains(planted).any(), what
    assert "<h3>Rising requests</h3>" in html and "usb-c port" in html
    # each product's rating, recent against before, and the one losing stars (the demo's packaging spike)
    for by, flagged in (("product", "CalmSkin moisturiser"), ("category", "Beauty")):
        assert main(["export", "--db", db, "--what", f"{by}-ratings", "--out", str(tmp_path / f"{by}.csv")]) == 0
        ratings = pd.read_csv(tmp_path / f"{by}.csv")
        assert {"value", "before_avg", "recent_avg", "change", "ci_low", "ci_high", "p_value", "falling"} <= set(ratings)
        assert ratings.loc[ratings["falling"], "value"].tolist() == [flagged]
    losing = html[html.index("<h2>Products losing stars</h2>"):]
    losing = losing[:losing.index("<h2>", 5)]
    assert "<li><b>CalmSkin moisturiser</b>: " in losing and "<svg" in losing and "Average rating by product" in losing
    # the same alerts as the Overview's, from the summary: a digest a scheduled job can send (the demo plants all four)
    capsys.readouterr()
    assert main(["summary", "--db", db, "--json"]) == 0
    alerts = json.loads(capsys.readouterr().out)["alerts"]
    assert [a["kind"] for a in alerts] == ["rating", "product", "emerging", "request"]
    assert alerts[1]["subject"] == "CalmSkin moisturiser" and alerts[3]["subject"] == "usb-c port"
    assert all("**" not in a["text"] for a in alerts) and alerts[0]["text"].startswith("Average rating fell")
    rising = html[html.index("<h3>Rising requests</h3>"):]
    rising = rising[:rising.index("<h2>")] if "<h2>" in rising else rising
    assert "<svg" in rising and "Rising requests over time" in rising  # its chart, inline


def test_a_theme_takes_a_need_type_only_when_it_is_not_rare_among_its_snippets(analysed):
    # a theme of book plots, 91% "other", took service/returns from 1.9% of its snippets, and hotel surroundings took
    # missing feature/wish from 6.4% (advice to other guests); under 10% a theme has no type
    import numpy as np
    import pandas as pd

    from core import latent

    snippets = analysed.query_df("SELECT dataset_id, snippet_id, theme_id FROM snippets WHERE theme_id IS NOT NULL")
    labels = analysed.query_df("SELECT theme_id, label FROM themes").set_index("theme_id")["label"]
    needs = set(latent.backlog(analysed)["need"])
    theme = next((t for t in snippets["theme_id"].value_counts().index if labels[t] in needs), None)
    assert theme is not None  # the biggest theme that is a backlog row
    rows = snippets[snippets["theme_id"] == theme].reset_index(drop=True)
    assert len(rows) >= 60

    def typed(share: float):
        analysed.set_need_types(rows.assign(need_type=np.where(rows.index < round(share * len(rows)),
                                                               "service/returns", "other")))
        types = analysed.theme_need_types()
        return types.loc[types["theme_id"] == theme, "need_type"].iloc[0]

    assert typed(0.12) == typed(0.2) == "service/returns"
    assert pd.isna(typed(0.03)) and pd.isna(typed(0.07))  # no type: the backlog shows "other"
    label = analysed.scalar("SELECT label FROM themes WHERE theme_id = ?", [int(theme)])
    ranked = latent.backlog(analysed)  # beside typed themes: not NaN, which the page showed as "None"
    assert ranked.loc[ranked["need"] == label, "need_type"].tolist() == ["other"]
    assert ranked["need_type"].map(lambda t: isinstance(t, str)).all()


def test_served_scores_average_what_the_log_says_and_zero_results_serve_nothing():
    import numpy as np

    from core.insights import served_scores

    count = pd.Series([0, 5, 5, 5, 5, np.nan, np.nan])
    clicked = pd.Series(["Pump", "Pump", "", None, None, None, None], dtype=object)
    relevance = pd.Series([3.0, 3.0, 1.0, 2.0, np.nan, np.nan, np.nan])
    match = pd.Series([0.9, 0.6, np.nan, -0.2, np.nan, np.nan, 0.4])
    served = served_scores(count, clicked, relevance, match).tolist()
    assert served[0] == 0.0  # returned nothing: not served, whatever else the row says
    assert served[1] == pytest.approx((1 + 1 + 0.6) / 3)  # clicked, the top grade, a 0.6 title match
    assert served[2] == 0.0  # not clicked, the lowest grade
    assert served[3] == pytest.approx((0.5 + 0.0) / 2)  # the middle grade; a negative cosine counts as no match
    assert served[4] == 1.0  # results, and nothing else known
    assert np.isnan(served[5])  # nothing known at all
    assert served[6] == pytest.approx(0.4)
    # a relevance column that never varies says nothing
    assert served_scores(pd.Series([5.0, 5.0]), pd.Series([None, None], dtype=object), pd.Series([2.0, 2.0]),
                         pd.Series([np.nan, np.nan])).tolist() == [1.0, 1.0]


def test_said_and_searched_puts_each_need_types_share_of_mentions_beside_its_share_of_searches():
    from core.insights import said_and_searched

    types = pd.DataFrame({"need_type": ["fit/size", "price/value", "other"], "snippets": [10, 30, 60],
                          "negative_share": [0.4, 0.2, 0.0]})
    searched = pd.DataFrame({"need_type": ["fit/size", "appearance"], "share": [0.3, 0.1], "searches": [30, 10],
                             "served": [0.1, 0.5]})
    table = said_and_searched(types, searched).set_index("need_type")
    assert table.index.tolist() == ["fit/size", "appearance", "price/value"]  # most searched first; "other" left out
    assert table.loc["fit/size", "mention_share"] == pytest.approx(0.1)  # of every mention, "other" included
    assert table.loc["fit/size", "searched_vs_said"] == pytest.approx(3.0)
    assert table.loc["price/value", "searches"] == 0 and table.loc["price/value", "search_share"] == 0.0
    assert pd.isna(table.loc["appearance", "searched_vs_said"])  # searched, never said: no ratio to divide by


def test_a_themes_evidence_holds_each_wording_once_with_how_many_say_it(analysed):
    # the demo's "Fast delivery, packaging was solid." filled the first eight rows of its theme's evidence
    theme = analysed.query_df("""SELECT dataset_id, theme_id, count(*) AS n FROM snippets WHERE theme_id >= 0
                                 GROUP BY ALL ORDER BY n DESC LIMIT 1""").iloc[0]
    evidence = analysed.theme_snippets(int(theme.dataset_id), int(theme.theme_id), limit=100_000)
    wordings = evidence["snippet"].str.strip().str.lower()
    assert wordings.is_unique and (evidence["said"] >= 1).all() and (evidence["said"] > 1).any()
    assert evidence["said"].sum() == theme.n  # every snippet of the theme is counted under its wording
    texts = analysed.query_df("SELECT text FROM snippets WHERE dataset_id = ? AND theme_id = ?",
                              [int(theme.dataset_id), int(theme.theme_id)])["text"].str.strip().str.lower()
    assert evidence.set_index(wordings)["said"].to_dict() == texts.value_counts().to_dict()
    # a filter counts within what it keeps
    negative = analysed.theme_snippets(int(theme.dataset_id), int(theme.theme_id), sentiment="negative", limit=100_000)
    assert (negative["sentiment"] == "negative").all() and negative["said"].sum() <= theme.n


def test_top_opportunities_leave_out_themes_with_fewer_than_three_complaints():
    # as the improvement backlog does: Amazon fashion's Overview listed "second pair / pair different" fourth with 2
    # negative mentions of 33
    from core import insights

    themes = pd.DataFrame({"label": ["sizing / fit", "second pair", "fabric"], "share": [0.3, 0.4, 0.3],
                           "snippets": [60, 33, 40], "reviews": [60, 33, 40], "negative_share": [0.4, 2 / 33, 0.075]})
    assert insights.opportunities(themes)["label"].tolist() == ["sizing / fit", "fabric"]


def test_top_opportunities_grow_with_a_themes_complaints_not_its_praise():
    # the demo's packaging damage spikes in the last three weeks while its praise does not: counted by all its
    # mentions, the emerging packaging issue stood third among the top opportunities
    from core import insights

    themes = pd.DataFrame({"label": ["packaging", "battery"], "share": [0.14, 0.05], "snippets": [1400, 500],
                           "reviews": [1200, 415], "negative_share": [0.2, 0.4],
                           # packaging's mentions hold their share, battery's double; packaging's complaints triple
                           "recent_share": [0.14, 0.08], "prior_share": [0.14, 0.04],
                           "recent_neg_n": [59, 20], "recent_total": 400, "prior_neg_n": [200, 140], "prior_total": 4000})
    growth = insights.complaint_growth(themes)
    part = 10 * 400 / 4400  # of the 10 pseudo-complaints, the recent window's share of the mentions
    assert growth.tolist() == pytest.approx([((59 + part) / 400) / ((200 + 10 - part) / 4000),
                                             ((20 + part) / 400) / ((140 + 10 - part) / 4000)])
    assert growth[0] == pytest.approx(2.86, abs=0.01)
    ranked = insights.opportunities(themes)
    assert ranked["label"].tolist() == ["packaging", "battery"]
    assert "complaints up 187% recently" in ranked.loc[0, "why"]
    # counted by the mentions (a table stored without the complaint counts), battery's doubling ranked it first
    older = themes.drop(columns=["recent_neg_n", "recent_total", "prior_neg_n", "prior_total"])
    assert insights.opportunities(older)["label"].tolist() == ["battery", "packaging"]
    # its trend, as the Overview, the report and the backlog show it: the complaints' share of all mentions moved
    trends = insights.need_trend(insights.with_trend(themes))
    assert trends.tolist() == pytest.approx([59 / 400 - 200 / 4000, 20 / 400 - 140 / 4000])
    assert insights.need_trend(insights.with_trend(older)).tolist() == pytest.approx([0.0, 0.04])  # the mentions'
    # as a table cell: a flat trend is counted and said to be steady, apart from one that cannot be counted (no dates)
    assert [insights.trend_arrow(t) for t in (0.0, 0.0015, -0.0021, 0.04, float("nan"), None)] == [
        "steady", "steady", "▼ 0.2 pts", "▲ 4.0 pts", "–", "–"]
    # a theme's first complaints are no surge: 3 recent complaints after none read as about x4
    few = themes.assign(recent_neg_n=[3, 20], prior_neg_n=[0, 140])
    assert insights.complaint_growth(few)[0] == pytest.approx(((3 + part) / 400) / ((10 - part) / 4000))
    assert 4 < insights.complaint_growth(few)[0] < 4.5


def test_request_names_are_kept_by_the_writer_and_read_not_made(analysed, tmp_path, monkeypatch):
    # naming ~100k distinct requests (requested_thing, ~24 us each) took 2.4 s of every new filter on the Feature
    # requests tab of a million reviews; the writer now names each text once, after each commit, and pages read them
    import shutil

    import core.latent
    import core.needs
    from core import views
    from core.filters import Filters
    from core.latent import keep_request_names

    analysed.cursor().execute("CHECKPOINT")
    shutil.copy(analysed.path, tmp_path / "names.duckdb")
    store = Store(tmp_path / "names.duckdb")
    try:
        store.cursor().execute("DELETE FROM request_names")
        made = feature_requests(store)
        texts = store.scalar("SELECT count(DISTINCT text_hash) FROM snippets WHERE is_request")
        assert texts > 20 and keep_request_names(store) == texts and keep_request_names(store) == 0

        def unread(text):
            raise AssertionError(f"named again: {text}")

        monkeypatch.setattr(core.needs, "requested_thing", unread)
        pd.testing.assert_frame_equal(feature_requests(store), made)  # every name read, the same groups
        pd.testing.assert_frame_equal(feature_requests(store, Filters(langs=("en",))),
                                      made[made["lang"] == "en"].reset_index(drop=True), check_like=True)
        monkeypatch.undo()
        # names of another version of the code are not read, and go when this version's are stored
        monkeypatch.setattr(core.latent, "NAMES_VERSION", "another")
        assert len(store.unnamed_requests("another")) == texts
        assert keep_request_names(store) == texts
        assert store.scalar("SELECT count(*) FROM request_names WHERE version <> 'another'") == 0
        monkeypatch.undo()
        # the writer keeps them after each commit; a deleted dataset's names go with its reviews
        views.materialize(store)
        assert store.scalar("SELECT count(*) FROM request_names WHERE version = ?", [core.needs.NAMES_VERSION]) == texts
        for dataset_id in store.datasets()["dataset_id"]:
            store.delete_dataset(int(dataset_id))
        assert store.scalar("SELECT count(*) FROM request_names") == 0
    finally:
        store.close()


def test_a_theme_holding_a_fifth_of_its_datasets_mentions_is_offered_for_splitting():
    # 2,890 clothing reviews: "fit / large / waist" held 27% of 15,949 mentions
    from core.insights import broad_themes

    themes = pd.DataFrame({"dataset_id": [1, 1, 1, 2, 2], "theme_id": [1, 2, 3, 1, 2],
                           "label": ["fit / large / waist", "sale / price", "colors", "battery", "tiny"],
                           "snippets": [4317, 2419, 9213, 150, 100]})
    broad = broad_themes(themes)
    assert broad["label"].tolist() == ["colors", "fit / large / waist"]  # 58% and 27%; 15% is not broad
    assert broad["dataset_share"].round(2).tolist() == [0.58, 0.27]
    assert broad_themes(themes, minimum=5000)["label"].tolist() == ["colors"]  # dataset 2's 60% is 150 mentions
    assert broad_themes(themes.iloc[:0]).empty
