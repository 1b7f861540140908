from dataclasses import replace

import numpy as np
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score, homogeneity_score, normalized_mutual_info_score

from core.config import ThemeSettings
from core.themes import (AutoKMeans, CountKMeans, PCAReducer, k_evidence, theme_stability, class_tfidf, distinct_terms, find_themes, is_general_opinion,
                         is_generic, label_terms, theme_label)


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_auto_kmeans_finds_the_planted_number_of_groups():
    x, y = make_blobs(600, n_features=20, centers=7, cluster_std=0.6, random_state=3)
    labels = AutoKMeans(min_k=3, max_k=12, seed=1).fit_predict(_unit(x))
    assert len(set(labels)) == 7 and adjusted_rand_score(y, labels) > 0.95


def test_the_count_evidence_says_whether_silhouette_singled_out_a_number_of_themes():
    from core.recluster import count_sentence

    x, _ = make_blobs(600, n_features=20, centers=7, cluster_std=0.6, random_state=3)
    clear = AutoKMeans(min_k=3, max_k=12, seed=1)
    clear.fit_predict(_unit(x))
    evidence = k_evidence(clear.scores_, clear.k_)
    assert evidence["chosen"] == 7 and evidence["tried"] == tuple(range(3, 8)) and 7 in evidence["as_good"]
    assert "points to about this count" in count_sentence({"lang": "en", "themes": 7, "asked": None, **evidence})
    # no structure: one cloud of points, every count about as good
    flat = AutoKMeans(min_k=3, max_k=12, seed=1)
    flat.fit_predict(_unit(np.random.default_rng(0).normal(size=(600, 20))))
    evidence = k_evidence(flat.scores_, flat.k_)
    assert len(evidence["as_good"]) > 3 and evidence["low"] <= evidence["high"]
    sentence = count_sentence({"lang": "zh", "themes": flat.k_, "asked": None, **evidence})
    assert sentence.startswith(f"Chinese: {flat.k_} themes") and "does not single one out" in sentence
    assert k_evidence({}, 1)["as_good"] == ()
    # a number asked for: that many, at most one per 10 snippets
    assert len(set(CountKMeans(5, seed=1).fit_predict(_unit(x)))) == 5
    assert CountKMeans(30).k_bounds(120) == (12, 12)
    assert count_sentence({"lang": "en", "themes": 11, "asked": 30, "chosen": 12}) == (
        "English: 11 themes, 30 asked (at most one per 10 mentions: 12; groups too small for a theme joined their "
        "nearest).")


def test_a_theme_that_follows_the_data_stays_together_and_an_arbitrary_cut_does_not():
    x, y = make_blobs(1200, n_features=20, centers=6, cluster_std=0.5, random_state=4)
    x = _unit(x)
    count = {"chosen": 6, "as_good": (6,)}  # the data points to 6: three runs at 6 with other seeds
    together = theme_stability(x, y, 6, count, over=3, seed=42)
    assert together.shape == (6,) and (together > 0.95).all()
    # fewer and more themes fit as well: the run at 7 must cut one blob in two, which costs that blob a third of 0.5
    wider = theme_stability(x, y, 6, {"chosen": 6, "as_good": (5, 6, 7)}, over=3, seed=42)
    assert (wider > 0.8).all() and (wider > 0.95).sum() >= 4
    # the same points cut across the blobs: themes 0-5 each take half of two blobs
    rng = np.random.default_rng(0)
    cut = (y + (rng.random(len(y)) < 0.5)) % 6
    scattered = theme_stability(x, cut, 6, count, over=3, seed=42)
    assert (scattered < 0.7).all() and scattered.mean() < together.mean() - 0.3


