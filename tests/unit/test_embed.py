import numpy as np
import pytest

from core.embed import CachedEmbedder, HashingEmbedder, SentenceTransformerEmbedder, choose_device, length_sorted_batches
from core.errors import ModelError


class DictCache:
    def __init__(self):
        self.data = {}

    def get_embeddings(self, model, hashes):
        return {h: self.data[(model, h)] for h in hashes if (model, h) in self.data}

    def put_embeddings(self, model, hashes, vectors):
        self.data.update({(model, h): v for h, v in zip(hashes, vectors)})


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        super().__init__(16)
        self.seen = []

    def embed(self, texts, progress=None):
        self.seen.extend(texts)
        return super().embed(texts, progress)


def test_each_distinct_text_is_embedded_once_across_calls():
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, DictCache())
    first = cached.embed(["runs small", "soft fabric", "runs small"])
    second = cached.embed(["soft fabric", "new text"])
    assert sorted(inner.seen) == ["new text", "runs small", "soft fabric"]
    assert np.allclose(first[1], second[0]) and np.allclose(first[0], first[2])


def test_length_sorted_batches_cover_every_index_once():
    texts = ["a" * n for n in (5, 1, 9, 3, 7)]
    batches = list(length_sorted_batches(texts, 2))
    assert sorted(np.concatenate(batches).tolist()) == [0, 1, 2, 3, 4]
    assert batches[0].tolist() == [2, 4]


