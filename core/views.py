"""Dashboard views kept in the workspace, so a server that has just started serves its first page at once.

Every aggregate a page shows is a call ``compute(store, name, *args)`` (a Store read method, or one of the latent
views below). After an analysis or an edit, the writer computes the calls the pages make with no filter set
(``default_calls``) and stores each result in the ``views`` table, keyed by the call and the workspace's data
version; ``stored`` reads one back. Any later commit bumps the data version, so a stored view is never served for
data it was not computed on; filtered views are computed on demand as before.

Results are stored as Arrow IPC (tables) or tagged JSON (figures), never pickled: a workspace file may come from
someone else, and reading it must not run code.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import logging
import math
import time
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from . import insights, latent
from .filters import Filters
from .store import Store

log = logging.getLogger(__name__)

# bump when a stored view's shape or meaning changes: older rows are ignored (2: quotes leave out requests; 3: a
# Chinese "……的版本" request joins the group asking for the thing itself; 4: the backlog leaves out themes nobody
# complains about, and quotes a typical complaint rather than the most negative snippet; 5: the product x theme
# heatmap shows the themes customers complain about; 6: top complaints and praise quote the themes with the most
# such mentions first; 7: a backlog need takes a type from 10% of its snippets, and an untyped one reads "other";
# 8: a bare ask to improve is not grouped under a general-opinion or catch-all theme; 9: English asks outside the cue
# frames are named: "white or beige would be great", "if the sleeves had not been so tight", "back in stock"; 10: "a
# smidge / touch / hair longer" asks for "longer"; 11: a bare ask to improve is named by the theme said next to it,
# and the thirty-second session's request names and backlog quotes; a theme's evidence holds each wording once; 12:
# the backlog ranks by importance x dissatisfaction, with ODI beside it; 13: the backlog's rating impact is a number of
# stars, not text, English request names no longer end on a preposition, and top complaints and praise quote what is
# typical of their theme and says something; 14: emerging issues' recent window ends at the newest review, as the
# chart shades it, not at the newest complaint; 15: the same English ask in other words is one request: "cheaper",
# "more length" with "longer"; 16: the theme table and the backlog say how well each theme stays together, "stable";
# 17: the Rating drivers tab says what moved the average rating, a view stored with the others; 18: the theme table
# counts each theme's complaints in the recent window and before, and the top opportunities grow with them; 19: the
# backlog's trend is its complaints' trend; 20: the Overview says when the average rating moved, a view stored with
# the others, as are the requests rising in the recent window; 21: products and categories losing stars in it; 22:
# the Overview's figures count the reviews of the alerts' window)
FORMAT = 22
PREVIEW_ROWS = 2000  # rows of the review table a page shows (the downloads read all of them)
EMERGING_WINDOW = 21  # the Emerging issues slider's default, in days
TOP_QUERIES = 40
MISSING = object()


def _backlog(store: Store, filters: Filters | None = None, *, driver: pd.DataFrame | None = None) -> pd.DataFrame:
    return latent.backlog(store, filters, driver=cached(store, "drivers", filters) if driver is None else driver)


def _rating_change(store: Store, filters: Filters | None = None, window_days: int = EMERGING_WINDOW, *,
                   driver: pd.DataFrame | None = None) -> pd.DataFrame:
    return latent.rating_change(store, filters, window_days,
                                driver=cached(store, "drivers", filters) if driver is None else driver)


LATENT: dict[str, Callable[..., Any]] = {"backlog": _backlog, "requests": latent.feature_requests,
                                         "drivers": latent.drivers, "emerging": latent.emerging_issues,
                                         "emerging_over_time": latent.emerging_over_time,
                                         "rating_change": _rating_change, "rating_shift": latent.rating_shift,
                                         "rating_falls": latent.rating_falls,
                                         "rising_requests": latent.rising_requests,
                                         "rising_requests_over_time": latent.rising_requests_over_time}


# Searches follow only the date range (Store.search_filter): a search view asked with any other filter is the one for
# that date range alone, so Language = zh reads the stored unfiltered views instead of recomputing all four (1.1 s
# on the Search insights page of a million reviews, thirty-sixth session).
SEARCH_VIEWS = frozenset({"top_queries", "intent_table", "unmet_queries", "search_need_types"})


def call_args(name: str, args: tuple) -> tuple:
    """A view's arguments with what it does not read left out: a search view's filters keep their dates only."""
    if name not in SEARCH_VIEWS:
        return args
    return tuple(a.for_searches() if isinstance(a, Filters) else a for a in args)


def key(name: str, args: tuple, kwargs: dict | None = None) -> str:
    """One call as text (Filters and the other arguments have a stable repr)."""
    return f"{FORMAT}|{name}{args!r}{sorted((kwargs or {}).items())!r}"


def compute(store: Store, name: str, *args: Any, **kwargs: Any) -> Any:
    """Run one view: a latent-needs view by name, otherwise the Store read method of that name."""
    if name in LATENT:
        return LATENT[name](store, *args, **kwargs)
    if name.startswith("_") or not hasattr(Store, name):
        raise ValueError(f"unknown view {name!r}")
    return getattr(store, name)(*args, **kwargs)


def cached(store: Store, name: str, *args: Any, version: int | None = None, **kwargs: Any) -> Any:
    """The result stored for this call at ``version`` (default: the current data version), else a fresh
    computation (not stored)."""
    value = stored(store, name, store.data_version() if version is None else version, args, kwargs)
    return compute(store, name, *args, **kwargs) if value is MISSING else value


# --- (de)serialisation -----------------------------------------------------------------------------------------

def _tag(value: Any) -> Any:
    if isinstance(value, dict):
        return {"$dict": [[_tag(k), _tag(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_tag(v) for v in value]
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return {"$ts": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return {"$nan": True} if math.isnan(value) else float(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"a stored view cannot hold {type(value).__name__}")


def _untag(value: Any) -> Any:
    if isinstance(value, list):
        return [_untag(v) for v in value]
    if isinstance(value, dict):
        if "$dict" in value:
            return {_untag(k): _untag(v) for k, v in value["$dict"]}
        if "$ts" in value:
            return pd.Timestamp(value["$ts"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        if "$nan" in value:
            return float("nan")
    return value


def encode(value: Any) -> tuple[str, bytes]:
    """A view's result as (kind, bytes): 'arrow' for a DataFrame, 'json' for figures and counts."""
    if isinstance(value, pd.DataFrame):
        table = pa.Table.from_pandas(value, preserve_index=not isinstance(value.index, pd.RangeIndex))
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return "arrow", sink.getvalue()
    return "json", json.dumps(_tag(value)).encode()


