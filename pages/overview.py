"""Overview: headline figures, top opportunities, sentiment and volume over time."""
import streamlit as st

from pages import ui  # before core: importing pages turns Streamlit's legacy pages/ mode off (pages/__init__.py)
from core import charts, insights

store = ui.page("Overview")
ui.require_analysis(store)
filters = ui.sidebar_filters()
figures = ui.load("overview", filters)

a, b, c, d = st.columns(4)
a.metric("Reviews", f"{int(figures['reviews']):,}")
b.metric("Average rating", "–" if figures["average_rating"] is None or figures["average_rating"] != figures["average_rating"]
         else f"{figures['average_rating']:.2f} ★")
c.metric("Share negative", ui.percent(figures["negative_share"]), help="Reviews whose overall sentiment is negative")
d.metric("Need themes", figures["themes"])

# the average rating's move beyond chance, products (or, without them, categories) losing stars, complaint themes and
# requests rising, in the last 3 weeks
by = "product" if not ui.load("facet_values", "product", filters).empty else "category"
falls = ui.latent_view("rating_falls", filters, by, 21)
alerts = insights.alerts(ui.latent_view("rating_shift", filters, 21), ui.latent_view("emerging", filters, 21),
                         ui.latent_view("rising_requests", filters, 21), ui.settings().privacy_k, falls, by)
for alert in alerts:
    rose = alert["kind"] == "rating" and alert["change"] > 0
    (st.success if rose else st.warning)(alert["text"])
# no alert: say why, so silence is not read as news (naming the products' ratings only where some were tested)
quiet = None if alerts else insights.quiet_note(figures, by if not falls.empty else None)
if quiet:
    (st.success if quiet[0] == "success" else st.info)(quiet[1])

if ui.load("summary")["searches"]:
    unmet = insights.unmet_intents(ui.load("intent_table", filters))
    if not unmet.empty:
        st.info("Unmet search demand — " + "; ".join(
            f"**{row.label}**: {int(row.searches):,} searches, {row.served:.0%} served" for row in unmet.itertuples())
            + ". See **Search insights**.")

themes = insights.with_trend(ui.load("theme_table", filters))
ranked = insights.opportunities(themes, top=6)
st.subheader("What to fix first")
if not ranked.empty:
    dated = "growth" in ranked and ranked["growth"].notna().any()
    growth = " × how fast its complaints grew recently" if dated else ""
    st.caption(f"What hurts most now: share of mentions × share negative{growth}. The "
               "improvement backlog (Latent needs) ranks every need by importance × dissatisfaction instead, without "
               "growth, so its order can differ.")
if ranked.empty:
    st.caption("No need theme has three or more complaints under these filters." if not themes.empty
               else "No themes for these filters.")
else:
    ui.chart(charts.opportunity_bars(ranked), "top_opportunities")
    view = ranked.assign(trend=insights.need_trend(ranked).map(insights.trend_arrow))[
        ["label", "why", "reviews", "negative_share", "avg_rating", "trend", "opportunity"]]
    ui.table(view, "top_opportunities", column_config={
        # widths so that the trend and the score stay in view beside the long "why" (auto-sized, it pushed them off)
        "label": st.column_config.TextColumn("Need theme", width="medium"),
        "why": st.column_config.TextColumn("Why it ranks here", width="large"), "reviews": "Reviews",
        "negative_share": st.column_config.NumberColumn("Negative", format="percent"),
        "avg_rating": st.column_config.NumberColumn("Avg rating", format="%.2f"),
        "trend": st.column_config.TextColumn("Trend", width="small",
                                             help="Change in the share of all mentions that are complaints about "
                                                  "the theme, last 4 weeks vs before; steady: within ±0.2 points"),
        "opportunity": st.column_config.NumberColumn("Score", format="%.4f")},
        # "why" already says the share negative and the rating; the downloads keep those columns as numbers
        column_order=["label", "why", "reviews", "trend", "opportunity"])

period = insights.pick_period(figures.get("first_date"), figures.get("last_date"))
timeline = ui.load("sentiment_over_time", filters, period)
st.subheader("Sentiment and volume over time")
if timeline.empty:
    st.caption("This dataset has no dates.")
else:
    ui.chart(charts.sentiment_timeline(timeline, period, figures.get("first_date"), figures.get("last_date")),
             "sentiment_over_time")
