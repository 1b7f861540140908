"""The dashboard's pages; app.py routes to them with st.navigation.

Streamlit also reads a folder named pages/ beside the main script as a legacy page list: until a run calls
st.navigation, each new run of the server process serves the requested file on its own, under a menu of raw file
names (app, data, ..., ui). Every page imports this package before anything heavy, so the first run that gets here
turns legacy mode off for every later run; `ui.route_through_app` runs app.py for a run that began in it.
"""
from streamlit.runtime.pages_manager import PagesManager

PagesManager.uses_pages_directory = False