def test_themes_may_differ_in_size_a_big_need_is_not_cut_up_to_lump_small_ones_together():
    # three broad needs of 900 snippets and four tight ones of 60 (the bundled demo's shape: shipping vs sizing)
    rng = np.random.default_rng(0)
    centres = _unit(rng.normal(size=(7, 24)))
    sizes, spread = [900, 900, 900, 60, 60, 60, 60], [0.3, 0.3, 0.3, 0.1, 0.1, 0.1, 0.1]
    x = _unit(np.vstack([c + s * 3 * rng.normal(size=(n, 24)) / np.sqrt(24) for c, n, s in zip(centres, sizes, spread)]))
    y = np.repeat(np.arange(7), sizes)
    small = y >= 3
    merged = AutoKMeans(min_k=7, max_k=7, seed=1).fit_predict(x)  # over-cluster, then merge (the default)
    plain = AutoKMeans(min_k=7, max_k=7, seed=1, over=1).fit_predict(x)
    assert normalized_mutual_info_score(y, merged) > 0.97 and normalized_mutual_info_score(y[small], merged[small]) == 1.0
    assert normalized_mutual_info_score(y, plain) < 0.95  # plain k-means splits a broad need, merges small ones


def test_same_input_same_themes():
    x, _ = make_blobs(300, n_features=16, centers=5, random_state=0)
    a = AutoKMeans(seed=5).fit_predict(PCAReducer(8, 5).fit_transform(_unit(x)))
    b = AutoKMeans(seed=5).fit_predict(PCAReducer(8, 5).fit_transform(_unit(x)))
    assert (a == b).all()


def test_class_tfidf_prefers_distinctive_words_and_never_spans_snippets():
    texts = ["runs small", "runs small size", "fabric pilled", "fabric thin", "sturdy", "sturdy"]
    top = class_tfidf(texts, np.array([0, 0, 1, 1, 2, 2]), 3, "en")
    assert top[0][0] in {"runs small", "small", "runs"} and "fabric" in top[1]
    assert "sturdy sturdy" not in top[2]


def test_distinct_terms_drops_reordered_and_repeated_words():
    assert distinct_terms(["used weeks", "weeks used", "sturdy sturdy", "weeks", "battery life"]) == ["used weeks", "battery life"]


def test_distinct_terms_reads_words_by_their_stems():
    # Labels seen on shared clothing and Amazon fashion reviews: "dress / dresses / dressed", "shoe / shoes / nike",
    # "fit perfectly / fits perfectly / fit perfect", "washing / wash / washed".
    assert distinct_terms(["dress", "dresses", "dressed", "skirt"]) == ["dress", "skirt"]
    assert distinct_terms(["shoe", "shoes", "nike"]) == ["shoe", "nike"]
    assert distinct_terms(["fit perfectly", "fits perfectly", "fit perfect", "fit flattering"]) == ["fit perfectly", "fit flattering"]
    assert distinct_terms(["washing", "wash", "washed", "dry clean"]) == ["washing", "dry clean"]
    assert distinct_terms(["lasts week", "battery life", "weeks"]) == ["lasts week", "battery life"]
    assert distinct_terms(["sleeves", "sleeveless", "short sleeves"]) == ["sleeves", "sleeveless"]
    assert distinct_terms(["尺码", "尺码偏小", "物流"]) == ["尺码", "尺码偏小", "物流"]


def test_a_label_says_a_word_at_most_twice():
    # Labels seen on Amazon fashion, shared clothing and the demo before the rule
    assert label_terms(["light comfortable", "super comfortable", "lightweight comfortable", "super comfy"]) == [
        "light comfortable", "super comfortable", "super comfy"]
    assert label_terms(["quickly packaged", "delivery packaging", "packaging solid", "fast delivery"]) == [
        "quickly packaged", "delivery packaging", "fast delivery"]
    assert label_terms(["runs large", "runs small", "shorter"]) == ["runs large", "runs small", "shorter"]
    assert label_terms(["dress", "dresses", "skirt", "worn"], top_n=2) == ["dress", "skirt"]  # still distinct terms
    assert label_terms(["fit perfectly", "fit flattering", "fit tts"]) == ["fit perfectly", "fit flattering"]


