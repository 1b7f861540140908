"""Report & export: the one-click HTML insight report and the full review table."""
import streamlit as st

from pages import ui  # before core: importing pages turns Streamlit's legacy pages/ mode off (pages/__init__.py)
from core.report import build_report

store = ui.page("Report & export")
ui.require_analysis(store)
filters = ui.sidebar_filters()
# the sections in build_report's order (this list had stopped at the requested features while the report grew)
st.write(f"Covers: **{filters.describe()}**. The report is one HTML file with its charts inline (no internet needed "
         "to open it): top opportunities with quotes, the improvement backlog and its opportunity map, the rating "
         "drivers (where reviews have stars), emerging issues (where they have dates), sentiment over time, every need "
         "theme, the most requested features and, where there are searches, the search demand and its most unmet "
         "queries.")
st.download_button("⬇ Download the HTML insight report", type="primary",
                   data=lambda: build_report(store, filters, privacy_k=ui.settings().privacy_k), file_name="needlens_report.html", mime="text/html",
                   on_click="ignore")
st.subheader("All reviews with their sentiment, theme and keywords")
reviews = ui.load("export_reviews", filters, ui.PREVIEW_ROWS)
shown = ["text", "sentiment", "sentiment_score", "mixed", "theme_label", "need_type", "keywords", "rating", "product",
         "category", "date", "lang", "review_id", "user_id", "dataset_id"]
if "title" in reviews and reviews["title"].fillna("").astype(str).str.strip().any():
    shown.insert(1, "title")
ui.table(reviews, "reviews", height=360, full=lambda: ui.load("export_reviews", filters),
         total=ui.load("count_reviews", filters), column_order=[c for c in shown if c in reviews], column_config={
             "text": st.column_config.TextColumn("Review", width="large"), "title": "Title",
             "sentiment": "Sentiment", "sentiment_score": st.column_config.NumberColumn("Score", format="%+.2f"),
             "mixed": st.column_config.CheckboxColumn("Mixed"), "theme_label": "Need theme", "need_type": "Need type",
             "keywords": "Keywords", "rating": st.column_config.NumberColumn("Rating", format="%.0f ★"),
             "product": "Product", "category": "Category", "date": st.column_config.DateColumn("Date"),
             "lang": "Language", "review_id": "Review ID", "user_id": "User", "dataset_id": "Dataset"})
st.caption("The downloads hold every column, under the names the CLI export uses (`python -m core export --what "
           "reviews`).")
