"""The Chinese route's sentence vectors, trained self-supervised: the bundled LSA projection fine-tuned by an inverse
cloze task (two halves of one review should be nearer each other than to the halves of other reviews in the batch).

    python bench/train_zh_encoder.py --choose        # settings scored on the validation rows only
    python bench/train_zh_encoder.py                 # train the chosen settings, save, score the held-out rows once
    python bench/train_zh_encoder.py --content       # the shipped encoder with phrasing n-grams left out (content_keep)
    python bench/train_zh_encoder.py --words         # jieba words beside those characters (the default since then)

No labels are read for training: the texts are online_shopping_10_cats' training rows (core.datasets.split_of ==
"train"); settings are chosen by k-means NMI against the categories on the validation rows, and the held-out rows
are scored once by the model that ships. The encoder keeps LSA's form (character n-gram TF-IDF times a matrix, then
l2), so it is stored as the same plain arrays and CharLsaEmbedder reads it; the Chinese sentiment head's direction
maps into it the same way.

Halves of one review share their product more than their aspect (物流很快 | 质量很好), so at a low temperature the
fine-tuned matrix groups reviews by product well and clauses by need worse: on the bundled demo's planted Chinese
needs its need themes score below the LSA's (last column of --choose). Temperature 0.1 keeps nearly all of the LSA's
need grouping and most of the gain; the LSA and the fine-tuned matrix side by side (384 dimensions) did no better.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core import datasets  # noqa: E402
from core.config import MODELS_DIR  # noqa: E402
from core.embed import CharLsaEmbedder  # noqa: E402
from core.sentiment import BundledSentiment  # noqa: E402
from core.themes import DeflatedReducer, NoReducer  # noqa: E402

LSA = MODELS_DIR / "zh_char_lsa.npz"
OUT = MODELS_DIR / "zh_char_ice.npz"
CONTENT = MODELS_DIR / "zh_char_content.npz"
WORDS = MODELS_DIR / "zh_char_word.npz"
WORD_DIMS = 128
_CJK = re.compile(r"[\u4e00-\u9fff]")
_BREAK = re.compile(r"[，。！？；、,.!?;~～\s]+")


def halves(text: str, rng: np.random.Generator) -> tuple[str, str]:
    """Two views of one review: split at the clause break nearest a random point in its middle third; a review with
    no break is cut by characters. Very short reviews give two copies (their n-gram dropout makes them differ)."""
    if len(text) < 8:
        return text, text
    target = int(len(text) * rng.uniform(0.33, 0.67))
    breaks = [m.end() for m in _BREAK.finditer(text) if 3 <= m.end() <= len(text) - 3]
    cut = min(breaks, key=lambda b: abs(b - target)) if breaks else target
    return text[:cut], text[cut:]


def to_torch(matrix) -> torch.Tensor:
    coo = matrix.tocoo()
    index = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
    values = torch.from_numpy(coo.data.astype(np.float32))
    return torch.sparse_coo_tensor(index, values, coo.shape, check_invariants=True).coalesce()


def dropout(x: torch.Tensor, rate: float, gen: torch.Generator) -> torch.Tensor:
    if rate <= 0:
        return x
    values = x.values()
    keep = torch.rand(values.shape, generator=gen) >= rate
    return torch.sparse_coo_tensor(x.indices()[:, keep], values[keep], x.shape)


def train(texts: list[str], lsa: CharLsaEmbedder, epochs: int, lr: float, temperature: float, drop: float,
          batch: int = 512, seed: int = 0, log=print, views: str = "halves") -> np.ndarray:
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    weight = torch.nn.Parameter(torch.from_numpy(lsa.components.T.astype(np.float32).copy()))  # (features, dim)
    scale = float(weight.detach().norm(dim=1).mean())
    optimiser = torch.optim.Adam([weight], lr=lr * scale)
    for epoch in range(epochs):
        pairs = [halves(t, rng) for t in texts] if views == "halves" else [(t, t) for t in texts]
        a, b = lsa.tfidf([p[0] for p in pairs]), lsa.tfidf([p[1] for p in pairs])
        order = rng.permutation(len(texts))
        total, started = 0.0, time.perf_counter()
        for start in range(0, len(order), batch):
            rows = order[start:start + batch]
            xa, xb = dropout(to_torch(a[rows]), drop, gen), dropout(to_torch(b[rows]), drop, gen)
            za = torch.nn.functional.normalize(torch.sparse.mm(xa, weight), dim=1)
            zb = torch.nn.functional.normalize(torch.sparse.mm(xb, weight), dim=1)
            logits = za @ zb.T / temperature
            target = torch.arange(len(rows))
            loss = (torch.nn.functional.cross_entropy(logits, target) + torch.nn.functional.cross_entropy(logits.T, target)) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(rows)
        log(f"  epoch {epoch + 1}: loss {total / len(texts):.3f} ({time.perf_counter() - started:.0f}s)")
    return weight.detach().numpy().T.copy()  # (dim, features), LSA's layout


def content_keep(vocabulary, texts: list[str], inside: float = 0.6) -> np.ndarray:
    """1 for the n-grams that say what a snippet is about, 0 for those that only say how it is phrased: n-grams of
    punctuation, digits or spaces alone ("! !", "…", "1、"), the Chinese stop words themselves (比较, 非常, 就是, 有点;
    core.text.ZH_STOPWORDS), and single characters found inside a stop word in at least ``inside`` of their
    occurrences in ``texts`` (较 of 比较, 非 of 非常, 么 of 什么). Without them, hotel reviews clustered into "比较 …",
    "非常 …", "……" and "! ! !" themes beside breakfast and noise."""
    import collections

    from core.text import ZH_STOPWORDS

    stops = {w for w in ZH_STOPWORDS if _CJK.search(w)}
    corpus = "\n".join(texts)
    chars = collections.Counter(corpus)
    in_stop = collections.Counter()
    for word in stops:
        if len(word) >= 2:
            hits = corpus.count(word)
            for c in word:
                in_stop[c] += hits
    keep = np.ones(len(vocabulary), dtype=np.uint8)
    for i, gram in enumerate(str(g) for g in vocabulary):
        if not _CJK.search(gram) and not re.search(r"[A-Za-z]", gram):
            keep[i] = 0
        elif gram in stops:
            keep[i] = 0
        elif len(gram) == 1 and chars[gram] and in_stop[gram] / chars[gram] >= inside:
            keep[i] = 0
    return keep


def nmi(vectors: np.ndarray, cats, seeds=(0, 1, 2)) -> list[float]:
    return [normalized_mutual_info_score(cats, KMeans(10, n_init=4, random_state=s).fit_predict(vectors)) for s in seeds]


def theme_space(embedder: CharLsaEmbedder, vectors: np.ndarray) -> np.ndarray:
    """What need themes cluster: the vectors with the Chinese sentiment head's direction projected out."""
    direction = BundledSentiment(zh_embedder=embedder, encoder=None).embedding_directions("zh", vectors.shape[1])
    return DeflatedReducer(direction, NoReducer()).deflate(vectors)


