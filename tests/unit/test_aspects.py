"""The aspect lens: which snippets mention a term, how each is labelled towards it, and what the page and CLI show."""
import json

import numpy as np
import pytest

from helpers import write_reviews
from core.aspects import AspectResult, aspect_lens, holding_snippet, term_pattern
from core.filters import Filters


class TermAware:
    """A fake aspect model: negative when the term sits right before 'broke' or 'small', neutral when the snippet
    only lists it ("from X to Y"), positive otherwise; records what it was asked."""

    def __init__(self):
        self.calls = []

    def labels(self, terms, texts):
        self.calls.append((list(terms), list(texts)))
        out = []
        for term, text in zip(terms, texts):
            lowered = text.lower()
            if f"{term} broke" in lowered or "small" in lowered:
                out.append("negative")
            elif f"from {term}" in lowered or f"to {term}" in lowered:
                out.append("neutral")
            else:
                out.append("positive")
        return np.array(out, dtype=object)


@pytest.fixture
def store(tmp_path, settings, fake_models):
    from core.pipeline import Pipeline, Source
    from core.store import Store

    extra = ("90001,009,Shoes,5,2026-02-01,The menu ranges from zipper pulls to buttons. I love how soft the lining is.\n"
             "90002,009,Shoes,1,2026-02-02,The zipper broke on day two.\n"
             "90003,008,Shoes,4,2026-02-03,Unzippered pockets are great.\n")
    store = Store(settings.db_path)
    Pipeline(settings, store, **fake_models).run(Source("r.csv", path=write_reviews(tmp_path / "r.csv", 40, extra_rows=extra)))
    yield store
    store.close()


def test_term_pattern_matches_whole_words_in_english_and_substrings_in_chinese():
    import duckdb

    def matches(term, text):
        return duckdb.sql("SELECT regexp_matches(?, ?)", params=[text, term_pattern(term)]).fetchall()[0][0]

    assert matches("fit", "Perfect fit, and soft.") and matches("Fit", "fit")
    assert not matches("fit", "my outfit") and not matches("fit", "fitting room")
    assert matches("battery life", "The Battery Life is short") and not matches("battery life", "battery lifetime")
    assert matches("c++", "c++ rocks") and matches("wi-fi", "no wi-fi here")
    assert matches("尺码", "尺码偏小") and not matches("尺码", "颜色很好")


def test_holding_snippet_prefers_the_exact_case_then_any_case_then_the_text():
    pieces = ["The Battery is fine.", "but the battery died"]
    assert holding_snippet(pieces, "battery", "whole") == "but the battery died"
    assert holding_snippet(pieces, "BATTERY", "whole") == "The Battery is fine."
    assert holding_snippet(pieces, "screen", "whole") == "whole"


def test_lens_labels_each_english_mention_towards_the_term_and_keeps_chinese_snippet_labels(store):
    model = TermAware()
    result = aspect_lens(store, " zipper ", model=model)
    assert result.term == "zipper"
    assert sorted(result.snippets.snippet) == ["The menu ranges from zipper pulls to buttons.", "The zipper broke on day two."]
    assert result.total == 2  # "Unzippered" is not a mention
    labels = dict(zip(result.snippets.snippet, result.snippets.aspect_sentiment))
    assert labels["The zipper broke on day two."] == "negative"
    assert labels["The menu ranges from zipper pulls to buttons."] == "neutral"
    assert set(result.snippets.source) == {"aspect model"}
    assert model.calls[0][0] == ["zipper", "zipper"]  # the term, not the typed padding
    counts = result.counts().set_index("sentiment")
    assert counts.loc["negative", "mentions"] == 1 and counts.loc["neutral", "share"] == 0.5

    chinese = aspect_lens(store, "尺码", model=model)
    assert len(chinese.snippets) > 0 and set(chinese.snippets.source) == {"snippet label"}
    assert (chinese.snippets.aspect_sentiment == chinese.snippets.snippet_sentiment).all()
    assert not any("尺码" in text for terms in model.calls[1:] for text in terms[1])  # never sent to the English model


def test_lens_without_the_model_falls_back_to_snippet_labels(store):
    result = aspect_lens(store, "battery", model=None)
    assert len(result.snippets) > 0 and set(result.snippets.source) == {"snippet label"}
    assert (result.snippets.aspect_sentiment == result.snippets.snippet_sentiment).all()


def test_lens_follows_the_filters_counts_every_mention_and_labels_the_most_recent(store):
    everything = aspect_lens(store, "battery", model=TermAware())
    zh_only = aspect_lens(store, "battery", Filters(langs=("zh",)), model=TermAware())
    assert everything.total > 3 and zh_only.total == 0 and zh_only.snippets.empty
    limited = aspect_lens(store, "battery", limit=3, model=TermAware())
    assert limited.total == everything.total and len(limited.snippets) == 3
    assert list(limited.snippets.date) == sorted(everything.snippets.date, reverse=True)[:3]
    products = aspect_lens(store, "battery", Filters(products=("001",)), model=TermAware())
    assert 0 < products.total < everything.total and set(products.snippets["product"]) == {"001"}
    with pytest.raises(ValueError):
        aspect_lens(store, "   ", model=TermAware())


def test_chart_frame_has_an_all_products_row_and_leaves_out_products_under_k(store):
    result = aspect_lens(store, "battery", model=TermAware())
    frame = result.chart_frame()
    overall = frame[frame["product"] == "All products"]
    assert list(overall.sentiment) == ["negative", "neutral", "positive"]
    assert overall.mentions.sum() == len(result.snippets)
    per_product = frame[frame["product"] != "All products"].groupby("product").mentions.sum()
    assert per_product.sum() == len(result.snippets.dropna(subset=["product"]))
    k = int(per_product.max())
    kept = result.chart_frame(min_mentions=k)
    assert set(kept["product"]) - {"All products"} == set(per_product[per_product >= k].index)


def test_aspect_chart_is_titled_and_exports(store):
    from core import charts
    from core.export import chart_png, chart_svg

    result = aspect_lens(store, "battery", model=TermAware())
    chart = charts.aspect_bars(result.chart_frame(), result.term)
    spec = chart.to_dict()
    assert "battery" in spec["title"]["text"] and spec["encoding"]["x"]["title"] == "Share of mentions"
    assert chart_png(chart)[:4] == b"\x89PNG" and "<svg" in chart_svg(chart)


def test_empty_result_counts_are_zero():
    import pandas as pd

    empty = AspectResult("x", pd.DataFrame(columns=["aspect_sentiment", "product", "source"]), 0)
    assert empty.counts().mentions.sum() == 0 and list(empty.chart_frame()["product"].unique()) == ["All products"]


def test_cli_aspect_prints_counts_and_writes_the_mentions(tmp_path, store, settings, capsys, monkeypatch):
    import pandas as pd

    import core.aspects
    from core.__main__ import main

    monkeypatch.setattr(core.aspects, "_MODEL", TermAware())
    store.close()
    out = tmp_path / "zipper.csv"
    assert main(["aspect", "zipper", "--db", str(settings.db_path), "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out.splitlines()[0])
    assert printed["term"] == "zipper" and printed["mentions"] == 2 and printed["negative"] == 1
    assert printed["by"] == {"aspect model": 2}
    written = pd.read_csv(out)
    assert set(written.aspect_sentiment) == {"negative", "neutral"} and "review" in written.columns
    assert main(["aspect", " ", "--db", str(settings.db_path)]) == 2
