"""Latent needs: need types, feature requests, rating drivers, emerging issues and the improvement backlog."""
import pandas as pd
import streamlit as st

from pages import ui  # before core: importing pages turns Streamlit's legacy pages/ mode off (pages/__init__.py)
from core import charts, insights, latent
from core.needs import (DRIVER_MIN_COMPLAINTS, DRIVER_MIN_RATED, DRIVER_MIN_THEME_REVIEWS, EMERGING_ALPHA,
                        EMERGING_MIN_RATIO, EMERGING_MIN_RECENT, backlog_markdown, rating_change_sentence,
                        taxonomy_frame)
from core.views import EMERGING_WINDOW

store = ui.page("Latent needs")
ui.require_analysis(store)
filters = ui.sidebar_filters()


def backlog_tab() -> None:
    st.caption("Needs ranked by opportunity = importance × dissatisfaction (0–10: importance is how often reviews "
               "mention the need, 10 for the most mentioned; dissatisfaction the share of those mentions that are "
               "negative), with the evidence behind each. ODI is outcome-driven innovation's importance + "
               "max(importance − satisfaction, 0) for comparison. General praise or complaint themes, "
               "miscellaneous catch-alls and the reviewers' own context (who it was for, their size) name no need, and "
               "themes with fewer than three negative mentions have nothing to fix: these are left out (they are on the "
               "Need themes page).")
    backlog = ui.latent_view("backlog", filters)
    if backlog.empty:
        st.info("No themes for these filters.")
    else:
        ui.chart(charts.opportunity_map(backlog), "opportunity_map")
        ui.table(backlog, "improvement_backlog", column_config={
            # the need stays in view while a PM scrolls right to the evidence (why, products, example)
            "need": st.column_config.TextColumn("Need", pinned=True), "need_type": "Need type", "volume": "Reviews",
            "rating_impact": st.column_config.NumberColumn(
                "Rating impact", format="%+.2f stars",
                help="stars a review complaining about this need averages against the others (Rating drivers tab)"),
            "trend": st.column_config.TextColumn(
                "Trend", help="Change in the share of all mentions that are complaints about this need, last 4 weeks "
                              "vs before; steady: within ±0.2 points"),
            "opportunity": st.column_config.NumberColumn("Opportunity", format="%.1f"),
            "stable": st.column_config.NumberColumn(
                "Stable", format="percent", width="small",
                help="How well this need's mentions stay together when the themes are computed again (Need themes "
                     "page); low: one cut of the data among several, check its evidence before acting"),
            "why": "Why it ranks here", "products": "Products most affected",
            "odi": st.column_config.NumberColumn("ODI", format="%.1f",
                                                 help="importance + max(importance − satisfaction, 0), 0–20"),
            "negative_share": st.column_config.NumberColumn("Negative", format="percent"),
            "example": st.column_config.TextColumn("Example", width="large")})
        st.download_button("⬇ Markdown for a ticket tracker", data=lambda: backlog_markdown(backlog),
                           file_name="needlens_backlog.md", mime="text/markdown", on_click="ignore")


