"""Streamlit-only helpers shared by the pages: cached workspace and job queue, global filters, exports.

``@st.cache_resource`` wraps the workspace connection, the job queue, the loaded models and the Recommendation lab's
fitted recommenders here and nowhere else. Aggregates are cached with ``st.cache_data`` keyed on the workspace's data
version, so an analysis or an edit refreshes them.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

import altair as alt
import pandas as pd
import streamlit as st

from core import insights, views
from core.access import is_allowed
from core.config import Settings
from core.errors import NeedLensError
from core.export import chart_png, chart_svg, table_csv, table_xlsx
from core.filters import Filters
from core.jobs import JobQueue
from core.privacy import suppress
from core.store import Store


def route_through_app() -> None:
    """Run app.py, the router, for a run that began in Streamlit's legacy pages/ mode (see pages/__init__.py): its
    page config, sign-in gate and st.navigation, whose page (this one, again) renders the normal way; then stop.

    A legacy run registered app.py itself as a page; app.py's st.navigation never does. Called first thing by every
    page (``page``), before it renders anything: st.navigation sent after a page's first elements left the browser
    with deltas for containers it no longer had ("Bad delta path index" under 8 sessions at a restart). Not a rerun:
    AppTest starts every run in legacy mode, and a rerun would drop its click; and never at import: a rerun raised
    while a module imports aborts an import another session may be waiting for ("cannot import name 'ui'")."""
    import runpy
    from pathlib import Path

    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return
    main = Path(ctx.pages_manager.main_script_path).resolve()
    if any(info.get("script_path") and Path(info["script_path"]).resolve() == main
           for info in ctx.pages_manager.get_pages().values()):
        runpy.run_path(str(main), run_name="__main__")
        st.stop()


def page(title: str) -> Store:
    """Every page's first call: through the router if the run began without it, the page's title, the workspace."""
    route_through_app()
    st.title(title)
    return open_workspace()


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner=False)
def workspace() -> Store:
    """The process's one read-write connection; every call uses its own cursor."""
    return Store(settings().db_path)


@st.cache_resource(show_spinner=False)
def jobs() -> JobQueue:
    return JobQueue(workspace(), settings(), on_done=lambda run_id: warm_default_views())


def _secrets_section(name: str) -> dict:
    try:
        return dict(st.secrets[name]) if name in st.secrets else {}
    except Exception:  # no secrets file at all: sign-in is not configured
        return {}


def sign_in_gate(show_account: bool = False) -> None:
    """With an [auth] section in .streamlit/secrets.toml, stop every page until an allowed user is signed in.

    Called by the router and again by every page (through open_workspace), so a page reached any other way is
    gated too."""
    if not _secrets_section("auth"):
        return
    if not st.user.is_logged_in:
        st.title("NeedLens")
        st.write("This NeedLens server requires sign-in.")
        st.button("Sign in", type="primary", on_click=st.login, icon=":material/login:")
        st.stop()
    rules = _secrets_section("needlens")
    if not is_allowed(st.user.get("email"), rules.get("allowed_emails", ()), rules.get("allowed_domains", ())):
        st.title("NeedLens")
        st.error(f"{st.user.get('email') or 'This account'} is not allowed on this server. Ask its administrator.")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    if show_account:  # the router shows who is signed in; the pages' own call only checks
        st.sidebar.caption(f"Signed in as {st.user.get('email') or st.user.get('name') or 'user'}")
        st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")


def open_workspace() -> Store:
    """The workspace, or a plain message and a stopped page when it cannot be opened."""
    sign_in_gate()
    try:
        store = workspace()
    except NeedLensError as exc:
        st.error(f"The workspace cannot be opened: {exc}")
        st.stop()
    _store_views_if_stale(str(store.path))
    _load_chinese_words(str(store.path))
    return store


