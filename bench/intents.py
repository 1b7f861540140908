"""Search intents: the demo's planted intents and Home Depot's queries, grouped as the pipeline groups them
(core.pipeline's search analysis: misspellings joined to the query they misspell, then IntentKMeans).

    python bench/intents.py

Prints, for the demo's searches, how many intents were found against the planted ones and the share of searches
(misspellings included) in their planted intent's intent, and for Home Depot's 9,359 distinct queries the misspellings
found, the number of intents and the biggest intents' searches. Each with the misspellings joined and without, in the
same process (the loaded models and the cached query vectors are shared): as typed with the parsimony rule (before the
thirty-ninth session), joined with it, and joined with the best silhouette's k (now).
"""
from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "data"))

import pandas as pd  # noqa: E402

import make_demo  # noqa: E402
from core.config import Settings  # noqa: E402
from core.pipeline import Pipeline  # noqa: E402
from core.store import Store  # noqa: E402
from core.text import detect_language, spelling_variants  # noqa: E402
from core.themes import IntentKMeans, find_themes  # noqa: E402

HOME_DEPOT = ROOT.parent / "shared" / "datasets" / "home_depot_search_relevance" / "home_depot_train_shared.csv"


def intents(pipeline: Pipeline, keys: pd.Series, join_misspellings: bool) -> pd.Series:
    """Each search's intent (route:index), as the pipeline's search analysis forms them."""
    counts = keys.value_counts()
    misspelt = spelling_variants(counts.to_dict()) if join_misspellings else {}
    misspelt = {v: q for v, q in misspelt.items() if detect_language(v) == detect_language(q)}
    settings = replace(pipeline.settings.themes, min_themes=2, max_themes=60, min_snippets_per_theme=3,
                       assign_min_similarity=0.0)
    intent_of = {}
    for route in ("en", "zh"):
        queries = [q for q in counts.index if (detect_language(q) == "zh") == (route == "zh") and q not in misspelt]
        if not queries:
            continue
        vectors = pipeline.cached(route).embed(queries)
        result = find_themes(queries, vectors, route, pipeline.cached(route).embed, settings,
                             clusterer=IntentKMeans(settings.min_themes, settings.max_themes, settings.seed))
        intent_of.update({q: f"{route}:{a}" for q, a in zip(queries, result.assignment)})
    intent_of.update({v: intent_of[q] for v, q in misspelt.items()})
    return keys.map(intent_of)


def planted(query: str) -> str | None:
    for name, wordings in make_demo.SEARCH_INTENTS.items():
        for wording in map(str.lower, wordings):
            if query == wording or any(query == " ".join((wording[:j] + wording[j + 1:]).split())
                                       for j in range(len(wording))):
                return name
    return None


CONFIGS = (("as typed, parsimony 0.03 (before)", False, 0.03), ("joined, parsimony 0.03", True, 0.03),
           ("joined, best silhouette (now)", True, 0.0))


def grouped(pipeline: Pipeline, keys: pd.Series, join: bool, parsimony: float) -> pd.Series:
    before = IntentKMeans.parsimony
    IntentKMeans.parsimony = parsimony
    try:
        return intents(pipeline, keys, join)
    finally:
        IntentKMeans.parsimony = before


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings().with_db(Path(tmp) / "w.duckdb")
        pipeline = Pipeline(settings, Store(settings.db_path))
        demo = pd.read_csv(ROOT / "data" / "demo_searches.csv")["query"].str.lower().str.strip()
        truth = demo.map(planted)
        print(f"| demo: {len(demo):,} searches, {demo.nunique()} distinct queries, {len(make_demo.SEARCH_INTENTS)} "
              "planted intents | intents | planted intents sharing their main intent with another | searches in their "
              "planted intent's main intent |\n|---|---|---|---|")
        for label, join, parsimony in CONFIGS:
            found = grouped(pipeline, demo, join, parsimony)
            major = found.groupby(truth).agg(lambda ids: ids.mode().iloc[0])
            shared = int(major.duplicated(keep=False).sum())
            print(f"| {label} | {found.nunique()} | {shared} | {(found == truth.map(major)).mean():.3f} |")
        depot = pd.read_csv(HOME_DEPOT, encoding="latin-1")["search_term"].str.lower().str.strip()
        variants = spelling_variants(depot.value_counts().to_dict())
        print(f"\nHome Depot: {depot.nunique():,} distinct queries, {len(depot):,} searches; misspellings joined: "
              f"{variants}")
        # Home Depot's silhouettes lie within ~0.01 of each other over k = 48-60: k moves with any change of input
        print("\n| Home Depot | intents | biggest five intents (searches) |\n|---|---|---|")
        for label, join, parsimony in CONFIGS:
            sizes = grouped(pipeline, depot, join, parsimony).value_counts()
            print(f"| {label} | {len(sizes)} | {', '.join(f'{n:,}' for n in sizes.head(5))} |")
        pipeline.store.close()

if __name__ == "__main__":
    main()
