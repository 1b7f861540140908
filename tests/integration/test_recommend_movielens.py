"""The recommendation target on MovieLens-small with the documented temporal split."""
import pytest

from helpers import SHARED
from core.lab import evaluate_file

pytestmark = pytest.mark.integration


def test_best_needlens_model_beats_popularity_by_half_and_itemknn():
    ratings = SHARED / "movielens_ml_latest_small" / "ratings.csv"
    if not ratings.exists():
        pytest.skip(f"shared dataset missing: {ratings}")
    result = evaluate_file(ratings)
    ndcg = {name: m["ndcg@10"] for name, m in result["models"].items()}
    best = max(ndcg[n] for n in ndcg if n not in ("popularity", "itemknn"))
    assert best >= 1.5 * ndcg["popularity"]
    assert best >= ndcg["itemknn"]
    assert result["users"] == 610 and result["interactions"] == 100836
