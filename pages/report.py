"""Report & export: the one-click HTML insight report and the full review table."""
import streamlit as st

from core.report import build_report
from pages import ui

st.title("Report & export")
store = ui.open_workspace()
ui.require_analysis(store)
filters = ui.sidebar_filters()
st.write(f"Covers: **{filters.describe()}**. The report is one HTML file with its charts inline (no internet needed "
         "to open it): top opportunities with quotes, sentiment over time and every need theme.")
st.download_button("⬇ Download the HTML insight report", type="primary",
                   data=lambda: build_report(store, filters, privacy_k=ui.settings().privacy_k), file_name="needlens_report.html", mime="text/html",
                   on_click="ignore")
st.subheader("All reviews with their sentiment, theme and keywords")
ui.table(ui.load("export_reviews", filters, ui.PREVIEW_ROWS), "reviews", height=360,
         full=lambda: ui.load("export_reviews", filters), total=ui.load("count_reviews", filters))
