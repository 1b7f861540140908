"""Recommendation lab: simulate shoppers from the workspace's needs, compare recommenders, run A/B tests."""
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from pages import ui  # before core: importing pages turns Streamlit's legacy pages/ mode off (pages/__init__.py)
from core import charts
from core.lab import (MODEL_LABELS, MODELS, lab_data, last_shopper_params, persona_recommendations, recommender, run_ab,
                      simulate_workspace, workspace_catalogue)
from core.recommend import K, Data, evaluate, recommend_with_reasons, temporal_split
from core.simulate import ShopperParams, sample_size_per_arm

store = ui.page("Recommendation lab")
ui.require_analysis(store)
filters = ui.sidebar_filters()
if ui.load("facet_values", "product", filters).empty and "lab" not in st.session_state:
    # shoppers choose among products: say so before the PM sets up a simulation that can only fail
    st.info("The lab simulates shoppers choosing among products, and these reviews have no product column. "
            "Map one on the Data page to compare recommenders.")
    st.page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
    st.stop()

# the settings of the workspace's last stored simulation, else the defaults: the tabs show their shoppers (a simulation
# over the demo takes 0.1 s and the evaluation 0.3 s), where the page opened empty until "Simulate shoppers"
stored = last_shopper_params(store)
start = stored or ShopperParams()
with st.expander("Shopper simulator", expanded="lab" not in st.session_state):
    st.caption("Shoppers get latent needs drawn from the need themes; they browse and buy by popularity, need "
               "match with what reviews praise or criticise, and noise (model documented in core/simulate.py).")
    c = st.columns(4)
    # the knobs the page does not show keep the stored run's values
    params = replace(start, users=c[0].number_input("Shoppers", 50, 5000, start.users, 50),
                     events_per_user=c[1].number_input("Events each", 3, 60, start.events_per_user),
                     popularity_bias=c[2].slider("Popularity bias", 0.0, 2.0, float(start.popularity_bias), 0.1),
                     need_weight=c[3].slider("Need weight", 0.0, 6.0, float(start.need_weight), 0.5),
                     noise=c[0].slider("Noise", 0.1, 3.0, float(start.noise), 0.1),
                     seed=int(c[1].number_input("Seed", 0, 10**6, start.seed)))
    if st.button("Simulate shoppers", type="primary"):
        try:
            st.session_state["lab"] = simulate_workspace(store, params)
            st.session_state["lab_params"], st.session_state["lab_kept"] = params, True
            ui.refresh_views()  # the simulated interactions are a commit: store the unfiltered views again
        except ValueError as exc:
            st.error(str(exc))


def simulation() -> tuple:
    """The shoppers the tabs read: this session's run, else the stored settings' (or the defaults'), simulated once
    per server and data version; nothing is written (opening a page is no commit)."""
    if "lab" not in st.session_state:
        try:
            st.session_state["lab"] = ui.load_static(
                "lab_first", lambda: simulate_workspace(store, start, keep=False), store.data_version(), start)
            st.session_state["lab_params"], st.session_state["lab_kept"] = start, stored is not None
        except ValueError as exc:
            st.info(f"Simulate shoppers to compare recommenders on this workspace's products ({exc}).")
            st.stop()
    frame, needs, catalogue = st.session_state["lab"]
    where = ("the settings stored in the workspace" if st.session_state.get("lab_kept")
             else "the default settings, not stored: change them above and press Simulate shoppers to keep a run")
    st.caption(f"{frame['user'].nunique():,} shoppers, {len(frame):,} events over {len(catalogue.items)} products and "
               f"{len(catalogue.aspect_names)} need themes, simulated with {where}.")
    return frame, needs, catalogue, st.session_state["lab_params"]


EVALUATION_COLUMNS = {
    "model": "Recommender",
    f"precision@{K}": st.column_config.NumberColumn(f"Precision@{K}", format="%.3f",
                                                    help=f"share of the top {K} the shopper went on to choose"),
    f"recall@{K}": st.column_config.NumberColumn(f"Recall@{K}", format="%.3f",
                                                 help=f"share of the shopper's later choices found in the top {K}"),
    f"ndcg@{K}": st.column_config.NumberColumn(f"NDCG@{K}", format="%.3f",
                                               help="like recall, with hits near the top counting more (1 = ideal order)"),
    f"map@{K}": st.column_config.NumberColumn(f"MAP@{K}", format="%.3f", help="mean average precision over the ranks"),
    "coverage": st.column_config.NumberColumn("Catalogue coverage", format="percent",
                                              help="share of the products recommended to anyone"),
    "diversity": st.column_config.NumberColumn("Diversity", format="%.2f",
                                               help=f"1 − mean similarity of the products within one top-{K} list"),
    "novelty": st.column_config.NumberColumn("Novelty (bits)", format="%.1f",
                                             help="how rarely the recommended products are chosen: −log2 of their "
                                                  "popularity; higher recommends less obvious products")}
# widths that fill the table at a laptop's width: what they leave over is spread evenly over every column, which made
# the rank as wide as the product
TOP_COLUMNS = {"rank": st.column_config.NumberColumn("Rank", width="small"),
               "item": st.column_config.TextColumn("Product", width="medium"),
               "why": st.column_config.TextColumn("Why", width=700)}