def encoder_with(lsa: CharLsaEmbedder, components: np.ndarray) -> CharLsaEmbedder:
    out = CharLsaEmbedder.__new__(CharLsaEmbedder)
    out.__dict__.update(lsa.__dict__)
    out.components = components.astype(np.float32)
    out.dim = out.char_dim = int(components.shape[0])
    out.word_components = None
    out.name = f"zh-char-lsa:{OUT.stem}"
    return out


def themes_as_the_pipeline(texts: list[str], vectors: np.ndarray, embedder: CharLsaEmbedder, settings):
    """Chinese need themes as an analysis finds them: the sentiment direction ignored, clustered within the snippets'
    need types (the default taxonomy) as ``settings`` say (types_apart_zh)."""
    from core.needs import DEFAULT_TAXONOMY, OTHER, assign_need_types, need_type_dims
    from core.themes import find_themes

    direction = BundledSentiment(zh_embedder=embedder, encoder=None).embedding_directions("zh", vectors.shape[1])
    types, _ = assign_need_types(vectors, "zh", DEFAULT_TAXONOMY, embedder.embed, texts=texts,
                                 dims=need_type_dims(embedder))
    return find_themes(texts, vectors, "zh", embedder.embed, settings, ignore_directions=direction, need_types=types,
                       untyped=OTHER)


