"""Need themes: reduce -> cluster -> label, each step an object that can be swapped (BERTopic's recipe).

Default chosen by measurement on this 2-core machine (bench/RESULTS.md): PCA instead of UMAP (UMAP's first call
costs 60-80 s of numba compilation here), k-means with k picked by silhouette instead of HDBSCAN (no catch-all
outlier topic; a snippet far from every centroid is left unassigned and its share is reported), labels from
c-TF-IDF candidates re-ranked with KeyBERT's MMR against the theme centroid.
"""
from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Protocol

import numpy as np
import pandas as pd
import snowballstemmer
from sklearn.cluster import AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.metrics import silhouette_score

from .chunks import as_float32, map_rows, normalise_rows, row_slices, take_texts
from .config import ThemeSettings
from .text import _CJK, ZH_STOPWORDS, tokenize_zh

log = logging.getLogger(__name__)
_STEMMERS = threading.local()  # a Snowball stemmer keeps the word it works on: one per thread (analyses, previews)

# Words that say nothing about a need in e-commerce reviews, on top of the usual stop words.
REVIEW_STOPWORDS = frozenset(
    "im ive id dont didnt doesnt isnt wasnt wont cant couldnt just really very also got get bought buy ordered order "
    "item product thing things one would could will much many lot little bit even still though well way make made "
    "like love loved great good nice bad ok okay pretty definitely absolutely think thought know say said did does "
    "it's i'm i've i'd don't didn't doesn't isn't wasn't won't can't couldn't that's there's they're you're "
    "usually actually probably maybe try tried want wanted need needed use used wear "
    # contractions the tokenizer keeps whole ("they'll" was a label on Amazon fashion reviews) and "ones"
    "i'll you'll he'll she'll it'll we'll they'll we're we've they've you've he's she's it'd you'd he'd she'd we'd "
    "they'd what's who's let's aren't weren't hasn't haven't hadn't wouldn't shouldn't ones".split()
)
EN_STOPWORDS = sorted(ENGLISH_STOP_WORDS | REVIEW_STOPWORDS)

# Verdicts that name no need ("gorgeous", "disappointed", "highly recommend", "不错"): a theme label made of them tells
# a PM nothing to act on. Words for a property of the product stay out of these lists even when they carry sentiment
# (comfortable, soft, tight, cheap, flattering, 舒服, 结实, 漂亮): those are needs.
GENERIC_PRAISE = {
    "en": frozenset("love loves loved loving lovely gorgeous beautiful beautifully pretty cute adorable stunning amazing awesome "
                    "wonderful fantastic fabulous excellent great good nice perfect perfectly happy glad pleased satisfied "
                    "impressed recommend recommended highly favorite favourite favorites best compliments obsessed thrilled "
                    "delighted super outstanding superb incredible".split()),
    "zh": frozenset("好 很好 不错 挺好 满意 很满意 非常满意 喜欢 很喜欢 推荐 值得 好评 五星 完美 棒 很棒 赞 给力 超值 满分 惊喜 "
                    "开心 点赞 好用 挺不错 很不错 还不错 真不错 非常好 比较满意 蛮好".split()),
}
GENERIC_COMPLAINT = {
    "en": frozenset("disappointed disappointing disappointment unhappy sad terrible horrible awful bad worst poor hate "
                    "hated regret unfortunately sadly upset frustrated meh bummed dissatisfied".split()),
    "zh": frozenset("失望 很失望 差 很差 太差 差评 垃圾 后悔 郁闷 无语 生气 坑 上当 恶心 糟糕 不满 最差 极差 超差 差劲 差差 "
                    "非常差 太失望".split()),
}
GENERIC_FILLER = {  # vague on their own: "didn't feel right", "felt", "overall", "reviews"
    "en": frozenset("right feel felt feels overall honestly expected expectations reviews review reviewer reviewers "
                    "opinion impression purchase purchased purchasing times especially".split()),
    # 令人: "makes one" (令人失望, 令人满意); the rest named Chinese themes of phones, books and hotels with no need
    # ("关机 / 打电话 / 出现", "内容 / 不同 / 简单", "使用 / 正在 / 影响", "有时 / 实用 / 设计"; thirty-first session)
    "zh": frozenset("感受 评价 总体 整体 总的来说 印象 令人 不同 正在 出现 影响 事情 由于 有时 相信 能够 他会 不管 直接 好多 "
                    "这点 意思 了解".split()),
}
# A count and its measure word ("一部", "一本", "两瓶", "一箱"): "a phone", "two bottles", never a need ("手机 / 一部 / 翻新").
_ZH_COUNT = re.compile(r"[一两二三四五六七八九十几半每][本部箱瓶颗斤件台只个条双块张套盒袋包罐支]")
GENERAL_LABEL = {"en": {"praise": "General praise", "complaints": "General complaints", "mixed": "General impressions",
                        "misc": "Miscellaneous", "context": "Reviewer context"},
                 "zh": {"praise": "总体好评", "complaints": "总体差评", "mixed": "总体感受", "misc": "其他话题",
                        "context": "买家背景"}}
# Words of asking ("I wish it had", "please add", "would be great if it came with", "希望增加"): a theme with three of
# them among its ten most distinctive terms groups wishes by how they are phrased, and is named for that, with what
# is wished for ("Wishes (free version / auto shut)"): the demo's wish theme read "needs / wish / free version". No
# theme of shared clothing, Amazon fashion, hotel or mixed Chinese reviews has even one of them among its ten.
ASKING_WORDS = {
    "en": frozenset("wish wishes wished hope hoping needs add adding came come comes".split()),
    "zh": frozenset("希望 建议 增加 改进 就好了 能否".split()),
}
WISHES_LABEL = {"en": "Wishes", "zh": "希望与建议"}
# Words that tell a story, not a need (later, at first, found, directly, the place): a theme with NARRATIVE_MIN of
# them among its ten most distinctive terms is a catch-all of narrated incidents, named and left out like one. With
# words beside the characters (bundled:zh-char-word) such a theme is no longer far from its centre: on 3,000 hotel
# reviews "后来 / 工作 / 要求" (4,258 clauses: "有许多蟑螂 虽然后来换房了", "由于空调主机就放在楼顶") sat at 0.60 of the median
# theme's coherence, as close as the demo's wishes (0.61), and topped the opportunities; on all 50,085 Chinese reviews
# "后来 / 投诉 / 原来" (15,074). Those two had 5 and 6 of these words, the catch-all of before 4, every other Chinese theme
# of six workspaces 2 or fewer. English catch-alls have not been seen.
NARRATIVE_WORDS = {
    "en": frozenset(),
    "zh": frozenset("后来 本来 原来 开始 发现 结果 当时 直接 还要 终于 一直 马上 突然 竟然 居然 只好 于是 地方 不到 情况 时候 "
                    "事情 知道 告诉 说明 表示 回来 出来 起来 出现 别人 拿到".split()),
}
NARRATIVE_MIN = 4
# A theme whose snippets sit, on average, less than this share as close to its centre as the median theme's do is a
# catch-all, not a need. On 3,000 hotel reviews, a theme of 3,749 unrelated clauses ("脚垫有污渍", "就在银河对面", "一直在
# 解释") was at 0.34 of the median (next lowest 0.69), labelled "后来 / 情况 / 对面" and ranked first among the
# opportunities. It keeps its snippets and is named for what it is ("其他话题（后来 / 情况）"), and like the
# general-opinion themes it is left out of the backlog. Lowest elsewhere: the demo 0.61 (English, its wishes) and 0.61
# (Chinese), 6,000 mixed Chinese reviews 0.57 (short verdicts), 2,000 clothing reviews 0.67.
CATCH_ALL_COHERENCE = 0.45


