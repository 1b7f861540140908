"""Data: upload review and search files, map columns, analyse in the background, manage datasets."""
import pandas as pd
import streamlit as st

from pages import ui  # before core: importing pages turns Streamlit's legacy pages/ mode off (pages/__init__.py)
from core import recluster
from core.calibrate import calibrate_dataset, star_agreement, titles_read, undo_calibration
from core.config import ROOT
from core.errors import NeedLensError
from core.export import table_csv
from core.ingest import CUT_MARK, NO_COLUMN, REVIEWS, ROLE_SPECS, SEARCHES, read_table, resolve_columns
from core.pipeline import Source

store = ui.page("Data")


@st.fragment(run_every=1.0)
def progress() -> None:
    """Live progress of queued/running analyses, read from the runs table (same in every tab)."""
    active = store.active_runs()
    if active.empty:
        last = store.runs(1)
        if not last.empty and st.session_state.get("watching") == int(last.run_id.iloc[0]):
            row = last.iloc[0]
            if row.status == "done":
                st.success(f"Analysis of {row.source} finished. Open **Overview** to explore it.")
            elif row.status in ("failed", "interrupted"):
                st.error(f"Analysis of {row.source} {row.status}: {row.error or 'the process stopped'}")
        return
    for row in active.itertuples():
        label = f"Analysing {row.source}: {row.stage}" if row.status == "running" else f"Queued: {row.source}"
        with st.status(label, state="running", expanded=True):
            fraction = float(row.done) / row.total if row.total else 0.0
            eta = f" · about {row.eta_s:.0f}s left in this stage" if pd.notna(row.eta_s) and row.done < row.total else ""
            st.progress(min(fraction, 1.0), text=f"{row.stage}: {int(row.done):,}/{int(row.total):,}{eta}")


ROLE_LABELS = {"clicked": "Clicked product", "result": "Returned product", "result_count": "Result count",
               "relevance": "Relevance / conversion"}


def upload_form(kind: str, label: str, key: str) -> Source | None:
    """File input, preview and column mapping; returns a Source ready to analyse, or None."""
    upload = st.file_uploader(label, type=["csv", "tsv", "txt", "xlsx", "parquet", "jsonl", "json"], key=key)
    if upload is None:
        return None
    data = upload.getvalue()
    try:
        raw = read_table(data, upload.name)
        inferred = resolve_columns(raw.frame, kind) if not raw.frame.empty else {}
    except NeedLensError as exc:
        inferred = {}
        if "column" not in str(exc):
            st.error(f"{upload.name}: {exc}")
            return None
        raw = read_table(data, upload.name)
        st.warning(str(exc).replace("pass --text-col NAME", "choose it below").replace("pass --query-col NAME", "choose it below"))
    st.caption(f"{upload.name}: {raw.input_rows:,} rows · {raw.file_format.upper()} · {raw.encoding}")
    st.dataframe(raw.frame.head(5), hide_index=True, width="stretch")
    columns = ["(none)"] + list(raw.frame.columns)
    overrides, cols = {}, st.columns(4)
    for i, role in enumerate(r for r in ROLE_SPECS[kind] if r != "id"):
        current = inferred.get(role)
        choice = cols[i % 4].selectbox(ROLE_LABELS.get(role, role.replace("_", " ").capitalize()), columns,
                                       index=columns.index(current) if current in columns else 0, key=f"{key}_{role}")
        overrides[role] = NO_COLUMN if choice == "(none)" else choice  # "(none)" drops a role NeedLens inferred
    required = "text" if kind == REVIEWS else "query"
    if not overrides.get(required):
        st.error(f"Choose the column that holds the {required}; without it there is nothing to analyse.")
        return None
    return Source(upload.name, kind, data=data, overrides=overrides)