def test_theme_label_fills_the_place_a_repeated_word_leaves_from_the_distinctive_terms():
    ranked = ["shirt cute", "tee shirt", "shirt comfortable", "shirt online"]
    assert theme_label(ranked, ["shirt", "tee", "blouse", "cute"], "en") == "shirt cute / tee shirt / blouse"


def test_contractions_are_stop_words_for_labels_whatever_the_apostrophe():
    texts = ["they'll love these ones", "they\u2019ll love the arch support", "arch support is great", "arch support"]
    top = class_tfidf(texts, np.array([0, 0, 0, 1]), 2, "en")
    words = {w for terms in top for term in terms for w in term.split()}
    assert "arch" in words and not words & {"they'll", "they", "ll", "ones"}


def test_find_themes_labels_in_the_data_language():
    rng = np.random.default_rng(0)
    groups = {"尺码偏小": 0, "物流很慢": 1, "性价比很高": 2}
    texts, vecs = [], []
    for text, g in groups.items():
        for i in range(40):
            texts.append(f"{text}，第{i}次")
            v = np.zeros(8)
            v[g] = 1
            vecs.append(v + rng.normal(0, 0.05, 8))
    vectors = _unit(np.array(vecs, dtype=np.float32))
    result = find_themes(texts, vectors, "zh", lambda words: _unit(rng.normal(size=(len(words), 8))),
                         ThemeSettings(min_themes=2, max_themes=5))
    labels = [t["label"] for t in result.themes]
    assert len(labels) == 3 and all(len(w) >= 2 for l in labels for w in l.split(" / "))
    assert any("性价比" in l for l in labels) and any("尺码" in l for l in labels)
    assert (result.assignment >= 0).mean() == 1.0
    assert all(t["stability"] > 0.95 for t in result.themes)  # three clean groups always stay together
    intents = find_themes(texts, vectors, "zh", lambda words: _unit(rng.normal(size=(len(words), 8))),
                          ThemeSettings(min_themes=2, max_themes=5), stability=False)
    assert not any("stability" in t for t in intents.themes)


def test_large_inputs_take_the_sampled_paths_and_agree_with_the_full_ones():
    # A million snippets: PCA is fitted on a sample and applied in chunks, c-TF-IDF counts a per-class sample.
    from core.themes import DeflatedReducer

    vectors, _ = make_blobs(3000, n_features=24, centers=5, random_state=1)
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    full = PCAReducer(6).fit_transform(vectors)
    sampled = PCAReducer(6).fit_transform(vectors, fit_sample=1000)
    assert sampled.shape == full.shape and sampled.dtype == np.float32
    assert np.abs(np.sum(full * sampled, axis=1)).mean() > 0.95  # same subspace (up to sign)
    direction = np.eye(24, dtype=np.float32)[:1]
    deflated = DeflatedReducer(direction, PCAReducer(6)).fit_transform(vectors)
    expected = PCAReducer(6).fit_transform(DeflatedReducer(direction, PCAReducer(6)).deflate(vectors))
    assert np.allclose(deflated, expected, atol=1e-4)
    texts = ["the fabric pilled after washing"] * 300 + ["runs small order a size up"] * 300
    assignment = np.array([0] * 300 + [1] * 300)
    sampled_terms = class_tfidf(texts, assignment, 2, "en", max_per_class=50)
    assert sampled_terms == class_tfidf(texts, assignment, 2, "en")


def test_theme_label_mmr_equals_keyberts():
    # Theme labels rank candidates with the batched MMR; it must pick exactly what keybert._mmr.mmr picks.
    from keybert._mmr import mmr

    from core.themes import mmr_select

    rng = np.random.default_rng(3)
    for trial in range(20):
        n = int(rng.integers(1, 30))
        words = [f"w{i}" for i in range(n)]
        vectors = rng.standard_normal((n, 16)).astype(np.float32)
        centroid = rng.standard_normal(16).astype(np.float32)
        top_n, diversity = int(rng.integers(1, 9)), float(rng.choice([0.2, 0.4, 0.7]))
        expected = [w for w, _ in mmr(centroid.reshape(1, -1), vectors, words, min(top_n, n), diversity)]
        assert mmr_select(centroid, vectors, words, top_n, diversity) == expected, trial


