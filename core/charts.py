"""Charts: pure functions DataFrame -> alt.Chart, each titled, with axis labels and tooltips.

Pages only place them; core.export renders them to PNG/SVG/HTML. Labels are truncated for readability, full
text stays in tooltips.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import altair as alt
import numpy as np
import pandas as pd

from .config import ZH_MAP_SHIFT

SENTIMENT_COLORS = alt.Scale(domain=["positive", "neutral", "negative"], range=["#16a34a", "#9ca3af", "#dc2626"])
DIVERGING = alt.Scale(scheme="redyellowgreen", domain=[-1, 1])
FONT = "Noto Sans CJK SC, Noto Sans, Arial, sans-serif"  # Chinese labels need a CJK-capable font in exports


_CJK_CHAR = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _short(text: str, n: int = 38) -> str:
    """A label that fits n characters: whole keywords of 'a / b / c' first, a general-opinion theme by its name
    ('General praise (gorgeous / lovely)' -> 'General praise'), otherwise cut with an ellipsis."""
    text = str(text)
    if len(text) <= n:
        return text
    for opening in (" (", "（"):
        if opening in text and len(text.split(opening)[0]) <= n:
            return text.split(opening)[0]
    parts = text.split(" / ")
    while len(parts) > 1 and len(" / ".join(parts)) > n:
        parts.pop()
    kept = " / ".join(parts)
    return kept if len(kept) <= n else kept[: n - 1] + "…"


def _shorts(values: pd.Series, n: int = 38) -> pd.Series:
    """``_short`` over a column, never giving two different values one label: a nominal axis draws values that
    share a label as one row. Amazon fashion had two themes 'General praise (excellent / perfect)' and 'General praise
    (loves / recommend)', and long product names may share their first n characters. Such values keep their
    distinguishing words: the first word in brackets ('General praise (loves)'), else their end ('Nike Flex…TR3')."""
    distinct = [str(v) for v in pd.unique(values.astype(str))]
    short = {v: _short(v, n) for v in distinct}
    groups: dict[str, list[str]] = {}
    for v in distinct:
        groups.setdefault(short[v], []).append(v)
    for clashing in (g for g in groups.values() if len(g) > 1):
        for v in clashing:
            short[v] = _distinct_short(v, n, clashing)
    taken = Counter(short.values())
    return values.astype(str).map(lambda v: short[v] if taken[short[v]] == 1 else v)  # still alike: in full


def _distinct_short(text: str, n: int, clashing: list[str]) -> str:
    def unique(candidate) -> bool:
        return sum(candidate(v) == candidate(text) for v in clashing) == 1

    for opening, closing in ((" (", ")"), ("（", "）")):
        if opening in text and text.endswith(closing):
            def named(v: str, opening=opening, closing=closing) -> str:
                head, _, inner = v.partition(opening)
                return f"{head}{opening}{inner[:-len(closing)].split(' / ')[0]}{closing}" if inner else v
            if unique(named):
                return named(text)
    for tail in range(4, max(n - 4, 5)):
        def cut(v: str, tail=tail) -> str:
            return v if len(v) <= n else f"{v[:n - 1 - tail].rstrip()}…{v[-tail:].lstrip()}"
        if unique(cut):
            return cut(text)
    return text


def _base(chart: alt.Chart, title: str, subtitle: str | None = None) -> alt.Chart:
    return chart.properties(title=alt.TitleParams(title, subtitle=subtitle or "", anchor="start")).configure_axis(
        labelFont=FONT, titleFont=FONT, labelLimit=260).configure_title(
        font=FONT, fontSize=15, subtitleFont=FONT).configure_legend(labelFont=FONT, titleFont=FONT)


def opportunity_bars(frame: pd.DataFrame) -> alt.Chart:
    """Top opportunities: bar length = opportunity score; colour = share negative."""
    data = frame.assign(theme=_shorts(frame["label"]))
    dated = "growth" in frame and frame["growth"].notna().any()  # undated reviews have no growth to multiply by
    complaints = dated and "growth_of" in frame and (frame["growth_of"] == "complaints").all()
    growth = " × complaint growth" if complaints else " × growth" if dated else ""
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("opportunity:Q", title=f"Opportunity score (share × negativity{growth})",
                axis=alt.Axis(tickCount=5, format=".3f")),
        y=alt.Y("theme:N", sort="-x", title=None),
        color=alt.Color("negative_share:Q", title="Share negative", scale=alt.Scale(scheme="reds", domain=[0, 1]),
                        legend=alt.Legend(format=".0%")),
        tooltip=[alt.Tooltip("label:N", title="Theme"), alt.Tooltip("why:N", title="Why"),
                 alt.Tooltip("reviews:Q", title="Reviews"), alt.Tooltip("negative_share:Q", format=".0%", title="Negative")],
    ).properties(width=520, height=max(120, 32 * len(data)))
    # "weighted by": the score multiplies by the growth, so a need whose complaints shrank can still rank (Amazon
    # fashion's four, all ▼, stood under "whose complaints are growing")
    subtitle = ("Needs that are frequent and negative, weighted by how fast their complaints grew lately" if complaints
                else "Needs that are frequent and negative, weighted by how fast they grew lately" if dated
                else "Needs that are frequent and negative (the reviews have no dates, so growth is not counted)")
    return _base(chart, "Top opportunities", subtitle)


def complaint_share_lines(frame: pd.DataFrame, window_start, window_end, period: str = "week",
                          requests: bool = False) -> alt.Chart:
    """Emerging issues over time: each theme's share of all complaints per period (core.needs.complaint_shares), the
    recent window the test compares with the history before it shaded. ``requests``: the Rising requests chart instead,
    each feature's share of all reviews asking for something (core.latent.rising_requests_over_time)."""
    counted, item, title = (("reviews asking", "Requested feature", "Rising requests over time") if requests
                            else ("complaints", "Complaint theme", "Emerging issues over time"))
    data = frame.assign(theme_short=_shorts(frame["theme"], 40))
    window = pd.DataFrame({"start": [pd.Timestamp(window_start)], "end": [pd.Timestamp(window_end)],
                           "what": ["recent window"]})
    shade = alt.Chart(window).mark_rect(color="#fde68a", opacity=0.45).encode(
        x="start:T", x2="end:T", tooltip=[alt.Tooltip("what:N", title="Shaded"), alt.Tooltip("start:T", title="From"),
                                          alt.Tooltip("end:T", title="To")])
    lines = alt.Chart(data).mark_line(point=True, strokeWidth=2).encode(
        x=alt.X("period:T", title=period.capitalize(), axis=period_axis(period, data["period"])),
        y=alt.Y("share:Q", title=f"Share of all {counted}", axis=alt.Axis(format="%")),
        color=alt.Color("theme_short:N", title=item, legend=alt.Legend(orient="bottom", columns=1, labelLimit=400)),
        tooltip=[alt.Tooltip("theme:N", title=item), alt.Tooltip("period:T", title=period.capitalize()),
                 alt.Tooltip("complaints:Q", title="Reviews asking for it" if requests else "Its complaints"),
                 alt.Tooltip("total:Q", title=f"All {counted}"), alt.Tooltip("share:Q", format=".1%", title="Share")])
    chart = alt.layer(shade, lines).properties(width=620, height=240)
    days = (pd.Timestamp(window_end) - pd.Timestamp(window_start)).days
    each = "feature's share of all reviews asking for something" if requests else "theme's share of all complaints"
    return _base(chart, title, f"Each {each} per {period}; shaded: the recent window (last {days} days) compared with "
                 "everything before it")


