"""The dashboard's pages, as app.py (the router) lists them to st.navigation.

Streamlit also reads a folder named pages/ beside the main script as a legacy page list: until a run calls
st.navigation, each new run of the server process serves the requested file on its own, under a menu of raw file
names (app, data, ..., ui). Every page imports this package before anything heavy, so the first run that gets here
turns legacy mode off for every later run; `ui.route_through_app` gives a run that began in it the app's menu.
"""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

PagesManager.uses_pages_directory = False

PAGE_CONFIG = {"page_title": "NeedLens", "page_icon": ":material/center_focus_strong:", "layout": "wide"}
_PAGES = (
    ("overview.py", "Overview", ":material/dashboard:"),
    ("themes.py", "Need themes", ":material/hub:"),
    ("needs.py", "Latent needs", ":material/lightbulb:"),
    ("products.py", "Product feedback", ":material/storefront:"),
    ("search.py", "Search insights", ":material/search:"),
    ("recommend.py", "Recommendation lab", ":material/recommend:"),
    ("report.py", "Report & export", ":material/description:"),
    ("data.py", "Data", ":material/upload_file:"),
)


def entries() -> list:
    """The pages in menu order; the first is the default."""
    return [st.Page(f"pages/{file}", title=title, icon=icon, default=not index)
            for index, (file, title, icon) in enumerate(_PAGES)]