def need_types_tab() -> None:
    types = ui.load("need_type_table", filters)
    ui.chart(charts.need_type_bars(types), "need_types")
    if ui.load("summary")["searches"]:
        searched = ui.load("search_need_types", filters)
        st.markdown("**Said in reviews, searched for** — each need type's share of review mentions beside its share "
                    "of searches (the queries typed with the same taxonomy) and how well those searches were served. "
                    "A need searched for more than it is talked about, and poorly served, is demand the reviews do not "
                    "show.")
        ui.table(insights.said_and_searched(types, searched), "said_and_searched", column_config={
            "need_type": "Need type",
            "mention_share": st.column_config.NumberColumn("Share of review mentions", format="percent"),
            "negative_share": st.column_config.NumberColumn("Negative in reviews", format="percent"),
            "search_share": st.column_config.NumberColumn("Share of searches", format="percent"),
            "searches": "Searches",
            "served": st.column_config.NumberColumn("Searches served", format="percent"),
            "searched_vs_said": st.column_config.NumberColumn("Searched ÷ said", format="%.1f×")})
    st.markdown("**Taxonomy** — edit names, descriptions (English and Chinese) and examples, then re-apply. "
                "Snippets and search queries are re-typed from stored vectors; nothing is embedded again. The "
                "Chinese description is a "
                "word list: a Chinese snippet holding one type's words more than any other's takes that type. "
                "Themes stay as they are; Chinese themes keep need types apart when they are formed, so re-cluster "
                "the dataset on the Data page to regroup them by the new types.")
    current = store.taxonomy()
    edited = st.data_editor(current if current is not None else taxonomy_frame(), num_rows="dynamic",
                            width="stretch", key="taxonomy_editor", column_config={
                                "name": "Need type", "description_en": st.column_config.TextColumn(
                                    "Description (English)", help="phrases separated by commas"),
                                "description_zh": st.column_config.TextColumn(
                                    "Description (中文 word list)", help="words separated by spaces or commas"),
                                "examples": st.column_config.TextColumn(
                                    "Examples", help="snippets of this type, separated by | (or one per line)")})
    if st.button("Save and re-apply taxonomy"):
        with st.spinner("Re-typing snippets…"):
            counts = latent.reapply_taxonomy(store, ui.settings(), edited, ui.jobs_embedders())
        ui.refresh_views()
        st.success(f"Re-applied: {', '.join(f'{k} {v:,}' for k, v in counts.head(5).items())} …")
        st.rerun()


def requests_tab() -> None:
    requests = ui.latent_view("requests", filters)
    if requests.empty:
        st.info("No feature requests or wishes found for these filters.")
    else:
        ui.chart(charts.request_bars(requests.head(15)), "feature_requests")
        # how each feature's share of the asks moved in the recent window (the Emerging issues tab tests it); none
        # without dates
        rising = ui.latent_view("rising_requests", filters, EMERGING_WINDOW)
        dated = not rising.empty
        if dated:
            moved = pd.Series((rising["recent_share"] - rising["earlier_share"]).to_numpy(), index=rising["feature"])
            flagged = set(rising.loc[rising["emerging"], "feature"])  # beyond chance: said, as a small share moves a lot
            requests = requests.assign(trend=[insights.trend_arrow(moved.get(f)) + (", rising" if f in flagged else "")
                                              for f in requests["feature"]])
        ui.table(requests.assign(examples=requests["examples"].map(" · ".join)), "feature_requests",
                 column_config={"feature": st.column_config.TextColumn("Requested feature", pinned=True),
                                "requests": st.column_config.NumberColumn(
                                    "Requests", help="Reviews asking for it (a review asking twice counts once)"),
                                "trend": st.column_config.TextColumn(
                                    "Trend",
                                    help=f"Change in its share of the reviews asking for something, last "
                                         f"{EMERGING_WINDOW} days vs before (Emerging issues tests whether it is "
                                         "rising, and says so when it is); steady: within ±0.2 points; –: a bare ask "
                                         "to improve or one no wording names"),
                                "products": st.column_config.TextColumn("Products"),
                                "examples": st.column_config.TextColumn("What customers wrote", width="large"),
                                "lang": "Language"},
                 # the quotes before the products: the product list is wide and pushed them off screen
                 column_order=["feature", "requests", *(["trend"] if dated else []), "examples", "products", "lang"])


