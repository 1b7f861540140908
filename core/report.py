"""The one-click insight report: a single self-contained HTML file (charts as inline SVG, no CDN, no scripts).

Every piece of user text is HTML-escaped; charts are SVG rendered offline by vl-convert, which escapes text.
"""
from __future__ import annotations

import html
import re
from datetime import datetime

import pandas as pd

from . import charts, insights
from .export import chart_svg
from .filters import Filters
from .privacy import suppress
from .store import Store
from .themes import telling_examples

STYLE = """body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:980px;margin:2rem auto;color:#111827}
h1{margin-bottom:0}.sub{color:#6b7280}.kpis{display:flex;gap:1rem;margin:1rem 0}.kpi{border:1px solid #e5e7eb;
border-radius:8px;padding:.6rem 1rem}.kpi b{display:block;font-size:1.5rem}table{border-collapse:collapse;width:100%;
font-size:.9rem}td,th{border-bottom:1px solid #e5e7eb;padding:.35rem;text-align:left;vertical-align:top}
blockquote{margin:.3rem 0 .3rem 1rem;color:#374151}.chart{margin:1rem 0}"""


def _e(value: object) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value), quote=True)


def build_report(store: Store, filters: Filters | None = None, top: int = 8, quotes_per_theme: int = 2,
                 privacy_k: int = 0) -> str:
    """HTML text of the insight report for the filtered reviews (privacy_k: hide themes under k reviews)."""
    filters = filters or Filters()
    figures = store.overview(filters)
    themes = insights.with_trend(suppress(store.theme_table(filters), privacy_k))
    ranked = insights.opportunities(themes, top)
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
             f"<title>NeedLens insight report</title><style>{STYLE}</style></head><body>",
             f"<h1>NeedLens insight report</h1><p class='sub'>{_e(filters.describe())} · generated "
             f"{datetime.now():%Y-%m-%d %H:%M}</p>", _kpis(figures)]
    if not ranked.empty:
        parts.append("<h2>Top opportunities</h2>" + _chart(charts.opportunity_bars(ranked)))
        parts.append(_opportunity_table(ranked, store, filters, quotes_per_theme))
    parts.append(_backlog_section(store, filters, top, privacy_k))
    parts.append(_drivers_section(store, filters, top, privacy_k))
    first, last = figures.get("first_date"), figures.get("last_date")
    period = insights.pick_period(first, last)
    parts.append(_emerging_section(store, filters, last, period))
    parts.append(_losing_stars_section(store, filters, privacy_k, last))
    timeline = suppress(store.sentiment_over_time(filters, period), privacy_k)
    if not timeline.empty:  # by month beyond ~1.5 years of reviews: the chart says so (it said "week" throughout)
        parts.append("<h2>Sentiment over time</h2>" + _chart(charts.sentiment_timeline(timeline, period, first, last)))
    if not themes.empty:
        parts.append("<h2>All need themes</h2>" + _chart(charts.theme_bars(themes)))
    parts.append(_requests_section(store, filters, top, privacy_k, last, period))
    parts.append(_search_section(store, filters, privacy_k))
    parts.append("</body></html>")
    return "\n".join(parts)


def _kpis(figures: dict) -> str:
    items = [("Reviews", f"{int(figures['reviews']):,}"),
             ("Average rating", "–" if pd.isna(figures.get("average_rating")) else f"{figures['average_rating']:.2f}★"),
             ("Negative", f"{figures['negative_share']:.0%}" if pd.notna(figures.get("negative_share")) else "–"),
             ("Need themes", str(figures["themes"]))]
    return "<div class='kpis'>" + "".join(f"<div class='kpi'>{_e(k)}<b>{_e(v)}</b></div>" for k, v in items) + "</div>"


def _chart(chart) -> str:
    return f"<div class='chart'>{chart_svg(chart)}</div>"


def _opportunity_table(ranked: pd.DataFrame, store: Store, filters: Filters, quotes_per_theme: int) -> str:
    rows = []
    for row in ranked.assign(trend=insights.need_trend(ranked)).itertuples():  # the complaints' trend, as Overview's
        # the closest complaints, each wording once (many customers write "Runs small." word for word)
        evidence = store.theme_snippets(row.dataset_id, row.theme_id, filters, sentiment="negative",
                                        limit=20 * quotes_per_theme)
        said = telling_examples(evidence["snippet"].tolist(), row.label, list(row.keywords), row.lang,
                                quotes_per_theme)  # those that say what is wrong first
        quotes = "".join(f"<blockquote>“{_e(q)}”</blockquote>" for q in said)
        rows.append(f"<tr><td><b>{_e(row.label)}</b><br>{_e(row.why)}</td><td>{int(row.reviews):,}</td>"
                    f"<td>{row.negative_share:.0%}</td><td>{_e(insights.trend_arrow(row.trend))}</td><td>{quotes}</td></tr>")
    return ("<table><tr><th>Need</th><th>Reviews</th><th>Negative</th><th>Complaints, last 4 weeks</th>"
            "<th>What customers say</th></tr>"
            + "".join(rows) + "</table>")


