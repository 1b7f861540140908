"""Who may use a NeedLens server once sign-in is configured (pure logic; the app reads st.user and st.secrets).

``.streamlit/secrets.toml`` may hold, besides Streamlit's own ``[auth]`` OIDC section, a ``[needlens]`` section with
``allowed_emails`` and/or ``allowed_domains``; with neither, any account the identity provider accepts may sign in.
"""
from __future__ import annotations

from collections.abc import Iterable


def is_allowed(email: str | None, allowed_emails: Iterable[str] = (), allowed_domains: Iterable[str] = ()) -> bool:
    emails = {e.strip().lower() for e in allowed_emails if e.strip()}
    domains = {d.strip().lower().lstrip("@") for d in allowed_domains if d.strip()}
    if not emails and not domains:
        return True
    if not email or "@" not in email:
        return False
    email = email.strip().lower()
    return email in emails or email.rsplit("@", 1)[1] in domains