def drivers_tab() -> None:
    drivers = ui.latent_view("drivers", filters)
    if drivers.empty and pd.isna(ui.load("overview", filters).get("average_rating")):
        st.info("Rating drivers need star ratings: each theme's complaints are set against the stars of the reviews "
                "that make them. These reviews have no ratings (map a rating column on the Data page when you upload).")
    elif drivers.empty:
        st.info(f"Rating drivers need at least {DRIVER_MIN_RATED} rated reviews, and themes that "
                f"{DRIVER_MIN_THEME_REVIEWS} of them mention; these filters leave too few.")
    elif drivers["negative_effect"].isna().all():  # themes, but none with a complaint to cost stars: nothing to plot
        st.info(f"No theme has complaints in {DRIVER_MIN_COMPLAINTS} or more rated reviews here, so there is no "
                "effect on the stars to estimate.")
    else:
        ui.chart(charts.driver_scatter(drivers), "rating_drivers")
        # what a fix is worth before the interval's bounds: at 1400 px the lift was off screen, right of them
        ui.table(drivers[["theme", "reviews", "negative_share", "negative_effect", "lift_if_fixed", "negative_ci_low",
                          "negative_ci_high", "explanation"]], "rating_drivers", column_config={
            "theme": st.column_config.TextColumn("Theme", width="medium"), "reviews": "Reviews",
            "negative_effect": st.column_config.NumberColumn("Stars with a complaint", format="%+.2f"),
            "negative_ci_low": st.column_config.NumberColumn("95% CI low", format="%+.2f"),
            "negative_ci_high": st.column_config.NumberColumn("95% CI high", format="%+.2f"),
            "lift_if_fixed": st.column_config.NumberColumn(
                "Average lift if fixed", format="%+.3f",
                help="Stars the average rating would gain if these complaints were gone: share × stars a complaint costs"),
            "negative_share": st.column_config.NumberColumn("Share with complaint", format="percent"),
            "explanation": st.column_config.TextColumn("In words", width="large")})
        rating_change_section()


def rating_change_section() -> None:
    """What moved the average rating: the recent window against everything before it, split into the themes'
    parts (core.needs.rating_change)."""
    window = ui.recent_window_section("What moved the average rating", "rating_change_window")
    if window is None:
        return
    parts = ui.latent_view("rating_change", filters, window)
    if parts.empty:
        st.info(f"Both periods need at least {DRIVER_MIN_RATED} rated reviews; with these filters and this window "
                "one has fewer.")
        return
    st.markdown(rating_change_sentence(parts, window))
    ui.chart(charts.rating_change_bars(parts, window), "rating_change")
    st.caption("Each theme's part is the stars its complaints (and praise) are worth, from the drivers above, times "
               "the change in the share of reviews that make them (a twofold Oaxaca-Blinder decomposition). "
               "“Not explained by the themes' shares”: reviews rated higher or lower for the same mentions, and "
               "themes too small to estimate.")
    ui.table(parts[["theme", "part", "complaint_before", "complaint_recent", "praise_before", "praise_recent"]],
             "rating_change", column_config={
                 "theme": st.column_config.TextColumn("Part", width="large"),
                 "part": st.column_config.NumberColumn("Stars", format="%+.3f"),
                 "complaint_before": st.column_config.NumberColumn("Complaints before", format="percent",
                                                                   help="Share of rated reviews complaining about it"),
                 "complaint_recent": st.column_config.NumberColumn("Complaints recent", format="percent"),
                 "praise_before": st.column_config.NumberColumn("Praise before", format="percent"),
                 "praise_recent": st.column_config.NumberColumn("Praise recent", format="percent")})


def emerging_tab() -> None:
    overview = ui.load("overview", filters)
    if pd.isna(overview.get("first_date")):
        st.info("Emerging issues need a date column: each theme's recent share of complaints is compared with its own "
                "history. These reviews have no dates (map one on the Data page when you upload).")
        return
    window = ui.window_slider(overview, "Complaints in this many days before the newest review, against all before them")
    found = ui.latent_view("emerging", filters, window)
    flagged = found[found["emerging"]] if not found.empty else found
    if flagged.empty:
        st.success("No complaint theme is rising significantly in this window.")
    keys = ui.load("theme_keys", tuple(flagged["theme"]), filters) if not flagged.empty else None
    for number, row in enumerate(flagged.itertuples()):
        st.warning(f"**{row.theme}**: {row.recent_share:.1%} of recent complaints vs {row.earlier_share:.1%} before "
                   f"({insights.times(row.ratio)}, {row.recent} mentions, p = {row.p_value:.1e})")
        theme = keys[keys["label"] == row.theme]  # its ids (the busiest theme of that name): its quotes
        if not theme.empty:
            ui.recent_complaints(theme.iloc[0]["dataset_id"], theme.iloc[0]["theme_id"],
                                 insights.recent_scope(filters, overview["last_date"], window),
                                 f"emerging_quotes_{number + 1}", f"Recent complaints about {row.theme}")
    if not found.empty:  # the flagged themes over time, else the three closest to being flagged
        period = insights.pick_period(overview.get("first_date"), overview.get("last_date"))
        last = pd.Timestamp(overview["last_date"])
        series = ui.latent_view("emerging_over_time", filters, window, period)
        ui.chart(charts.complaint_share_lines(series, last - pd.Timedelta(days=window), last, period),
                 "emerging_over_time")
        if flagged.empty:
            st.caption("The three themes nearest to being flagged (lowest p-values), for comparison.")
        st.caption(f"Each theme's share of complaints in the last {window} days against its share before, by a "
                   f"one-sided two-proportion z-test. Emerging: p below {EMERGING_ALPHA} ÷ {len(found)} themes "
                   f"(Bonferroni), a share at least {EMERGING_MIN_RATIO}× its earlier one, and at least "
                   f"{EMERGING_MIN_RECENT} recent complaints.")
        ui.table(found, "emerging_issues", column_config=rise_columns("theme", "Complaint theme", "Complaints", window))
    rising_requests_section(window, overview)