def _backlog_section(store: Store, filters: Filters, top: int, privacy_k: int) -> str:
    """The improvement backlog as the Latent needs page ranks it (importance x dissatisfaction): its opportunity map
    and its first ``top`` needs with their evidence (nothing when no need has three complaints)."""
    from .latent import backlog

    ranked = suppress(backlog(store, filters), privacy_k)
    if ranked.empty:
        return ""
    rows = "".join(
        f"<tr><td><b>{_e(row.need)}</b><br>{_e(row.need_type)}</td><td>{int(row.volume):,}</td>"
        f"<td>{row.negative_share:.0%}</td><td>{'–' if pd.isna(row.rating_impact) else f'{row.rating_impact:+.2f}★'}"
        f"</td><td>{row.opportunity:.1f}</td><td><blockquote>“{_e(row.example)}”</blockquote></td></tr>"
        for row in ranked.head(top).itertuples())
    return ("<h2>Improvement backlog</h2><p class='sub'>Every need ranked by importance × dissatisfaction (how often "
            "reviews mention it × the share of those mentions that are negative), without growth, so the order can "
            "differ from the top opportunities above. Rating impact: stars a review complaining about it averages "
            "against the others.</p>" + _chart(charts.opportunity_map(ranked))
            + "<table><tr><th>Need</th><th>Reviews</th><th>Negative</th><th>Rating impact</th><th>Opportunity</th>"
            "<th>What customers say</th></tr>" + rows + "</table>")


def _drivers_section(store: Store, filters: Filters, top: int, privacy_k: int) -> str:
    """What costs stars, as the Rating drivers tab draws it (each complaint's effect with its 95% interval against
    how many reviews make it) and the ``top`` whose fixing would lift the average most, in words (nothing without
    star ratings or an estimate)."""
    from .latent import drivers

    fitted = drivers(store, filters)
    found = suppress(fitted, privacy_k)
    found = found.dropna(subset=["negative_effect"]) if not found.empty else found
    if found.empty:
        return ""
    best = found.sort_values("lift_if_fixed", ascending=False, kind="stable").head(top)
    items = "".join(f"<li>{_e(row.explanation[:1].upper() + row.explanation[1:])}</li>" for row in best.itertuples())
    return ("<h2>Rating drivers</h2><p class='sub'>A regression of the star rating on each theme's complaints and "
            "praise: how many stars a review complaining about it averages against the others, and what fixing it "
            "would add to the average rating.</p>" + _chart(charts.driver_scatter(found)) + f"<ul>{items}</ul>"
            + _rating_change_section(store, filters, privacy_k, fitted))


def _rating_change_section(store: Store, filters: Filters, privacy_k: int, fitted: pd.DataFrame) -> str:
    """What moved the average rating in the app's default window, in words and as the tab's chart (nothing without
    dates, or without rated reviews enough in either period); ``fitted``: the drivers the section above drew."""
    from .latent import rating_change
    from .needs import rating_change_sentence
    from .views import EMERGING_WINDOW

    parts = suppress(rating_change(store, filters, EMERGING_WINDOW, driver=fitted), privacy_k)
    if parts.empty:
        return ""
    return (f"<h3>What moved the average rating</h3><p>{_e(rating_change_sentence(parts, EMERGING_WINDOW))}</p>"
            + _chart(charts.rating_change_bars(parts, EMERGING_WINDOW)))


def _emerging_section(store: Store, filters: Filters, last, period: str) -> str:
    """The complaint themes rising significantly in the app's default window, each with its figures, and their share of
    complaints over time (nothing without dates)."""
    from .latent import emerging_issues, emerging_over_time
    from .views import EMERGING_WINDOW

    if last is None or pd.isna(last):
        return ""
    found = emerging_issues(store, filters, EMERGING_WINDOW)
    flagged = found[found["emerging"]] if not found.empty else found
    if flagged.empty:
        return (f"<h2>Emerging issues</h2><p class='sub'>No complaint theme is rising significantly in the last "
                f"{EMERGING_WINDOW} days.</p>")
    return "<h2>Emerging issues</h2>" + _rising(flagged, "theme", "complaints", "complaints",
                                                emerging_over_time(store, filters, EMERGING_WINDOW, period), last, period)


