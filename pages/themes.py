"""Need themes: the map, the table, evidence for one theme, and the PM's edits (rename, merge, hide, split)."""
import streamlit as st

from pages import ui  # before core: importing pages turns Streamlit's legacy pages/ mode off (pages/__init__.py)
from core import charts, insights, recluster
from core.aspects import aspect_lens
from core.errors import NeedLensError
from core.privacy import suppress
from core.themes import SPLIT_MAX_K

store = ui.page("Need themes")
ui.require_analysis(store)
filters = ui.sidebar_filters()
themes = insights.with_trend(ui.load("theme_table", filters))
if themes.empty:
    st.info("No themes for these filters.")
    st.stop()

ui.chart(charts.theme_map(themes), "theme_map")
table = themes.assign(trend=themes["trend"].map(insights.trend_arrow),
                      keywords=themes["keywords"].map(lambda k: ", ".join(k) if k is not None else ""))
ui.table(table[["theme_id", "label", "snippets", "reviews", "share", "sentiment", "negative_share", "avg_rating",
                "stability", "trend", "lang", "keywords"]], "need_themes", column_config={
    "stability": st.column_config.NumberColumn(
        "Stable", format="percent", width="small",
        help="How well this theme's mentions stay together when the themes are computed again with other seeds and "
             "with fewer or more themes (the share of its pairs of mentions grouped together, over three runs). "
             "Low: the mentions could as well be grouped otherwise; read it as one cut of the data, not a fixed need. "
             "Blank for a theme you merged others into: it was not measured as that group."),
    "theme_id": "ID", "label": "Need theme", "snippets": "Mentions", "reviews": "Reviews",
    "share": st.column_config.NumberColumn("Share", format="percent"),
    "sentiment": st.column_config.NumberColumn("Sentiment", format="%.2f", help="-1 negative … +1 positive"),
    "negative_share": st.column_config.NumberColumn("Negative", format="percent"),
    "avg_rating": st.column_config.NumberColumn("Avg rating", format="%.2f"), "keywords": "Keywords",
    # a theme's volume; the backlog's and the Overview's Trend is its complaints' (insights.need_trend)
    "trend": st.column_config.TextColumn("Trend", help="Change in the theme's share of all mentions, praise and "
                                                       "complaints alike, last 4 weeks vs before; steady: within "
                                                       "±0.2 points"),
    "lang": "Lang"})

counts = ui.load_static("theme_counts", lambda: store.theme_counts(filters.dataset_ids, filters.langs),
                        store.data_version(), filters.dataset_ids, filters.langs)  # a few rows: no stored view
for row in counts.to_dict("records"):  # how firmly the data chose each language's number of themes
    where = f"{row['name']} · " if counts["dataset_id"].nunique() > 1 else ""
    st.caption(f"Number of themes — {where}"
               + recluster.count_sentence(row, " (Data page, “Preview re-clustering”)"))

broad = insights.broad_themes(themes)
if not broad.empty:
    st.info("Broad: " + "; ".join(f"**{row.label}** holds {row.dataset_share:.0%} of the mentions shown"
                                 for row in broad.itertuples())
            + ". **Split a theme** (at the bottom of this page) shows the narrower needs inside it.")

st.subheader("What do customers say about …?")
term = st.text_input("A word or phrase", placeholder="e.g. zipper, battery life, 尺码", key="aspect_term",
                     help="Every snippet that mentions it, labelled by the sentiment towards the term itself: "
                          "“great menu, from burgers to steak” praises the menu and says nothing bad or good about "
                          "the burger.")
if term.strip():
    version = store.data_version()
    result = ui.load_static("aspect", lambda: aspect_lens(store, term, filters), version, term.strip(), filters)
    if result.snippets.empty:
        st.info(f"No snippet mentions “{term.strip()}” for these filters.")
    else:
        by = result.snippets.source.value_counts()
        how = " and ".join(f"{n:,} towards the term by the aspect model" if s == "aspect model" else
                           f"{n:,} by their snippet's own label (Chinese; the aspect model reads English)"
                           for s, n in by.items())
        st.caption(f"{result.total:,} mentions; the {len(result.snippets):,} most recent are labelled: {how}.")
        counts = result.counts().set_index("sentiment")
        for column, name in zip(st.columns(3), ("positive", "neutral", "negative")):
            column.metric(name.capitalize(), ui.percent(counts.loc[name, "share"]),
                          f"{int(counts.loc[name, 'mentions']):,} mentions", delta_color="off", delta_arrow="off")
        ui.chart(charts.aspect_bars(result.chart_frame(min_mentions=ui.settings().privacy_k), result.term), "aspect")
        ui.table(result.snippets[["snippet", "aspect_sentiment", "snippet_sentiment", "product", "rating", "date",
                                  "review", "snippet_id"]], "aspect_mentions", height=280, column_config={
            "snippet": st.column_config.TextColumn("Snippet", width="large"), "aspect_sentiment": "Towards the term",
            "snippet_sentiment": "Snippet label", "product": "Product", "rating": "Rating",
            "date": st.column_config.DateColumn("Date"), "review": st.column_config.TextColumn("Full review"),
            "snippet_id": None})

