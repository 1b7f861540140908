"""Readers for the shared public datasets (../shared/datasets), used by training scripts, benchmarks and tests.

The held-out split is deterministic: a row is a test row when ``sha1("needlens:" + text) % 10 == 0``. (The salt
matters: the shared files already lack the rows with ``sha1(text) % 5 == 0``, their own blind holdout.) Every method that is
trained or tuned on these sets uses the same split, so figures on test rows are fair.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from .config import ROOT

SHARED = Path(ROOT).parent / "shared" / "datasets"
CLOTHING = SHARED / "womens_clothing_reviews" / "womens_clothing_reviews_shared.csv"
ZH_SHOPPING = SHARED / "online_shopping_10_cats" / "online_shopping_10_cats_shared.csv"
AMAZON = SHARED / "amazon_fashion_5core" / "AMAZON_FASHION_5.json"
HOME_DEPOT = SHARED / "home_depot_search_relevance" / "home_depot_train_shared.csv"
SEMEVAL = SHARED / "semeval2014_absa"
MOVIELENS = SHARED / "movielens_ml_latest_small"


def is_test(text: str) -> bool:
    """Deterministic 10% hold-out by hashing the text."""
    return int(hashlib.sha1(("needlens:" + text.strip()).encode("utf-8")).hexdigest(), 16) % 10 == 0


def split_of(text: str) -> str:
    """'test' (the hold-out above), 'validation' (another 10%, for choosing settings) or 'train'."""
    bucket = int(hashlib.sha1(("needlens:" + text.strip()).encode("utf-8")).hexdigest(), 16) % 10
    return "test" if bucket == 0 else "validation" if bucket == 1 else "train"


def clothing() -> pd.DataFrame:
    """Clothing reviews with text, rating, recommended, class; binary label where rating is not 3."""
    df = pd.read_csv(CLOTHING, dtype={"Clothing ID": str}).dropna(subset=["Review Text"])
    df = df.rename(columns={"Review Text": "text", "Rating": "rating", "Recommended IND": "recommended",
                            "Class Name": "class_name", "Department Name": "department"})
    df["label"] = df["rating"].map(lambda r: 1 if r >= 4 else (0 if r <= 2 else -1))
    df["test"] = df["text"].map(is_test)
    return df.reset_index(drop=True)


def zh_shopping() -> pd.DataFrame:
    """Chinese reviews: cat, label (1 positive, 0 negative), review; BOM characters removed; de-duplicated."""
    df = pd.read_csv(ZH_SHOPPING, dtype=str).dropna(subset=["review"])
    df["text"] = df["review"].str.replace("\ufeff", "", regex=False).str.strip()
    df = df[df["text"] != ""].drop_duplicates("text")
    df["label"] = df["label"].astype(int)
    df["test"] = df["text"].map(is_test)
    return df.reset_index(drop=True)


def amazon() -> pd.DataFrame:
    """Amazon fashion reviews de-duplicated on (reviewer, text, time); binary label where stars != 3."""
    rows = [json.loads(line) for line in AMAZON.read_text(encoding="utf-8").splitlines() if line.strip()]
    df = pd.DataFrame(rows).dropna(subset=["reviewText"])
    df = df.drop_duplicates(["reviewerID", "reviewText", "unixReviewTime"])
    df = df.rename(columns={"reviewText": "text", "overall": "rating"})
    df["label"] = df["rating"].map(lambda r: 1 if r >= 4 else (0 if r <= 2 else -1))
    df["test"] = df["text"].map(is_test)
    return df.reset_index(drop=True)


def semeval(domain: str = "Restaurants") -> pd.DataFrame:
    """SemEval-2014 ABSA sentences ("Restaurants" or "Laptop"): text, aspect terms [(term, polarity, from, to)], categories [(cat, polarity)]."""
    import xml.etree.ElementTree as ET

    root = ET.parse(SEMEVAL / f"{domain}_Train_v2.xml").getroot()
    rows = []
    for sentence in root.iter("sentence"):
        text = sentence.findtext("text") or ""
        terms = [(a.get("term"), a.get("polarity"), int(a.get("from")), int(a.get("to")))
                 for a in sentence.iter("aspectTerm")]
        categories = [(c.get("category"), c.get("polarity")) for c in sentence.iter("aspectCategory")]
        rows.append({"id": sentence.get("id"), "text": text, "terms": terms, "categories": categories})
    df = pd.DataFrame(rows)
    df["test"] = df["text"].map(is_test)
    return df