def test_device_choice_honours_explicit_request():
    assert choose_device("cpu") == "cpu"
    assert choose_device("auto") in {"cpu", "cuda", "mps"}


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    """A tiny BERT saved to disk by the test itself: exercises the 'any local path / HF id' loading code."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path = tmp_path_factory.mktemp("tiny-bert")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "runs", "small", "soft", "fabric", "battery", "short"]
    (path / "vocab.txt").write_text("\n".join(words))
    BertTokenizerFast(vocab_file=str(path / "vocab.txt")).save_pretrained(path)
    config = BertConfig(vocab_size=len(words), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    BertModel(config).save_pretrained(path)
    return path


def test_local_path_model_loads_and_embeds(tiny_model_dir):
    embedder = SentenceTransformerEmbedder(str(tiny_model_dir), device="cpu", batch_size=2)
    vectors = embedder.embed(["runs small", "soft fabric", "battery short"])
    assert vectors.shape == (3, 32) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert embedder.name == str(tiny_model_dir)


def test_a_model_on_disk_loads_without_a_progress_bar_and_leaves_bars_on(tiny_model_dir, capfd):
    import transformers.utils.logging as hf_logging

    SentenceTransformerEmbedder(str(tiny_model_dir), device="cpu")
    assert "Loading weights" not in capfd.readouterr().err  # `core run --no-progress` printed one per model
    assert hf_logging.is_progress_bar_enabled()  # a download's bars are not switched off for good


def test_unreachable_model_raises_model_error_with_fix(tmp_path):
    with pytest.raises(ModelError, match="NEEDLENS_MODEL"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"), device="cpu")


@pytest.mark.parametrize("quantize", [False, True])
def test_onnx_embedder_matches_the_torch_model(tiny_model_dir, tmp_path, quantize):
    # The ONNX path exports the model the user configured (here a tiny BERT the test saved), pools and normalises as
    # sentence-transformers does; fp32 equals torch, int8 feed-forward stays close; the export is reused.
    from core.embed import OnnxEmbedder

    texts = ["runs small", "soft fabric battery short", "battery", "short short small soft fabric runs"]
    torch_vectors = SentenceTransformerEmbedder(str(tiny_model_dir), device="cpu").embed(texts)
    onnx = OnnxEmbedder(str(tiny_model_dir), batch_size=3, quantize=quantize, cache_dir=tmp_path)
    vectors = onnx.embed(texts)
    cosine = np.sum(vectors * torch_vectors, axis=1)
    assert vectors.shape == (4, 32)
    assert cosine.min() > (0.98 if quantize else 0.9999), cosine
    assert onnx.name.endswith("#onnx-int8" if quantize else "#onnx")  # its own embedding-cache key
    exported = sorted(p.name for p in tmp_path.rglob("*.onnx"))
    assert exported == (["model.int8.onnx", "model.onnx"] if quantize else ["model.onnx"])
    again = OnnxEmbedder(str(tiny_model_dir), batch_size=3, quantize=quantize, cache_dir=tmp_path)  # no re-export
    assert np.allclose(again.embed(texts), vectors, atol=1e-6)
    # int8 activations are scaled per batch, so another batching moves a vector slightly, never far
    other = OnnxEmbedder(str(tiny_model_dir), batch_size=1, quantize=quantize, cache_dir=tmp_path).embed(texts)
    assert np.sum(other * vectors, axis=1).min() > 0.98


def test_auto_backend_picks_onnx_on_cpu_and_torch_when_asked(tiny_model_dir, monkeypatch, tmp_path):
    from core.embed import OnnxEmbedder, load_embedder

    monkeypatch.setenv("NEEDLENS_MODEL_CACHE", str(tmp_path))
    load_embedder.cache_clear()
    assert isinstance(load_embedder(str(tiny_model_dir), "cpu", backend="auto"), OnnxEmbedder)
    assert isinstance(load_embedder(str(tiny_model_dir), "cpu", backend="torch"), SentenceTransformerEmbedder)
    load_embedder.cache_clear()


def test_auto_backend_falls_back_to_torch_when_the_onnx_cache_is_unwritable(tiny_model_dir, monkeypatch, tmp_path):
    from core.embed import load_embedder

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("NEEDLENS_MODEL_CACHE", str(blocked / "onnx"))
    load_embedder.cache_clear()
    assert isinstance(load_embedder(str(tiny_model_dir), "cpu", backend="auto"), SentenceTransformerEmbedder)
    load_embedder.cache_clear()


def test_compact_vectors_come_back_in_order_with_duplicates_and_chunked_cache_reads():
    cache = DictCache()
    texts = [f"text {i % 37}" for i in range(200)]  # 37 distinct, repeated
    full = CachedEmbedder(HashingEmbedder(16), cache).embed(texts)
    cached = CachedEmbedder(CountingEmbedder(), cache)
    compact = cached.embed(texts, dtype=np.float16, chunk=10)  # all from the cache, read 10 hashes at a time
    assert compact.dtype == np.float16 and cached.inner.seen == [] and cached.hits == 37
    assert np.allclose(compact.astype(np.float32), full, atol=1e-3)
    from core.text import text_hash
    again = CachedEmbedder(HashingEmbedder(16), DictCache()).embed(texts, hashes=[text_hash(t) for t in texts], chunk=7)
    assert np.allclose(again, full)


def test_onnx_export_of_logits_matches_torch_and_leaves_the_model_in_eval_mode(tiny_model_dir, tmp_path):
    # bench/train_sentiment_encoder.py exports its classifier through the same helper as the embedder; the exporter
    # restores the wrapper's mode afterwards, which once left the caller's model with dropout switched on.
    import onnxruntime as ort
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from core.embed import export_onnx

    model = AutoModelForSequenceClassification.from_pretrained(str(tiny_model_dir), num_labels=3).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    export_onnx(model, tokenizer, tmp_path / "classifier.onnx", "logits")
    assert not model.training
    batch = tokenizer(["one text", "a second, rather longer text", "third"], padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = model(**batch).logits.numpy()
    session = ort.InferenceSession(str(tmp_path / "classifier.onnx"))
    got = session.run(None, {i.name: batch[i.name].numpy() for i in session.get_inputs()})[0]
    assert got.shape == (3, 3) and np.allclose(got, expected, atol=1e-4)


def _quantised_matmul(tmp_path, weights: np.ndarray):
    """A one-MatMul ONNX model, quantised as the product quantises its models (int8 weights, per output channel)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "mm",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, weights.shape[0]])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, weights.shape[1]])],
                              [numpy_helper.from_array(weights.astype(np.float32), "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, tmp_path / "fp32.onnx")
    quantize_dynamic(str(tmp_path / "fp32.onnx"), str(tmp_path / "int8.onnx"), weight_type=QuantType.QInt8,
                     per_channel=True)
    return tmp_path / "int8.onnx"


def _exact_reference(path, x: np.ndarray) -> np.ndarray:
    """What the quantised model computes with exact integer sums: x quantised as DynamicQuantizeLinear does, times the
    stored int8 weights, scaled back."""
    import onnx
    from onnx import numpy_helper

    stored = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    weights = next(v for k, v in stored.items() if v.dtype == np.int8 and v.ndim == 2).astype(np.int64)
    w_scale = next(v for k, v in stored.items() if k.endswith("_scale")).astype(np.float32)
    low, high = np.float32(min(0.0, x.min())), np.float32(max(0.0, x.max()))
    scale = np.float32((high - low) / np.float32(255))
    zero = int(np.clip(np.round(-low / scale), 0, 255))
    q = np.clip(np.round(x / scale) + zero, 0, 255).astype(np.int64)
    return ((q - zero) @ weights).astype(np.float32) * (scale * w_scale)


def test_int8_models_are_summed_exactly_after_conversion_whatever_the_cpu(tmp_path):
    """Activations near their maximum times weights at +-127, in pairs of one sign: a VPMADDUBSW pair sum of
    255 x 127 x 2 saturates at 32767 on x86 without VNNI. Converted, the model gives the exact integer result on any
    CPU; unconverted it does only where the CPU has VNNI (not asserted: it depends on the machine)."""
    import onnx
    import onnxruntime as ort

    from core.embed import exact_int8, int8_model_source

    rng = np.random.default_rng(0)
    weights = np.sign(rng.normal(size=(64, 8))).repeat(2, axis=0)[:64]  # adjacent rows share a sign
    weights[:, 0] = 1.0
    path = _quantised_matmul(tmp_path, weights)
    x = rng.uniform(0.9, 1.0, size=(5, 64)).astype(np.float32)
    x[0, 0] = 0.0
    assert isinstance(int8_model_source(path, exact=False), str)
    source = int8_model_source(path, exact=True)
    assert isinstance(source, bytes)
    model = onnx.load(str(path))
    assert exact_int8(model) == 1 and exact_int8(model) == 0  # converted once; a second pass finds nothing to do
    converted = ort.InferenceSession(source, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    reference = _exact_reference(path, x)
    assert np.abs(reference).max() > 40  # large sums: far past where saturation would clip them
    np.testing.assert_allclose(converted, reference, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("machine, flags, saturates", [
    ("x86_64", "fpu sse2 avx avx2 fma", True),  # AVX2 only (Zen 2/3, Haswell-Skylake)
    ("x86_64", "avx2 avx512f avx512bw", True),  # AVX-512 without VNNI (Skylake-SP)
    ("x86_64", "avx2 avx512f avx512_vnni", False),
    ("x86_64", "avx2 avx_vnni", False),
    ("AMD64", "avx2 amx_int8 amx_tile", False),
    ("aarch64", "fp asimd", False),
])
def test_int8_saturation_is_read_off_the_cpu_flags(machine, flags, saturates):
    from core.embed import int8_saturates

    cpuinfo = f"processor\t: 0\nflags\t\t: {flags}\nprocessor\t: 1\nflags\t\t: {flags}\n"
    assert int8_saturates(cpuinfo, machine) is saturates


def test_a_derived_chinese_model_leaves_its_phrasing_ngrams_out_of_the_vectors_only(tmp_path):
    from core.embed import CharLsaEmbedder

    vocabulary = np.array(["服", "务", "服务", "早", "餐", "早餐", "!", "非常"])
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "base.npz", vocabulary=vocabulary, idf=np.ones(len(vocabulary), np.float32),
             components=rng.standard_normal((4, len(vocabulary))).astype(np.float16), ngram_range=np.array([1, 2]))
    keep = np.array([1, 1, 1, 1, 1, 1, 0, 0], dtype=np.uint8)
    np.savez(tmp_path / "content.npz", base=np.array("base.npz"), keep=keep)
    base, content = CharLsaEmbedder(tmp_path / "base.npz"), CharLsaEmbedder(tmp_path / "content.npz")
    assert content.name == "zh-char-lsa:content" != base.name  # its own cache key: vectors are never mixed
    plain, loud = content.embed(["服务", "非常服务!"])
    np.testing.assert_allclose(plain, loud, atol=1e-6)  # "非常 … !" says how, not what: the same vector
    assert not np.allclose(*base.embed(["服务", "非常服务!"]), atol=1e-3)
    assert content.embed(["早餐"])[0] @ plain < 0.999  # the other n-grams still tell snippets apart
    assert (content.tfidf(["非常服务!"]) != base.tfidf(["非常服务!"])).nnz == 0  # the sentiment head's input unchanged


def test_a_chinese_model_with_a_word_view_sets_jieba_words_beside_its_characters(tmp_path):
    from core.embed import CharLsaEmbedder
    from core.sentiment import BundledSentiment

    vocabulary = np.array(["服", "务", "服务", "早", "餐", "早餐", "好", "最", "只"])
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "base.npz", vocabulary=vocabulary, idf=np.ones(len(vocabulary), np.float32),
             components=rng.standard_normal((4, len(vocabulary))).astype(np.float16), ngram_range=np.array([1, 2]))
    np.savez(tmp_path / "content.npz", base=np.array("base.npz"), keep=np.array([1, 1, 1, 1, 1, 1, 1, 1, 0], np.uint8))
    words = np.array(["服务", "早餐", "最好", "只好"])
    np.savez(tmp_path / "word.npz", base=np.array("content.npz"), word_vocabulary=words,
             word_idf=np.ones(len(words), np.float32), word_weight=np.array(1.0, np.float32),
             word_components=np.eye(3, len(words), dtype=np.float16))
    chars, both = CharLsaEmbedder(tmp_path / "content.npz"), CharLsaEmbedder(tmp_path / "word.npz")
    assert (both.char_dim, both.dim, both.name) == (4, 7, "zh-char-lsa:word")
    np.testing.assert_allclose(both.components, chars.components)  # the base chain's n-grams left out as before
    vectors = both.embed(["服务很好", "早餐", "好"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    # the characters' half and the words' half weigh alike; a text without a known word is its characters alone
    np.testing.assert_allclose(np.linalg.norm(vectors[:2, :4], axis=1), np.sqrt(0.5), atol=1e-6)
    np.testing.assert_allclose(vectors[2, :4], chars.embed(["好"])[0], atol=1e-6)
    assert not vectors[2, 4:].any()
    assert (both.tfidf(["服务很好"]) != chars.tfidf(["服务很好"])).nnz == 0  # the sentiment head's input unchanged
    # the sentiment direction lives in the characters' half only, so theme clustering deflates it there
    model = BundledSentiment(zh_embedder=both, encoder=None)
    model.zh_head.direction = rng.standard_normal((1, len(vocabulary)))
    direction = model.embedding_directions("zh", both.dim)
    assert direction.shape == (1, 7) and not direction[0, 4:].any() and np.isclose(np.linalg.norm(direction), 1.0)


def test_the_shipped_chinese_model_does_not_group_snippets_by_one_shared_character():
    # "这点很好" / "地点不错" share only 点 and "大堂很大" / "大床房" only 大: on hotel and mixed reviews such
    # snippets made need themes named "这点 / 点半 / 地点" and "大堂 / 大床 / 大厅" (bench/train_zh_encoder.py --words)
    from core.config import BUNDLED_ZH_CONTENT, BUNDLED_ZH_MODEL
    from core.embed import load_embedder

    def cosines(model):
        embedder = load_embedder(model)
        pairs = [("这点很好", "地点不错"), ("大堂很大", "大床房"), ("早餐很丰富", "早餐品种多"), ("电池不耐用", "续航太短了")]
        return [float(embedder.embed([a])[0] @ embedder.embed([b])[0]) for a, b in pairs]

    chars, words = cosines(BUNDLED_ZH_CONTENT), cosines(BUNDLED_ZH_MODEL)
    assert words[0] < chars[0] - 0.1 and words[1] < chars[1] - 0.1, (chars, words)
    assert words[2] > 0.8 and words[3] > chars[3], (chars, words)  # one need in other words stays together


def test_chinese_need_types_read_the_characters_of_a_model_with_a_word_view():
    # need types were chosen and measured on the characters (bench/needs.py types): the word view must not move them
    from core.config import BUNDLED_ZH_CONTENT, BUNDLED_ZH_MODEL
    from core.embed import CachedEmbedder, load_embedder
    from core.needs import DEFAULT_TAXONOMY, assign_need_types, need_type_dims

    content, words = load_embedder(BUNDLED_ZH_CONTENT), load_embedder(BUNDLED_ZH_MODEL)
    cached = CachedEmbedder(words, DictCache())
    assert need_type_dims(cached) == need_type_dims(words) == content.dim and need_type_dims(content) is None
    texts = ["电池不耐用", "物流很快", "尺码偏小", "客服态度很好", "这点很好", "做工一般般"]
    typed, score = assign_need_types(cached.embed(texts), "zh", DEFAULT_TAXONOMY, cached.embed, texts=texts,
                                     dims=need_type_dims(cached))
    expected, expected_score = assign_need_types(content.embed(texts), "zh", DEFAULT_TAXONOMY, content.embed, texts=texts)
    assert typed.tolist() == expected.tolist()
    np.testing.assert_allclose(score, expected_score, atol=1e-5)