def decode(kind: str, payload: bytes) -> Any:
    if kind == "arrow":
        frame = pa.ipc.open_stream(payload).read_all().to_pandas()
        for column in frame.columns:  # Arrow lists come back as numpy arrays; the readers made Python lists
            values = frame[column]
            if values.dtype == object and values.map(lambda v: isinstance(v, np.ndarray)).any():
                frame[column] = values.map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
        return frame
    if kind == "json":
        return _untag(json.loads(payload))
    raise ValueError(f"unknown stored view kind {kind!r}")


# --- the stored views -------------------------------------------------------------------------------------------

def stored(store: Store, name: str, version: int, args: tuple = (), kwargs: dict | None = None) -> Any:
    """The result stored for this call at this data version, or MISSING."""
    row = store.stored_view(key(name, args, kwargs), version)
    if row is None:
        return MISSING
    try:
        return decode(*row)
    except Exception as exc:  # a damaged row is only a missed shortcut
        log.warning("stored view %s unreadable (%s); computing it", name, exc)
        return MISSING


def stale(store: Store) -> bool:
    """True when the workspace holds stored views but none of this FORMAT at its data version: stored by an earlier
    NeedLens (a FORMAT bump ignores them), or before a commit that did not store them again; or request names of
    another version of the naming code. The pages then aggregate
    on every first visit until the next analysis or edit (1.1-1.75 s a page on the 1M-review workspace, 0.07-0.37 s
    from stored views). A workspace that never stored any is not stale: nothing asked for them."""
    if store.read_only:
        return False
    current, every = store.view_counts(f"{FORMAT}|", store.data_version())
    # or the request names were stored by other code (latent.NAMES_VERSION hashes core/needs.py): every filtered
    # Feature requests visit then names each ask again (0.28 s with Language = en at 1M) until the next analysis
    return every > 0 and (current == 0 or store.request_names_stale(latent.NAMES_VERSION))