def _route(lang: str) -> str:
    return "zh" if lang == "zh" else "en"


def is_generic(term: str, lang: str) -> bool:
    """True when every word of the term is a verdict or filler, not a property of the product."""
    route = _route(lang)
    verdicts = GENERIC_PRAISE[route] | GENERIC_COMPLAINT[route]
    parts = term.split()
    return bool(parts) and all(w in verdicts or is_filler(w, route) for w in parts)


def is_filler(word: str, route: str) -> bool:
    """A word vague on its own, or a Chinese count and measure word ("一部")."""
    return word in GENERIC_FILLER[route] or (route == "zh" and _ZH_COUNT.fullmatch(word) is not None)


def is_general_opinion(label: str) -> bool:
    """True for a label theme_label gave a general-opinion theme (a PM's own name for it counts as a need)."""
    return any(str(label).startswith(name) for names in GENERAL_LABEL.values() for name in names.values())


def theme_label(ranked: list[str], candidates: list[str], lang: str, top_n: int = 3) -> str:
    """The theme's label: its most relevant keywords that name a property; a theme whose top terms are mostly
    verdicts ("gorgeous / lovely", "disappointed / felt") is a general-opinion theme and is named so, with two of
    its words ("General praise (gorgeous / lovely)", "总体好评（不错 / 满意）")."""
    route = _route(lang)
    head = candidates[:10]
    asking = [w for w in ranked + candidates if any(p in ASKING_WORDS[route] for p in w.split())]
    if sum(w in asking for w in head) >= 3:
        return _named(WISHES_LABEL[route], [w for w in ranked if w not in asking and not is_generic(w, lang)][:2], route)
    if sum(w in NARRATIVE_WORDS[route] for w in head) >= NARRATIVE_MIN:
        told = [w for w in ranked + candidates if w not in NARRATIVE_WORDS[route] and not is_generic(w, lang)]
        return _named(GENERAL_LABEL[route]["misc"], list(dict.fromkeys(told))[:2], route)
    generic_share = sum(is_generic(w, lang) for w in head) / max(len(head), 1)
    specific = [w for w in ranked if not is_generic(w, lang)]
    if specific and generic_share < 0.5:
        distinctive = [w for w in candidates if not is_generic(w, lang)]
        if len(specific) * 2 < len(ranked):
            # the ranked keywords are mostly verdicts ("recommend / glad / disappointed / worth / retailer /
            # highly"): the centre is a tone, and the theme's distinctive terms say what it is about ("sale / price /
            # return", 2,009 snippets of 3,000 clothing reviews labelled "worth / retailer" before)
            return " / ".join(label_terms(distinctive, top_n))
        # the ranked property words first; where they are too few, or repeat a word, the distinctive ones fill in
        return " / ".join(label_terms(specific + distinctive, top_n))
    praise = sum(any(p in GENERIC_PRAISE[route] for p in w.split()) for w in head)
    complaints = sum(any(p in GENERIC_COMPLAINT[route] for p in w.split()) for w in head)
    tone = _tone(praise, complaints)
    words = [w for w in ranked if is_generic(w, lang) and not any(is_filler(p, route) for p in w.split())][:2]
    return _named(GENERAL_LABEL[route][tone], words, route)


def _tone(praise: int, complaints: int, ratio: float = 2.0) -> str:
    """A general opinion's tone: praise or complaints where one outnumbers the other ``ratio`` to one, else mixed."""
    return "praise" if praise > ratio * complaints else "complaints" if complaints > ratio * praise else "mixed"


# Scored snippets name a general opinion's tone where one side outnumbers the other three to one: a theme called
# "General praise" is then at most a quarter complaints. At two to one, Amazon fashion's "General praise (excellent /
# perfect)" held 58% positive and 26% negative snippets ("Returned it.", "to expensive for what you get.").
SCORED_TONE_RATIO = 3.0


def _named(name: str, words: list[str], route: str) -> str:
    """A kind of theme named with a few of its words: "General praise (gorgeous / lovely)", "总体好评（满意 / 喜欢）"."""
    if not words:
        return name
    return f"{name}（{' / '.join(words)}）" if route == "zh" else f"{name} ({' / '.join(words)})"


# --- steps --------------------------------------------------------------------------------------------------------