st.subheader("Evidence")
options = {f"{r.label} ({r.snippets:,})": (int(r.dataset_id), int(r.theme_id)) for r in themes.itertuples()}
choice = st.selectbox("Theme", list(options))
dataset_id, theme_id = options[choice]
left, right = st.columns([1, 2])
polarity = left.segmented_control("Sentiment", ["negative", "neutral", "positive"], key="evidence_sentiment")
contains = right.text_input("Contains", placeholder="e.g. zipper, 尺码")
evidence = ui.load("theme_snippets", dataset_id, theme_id, filters, polarity, contains or None)
said = int(evidence["said"].sum()) if len(evidence) else 0
st.caption(f"{len(evidence)} wordings ({said:,} snippets), closest to the theme first. Said: how many snippets say it word "
           "for word (one of their reviews is shown, in full in the last column).")
ui.table(evidence, f"theme_{theme_id}_evidence", height=320, column_config={
    "snippet": st.column_config.TextColumn("Snippet", width="large"),
    "said": st.column_config.NumberColumn("Said", help="Snippets of this theme saying this, word for word"),
    "sentiment": "Sentiment", "score": st.column_config.NumberColumn("Score", format="%+.2f"),
    "rating": st.column_config.NumberColumn("Rating", format="%.0f ★"), "product": "Product", "category": "Category",
    "date": st.column_config.DateColumn("Date"), "review": st.column_config.TextColumn("Full review"),
    "review_id": "Review ID"})

st.subheader("Edit themes")
with st.form("edit_theme"):
    target = st.selectbox("Theme to edit", list(options), index=list(options).index(choice))
    merge_into = st.selectbox("Merge into", ["(do not merge)"] + [o for o in options if o != target])
    new_label = st.text_input("New name (for the merged theme when merging)", placeholder="e.g. Runs small")
    hide = st.checkbox("Hide this theme everywhere (exports included)")
    if st.form_submit_button("Save"):
        ds, tid = options[target]
        if merge_into in options:  # the theme joins the other one; a new name applies to the merged theme
            destination = options[merge_into][1]
            store.edit_theme(ds, tid, merged_into=destination)
            tid = destination
        store.edit_theme(ds, tid, label=new_label.strip() or None, hidden=hide or None)
        ui.refresh_views()
        st.success("Saved. Every page and export now uses the edited themes.")
        st.rerun()
if st.button("Undo all edits for this dataset"):
    store.reset_theme_edits(dataset_id)
    ui.refresh_views()
    st.rerun()

st.subheader("Split a theme")
st.caption("A theme too broad to act on splits into narrower ones: only its snippets are grouped again, and labelled "
           "against each other, so their names say how they differ (on 3,000 clothing reviews “fit / large / waist” "
           "splits into what runs large or small, the length, the waist and hips, the bust…). The whole theme is split, "
           "whatever the filters; nothing is embedded again and no other theme changes. Until anything else changes, "
           "one click undoes it; after that, merge the sub-themes back above.")
left, right = st.columns([3, 1])
keys = list(options.values())
broadest = (int(broad["dataset_id"].iloc[0]), int(broad["theme_id"].iloc[0])) if not broad.empty else None
to_split = left.selectbox("Theme to split", list(options), key="split_theme",  # the broadest first, where one is
                          index=keys.index(broadest) if broadest in keys else 0)
into = right.selectbox("Into", ["Auto", *range(2, SPLIT_MAX_K + 1)], key="split_k",
                       help="How many sub-themes; Auto picks by silhouette, as the analysis picks its themes")
if st.button("Preview the split", key="split_preview"):
    from core.pipeline import Pipeline

    with st.spinner("Grouping its snippets…"):
        ds, tid = options[to_split]
        pipeline = Pipeline(ui.settings(), store, embedders=ui.jobs_embedders())
        try:
            st.session_state["split"] = recluster.split(pipeline, ds, tid, None if into == "Auto" else int(into))
        except NeedLensError as exc:  # too few mentions, one group, or a theme merged across languages
            st.session_state.pop("split", None)
            st.error(str(exc))
proposal = st.session_state.get("split")
if proposal is not None:
    st.caption(f"“{proposal.label}” would become {len(proposal.comparison)} themes. Nothing changes until you apply it.")
    # privacy mode: a sub-theme too few people wrote is not shown, as no theme of theirs is
    ui.table(suppress(proposal.comparison, ui.settings().privacy_k), "split_preview", column_config={
        "sub_theme": "Sub-theme", "reviews": "Reviews", "snippets": "Mentions",
        "share": st.column_config.NumberColumn("Share", format="percent"),
        "negative_share": st.column_config.NumberColumn("Negative", format="percent"),
        "examples": st.column_config.TextColumn("Examples", width="large")})
    left, right = st.columns([1, 1])
    if left.button("Apply the split", type="primary", key="split_apply"):
        try:
            applied = recluster.apply_split(store, proposal)
        except NeedLensError as exc:  # the workspace changed since the preview
            st.session_state.pop("split")
            st.error(str(exc))
        else:
            ui.refresh_views()
            st.session_state["split_undo"] = (st.session_state.pop("split"), applied)
            st.rerun()
    if right.button("Discard the split", key="split_discard"):
        st.session_state.pop("split")
        st.rerun()
undo = st.session_state.get("split_undo")
if undo is not None and undo[1] == store.data_version():  # nothing has changed since: one click puts it back
    if st.button(f"Undo the split of “{undo[0].label}”", key="split_undo_button"):
        st.session_state.pop("split_undo")
        try:
            recluster.undo_split(store, *undo)
        except NeedLensError as exc:  # an analysis committed between the page and the click
            st.error(str(exc))
        else:
            ui.refresh_views()
            st.rerun()
