"""Search insights: top and rising queries, intents, unmet demand, demand vs satisfaction."""
import streamlit as st

from pages import ui  # before core: importing pages turns Streamlit's legacy pages/ mode off (pages/__init__.py)
from core import charts, insights
from core.store import UNMET_RATIO

SERVED_HELP = ("Served: 0 for a search that returned nothing; otherwise the mean of what the file says about it: "
               "clicked or not, its relevance or conversion (scaled to the file's range), and how closely the title "
               "of the product it led to matches the query.")
NOT_SERVED_INFO = insights.SERVED_UNKNOWN + " Map such a column on the **Data** page to see unmet demand."
SERVED_COLUMNS = {
    "served": st.column_config.NumberColumn("Served", format="percent", help=SERVED_HELP),
    "zero_result_share": st.column_config.NumberColumn("Zero results", format="percent"),
    "click_share": st.column_config.NumberColumn("Clicked", format="percent"),
    "relevance": st.column_config.NumberColumn("Relevance", format="%.2f",
                                               help="Mean of the file's relevance, conversion or purchase column"),
    "title_match": st.column_config.NumberColumn("Title match", format="%.2f",
                                                 help="Cosine of the query and the title of the product it led to"),
    "unmet_searches": st.column_config.NumberColumn("Unmet searches", format="%.0f",
                                                    help="Searches × (typical served − this one's served)"),
    "need_type": "Need type"}

store = ui.page("Search insights")
filters = ui.sidebar_filters()
if ui.load("summary")["searches"] == 0:
    st.info("No search queries analysed yet. Upload a search-query file on the **Data** page.")
    st.page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
    st.stop()

if filters.dataset_ids or filters.categories or filters.products or filters.langs or \
        filters.rating_min is not None or filters.rating_max is not None:
    st.caption("Searches follow the sidebar's date range only: a search log has no dataset, product, category, "
               "language or rating of its own to filter by.")
top = ui.load("top_queries", filters, 40)
left, right = st.columns(2)
with left:
    ui.chart(charts.query_bars(top.head(15), "Top queries"), "top_queries")
with right:
    rising = insights.rising_queries(top)
    if not insights.searches_dated(top):
        st.caption("Rising queries: the search file has no dates, so a rise cannot be told.")
    elif rising.empty:
        st.caption("Rising queries: no query's searches per day rose significantly in the last 4 weeks.")
    else:
        ui.chart(charts.query_bars(rising, "Rising queries", "growth", "Searches per day, last 4 weeks vs before "
                                   "(significant rises only)", axis_title="Change in searches per day",
                                   axis_format="+.0%"), "rising_queries")

intents = ui.load("intent_table", filters)
served_known = bool(intents["served"].notna().any())
st.subheader("Demand vs satisfaction")
if served_known:
    ui.chart(charts.demand_vs_satisfaction(intents), "demand_vs_satisfaction")
    st.caption(SERVED_HELP)
else:
    st.info(NOT_SERVED_INFO)
needs = ui.load("search_need_types", filters)
if not needs.empty:
    st.subheader("Searches by need type")
    ui.chart(charts.search_need_bars(needs), "search_need_types")
    st.caption(f"{needs['share'].sum():.0%} of searches ask for a need beyond a product's name; the rest are typed "
               "“other”. Types come from the taxonomy on the Latent needs page, as review snippets' do.")
st.subheader("Query intents")
view = intents.assign(keywords=intents["keywords"].map(lambda k: ", ".join(k)),
                      examples=intents["examples"].map(lambda k: " · ".join(k)))
st.caption(("Most unmet searches first. " if served_known else "Most searched first. ")
           + "Need type: the commonest need type of the intent's queries, typed like review snippets from the taxonomy "
             "on the Latent needs page, where it covers a third of their searches.")
ui.table(view[["label", "searches", "served", "unmet_searches", "need_type", "zero_result_share", "click_share",
               "relevance", "title_match", "theme", "theme_match", "theme_sentiment", "examples"]],
         "query_intents", column_config={
             "label": "Intent", "searches": "Searches", **SERVED_COLUMNS,
             "theme": "Matched review theme",
             # the nearest theme is always named, however far: on the demo "serum for dark spots" is nearest to
             # "overpriced quality" at 0.23, with the next theme at 0.22 (thirty-third session)
             "theme_match": st.column_config.NumberColumn(
                 "Theme match", format="%.2f", help="How close the matched theme is to the intent's queries (cosine of "
                 "their centres). The nearest theme is always named; a match far below the other intents' is a guess."),
             "theme_sentiment": st.column_config.NumberColumn("Theme sentiment", format="%.2f"),
             "examples": "Example queries"})
st.subheader("Unmet demand")
if not served_known:
    st.caption("Unknown: see above.")
    st.stop()
st.caption(f"Queries searched at least 3 times and served at under {UNMET_RATIO:.0%} of the typical search's "
           "served score; most unmet searches first (searches × how far below typical).")
ui.table(ui.load("unmet_queries", filters), "unmet_demand", column_config={"query": "Query", "searches": "Searches",
                                                                          **SERVED_COLUMNS})