def test_labels_name_properties_and_call_verdict_themes_general_opinion():
    # a property keeps its place; verdict words give way to the next property
    assert theme_label(["gorgeous", "fabric", "lining", "seams"], ["gorgeous", "fabric", "lining", "seams"], "en") == \
        "fabric / lining / seams"
    # attribute words that carry sentiment are needs, not verdicts
    assert theme_label(["soft comfortable", "fabric soft"], ["soft comfortable", "fabric soft", "comfy"], "en") == \
        "soft comfortable / fabric soft / comfy"
    # mostly verdicts: a general-opinion theme, its tone from the words, two of them shown (filler words are not)
    praise = ["gorgeous", "lovely", "looks", "highly recommend", "compliments", "beautiful", "stunning", "dress"]
    assert theme_label(praise[:4], praise, "en") == "General praise (gorgeous / lovely)"
    gloom = ["right", "feel", "disappointed", "sadly", "felt", "unfortunately", "fabric", "terrible"]
    assert theme_label(gloom[:4], gloom, "en") == "General complaints (disappointed / sadly)"
    assert theme_label(["满意", "喜欢", "质量"], ["满意", "喜欢", "推荐", "好评", "质量"], "zh") == "总体好评（满意 / 喜欢）"
    assert theme_label(["失望", "好评", "质量"], ["失望", "好评", "垃圾", "差评", "质量", "满意"], "zh").startswith("总体感受")
    assert is_generic("highly recommend", "en") and not is_generic("beautiful dress", "en")
    # a Chinese word is a compound: one whose characters an earlier term holds says nothing new ("电宝", "充宝": queries
    # typed for 充电宝; "包装 / 包装盒", "手机 / 新手机 / 买手机", "四星 / 四星级")
    assert label_terms(["充电宝", "电宝", "充宝", "快充", "毫安"]) == ["充电宝", "快充", "毫安"]
    assert label_terms(["手机", "新手机", "买手机", "一部", "手感"]) == ["手机", "一部", "手感"]
    assert label_terms(["好多", "更好", "好不好"]) == ["好多", "更好", "好不好"]  # sharing a character is not holding it
    # 令人 ("makes one": 令人失望) named four Chinese themes of four workspaces ("希望 / 令人 / 改进")
    assert is_generic("令人", "zh")
    assert theme_label(["失望", "希望", "令人", "改进", "尽快"], ["失望", "希望", "改进", "令人", "尽快"], "zh") == "希望 / 改进 / 尽快"
    # 5,318 phone and computer reviews: "手机 / 一部 / 翻新" (a count and its measure word), "关机 / 打电话 / 出现"
    assert is_generic("一部", "zh") and is_generic("两瓶", "zh") and not is_generic("一键", "zh")
    assert theme_label(["手机", "一部", "翻新", "飞利浦"], ["手机", "一部", "翻新", "飞利浦"], "zh") == "手机 / 翻新 / 飞利浦"
    assert theme_label(["关机", "打电话", "出现", "售后"], ["关机", "打电话", "出现", "售后"], "zh") == "关机 / 打电话 / 售后"
    # 3,000 hotel reviews: "最差 / 极差 / 出差" was a need theme ("差!差!差!", "非常非常差")
    assert theme_label(["最差", "极差", "出差"], ["最差", "很差", "极差", "太差", "出差", "差差"], "zh") == "总体差评（最差 / 极差）"
    assert theme_label(["挺不错", "实惠", "速度"], ["挺不错", "很不错", "还不错", "实惠", "速度"], "zh").startswith("总体好评")
    # ranked keywords mostly verdicts (3,000 clothing reviews: "worth / retailer", 2,009 snippets on sales, prices and
    # returns): the theme's most distinctive property words name it
    ranked = ["recommend", "glad", "disappointed", "worth", "retailer", "highly"]
    candidates = ["sale", "price", "return", "store", "recommend", "worth", "retailer", "going", "online", "returning"]
    assert theme_label(ranked, candidates, "en") == "sale / price / return"
    # Amazon fashion's catch-alls ("Highly satisfied with this purchase.", "She loves them."): buying and "loves" name no
    # need, so they were labelled "price / purchase / color" and "loves / purchased / times"
    ranked = ["excellent", "quality", "perfect", "happy", "highly recommend", "looks"]
    candidates = ["price", "purchase", "color", "recommend", "quality", "highly", "excellent", "looks", "bright", "perfect"]
    assert theme_label(ranked, candidates, "en") == "General praise (excellent / perfect)"
    ranked = ["loves", "recommend", "cute", "purchased", "times", "especially"]
    candidates = ["loves", "daughter", "daughter loves", "fade", "purchasing", "work", "especially", "wife", "times"]
    assert theme_label(ranked, candidates, "en") == "General praise (loves / recommend)"
    assert theme_label(["gorgeous", "happy purchase", "highly recommend"], ["gorgeous", "dress"], "en") == \
        "General praise (gorgeous / highly recommend)"  # a verdict with a filler word is not one of the two shown
    # half of them properties: they keep the label, filled from the distinctive words when short of three
    assert theme_label(["sleeves", "long arms", "perfect"], ["sleeves", "length", "long arms", "cuffs"], "en") == \
        "sleeves / long arms / length"