def datasets_section() -> None:
    st.subheader("Datasets in this workspace")
    datasets = store.datasets()
    if datasets.empty:
        st.caption("None yet.")
        return
    shown = datasets[["dataset_id", "name", "kind", "input_rows", "loaded_rows", "rejected_rows", "encoding", "analysed_at"]]
    headers = {"dataset_id": "ID", "name": "File", "kind": "Kind", "input_rows": "Rows in the file",
               "loaded_rows": "Loaded", "rejected_rows": "Rejected", "encoding": "Encoding", "analysed_at": "Analysed at"}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=headers)
    for row in datasets.itertuples():
        left, mid, right = st.columns([3, 2, 1])
        left.write(f"**{row.name}** ({row.kind}) — {int(row.loaded_rows):,} loaded, {int(row.rejected_rows):,} rejected")
        cut = store.cut_reviews(int(row.dataset_id), CUT_MARK) if row.kind == "reviews" else 0
        if cut:
            left.caption(f"{cut:,} reviews stop at the file's length limit, mid-sentence: their cut last word is left "
                         f"out and they end in “{CUT_MARK.strip()}”.")
        if row.rejected_rows:
            mid.download_button("⬇ Rejected rows (with reasons)", data=lambda i=row.dataset_id: table_csv(store.rejects(i)),
                                file_name=f"rejects_{row.dataset_id}.csv", mime="text/csv", key=f"rej_{row.dataset_id}",
                                on_click="ignore")
        if right.button("Delete", key=f"del_{row.dataset_id}"):
            store.delete_dataset(int(row.dataset_id))
            ui.refresh_views()
            st.rerun()
        if row.kind == "reviews":
            stars_section(int(row.dataset_id))
            recluster_section(int(row.dataset_id))


PREVIEW_COLUMNS = {"proposed_theme": st.column_config.TextColumn("Proposed theme", width=380),
                   "snippets": st.column_config.NumberColumn("Mentions", width="small"),
                   "closest_current_theme": st.column_config.TextColumn("Closest current theme", width=380),
                   "overlap": st.column_config.NumberColumn("Overlap", format="percent", width="small",
                                                            help="Share of the proposed theme's mentions that come "
                                                                 "from the closest current theme")}


def recluster_section(dataset_id: int) -> None:
    """Re-clustering is explicit: preview the proposed themes against the current ones, then apply."""
    key = f"proposal_{dataset_id}"
    count, button = st.columns([1, 3], vertical_alignment="bottom")
    asked = count.selectbox("Themes per language", ["Auto", *range(4, 41)], key=f"count_{dataset_id}",
                            help="Auto chooses the number by silhouette, as the analysis did; the preview says how "
                                 "clearly the data pointed to it. Ask for fewer for broader themes, more for finer ones.")
    if button.button("Preview re-clustering", key=f"prev_{dataset_id}",
                     help="Groups every snippet of this dataset into themes again (no re-embedding) and shows how the "
                          "result differs from the current themes. Nothing changes until you apply it."):
        from core.pipeline import Pipeline

        with st.spinner("Clustering again…"):
            pipeline = Pipeline(ui.settings(), store, embedders=ui.jobs_embedders())
            st.session_state[key] = recluster.preview(pipeline, dataset_id, None if asked == "Auto" else int(asked))
    proposal = st.session_state.get(key)
    if proposal is None:
        return
    st.caption(f"{len(proposal.themes)} proposed themes · agreement with the current themes (adjusted Rand index) "
               f"{proposal.agreement:.2f} · renames and hides move to the proposed theme that takes most of their "
               "snippets; merges are dropped")
    for line in map(recluster.count_sentence, proposal.counts):
        st.caption(line)
    ui.table(proposal.comparison, f"recluster_preview_{dataset_id}", height=240, column_config=PREVIEW_COLUMNS)
    left, right = st.columns([1, 1])
    if left.button("Apply the new themes", key=f"apply_{dataset_id}", type="primary"):
        recluster.apply(store, proposal)
        ui.refresh_views()
        st.session_state.pop(key)
        st.rerun()
    if right.button("Discard", key=f"discard_{dataset_id}"):
        st.session_state.pop(key)
        st.rerun()


