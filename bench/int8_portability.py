"""Do the shipped int8 models give the same numbers on every CPU? (core/embed.py, "int8 that gives one answer")

    python bench/int8_portability.py            # ~4 min on 2 cores: 16 clothing snippets, natively and emulated
    python bench/int8_portability.py --n 40 --speed 400

ONNX Runtime's uint8 x int8 kernel sums products exactly on x86 CPUs with VNNI and saturates 16-bit pair sums on those
without (AVX2, AVX-512 without VNNI). This runs the English request model, the English clause sentiment model and the
bundled MiniLM embedder (int8 ONNX) on the same snippets four ways: on this CPU and on a Haswell (AVX2, no VNNI)
emulated by `qemu-x86_64 -cpu Haswell` (Debian package qemu-user), each with NEEDLENS_INT8=native (the kernel ONNX
Runtime picks) and =exact (the weights stored as uint8, core.embed.exact_int8). It prints how far each run is from this
CPU's exact run, then this CPU's speed with and without the conversion (over --speed snippets), then, under valgrind
(whose CPU has AVX2 without VNNI), the instructions the conversion costs where it is made. Under qemu-user,
/proc/cpuinfo is the host's, so the product's automatic choice (NEEDLENS_INT8=auto) is not what is emulated here: the
two modes are forced.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

HEADS = ("en_request", "en_clause_sentiment")


def worker(out: str, n: int) -> None:
    """Logits of each head and the embedder's vectors on the first n clothing snippets, with timings, into ``out``."""
    from gpu_embed import load_snippets

    from core.config import BUNDLED_MODEL, MODELS_DIR
    from core.embed import OnnxEmbedder
    from core.sentiment import EncoderHead

    texts = load_snippets(n)
    result: dict[str, np.ndarray] = {}
    for name in HEADS:
        head = EncoderHead(MODELS_DIR / name, workers=1)
        encodings = head.tokenizer.encode_batch(texts)
        started = time.perf_counter()
        result[name] = head._logits(head.sessions[0], encodings)
        result[f"{name}_s"] = np.array(time.perf_counter() - started)
    embedder = OnnxEmbedder(BUNDLED_MODEL, threads=1)
    started = time.perf_counter()
    result["embedder"] = embedder.embed(texts)
    result["embedder_s"] = np.array(time.perf_counter() - started)
    np.savez(out, **result)


def count_instructions(mode: str) -> int:
    """Instructions the request model runs on 8 clauses under valgrind, whose CPU has AVX2 but no VNNI or AVX-512, so
    ONNX Runtime takes its AVX2 kernels: callgrind's total for 10 clauses minus that for 2 (start-up cancels)."""
    totals = []
    for n in (2, 10):
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
                   "--worker-head", str(n)]
        done = subprocess.run(command, env=dict(os.environ, NEEDLENS_INT8=mode), capture_output=True, text=True)
        totals.append(int(done.stderr.split("Collected :")[1].split()[0]))
    return totals[1] - totals[0]


def run(mode: str, n: int, folder: Path, emulate: bool) -> dict[str, np.ndarray]:
    out = folder / f"{'haswell' if emulate else 'host'}-{mode}.npz"
    command = [sys.executable, __file__, "--worker", str(out), "--n", str(n)]
    if emulate:
        command = ["qemu-x86_64", "-cpu", "Haswell", *command]
    env = dict(os.environ, NEEDLENS_INT8=mode, OMP_NUM_THREADS="1")
    subprocess.run(command, env=env, check=True, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return dict(np.load(out))


def compare(runs: dict[str, dict[str, np.ndarray]], n: int) -> None:
    reference = runs["this CPU, exact"]
    print(f"\n| run ({n} clothing snippets) | request logits: max / mean abs diff "
          "| clause sentiment logits: max / mean | embedder: min / mean cosine |\n|---|---|---|---|")
    for name, result in runs.items():
        cells = []
        for head in HEADS:
            diff = np.abs(result[head] - reference[head])
            cells.append(f"{diff.max():.4f} / {diff.mean():.5f}")
        cosine = (result["embedder"] * reference["embedder"]).sum(axis=1)
        cells.append(f"{cosine.min():.5f} / {cosine.mean():.5f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    from core.embed import int8_saturates

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--speed", type=int, default=400, help="snippets for this CPU's timing (0: no timing and no valgrind count)")
    parser.add_argument("--worker")
    parser.add_argument("--worker-head", type=int)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.n)
    if args.worker_head:
        from gpu_embed import load_snippets

        from core.config import MODELS_DIR
        from core.sentiment import EncoderHead

        head = EncoderHead(MODELS_DIR / HEADS[0], workers=1)
        return head._logits(head.sessions[0], head.tokenizer.encode_batch(load_snippets(args.worker_head)))
    print(f"this CPU: {'no VNNI, int8 products can saturate' if int8_saturates() else 'VNNI, int8 products exact'}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runs = {f"this CPU, {mode}": run(mode, args.n, folder, False) for mode in ("exact", "native")}
        if shutil.which("qemu-x86_64"):
            for mode in ("exact", "native"):
                runs[f"Haswell (emulated), {mode}"] = run(mode, args.n, folder, True)
        else:
            print("qemu-x86_64 not found (apt-get install qemu-user): only this CPU is compared")
        compare(runs, args.n)
        if args.speed:
            timed = {mode: run(mode, args.speed, folder, False) for mode in ("native", "exact", "native", "exact")}
            print(f"\nthis CPU, {args.speed} snippets, one thread (the second run of each mode): seconds, "
                  "native -> exact")
            for key in (*HEADS, "embedder"):
                native, exact = float(timed["native"][f"{key}_s"]), float(timed["exact"][f"{key}_s"])
                print(f"- {key}: {native:.2f} -> {exact:.2f} ({exact / native:.2f}x)")
        if args.speed and shutil.which("valgrind"):  # callgrind counts vary by ~10% run to run
            native, exact = count_instructions("native"), count_instructions("exact")
            print(f"\nAVX2 without VNNI (valgrind's CPU), request model, 8 clauses: {native:,} -> {exact:,} "
                  f"instructions ({exact / native:.2f}x)")


if __name__ == "__main__":
    main()