def demo_need_nmi(embedder: CharLsaEmbedder, settings=None) -> float:
    """NMI between need themes (the pipeline's clustering: themes_as_the_pipeline) of the bundled demo's Chinese
    snippets and the need each was generated from (data/make_demo.py's templates; snippets matching one need only)."""
    from core.config import ThemeSettings
    from core.text import normalise, split_snippets

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "data"))
    from make_demo import ZH_NEEDS

    templates = [(t.replace("{n}", "#"), need) for need, (_, bad, good) in ZH_NEEDS.items() for t in bad + good]
    demo = pd.read_csv(Path(__file__).resolve().parent.parent / "data" / "demo_reviews.csv", dtype=str)
    texts = [s for t in demo.review_text if re.search(r"[\u4e00-\u9fff]", t) for s in split_snippets(normalise(t), "zh")]

    def need_of(snippet: str) -> str | None:
        key = re.sub(r"\d+", "#", snippet).strip("。，")
        hits = {need for template, need in templates if key and key in template}
        return hits.pop() if len(hits) == 1 else None

    needs = np.array([need_of(t) for t in texts], dtype=object)
    assignment = themes_as_the_pipeline(texts, embedder.embed(texts), embedder, settings or ThemeSettings()).assignment
    keep = (needs != None) & (assignment >= 0)  # noqa: E711
    return float(normalized_mutual_info_score(needs[keep].astype(str), assignment[keep]))


def side_by_side(lsa: CharLsaEmbedder, tuned: np.ndarray) -> np.ndarray:
    return np.vstack([lsa.components, tuned * (np.linalg.norm(lsa.components) / np.linalg.norm(tuned))])


def score(name: str, embedder: CharLsaEmbedder, rows, demo: bool = False) -> tuple[float, float]:
    vectors = embedder.embed(rows.text.tolist())
    plain, themed = nmi(vectors, rows.cat), nmi(theme_space(embedder, vectors), rows.cat)
    needs = f" | {demo_need_nmi(embedder):.3f}" if demo else ""
    print(f"| {name} | {np.mean(plain):.3f} | {np.mean(themed):.3f} | {', '.join(f'{s:.3f}' for s in themed)}{needs} |",
          flush=True)
    return float(np.mean(plain)), float(np.mean(themed))