def test_a_theme_of_wishes_is_named_for_them_and_what_is_wished_for():
    # the demo's wish theme ("I wish it had a ...", "Please add a ...", "Would be great if it came with a ...")
    ranked = ["needs", "wish", "free version", "auto shut", "timer auto", "fragrance free"]
    candidates = ["version", "wish", "came", "needs", "add", "come", "fragrance free", "fragrance", "free", "free version"]
    assert theme_label(ranked, candidates, "en") == "Wishes (free version / auto shut)"
    assert theme_label(["希望", "预约", "保温功能"], ["希望", "建议", "增加", "预约", "保温功能"], "zh") == "希望与建议（预约 / 保温功能）"
    # one asking word among a theme's terms does not make it a theme of wishes
    assert theme_label(["colors", "green", "came"], ["colors", "green", "came", "blue", "pink"], "en") == "colors / green / came"
    assert not is_general_opinion("Wishes (free version / auto shut)")  # asks are needs: the backlog keeps them


def test_a_catch_all_theme_is_named_for_what_it_is_and_left_out_of_the_backlog():
    # 3,000 hotel reviews: 3,749 unrelated clauses made one theme, "后来 / 情况 / 对面", first among the opportunities
    import pandas as pd

    from core.insights import actionable
    from core.themes import is_general_opinion

    rng = np.random.default_rng(1)
    words = ["早餐", "隔音", "前台", "价格", "停车", "其他"]
    texts, vecs, truth = [], [], []
    for g, word in enumerate(words):
        for i in range(60):
            v = np.zeros(16)
            if g < 5:  # five needs, each tight around its own axis
                v[g] = 1
                v += rng.normal(0, 0.05, 16)
            else:  # the catch-all: a weak common direction under much noise
                v[5] = 1
                v += rng.normal(0, 0.8, 16)
            texts.append(f"{word}第{i}次" if g < 5 else f"{''.join(rng.choice(list('就在对面一直解释脚垫污渍'), 4))}")
            vecs.append(v)
            truth.append(g)

    class Known:
        def fit_predict(self, _):
            return np.array(truth)

    vectors = _unit(np.array(vecs, dtype=np.float32))
    result = find_themes(texts, vectors, "zh", lambda w: _unit(rng.normal(size=(len(w), 16))),
                         ThemeSettings(min_themes=2, max_themes=8, assign_min_similarity=0.0), clusterer=Known())
    labels = {t["label"]: t["coherence"] for t in result.themes}
    catch_all = [label for label in labels if label.startswith("其他话题")]
    assert len(catch_all) == 1 and is_general_opinion(catch_all[0]), labels
    assert sum(not is_general_opinion(label) for label in labels) == 5  # the needs keep their names
    themes = pd.DataFrame({"label": list(labels)})
    assert list(actionable(themes)["label"]) == [label for label in labels if label not in catch_all]