def period_axis(period: str, periods: pd.Series) -> alt.Axis:
    """One date format for every tick (Vega's default mixes "February" with "Mar 29" on one axis); the year is shown
    when the periods span more than one."""
    years = pd.to_datetime(periods).dt.year.nunique()
    return alt.Axis(format="%b %Y" if period == "month" else "%b %d %Y" if years > 1 else "%b %d", labelOverlap=True)


def partial_periods(periods: pd.Series, period: str, first=None, last=None) -> pd.Series:
    """True for a period the reviews cover only in part: the first when they start after its first day, the last when
    they end before its last day (``first`` and ``last``: the first and last review dates)."""
    starts = pd.to_datetime(periods)
    ends = starts + (pd.DateOffset(months=1) if period == "month" else pd.Timedelta(days=7 if period == "week" else 1))
    partial = pd.Series(False, index=periods.index)
    if first is not None and not pd.isna(first):
        partial |= (starts == starts.min()) & (pd.Timestamp(first).normalize() > starts)
    if last is not None and not pd.isna(last):
        partial |= (starts == starts.max()) & (pd.Timestamp(last).normalize() + pd.Timedelta(days=1) < ends)
    return partial


def sentiment_timeline(frame: pd.DataFrame, period: str = "week", first=None, last=None) -> alt.Chart:
    """Stacked review counts per period by sentiment; a first or last period the reviews cover only in part (see
    partial_periods) is drawn lighter, so that its short bar does not read as a drop."""
    data = frame.assign(covered=partial_periods(frame["period"], period, first, last).map({True: "partly",
                                                                                          False: "whole"}))
    partly = (data["covered"] == "partly").any()
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("period:T", title=period.capitalize(), axis=period_axis(period, data["period"])),
        y=alt.Y("reviews:Q", title="Reviews", stack="zero"),
        color=alt.Color("sentiment:N", scale=SENTIMENT_COLORS, title="Sentiment",
                        sort=["positive", "neutral", "negative"]),
        opacity=alt.Opacity("covered:N", scale=alt.Scale(domain=["whole", "partly"], range=[1.0, 0.35]), legend=None),
        order=alt.Order("sentiment:N", sort="descending"),
        tooltip=[alt.Tooltip("period:T", title=period.capitalize()), "sentiment:N", "reviews:Q",
                 alt.Tooltip("rating:Q", format=".2f", title="Avg rating"),
                 alt.Tooltip("covered:N", title=f"Reviews cover the {period}")],
    ).properties(width=620, height=260)
    return _base(chart, "Review volume and sentiment over time", f"Reviews per {period}" + (
        f"; lighter: a {period} the reviews cover only in part" if partly else ""))


