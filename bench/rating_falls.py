"""Products losing stars (the Overview's and Product feedback's alert): how often a planted fall in one product's
ratings is found, and how often products whose ratings hold raise a false alarm, with the product's test
(core.needs.rating_falls: one-sided Welch t per product, Bonferroni over the products tested, a fall of at least
0.3 stars; 21-day window ending at the newest review).

    .venv/bin/python bench/rating_falls.py            # ~20 s on 2 cores

Base: the bundled demo's reviews (data/demo_reviews.csv: product, rating, date). First the demo as it is, then its
dates shuffled among its reviews (a fixed seed per draw), so every product's ratings hold over time by construction
(the demo's planted packaging spike, which costs some products stars in the last weeks, is undone too). Then:

- false alarms: over 200 such shuffles, how many flag any product;
- power: for 4 products of different sizes, a share q of the product's reviews in the last 21 days turned into 1-star
  reviews (a bad batch; q = 0.2, 0.35, 0.5; 50 shuffles each), and how often that product is flagged (and any other).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.needs import rating_falls  # noqa: E402

WINDOW = 21


def moments(reviews: pd.DataFrame, window: int = WINDOW) -> pd.DataFrame:
    """Store.facet_rating_moments on a frame: value, recent, n, sum_y, sum_yy per product and period."""
    day = reviews["date"].dt.normalize()
    frame = reviews.assign(value=reviews["product"], recent=day > day.max() - pd.Timedelta(days=window),
                           y=reviews["rating"].astype(float))
    return (frame.assign(yy=frame["y"] ** 2).groupby(["value", "recent"])
            .agg(n=("y", "size"), sum_y=("y", "sum"), sum_yy=("yy", "sum")).reset_index())


def shuffled(reviews: pd.DataFrame, seed: int) -> pd.DataFrame:
    return reviews.assign(date=np.random.default_rng(seed).permutation(reviews["date"].to_numpy()))


def plant(reviews: pd.DataFrame, product: str, share: float, seed: int) -> pd.DataFrame:
    """A bad batch: each of ``product``'s reviews in the last WINDOW days becomes 1-star with probability ``share``."""
    rng = np.random.default_rng(10_000 + seed)
    day = reviews["date"].dt.normalize()
    mine = (reviews["product"] == product) & (day > day.max() - pd.Timedelta(days=WINDOW))
    hit = mine & (rng.random(len(reviews)) < share)
    return reviews.assign(rating=reviews["rating"].where(~hit, 1))


def main() -> None:
    started = time.perf_counter()
    reviews = pd.read_csv(ROOT / "data" / "demo_reviews.csv", dtype={"product": str}, parse_dates=["date"])
    reviews = reviews.dropna(subset=["rating", "date"])
    print(f"base: {len(reviews):,} rated reviews of {reviews['product'].nunique()} products, "
          f"{reviews['date'].min():%Y-%m-%d} to {reviews['date'].max():%Y-%m-%d}")
    demo = rating_falls(moments(reviews))
    print(f"\nthe demo as it is: {len(demo)} products tested; flagged: "
          + ("; ".join(f"{r.value} {r.before_avg:.2f} -> {r.recent_avg:.2f} ({r.n_recent} recent, p = {r.p_value:.1e})"
                       for r in demo[demo["falling"]].itertuples()) or "none"))
    alarms = sum(bool(rating_falls(moments(shuffled(reviews, seed)))["falling"].any()) for seed in range(200))
    print(f"\nfalse alarms: {alarms} of 200 shuffles flag any product ({alarms / 200:.1%}; the test's family-wise "
          "alpha is 1%)")
    sizes = reviews["product"].value_counts()
    picks = [sizes.index[i] for i in (0, len(sizes) // 3, 2 * len(sizes) // 3, len(sizes) - 1)]
    print("\n| product (reviews; in the last 21 days of a shuffle, about) | q = 0.2 | q = 0.35 | q = 0.5 | any other flagged |")
    print("|---|---|---|---|---|")
    for product in picks:
        cells, others = [], 0
        for share in (0.2, 0.35, 0.5):
            hits = 0
            for seed in range(50):
                result = rating_falls(moments(plant(shuffled(reviews, seed), product, share, seed)))
                flagged = set(result.loc[result["falling"], "value"])
                hits += product in flagged
                others += bool(flagged - {product})
            cells.append(f"{hits / 50:.0%}")
        recent = sizes[product] * WINDOW / ((reviews["date"].max() - reviews["date"].min()).days + 1)
        print(f"| {product} ({sizes[product]}; {recent:.0f}) | " + " | ".join(cells) + f" | {others} of 150 |")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
