"""Draw Chinese snippets for a hand-labelled clause-sentiment set (reproducible).

    python bench/labels/draw_zh_clauses.py --seed 4141 --n 240 > /tmp/zh_clauses.csv

Snippets (the product's own split) of online_shopping_10_cats reviews held out by core.datasets.is_test, de-duplicated,
a seeded random sample. The output (id, sha1, text) is read and each snippet labelled by hand from its own words,
without its review: 1 positive, -1 negative, 0 neither (a fact, a question, a mixed or unclear clause). Only id, sha1
and label are committed (bench/labels/zh_clause_sentiment.csv); bench/train_models.py zh-sentiment rebuilds the text.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core import datasets  # noqa: E402
from core.text import normalise, split_snippets  # noqa: E402


def held_out_snippets() -> pd.DataFrame:
    reviews = datasets.zh_shopping()
    rows = [(hashlib.sha1(s.encode("utf-8")).hexdigest(), s)
            for text in reviews.loc[reviews.test, "text"] for replies in (False, True)  # drawn with replies read
            for s in split_snippets(normalise(str(text)), "zh", replies=replies)]
    return pd.DataFrame(rows, columns=["sha1", "text"]).drop_duplicates("sha1").reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=4141)
    parser.add_argument("--n", type=int, default=240)
    args = parser.parse_args()
    sample = held_out_snippets().sample(args.n, random_state=args.seed).reset_index(drop=True)
    sample.insert(0, "id", range(1, len(sample) + 1))
    sample.to_csv(sys.stdout, index=False)


if __name__ == "__main__":
    main()
