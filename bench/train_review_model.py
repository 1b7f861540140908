"""Fine-tune the bundled MiniLM as an English whole-review sentiment model for the roll-up (issue 4): tried, NOT shipped.

    python bench/train_review_model.py            # train (~15 min on 2 CPU cores), export int8 ONNX, choose, score
    python bench/train_review_model.py --score    # no training: choose the blend on validation, score on test rows

Result (tenth session, bench/RESULTS.md): validation clothing reviews 0.917 -> 0.927 at document weight 0.3 (chosen
there); test clothing reviews 0.902 -> 0.914, but Amazon fashion, a shop it never saw, 0.918 -> 0.901. A PM's own
reviews are another shop's, so it is not shipped: core.sentiment loads it only where a folder
core/models/en_review_sentiment/ exists (this script writes one), and "Adapt sentiment to these stars" on the Data
page is the per-shop fit.

Why: a review's score is the mean of its snippets' scores, and the errors left on clothing reviews are mostly 4-star
reviews that praise the garment and then spend three sentences on how it fits (82 of 359 validation 4-star reviews
came out negative, 14 of 171 1-2 star ones positive). How much a fit note weighs against "love it" is something the
stars can teach at the level of the whole review, which the clause classifier, reading one clause at a time, cannot
see. The Chinese route already blends a whole-review head into the roll-up (core.sentiment.roll_up); this gives
English the same, with a transformer.

Data: clothing reviews only (no Amazon row, so Amazon fashion stays a domain it never saw), train split
(core.datasets.split_of: test rows % 10 == 0 never trained on or looked at while choosing; validation rows % 10 == 1
choose the blend). Negative: every 1-2 star review; positive: as many 4-star as 5-star reviews, together twice the
negatives (4-star reviews are where the snippet mean goes wrong). 3-star reviews are left out.
Model: BertForSequenceClassification on the bundled all-MiniLM-L6-v2 weights, 2 classes, AdamW 4e-5,
linear warm-up/decay, batches of 16 length-bucketed reviews, max 192 tokens, class weights sqrt(balanced), seed 0,
two epochs; the epoch whose whole-review scores alone have the best balanced accuracy on validation reviews is kept.
Exported like the clause classifier (int8 MatMul weights) to core/models/en_review_sentiment/; ``document_weight``
(the whole-review score's weight in the English roll-up, 0-1) is chosen on validation reviews and written to its
needlens.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
warnings.filterwarnings("ignore")

from core import datasets  # noqa: E402
from core.config import MODELS_DIR  # noqa: E402
from core.sentiment import REVIEW_DIR  # noqa: E402
from core.text import split_snippets  # noqa: E402

OUT = MODELS_DIR / REVIEW_DIR
SEED, EPOCHS, BATCH, LR, MAX_TOKENS = 0, 2, 16, 4e-5, 192
WEIGHTS = (0.0, 0.3, 0.5, 0.7, 0.85, 1.0)


def training_rows() -> pd.DataFrame:
    clothing = datasets.clothing()
    clothing = clothing[clothing.text.map(datasets.split_of) == "train"]
    negative = clothing[clothing.rating <= 2]
    four = clothing[clothing.rating == 4].sample(n=len(negative), random_state=SEED)
    five = clothing[clothing.rating == 5].sample(n=len(negative), random_state=SEED)
    rows = pd.concat([negative.assign(label=0), four.assign(label=1), five.assign(label=1)])
    return rows[["text", "label", "rating"]].sample(frac=1, random_state=SEED).reset_index(drop=True)


def train(folder: Path) -> None:
    import torch

    from train_sentiment_encoder import adamw_with_warmup, bundled_classifier, export, length_batches, train_step

    torch.manual_seed(SEED)
    random.seed(SEED)
    rows = training_rows()
    print(f"training reviews: {len(rows):,} {rows.groupby('rating').size().to_dict()}", flush=True)
    tokenizer, model, loss_fn = bundled_classifier(rows.label.to_numpy(), 2)
    batches = length_batches(rows.text.str.len().to_numpy(), BATCH)
    steps = len(batches) * EPOCHS
    optimizer, schedule = adamw_with_warmup(model, LR, steps)
    clothing = datasets.clothing()
    held = clothing[(clothing.label >= 0) & (clothing.text.map(datasets.split_of) == "validation")]
    model.train()
    started, best, best_state = time.time(), -1.0, None
    for step, batch in enumerate(batches * EPOCHS, start=1):
        loss = train_step(model, tokenizer, loss_fn, optimizer, schedule, rows.iloc[batch], MAX_TOKENS)
        if step % 50 == 0:
            print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - started:.0f} s", flush=True)
        if step % len(batches) == 0:
            accuracy = validate(model, tokenizer, held)
            print(f"epoch {step // len(batches)}: whole-review scores alone, validation balanced accuracy "
                  f"{accuracy:.4f}, {time.time() - started:.0f} s", flush=True)
            if accuracy > best:
                best, best_state = accuracy, {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    print(f"trained in {time.time() - started:.0f} s", flush=True)
    export(model.eval(), tokenizer, folder, keep_name="needlens_review_sentiment_fp32")


def validate(model, tokenizer, frame: pd.DataFrame) -> float:
    import torch
    from sklearn.metrics import balanced_accuracy_score

    model.eval()
    predicted = []
    with torch.no_grad():
        for start in range(0, len(frame), 64):
            texts = frame.text.iloc[start:start + 64].astype(str).tolist()
            encoded = tokenizer(texts, truncation=True, max_length=MAX_TOKENS, padding=True, return_tensors="pt")
            predicted += model(**encoded).logits.argmax(-1).tolist()
    model.train()
    return balanced_accuracy_score(frame.label, predicted)


def rolled_scores(model, frame: pd.DataFrame, weight: float, snippet_scores: dict, documents: dict):
    """The product's review score (core.sentiment.roll_up) with the whole-review score at ``weight``."""
    from core.sentiment import roll_up

    pairs = [(i, s) for i, t in zip(frame.index, frame.text) for s in split_snippets(str(t), "en")]
    key = id(frame)
    if key not in snippet_scores:
        snippet_scores[key] = model.score([s for _, s in pairs], ["en"] * len(pairs), None)
        documents[key] = pd.Series(model.score_documents(frame.text.astype(str).tolist(), ["en"] * len(frame)),
                                   index=frame.index)
    rolled = roll_up(pd.DataFrame({"review_id": [i for i, _ in pairs], "score": snippet_scores[key]}),
                     documents=documents[key], document_weight=weight).set_index("review_id")
    return rolled.loc[frame.index]