def theme_map(frame: pd.DataFrame) -> alt.Chart:
    """Themes in 2-D (similar needs close together), sized by volume, coloured by mean sentiment."""
    # positions are scaled to [-1, 1] per language, Chinese themes shifted right beside the English ones: the domain
    # spans the languages shown (a Chinese-only map is not pushed into the right half), and the margin keeps a label
    # centred on an edge theme inside the plot
    chinese = (frame["lang"] == "zh") if "lang" in frame else frame["x"] > ZH_MAP_SHIFT / 2
    first, last = (ZH_MAP_SHIFT if chinese.all() else 0.0), (ZH_MAP_SHIFT if chinese.any() else 0.0)
    low, high = min(first - 1.0, float(frame["x"].min())), max(last + 1.0, float(frame["x"].max()))
    width = int(min(860, 640 * (high - low + 0.6) / 2.6))  # two languages side by side get a wider map
    # every theme whose label fits is labelled, the biggest first (tooltips name the rest)
    data = frame.assign(short=_shorts(frame["label"], 22))
    # beside its point only where neither above nor below fits (3,000 hotel reviews: the general complaints, the one
    # red theme, had no label between two others'); the biggest themes are placed first and are seldom crowded out
    shown = _place_labels(data, "x", "y", "short", "snippets", width, 420, x_domain=(low - 0.3, high + 0.3),
                          y_domain=(-1.15, 1.2), sides=("above", "below", "right", "left"))
    data = pd.concat([data, shown], axis=1)
    points = alt.Chart(data).mark_circle(opacity=0.85, stroke="#374151", strokeWidth=0.5).encode(
        x=alt.X("x:Q", title="Theme map (similar needs close together)", axis=alt.Axis(labels=False, ticks=False),
                scale=alt.Scale(domain=[low - 0.3, high + 0.3], nice=False)),
        y=alt.Y("y:Q", title=None, axis=alt.Axis(labels=False, ticks=False), scale=alt.Scale(domain=[-1.15, 1.2], nice=False)),
        size=alt.Size("snippets:Q", title="Mentions", scale=alt.Scale(range=[80, 2400]), legend=alt.Legend(tickCount=3)),
        color=alt.Color("sentiment:Q", title="Mean sentiment", scale=DIVERGING),
        tooltip=[alt.Tooltip("label:N", title="Theme"), alt.Tooltip("snippets:Q", title="Mentions"),
                 alt.Tooltip("sentiment:Q", format=".2f", title="Sentiment"),
                 alt.Tooltip("negative_share:Q", format=".0%", title="Negative")],
    )
    return _base(alt.layer(points, *_label_layers(points, shown)).properties(width=width, height=420), "Need theme map",
                 "Circle size = mentions; colour = mean sentiment (red negative, green positive)")


def theme_bars(frame: pd.DataFrame, top: int = 15) -> alt.Chart:
    """Mentions per theme, coloured by mean sentiment."""
    data = frame.head(top).assign(theme=lambda f: _shorts(f["label"]))
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("snippets:Q", title="Mentions (snippets)"), y=alt.Y("theme:N", sort="-x", title=None),
        color=alt.Color("sentiment:Q", scale=DIVERGING, title="Mean sentiment"),
        tooltip=[alt.Tooltip("label:N", title="Theme"), "snippets:Q", "reviews:Q",
                 alt.Tooltip("negative_share:Q", format=".0%", title="Negative"),
                 alt.Tooltip("avg_rating:Q", format=".2f", title="Avg rating")],
    ).properties(width=520, height=max(140, 24 * len(data)))
    return _base(chart, "Need themes by volume", "Colour = mean sentiment")


HEATMAP_MIN_MENTIONS = 5


def facet_heatmap(frame: pd.DataFrame, by: str, min_mentions: int = HEATMAP_MIN_MENTIONS) -> alt.Chart:
    """Products (or categories) x themes; colour = mean sentiment, tooltip = volume. A cell of fewer than
    ``min_mentions`` snippets is grey, not coloured: on 4,000 clothing reviews the two reddest cells were one and two
    snippets, a "product fails this need" no PM should act on. A pair with no mention at all is a grey cell too (it
    was a blank one, which the caption did not explain), and rows run from the value with the most mentions in these
    columns down (they were sorted as strings: "1078, 1081, ..., 829, 862"; the rating distribution below orders by
    reviews, so the two orders may differ a little)."""
    # a row of grey cells only says nothing (6 of Amazon fashion's 12 products): such rows are left out, and counted
    judged = frame.loc[frame["snippets"] >= min_mentions, "value"].unique()
    dropped = frame["value"].nunique() - len(judged) if len(judged) else 0
    frame = frame[frame["value"].isin(judged)] if len(judged) else frame
    grid = pd.MultiIndex.from_product([frame["value"].unique(), frame["theme"].unique()], names=["value", "theme"])
    frame = frame.set_index(["value", "theme"]).reindex(grid).reset_index().fillna({"snippets": 0})
    order = frame.groupby("value", sort=False)["snippets"].sum().sort_values(ascending=False, kind="stable")
    data = frame.assign(theme_short=_shorts(frame["theme"], 24), value_short=_shorts(frame["value"], 28))
    short_value = dict(zip(data["value"].astype(str), data["value_short"]))
    chart = alt.Chart(data).mark_rect(stroke="white", invalid=None).encode(  # draw the no-mention cells (no sentiment)
        x=alt.X("theme_short:N", title="Need theme", axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("value_short:N", title=by.capitalize(), sort=[short_value[str(v)] for v in order.index]),
        color=alt.condition(alt.datum.snippets < min_mentions, alt.value("#e5e7eb"),
                            alt.Color("sentiment:Q", scale=DIVERGING, title="Mean sentiment")),
        tooltip=[alt.Tooltip("value:N", title=by.capitalize()), alt.Tooltip("theme:N", title="Theme"),
                 alt.Tooltip("snippets:Q", title="Mentions"), alt.Tooltip("sentiment:Q", format=".2f"),
                 alt.Tooltip("negative_share:Q", format=".0%", title="Negative")],
    ).properties(width=max(360, 40 * data["theme"].nunique()), height=max(160, 26 * data["value"].nunique()))
    plural = by if dropped == 1 else "categories" if by == "category" else f"{by}s"
    left_out = f"; {dropped:,} {plural} with no theme mentioned {min_mentions} times left out" if dropped else ""
    return _base(chart, f"Sentiment by {by} and need theme",
                 f"Red cells: where a {by} fails a need; grey: fewer than {min_mentions} mentions, too few to judge"
                 + left_out)


def rating_distribution(frame: pd.DataFrame, by: str) -> alt.Chart:
    """Share of reviews per star rating for each product/category, most reviewed first. Each row is named with its
    number of reviews ("B0014F8TIU (4)"): on Amazon fashion a bar half 1-star was four reviews, which a share alone
    hides."""
    totals = frame.groupby("value")["reviews"].transform("sum").astype(int)
    data = frame.assign(value_short=[f"{v} ({n:,})" for v, n in zip(_shorts(frame["value"], 28), totals)],
                        total=totals, stars=frame["rating"].astype(str) + "★")
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("reviews:Q", stack="normalize", title="Share of reviews", axis=alt.Axis(format="%")),
        y=alt.Y("value_short:N", title=f"{by.capitalize()} (reviews)", sort="-x"),
        color=alt.Color("stars:N", title="Rating", scale=alt.Scale(domain=["1★", "2★", "3★", "4★", "5★"],
                                                                   range=["#b91c1c", "#f97316", "#facc15", "#84cc16", "#15803d"])),
        order=alt.Order("rating:Q"),
        tooltip=[alt.Tooltip("value:N", title=by.capitalize()), "stars:N", "reviews:Q",
                 alt.Tooltip("total:Q", title="All reviews", format=",")],
    ).properties(width=520, height=max(140, 26 * data["value"].nunique()))
    return _base(chart, f"Rating distribution by {by}")