def rise_columns(name: str, title: str, counted: str, window: int) -> dict:
    """The Emerging issues tab's table columns, for complaint themes or requested features."""
    return {name: st.column_config.TextColumn(title),
            "recent": st.column_config.NumberColumn("Recent", help=f"{counted} in the last {window} days"),
            "earlier": st.column_config.NumberColumn("Earlier", help=f"{counted} before the window"),
            "recent_share": st.column_config.NumberColumn("Recent share", format="percent",
                                                          help=f"Of all {counted.lower()} in the window"),
            "earlier_share": st.column_config.NumberColumn("Earlier share", format="percent"),
            "ratio": st.column_config.NumberColumn("Ratio", format="%.1f×", help="Recent share ÷ earlier share"),
            "p_value": st.column_config.NumberColumn("p-value", format="%.1e",
                                                     help="Before the Bonferroni correction"),
            "emerging": st.column_config.CheckboxColumn("Emerging")}


def rising_requests_section(window: int, overview: dict) -> None:
    """Requested features whose share of all requests rose in the same window (core.needs.rising_requests)."""
    st.subheader("Rising requests")
    found = ui.latent_view("rising_requests", filters, window)
    if found.empty:
        st.caption("No dated feature requests under these filters.")
        return
    flagged = found[found["emerging"]]
    if flagged.empty:
        st.success("No requested feature is rising significantly in this window.")
    for row in flagged.itertuples():
        st.warning(f"**{row.feature}**: {row.recent_share:.1%} of recent requests vs {row.earlier_share:.1%} before "
                   f"({insights.times(row.ratio)}, {row.recent} reviews asking, p = {row.p_value:.1e})")
    period = insights.pick_period(overview.get("first_date"), overview.get("last_date"))
    last = pd.Timestamp(overview["last_date"])
    series = ui.latent_view("rising_requests_over_time", filters, window, period)
    ui.chart(charts.complaint_share_lines(series, last - pd.Timedelta(days=window), last, period, requests=True),
             "rising_requests_over_time")
    if flagged.empty:
        st.caption("The three features nearest to being flagged (lowest p-values), for comparison.")
    st.caption(f"Each requested feature's share of the reviews asking for anything in the last {window} days against "
               f"its share before, by the same test as complaint themes (p below {EMERGING_ALPHA} ÷ {len(found)} "
               f"features, at least {EMERGING_MIN_RATIO}× and {EMERGING_MIN_RECENT} reviews asking). A bare ask to "
               "improve, and one no wording names, are left out here; the Feature requests tab quotes what each "
               "asked.")
    ui.table(found, "rising_requests", column_config={
        **rise_columns("feature", "Requested feature", "Reviews asking", window),
        "requests": st.column_config.NumberColumn("Reviews asking", help="In the window and before it")})


# Only the open tab runs (its views are computed on first opening, then cached): a new filter on a million reviews
# costs one tab's aggregates, not all five.
TABS = {"Backlog": backlog_tab, "Need types": need_types_tab, "Feature requests": requests_tab,
        "Rating drivers": drivers_tab, "Emerging issues": emerging_tab}
for tab, draw in zip(st.tabs(list(TABS), key="needs_tab", on_change="rerun"), TABS.values()):
    with tab:
        if tab.open:
            draw()
