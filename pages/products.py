"""Product feedback: products/categories x themes, ratings, complaints and praise, side by side, trends."""
from dataclasses import replace

import pandas as pd
import streamlit as st

from pages import ui  # before core: importing pages turns Streamlit's legacy pages/ mode off (pages/__init__.py)
from core import charts, insights
from core.needs import FALL_ALPHA, FALL_MIN_BEFORE, FALL_MIN_DROP, FALL_MIN_RECENT

store = ui.page("Product feedback")
ui.require_analysis(store)
filters = ui.sidebar_filters()


def losing_stars(by: str, plural: str) -> None:
    """Products (or categories) whose average rating fell in the recent window against their own history
    (core.needs.rating_falls), in a window chosen as on the Rating drivers tab."""
    window = ui.recent_window_section("Losing stars recently", "rating_falls_window")
    if window is None:
        return
    falls = ui.latent_view("rating_falls", filters, by, window)
    if falls.empty:
        st.caption(f"No {by} has {FALL_MIN_RECENT} rated reviews in the last {window} days and {FALL_MIN_BEFORE} "
                   "before them under these filters; a longer window takes in more.")
        return
    flagged = falls[falls["falling"]]
    if flagged.empty:
        st.success(f"No {by} is losing stars beyond chance in the last {window} days.")
    for number, row in enumerate(flagged.itertuples()):
        st.warning(insights.fall_alert(row, by, window, see="")["text"])
        if pd.notna(row.theme_id):  # the complaints themselves, from the window (ending where rating_falls' does)
            scope = insights.recent_scope(filters, ui.load("last_date", filters), window, by, row.value)
            ui.recent_complaints(row.theme_dataset_id, row.theme_id, scope, f"{by}_losing_stars_quotes_{number + 1}",
                                 f"Recent complaints about {row.theme} — {row.value}", by_product=by != "product")
    ui.chart(charts.rating_fall_chart(falls, by, window), f"{by}_rating_falls")
    st.caption(f"Each {by}'s average rating in the last {window} days against its own before them, by a one-sided "
               f"Welch t-test. Losing stars: p below {FALL_ALPHA} ÷ {len(falls)} {plural} tested (Bonferroni) and a "
               f"fall of at least {FALL_MIN_DROP} stars. Tested: {plural} with at least {FALL_MIN_RECENT} rated "
               f"reviews in the window and {FALL_MIN_BEFORE} before it. “Complaints that grew most”: the need "
               f"theme with the most complaints in the window beyond its earlier share of the {by}'s complaints.")
    # the intervals are drawn on the chart and kept in the downloads; as columns they pushed the theme out of sight
    ui.table(falls, f"{by}_rating_falls", column_order=[
        "value", "recent_avg", "before_avg", "change", "n_recent", "n_before", "p_value", "falling", "theme"],
        column_config={
            "value": st.column_config.TextColumn(by.capitalize(), width="medium"),
            "recent_avg": st.column_config.NumberColumn("Recent ★", format="%.2f", width="small"),
            "before_avg": st.column_config.NumberColumn("Before ★", format="%.2f", width="small"),
            "change": st.column_config.NumberColumn("Change", format="%+.2f", width="small"),
            "n_recent": st.column_config.NumberColumn("Rated, recent", help=f"Rated reviews in the last {window} days"),
            "n_before": st.column_config.NumberColumn("Rated, before"),
            "p_value": st.column_config.NumberColumn("p-value", format="%.1e",
                                                     help="One-sided, before the Bonferroni correction"),
            "falling": st.column_config.CheckboxColumn("Losing stars"),
            "theme": st.column_config.TextColumn("Complaints that grew most", width="large")})


# a file with categories and no product column (online_shopping_10_cats) opens on its categories, not on "no product"
grouping = ["product", "category"]
present = [b for b in grouping if not ui.load("facet_values", b, filters).empty]
by = st.radio("Group by", grouping, horizontal=True, index=grouping.index(present[0]) if present else 0)
matrix = ui.load("facet_theme_matrix", by, filters)
if matrix.empty:
    st.info(f"No {by} column in the analysed data (map one on the Data page).")
    st.stop()
ui.chart(charts.facet_heatmap(matrix, by), f"{by}_theme_heatmap")
plural = {"product": "products", "category": "categories"}[by]
st.caption(f"Columns: the busiest need themes of these {plural} that customers complain about (at least three "
           "negative mentions); every theme is on the Need themes page.")
ratings = ui.load("rating_distribution", by, filters)
if ratings.empty:  # reviews without star ratings (online_shopping_10_cats): no empty chart
    st.caption(f"No star ratings in these reviews, so no rating distribution by {by}.")
else:
    ui.chart(charts.rating_distribution(ratings, by), f"{by}_ratings")
    losing_stars(by, plural)

# the quote first: in a half-width table the long theme labels ("quickly packaged / delivery packaging / …") pushed
# it out of sight
QUOTE_ORDER = ["quote", "theme", "score", "rating", "product", "category", "date"]
# full width: the quote takes the large column, the theme a medium one (at half a page each, a large quote column left
# the theme a few characters wide on 5,318 phone reviews, and a medium one cut the quote to ~30 characters)
QUOTE_COLUMNS = {"theme": st.column_config.TextColumn("Need theme", width="medium"),
                 "quote": st.column_config.TextColumn("Quote", width="large"),
                 "score": st.column_config.NumberColumn("Sentiment", format="%+.2f"), "product": "Product",
                 "category": "Category", "rating": st.column_config.NumberColumn("Rating", format="%.0f ★"),
                 "date": st.column_config.DateColumn("Date")}
# one above the other at full width: side by side, each quote was cut to its first thirty characters
st.subheader("Top complaints")
ui.table(ui.load("quotes", "negative", filters), "top_complaints", column_config=QUOTE_COLUMNS, column_order=QUOTE_ORDER)
st.subheader("Top praise")
ui.table(ui.load("quotes", "positive", filters), "top_praise", column_config=QUOTE_COLUMNS, column_order=QUOTE_ORDER)

st.subheader("Side by side")
values = ui.load("facet_values", by, filters)["value"].tolist()
if len(values) >= 2:
    a, b = st.columns(2)
    first = a.selectbox(f"First {by}", values, index=0)
    second = b.selectbox(f"Second {by}", values, index=1)
    side = matrix[matrix["value"].isin([first, second])]
    shared = side.groupby("theme")["value"].nunique()
    side = side[side["theme"].isin(shared[shared == 2].index)]
    if side.empty:
        st.caption("These two have no theme in common among the busiest ones.")
    else:
        ui.chart(charts.compare_bars(side, by), f"{by}_side_by_side")
    trend_filters = replace(filters, **({"products": (first,)} if by == "product" else {"categories": (first,)}))
    figures = ui.load("overview", trend_filters)
    period = insights.pick_period(figures.get("first_date"), figures.get("last_date"))
    timeline = ui.load("sentiment_over_time", trend_filters, period)
    if not timeline.empty:
        st.subheader(f"Trend: {first}")
        ui.chart(charts.sentiment_timeline(timeline, period, figures.get("first_date"), figures.get("last_date")),
                 f"{by}_trend")
else:
    st.caption(f"Two {plural} are compared here; these reviews have {len(values)}.")