def compare_bars(frame: pd.DataFrame, by: str) -> alt.Chart:
    """Two products/categories side by side: mean sentiment per shared theme."""
    data = frame.assign(theme_short=_shorts(frame["theme"], 26))
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("theme_short:N", title=None), x=alt.X("sentiment:Q", title="Mean sentiment", scale=alt.Scale(domain=[-1, 1])),
        yOffset="value:N", color=alt.Color("value:N", title=by.capitalize()),
        tooltip=["value:N", "theme:N", "snippets:Q", alt.Tooltip("sentiment:Q", format=".2f")],
    ).properties(width=520, height=max(160, 36 * data["theme"].nunique()))
    return _base(chart, "Side by side: sentiment per need theme", "Bars left of 0 = more complaints than praise")


def query_bars(frame: pd.DataFrame, title: str, value: str = "searches", subtitle: str | None = None,
               axis_title: str | None = None, axis_format: str | None = None) -> alt.Chart:
    data = frame.assign(q=_shorts(frame["query"]))
    # counts tick at whole numbers ("0.5 searches" read oddly where every query was searched two or three times)
    axis = (alt.Axis(format=axis_format) if axis_format else
            alt.Axis(tickMinStep=1, format=",d") if value == "searches" else alt.Axis())
    chart = alt.Chart(data).mark_bar(color="#2563eb").encode(
        x=alt.X(f"{value}:Q", title=axis_title or value.replace("_", " ").capitalize(), axis=axis),
        y=alt.Y("q:N", sort="-x", title=None),
        tooltip=[alt.Tooltip("query:N", title="Query"), "searches:Q",
                 alt.Tooltip("click_share:Q", format=".0%", title="Clicked"),
                 alt.Tooltip("zero_result_share:Q", format=".0%", title="Zero results")]
        + ([alt.Tooltip(f"{value}:Q", format=axis_format or ",", title=axis_title or value)] if value != "searches" else []),
    ).properties(width=480, height=max(140, 22 * len(data)))
    return _base(chart, title, subtitle)


