"""Embedding stage vs plain ``SentenceTransformer.encode`` on the same texts, same process (issue 8.2).

    python bench/embed_speed.py                # 4,000 shared clothing snippets, 3 alternating rounds
    python bench/embed_speed.py --n 2000 --rounds 2

Plain: the bundled MiniLM loaded by sentence-transformers, ``encode(texts)`` with its defaults (fp32 torch, batch 32).
NeedLens: the embedding stage as the pipeline runs it (the settings' default backend, i.e. ONNX Runtime with int8
feed-forward weights on CPU, behind the embedding cache writing into a fresh workspace), and the torch backend for
reference. Rounds alternate the methods so machine noise hits all of them; the medians are compared. Quality: mean and
minimum cosine of each method's vectors to the plain fp32 ones.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402


def main() -> None:
    from gpu_embed import load_snippets

    from core.config import BUNDLED_MODEL, Settings
    from core.embed import CachedEmbedder, load_embedder
    from core.store import Store

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = load_snippets(args.n)
    settings = Settings().embed
    plain_model = load_embedder(BUNDLED_MODEL, "cpu", backend="torch").model
    default = load_embedder(settings.model, settings.device, settings.batch_size, settings.max_seq_length, settings.backend)
    torch_backend = load_embedder(settings.model, "cpu", settings.batch_size, settings.max_seq_length, "torch")
    for warm in (lambda t: plain_model.encode(t), default.embed, torch_backend.embed):
        warm(texts[:64])
    folder = Path(tempfile.mkdtemp())
    times: dict[str, list[float]] = {"plain encode": [], f"NeedLens stage ({default.name.split('#')[-1]})": [],
                                     "NeedLens torch backend": []}
    vectors = {}
    for r in range(args.rounds):
        for name in list(times):
            store = Store(folder / f"cache_{r}_{len(times[name])}_{abs(hash(name))}.duckdb")
            start = time.perf_counter()
            if name == "plain encode":
                out = plain_model.encode(texts, normalize_embeddings=True)
            elif name.startswith("NeedLens stage"):
                out = CachedEmbedder(default, store).embed(texts)  # empty cache: every text embedded and stored
            else:
                out = CachedEmbedder(torch_backend, store).embed(texts)
            times[name].append(time.perf_counter() - start)
            store.close()
            vectors[name] = np.asarray(out, dtype=np.float32)
            print(f"round {r + 1}: {name:<32} {times[name][-1]:6.2f} s", flush=True)
    plain = statistics.median(times["plain encode"])
    reference = vectors["plain encode"]
    print(f"\n{len(texts):,} snippets, median of {args.rounds} rounds\n")
    print("| method | median (s) | texts/s | speed vs plain | mean cosine to fp32 | min cosine |\n|---|---|---|---|---|---|")
    for name, values in times.items():
        cos = np.sum(vectors[name] * reference, axis=1)
        median = statistics.median(values)
        print(f"| {name} | {median:.2f} | {len(texts) / median:,.0f} | {plain / median:.2f}x | {cos.mean():.4f} | "
              f"{cos.min():.3f} |")


if __name__ == "__main__":
    main()