def _losing_stars_section(store: Store, filters: Filters, privacy_k: int, last) -> str:
    """The products (or, without them, categories) losing stars in the app's default window, with their evidence, and
    every tested one's change (nothing without dates, or without rated reviews enough to test any)."""
    from .latent import rating_falls
    from .views import EMERGING_WINDOW

    if last is None or pd.isna(last):
        return ""
    by = "product" if not store.facet_values("product", filters).empty else "category"
    falls = suppress(rating_falls(store, filters, by, EMERGING_WINDOW), privacy_k)
    if falls.empty:
        return ""
    head = f"<h2>{charts.PLURAL[by].capitalize()} losing stars</h2>"
    flagged = falls[falls["falling"]]
    if flagged.empty:
        said = (f"<p class='sub'>No {by} is losing stars beyond chance in the last {EMERGING_WINDOW} days "
                f"({len(falls)} tested).</p>")
    else:
        texts = [insights.fall_alert(row, by, see="")["text"].split(" — ", 1)[1] for row in flagged.itertuples()]
        said = "<ul>" + "".join("<li>" + re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", _e(text)) + "</li>"
                                for text in texts) + "</ul>"
    return head + said + _chart(charts.rating_fall_chart(falls, by, EMERGING_WINDOW))


def _rising(flagged: pd.DataFrame, name: str, share_of: str, counted: str, series: pd.DataFrame, last, period: str,
            requests: bool = False) -> str:
    """Complaint themes or requested features rising in the app's default window: each with its figures, then their
    share over time, the window shaded."""
    from .views import EMERGING_WINDOW

    items = "".join(f"<li><b>{_e(getattr(row, name))}</b>: {row.recent_share:.1%} of {share_of} in the last "
                    f"{EMERGING_WINDOW} days vs {row.earlier_share:.1%} before ({insights.times(row.ratio)}, "
                    f"{int(row.recent):,} {counted}, p = {row.p_value:.1e})</li>" for row in flagged.itertuples())
    end = pd.Timestamp(last)
    return f"<ul>{items}</ul>" + _chart(charts.complaint_share_lines(series, end - pd.Timedelta(days=EMERGING_WINDOW),
                                                                     end, period, requests=requests))


def _requests_section(store: Store, filters: Filters, top: int, privacy_k: int, last, period: str) -> str:
    """The most requested features, with a quote each (nothing when no snippet asks for anything), then those rising
    in the app's default window."""
    from .latent import feature_requests

    requests = suppress(feature_requests(store, filters), privacy_k).head(top)
    if requests.empty:
        return ""
    rows = "".join(f"<tr><td><b>{_e(row.feature)}</b></td><td>{int(row.requests):,}</td><td>{_e(row.products)}</td>"
                   f"<td><blockquote>“{_e(row.examples[0] if len(row.examples) else '')}”</blockquote></td></tr>"
                   for row in requests.itertuples())
    return ("<h2>Most requested features</h2><table><tr><th>Feature</th><th>Requests</th><th>Products</th>"
            "<th>Example</th></tr>" + rows + "</table>" + _rising_requests(store, filters, privacy_k, last, period))


def _rising_requests(store: Store, filters: Filters, privacy_k: int, last, period: str) -> str:
    """The requested features rising significantly in the app's default window, and their share of the asks over time
    (nothing when none is, or undated)."""
    from .latent import rising_requests, rising_requests_over_time
    from .views import EMERGING_WINDOW

    if last is None or pd.isna(last):
        return ""
    found = suppress(rising_requests(store, filters, EMERGING_WINDOW), privacy_k)
    flagged = found[found["emerging"]] if not found.empty else found
    if flagged.empty:
        return ""
    return "<h3>Rising requests</h3>" + _rising(flagged, "feature", "the reviews asking for something", "reviews asking",
                                                rising_requests_over_time(store, filters, EMERGING_WINDOW, period),
                                                last, period, requests=True)


def _search_section(store: Store, filters: Filters, privacy_k: int, top: int = 10) -> str:
    """Search demand against how well it is served, and the most unmet queries (nothing without searches)."""
    intents = suppress(store.intent_table(filters), privacy_k)
    if intents.empty:
        return ""
    if intents["served"].isna().all():
        return f"<h2>Search demand</h2><p class='sub'>{_e(insights.SERVED_UNKNOWN)}</p>"
    unmet = suppress(store.unmet_queries(filters, limit=top), privacy_k)
    rows = "".join(f"<tr><td>{_e(row.query)}</td><td>{int(row.searches):,}</td><td>{row.served:.0%}</td>"
                   f"<td>{_e(row.need_type)}</td></tr>" for row in unmet.itertuples())
    table = ("<table><tr><th>Query</th><th>Searches</th><th>Served</th><th>Need type</th></tr>" + rows + "</table>"
             if rows else "<p class='sub'>No query is served far below the typical search.</p>")
    needs = suppress(store.search_need_types(filters), privacy_k)
    return ("<h2>Search demand</h2>" + _chart(charts.demand_vs_satisfaction(intents))
            + (_chart(charts.search_need_bars(needs)) if not needs.empty else "")
            + "<h3>Unmet demand: queries served at under half the typical search's score</h3>" + table)