def demand_vs_satisfaction(frame: pd.DataFrame) -> alt.Chart:
    """Search intents: demand (searches) against how well they are served (core.insights.served_scores); colour =
    the matched review theme's sentiment, when there are reviews to match."""
    themed = "theme_sentiment" in frame and frame["theme_sentiment"].notna().any()
    data = frame.assign(short=_shorts(frame["label"], 24),
                        theme_sentiment=frame["theme_sentiment"].fillna(0.0) if themed else float("nan"))
    shown = _place_labels(data, "searches", "served", "short", "searches", 620, 380, y_domain=(0.0, 1.0),
                          point_px=8.5, sides=("above", "below", "right", "left"))
    data = pd.concat([data, shown], axis=1)  # the most searched intent keeps its label
    known = [(column, title) for column, title in (("click_share", "Clicked"), ("zero_result_share", "Zero results"),
                                                    ("title_match", "Title match"))
             if column in data and data[column].notna().any()]
    points = alt.Chart(data).mark_circle(size=220, opacity=0.85, stroke="#374151", strokeWidth=0.5).encode(
        x=alt.X("searches:Q", title="Demand (searches)"),
        y=alt.Y("served:Q", title="Served (results, clicks, relevance, title match)", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=(alt.Color("theme_sentiment:Q", scale=DIVERGING, title="Theme sentiment") if themed
               else alt.value("#2563eb")),
        tooltip=[alt.Tooltip("label:N", title="Intent")]
        + ([alt.Tooltip("need_type:N", title="Need type")] if "need_type" in data else [])
        + ([alt.Tooltip("theme:N", title="Matched review theme")] if themed else [])
        + ["searches:Q", alt.Tooltip("served:Q", format=".0%", title="Served")]
        + [alt.Tooltip(f"{column}:Q", format=".0%" if column != "title_match" else ".2f", title=title)
           for column, title in known]
        + ([alt.Tooltip("theme_sentiment:Q", format=".2f", title="Theme sentiment")] if themed else []),
    )
    return _base(alt.layer(points, *_label_layers(points, shown)).properties(width=620, height=380), "Demand vs satisfaction",
                 "Bottom right: much searched, poorly served — unmet demand")


def metric_bars(frame: pd.DataFrame, metric: str = "ndcg@10") -> alt.Chart:
    """Recommenders side by side on one offline metric."""
    chart = alt.Chart(frame).mark_bar(color="#2563eb").encode(
        x=alt.X(f"{metric}:Q", title=metric.upper()), y=alt.Y("model:N", sort="-x", title=None),
        tooltip=["model:N"] + [alt.Tooltip(f"{c}:Q", format=".4f") for c in frame.columns if c != "model"],
    ).properties(width=480, height=max(120, 30 * len(frame)))
    return _base(chart, f"Recommenders by {metric.upper()}", "Temporal split: each shopper's latest 20% held out")


def ab_intervals(result) -> alt.Chart:
    """Conversion per arm with 95% Wilson intervals."""
    data = pd.DataFrame({"arm": [result.arm_a, result.arm_b], "rate": [result.rate_a, result.rate_b],
                         "low": [result.ci_a[0], result.ci_b[0]], "high": [result.ci_a[1], result.ci_b[1]],
                         "visitors": [result.n_a, result.n_b]})
    base = alt.Chart(data).encode(y=alt.Y("arm:N", title=None))
    bars = base.mark_bar(color="#93c5fd").encode(
        x=alt.X("rate:Q", title="Conversion rate", axis=alt.Axis(format="%")),
        tooltip=["arm:N", alt.Tooltip("rate:Q", format=".2%"), "visitors:Q"])
    whiskers = base.mark_rule(color="#1e3a8a", strokeWidth=2).encode(x="low:Q", x2="high:Q")
    return _base(alt.layer(bars, whiskers).properties(width=480, height=120), "A/B test: conversion per arm",
                 f"95% confidence intervals; p = {result.p_value:.3g}")


def need_type_bars(frame: pd.DataFrame) -> alt.Chart:
    """Mentions per need type, coloured by mean sentiment."""
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("reviews:Q", title="Reviews mentioning"), y=alt.Y("need_type:N", sort="-x", title=None),
        color=alt.Color("sentiment:Q", scale=DIVERGING, title="Mean sentiment"),
        tooltip=["need_type:N", "reviews:Q", "snippets:Q", alt.Tooltip("negative_share:Q", format=".0%", title="Negative")],
    ).properties(width=520, height=max(140, 26 * len(frame)))
    return _base(chart, "Need types", "What kind of need each mention expresses")


def search_need_bars(frame: pd.DataFrame) -> alt.Chart:
    """Searches per need type of their queries, coloured by how well they were served (one colour when unknown)."""
    served = "served" in frame and frame["served"].notna().any()
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("searches:Q", title="Searches", axis=alt.Axis(tickMinStep=1, format=",d")),
        y=alt.Y("need_type:N", sort="-x", title=None),
        color=(alt.Color("served:Q", title="Served", scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
                         legend=alt.Legend(format="%")) if served else alt.value("#2563eb")),
        tooltip=[alt.Tooltip("need_type:N", title="Need type"), alt.Tooltip("searches:Q", format=","),
                 alt.Tooltip("share:Q", format=".1%", title="Share of all searches"), "queries:Q",
                 alt.Tooltip("top_query:N", title="Most searched query")]
        + ([alt.Tooltip("served:Q", format=".0%", title="Served")] if served else []),
    ).properties(width=520, height=max(120, 26 * len(frame)))
    return _base(chart, "Searches by need type", "What the queries ask for beyond a product's name")


