"""Search insights: top and rising queries, intents, unmet demand, demand vs satisfaction."""
import streamlit as st

from pages import ui  # before core: importing pages turns Streamlit's legacy pages/ mode off (pages/__init__.py)
from core import charts, insights

store = ui.page("Search insights")
filters = ui.sidebar_filters()
if ui.load("summary")["searches"] == 0:
    st.info("No search queries analysed yet. Upload a search-query file on the **Data** page.")
    st.page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
    st.stop()

top = ui.load("top_queries", filters, 40)
left, right = st.columns(2)
with left:
    ui.chart(charts.query_bars(top.head(15), "Top queries"), "top_queries")
with right:
    rising = insights.rising_queries(top)
    if rising.empty:
        st.caption("Rising queries: no query's searches per day rose significantly in the last 4 weeks.")
    else:
        ui.chart(charts.query_bars(rising, "Rising queries", "growth", "Searches per day, last 4 weeks vs before "
                                   "(significant rises only)", axis_title="Change in searches per day",
                                   axis_format="+.0%"), "rising_queries")

intents = ui.load("intent_table", filters)
st.subheader("Demand vs satisfaction")
ui.chart(charts.demand_vs_satisfaction(intents), "demand_vs_satisfaction")
st.subheader("Query intents")
view = intents.assign(keywords=intents["keywords"].map(lambda k: ", ".join(k)),
                      examples=intents["examples"].map(lambda k: " · ".join(k)))
ui.table(view[["label", "searches", "zero_result_share", "click_share", "theme", "theme_sentiment", "examples"]],
         "query_intents", column_config={
             "label": "Intent", "searches": "Searches",
             "zero_result_share": st.column_config.NumberColumn("Zero results", format="percent"),
             "click_share": st.column_config.NumberColumn("Clicked", format="percent"),
             "theme": "Matched review theme",
             "theme_sentiment": st.column_config.NumberColumn("Theme sentiment", format="%.2f"),
             "examples": "Example queries"})
st.subheader("Unmet demand")
st.caption("Queries searched at least 3 times that often return nothing or are rarely clicked.")
ui.table(ui.load("unmet_queries", filters), "unmet_demand", column_config={
    "zero_result_share": st.column_config.NumberColumn("Zero results", format="percent"),
    "click_share": st.column_config.NumberColumn("Clicked", format="percent")})