def test_a_theme_of_reviewer_context_is_named_so_and_names_no_need():
    from core.themes import _name_context_themes

    themes = [{"index": 0, "label": "partner", "keywords": ["partner", "bought"]},
              {"index": 1, "label": "battery life", "keywords": ["battery life"]}]
    texts = ["Bought this for my partner.", "i am 5'4\" and ordered the small"] * 5 + ["Battery life is short."] * 10
    assignment = np.array([0] * 10 + [1] * 10)
    _name_context_themes(themes, texts, assignment, "en")
    assert themes[0]["label"] == "Reviewer context (partner / bought)" and is_general_opinion(themes[0]["label"])
    assert themes[1]["label"] == "battery life"  # a need
    mostly = [{"index": 0, "label": "fit", "keywords": ["fit"]}]  # measurements inside a fit theme: still a need
    _name_context_themes(mostly, ["i am 5'4\" and ordered the small"] * 3 + ["fits true to size"] * 7, np.zeros(10, int), "en")
    assert mostly[0]["label"] == "fit"


def test_a_theme_whose_words_its_snippets_do_not_hold_is_a_grab_bag():
    # 3,000 hotel reviews: "工作 / 缺点 / 原因" held 2,147 clauses, 7% of them with one of its words
    from core.themes import _name_grab_bags, label_coverage

    scattered = ["内容也挺丰富", "好象有点过份了.", "可以看到古城的大部分", "这次显示预付成功。", "台球等等", "缺乏灵活性",
                 "有一种宾至如归的感觉", "面积不算小。", "床居然是一边高一边低的", "来香港主要为了SHOPPING", "简单的说"]
    breakfast = ["早餐品种太少", "早餐还不错", "自助餐很丰富", "餐厅的早餐一般", "早餐没什么吃的", "早餐很好吃"] * 2
    themes = [{"index": 0, "label": "工作 / 缺点 / 原因", "keywords": ["工作", "事情", "影响", "缺点", "原因", "不足"]},
              {"index": 1, "label": "早餐 / 餐厅 / 自助餐", "keywords": ["早餐", "餐厅", "自助餐"]}]
    _name_grab_bags(themes, scattered + breakfast, np.array([0] * len(scattered) + [1] * len(breakfast)), "zh")
    assert themes[0]["label"] == "其他话题（工作 / 事情）" and is_general_opinion(themes[0]["label"])
    assert themes[1]["label"] == "早餐 / 餐厅 / 自助餐" and themes[1]["label_coverage"] == 1.0
    # English words are read by their stems, whatever the case
    assert label_coverage(["The sleeves run long.", "Great colour", "Fits well"], ["sleeve"], "en") == 1 / 3
    assert label_coverage([], ["sleeve"], "en") == 0.0


def test_a_theme_of_narrated_incidents_is_a_catch_all():
    # 3,000 hotel reviews with the word view: "后来 / 工作 / 要求" held 4,258 unrelated clauses and topped the opportunities
    head = ["地方", "小时", "发现", "不到", "电视", "开始", "后来", "电脑", "要求", "上网", "工作", "还要", "直接", "本来"]
    label = theme_label(["后来", "工作", "要求", "地方", "本来", "电视"], head, "zh")
    assert label == "其他话题（工作 / 要求）" and is_general_opinion(label)
    # a need theme with a time word or two keeps its name
    night = ["晚上", "卫生间", "声音", "第二天", "空调", "早上", "隔音", "隔壁", "地毯", "毛巾", "后来"]
    assert theme_label(["空调", "睡觉", "隔壁"], night, "zh") == "空调 / 睡觉 / 隔壁"
    # 6,000 other reviews: "本来 / 出现 / 客户" (1,328 clauses: "这样看来", "表示我会赔偿。", "还要再等一下") had three of
    # the words; 出现, 别人 and 拿到 tell stories too
    told = ["发现", "开始", "本来", "订单", "别人", "出现", "客户", "售后", "明显", "拿到"]
    assert theme_label(["本来", "出现", "客户", "售后"], told, "zh").startswith("其他话题（")