def request_bars(frame: pd.DataFrame) -> alt.Chart:
    data = frame.assign(short=_shorts(frame["feature"]))
    chart = alt.Chart(data).mark_bar(color="#7c3aed").encode(
        x=alt.X("requests:Q", title="Requests (reviews asking for it)", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("short:N", sort="-x", title=None),
        tooltip=[alt.Tooltip("feature:N", title="Requested"), "requests:Q", "products:N"],
    ).properties(width=480, height=max(120, 24 * len(data)))
    return _base(chart, "Most requested features and wishes", "Requests grouped by what they ask for")


# where a side's label sits relative to its point, in pixels: (right, up). Above and below centre the label on the
# point's x; right and left start it that far beside the point, on the point's line (equal points of radius <= 8)
_SIDES = {"above": (0.0, 15.0), "below": (0.0, -16.0), "right": (11.0, 0.0), "left": (-11.0, 0.0)}


def _place_labels(frame: pd.DataFrame, x: str, y: str, text: str, priority: str, width: int, height: int,
                  char_px: float = 5.9, line_px: float = 16, x_domain: tuple[float, float] | None = None,
                  y_domain: tuple[float, float] | None = None, sides: tuple[str, ...] = ("above", "below"),
                  point_px: float = 0.0) -> pd.DataFrame:
    """Where each point's label goes: one column per side holding the label text or ''. Points are taken by
    priority; a label goes on the first of ``sides`` (above, below, right, left of its point) where it overlaps no
    label placed before it (and, with point_px, the radius of equal-sized points, no other point; beside its point,
    not the plot's edge), or is left to the tooltip. A domain left out is
    Vega-Lite's default for a quantitative scale (the data's range and zero); a CJK character is two Latin wide."""
    def pixels(values: pd.Series, size: int, domain) -> pd.Series:
        low, high = domain or (-_nice(-min(float(values.min()), 0.0)), _nice(max(float(values.max()), 0.0)))
        return (values - low) / ((high - low) or 1.0) * size

    px, py = pixels(frame[x], width, x_domain), pixels(frame[y], height, y_domain)
    placed: list[tuple[float, float, float, float]] = []  # boxes: centre x, centre y, half width, half height
    # a point's circle only meets the glyphs' own height (~12 px at 11 px type), not the spacing between labels
    points = {j: (px[j], py[j], point_px, point_px - 2) for j in frame.index} if point_px else {}
    shown = pd.DataFrame("", index=frame.index, columns=list(sides), dtype=object)
    for i in frame.sort_values(priority, ascending=False, kind="stable").index:
        label = str(frame.at[i, text])
        half = (len(label) + len(_CJK_CHAR.findall(label))) * char_px / 2
        obstacles = placed + [box for j, box in points.items() if j != i]
        # a label stays inside the plot; one above or below a point at the edge may cross it only when no side fits
        # (the demo's 9-search intent at the y axis had its label cut by the axis, where one to its right fitted)
        tries = [(side, True) for side in sides] + [(side, False) for side in sides if not _SIDES[side][0]]
        for side, inside in tries if label else ():
            right, up = _SIDES[side]
            cx, cy = px[i] + right + math.copysign(half, right) * bool(right), py[i] + up
            if (right or inside) and not half <= cx <= width - half:
                continue
            if all(abs(cx - ox) >= half + ow or abs(cy - oy) >= line_px / 2 + oh for ox, oy, ow, oh in obstacles):
                placed.append((cx, cy, half, line_px / 2))
                shown.at[i, side] = label
                break
    return shown


def _tick_step(span: float, ticks: int = 10) -> float:
    """Vega-Lite's tick step for a positive span: 1, 2 or 5 x 10^k, about span / ticks."""
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    return power * next(m for limit, m in ((7.07, 10), (3.16, 5), (1.41, 2), (0.0, 1)) if raw / power >= limit)


def _nice(high: float, ticks: int = 10) -> float:
    """The top of Vega-Lite's "nice" domain for [0, high]: rounded up to its tick step (1, 2 or 5 x 10^k)."""
    if high <= 0:
        return high
    step = _tick_step(high, ticks)
    return math.ceil(high / step) * step


def _nice_domain(values: pd.Series, ticks: int = 10) -> tuple[float, float]:
    """The values' range with zero, widened to whole ticks of a 1, 2 or 5 x 10^k step (as Vega-Lite's nice does)."""
    low, high = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
    if high <= low:
        return low - 1.0, high + 1.0
    step = _tick_step(high - low, ticks)
    return math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step


def _label_layers(points: alt.Chart, shown: pd.DataFrame) -> list[alt.Chart]:
    """Text layers for _place_labels' columns: each side's labels at its offset from the point."""
    def align(right: float) -> str:
        return "left" if right > 0 else "right" if right < 0 else "center"

    return [points.mark_text(dx=_SIDES[side][0], dy=-_SIDES[side][1], align=align(_SIDES[side][0]), fontSize=11,
                             font=FONT).encode(text=f"{side}:N", color=alt.value("#111827"), size=alt.value(11))
            for side in shown.columns]


def rating_change_bars(parts: pd.DataFrame, window_days: int) -> alt.Chart:
    """What moved the average rating (core.needs.rating_change): one bar per part in stars, up green, down red, the
    parts no theme's share explains grey; together they add up to the change the subtitle states."""
    from .needs import CHANGE_OTHERS, CHANGE_REST

    first = parts.iloc[0]
    data = parts.assign(short=_shorts(parts["theme"], 40), order=range(len(parts)),
                        kind=np.where(parts["theme"].isin([CHANGE_OTHERS, CHANGE_REST]), "rest",
                                      np.where(parts["part"] >= 0, "up", "down")))
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("short:N", title=None, sort=alt.EncodingSortField("order")),
        x=alt.X("part:Q", title="Part of the change in the average rating (stars)",
                axis=alt.Axis(format="+.3f" if parts["part"].abs().max() < 0.1 else "+.2f", tickCount=6)),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["up", "down", "rest"], range=["#16a34a", "#dc2626", "#9ca3af"]),
                        legend=None),
        tooltip=[alt.Tooltip("theme:N", title="Part"), alt.Tooltip("part:Q", format="+.3f", title="Stars"),
                 alt.Tooltip("complaint_before:Q", format=".1%", title="Reviews with a complaint, before"),
                 alt.Tooltip("complaint_recent:Q", format=".1%", title="Reviews with a complaint, recent"),
                 alt.Tooltip("praise_before:Q", format=".1%", title="Reviews with praise, before"),
                 alt.Tooltip("praise_recent:Q", format=".1%", title="Reviews with praise, recent")],
    ).properties(width=560, height=max(120, 26 * len(data)))
    rule = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#374151").encode(x="x:Q")
    return _base(alt.layer(chart, rule), "What moved the average rating",
                 f"Last {window_days} days {first['recent_avg']:.2f}★ vs {first['before_avg']:.2f}★ before "
                 f"({first['change']:+.2f}); a theme's part = stars its complaints or praise are worth × the change in "
                 "their share of reviews")


PLURAL = {"product": "products", "category": "categories"}


