"""Rising requests (issue 5.4): how often a planted rise in one requested feature is found, and how often asks that
hold their shares raise a false alarm, with the product's test (core.needs.rising_requests, 21-day window).

    .venv/bin/python bench/rising.py            # ~1 min on 2 cores

Base stream: the bundled demo's reviews (data/demo_reviews.csv), split into snippets (core.text.split_snippets), read
by the rules request detector (core.needs.is_feature_request) and named as the product names them (requested_thing).
The asks' dates are shuffled among themselves (a fixed seed per draw), so every feature holds its share over time by
construction: the demo's own planted USB-C rise is undone too. Then:

- false alarms: over 200 such shuffles, how many flag any feature;
- power: for each of 4 features of different sizes, k extra reviews asking for it are dated in the last 21 days
  (k = 3, 5, 10, 20; 50 shuffles each), and how often that feature is flagged (and any other one).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.needs import is_feature_request, request_mentions, requested_thing  # noqa: E402
from core.needs import rising_requests as test  # noqa: E402
from core.text import detect_language, split_snippets  # noqa: E402

WINDOW = 21


def rising_requests(asks: pd.DataFrame, window: int) -> pd.DataFrame:
    """The product's test on request snippets (core.latent.rising_requests reads them from a workspace)."""
    return test(request_mentions(asks), window)


def asks() -> pd.DataFrame:
    """One row per request snippet of the demo: text, named, review_id, date."""
    reviews = pd.read_csv(ROOT / "data" / "demo_reviews.csv", dtype=str, parse_dates=["date"])
    rows = []
    for review in reviews.itertuples():
        text = str(review.review_text)
        for snippet in split_snippets(text, detect_language(text)):
            if is_feature_request(snippet):
                rows.append({"text": snippet, "review_id": review.review_id, "date": review.date})
    frame = pd.DataFrame(rows)
    return frame.assign(named=[requested_thing(t) for t in frame["text"]], dataset_id=1)


def shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The same asks with each review's date given to another review (a review keeps one date for all its asks)."""
    rng = np.random.default_rng(seed)
    reviews = frame["review_id"].unique()
    days = frame.drop_duplicates("review_id").set_index("review_id")["date"]
    moved = pd.Series(rng.permutation(days.to_numpy()), index=rng.permutation(reviews))
    return frame.assign(date=frame["review_id"].map(moved))


def plant(frame: pd.DataFrame, feature_text: str, named: str, k: int, seed: int) -> pd.DataFrame:
    """k more reviews asking for ``named`` (worded as ``feature_text``), dated in the last WINDOW days."""
    rng = np.random.default_rng(10_000 + seed)
    end = frame["date"].max()
    days = end - pd.to_timedelta(rng.integers(0, WINDOW, k), unit="D")
    extra = pd.DataFrame({"text": feature_text, "review_id": [f"P{seed}-{i}" for i in range(k)], "date": days,
                          "named": named, "dataset_id": 1})
    return pd.concat([frame, extra], ignore_index=True)


def main() -> None:
    started = time.perf_counter()
    base = asks()
    reviews_asking = base.drop_duplicates("review_id")
    print(f"base stream: {len(base):,} request snippets in {len(reviews_asking):,} reviews, "
          f"{base['named'].nunique()} names, {reviews_asking['date'].min():%Y-%m-%d} to "
          f"{reviews_asking['date'].max():%Y-%m-%d}")
    alarms = sum(bool(rising_requests(shuffled(base, seed), WINDOW)["emerging"].any()) for seed in range(200))
    print(f"\nfalse alarms: {alarms} of 200 shuffles flag any feature ({alarms / 200:.1%}; the test's family-wise "
          "alpha is 1%)")
    found = rising_requests(base, WINDOW)
    sizes = found.sort_values("requests", ascending=False).reset_index(drop=True)
    picks = [sizes.iloc[i] for i in (0, len(sizes) // 3, 2 * len(sizes) // 3, len(sizes) - 1)]
    print("\n| feature (reviews asking in the base stream) | k = 3 | k = 5 | k = 10 | k = 20 | any other flagged |")
    print("|---|---|---|---|---|---|")
    for pick in picks:
        text = base.loc[base["named"] == pick["feature"], "text"].iloc[0] if (base["named"] == pick["feature"]).any() \
            else pick["feature"]
        cells, others = [], 0
        for k in (3, 5, 10, 20):
            hits = 0
            for seed in range(50):
                result = rising_requests(plant(shuffled(base, seed), text, pick["feature"], k, seed), WINDOW)
                flagged = set(result.loc[result["emerging"], "feature"])
                hits += pick["feature"] in flagged
                others += bool(flagged - {pick["feature"]})
            cells.append(f"{hits / 50:.0%}")
        print(f"| {pick['feature']} ({int(pick['requests'])}) | " + " | ".join(cells) + f" | {others} of 200 |")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