def stars_section(dataset_id: int) -> None:
    """Sentiment against the dataset's own star ratings, and adapting it to them."""
    figures = ui.load_static("stars", lambda: star_agreement(store.star_scores(dataset_id)), store.data_version(),
                             dataset_id)
    if figures["agreement"] is None:
        return
    history = store.calibrations(dataset_id)
    adapted = not history.empty and bool(history.applied.iloc[-1])
    titled = ui.load_static("titles", lambda: titles_read(store, dataset_id), store.data_version(), dataset_id)
    st.caption(f"Sentiment agrees with star ratings on **{figures['agreement']:.0%}** of {figures['polar_reviews']:,} "
               f"reviews with clear stars (4-5 vs 1-2; balanced accuracy {figures['balanced_accuracy']:.0%})"
               + (f" · {titled:,} review titles read as part of their review's sentiment" if titled else "")
               + (" · adapted to these stars" if adapted else ""))
    band = ui.settings().sentiment.neutral_band
    left, right = st.columns([2, 1])
    if left.button("Adapt sentiment to these stars", key=f"cal_{dataset_id}",
                   help="Learns this dataset's own wording from its ratings (weak labels); applied only when "
                        "cross-validation says it agrees better with the stars"):
        with st.spinner("Fitting on the star ratings…"):
            result = calibrate_dataset(store, dataset_id, band)
        st.session_state[f"cal_result_{dataset_id}"] = result
        ui.refresh_views()
        st.rerun()
    if adapted and right.button("Undo adaptation", key=f"uncal_{dataset_id}"):
        undo_calibration(store, dataset_id, band)
        ui.refresh_views()
        st.session_state.pop(f"cal_result_{dataset_id}", None)
        st.rerun()
    result = st.session_state.get(f"cal_result_{dataset_id}")
    if result:
        gain = f"cross-validated balanced accuracy {result['before']:.1%} → {result['after']:.1%}"
        (st.success if result["applied"] else st.info)(
            f"Adapted: {gain}." if result["applied"] else f"Not adapted: {result.get('reason', '')} ({gain}).")


progress()
tab_reviews, tab_searches = st.tabs(["Reviews", "Search queries"])
with tab_reviews:
    reviews = upload_form(REVIEWS, "Review file (CSV, TSV, XLSX, Parquet, JSON Lines)", "up_reviews")
with tab_searches:
    searches = upload_form(SEARCHES, "Search-query file", "up_searches")
append_to = None
review_sets = store.datasets()
review_sets = review_sets[review_sets["kind"] == "reviews"] if not review_sets.empty else review_sets
if reviews is not None and not review_sets.empty:
    targets = {None: "a new dataset (full analysis)"} | {int(r.dataset_id): f"add to “{r.name}” (keep its themes)"
                                                          for r in review_sets.itertuples()}
    append_to = st.radio("Analyse the review file as", list(targets), format_func=targets.get, horizontal=True,
                         help="Adding keeps the dataset's themes, names and merges: only new reviews are embedded and "
                              "assigned to the existing themes. Re-cluster later from the dataset list.")
left = right = st.container(horizontal=True)  # side by side, not Analyze left and the demo button mid-page
if left.button("Analyze", type="primary", disabled=reviews is None and searches is None):
    st.session_state["watching"] = ui.jobs().submit(reviews, searches, append_to=append_to)
    st.rerun()
if right.button("Load demo data", help="3,000 English and 500 Chinese reviews plus 5,120 searches, generated"):
    demo = ROOT / "data"
    st.session_state["watching"] = ui.jobs().submit(Source("demo_reviews.csv", REVIEWS, path=demo / "demo_reviews.csv"),
                                                    Source("demo_searches.csv", SEARCHES, path=demo / "demo_searches.csv"))
    st.rerun()
st.caption(f"Upload limit: {ui.settings().max_upload_mb} MB per file (set in .streamlit/config.toml).")
datasets_section()