def score_all(folder: Path) -> None:
    from sklearn.metrics import balanced_accuracy_score

    from core.sentiment import BundledSentiment

    model = BundledSentiment(review_model_dir=folder)
    assert model.review_model is not None, f"no review model in {folder}"
    model.en_document_weight = 1.0  # score every review; the roll-up weight passed below is the one being chosen
    clothing = datasets.clothing()
    clothing = clothing[clothing.label >= 0]
    split = clothing.text.map(datasets.split_of)
    validation, test = clothing[split == "validation"], clothing[split == "test"]
    amazon = datasets.amazon()
    amazon = amazon[amazon.label >= 0]
    cache, docs = {}, {}
    results = []
    for weight in WEIGHTS:
        rolled = rolled_scores(model, validation, weight, cache, docs)
        accuracy = balanced_accuracy_score(validation.label, rolled.score > 0)
        results.append((accuracy, weight))
        print(f"validation clothing reviews, document weight {weight}: balanced accuracy {accuracy:.4f}, "
              f"mixed {rolled.mixed.mean():.3f}", flush=True)
    best = max(results)[1]
    (folder / "needlens.json").write_text(json.dumps({"document_weight": best}, indent=1) + "\n")
    print(f"chosen: document weight {best}")
    for name, frame in (("clothing test reviews", test), ("Amazon fashion (never trained on)", amazon)):
        for weight in (0.0, best):
            rolled = rolled_scores(model, frame, weight, cache, docs)
            print(f"test: {name}, document weight {weight}: balanced accuracy "
                  f"{balanced_accuracy_score(frame.label, rolled.score > 0):.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--score", action="store_true", help="only choose the blend and score the shipped model")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not args.score:
        if args.out.exists():
            shutil.rmtree(args.out)
        train(args.out)
    score_all(args.out)


if __name__ == "__main__":
    main()
