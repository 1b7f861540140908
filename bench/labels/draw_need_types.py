"""Draw a sample of snippets for need-type evaluation (reproducible).

    python bench/labels/draw_need_types.py --seed 5151 --en 80 --zh 80 > /tmp/need_type_candidates.csv

Snippets are drawn uniformly at random (no cue words: the set measures the zero-shot need type on what shops
actually receive) from the English clothing and Amazon fashion reviews and the Chinese online_shopping_10_cats
reviews, skipping snippets already in any file under bench/labels/. Each is labelled by hand with the default
taxonomy's need type it is about (`core.needs.DEFAULT_TAXONOMY` names) or "other" when it is about none of them
(context, the buyer's own story, a book's content, a hotel's breakfast). Only id, lang, source, sha1 and label are
committed; `bench/needs.py types` finds the text again by its SHA-1. Once a draw is labelled, the same seed draws
other snippets (the labelled ones are skipped), as with draw_requests.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from draw_requests import unlabelled_pools  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=5151)
    parser.add_argument("--en", type=int, default=80)
    parser.add_argument("--zh", type=int, default=80)
    args = parser.parse_args()
    en, zh = unlabelled_pools()
    out = pd.concat([en.sample(args.en, random_state=args.seed), zh.sample(args.zh, random_state=args.seed)])
    out = out.reset_index(drop=True)
    out.insert(0, "id", range(1, len(out) + 1))
    out.to_csv(sys.stdout, index=False)


if __name__ == "__main__":
    main()
