"""CUDA embedding benchmark: NeedLens's GPU path (fp16, length-sorted batches, batch-size sweep) against plain
fp32 ``SentenceTransformer.encode`` of the same texts in the same run, with cosine agreement to fp32.

    python bench/gpu_embed.py                  # needs a CUDA GPU; exits 0 with a note otherwise
    python bench/gpu_embed.py --allow-cpu      # run the same code on CPU (small sample) to check it works

Texts: snippets of the shared clothing reviews (falls back to the bundled demo data when ../shared is absent).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def load_snippets(limit: int) -> list[str]:
    """The first ``limit`` snippets of the shared clothing reviews (the demo's without them), repeated when there are
    fewer; reviews are read in chunks only until there are enough (bench/int8_portability.py runs this emulated)."""
    from core import datasets
    from core.text import split_snippets

    root = Path(__file__).resolve().parent.parent
    path, column = ((datasets.CLOTHING, "Review Text") if datasets.CLOTHING.exists()
                    else (root / "data" / "demo_reviews.csv", "review_text"))
    snippets: list[str] = []
    for chunk in pd.read_csv(path, usecols=[column], chunksize=1000):
        snippets += [s for t in chunk[column].dropna() for s in split_snippets(t)]
        if len(snippets) >= limit:
            break
    return (snippets * (limit // max(len(snippets), 1) + 1))[:limit]


def timed(fn) -> tuple[float, np.ndarray]:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start, out


def main() -> int:
    import torch
    from sentence_transformers import SentenceTransformer

    from core.embed import SentenceTransformerEmbedder, resolve_model_path

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--allow-cpu", action="store_true")
    parser.add_argument("--model", default="bundled:all-MiniLM-L6-v2")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu" and not args.allow_cpu:
        print("no CUDA GPU here: nothing measured (use --allow-cpu to exercise the code path on CPU)")
        return 0
    n = args.n if device == "cuda" else min(args.n, 2000)
    texts = load_snippets(n)
    print(f"device={device} ({torch.cuda.get_device_name(0) if device == 'cuda' else 'cpu'}), {len(texts):,} snippets, "
          f"torch {torch.__version__}")
    plain = SentenceTransformer(resolve_model_path(args.model), device=device)
    plain.max_seq_length = 128
    plain.encode(texts[:512], batch_size=128)  # warm-up (CUDA context, kernels)
    base_s, base = timed(lambda: plain.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False))
    print("| variant | batch | snippets/s | x plain fp32 | mean cosine to fp32 |\n|---|---|---|---|---|")
    print(f"| plain encode fp32 (default batch 32) | 32 | {len(texts) / base_s:,.0f} | 1.00 | 1.0000 |")
    fast = SentenceTransformerEmbedder(args.model, device=device)  # one model; only the batch size varies
    fast.embed(texts[:512])
    for batch in (64, 128, 256, 512):
        fast.batch_size = batch
        seconds, vectors = timed(lambda: fast.embed(texts))
        cosine = float(np.mean(np.sum(vectors * base, axis=1)))
        label = "NeedLens fp16 + length-sorted" if device == "cuda" else "NeedLens (cpu, fp32) + length-sorted"
        print(f"| {label} | {batch} | {len(texts) / seconds:,.0f} | {base_s / seconds:.2f} | {cosine:.4f} |")
        if device == "cuda":
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
