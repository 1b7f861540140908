"""NeedLens: the router. Each page lives in pages/ (and runs a first, legacy-mode run through here: ui.page); the
engine lives in core/.

When `.streamlit/secrets.toml` has an `[auth]` section (Streamlit's OIDC sign-in, see README), every page requires a
signed-in user, optionally restricted by `[needlens] allowed_emails / allowed_domains`.
"""
import streamlit as st

from pages import ui

st.set_page_config(page_title="NeedLens", page_icon=":material/center_focus_strong:", layout="wide")
ui.sign_in_gate(show_account=True)
st.navigation([
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/themes.py", title="Need themes", icon=":material/hub:"),
    st.Page("pages/needs.py", title="Latent needs", icon=":material/lightbulb:"),
    st.Page("pages/products.py", title="Product feedback", icon=":material/storefront:"),
    st.Page("pages/search.py", title="Search insights", icon=":material/search:"),
    st.Page("pages/recommend.py", title="Recommendation lab", icon=":material/recommend:"),
    st.Page("pages/report.py", title="Report & export", icon=":material/description:"),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
]).run()
