"""Issue 7.4: 210 script-injection payloads in review text, titles, products, categories and a column header;
the HTML report (from the CLI) and every export carry none of them as live markup."""
from html.parser import HTMLParser

import pandas as pd
import pytest

from xss_payloads import PAYLOADS, hostile_workspace_file
from core.__main__ import main
from core.pipeline import Pipeline, Source
from core.store import Store

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "img", "svg", "a", "form", "input", "details", "video",
                  "source", "marquee", "math", "body", "b", "style"}


class Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.bad_attributes = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name.lower().startswith("on") or (value and "javascript:" in value.lower().replace("\u200b", "")):
                self.bad_attributes.append((tag, name, value))


@pytest.fixture
def hostile_db(tmp_path, settings, fake_models):
    source = hostile_workspace_file(tmp_path / "<svg onload=window.__xss=1>.csv")
    store = Store(settings.db_path)
    Pipeline(settings, store, **fake_models).run(Source(source.name, path=source))
    assert store.summary()["reviews"] == len(PAYLOADS)
    store.close()
    return settings.db_path


def test_there_are_at_least_200_payloads_of_every_kind():
    text = " ".join(PAYLOADS)
    assert len(PAYLOADS) >= 200
    for needle in ("<script", "onerror", "javascript:", "<svg", "](javascript:", "![", "\u202e", "\u200b"):
        assert needle in text


def test_cli_report_has_no_live_markup_from_the_data(hostile_db, tmp_path):
    out = tmp_path / "report.html"
    assert main(["export", "--db", str(hostile_db), "--what", "report", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    parser = Markup()
    parser.feed(html)
    assert not parser.bad_attributes, parser.bad_attributes[:5]
    assert "script" not in parser.tags and "iframe" not in parser.tags and "object" not in parser.tags
    assert "default-src 'none'" in html  # and even if something slipped through, the CSP forbids running it
    assert "&lt;script&gt;" in html or "&lt;img" in html  # the payloads are there, as text
    for payload in PAYLOADS:
        assert payload not in html or "<" not in payload


def test_exports_keep_payloads_as_inert_text(hostile_db, tmp_path):
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"reviews.{suffix}"
        assert main(["export", "--db", str(hostile_db), "--what", "reviews", "--out", str(out)]) == 0
        frame = pd.read_csv(out, dtype=str) if suffix == "csv" else pd.read_excel(out, dtype=str)
        assert frame["text"].str.contains("<script>", regex=False).any()  # kept as text for the PM to read
        text_columns = [c for c in ("text", "title", "product", "category", "theme_label", "keywords") if c in frame]
        assert not frame[text_columns].fillna("").apply(lambda c: c.str.match(r"^[=+\-@\t\r]")).any().any()


def test_chart_exports_carry_payload_labels_as_text(hostile_db):
    """The PNG/SVG/HTML chart exports of a payload-filled workspace: SVG has no live markup from the data."""
    from core import charts, insights
    from core.export import chart_svg

    store = Store(hostile_db)
    try:
        themes = insights.with_trend(store.theme_table())
        products = store.facet_values("product")
    finally:
        store.close()
    # theme labels come from keywords; put payloads in the labels directly too (a PM may rename a theme to anything)
    themes = themes.assign(label=[PAYLOADS[i] for i in range(len(themes))])
    for chart in (charts.theme_bars(themes), charts.opportunity_bars(insights.opportunities(themes, 8))):
        svg = chart_svg(chart)
        parser = Markup()
        parser.feed(svg)
        assert not parser.bad_attributes, parser.bad_attributes[:3]
        assert "script" not in parser.tags and "foreignobject" not in parser.tags
    assert len(products) > 0