def default_calls(store: Store, value: Callable[..., Any] | None = None) -> list[tuple[str, tuple]]:
    """The calls the pages make with no filter set, in an order where each only needs earlier ones.

    ``value(name, *args)`` gives a call's result where the list depends on one (materialize passes its own, so
    nothing is computed twice). tests/app/test_pages.py renders every page on a workspace with these stored and
    fails on any call missing here, so the list follows the pages."""
    value = value or (lambda name, *args: compute(store, name, *args))
    unfiltered = Filters()
    calls: list[tuple[str, tuple]] = [("datasets", ()), ("summary", ()), ("overview", (unfiltered,)),
                                      ("facet_values", ("category", unfiltered)), ("facet_values", ("product", unfiltered)),
                                      ("theme_table", (unfiltered,)), ("need_type_table", (unfiltered,)),
                                      ("count_reviews", (unfiltered,)), ("export_reviews", (unfiltered, PREVIEW_ROWS)),
                                      ("emerging", (unfiltered, EMERGING_WINDOW)),
                                      ("rising_requests", (unfiltered, EMERGING_WINDOW)),
                                      ("rating_shift", (unfiltered, EMERGING_WINDOW)),
                                      ("rating_falls", (unfiltered, "product", EMERGING_WINDOW)),
                                      ("rating_falls", (unfiltered, "category", EMERGING_WINDOW)), ("drivers", (unfiltered,)),
                                      ("rating_change", (unfiltered, EMERGING_WINDOW)),
                                      ("backlog", (unfiltered,)), ("requests", (unfiltered,))]
    figures = value("overview", unfiltered)
    period = insights.pick_period(figures.get("first_date"), figures.get("last_date"))
    calls += [("sentiment_over_time", (unfiltered, period)), ("emerging_over_time", (unfiltered, EMERGING_WINDOW, period)),
              ("rising_requests_over_time", (unfiltered, EMERGING_WINDOW, period))]
    for by in ("product", "category"):
        calls += [("facet_theme_matrix", (by, unfiltered)), ("rating_distribution", (by, unfiltered))]
    calls += [("quotes", ("negative", unfiltered)), ("quotes", ("positive", unfiltered))]
    for by, field in (("product", "products"), ("category", "categories")):  # the Products page's first trend
        values = value("facet_values", by, unfiltered)["value"].tolist()
        if len(values) >= 2:
            first = Filters(**{field: (values[0],)})
            trend = value("overview", first)
            calls += [("overview", (first,)), ("sentiment_over_time", (first, insights.pick_period(
                trend.get("first_date"), trend.get("last_date"))))]
    for by in ("product", "category"):  # Product feedback quotes each product losing stars
        falls = value("rating_falls", unfiltered, by, EMERGING_WINDOW)
        flagged = falls[falls["falling"] & falls["theme_id"].notna()] if not falls.empty else falls
        if not flagged.empty:
            last = value("last_date", unfiltered)
            calls += [] if ("last_date", (unfiltered,)) in calls else [("last_date", (unfiltered,))]
            calls += [("theme_snippets", (int(row.theme_dataset_id), int(row.theme_id), insights.recent_scope(
                unfiltered, last, EMERGING_WINDOW, by, row.value), "negative", None)) for row in flagged.itertuples()]
    found = value("emerging", unfiltered, EMERGING_WINDOW)  # the Emerging issues tab quotes each flagged theme
    flagged = found[found["emerging"]] if not found.empty else found
    if not flagged.empty:
        labels = tuple(flagged["theme"])
        keys = value("theme_keys", labels, unfiltered)
        calls.append(("theme_keys", (labels, unfiltered)))
        scope = insights.recent_scope(unfiltered, figures["last_date"], EMERGING_WINDOW)
        calls += [("theme_snippets", (int(theme.iloc[0]["dataset_id"]), int(theme.iloc[0]["theme_id"]), scope,
                                      "negative", None))
                  for theme in (keys[keys["label"] == label] for label in labels) if not theme.empty]
    themes = insights.with_trend(value("theme_table", unfiltered))
    if not themes.empty:  # the Need themes page opens on its first theme's evidence
        first = themes.iloc[0]
        calls.append(("theme_snippets", (int(first["dataset_id"]), int(first["theme_id"]), unfiltered, None, None)))
    if value("summary")["searches"]:
        calls += [("top_queries", (unfiltered, TOP_QUERIES)), ("intent_table", (unfiltered,)),
                  ("unmet_queries", (unfiltered,)), ("search_need_types", (unfiltered,))]
    return calls


def materialize(store: Store) -> dict[str, float]:
    """Compute and store the default views for the current data version; returns seconds per view.

    Run by the writer after an analysis or an edit, after rebuilding the snippet facts the filtered aggregates scan.
    Views are computed outside any transaction and written in one; if the data changed meanwhile (another edit
    committed), nothing is written: those views would be stale."""
    started = time.perf_counter()
    store.refresh_facts()  # the facts the filtered aggregates scan (Store.refresh_facts), then the unfiltered views
    version = store.data_version()
    results: dict[str, Any] = {}
    seconds: dict[str, float] = {"snippet_facts": time.perf_counter() - started}
    begun = time.perf_counter()
    latent.keep_request_names(store)  # what each request asks for, read by every filtered Feature requests view
    seconds["request_names"] = time.perf_counter() - begun

    def value(name: str, *args: Any) -> Any:  # each call computed once (the list itself reads some of them)
        if key(name, args) not in results:
            begun = time.perf_counter()
            # the backlog ranks by the drivers, and the rating change splits by them: computed once
            more = {"driver": value("drivers", args[0])} if name in ("backlog", "rating_change") else {}
            results[key(name, args)] = compute(store, name, *args, **more)
            seconds[f"{name}{args!r}"] = time.perf_counter() - begun
        return results[key(name, args)]

    rows = [(key(name, args), version, *encode(value(name, *args))) for name, args in default_calls(store, value)]
    written = store.put_views(rows, version)
    log.info("%s %d dashboard views in %.1f s", "stored" if written else "discarded (data changed)",
             len(rows), time.perf_counter() - started)
    return seconds