def test_intents_are_narrower_than_themes():
    from core.themes import AutoKMeans, IntentKMeans

    # 80 distinct queries: up to 17 intents (sqrt(n)/2 .. 2 sqrt(n)); the review themes' range stops at 8 (n // 10)
    assert IntentKMeans().k_bounds(80) == (4, 17) and AutoKMeans().k_bounds(80)[1] == 8
    assert IntentKMeans().k_bounds(9359) == (48, 60)  # at most max_k
    assert IntentKMeans().k_bounds(6) == (2, 2)  # never more than one intent per 3 queries


def test_a_theme_whose_centre_is_bare_verdicts_is_a_general_opinion_whatever_its_words():
    # 3,000 fruit and shampoo reviews: "差评差评" and "非常满意" themes were labelled by the noise after the verdict
    from core.themes import _name_verdict_themes, is_verdict_only

    assert is_verdict_only("差评差评! ! !", "zh") and is_verdict_only("非常满意呢", "zh") and is_verdict_only("Love them!", "en")
    assert not is_verdict_only("经常出现问题", "zh")  # filler and stop words with no verdict
    assert not is_verdict_only("苹果脆甜", "zh") and not is_verdict_only("Great product and price!", "en")
    assert is_verdict_only("I’m so happy!", "en")  # a typographic apostrophe is the stop word "i'm"
    themes = [{"label": "必须 / 洗发液 / 很少", "representatives": ["差评差评", "差评差评差评", "差评差评。", "差评~!", "差评! ! ! !"]},
              {"label": "十分满意 / 生意 / 哪怕", "representatives": ["唯一满意的", "非常满意", "非常满意呢", "这个很满意", "洗得很干净"]},
              {"label": "苹果 / 脆甜 / 好吃", "representatives": ["苹果挺脆的", "苹果不错甜脆", "很满意", "非常满意", "满意"]}]
    _name_verdict_themes(themes, "zh")
    assert [t["label"] for t in themes] == ["总体差评（差评）", "总体好评（满意）", "苹果 / 脆甜 / 好吃"]  # 3 of 5: a need
    english = [{"label": "loves / purchased / times", "representatives": ["I love them!", "Love them!", "love them!",
                                                                        "Love them! !", "She loves them."]}]
    _name_verdict_themes(english, "en")
    assert english[0]["label"] == "General praise (love / loves)"


def test_a_general_opinion_takes_its_tone_from_its_scored_snippets():
    # 3,000 clothing reviews of online_shopping_10_cats: "总体好评（好评）" held "差评差评" as often as "好评"
    import numpy as np

    from core.themes import retone_general_opinions

    labels = ["总体好评（好评）", "General complaints (sadly)", "fit / size", "Wishes (pockets)", "General praise"]
    theme_of_snippet = np.array([1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 5, -1])
    polarity = np.array(["positive", "negative", "negative", "neutral", "positive", "positive", "positive",
                         "negative", "negative", "negative", "positive", "positive", "negative", "negative"])
    assert retone_general_opinions(labels, theme_of_snippet, polarity, [1, 2, 3, 4, 5]) == [
        "总体感受（好评）", "General praise (sadly)", "fit / size", "Wishes (pockets)", "General impressions"]


def test_general_praise_is_at_most_a_quarter_complaints():
    # Amazon fashion: "General praise (excellent / perfect)" was 58% positive and 26% negative snippets
    import numpy as np

    from core.themes import retone_general_opinions

    def tone(positive: int, negative: int, neutral: int = 0) -> str:
        polarity = np.array(["positive"] * positive + ["negative"] * negative + ["neutral"] * neutral)
        return retone_general_opinions(["General praise (excellent / perfect)"], np.ones(len(polarity), int),
                                       polarity, [1])[0]

    assert tone(58, 26, 16) == "General impressions (excellent / perfect)"
    assert tone(74, 16, 10) == "General praise (excellent / perfect)"
    assert tone(10, 31) == "General complaints (excellent / perfect)"
    assert tone(10, 29) == "General impressions (excellent / perfect)"


