"""The bundled demo data through the real models: the planted needs are found."""
import pytest

from helpers import ROOT
from core.config import Settings
from core.ingest import REVIEWS, SEARCHES
from core.latent import backlog, emerging_issues, feature_requests
from core.pipeline import Pipeline, Source
from core.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(tmp_path_factory, real_models):
    store = Store(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    Pipeline(Settings().with_db(store.path), store, **real_models).run(
        Source("demo_reviews.csv", REVIEWS, path=ROOT / "data" / "demo_reviews.csv"),
        Source("demo_searches.csv", SEARCHES, path=ROOT / "data" / "demo_searches.csv"))
    return store


def test_planted_shipping_spike_is_the_emerging_issue(demo):
    flagged = emerging_issues(demo)
    flagged = flagged[flagged["emerging"]]
    assert len(flagged) >= 1
    assert any(w in flagged["theme"].iloc[0] for w in ("packag", "deliver", "damag", "crush", "物流", "包装"))


def test_top_complaints_quote_what_their_theme_is_about(demo):
    # by score alone the Product feedback page quoted "Sleeves are short and the whole thing runs a size small." for
    # the wishes theme, a stray the clustering put there; quotes are now typical of their theme as well as negative
    quotes = demo.quotes("negative")
    sizing = quotes[quotes["quote"].str.contains("(?i)size|sizing|runs small")]
    assert len(sizing) and sizing["theme"].str.contains("(?i)siz|fit").all(), sizing[["theme", "quote"]]
    assert (quotes["score"] < -0.5).all()  # still clearly complaints


def test_planted_wishes_are_grouped(demo):
    requests = feature_requests(demo)
    features = " ".join(requests["feature"].head(15))
    assert "usb-c port" in features or "carrying case" in features
    assert requests["requests"].sum() >= 250


def test_backlog_puts_a_planted_complaint_first(demo):
    ranked = backlog(demo)
    top = " ".join(ranked.head(4)["need"])
    assert any(w in top for w in ("battery", "size", "fit", "damag", "packag", "weeks", "stopped", "尺码", "电池"))
    # an improvement backlog leads with what customers complain about: ranked by outcome-driven innovation's score,
    # "durable / build quality" (828 reviews, 4% negative) stood second (thirty-third session)
    assert (ranked.head(5)["negative_share"] >= 0.15).all(), ranked.head(5)[["need", "negative_share"]]
    assert (ranked["odi"] >= ranked["opportunity"]).all()


def test_planted_english_needs_get_themes_of_their_own(demo):
    # plain k-means cut the demo's big needs (shipping, value, quality: ~860 snippets each) into parts and put
    # battery life, sizing and ease of use (~150 each) into one theme; over-clustering then merging keeps them apart
    rows = demo.query_df("SELECT text, theme_id FROM snippets WHERE theme_id >= 0")

    def theme_of(*phrases):
        hits = rows[rows.text.str.contains("|".join(phrases), regex=True)]
        return hits.theme_id.mode().iloc[0], (hits.theme_id == hits.theme_id.mode().iloc[0]).mean()

    battery, share_b = theme_of("Battery", "battery", "one charge")
    sizing, share_s = theme_of("runs small", "Sizing is way off", "true to size", "usual size")
    shipping, _ = theme_of("packag", "crushed", "Delivery took")
    assert len({battery, sizing, shipping}) == 3 and share_b > 0.8 and share_s > 0.8


def test_planted_chinese_needs_get_themes_of_their_own(demo):
    # the Chinese vectors leave one need's wordings apart ("电池不耐用", "续航太短了"), so battery complaints shared a
    # theme with ease of use ("操作 / 一键 / 功能") and sizing one with quality; clustered within need types, each is a
    # theme, and the Chinese power-bank searches meet the battery theme, not "操作"
    rows = demo.query_df("SELECT text, theme_id FROM snippets WHERE lang = 'zh' AND theme_id >= 0")
    themes = demo.query_df("SELECT theme_id, label FROM themes WHERE lang = 'zh'").set_index("theme_id")["label"]

    def theme_of(*phrases):
        hits = rows[rows.text.str.contains("|".join(phrases), regex=True)]
        top = hits.theme_id.mode().iloc[0]
        return top, (hits.theme_id == top).mean(), (rows.theme_id == top).sum()

    picked = {need: theme_of(*words) for need, words in {
        "battery": ("电池", "续航", "没电", "充一次电"), "sizing": ("尺码", "码"), "ease": ("操作",),
        "quality": ("质量", "做工")}.items()}
    assert len({theme for theme, _, _ in picked.values()}) == 4, picked
    assert all(share > 0.8 for _, share, _ in picked.values()), picked
    battery = picked["battery"][0]
    # mostly battery: 65 of its 79 snippets (a few ease-of-use wordings join it)
    assert rows[rows.theme_id == battery].text.str.contains("电池|续航|没电|充|电").mean() > 0.75, themes[battery]
    intents = demo.query_df("SELECT label, theme_id FROM intents WHERE lang = 'zh'")
    power_banks = intents[intents["label"].str.contains("充电宝")]
    assert len(power_banks) and (power_banks["theme_id"] == battery).all(), (power_banks, themes.to_dict())


def test_need_types_match_the_needs_the_demo_planted(demo):
    # each demo sentence comes from a template written for one need; its snippets should carry that need's type
    # (bench/needs.py types: 0.97 English, 0.96 Chinese on the templates; 0.92 / 0.72 before phrase-level typing)
    import sys

    sys.path.insert(0, str(ROOT / "data"))
    import make_demo
    from core.text import split_snippets

    need_of = {(route, snippet): need_type for route in ("en", "zh")
               for sentence, need_type in make_demo.planted_sentences(route, numbers=range(2, 10))
               for snippet in split_snippets(sentence, route)}
    rows = demo.query_df("SELECT lang, text, need_type FROM snippets")
    rows["planted"] = [need_of.get((lang, text)) for lang, text in zip(rows["lang"], rows["text"])]
    rows = rows.dropna(subset=["planted"])
    for lang in ("en", "zh"):
        part = rows[rows["lang"] == lang]
        assert len(part) > 1000
        assert (part["need_type"] == part["planted"]).mean() >= 0.9, lang
    # the case seen on the Latent needs page: "材质不错" (the material is good) was typed fit/size
    assert set(rows.loc[rows["text"] == "材质不错", "need_type"]) == {"quality/durability"}


def test_unmet_demand_is_the_planted_unserved_searches_and_nothing_served(demo):
    # the demo plants four intents the shop serves badly (mostly no results, few clicks); their clicked products'
    # titles match the query as well as others' do, so served-ness must come from results and clicks, and the
    # Chinese queries' English product titles must not count as a poor match
    import sys

    sys.path.insert(0, str(ROOT / "data"))
    import make_demo

    unmet = demo.unmet_queries(limit=50)
    unserved = {q.lower() for intent in make_demo.UNSERVED for q in make_demo.SEARCH_INTENTS[intent]}
    big = unmet[unmet["searches"] >= 20]
    assert set(big["query"]) == unserved  # every planted one (misspellings are the small rows) and none else
    intents = demo.intent_table()
    chinese = intents[intents["label"].str.contains("充电宝|耳机")]
    assert chinese["title_match"].isna().all()  # an English catalogue title is not compared with a Chinese query
    earbuds = chinese[chinese["label"].str.contains("耳机")]["served"].iloc[0]
    assert earbuds > 3 * chinese[chinese["label"].str.contains("充电宝")]["served"].iloc[0]


def test_each_planted_search_intent_is_an_intent_of_its_own_misspellings_included(demo):
    # with the review themes' k range (at most one intent per 10 queries), "petite dress" (unserved) shared an intent
    # with "linen dress" (served), and the intent's served score hid the unmet demand. The Chinese character model put
    # misspellings ("蓝牙耳", "蓝耳机") in intents of their own, and the planted 大容量充电宝 in three; misspellings now
    # join the query they misspell before clustering (the demo drops one character of 5% of its searches)
    import sys

    sys.path.insert(0, str(ROOT / "data"))
    import make_demo

    planted = {}
    for name, queries in make_demo.SEARCH_INTENTS.items():
        for query in map(str.lower, queries):
            planted[query] = name
            for j in range(len(query)):
                planted.setdefault(" ".join((query[:j] + query[j + 1:]).split()), name)
    rows = demo.query_df("SELECT lower(trim(query)) AS query, intent_id FROM searches")
    rows["planted"] = rows["query"].map(planted)
    assert rows["planted"].notna().all()
    ids = rows.groupby("planted")["intent_id"].agg(lambda found: set(found))
    assert all(len(found) == 1 for found in ids), ids[ids.map(len) > 1]  # each planted intent's searches together
    assert len({next(iter(found)) for found in ids}) == len(make_demo.SEARCH_INTENTS)  # and no two share one
    petite = demo.intent_table().set_index("intent_id").loc[next(iter(ids["petite dress"]))]
    assert petite["served"] < 0.15 and petite["unmet_searches"] > 100