class Reducer(Protocol):
    def fit_transform(self, vectors: np.ndarray, prepare: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
        """prepare: a row-wise map applied before reducing (chunk by chunk where the reducer can), so no full-size
        copy of the vectors has to exist."""
        ...


class NoReducer:
    """Do-nothing step: cluster in the embedding space itself."""

    def fit_transform(self, vectors: np.ndarray, prepare=None) -> np.ndarray:
        if prepare is None and vectors.dtype == np.float32:
            return vectors
        return map_rows(prepare or (lambda x: x), vectors, vectors.shape[1])


class PCAReducer:
    """Linear reduction; deterministic, instant, no compilation."""

    def __init__(self, dims: int = 48, seed: int = 42) -> None:
        self.dims, self.seed = dims, seed

    def fit_transform(self, vectors: np.ndarray, prepare=None, fit_sample: int = 100_000) -> np.ndarray:
        prepare = prepare or (lambda x: x)
        dims = min(self.dims, vectors.shape[1], max(vectors.shape[0] - 1, 1))
        if dims >= vectors.shape[1] or len(vectors) < 3:  # one or two rows (a language's only query) have no spread
            return map_rows(prepare, vectors, vectors.shape[1])
        pca = PCA(dims, random_state=self.seed)
        if len(vectors) > fit_sample:  # the components of 100k rows are those of a million; memory stays flat
            rng = np.random.default_rng(self.seed)
            pca.fit(prepare(as_float32(vectors[np.sort(rng.choice(len(vectors), fit_sample, replace=False))])))
            # a quarter of the fit sample per chunk: each holds ~4 row-sized float32 temporaries (the copy, the
            # deflated rows and their projection, PCA's centring): ~500 MB of 100k Chinese 320-d rows
            reduced = map_rows(lambda x: pca.transform(prepare(x)), vectors, dims, chunk=fit_sample // 4)
        else:
            reduced = pca.fit_transform(prepare(as_float32(vectors))).astype(np.float32, copy=False)
        return normalise_rows(reduced)


class DeflatedReducer:
    """Project the given directions out of the vectors, then reduce with the inner reducer.

    Used with the sentiment head's direction: "love the fit" and "hate the fit" should land in one fit theme.
    On SemEval-2014 restaurant sentences this raised NMI against the gold aspect categories from 0.305 to 0.348
    (non-held-out sentences) and produced price and ambience themes that plain clustering merged away."""

    def __init__(self, directions: np.ndarray, inner: "Reducer") -> None:
        q, _ = np.linalg.qr(np.atleast_2d(np.asarray(directions, dtype=np.float64)).T)
        self.basis, self.inner = q.T, inner

    def deflate(self, vectors: np.ndarray) -> np.ndarray:
        basis = self.basis.astype(np.float32)
        x = vectors - (vectors @ basis.T) @ basis
        x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        return x

    def fit_transform(self, vectors: np.ndarray, prepare=None) -> np.ndarray:
        deflate = self.deflate if prepare is None else (lambda x: self.deflate(prepare(x)))
        return self.inner.fit_transform(vectors, prepare=deflate)


class Clusterer(Protocol):
    """Labels per row. find_themes passes ``need_types`` (integer codes, -1 for none) only where the language's
    ``types_apart_*`` setting is on; AutoKMeans takes them."""
    def fit_predict(self, vectors: np.ndarray, need_types: np.ndarray | None = None) -> np.ndarray: ...


# A fine group is of a need type when more than TYPED_SHARE of its snippets have it; two groups of different types are
# TYPES_APART further apart (cosine distance of their centres + this) when AutoKMeans merges them. With k fixed, every
# merge kept apart forces another, so a looser rule reshuffled real reviews' themes: at 0.5 of the snippets, 4,000
# fruit, shampoo and clothing reviews lost their price theme ("价格 / 便宜 / 优惠", 508) into a catch-all and 6,000
# mixed reviews lost "购买 / 性价比 / 产品" (894); at 1.0 apart, phone and computer reviews lost their optical-drive
# theme. At 0.8 the demo's templated groups are still typed (its Chinese battery and sizing complaints get themes of
# their own) and the hotel, book + milk and fruit + shampoo + clothing themes are as without types
# (bench/RESULTS.md, thirty-fourth session).
TYPED_SHARE = 0.8
TYPES_APART = 0.5


class AutoKMeans:
    """k-means with k chosen by cosine silhouette on a sample, within [min_k, max_k]; fixed seed.

    over > 1: cluster into over x k groups first, then merge their centres to k by average-linkage cosine
    similarity. Plain k-means cuts big needs into equal-sized parts and lumps small ones together: in the bundled
    demo three English needs of ~860 snippets each were split in two or three while battery life, sizing and ease
    of use (~150 each) and every wish shared one theme. Over-cluster-then-merge lets themes differ in size: the
    demo's planted-need NMI 0.770 -> 0.863 (English), 0.615 -> 0.666 (Chinese), SemEval-2014 restaurant
    categories unchanged (0.326 -> 0.327), means of five seeds (bench/RESULTS.md, twelfth session)."""

    parsimony = 0.03  # the share of the best silhouette a smaller k may fall short by and still be chosen

    def __init__(self, min_k: int = 6, max_k: int = 24, seed: int = 42, sample: int = 3000, over: int = 3) -> None:
        self.min_k, self.max_k, self.seed, self.sample, self.over = min_k, max_k, seed, sample, over
        self.k_: int | None = None
        self.scores_: dict[int, float] = {}

    def k_bounds(self, n: int) -> tuple[int, int]:
        """The range of k tried: it grows with the data, ~sqrt(n)/12 .. sqrt(n)/5 themes within [min_k, max_k], and
        never more than one theme per 10 snippets."""
        low = max(self.min_k, min(16, int(np.sqrt(n) / 12)))
        high = max(low + 4, min(self.max_k, int(np.sqrt(n) / 5)))
        return min(low, max(n // 10, 1)), min(high, max(n // 10, 1))

    def fit_predict(self, vectors: np.ndarray, need_types: np.ndarray | None = None) -> np.ndarray:
        """need_types: each row's need type as an integer code (-1 for none); the fine groups are then merged with
        groups of two types kept apart (_merge_within_types)."""
        n = len(vectors)
        low, high = self.k_bounds(n)
        if high <= 1:
            self.k_ = 1
            return np.zeros(n, dtype=int)
        rng = np.random.default_rng(self.seed)
        sample = vectors[rng.choice(n, min(n, self.sample), replace=False)]
        distinct = len(np.unique(sample.round(3), axis=0))  # templated text: never ask for more groups than exist
        low, high = min(low, distinct), min(high, distinct)
        if high <= 1:
            self.k_ = 1
            return np.zeros(n, dtype=int)
        step = max(1, (high - low) // 8)
        for k in range(max(low, 2), high + 1, step):
            labels = KMeans(k, n_init=2, random_state=self.seed).fit_predict(sample)
            self.scores_[k] = float(silhouette_score(sample, labels, metric="cosine"))
        # Parsimony: the smallest k whose silhouette is within 3% of the best (fewer, broader needs read better).
        best = max(self.scores_.values()) if self.scores_ else 0.0
        self.k_ = min((k for k, v in self.scores_.items() if v >= best - self.parsimony * abs(best)), default=high)
        fine = min(self.over * self.k_, distinct, n // 2) if self.over > 1 else self.k_
        fine = max(fine, self.k_)
        model = (MiniBatchKMeans(fine, random_state=self.seed, batch_size=4096, n_init=3)
                 if n > 50_000 else KMeans(fine, n_init=3, random_state=self.seed))
        labels = model.fit_predict(vectors)
        if fine == self.k_:
            return labels
        if need_types is not None:
            return self._merge_within_types(labels, model.cluster_centers_, fine, need_types)[labels]
        centres = model.cluster_centers_ / np.maximum(np.linalg.norm(model.cluster_centers_, axis=1, keepdims=True), 1e-12)
        merged = AgglomerativeClustering(n_clusters=self.k_, metric="cosine", linkage="average").fit_predict(centres)
        return merged[labels]

    def _merge_within_types(self, labels: np.ndarray, centres: np.ndarray, fine: int,
                            need_types: np.ndarray) -> np.ndarray:
        """Merge the fine groups to k by what they say (average-linkage cosine of their centres), two groups whose
        snippets have two different need types (more than TYPED_SHARE of each) TYPES_APART further apart: types keep
        "电池不耐用" from joining "操作简单", but do not pull the groups of one type together, and any other group
        merges by content alone. Clustering with the types one-hot beside the vectors did pull them together: the
        shared column outweighed any content, and 32,206 phone and computer snippets got one performance/battery theme
        of 6,494 ("机器 / 开机 / 电池"; thirty-fourth session, not adopted)."""
        codes = np.asarray(need_types, dtype=np.int64)
        kinds = int(codes.max()) + 1 if len(codes) else 0
        counts = np.zeros((fine, kinds + 1), dtype=np.int64)
        np.add.at(counts, (labels, np.where(codes >= 0, codes, kinds)), 1)
        typed = counts[:, :-1]
        kind = np.where(typed.max(axis=1, initial=0) > TYPED_SHARE * counts.sum(axis=1),
                        typed.argmax(axis=1) if kinds else -1, -1)
        content = normalise_rows(np.ascontiguousarray(centres, dtype=np.float32))
        distance = 1.0 - content @ content.T
        distance += TYPES_APART * ((kind[:, None] != kind[None, :]) & (kind[:, None] >= 0) & (kind[None, :] >= 0))
        distance = np.maximum(distance, 0.0)
        np.fill_diagonal(distance, 0.0)
        return AgglomerativeClustering(n_clusters=self.k_, metric="precomputed", linkage="average").fit_predict(distance)


class IntentKMeans(AutoKMeans):
    """AutoKMeans for search intents. Its items are distinct queries, short and each standing for all its searches,
    so intents are narrower than review themes: k from sqrt(n)/2 to 2 sqrt(n) (at most one intent per 3 queries).
    With the snippets' range (sqrt(n)/12 .. sqrt(n)/5, one per 10) the demo's 80 English queries, nine planted
    intents, could have at most 8 intents, and "petite dress" (unserved) shared one with "linen dress" (served),
    which hid it; 9,359 Home Depot queries got 16 intents, the biggest a mixture ("closetmaid", "chime", "quick snap
    punch") of 7,448 searches. Plain k-means at the chosen k (over = 1): over-clustering then merging kept the
    demo's misspelt queries ("cheap smartwach", "budget smart watc") as an intent of their own and merged two planted
    ones instead (planted-intent NMI, weighted by searches, 0.957 against 0.999), and made Home Depot's biggest
    intent twice as big.

    Misspellings are grouped with the query they misspell before clustering (pipeline, ``text.spelling_variants``);
    the demo's 202 distinct English queries are then 30, and at 30 the parsimony rule's smaller k (silhouette 0.608
    against 0.623) merged "petite dress" into "linen dress" again. An intent is the best silhouette's k: no
    parsimony."""

    parsimony = 0.0

    def __init__(self, min_k: int = 4, max_k: int = 60, seed: int = 42, sample: int = 3000, over: int = 1) -> None:
        super().__init__(min_k, max_k, seed, sample, over)

    def k_bounds(self, n: int) -> tuple[int, int]:
        low = max(self.min_k, int(np.sqrt(n) / 2))
        high = max(low + 4, min(self.max_k, int(2 * np.sqrt(n))))
        return min(low, max(n // 3, 1)), min(high, max(n // 3, 1))


class SplitKMeans(AutoKMeans):
    """k-means for splitting one theme into narrower ones (core.recluster.split): the k a PM asks for, else 2 to
    SPLIT_MAX_K by silhouette with the same parsimony rule; at most one sub-theme per 10 snippets either way. Plain
    k-means (over = 1): the theme's snippets are one need already, so no size imbalance to over-cluster for."""

    def __init__(self, k: int | None = None, seed: int = 42, sample: int = 3000) -> None:
        super().__init__(2, SPLIT_MAX_K, seed, sample, over=1)
        self.fixed = k

    def k_bounds(self, n: int) -> tuple[int, int]:
        most = max(n // SPLIT_MIN_SNIPPETS, 1)
        if self.fixed:
            return (min(self.fixed, most),) * 2
        return min(2, most), min(self.max_k, most)


SPLIT_MAX_K = 8
SPLIT_MIN_SNIPPETS = 10  # at most one sub-theme per this many snippets


class CountKMeans(AutoKMeans):
    """AutoKMeans at the number of themes a PM asks for when re-clustering (core.recluster.preview), at most one per
    10 snippets; over-clustered then merged as an analysis is, so the themes may still differ in size."""

    def __init__(self, k: int, seed: int = 42, sample: int = 3000, over: int = 3) -> None:
        super().__init__(k, k, seed, sample, over)
        self.asked = k

    def k_bounds(self, n: int) -> tuple[int, int]:
        return (min(self.min_k, max(n // 10, 1)),) * 2


# Counts of themes whose silhouette is within this share of the best "fit about as well". On 15,749 snippets of 3,000
# clothing reviews the silhouettes of k = 10-25 lie within 0.125-0.147, and dropping 10 random snippets moved the
# chosen k anywhere from 14 to 20 (bench/theme_count.py, fortieth session): the data does not decide among them.
SILHOUETTE_TIE = 0.10


def k_evidence(scores: dict[int, float], chosen: int | None) -> dict:
    """How decisively silhouette chose the number of themes: the counts tried, the chosen one, and the counts that fit
    about as well (within SILHOUETTE_TIE of the best silhouette), for a PM deciding whether to ask for another count."""
    if not scores:
        return {"chosen": chosen, "tried": (), "as_good": (), "low": None, "high": None}
    best = max(scores.values())
    as_good = tuple(sorted(k for k, v in scores.items() if v >= best - SILHOUETTE_TIE * abs(best)))
    return {"chosen": chosen, "tried": tuple(sorted(scores)), "as_good": as_good,
            "low": round(min(scores.values()), 3), "high": round(best, 3)}


# --- labelling -----------------------------------------------------------------------------------------------------

def make_vectorizer(lang: str, min_df: int = 1, ngram_range: tuple[int, int] = (1, 2), vocabulary=None,
                    adjacent: bool = False) -> CountVectorizer:
    """Word counts in the data's own language: jieba words for Chinese, English words/bigrams otherwise. English
    bigrams are formed after stop words are removed ("right out of the box": "right box"), or with ``adjacent`` only
    from words next to each other in the text (adjacent_terms)."""
    if lang == "zh":
        return CountVectorizer(tokenizer=tokenize_zh, token_pattern=None, lowercase=False, min_df=min_df,
                               stop_words=sorted(ZH_STOPWORDS), vocabulary=vocabulary)
    if adjacent:
        return CountVectorizer(analyzer=adjacent_terms, min_df=min_df, vocabulary=vocabulary)
    return CountVectorizer(ngram_range=ngram_range, stop_words=EN_STOPWORDS, min_df=min_df, vocabulary=vocabulary,
                           token_pattern=_EN_TOKEN.pattern, preprocessor=_plain_apostrophes)


_EN_TOKEN = re.compile(r"(?u)\b[a-zA-Z][a-zA-Z']+\b")
_EN_STOP_SET = frozenset(EN_STOPWORDS)


def adjacent_terms(text: str) -> list[str]:
    """A snippet's English candidate keywords: its words other than stop words, and bigrams of two such words next to
    each other. Bigrams made across a removed stop word are phrases nobody wrote ("right out of the box": "right box",
    "tough enough for daily use": "tough daily"); on held-out SemEval-2014 sentences, reading only adjacent ones put the
    gold aspect term among a snippet's three keywords for 0.618 of restaurant terms and 0.488 of laptop ones, against
    0.565 / 0.461 (thirty-ninth session, bench/quality.py keywords)."""
    tokens = _EN_TOKEN.findall(_plain_apostrophes(text))
    words = [t for t in tokens if t not in _EN_STOP_SET]
    return words + [f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if a not in _EN_STOP_SET and b not in _EN_STOP_SET]


def _plain_apostrophes(text: str) -> str:
    """Lower case, with a typographic apostrophe read as a plain one ("they’ll" is the stop word "they'll", not
    "they" and "ll")."""
    return text.lower().replace("\u2019", "'")


def class_tfidf(texts: list[str], assignment: np.ndarray, k: int, lang: str, top_n: int = 15,
                max_per_class: int = 5000, seed: int = 42) -> list[list[str]]:
    """BERTopic's c-TF-IDF: terms frequent in one class and rare across classes.

    Counts are taken per snippet and summed per class, so no bigram spans two snippets. A class larger than
    ``max_per_class`` is counted on a fixed random sample of that size: term shares are estimated just as well, and a
    million snippets do not build a million-row count matrix.
    """
    from scipy import sparse

    vectorizer = make_vectorizer(lang, min_df=1)
    keep = assignment >= 0
    sizes = np.bincount(assignment[keep], minlength=k) if keep.any() else np.zeros(k, int)
    if sizes.max(initial=0) > max_per_class:
        rng = np.random.default_rng(seed)
        keep = keep & (rng.random(len(assignment)) < max_per_class / np.maximum(sizes, 1)[np.maximum(assignment, 0)])
    try:
        counts = vectorizer.fit_transform(take_texts(texts, np.flatnonzero(keep)))
    except ValueError:  # only stop words
        return [[] for _ in range(k)]
    rows = assignment[keep]
    membership = sparse.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(k, len(rows)))
    per_class = np.asarray((membership @ counts).todense(), dtype=float)
    words = vectorizer.get_feature_names_out()
    tf = per_class / np.maximum(per_class.sum(axis=1, keepdims=True), 1)
    avg_words = per_class.sum() / max(k, 1)
    idf = np.log(1 + avg_words / np.maximum(per_class.sum(axis=0), 1))
    scores = tf * idf
    return [[words[i] for i in np.argsort(-row)[:top_n] if row[i] > 0] for row in scores]


def _stems(term: str) -> list[str]:
    """The term's words by their English stems ('dresses', 'dressed' -> 'dress'; 'perfectly' -> 'perfect'); words in
    other scripts (jieba's Chinese words) are kept as they are."""
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return [stemmer.stemWord(w) if w.isascii() else w for w in term.lower().split()]


@lru_cache(maxsize=200_000)
def _word_stem(word: str) -> str:
    """One lower-case word's stem, cached (word_matcher reads every word of a theme's sampled snippets)."""
    return _stems(word)[0]


def distinct_terms(terms: list[str]) -> list[str]:
    """Drop a term whose words, by their stems, are a subset or superset of an earlier one's: 'weeks used' after
    'used weeks', 'dresses' and 'dressed' after 'dress', 'fits perfectly' after 'fit perfectly'. On shared clothing
    reviews such forms took two of a label's three places ("dress / dresses / dressed")."""
    kept: list[set[str]] = []
    out: list[str] = []
    for term in terms:
        stems = _stems(term)
        words = set(stems)
        if len(words) < len(stems):
            continue  # 'sturdy sturdy'
        if _CJK.search(term):
            # A Chinese word is a compound, read by its characters: one an earlier term holds says nothing new ('电宝'
            # and '充宝', queries typed for 充电宝), nor does one that adds a single character to it ('包装盒' after
            # '包装', '新手机' after '手机', '四星级'); one that adds a word says something ('尺码偏小' after '尺码').
            chars = {ch for ch in term if not ch.isspace()}
            if any(chars <= k or (k < chars and len(chars - k) == 1) for k in kept):
                continue
            kept.append(chars)
            out.append(term)
            continue
        if any(words <= k or k <= words for k in kept):
            continue
        kept.append(words)
        out.append(term)
    return out


def label_terms(terms: list[str], top_n: int = 3) -> list[str]:
    """A label's terms: distinct ones (``distinct_terms``), none of whose words is already in two of the label's
    terms. A theme's phrases often share their head word ("super comfortable / comfortable looks / cute comfortable",
    "quickly packaged / delivery packaging / packaging solid"); the third place then goes to a term that says
    something new."""
    used: dict[str, int] = {}
    out: list[str] = []
    for term in distinct_terms(terms):
        stems = set(_stems(term))
        if any(used.get(stem, 0) >= 2 for stem in stems):
            continue
        out.append(term)
        for stem in stems:
            used[stem] = used.get(stem, 0) + 1
        if len(out) == top_n:
            break
    return out


def mmr_select(centroid: np.ndarray, candidate_vectors: np.ndarray, candidates: list[str], top_n: int,
               diversity: float = 0.4) -> list[str]:
    """KeyBERT's maximal marginal relevance: relevant to the centroid, not redundant with each other.

    Computed by ``keywords.batched_mmr`` (tested equal to ``keybert._mmr.mmr``, ties included), so labelling themes
    neither imports KeyBERT's private module nor, through it, torch (~0.3 GB) when the embedder runs on ONNX."""
    from scipy import sparse

    from .keywords import batched_mmr

    if not candidates:
        return []
    top_n = min(top_n, len(candidates))
    every = sparse.csr_matrix(np.ones((1, len(candidates)), dtype=np.float32))
    return [word for word, _ in batched_mmr(every, centroid.reshape(1, -1), candidate_vectors, candidates, top_n,
                                            diversity)[0]]


# --- the step that ties them together --------------------------------------------------------------------------------

@dataclass
class ThemeResult:
    """Per-snippet assignment (theme index or -1) and one record per theme."""

    assignment: np.ndarray
    similarity: np.ndarray
    themes: list[dict] = field(default_factory=list)
    k_scores: dict[int, float] = field(default_factory=dict)
    count: dict = field(default_factory=dict)  # how the number of themes was chosen: k_evidence, and the count asked


def find_themes(texts: list[str], vectors: np.ndarray, lang: str, embed_words: Callable[[list[str]], np.ndarray],
                settings: ThemeSettings, reducer: Reducer | None = None, clusterer: Clusterer | None = None,
                ignore_directions: np.ndarray | None = None, need_types=None, untyped: str = "other",
                stability: bool = True) -> ThemeResult:
    """Group snippets of one language into need themes and label them in that language.

    ignore_directions: directions in the embedding space that clustering must not follow (the sentiment head's);
    centroids, similarities and labels still use the full vectors. need_types: each snippet's need type (``untyped``
    for none): where the language's ``types_apart_*`` setting is on, groups of two types are merged last
    (AutoKMeans._merge_within_types). stability: each theme also gets how well it stays together when the themes are
    computed again (theme_stability; search intents leave it out)."""
    n = len(texts)
    if n == 0:
        return ThemeResult(np.zeros(0, int), np.zeros(0, np.float32))
    reducer = reducer or (PCAReducer(settings.reduce_dims, settings.seed) if settings.reducer == "pca" else NoReducer())
    if ignore_directions is not None and len(ignore_directions):
        reducer = DeflatedReducer(ignore_directions, reducer)
    clusterer = clusterer or AutoKMeans(settings.min_themes, settings.max_themes, settings.seed)
    codes = None
    if need_types is not None and getattr(settings, f"types_apart_{_route(lang)}", False):
        # a code per type, -1 for none; factorised, not np.unique of a fixed-width str copy (160 MB at 1M reviews)
        codes, names = pd.factorize(np.asarray(need_types, dtype=object), sort=True)
        codes = np.where(np.asarray(names)[codes] == untyped, -1, codes).astype(np.int64)
    reduced = reducer.fit_transform(vectors)
    labels = clusterer.fit_predict(reduced, need_types=codes) if codes is not None else clusterer.fit_predict(reduced)
    # the sample theme_stability clusters again, kept apart so the reduced vectors of every snippet can go now
    if stability:
        probe = np.sort(np.random.default_rng(settings.seed).choice(n, min(n, STABILITY_SAMPLE), replace=False))
        probe_vectors, probe_codes = reduced[probe], (codes[probe] if codes is not None else None)
    del reduced
    labels = _absorb_small_clusters(vectors, labels, settings.min_snippets_per_theme)
    centroids, labels = _centroids(vectors, labels)
    similarity = _row_similarity(vectors, centroids.astype(np.float32), labels)
    assignment = np.where(similarity >= settings.assign_min_similarity, labels, -1)
    themes = _describe(texts, vectors, assignment, similarity, centroids, lang, embed_words, settings)
    _name_verdict_themes(themes, lang)
    _name_catch_alls(themes, labels, similarity, lang)
    _name_grab_bags(themes, texts, assignment, lang)
    _name_context_themes(themes, texts, assignment, lang)
    scores = getattr(clusterer, "scores_", {})
    count = {"asked": getattr(clusterer, "asked", None), **k_evidence(scores, getattr(clusterer, "k_", None))}
    if stability and len(themes) > 1:
        together = theme_stability(probe_vectors, labels[probe], len(themes), count, getattr(clusterer, "over", 1),
                                   settings.seed, probe_codes)
        for theme in themes:
            value = together[theme["index"]]
            theme["stability"] = None if np.isnan(value) else float(value)
    return ThemeResult(assignment, similarity.astype(np.float32), themes, scores, count)


STABILITY_SAMPLE = 10_000  # snippets re-clustered per run to measure how well each theme stays together
STABILITY_SEEDS = (1, 2, 3)


def theme_stability(vectors: np.ndarray, labels: np.ndarray, k: int, count: dict, over: int, seed: int,
                    codes: np.ndarray | None = None) -> np.ndarray:
    """How well each of k themes' snippets stay together when the themes are computed again: three runs on a sample
    (``vectors``, ``labels``: the space clustering saw and the themes, of at most STABILITY_SAMPLE snippets), at the
    fewest, the chosen and the most themes that fit about as well (count's as_good; the chosen number thrice where the
    data pointed to it), each with another seed; per theme and run, the share of its pairs of snippets that land in one
    group (sum over groups of the squared shares its snippets take), averaged. 1: always together; a theme the runs
    scatter over several groups scores low. A coarser run may put two themes together (still "together"); a finer one
    may cut a theme in two (about 0.5 for that run). On 3,000 clothing reviews the 19 themes scored 0.37-0.94
    (bench/theme_count.py)."""
    good = [int(g) for g in count.get("as_good") or ()] or [k]
    chosen = int(count.get("chosen") or k)
    ks = (min(good), chosen, max(good))
    share = np.zeros((len(ks), k))
    for run, (n_groups, run_seed) in enumerate(zip(ks, STABILITY_SEEDS)):
        clusterer = CountKMeans(max(n_groups, 2), seed + run_seed, over=over)
        other = (clusterer.fit_predict(vectors, need_types=codes) if codes is not None
                 else clusterer.fit_predict(vectors))
        table = np.zeros((k, int(other.max()) + 1))
        np.add.at(table, (labels, other), 1)
        sizes = table.sum(axis=1)
        share[run] = (table ** 2).sum(axis=1) / np.maximum(sizes, 1) ** 2
    together = share.mean(axis=0)
    together[np.bincount(labels, minlength=k) < 2] = np.nan  # too few of its snippets in the sample to tell
    return together


# A theme whose centre is bare verdicts ("差评差评", "非常失望!", "非常满意", "Love them!") is a general opinion whatever
# its distinctive words: on 3,000 fruit and shampoo reviews three such themes were labelled "必须 / 洗发液 / 很少",
# "彻底 / 希望 / 京东" and "十分满意 / 生意 / 哪怕" (their c-TF-IDF terms after the verdict: noise), and on 6,000 mixed
# Chinese reviews a theme of "很喜欢!" "家人 / 男朋友 / 儿子". Over the themes of fourteen workspaces (shared clothing,
# Amazon fashion, SemEval laptops, the demo, hotel, fruit, shampoo and mixed Chinese reviews), those with 4 or 5 of their
# 5 representatives bare verdicts were all such themes; every other had at most 3 ("希望不要让我失望", "值得一看!").
VERDICT_REPRESENTATIVES = 4


_EN_VERDICT_COMPANY = frozenset(
    "i i'm im me my we us our you your it it's its they them their these those this that she her he him his is am are "
    "was were be been being a an the so very really just too such totally absolutely definitely quite pretty all "
    "and or with of for in on to at what how product products item items purchase purchased thing things one ones "
    "buy bought got have has had do did would will i'd i'll would've much sooo soo lol".split())


def is_verdict_only(text: str, lang: str) -> bool:
    """True when every content word of the text is a verdict or filler ("Love them!", "非常满意呢", "差评差评")."""
    route = _route(lang)
    words = GENERIC_PRAISE[route] | GENERIC_COMPLAINT[route] | GENERIC_FILLER[route]
    if route == "zh":  # a verdict among them: "经常出现问题" is filler alone (出现; 经常 and 问题 are stop words)
        tokens = tokenize_zh(text)
        return any(t in words - GENERIC_FILLER[route] for t in tokens) and all(t in words for t in tokens)
    # function words only around the verdict: scikit-learn's stop words hold nouns (top, bottom, front, back) and
    # "This is a great top." names the garment
    tokens = re.findall(r"[a-z']+", _plain_apostrophes(text))
    return any(t in words for t in tokens) and all(t in words or t in _EN_VERDICT_COMPANY for t in tokens)


# A clause that only calls its subject mediocre ("房间一般", "但早餐也一般", "服务比较一般。"): a complaint, but no example of
# one (thirty-first session: four of the twenty backlog examples of 3,000 hotel reviews)
MERELY_MEDIOCRE = re.compile(r"^(?:但是|但|不过|可是|只是|就是)?[^，。！？,!?]{0,6}?(?:也|还|都|就)?(?:很|比较|太|真|挺|相当|感觉|还是比较)?"
                             r"一般(?:般)?[了吧啊啦哦也]?[。！!~ ]*$")
# A set-up for a complaint, not the complaint ("I wanted to love this top so badly.", "I was so excited to get it"):
# clothing's backlog quoted two of them; and praise that sets one up, with nothing against it in the clause ("I loved
# the actual design on the fabric." for "embroidery / quality / design": read negative in a 2-star review)
_EN_SET_UP = re.compile(r"(?i)\b(?:wanted|want|hoped|hoping|tried)\s+(?:so\s+badly\s+|really\s+)?to\s+(?:love|like|keep)\b"
                        r"|\b(?:was|were|i'm|am)\s+(?:so\s+|really\s+|very\s+)?(?:excited|looking\s+forward)\b"
                        r"|^\W*(?:and\s+)?i\s+(?:really\s+|absolutely\s+|just\s+|initially\s+|first\s+)?"
                        r"(?:loved|liked)\s+(?!.*\b(?:but|not|no|never|however|though|although|until|disappoint\w*|"
                        r"wish\w*|too|return\w*)\b|.*n't)")
_ZH_BARE_VERDICT = re.compile(r"(?:也|还|都|真的?|实在|确实)?(?:很|太|非常|比较|不太|不怎么|特别|超|极其|有点)?"
                              r"(?:不好|不行|不怎么样|不咋样|很差|太差|差|一般|糟糕|垃圾|失望)(?:了|啊|呀|吧|劲)?")
_ZH_CONNECTIVES = re.compile(r"^(?:但是|但|不过|可是|只是|就是|而且|并且|另外|还有|感觉|觉得|除了)+")


def telling_examples(texts: list[str], label: str, keywords: list[str], lang: str, n: int = 1) -> list[str]:
    """Up to n of a theme's ranked complaints, those that say what is wrong first: not a bare verdict ("We were very
    disappointed.", "差评"), not "mediocre" alone ("房间一般"), not a set-up ("I wanted to love this top."), not a
    connective with the label's noun and no more ("但是服务!", "我的手机"); among those, the ones naming a word of the
    theme's label or keywords ("The waiter forgot our order" for "restaurant / dinner / waiter", not "This was the
    worst dining experience I've ever had."); then the rest in their order, so a complaint is always quoted."""
    route = _route(lang)
    topic = str(label).split(" / ")
    words = [w for k in [*topic, *keywords] for w in (k.split() if route == "en" else [k]) if not is_generic(w, lang)]
    names = word_matcher(words, lang)

    def says_little(text: str) -> bool:  # "但是服务!", "我的手机", "除了屏幕": a connective, the label's noun, no more
        if route != "zh":
            return False
        rest = _ZH_CONNECTIVES.sub("", text)
        if len(_CJK.findall(rest)) < 3:
            return True
        for word in sorted(topic, key=len, reverse=True):
            rest = rest.replace(word, "")
        # nor the label's noun and a bare verdict ("效果不好", "音质也不好", "做工太差了": the phone file's quotes)
        rest = _ZH_BARE_VERDICT.sub("", re.sub(r"我们的|我的|[这那](?:个|家|段|本|部|款)|的", "", rest))
        return len(_CJK.findall(rest)) < 2

    def tier(text: str) -> int:
        if is_verdict_only(text, lang) or MERELY_MEDIOCRE.search(text) or (route == "en" and _EN_SET_UP.search(text)):
            return 3
        if says_little(text):  # "使用体验很差。" still says which way, where "使用体验一般。" does not
            return 2
        return 0 if names(text) else 1

    return sorted(texts, key=tier)[:n]  # a stable sort: each tier keeps the ranking


def telling_example(texts: list[str], label: str, keywords: list[str], lang: str) -> str:
    """The complaint telling_examples puts first ('' when there are none)."""
    return next(iter(telling_examples(texts, label, keywords, lang)), "")


def _name_verdict_themes(themes: list[dict], lang: str) -> None:
    """Rename, in place, themes whose representatives are mostly bare verdicts: "总体差评（差评 / 失望）"."""
    route = _route(lang)
    for theme in themes:
        representatives = theme.get("representatives") or []
        verdicts = [t for t in representatives if is_verdict_only(t, lang)]
        if len(verdicts) < VERDICT_REPRESENTATIVES or is_general_opinion(theme["label"]):
            continue
        said = Counter(w for t in verdicts
                       for w in (tokenize_zh(t) if route == "zh" else re.findall(r"[a-z']+", _plain_apostrophes(t)))
                       if is_generic(w, lang) and not is_filler(w, route))
        praise = sum(n for w, n in said.items() if w in GENERIC_PRAISE[route])
        complaints = sum(n for w, n in said.items() if w in GENERIC_COMPLAINT[route])
        theme["label"] = _named(GENERAL_LABEL[route][_tone(praise, complaints)], [w for w, _ in said.most_common(2)],
                                route)


def general_tone(label: str) -> tuple[str, str, str] | None:
    """(route, tone, the bracketed words) of a general praise / complaints / impressions label, else None."""
    for route, names in GENERAL_LABEL.items():
        for tone in ("praise", "complaints", "mixed"):
            name = names[tone]
            if label == name or label.startswith(name + (" (" if route == "en" else "（")):
                return route, tone, label[len(name):]
    return None


def retone_general_opinions(labels: list[str], theme_of_snippet: np.ndarray, polarity: np.ndarray,
                            theme_ids: list[int]) -> list[str]:
    """A general opinion's tone from what its snippets say, once they are scored: praise where positive snippets
    outnumber negative ones three to one (SCORED_TONE_RATIO), complaints the other way round, else impressions. Its words gave the tone
    before, and on 3,000 clothing reviews of online_shopping_10_cats "总体好评（好评）" held "差评差评" as often as "好评"
    (55% of its snippets negative)."""
    out = list(labels)
    for i, (label, theme_id) in enumerate(zip(labels, theme_ids)):
        found = general_tone(str(label))
        if found is None:
            continue
        route, _, words = found
        said = polarity[theme_of_snippet == theme_id]
        positive, negative = int((said == "positive").sum()), int((said == "negative").sum())
        if positive + negative == 0:
            continue
        out[i] = GENERAL_LABEL[route][_tone(positive, negative, SCORED_TONE_RATIO)] + words
    return out


def _name_catch_alls(themes: list[dict], labels: np.ndarray, similarity: np.ndarray, lang: str) -> None:
    """Record each theme's coherence (its snippets' mean similarity to its centre) and rename, in place, those far
    less coherent than the median theme (CATCH_ALL_COHERENCE): "Miscellaneous (a / b)", "其他话题（a / b）". Needs
    five themes to know the median."""
    counts = np.maximum(np.bincount(labels, minlength=len(themes)), 1)
    coherence = np.bincount(labels, weights=similarity.astype(np.float64), minlength=len(themes)) / counts
    line = CATCH_ALL_COHERENCE * float(np.median(coherence)) if len(themes) >= 5 else -1.0
    route = _route(lang)
    for theme in themes:
        theme["coherence"] = float(coherence[theme["index"]])
        if theme["coherence"] < line and not is_general_opinion(theme["label"]):
            theme["label"] = _named(GENERAL_LABEL[route]["misc"], theme["keywords"][:2], route)


# A theme whose label and keywords fewer than this share of its snippets hold says nothing its snippets say: its label
# is the least unlikely of scattered words. On 3,000 hotel reviews "工作 / 缺点 / 原因" (2,147 clauses: "内容也挺丰富",
# "好象有点过份了.", "可以看到古城的大部分") had its words in 7% of them, and "前住 / 餐馆 / 四晚" in 5%; on 5,318 phone and
# computer reviews "内容 / 简单 / 遗憾" in 9%. Over nine workspaces (the demo, 3,000 clothing, Amazon fashion, SemEval
# restaurants, hotel, phone and computer, 6,000 mixed, book + milk, fruit + shampoo + clothing), the seven themes under
# 10% were such grab bags or loose verdicts ("更好 / 这点 / 好多"); the next were catch-alls already (10.8-13.4%) and
# a broad book-content theme, "作者 / 故事 / 一本" (11.1%). English themes were at 14.6% or more. Such a theme is named
# and left out like a catch-all.
LABEL_COVERAGE_MIN = 0.10


def word_matcher(words: list[str], lang: str) -> Callable[[str], bool]:
    """Whether a text holds one of the words: Chinese as written, English by any of their stems."""
    if _route(lang) == "zh":
        found = list(words)
        return lambda text: any(w in text for w in found)
    stems = {x for w in words for x in _stems(w)}
    return lambda text: any(_word_stem(w) in stems for w in re.findall(r"[a-z']+", _plain_apostrophes(text)))


def label_coverage(texts: list[str], words: list[str], lang: str) -> float:
    """The share of texts holding one of the words (word_matcher)."""
    holds = word_matcher(words, lang)
    return sum(map(holds, texts)) / len(texts) if texts else 0.0


def _sampled_need_themes(themes: list[dict], texts, assignment: np.ndarray, sample: int):
    """Each theme not named a general opinion (checked as it is reached), with a fixed sample of up to ``sample`` of
    its snippets' texts."""
    rng = np.random.default_rng(0)
    for theme in themes:
        members = np.flatnonzero(assignment == theme["index"])
        if len(members) == 0 or is_general_opinion(theme["label"]):
            continue
        yield theme, take_texts(texts, np.sort(rng.choice(members, min(sample, len(members)), replace=False)))


def _name_grab_bags(themes: list[dict], texts, assignment: np.ndarray, lang: str, sample: int = 1000) -> None:
    """Rename, in place, themes whose label and keywords LABEL_COVERAGE_MIN of their snippets (a fixed sample of up
    to ``sample``) do not hold: "其他话题（工作 / 缺点）"."""
    route = _route(lang)
    for theme, sampled in _sampled_need_themes(themes, texts, assignment, sample):
        words = list(dict.fromkeys([*str(theme["label"]).split(" / "), *theme["keywords"]]))
        theme["label_coverage"] = label_coverage(sampled, words, lang)
        if theme["label_coverage"] < LABEL_COVERAGE_MIN:
            theme["label"] = _named(GENERAL_LABEL[route]["misc"], theme["keywords"][:2], route)


# A theme at least this share of whose snippets only give the reviewer's context (sentiment.context_only: "Bought this
# for my partner.", "Second one I have owned.", "i am 5'4\" and ordered the small") names no need: the demo's
# openers made three such themes ("partner", "sale", "second owned"). No theme of shared clothing or Amazon fashion
# reviews comes near: there, measurements sit inside the fit themes.
CONTEXT_SHARE = 0.8


def _name_context_themes(themes: list[dict], texts, assignment: np.ndarray, lang: str, sample: int = 200) -> None:
    """Rename, in place, English themes whose snippets (a fixed sample of up to ``sample``) are mostly reviewer
    context: "Reviewer context (partner)". Like a general opinion, such a theme is left out of the backlog."""
    if _route(lang) != "en" or not themes:
        return
    from .sentiment import context_only

    for theme, sampled in _sampled_need_themes(themes, texts, assignment, sample):
        if context_only(sampled).mean() >= CONTEXT_SHARE:
            theme["label"] = _named(GENERAL_LABEL["en"]["context"], theme["keywords"][:2], "en")


def _row_similarity(vectors: np.ndarray, centroids: np.ndarray, labels: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    """Each vector's cosine to its own cluster's centroid, in chunks (no n x dim gather of centroids). A chunk holds a
    float32 copy of its rows and their gathered centroids: 512 MB of 200k Chinese 320-d rows, the pipeline's peak at 1M
    reviews (thirty-sixth session), 128 MB now."""
    out = np.empty(len(vectors), dtype=np.float32)
    for rows in row_slices(len(vectors), chunk):
        out[rows] = np.einsum("ij,ij->i", as_float32(vectors[rows]), centroids[labels[rows]])
    return out


def _absorb_small_clusters(vectors: np.ndarray, labels: np.ndarray, min_size: int) -> np.ndarray:
    """Clusters smaller than min_size join their nearest big cluster (no confetti themes)."""
    sizes = np.bincount(labels)
    big = [c for c in range(len(sizes)) if sizes[c] >= min_size]
    if not big or len(big) == len(sizes):
        return labels
    big_centroids = cluster_means(vectors, labels, len(sizes))[big]
    labels = labels.copy()
    small = ~np.isin(labels, big)
    labels[small] = np.array(big)[np.argmax(as_float32(vectors[small]) @ big_centroids.T, axis=1)]
    return labels


def cluster_means(vectors: np.ndarray, labels: np.ndarray, k: int, dtype=np.float64) -> np.ndarray:
    """Mean vector of each label 0..k-1 from sparse membership products (no per-cluster copies of the vectors, no
    float32 copy of compact ones). Few labels (themes): row chunks summed into one small accumulator. Many labels
    (a million reviews' snippets): label chunks written straight into the result, so no float32 twin of a
    float16 result exists."""
    from scipy import sparse

    accumulate = np.result_type(dtype, np.float32)
    counts = np.maximum(np.bincount(labels, minlength=k), 1)
    if k <= 4096:
        sums = np.zeros((k, vectors.shape[1]), dtype=accumulate)
        for rows in row_slices(len(labels)):
            part = labels[rows]
            membership = sparse.csr_matrix((np.ones(len(part), dtype=np.float32), (part, np.arange(len(part)))),
                                           shape=(k, len(part)))
            sums += membership @ as_float32(vectors[rows])
        means = sums.astype(dtype, copy=False)
        means /= counts.astype(dtype)[:, None]
        return means
    means = np.empty((k, vectors.shape[1]), dtype=dtype)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    labels_per_block = max(1, int(k * 50_000 / max(len(labels), 1)))  # ~50k vectors gathered at a time
    for block in row_slices(k, labels_per_block):
        rows = order[bounds[block.start]:bounds[block.stop]]
        part = labels[rows] - block.start
        membership = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (part, np.arange(len(rows)))),
                                       shape=(block.stop - block.start, len(rows)))
        sums = np.asarray(membership @ as_float32(vectors[rows]), dtype=accumulate)
        means[block] = sums / counts[block].astype(accumulate)[:, None]
    return means


def _centroids(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-length centroids with clusters renumbered 0..k-1 by descending size."""
    order = [c for c, _ in sorted(zip(*np.unique(labels, return_counts=True)), key=lambda x: -x[1])]
    remap = np.zeros(max(order) + 1, dtype=np.int64)
    remap[order] = np.arange(len(order))
    labels = remap[labels]
    centroids = cluster_means(vectors, labels, len(order))
    return centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12), labels


def _first_distinct(texts, order: np.ndarray, n: int, window: int = 64) -> list[str]:
    """The first n distinct texts in this order, reading only as many as needed."""
    found: dict[str, None] = {}
    for start in range(0, len(order), window):
        for text in take_texts(texts, order[start:start + window]):
            found.setdefault(text)
            if len(found) == n:
                return list(found)
    return list(found)


def _describe(texts, vectors, assignment, similarity, centroids, lang, embed_words, settings) -> list[dict]:
    k = len(centroids)
    candidates = class_tfidf(texts, assignment, k, lang)
    vocabulary = sorted({w for words in candidates for w in words})
    word_vectors = dict(zip(vocabulary, embed_words(vocabulary))) if vocabulary else {}
    themes = []
    for c in range(k):
        members = np.flatnonzero(assignment == c)
        words = candidates[c]
        ranked = mmr_select(centroids[c], np.stack([word_vectors[w] for w in words]), words, 8) if words else []
        keywords = distinct_terms(ranked)[:6]
        best = members[np.argsort(-similarity[members])]
        representatives = _first_distinct(texts, best, settings.representatives)
        label = theme_label(keywords, words, lang, settings.labels_top_n) or f"theme {c + 1}"
        themes.append({"index": c, "label": label, "keywords": keywords, "size": int(len(members)),
                       "centroid": centroids[c], "representatives": representatives, "lang": lang})
    return themes


def theme_map(centroids: np.ndarray, seed: int = 42) -> np.ndarray:
    """2-D positions of theme centroids for the theme map: metric MDS on cosine distance (spreads themes better
    than PCA), scaled to [-1, 1]; deterministic under the seed."""
    from sklearn.manifold import MDS

    n = len(centroids)
    if n < 3:
        return np.column_stack([np.linspace(-1, 1, n) if n > 1 else np.zeros(n), np.zeros(n)])
    distances = np.clip(1 - centroids @ centroids.T, 0, 2)
    np.fill_diagonal(distances, 0)
    xy = MDS(n_components=2, metric="precomputed", random_state=seed, n_init=2, normalized_stress="auto",
             init="random").fit_transform(distances)
    xy -= xy.mean(axis=0)
    return xy / max(float(np.abs(xy).max()), 1e-9)