def rating_fall_chart(falls: pd.DataFrame, by: str, window_days: int, top: int = 20) -> alt.Chart:
    """Products (or categories) by the change of their average rating, the last ``window_days`` against before
    (core.latent.rating_falls): a dot per value with its 95% interval, the largest falls first, red where the fall is
    beyond chance."""
    data = falls.sort_values("change").head(top)
    data = data.assign(short=_shorts(data["value"].astype(str), 32),
                       flag=np.where(data["falling"], "losing stars", "within chance or rising"))
    y = alt.Y("short:N", title=None, sort=alt.EncodingSortField("change"))
    color = alt.Color("flag:N", title=None, legend=alt.Legend(orient="bottom"),
                      scale=alt.Scale(domain=["losing stars", "within chance or rising"], range=["#dc2626", "#9ca3af"]))
    tooltip = [alt.Tooltip("value:N", title=by.capitalize()), alt.Tooltip("before_avg:Q", format=".2f", title="Before ★"),
               alt.Tooltip("recent_avg:Q", format=".2f", title="Recent ★"),
               alt.Tooltip("change:Q", format="+.2f", title="Change ★"),
               alt.Tooltip("ci_low:Q", format="+.2f", title="95% CI from"), alt.Tooltip("ci_high:Q", format="+.2f", title="to"),
               alt.Tooltip("n_recent:Q", title="Rated reviews, recent"), alt.Tooltip("n_before:Q", title="Rated reviews, before"),
               alt.Tooltip("p_value:Q", format=".1e", title="p (one-sided)")]
    spans = alt.Chart(data).mark_rule(strokeWidth=2).encode(
        y=y, x=alt.X("ci_low:Q", title="Change in average rating (stars), with its 95% interval"), x2="ci_high:Q",
        color=color, tooltip=tooltip)
    dots = alt.Chart(data).mark_circle(size=90, opacity=1).encode(y=y, x="change:Q", color=color, tooltip=tooltip)
    rule = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#374151").encode(x="x:Q")
    return _base(alt.layer(spans, dots, rule).properties(width=560, height=max(120, 26 * len(data))),
                 f"Average rating by {by}, last {window_days} days vs before",
                 (f"The {top} largest falls of {len(falls):,} {PLURAL[by]}" if len(falls) > top else
                  f"All {len(falls):,} {PLURAL[by]}") + " with rated reviews enough in both periods, the largest fall "
                 "first; red: losing stars beyond chance")


def driver_scatter(frame: pd.DataFrame) -> alt.Chart:
    """Rating drivers: impact of complaints on stars against how many reviews complain. Where labels would overlap,
    the driver that lifts the rating most is labelled first (above its point, else below, right or left of it)."""
    data = frame.dropna(subset=["negative_effect"]).assign(short=lambda f: _shorts(f["theme"], 24))
    # each estimate's 95% confidence interval, where the frame has one (core.latent.rating_drivers): a PM sees which
    # effects are sure and which rest on a few complaints
    ci = ["negative_ci_low", "negative_ci_high"]
    whole = data.dropna(subset=ci) if set(ci) <= set(data.columns) else data.iloc[:0]  # rows with both bounds
    has_ci = not whole.empty
    spans = pd.concat([data["negative_effect"], whole.get(ci[0]), whole.get(ci[1])])
    y_domain = _nice_domain(spans)  # the chart's own, so labels are placed where they are drawn
    shown = _place_labels(data, "negative_share", "negative_effect", "short", "lift_if_fixed", 600, 360, point_px=7.5,
                          y_domain=y_domain, sides=("above", "below", "right", "left"))
    data = pd.concat([data, shown], axis=1)
    x = alt.X("negative_share:Q", title="Share of reviews with this complaint", axis=alt.Axis(format="%"))
    y_scale = alt.Scale(domain=list(y_domain), nice=False)
    tooltip = [alt.Tooltip("theme:N"), alt.Tooltip("negative_effect:Q", format="+.2f", title="Stars with a complaint")]
    if has_ci:
        tooltip += [alt.Tooltip(f"{c}:Q", format="+.2f", title=f"95% CI {c.rsplit('_', 1)[1]}") for c in ci]
    tooltip += [alt.Tooltip("lift_if_fixed:Q", format=".2f", title="Lift if fixed"), "explanation:N"]
    points = alt.Chart(data).mark_circle(size=180, color="#dc2626", opacity=0.8).encode(
        x=x, y=alt.Y("negative_effect:Q", title="Effect on star rating (stars)", scale=y_scale), tooltip=tooltip)
    layers = [points, *_label_layers(points, shown)]
    subtitle = "Lower = costs more stars; further right = more reviews affected"
    if has_ci:
        bars = alt.Chart(data.loc[whole.index]).mark_rule(color="#dc2626", opacity=0.35, strokeWidth=2).encode(
            x=x, y=alt.Y(f"{ci[0]}:Q", scale=y_scale, title="Effect on star rating (stars)"), y2=f"{ci[1]}:Q",
            tooltip=tooltip)
        layers.insert(0, bars)
        subtitle += "; bars: 95% confidence interval"
    return _base(alt.layer(*layers).properties(width=600, height=360), "Rating drivers", subtitle)


# the backlog needs an opportunity map draws a curve of equal opportunity through (by rank, 1 first)
OPPORTUNITY_CURVES = (1, 5, 10)