def test_chinese_snippets_are_clustered_within_their_need_types():
    # the Chinese vectors leave one need's wordings as far apart as two needs' ("电池不耐用", "续航太短了" vs "操作简单"):
    # eight wordings along eight orthogonal directions, four per need; only their need types tell the needs apart
    rng = np.random.default_rng(0)
    wordings = {"battery": ["电池不耐用", "续航太短了", "待机掉电快", "充一次电用半天"],
                "usability/experience": ["操作简单", "说明书看不懂", "按键太多", "上手很快"]}
    texts, vecs, needs = [], [], []
    for n, (need, phrases) in enumerate(wordings.items()):
        for w, phrase in enumerate(phrases):
            for i in range(40):
                v = np.zeros(16)
                v[4 * n + w] = 1
                texts.append(f"{phrase}，第{i}次")
                vecs.append(v + rng.normal(0, 0.05, 16))
                needs.append(need)
    vectors, needs = _unit(np.array(vecs, dtype=np.float32)), np.array(needs, dtype=object)
    words = lambda w: _unit(rng.normal(size=(len(w), 16)))  # noqa: E731
    settings = ThemeSettings(min_themes=2, max_themes=4)

    def purity(lang, need_types, chosen=settings):  # 1.0: every theme holds snippets of one need only
        result = find_themes(texts, vectors, lang, words, chosen, need_types=need_types)
        return homogeneity_score(needs, result.assignment), result.assignment

    assert purity("zh", needs)[0] > 0.999  # the default: types kept apart when groups are merged
    assert purity("zh", None)[0] < 0.9  # 0.66: themes of a battery wording and an ease-of-use one
    assert purity("zh", needs, replace(settings, types_apart_zh=False))[0] < 0.9
    # English: MiniLM groups a need's wordings, so its types are not read
    assert (purity("en", needs)[1] == purity("en", None)[1]).all()


def test_groups_merge_by_what_they_say_and_a_need_type_does_not_pull_its_groups_together():
    # battery (e0) and overheating (e1) are both performance/battery; two untyped groups each say something near one
    # of them (cosine 0.4). With the type one-hot beside the vectors the shared column outweighed the content and
    # made one performance theme (32,206 phone and computer snippets: "机器 / 开机 / 电池", 6,494); merged on the
    # content, each typed group joins the untyped one that talks about the same thing
    from sklearn.cluster import AgglomerativeClustering

    eye = np.eye(8, dtype=np.float32)
    content = [eye[0], eye[1], 0.4 * eye[0] + np.sqrt(0.84) * eye[2], 0.4 * eye[1] + np.sqrt(0.84) * eye[3]]
    labels = np.repeat(np.arange(4), 30)
    vectors = _unit(np.vstack([content[g] for g in labels]).astype(np.float32))
    codes = np.where(labels < 2, 0, -1)
    centres = np.vstack([vectors[labels == g].mean(axis=0) for g in range(4)])
    clusterer = AutoKMeans()
    clusterer.k_ = 2
    merged = clusterer._merge_within_types(labels, centres, 4, codes)
    assert merged[0] == merged[2] and merged[1] == merged[3] and merged[0] != merged[1]
    # the same groups with their type one-hot (weight 0.75) beside the vectors, merged on the whole
    beside = _unit(np.hstack([vectors, 0.75 * (codes[:, None] == 0)]).astype(np.float32))
    whole = AgglomerativeClustering(n_clusters=2, metric="cosine", linkage="average").fit_predict(
        np.vstack([beside[labels == g].mean(axis=0) for g in range(4)]))
    assert whole[0] == whole[1]  # what merging on the whole vectors did
