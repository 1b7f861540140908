"""Issue 7.7: privacy mode hides aggregates over fewer than k reviews, in the core, the CLI exports and the report."""
import pandas as pd
import pytest

from core.__main__ import main
from core.privacy import suppress


def test_suppress_uses_the_review_count_and_leaves_row_level_tables_alone():
    themes = pd.DataFrame({"label": ["fit", "rare"], "snippets": [40, 40], "reviews": [30, 3]})
    assert suppress(themes, 5)["label"].tolist() == ["fit"]
    assert suppress(themes, 5).attrs["suppressed"] == 1
    assert suppress(themes, 0).equals(themes)  # off by default
    rows = pd.DataFrame({"review_id": ["a", "b"], "reviews": [1, 1]})
    assert len(suppress(rows, 5)) == 2
    assert suppress({"reviews": 3}, 5) == {"reviews": 3}


@pytest.fixture
def analysed(demo_reviews_db):
    return demo_reviews_db


def test_cli_exports_and_report_respect_k(analysed, tmp_path, monkeypatch):
    db = str(analysed)
    plain = tmp_path / "themes_all.csv"
    assert main(["export", "--db", db, "--what", "themes", "--out", str(plain)]) == 0
    counts = pd.read_csv(plain)["reviews"]
    k = int(counts.sort_values().iloc[len(counts) // 2]) + 1  # a k that hides about half the themes
    monkeypatch.setenv("NEEDLENS_PRIVACY_K", str(k))
    for what, column in (("themes", "reviews"), ("requests", "requests"), ("backlog", "volume")):
        out = tmp_path / f"{what}.csv"
        assert main(["export", "--db", db, "--what", what, "--out", str(out)]) == 0
        frame = pd.read_csv(out)
        assert (frame[column] >= k).all(), what
    assert len(pd.read_csv(tmp_path / "themes.csv")) < len(counts)
    report = tmp_path / "report.html"
    assert main(["export", "--db", db, "--what", "report", "--out", str(report)]) == 0
    hidden = pd.read_csv(plain).query("reviews < @k")["label"]
    html = report.read_text(encoding="utf-8")
    assert not any(f">{label}<" in html for label in hidden)


def test_sign_in_allow_list():
    from core.access import is_allowed

    assert is_allowed("anyone@anywhere.org")  # no rules: the identity provider decides
    assert is_allowed("PM@Example.com", allowed_domains=["example.com"])
    assert not is_allowed("pm@example.com.evil.org", allowed_domains=["example.com"])
    assert is_allowed("guest@partner.com", allowed_emails=["guest@partner.com"], allowed_domains=["example.com"])
    assert not is_allowed(None, allowed_domains=["example.com"])