@st.cache_resource(show_spinner=False)
def _load_chinese_words(path: str) -> bool:
    """Once per server and workspace holding Chinese reviews: load jieba's dictionary in the background. The first
    page that cut Chinese words paid it (1-2 s: the Backlog tab or the Product feedback quotes under any filter, which
    pick the Chinese complaints that say what is wrong)."""
    if "zh" not in load("summary").get("languages", {}):
        return False
    from core.text import tokenize_zh

    threading.Thread(target=tokenize_zh, args=("预热",), name="needlens-jieba", daemon=True).start()
    return True


@st.cache_resource(show_spinner=False)
def _store_views_if_stale(path: str) -> bool:
    """Once per server and workspace: views stored by an earlier NeedLens are stored again in the background
    (views.stale), so an upgrade does not leave every first visit aggregating until the next analysis or edit."""
    if not views.stale(workspace()):
        return False
    refresh_views()
    return True


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(method: str, version: int, *args: Any, **kwargs: Any) -> Any:
    return views.cached(workspace(), method, *args, version=version, **kwargs)  # the writer stores unfiltered views


def load(method: str, *args: Any, **kwargs: Any) -> Any:
    """Call a Store read method, cached until the workspace's data version changes (a search view by the date range
    alone: views.call_args)."""
    return suppress(_cached(method, workspace().data_version(), *views.call_args(method, args), **kwargs),
                    settings().privacy_k)


# --- global filters (kept across pages in session_state, not in widget keys that pages drop) -------------------

FILTER_KEYS = ("datasets", "dates", "categories", "products", "langs", "ratings")


def _remember(name: str) -> None:
    st.session_state[f"f_{name}"] = st.session_state[f"w_{name}"]


def _widget_value(name: str, default: Any) -> Any:
    # Streamlit forgets a widget's value when the user opens another page; the remembered copy restores it.
    st.session_state[f"w_{name}"] = st.session_state.get(f"f_{name}", st.session_state.get(f"w_{name}", default))
    return st.session_state[f"w_{name}"]


def sidebar_filters() -> Filters:
    """The sidebar's global filters; the same selections follow the user from page to page."""
    datasets = load("datasets")
    reviews = datasets[datasets["kind"] == "reviews"] if not datasets.empty else datasets
    bar = st.sidebar
    if settings().privacy_k > 1:
        bar.info(f"Privacy mode: groups of fewer than {settings().privacy_k} reviews are hidden here and in exports.",
                 icon=":material/shield:")
    bar.header("Filters")
    if reviews.empty:
        bar.caption("No analysed reviews yet.")
        return Filters()
    names = dict(zip(reviews["dataset_id"], reviews["name"]))
    _widget_value("datasets", [])
    chosen = bar.multiselect("Dataset", list(names), format_func=lambda i: names.get(i, str(i)), key="w_datasets",
                             on_change=_remember, args=("datasets",), placeholder="All datasets")
    base = Filters(dataset_ids=tuple(chosen))
    bounds = load("overview", base)
    dates = ()
    if pd.notna(bounds.get("first_date")):
        first, last = bounds["first_date"].date(), bounds["last_date"].date()
        _widget_value("dates", (first, last))
        value = bar.date_input("Date range", min_value=first, max_value=last, key="w_dates",
                               on_change=_remember, args=("dates",))
        # the whole range is no date filter: the unfiltered view (warmed after each analysis) serves it
        dates = tuple(value) if isinstance(value, (list, tuple)) and len(value) == 2 and tuple(value) != (first, last) else ()
    categories = _facet_select(bar, "Category", "category", "categories", base)
    products = _facet_select(bar, "Product", "product", "products", base)
    _widget_value("langs", [])
    langs = bar.multiselect("Language", ["en", "zh", "other"], key="w_langs", on_change=_remember, args=("langs",),
                            placeholder="All languages")
    rating_filter, ratings = False, (1.0, 5.0)
    if pd.notna(bounds.get("average_rating")):  # as the date range: only where the chosen datasets have ratings
        _widget_value("ratings", (1.0, 5.0))
        ratings = bar.slider("Rating", 0.0, 5.0, step=0.5, key="w_ratings", on_change=_remember, args=("ratings",))
        rating_filter = ratings != (1.0, 5.0) and ratings != (0.0, 5.0)
    return Filters(dataset_ids=tuple(chosen), date_from=dates[0] if dates else None,
                   date_to=dates[1] if dates else None, categories=tuple(categories), products=tuple(products),
                   langs=tuple(langs), rating_min=ratings[0] if rating_filter else None,
                   rating_max=ratings[1] if rating_filter else None)