def train_words(texts: list[str], dims: int = WORD_DIMS) -> dict[str, np.ndarray]:
    """The word view: TF-IDF of the training texts' jieba words (core.text.tokenize_zh: no stop words, no single
    characters; in at least 3 texts) and its truncated SVD. No label is read."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    from core.text import tokenize_zh

    vectorizer = TfidfVectorizer(analyzer=lambda text: tokenize_zh(text.lower()), sublinear_tf=True, min_df=3)
    matrix = vectorizer.fit_transform(texts)
    svd = TruncatedSVD(dims, random_state=0).fit(matrix)
    words = np.array(vectorizer.get_feature_names_out(), dtype=str)
    return {"word_vocabulary": words, "word_idf": vectorizer.idf_.astype(np.float32),
            "word_components": svd.components_.astype(np.float16)}  # half the file; cosines move < 1e-3


def with_word_weight(embedder: CharLsaEmbedder, weight: float) -> CharLsaEmbedder:
    out = CharLsaEmbedder.__new__(CharLsaEmbedder)
    out.__dict__.update(embedder.__dict__)
    out.word_weight = weight
    return out


def zh_snippets(texts) -> list[str]:
    from core.text import normalise, split_snippets

    return list(dict.fromkeys(s for t in texts for s in split_snippets(normalise(str(t)), "zh")))


def need_type_nmi(embedder: CharLsaEmbedder, pool: list[str], seeds=(42, 1, 7), settings=None) -> list[float]:
    """NMI between need themes and the hand-labelled need types (bench/labels/need_types_*.csv, Chinese rows, each
    snippet's first type) of the labelled snippets, clustered among ``pool`` as a PM's file would be."""
    from dataclasses import replace

    from core.config import ThemeSettings

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from needs import zh_pool

    labels = pd.concat([pd.read_csv(f) for f in sorted((Path(__file__).parent / "labels").glob("need_types_*.csv"))])
    labels = labels[labels.lang == "zh"].drop_duplicates("sha1").merge(zh_pool()[["sha1", "text"]], on="sha1")
    texts = list(dict.fromkeys(pool + labels.text.tolist()))
    rows = pd.Index(texts).get_indexer(labels.text)
    gold = labels.label.str.split("|").str[0].to_numpy()
    vectors = embedder.embed(texts)
    out = []
    for seed in seeds:
        assignment = themes_as_the_pipeline(texts, vectors, embedder,
                                            replace(settings or ThemeSettings(), seed=seed)).assignment
        out.append(float(normalized_mutual_info_score(gold, assignment[rows])))
    return out


def single_character_themes(embedder: CharLsaEmbedder, texts: list[str], settings=None) -> tuple[int, int, float]:
    """Themes whose label terms share a character and no two-character word ("最好 / 只好 / 更好"), and the share of
    snippets they hold: groups by a common character, not by a need."""
    from core.config import ThemeSettings

    result = themes_as_the_pipeline(texts, embedder.embed(texts), embedder, settings or ThemeSettings())
    sizes = np.bincount(result.assignment[result.assignment >= 0], minlength=len(result.themes))
    flagged = 0
    held = 0
    for size, theme in zip(sizes, result.themes):
        terms = [set(t) for t in re.findall(r"[\u4e00-\u9fff]+", theme["label"])]
        pairs = [{t[i:i + 2] for i in range(len(t) - 1)} for t in re.findall(r"[\u4e00-\u9fff]+", theme["label"])]
        if len(terms) >= 2 and set.intersection(*terms) and not set.intersection(*pairs):
            flagged += 1
            held += int(size)
    return len(result.themes), flagged, held / max(int(sizes.sum()), 1)


def score_words(name: str, embedder: CharLsaEmbedder, rows, pool: list[str], hotel: list[str]) -> None:
    vectors = embedder.embed(rows.text.tolist())
    themed = nmi(theme_space(embedder, vectors), rows.cat)
    types = need_type_nmi(embedder, pool)
    mixed_themes, hotel_themes = single_character_themes(embedder, pool), single_character_themes(embedder, hotel)
    print(f"| {name} | {np.mean(themed):.3f} | {demo_need_nmi(embedder):.3f} | {np.mean(types):.3f} "
          f"({', '.join(f'{t:.3f}' for t in types)}) | {mixed_themes[1]} of {mixed_themes[0]} ({mixed_themes[2]:.0%}) | "
          f"{hotel_themes[1]} of {hotel_themes[0]} ({hotel_themes[2]:.0%}) |", flush=True)


def words_main(df: pd.DataFrame, train_rows, validation, test) -> None:
    """--words: fit the word view on the training rows, write core/models/zh_char_word.npz (the content encoder's
    characters + words at weight 1, the two views weighed alike; 0.75 and 1.25 are printed beside it on the validation
    rows), score the held-out rows once."""
    started = time.time()
    view = train_words(train_rows.text.tolist())
    np.savez_compressed(WORDS, base=np.array(CONTENT.name), word_weight=np.array(1.0, dtype=np.float32), **view)
    print(f"wrote {WORDS} ({len(view['word_vocabulary']):,} words x {WORD_DIMS} dims, {time.time() - started:.0f} s)")
    hotel = zh_snippets(df[df.cat == "酒店"].sample(3000, random_state=3).text)
    header = ("| {} | category NMI (theme space, 3 seeds) | demo: planted needs | need types (hand labels) NMI, seeds "
              "42 / 1 / 7 | single-character themes, these rows | single-character themes, 3,000 hotel reviews |"
              "\n|---|---|---|---|---|---|")
    content, words = CharLsaEmbedder(CONTENT), CharLsaEmbedder(WORDS)
    for title, rows in ((f"validation ({len(validation):,} rows)", validation), (f"held-out ({len(test):,} rows)", test)):
        pool = zh_snippets(rows.text)
        print(header.format(title))
        score_words("zh-char-content (characters)", content, rows, pool, hotel)
        if rows is validation:
            for weight in (0.75, 1.25):
                score_words(f"characters + words at {weight}", with_word_weight(words, weight), rows, pool, hotel)
        score_words("**zh-char-word: characters + words at 1 (shipped)**", words, rows, pool, hotel)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--choose", action="store_true", help="score a grid of settings on the validation rows")
    parser.add_argument("--content", action="store_true",
                        help="leave phrasing n-grams out of the shipped encoder (content_keep): score the thresholds "
                             "on the validation rows, write core/models/zh_char_content.npz, score the held-out rows once")
    parser.add_argument("--words", action="store_true",
                        help="fit the word view beside the shipped characters, write core/models/zh_char_word.npz, "
                             "score it on the validation and held-out rows")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.01, help="Adam step, relative to the mean feature-row norm")
    parser.add_argument("--temperature", type=float, default=0.1)
    parser.add_argument("--drop", type=float, default=0.1, help="n-gram dropout on each view")
    args = parser.parse_args()
    df = datasets.zh_shopping()
    split = df.text.map(datasets.split_of)
    train_rows, validation, test = df[split == "train"], df[split == "validation"], df[split == "test"]
    lsa = CharLsaEmbedder(LSA)
    texts = train_rows.text.tolist()
    header = ("| {} | NMI (stored vectors) | NMI (theme space) | theme space per seed | demo: need themes vs planted "
              "needs (NMI) |\n|---|---|---|---|---|")
    if args.words:
        words_main(df, train_rows, validation, test)
        return
    if args.content:
        ice = CharLsaEmbedder(OUT)
        vocabulary = np.load(OUT, allow_pickle=False)["vocabulary"]
        print(header.format(f"encoder ({len(validation)} validation rows)"))
        score("zh-char-ice (all n-grams)", ice, validation, demo=True)
        for inside in (0.4, 0.6, 0.8, 2.0):
            keep = content_keep(vocabulary, texts, inside)
            out = int((keep == 0).sum())
            what = ("punctuation / digit n-grams and stop words left out" if inside > 1 else
                    f"and characters inside a stop word in >= {inside:.0%} of their uses ({out} left out)")
            score(what, encoder_with(ice, ice.components * keep[None, :]), validation, demo=True)
        keep = content_keep(vocabulary, texts)
        np.savez_compressed(CONTENT, base=np.array(OUT.name), keep=keep)
        print(f"wrote {CONTENT} ({int((keep == 0).sum())} of {len(keep)} n-grams left out)")
        print(header.format(f"encoder ({len(test)} held-out rows)"))
        score("zh-char-ice (all n-grams)", CharLsaEmbedder(OUT), test, demo=True)
        score("zh-char-content (shipped)", CharLsaEmbedder(CONTENT), test, demo=True)
        return
    if args.choose:
        print(f"{len(texts)} training texts; scored on {len(validation)} validation rows (k-means k=10, 3 seeds)")
        print(header.format("encoder (validation rows)"))
        score("bundled LSA", lsa, validation, demo=True)
        grid = [(3, 0.01, 0.05, 0.1), (3, 0.003, 0.05, 0.1), (3, 0.01, 0.1, 0.1), (3, 0.01, 0.05, 0.0), (6, 0.01, 0.05, 0.1)]
        for epochs, lr, temperature, drop in grid:
            components = train(texts, lsa, epochs, lr, temperature, drop, log=lambda *_: None)
            name = f"ICE epochs {epochs}, lr {lr}, tau {temperature}, drop {drop}"
            score(name, encoder_with(lsa, components), validation, demo=True)
            score(f"LSA + {name}, side by side", encoder_with(lsa, side_by_side(lsa, components)), validation, demo=True)
        return
    print(f"training on {len(texts)} texts: epochs {args.epochs}, lr {args.lr}, tau {args.temperature}, drop {args.drop}")
    components = train(texts, lsa, args.epochs, args.lr, args.temperature, args.drop)
    data = np.load(LSA, allow_pickle=False)
    np.savez_compressed(OUT, vocabulary=data["vocabulary"], idf=data["idf"], components=components.astype(np.float16),
                        ngram_range=data["ngram_range"])
    print(f"wrote {OUT}")
    print(header.format(f"encoder ({len(test)} held-out rows)"))
    score("bundled LSA", lsa, test, demo=True)
    score("zh-char-ice (inverse cloze, shipped)", CharLsaEmbedder(OUT), test, demo=True)

if __name__ == "__main__":
    main()
