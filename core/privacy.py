"""Privacy mode: aggregates over fewer than k reviews are hidden, in the app and in every export.

A group (a theme, product x theme cell, need type, requested feature, search intent, backlog row ...) that only a
handful of people wrote about can identify them; with ``NEEDLENS_PRIVACY_K=k`` such rows are dropped before anything
is drawn or written. The count used is the first of COUNT_COLUMNS the table has (reviews before snippets), so a
group is judged by how many distinct people it summarises wherever the table says so.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

# n_recent: a product's recent average rating (core.needs.rating_falls) summarises its recent rated reviews
COUNT_COLUMNS = ("reviews", "volume", "requests", "searches", "queries", "snippets", "mentions", "size", "n_recent")
# Row-level tables (one review per row) are not aggregates: they are the PM's own data, not summaries of it.
ROW_LEVEL_MARKERS = ("review_id", "snippet_id", "row_no")


def count_column(frame: pd.DataFrame) -> str | None:
    if any(marker in frame.columns for marker in ROW_LEVEL_MARKERS):
        return None
    return next((c for c in COUNT_COLUMNS if c in frame.columns and pd.api.types.is_numeric_dtype(frame[c])), None)


def suppress(value: Any, k: int) -> Any:
    """Drop the rows of an aggregate table whose count is under k; other values pass through unchanged."""
    if k <= 1 or not isinstance(value, pd.DataFrame) or value.empty:
        return value
    column = count_column(value)
    if column is None:
        return value
    kept = value[value[column].fillna(0) >= k]
    kept.attrs["suppressed"] = int(len(value) - len(kept))
    return kept
