"""Draw a labelled-set candidate sample of snippets for feature-request evaluation (reproducible).

    python bench/labels/draw_requests.py --seed 2026 --en 100 --zh 100 > /tmp/candidates.csv

70% of each language's snippets contain a broad request-like cue word (a wider list than the detector's, so the
sample does not simply mirror its rules), 30% are random snippets without one. Snippets already in any labelled file
under bench/labels/ are skipped. The output (id, lang, source, sha1, text) is read and labelled by hand; only
id, lang, source, sha1, label are committed.

    python bench/labels/draw_requests.py --seed 21212 --en-strata 80 100 40 --zh 0 > /tmp/candidates.csv

--en-strata A B C draws English by the strata the shipped detector sees instead (twentieth session): A, the broad
cue words above; B, no broad cue but one of the words that make the detector read a snippet (core.needs._EN_ANY_CUE:
"retailer", "if", "only", "could", "would" ...), which the 70/30 draw barely samples although the model flags there on
its own ("thanks retailer!" at P = 0.985 on 4,000 clothing reviews); C, neither (never read before "'d" joined the
list in the twenty-first session: only misses). Its ``stratum`` column is committed too, and bench/needs.py weights
each stratum by its share of all English snippets, so precision and recall estimate what a PM's whole file gets, not
the cue-rich sample's.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core import datasets  # noqa: E402
from core.text import normalise, split_snippets  # noqa: E402

EN_CUE = re.compile(r"(?i)\b(?:wish|would be|should|needs?|please|hope|if only|would love|could use|missing|lacks?)\b")
ZH_CUE = re.compile(r"希望|建议|要是|如果|最好|期待|能不能|可惜|应该|缺少|没有")
# "没有" dominates the broad list; --narrow-zh N adds N more Chinese snippets holding one of the wish words only,
# so the Chinese half has enough requests to measure recall.
ZH_NARROW = re.compile(r"希望|建议|要是|如果|最好|期待|能不能|可惜")


def snippets(reader, lang: str, source: str) -> pd.DataFrame:
    rows = []
    for review in reader()["text"]:
        for snippet in split_snippets(normalise(str(review)), lang):
            rows.append((lang, source, hashlib.sha1(snippet.encode("utf-8")).hexdigest(), snippet))
    return pd.DataFrame(rows, columns=["lang", "source", "sha1", "text"]).drop_duplicates("sha1")


def unlabelled_pools() -> tuple[pd.DataFrame, pd.DataFrame]:
    """English (clothing + Amazon fashion) and Chinese (online_shopping_10_cats) snippets not in any labelled file
    under bench/labels/, without the shortest fragments."""
    seen = set()
    for path in Path(__file__).parent.glob("*.csv"):
        seen |= set(pd.read_csv(path)["sha1"])
    en = pd.concat([snippets(datasets.clothing, "en", "womens_clothing_reviews"),
                    snippets(datasets.amazon, "en", "amazon_fashion_5core")])
    zh = snippets(datasets.zh_shopping, "zh", "online_shopping_10_cats")
    return en[~en.sha1.isin(seen) & (en.text.str.len() > 8)], zh[~zh.sha1.isin(seen) & (zh.text.str.len() > 3)]


# the words the English detector read for when held-out 21 and sets 22-23 were drawn (core.needs._EN_ANY_CUE then);
# the twenty-first session added "'d", whose reads in C were labelled whole (feature_requests_census_d.csv)
EN_READ_AS_DRAWN = re.compile(r"(?i)wish|would|should|need|please|hop|\bif\b|only|lack|downside|complaint|\bcons?\b|"
                              r"drawback|negative|issue|problem|flaw|gripe|retailer|could")


def en_stratum(texts: pd.Series) -> pd.Series:
    """A (a broad cue word), B (only a word the detector read for when the strata were drawn), C (neither), per
    English snippet."""
    broad, read = texts.str.contains(EN_CUE), texts.str.contains(EN_READ_AS_DRAWN)
    return pd.Series(["A" if b else "B" if r else "C" for b, r in zip(broad, read)], index=texts.index)


def zh_stratum(texts: pd.Series) -> pd.Series:
    """The strata every Chinese draw used: N (a wish word, ZH_NARROW), A (another broad cue), C (neither)."""
    return pd.Series(["N" if ZH_NARROW.search(t) else "A" if ZH_CUE.search(t) else "C" for t in texts],
                     index=texts.index)


def draw_strata(pool: pd.DataFrame, sizes: list[int], seed: int) -> pd.DataFrame:
    pool = pool.assign(stratum=en_stratum(pool["text"]))
    parts = [pool[pool.stratum == name].sample(n, random_state=seed) for name, n in zip("ABC", sizes)]
    return pd.concat(parts).sample(frac=1, random_state=seed)


def draw(pool: pd.DataFrame, cue: re.Pattern, n: int, seed: int) -> pd.DataFrame:
    has_cue = pool["text"].str.contains(cue)
    with_cue = pool[has_cue].sample(round(n * 0.7), random_state=seed)
    without = pool[~has_cue].sample(n - len(with_cue), random_state=seed)
    return pd.concat([with_cue, without]).sample(frac=1, random_state=seed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--en", type=int, default=100)
    parser.add_argument("--zh", type=int, default=100)
    parser.add_argument("--narrow-zh", type=int, default=0)
    parser.add_argument("--en-strata", type=int, nargs=3, metavar=("A", "B", "C"),
                        help="English by the detector's strata instead of --en (see above)")
    parser.add_argument("--half", choices=["any", "low", "high"], default="any",
                        help="draw only snippets whose SHA-1 starts with 0-7 (low) or 8-f (high): the third rule revision "
                             "was written while browsing the low half, so held-out 3 comes from the high half")
    args = parser.parse_args()
    en, zh = unlabelled_pools()
    if args.half != "any":
        keep = (lambda h: h.str[0] < "8") if args.half == "low" else (lambda h: h.str[0] >= "8")
        en, zh = en[keep(en.sha1)], zh[keep(zh.sha1)]
    english = draw_strata(en, args.en_strata, args.seed) if args.en_strata else draw(en, EN_CUE, args.en, args.seed)
    parts = [english, draw(zh, ZH_CUE, args.zh, args.seed)]
    if args.narrow_zh:
        rest = zh[~zh.sha1.isin(parts[1].sha1) & zh.text.str.contains(ZH_NARROW)]
        parts.append(rest.sample(args.narrow_zh, random_state=args.seed + 1))
    out = pd.concat(parts).reset_index(drop=True)
    out.insert(0, "id", range(1, len(out) + 1))
    out.to_csv(sys.stdout, index=False)


if __name__ == "__main__":
    main()