def _facet_select(bar, label: str, by: str, name: str, base: Filters) -> list[str]:
    values = load("facet_values", by, base)
    _widget_value(name, [])
    options = values["value"].tolist()
    st.session_state[f"w_{name}"] = [v for v in st.session_state[f"w_{name}"] if v in options]
    return bar.multiselect(label, options, key=f"w_{name}", on_change=_remember, args=(name,),
                           placeholder=f"All {'categories' if by == 'category' else 'products'}" if options else f"No {label.lower()} column")


def require_analysis(store: Store) -> None:
    """Stop the page with a pointer to the Data page when nothing has been analysed yet."""
    summary = load("summary")
    if summary["reviews"] == 0:
        st.info("No reviews analysed yet. Go to **Data** to upload a file or load the demo data.")
        st.page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        if summary["searches"]:  # a search log uploaded on its own has its page ready
            st.page_link("pages/search.py", label=f"{summary['searches']:,} searches are analysed: open Search insights",
                         icon=":material/search:")
        st.stop()


# --- exports ---------------------------------------------------------------------------------------------------

def chart(chart_obj: alt.Chart, name: str) -> None:
    """Place a chart with PNG and SVG downloads (rendered offline, only when clicked)."""
    # The element needs an explicit height (Streamlit ignores the spec's); the chart is fitted to it and to the
    # container's width, and fitted again when its data arrives ("resize"): laid out once, before its axis labels,
    # the weekly timeline's plot pushed its title out of the top of the chart (thirty-third session)
    declared = getattr(chart_obj, "height", 300)
    height = (declared if isinstance(declared, int) else 300) + 110  # + title, axis and legend
    fit = alt.AutoSizeParams(type="fit", contains="padding", resize=True)
    st.altair_chart(chart_obj.properties(width="container", autosize=fit), width="stretch", height=height, theme=None)
    # side by side at their own width (in thirds of the page, columns cut "⬇ XLSX" to "⬇ X…" in a half-width table)
    left = right = st.container(horizontal=True)
    left.download_button("⬇ PNG", data=lambda: chart_png(chart_obj), file_name=f"{name}.png", mime="image/png",
                         key=f"png_{name}", on_click="ignore")
    right.download_button("⬇ SVG", data=lambda: chart_svg(chart_obj), file_name=f"{name}.svg", mime="image/svg+xml",
                          key=f"svg_{name}", on_click="ignore")


PREVIEW_ROWS = views.PREVIEW_ROWS
NO_VALUE, NO_ESTIMATE = insights.NO_VALUE, insights.NO_ESTIMATE


