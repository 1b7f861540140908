"""Latent-needs recipes over a workspace: re-apply the taxonomy, group requests, rating drivers, emerging issues and
the improvement backlog. Pure logic lives in core.needs; SQL in core.store."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pandas as pd

from . import insights
from .chunks import route_positions
from .config import Settings
from .embed import CachedEmbedder, embedders_from_settings
from .filters import Filters
from .needs import (DEFAULT_TAXONOMY, DRIVER_MIN_RATED, NAMES_VERSION, NEED_TYPE_LEXICAL, OTHER, assign_need_types,
                    complaint_shares, drivers_from_moments, emerging, group_requests, need_type_dims, opportunity_scores,
                    requested_thing, taxonomy_from_frame)
from .needs import request_mentions
from .needs import rising_requests as needs_rising_requests
from .needs import rating_change as needs_rating_change
from .needs import rating_falls as needs_rating_falls
from .needs import rating_shift as needs_rating_shift
from .store import Store
from .text import detect_language
from .themes import telling_example


def current_taxonomy(store: Store) -> tuple:
    stored = store.taxonomy()
    return DEFAULT_TAXONOMY if stored is None else taxonomy_from_frame(stored)


def reapply_taxonomy(store: Store, settings: Settings, taxonomy_frame: pd.DataFrame | None = None,
                     embedders: dict | None = None) -> pd.Series:
    """Save the PM's taxonomy (if given) and re-type every snippet from cached vectors (no re-embedding). A snippet
    with no vector from the current model (the workspace was analysed with another one: a default that changed, a
    model the PM configured since) is embedded once with it; before, it silently became "other"."""
    if taxonomy_frame is not None:
        store.save_taxonomy(taxonomy_frame)
    taxonomy = current_taxonomy(store)
    embedders = embedders or embedders_from_settings(settings.embed)
    snippets = store.snippets_for_need_types()
    snippets["route"] = np.where(snippets["lang"] == "zh", "zh", "en")
    need_types = np.full(len(snippets), "other", dtype=object)
    hashes = snippets["text_hash"].to_numpy()
    for route, positions in route_positions(snippets):
        cached = CachedEmbedder(embedders[route], store)
        for start in range(0, len(positions), RETYPE_CHUNK):  # a million-review workspace, 200k vectors at a time
            part = positions[start:start + RETYPE_CHUNK]
            found = store.get_embeddings(cached.name, hashes[part].tolist())
            has = np.fromiter((h in found for h in hashes[part]), dtype=bool, count=len(part))
            vectors = np.empty((len(part), cached.dim), dtype=np.float32)
            if has.any():
                vectors[has] = np.stack([found[h] for h in hashes[part][has]])
            del found
            if not has.all():  # the frame holds Chinese texts only (typed by their words): read the missing ones
                missing = hashes[part][~has]
                text_of = store.texts_by_hash(list(dict.fromkeys(missing)))
                vectors[~has] = cached.embed([text_of[h] for h in missing], hashes=missing.tolist())
            texts = snippets["text"].to_numpy()[part].tolist() if route in NEED_TYPE_LEXICAL else None
            need_types[part], _ = assign_need_types(vectors, route, taxonomy, cached.embed, texts=texts,
                                                    dims=need_type_dims(cached))
    snippets["need_type"] = need_types
    store.set_need_types(snippets)
    _retype_queries(store, taxonomy, embedders)
    return snippets["need_type"].value_counts()


def _retype_queries(store: Store, taxonomy, embedders: dict) -> None:
    """Search queries get the edited taxonomy too: their vectors are in the workspace's cache (a query missing from
    it, analysed with another model, is embedded once)."""
    queries = store.queries_for_need_types()
    if queries.empty:
        return
    queries["route"] = np.where(queries["query"].map(detect_language) == "zh", "zh", "en")
    queries["need_type"] = OTHER
    for route, group in queries.groupby("route"):
        cached = CachedEmbedder(embedders[route], store)
        texts = group["query"].tolist()
        queries.loc[group.index, "need_type"], _ = assign_need_types(
            cached.embed(texts), route, taxonomy, cached.embed, texts=texts, dims=need_type_dims(cached))
    store.set_query_need_types(queries)


RETYPE_CHUNK = 200_000


def feature_requests(store: Store, filters: Filters | None = None) -> pd.DataFrame:
    """Requested features, grouped and counted, with quotes (names kept by keep_request_names are read, not made).
    The reviews asking for each feature per day are kept from the same snippets, so the tab's Trend column (the
    rising requests of the same filters) needs no scan of its own (0.11 s with Language = en at a million reviews)."""
    snippets = store.request_snippets(filters, NAMES_VERSION)
    if str(store.path) != ":memory:":  # kept only where a path names the workspace
        _request_mentions(store, filters, snippets)
    return group_requests(snippets)


def rising_requests(store: Store, filters: Filters | None = None, window_days: int = 21) -> pd.DataFrame:
    """Requested features whose share of all requests rises significantly in the last ``window_days`` (ending at the
    newest review, as emerging_issues' window) against their own history (core.needs.rising_requests)."""
    return needs_rising_requests(_request_mentions(store, filters), window_days, as_of=store.last_date(filters))


_MENTIONS: OrderedDict = OrderedDict()  # (workspace, data version, filters) -> core.needs.request_mentions
_MENTIONS_LOCK = threading.Lock()


def _request_mentions(store: Store, filters: Filters | None, snippets: pd.DataFrame | None = None) -> pd.DataFrame:
    """The reviews asking for each feature per day (core.needs.request_mentions), scanned once per workspace, data
    version and filters: the Emerging issues tab's rising requests and their chart read the same scan (0.15 s with
    the English filter on a million reviews). ``snippets``: the same filters' Store.request_snippets, already read,
    counted instead of a scan. A workspace in memory is read every time (its path names no one)."""
    def scan() -> pd.DataFrame:
        return request_mentions(store.request_days(filters, NAMES_VERSION) if snippets is None else snippets)

    if str(store.path) == ":memory:":
        return scan()
    key = (str(store.path.resolve()), store.data_version(), filters or Filters())
    with _MENTIONS_LOCK:
        if key in _MENTIONS:
            _MENTIONS.move_to_end(key)
            return _MENTIONS[key]
    value = scan()
    with _MENTIONS_LOCK:
        _MENTIONS[key] = value
        while len(_MENTIONS) > 8:
            _MENTIONS.popitem(last=False)
    return value


def keep_request_names(store: Store) -> int:
    """Name the request texts that have no name of this code's version stored, and store them (the writer, after each
    commit: views.materialize); returns how many were named."""
    unnamed = store.unnamed_requests(NAMES_VERSION)
    names = unnamed.assign(thing=[requested_thing(t) for t in unnamed["text"]])
    store.put_request_names(NAMES_VERSION, names)
    return len(names)


def drivers(store: Store, filters: Filters | None = None) -> pd.DataFrame:
    """Rating drivers: OLS of the star rating on each theme's negative / positive mentions, fitted on moments that
    the store aggregates in SQL (reviews with no polar theme mention still anchor the intercept)."""
    moments = store.driver_moments(filters)
    if moments["n"] < DRIVER_MIN_RATED:
        return pd.DataFrame()
    return drivers_from_moments(moments)


def rating_change(store: Store, filters: Filters | None = None, window_days: int = 21,
                  driver: pd.DataFrame | None = None) -> pd.DataFrame:
    """What moved the average rating: the last ``window_days`` (ending at the newest review, as Emerging issues'
    window) against everything before them under ``filters``, split into the themes' parts (core.needs.rating_change).
    Empty without dates, or without ratings enough in either period. ``driver``: the rating drivers already computed
    for these filters (the pooled coefficients), as the backlog takes them."""
    filters = filters or Filters()
    end = store.last_date(filters)
    if end is None:
        return pd.DataFrame()
    cut = (end - pd.Timedelta(days=window_days)).date()  # the last day before the window (date_to is inclusive)
    start = max(cut + timedelta(days=1), filters.date_from or cut)
    before, recent = replace(filters, date_to=cut), replace(filters, date_from=start, date_to=end.date())
    # the periods' averages are every rated review's (the Overview's alert and average rating count those), and each
    # flag's share is of them; a review with no themed snippet flags nothing, so its part is in CHANGE_REST
    every = store.rating_moments(filters, window_days)
    parts = [{**store.driver_moments(f), **every[period]} for f, period in ((before, "before"), (recent, "recent"))]
    if min(p["n"] for p in parts) < DRIVER_MIN_RATED:
        return pd.DataFrame()
    return needs_rating_change(parts[0], parts[1], drivers(store, filters) if driver is None else driver)


def rating_shift(store: Store, filters: Filters | None = None, window_days: int = 21) -> dict:
    """Whether the average rating moved: every rated review of the last ``window_days`` against those before, under
    ``filters`` (core.needs.rating_shift: the change, its Welch 95% interval, ``significant``). The Overview's alert:
    rating_change's periods and figures from one scan of the reviews, without the drivers' flag aggregations. Empty
    without dates, or without ratings enough in either period."""
    moments = store.rating_moments(filters, window_days)
    return needs_rating_shift(moments["before"], moments["recent"])


def rating_falls(store: Store, filters: Filters | None = None, by: str = "product", window_days: int = 21) -> pd.DataFrame:
    """Products (or categories, ``by``) whose average rating fell in the last ``window_days`` against their own
    history (core.needs.rating_falls, one scan of the reviews), each flagged one with the complaint theme that grew
    most among its reviews: ``theme`` (its label; ``theme_dataset_id`` and ``theme_id`` name it for its quotes) and
    its complaints in the window (``theme_recent``, of ``complaints_recent``) against its share of the value's
    complaints before (``theme_earlier_share``). Empty without dates or ratings."""
    found = needs_rating_falls(store.facet_rating_moments(by, filters, window_days))
    found = found.assign(theme="", theme_recent=0, complaints_recent=0, theme_earlier_share=np.nan,
                         theme_dataset_id=pd.array([pd.NA] * len(found), dtype="Int64"),
                         theme_id=pd.array([pd.NA] * len(found), dtype="Int64"))
    flagged = found.loc[found["falling"], "value"]
    if flagged.empty:
        return found
    since = (store.last_date(filters) - pd.Timedelta(days=window_days)).date()
    mentions = store.facet_negative_themes(by, flagged, filters, since)
    for i, value in flagged.items():
        mine = mentions[mentions["value"] == value].set_index(["dataset_id", "theme_id", "theme"])
        now, then = mine.loc[mine["recent"], "n"], mine.loc[~mine["recent"], "n"]
        if now.empty:
            continue
        earlier_share = then.reindex(now.index, fill_value=0) / max(int(then.sum()), 1)
        excess = now - earlier_share * now.sum()  # complaints beyond what the theme's earlier share would give
        key = excess.sort_values(ascending=False, kind="stable").index[0]  # (dataset_id, theme_id, label)
        found.loc[i, ["theme", "theme_recent", "complaints_recent", "theme_earlier_share", "theme_dataset_id",
                      "theme_id"]] = (key[2], int(now[key]), int(now.sum()), float(earlier_share[key]), int(key[0]),
                                      int(key[1]))
    return found


def emerging_issues(store: Store, filters: Filters | None = None, window_days: int = 21) -> pd.DataFrame:
    """Themes whose complaints rise significantly in the last ``window_days`` against their own history."""
    return emerging(store.negative_theme_days(filters), window_days, as_of=store.last_date(filters))


def emerging_over_time(store: Store, filters: Filters | None = None, window_days: int = 21,
                       period: str = "week") -> pd.DataFrame:
    """The Emerging issues chart: the flagged themes' share of all complaints per week or month (core.needs.
    complaint_shares), or, with none flagged, the three themes nearest to it, as :func:`emerging_issues` ranks them."""
    return _shares_over_time(store.negative_theme_days(filters), window_days, store.last_date(filters), period)


def rising_requests_over_time(store: Store, filters: Filters | None = None, window_days: int = 21,
                              period: str = "week") -> pd.DataFrame:
    """The Rising requests chart: the flagged features' share of all reviews asking for something per week or month,
    or, with none flagged, the three nearest to it (as :func:`emerging_over_time`, the complaints column counting the
    reviews asking)."""
    return _shares_over_time(_request_mentions(store, filters), window_days, store.last_date(filters), period)


def _shares_over_time(mentions: pd.DataFrame, window_days: int, as_of, period: str) -> pd.DataFrame:
    """Each flagged theme's (or feature's) share of all mentions per period, or the three nearest to being flagged."""
    found = emerging(mentions, window_days, as_of=as_of)
    if found.empty:
        return complaint_shares(mentions, [], period)
    flagged = found[found["emerging"]]
    return complaint_shares(mentions, (flagged if not flagged.empty else found.head(3))["theme"].tolist(), period)


def backlog(store: Store, filters: Filters | None = None, top: int = 20,
            driver: pd.DataFrame | None = None) -> pd.DataFrame:
    """Ranked needs with evidence: need, need type, volume, negative share, rating impact, trend, opportunity,
    the products most affected and an example quote (``driver``: rating drivers already computed for these filters).
    Themes of general praise or complaint, and themes with fewer than insights.MIN_COMPLAINTS negative mentions, name
    nothing to fix and are left out."""
    themes = insights.with_complaints(insights.actionable(insights.with_trend(store.theme_table(filters))))
    if themes.empty:
        return pd.DataFrame()
    ranked = opportunity_scores(themes.assign(trend=insights.need_trend(themes)))
    types = store.theme_need_types(filters)
    ranked = ranked.merge(types, on=["dataset_id", "theme_id"], how="left")
    driver = drivers(store, filters) if driver is None else driver
    impact = dict(zip(driver["theme"], driver["negative_effect"])) if not driver.empty else {}
    evidence = store.negative_evidence(filters).set_index(["dataset_id", "theme_id"])
    rows = []
    for row in ranked.head(top).itertuples():
        found = (row.dataset_id, row.theme_id) in evidence.index
        products = list(evidence.loc[(row.dataset_id, row.theme_id), "products"]) if found else []
        example = (telling_example(list(evidence.loc[(row.dataset_id, row.theme_id), "examples"]), row.label,
                                   list(row.keywords), row.lang)
                   if found else row.representatives[0] if len(row.representatives) else "")
        effect = impact.get(row.label)
        need_type = row.need_type if isinstance(row.need_type, str) else "other"  # NaN beside typed themes
        rows.append({"need": row.label, "need_type": need_type, "volume": int(row.reviews),
                     "negative_share": round(float(row.negative_share), 4),
                     # stars, a number (a CSV or XLSX sorts it; "-1.08 stars" as text was written "'-1.08 stars" by
                     # the formula-injection guard); NaN without an estimate
                     "rating_impact": float("nan") if effect is None or pd.isna(effect) else round(float(effect), 2),
                     "trend": insights.trend_arrow(row.trend),
                     # how well the need's mentions stay together when the themes are computed again (NaN: not known)
                     "stable": round(float(row.stability), 2) if pd.notna(row.stability) else float("nan"),
                     "opportunity": round(float(row.opportunity), 2),
                     "why": row.why, "odi": round(float(row.odi), 2), "products": ", ".join(products),
                     "example": example})
    return pd.DataFrame(rows)