def opportunity_map(backlog: pd.DataFrame) -> alt.Chart:
    """The improvement backlog as a map: reviews mentioning each need (importance) against the share of its mentions
    that are negative (dissatisfaction); size = stars a complaint about it costs, colour = need type. Opportunity =
    importance x dissatisfaction is proportional to reviews x negative share, so needs of equal opportunity lie on a
    curve y = c / x: dashed curves run through the needs ranked 1, 5 and 10. Labels go to the highest opportunity
    first. ``backlog``: core.latent.backlog (need, need_type, volume, negative_share, rating_impact, opportunity)."""
    # stars lost: a complaint that goes with higher ratings (an estimate above 0) costs nothing, whatever its size
    impact = backlog["rating_impact"] if "rating_impact" in backlog else pd.Series(float("nan"), index=backlog.index)
    sized = impact.notna().any()
    # a need without an estimate (too few rated complaints) is drawn at the smallest size: a NaN size drew no circle,
    # and Amazon fashion's "light comfortable" (3 complaints) was a label floating over nothing
    data = backlog.assign(short=_shorts(backlog["need"], 24), rank=range(1, len(backlog) + 1),
                          stars=(-impact).clip(lower=0).fillna(0.0))
    x_high = _nice(1.04 * float(data["volume"].max()))  # room for the busiest need's circle
    y_high = min(1.0, _nice(1.06 * float(data["negative_share"].max()), 5))  # and for the top one's label
    shown = _place_labels(data, "volume", "negative_share", "short", "opportunity", 620, 380, point_px=8.5,
                          x_domain=(0.0, x_high), y_domain=(0.0, y_high), sides=("above", "below", "right", "left"))
    data = pd.concat([data, shown], axis=1)
    curves = []
    for rank in (r for r in OPPORTUNITY_CURVES if r <= len(data)):
        level = float(data["volume"].iloc[rank - 1] * data["negative_share"].iloc[rank - 1])
        low = max(level / y_high, x_high / 200)  # where the curve enters the plot, at its top
        xs = [low * (x_high / low) ** (i / 60) for i in range(61)]  # evenly spaced on a log scale: a smooth bend
        curves.append(pd.DataFrame({"volume": xs, "negative_share": [level / x for x in xs],
                                    "curve": f"#{rank}: opportunity {data['opportunity'].iloc[rank - 1]:.1f}"}))
    lines = alt.Chart(pd.concat(curves, ignore_index=True)).mark_line(strokeDash=[5, 4], color="#9ca3af",
                                                                       clip=True).encode(
        x="volume:Q", y="negative_share:Q", detail="curve:N", tooltip=[alt.Tooltip("curve:N", title="Equal to need")])
    ends = alt.Chart(pd.DataFrame([{"volume": float(c["volume"].iloc[-1]), "negative_share": float(
        c["negative_share"].iloc[-1]), "curve": c["curve"].iloc[0].split(":")[0]} for c in curves])).mark_text(
        align="right", dx=-2, dy=-7, fontSize=10, font=FONT, color="#6b7280").encode(
        x="volume:Q", y="negative_share:Q", text="curve:N")
    points = alt.Chart(data).mark_circle(opacity=0.85, stroke="#374151", strokeWidth=0.5).encode(
        x=alt.X("volume:Q", title="Importance: reviews mentioning the need", axis=alt.Axis(tickCount=8),
                scale=alt.Scale(domain=[0, x_high], nice=False)),
        y=alt.Y("negative_share:Q", title="Dissatisfaction: share of mentions negative", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, y_high], nice=False)),
        color=alt.Color("need_type:N", title="Need type", legend=alt.Legend(labelLimit=200)),
        size=(alt.Size("stars:Q", title="Stars a complaint costs", scale=alt.Scale(range=[60, 600], zero=True))
              if sized else alt.value(220)),
        tooltip=[alt.Tooltip("rank:Q", title="Rank"), alt.Tooltip("need:N", title="Need"),
                 alt.Tooltip("need_type:N", title="Need type"), alt.Tooltip("volume:Q", title="Reviews"),
                 alt.Tooltip("negative_share:Q", format=".0%", title="Negative"),
                 alt.Tooltip("opportunity:Q", format=".1f", title="Opportunity")]
        + ([alt.Tooltip("rating_impact:Q", format="+.2f", title="Rating impact (stars)")] if sized else []))
    return _base(alt.layer(lines, ends, points, *_label_layers(points, shown)).properties(width=620, height=380),
                 "Opportunity map", "Top right: mentioned often and mostly negative, fix first; dashed: equal "
                 "opportunity (importance × dissatisfaction) to the needs ranked 1, 5 and 10")


def aspect_bars(frame: pd.DataFrame, term: str) -> alt.Chart:
    """Polarity towards one term, overall and per product: stacked shares, mention counts in the tooltip.
    ``frame``: product, sentiment, mentions (core.aspects.AspectResult.chart_frame)."""
    order = ["positive", "neutral", "negative"]
    totals = frame.groupby("product", sort=False)["mentions"].transform("sum")
    data = frame.assign(product_short=_shorts(frame["product"], 28), total=totals,
                        rank=frame["sentiment"].map({s: i for i, s in enumerate(order)}))
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("mentions:Q", stack="normalize", title="Share of mentions", axis=alt.Axis(format="%")),
        y=alt.Y("product_short:N", title=None, sort=alt.SortField("total", order="descending")),
        color=alt.Color("sentiment:N", scale=SENTIMENT_COLORS, title="Towards the term", sort=order),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("product:N", title="Product"), alt.Tooltip("sentiment:N", title="Sentiment"),
                 alt.Tooltip("mentions:Q", title="Mentions"), alt.Tooltip("total:Q", title="All mentions")],
    ).properties(width=520, height=max(120, 28 * data["product"].nunique()))
    return _base(chart, f"What customers say about '{_short(term, 40)}'",
                 "Sentiment towards the term in each snippet that mentions it; first row: every product")