def table(frame: pd.DataFrame, name: str, column_config: dict | None = None, height: int | None = None,
          full: Callable[[], pd.DataFrame] | None = None, total: int | None = None,
          column_order: list[str] | None = None) -> None:
    """Place a table with CSV and XLSX downloads (formula injection neutralised). A table longer than PREVIEW_ROWS
    shows its first rows (sending a million rows to the browser takes seconds); the downloads hold every row, read
    only when clicked (when ``frame`` is itself a preview, ``full`` reads them and ``total`` counts them).
    ``column_order`` picks and orders the columns shown, less any column with no value at all (empty strings, or the
    ``NO_VALUE`` dash or ``NO_ESTIMATE`` throughout: the trend of undated reviews, the rating impact of unrated ones);
    the downloads keep every column."""
    full = full or (lambda: frame)
    total = len(frame) if total is None else total
    shown = frame if len(frame) <= PREVIEW_ROWS else frame.head(PREVIEW_ROWS)
    if len(shown) < total:
        st.caption(f"Showing the first {len(shown):,} of {total:,} rows; the downloads contain all of them.")
    percents = [name for name, config in (column_config or {}).items() if name in shown
                and isinstance(config, dict) and (config.get("type_config") or {}).get("format") == "percent"]
    if percents:  # Streamlit shows up to two decimals: "38.65%" beside "7.7%"; one decimal reads evenly
        shown = shown.assign(**{name: pd.to_numeric(shown[name], errors="coerce").round(3) for name in percents})
    # a column with no value at all (no ratings, no dates; no products: the Feature requests tab's empty Products)
    blank = shown.isna() | shown.isin([NO_VALUE, NO_ESTIMATE, ""])
    if len(shown) and blank.all().any():
        empty = set(shown.columns[blank.all()])
        column_order = [c for c in (column_order or shown.columns) if c not in empty]
    # a missing figure reads as the dash the tables use for one, not "None" (a rating driver's effect where a theme
    # has too few complaints to estimate it)
    st.dataframe(shown, hide_index=True, column_config=column_config, width="stretch", column_order=column_order,
                 placeholder=NO_VALUE, **({"height": height} if height else {}))
    left = right = st.container(horizontal=True)
    left.download_button("⬇ CSV", data=lambda: table_csv(full()), file_name=f"{name}.csv", mime="text/csv",
                         key=f"csv_{name}", on_click="ignore")
    right.download_button("⬇ XLSX", data=lambda: table_xlsx(full()), file_name=f"{name}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"xlsx_{name}", on_click="ignore")


def percent(value: float | None) -> str:
    return NO_VALUE if value is None or pd.isna(value) else f"{value:.0%}"


def guarded(render: Callable[[], None]) -> None:
    """Run a page body; errors NeedLens raises on purpose become plain messages."""
    try:
        render()
    except NeedLensError as exc:
        st.error(str(exc))


@st.cache_resource(show_spinner=False)
def _shared_memo() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def load_static(name: str, compute: Callable[[], Any], *key: Any) -> Any:
    """Memoise an expensive computation for every session of this server, keyed by name and the given values (which
    include the workspace's data version, so a new analysis is never served stale results). Least recently used
    entries beyond 64 are dropped; results are workspace facts, so sharing them between sessions leaks nothing a
    session could not compute itself (privacy suppression is applied on the way out)."""
    memo, lock = _shared_memo()
    full_key = (name, str(settings().db_path), *key)
    with lock:
        if full_key in memo:
            memo.move_to_end(full_key)
            return suppress(memo[full_key], settings().privacy_k)
    value = compute()
    with lock:
        memo[full_key] = value
        while len(memo) > 64:
            memo.popitem(last=False)
    return suppress(value, settings().privacy_k)


@st.cache_resource(show_spinner=False, max_entries=12)
def fitted_recommender(name: str, simulation: str, _data) -> Any:
    """A Recommendation lab model fitted on a simulation's shoppers, once per (model, simulation) for every session of
    this server; ``simulation`` names the run (data version, events, settings). Fitted on every rerun, EASE and the
    need-aware hybrid took 2.5 and 3.1 s of each widget change on the 1M-review workspace's 4,620 products (an
    item x item inverse each); 12 entries: six models of two simulations."""
    from core.lab import recommender

    return recommender(name).fit(_data)


@st.cache_resource(show_spinner=False)
def jobs_embedders() -> dict:
    """The embedders the analysis uses, loaded once per process (re-typing needs them for descriptions)."""
    from core.embed import embedders_from_settings

    return embedders_from_settings(settings().embed)


# --- latent-needs views (shared by pages and the warm-up) -----------------------------------------------------------

def latent_view(name: str, filters: Filters, *extra: Any) -> Any:
    """backlog | requests | drivers | emerging (extra: window days) | emerging_over_time (extra: window days, period),
    memoised per data version and filters."""
    store = workspace()
    version = store.data_version()

    def compute() -> Any:
        value = views.stored(store, name, version, (filters, *extra))
        if value is views.MISSING:  # the backlog and the rating change read the drivers this server holds for them
            more = {"driver": latent_view("drivers", filters)} if name in ("backlog", "rating_change") else {}
            value = views.compute(store, name, filters, *extra, **more)
        return value

    return load_static(name, compute, version, filters, *extra)


def warm_default_views() -> None:
    """Compute and store in the workspace what the pages show with no filter set, so the first visit, even to a
    server started later, reads it instead of aggregating (on a million reviews the Latent needs page is ~8 s
    to compute, a few ms to read). Runs on the analysis worker thread, or on its own after an edit."""
    import logging

    try:
        views.materialize(workspace())
    except Exception as exc:  # a warm-up never breaks anything: the pages compute on demand
        logging.getLogger("needlens.ui").warning("warm-up failed: %s", exc)


_views_lock = threading.Lock()
_views_again = threading.Event()


def refresh_views() -> None:
    """After an edit: store the default views again in the background (the page that made the edit reruns at once
    and computes what it shows itself). Edits in quick succession share one worker, which goes round once more
    after the last of them instead of computing every version in parallel."""
    _views_again.set()
    if not _views_lock.locked():
        threading.Thread(target=_refresh_until_current, name="needlens-views", daemon=True).start()


def _refresh_until_current() -> None:
    with _views_lock:
        while _views_again.is_set():
            _views_again.clear()
            warm_default_views()


def window_slider(overview: dict, help: str, key: str | None = None) -> int:
    """The recent window in days. Reviews over years (Amazon fashion: 2009-2018, a handful a month) need a window of
    months: up to a quarter of the span, at most a year, never under 90 days."""
    span = (pd.Timestamp(overview["last_date"]) - pd.Timestamp(overview["first_date"])).days
    return st.slider("Recent window (days)", 7, int(min(365, max(90, span // 4))), views.EMERGING_WINDOW, help=help,
                     key=key)


def recent_window_section(title: str, key: str) -> int | None:
    """A section comparing the recent window with all before it: its heading and window slider, the slider's range
    following every review's dates (a stored view: the filtered overview would be one more aggregation per new
    filter, 0.3-0.5 s on a million reviews). None, and nothing drawn, without dates."""
    overview = load("overview", Filters())
    if pd.isna(overview.get("first_date")):
        return None
    st.subheader(title)
    return window_slider(overview, "The last this many days before the newest review, against all before them", key=key)


def recent_complaints(dataset_id: int, theme_id: int, scope: Filters, name: str, title: str,
                      by_product: bool = True) -> None:
    """An expander with a flagged theme's complaints from the recent window (``scope``: insights.recent_scope), each
    wording once with its rating, date and whole review: the evidence under an emerging issue or a product losing
    stars (``by_product``: a Product column, left out where the scope is one product)."""
    quotes = load("theme_snippets", int(dataset_id), int(theme_id), scope, "negative", None)
    with st.expander(title):
        table(quotes.head(20), name, column_order=["snippet", "rating"] + (["product"] if by_product else [])
              + ["date", "review"], column_config={
                  "snippet": st.column_config.TextColumn("Complaint", width="large"),
                  "rating": st.column_config.NumberColumn("Rating", format="%.0f ★"), "product": "Product",
                  "date": st.column_config.DateColumn("Date"),
                  "review": st.column_config.TextColumn("Whole review", width="large")})
