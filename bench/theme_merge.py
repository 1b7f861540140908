"""Need themes by plain k-means against over-clustering then merging (core.themes.AutoKMeans ``over``), same run.

    python bench/theme_merge.py            # ~4 min on 2 cores: 5 seeds x (demo English, SemEval-2014) + demo Chinese

Gold: the need each snippet of the bundled demo was generated from (data/make_demo.py's templates; English wishes
count as one need, snippets matching no template or several are left out), and SemEval-2014 restaurant sentences'
single aspect category (dev = rows not held out by core.datasets.is_test; "all" is what bench/quality.py prints).
NMI of the themes find_themes gives (sentiment direction ignored, the product's default), mean and spread over seeds.
"""
from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import normalized_mutual_info_score as nmi

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "data"))

import core.themes as themes  # noqa: E402
from core import datasets  # noqa: E402
from core.config import BUNDLED_ZH_MODEL, ThemeSettings  # noqa: E402
from core.embed import load_embedder  # noqa: E402
from core.text import normalise, split_snippets  # noqa: E402
from make_demo import EN_NEEDS, EN_WISHES  # noqa: E402

SEEDS = (42, 1, 2, 3, 4)


def demo_english() -> tuple[list[str], np.ndarray]:
    templates = [(t.replace("{n}", "#"), need) for need, (_, bad, good) in EN_NEEDS.items() for t in bad + good]
    demo = pd.read_csv(ROOT / "data" / "demo_reviews.csv", dtype=str)
    texts = [s for t in demo.review_text if not re.search(r"[\u4e00-\u9fff]", t) for s in split_snippets(normalise(t), "en")]

    def need_of(snippet: str) -> str | None:
        key = re.sub(r"\d+", "#", snippet).strip(".,! ")
        hits = {need for template, need in templates if key and key in template}
        if len(hits) == 1:
            return hits.pop()
        return "wish" if any(snippet.startswith(w.split("{f}")[0].strip()) for w in EN_WISHES) else None

    return texts, np.array([need_of(t) for t in texts], dtype=object)


def main() -> None:
    import quality  # the cached bundled embedder and sentiment model bench/quality.py uses
    from train_zh_encoder import demo_need_nmi

    semeval = datasets.semeval("Restaurants")
    semeval = semeval[semeval.categories.map(len) == 1]
    data = {"demo": (*demo_english(), None),
            "semeval": (semeval.text.tolist(), np.array([c[0][0] for c in semeval.categories], dtype=object),
                        semeval.test.to_numpy())}
    vectors = {name: quality.EMBED.embed(d[0]) for name, d in data.items()}
    zh_embedder = load_embedder(BUNDLED_ZH_MODEL)
    original = themes.AutoKMeans.__init__.__defaults__
    print("| clustering | demo English planted needs | SemEval dev | SemEval all | demo Chinese planted needs (seed 42) |\n"
          "|---|---|---|---|---|")
    for over in (1, 3):
        scores: dict[str, list[float]] = {"demo": [], "dev": [], "all": []}
        for seed in SEEDS:
            for name, (texts, gold, test) in data.items():
                v = vectors[name]
                assignment = themes.find_themes(
                    texts, v, "en", quality.EMBED.embed, replace(ThemeSettings(), seed=seed),
                    clusterer=themes.AutoKMeans(6, ThemeSettings().max_themes, seed, over=over),
                    ignore_directions=quality.MODEL.embedding_directions("en", v.shape[1])).assignment
                keep = (gold != None) & (assignment >= 0)  # noqa: E711
                if test is None:
                    scores["demo"].append(nmi(gold[keep].astype(str), assignment[keep]))
                else:
                    scores["dev"].append(nmi(gold[keep & ~test].astype(str), assignment[keep & ~test]))
                    scores["all"].append(nmi(gold[keep].astype(str), assignment[keep]))
        themes.AutoKMeans.__init__.__defaults__ = original[:-1] + (over,)  # demo_need_nmi uses the default clusterer
        try:
            chinese = demo_need_nmi(zh_embedder)
        finally:
            themes.AutoKMeans.__init__.__defaults__ = original
        cells = [f"{np.mean(scores[k]):.3f} ± {np.std(scores[k]):.3f}" for k in ("demo", "dev", "all")]
        name = "plain k-means (before)" if over == 1 else f"k-means into {over} x k, merged to k (shipped)"
        print(f"| {name} | {' | '.join(cells)} | {chinese:.3f} |", flush=True)


if __name__ == "__main__":
    main()
