"""NeedLens: the router. Each page lives in pages/ (listed in pages/__init__.py); the engine lives in core/.

When `.streamlit/secrets.toml` has an `[auth]` section (Streamlit's OIDC sign-in, see README), every page requires a
signed-in user, optionally restricted by `[needlens] allowed_emails / allowed_domains`.
"""
import streamlit as st

import pages
from pages import ui

st.set_page_config(**pages.PAGE_CONFIG)
ui.sign_in_gate(show_account=True)
st.navigation(pages.entries()).run()