def persona_tab() -> None:
    # the catalogue alone, without product vectors: this tab opens first, and at a million reviews a simulation and
    # its models took ~10 s of the first visit (thirty-sixth session)
    catalogue = (st.session_state["lab"][2] if "lab" in st.session_state else
                 ui.load_static("lab_catalogue", lambda: workspace_catalogue(store, vectors=False), store.data_version()))
    if catalogue is None:
        st.info("No product has enough reviews to recommend (3 or more).")
        return
    st.caption("A shopper with no history, described by the needs they care about: the products they most likely buy "
               "under the simulator's model and its settings above (popularity bias, need weight, noise), from how "
               "their reviews speak of those needs.")
    persona = st.multiselect("Describe a shopper by the needs they care about", catalogue.aspect_names,
                             default=catalogue.aspect_names[:1])
    ui.table(persona_recommendations(catalogue, persona, params=params), "persona_top10", column_config=TOP_COLUMNS)


def shoppers_tab() -> None:
    frame, needs, catalogue, params = simulation()
    data = lab_data(frame, needs, catalogue)
    user = st.selectbox("Shopper", data.users[:200])
    row = int(np.flatnonzero(data.users == user)[0])
    cares = pd.Series(needs[row], index=catalogue.aspect_names).sort_values(ascending=False).head(3)
    st.write("Cares about: " + ", ".join(f"**{name}** ({weight:.0%})" for name, weight in cares.items()))
    columns = st.columns(3)
    names = ["popularity", "itemknn", "need_aware", "ease_recency", "als"] + (
        ["content"] if data.item_vectors is not None else [])
    for column, name in zip(columns * 2, names):
        with column:
            st.markdown(f"**{MODEL_LABELS[name]}**")
            model = ui.fitted_recommender(name, f"{store.path}|{store.data_version()}|{len(frame)}|{params!r}", data)
            st.dataframe(recommend_with_reasons(model, data, user), hide_index=True, height=390,
                         column_config=TOP_COLUMNS)


def evaluation_tab() -> None:
    frame, needs, catalogue, params = simulation()
    data = lab_data(frame, needs, catalogue)
    st.caption(f"Each recommender learns from every shopper's earlier 80% of events and is scored on their latest 20% "
               f"(shoppers with 5 or more events): its top {K} recommendations against the products each shopper "
               "chose then.")
    train, test = temporal_split(frame, 0.2)
    split_data = Data.from_frame(train, users=data.users, items=catalogue.items, aspects=catalogue.aspects,
                                 aspect_names=catalogue.aspect_names, needs=needs[: len(data.users)])
    split_data.item_vectors = catalogue.item_vectors
    usable = [n for n in MODELS if n != "content" or catalogue.item_vectors is not None]
    table = ui.load_static("lab_eval", lambda: evaluate([recommender(n) for n in usable], split_data, test),
                           store.data_version(), len(frame), params)
    shown = table.reset_index().assign(model=lambda f: f["model"].map(MODEL_LABELS).fillna(f["model"]))
    ui.chart(charts.metric_bars(shown), "recommender_ndcg")
    ui.table(shown, "recommender_evaluation", column_config=EVALUATION_COLUMNS)


def ab_tab() -> None:
    frame, needs, catalogue, params = simulation()
    c = st.columns(4)
    arm_a = c[0].selectbox("Arm A", list(MODELS)[:-2] + ["need_aware"], index=0, format_func=MODEL_LABELS.get)
    arm_b = c[1].selectbox("Arm B", list(MODELS)[:-2] + ["need_aware"], index=len(MODELS) - 2,
                           format_func=MODEL_LABELS.get)
    daily = c[2].number_input("Visitors per day", 100, 100000, 2000, 100)
    days = c[3].number_input("Days", 1, 60, 14)
    split = st.slider("Traffic to arm B", 0.1, 0.9, 0.5, 0.05)
    if st.button("Run A/B test"):
        result = run_ab(frame, needs, catalogue, arm_a, arm_b, int(daily * days), split, params)
        m = st.columns(3)
        m[0].metric(f"{MODEL_LABELS[arm_a]}: conversion", f"{result.rate_a:.2%}",
                    help=f"95% CI {result.ci_a[0]:.2%}–{result.ci_a[1]:.2%}")
        m[1].metric(f"{MODEL_LABELS[arm_b]}: conversion", f"{result.rate_b:.2%}", f"{result.rate_b - result.rate_a:+.2%}",
                    help=f"95% CI {result.ci_b[0]:.2%}–{result.ci_b[1]:.2%}")
        m[2].metric("p-value", f"{result.p_value:.3g}", help="two-sided two-proportion z-test")
        st.write(result.verdict)
        st.caption(f"Minimum detectable effect with this traffic (80% power): {result.mde:.2%} points.")
        ui.chart(charts.ab_intervals(result), "ab_test")


def sample_size_tab() -> None:
    c = st.columns(4)
    base = c[0].number_input("Baseline conversion", 0.001, 0.99, 0.10, 0.005, format="%.3f")
    lift = c[1].number_input("Relative lift to detect", 0.01, 2.0, 0.10, 0.01, format="%.2f")
    alpha = c[2].selectbox("Significance", [0.05, 0.01, 0.10])
    power = c[3].selectbox("Power", [0.8, 0.9, 0.95])
    needed = sample_size_per_arm(base, base * (1 + lift), alpha, power)
    st.metric("Visitors needed per arm", f"{needed:,}")


# Only the open tab runs, as on the Latent needs page: the first visit shows the persona's top 10 from the catalogue;
# the simulated shoppers, their models and the evaluation are computed when their tab is opened (then kept).
TABS = {"Top 10 for a persona": persona_tab, "Top 10 for a simulated shopper": shoppers_tab,
        "Offline evaluation": evaluation_tab, "A/B test simulator": ab_tab, "Sample-size calculator": sample_size_tab}
for tab, draw in zip(st.tabs(list(TABS), key="lab_tab", on_change="rerun"), TABS.values()):
    with tab:
        if tab.open:
            draw()
