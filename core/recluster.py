"""Re-clustering an analysed dataset: an explicit action with a preview (incremental runs never re-cluster).

``preview`` runs the theme step again over every snippet of the dataset (vectors from the workspace cache, so
nothing is re-embedded) and compares the result with the current themes: for each proposed theme, its size, label,
and the current theme most of its snippets come from. ``apply`` writes the proposal in one transaction; a PM's
rename or hide moves to the proposed theme that takes the majority of that theme's snippets (merges are dropped:
re-clustering is the moment to redo them).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .chunks import TextColumn, route_positions
from .needs import OTHER
from .themes import retone_general_opinions


@dataclass
class Proposal:
    dataset_id: int
    snippets: pd.DataFrame  # snippet_id, theme_id (proposed), theme_similarity, old_theme
    themes: pd.DataFrame  # proposed themes rows for the themes table
    comparison: pd.DataFrame  # proposed theme -> size, label, closest current theme, overlap share
    agreement: float  # adjusted Rand index between current and proposed assignments


def preview(pipeline, dataset_id: int) -> Proposal:
    """Proposed themes for the dataset (the pipeline supplies settings, cached embedders and sentiment model)."""
    from sklearn.metrics import adjusted_rand_score

    store = pipeline.store
    snippets = store.query_df("""SELECT sn.snippet_id, sn.text, sn.text_hash, sn.lang, sn.need_type,
                                        sn.theme_id AS old_raw, et.theme_id AS old_theme, et.label AS old_label,
                                        se.label AS polarity
                                 FROM snippets sn LEFT JOIN (""" + store.EFFECTIVE_THEMES + """) et
                                   ON et.dataset_id = sn.dataset_id AND et.raw_theme_id = sn.theme_id
                                 LEFT JOIN sentiment se ON se.dataset_id = sn.dataset_id AND se.snippet_id = sn.snippet_id
                                 WHERE sn.dataset_id = ? ORDER BY sn.snippet_id""", [dataset_id])
    snippets["route"] = np.where(snippets["lang"] == "zh", "zh", "en")
    theme_ids = np.full(len(snippets), -1, dtype=np.int64)
    similarity = np.zeros(len(snippets), dtype=np.float32)
    records, next_id = [], 1
    for route, positions in route_positions(snippets):  # as the pipeline's theme stage: no groupby copy of the frame
        if pipeline.stray_route(len(positions), len(snippets)):
            continue
        compact = len(positions) > pipeline.settings.embed.compact_above
        vectors = pipeline.cached(route).embed(  # from the cache: nothing is re-embedded
            snippets["text"].iloc[positions], dtype=np.float16 if compact else np.float32,
            hashes=snippets["text_hash"].iloc[positions])
        need_types = snippets["need_type"].fillna(OTHER).to_numpy()[positions]  # as the run clustered them
        ids, similarity[positions], themes = pipeline.cluster_route(TextColumn(snippets["text"].iloc[positions]),
                                                                     vectors, route, dataset_id, next_id, need_types)
        del vectors
        theme_ids[positions] = ids
        records.extend(themes)
        next_id += len(themes)
    snippets["theme_id"] = pd.array(np.where(theme_ids > 0, theme_ids, 0), dtype="Int32")
    snippets.loc[theme_ids < 0, "theme_id"] = pd.NA
    snippets["theme_similarity"] = similarity
    themes = pd.DataFrame(records)
    if len(themes):  # a general opinion's tone from its snippets' stored sentiment, as an analysis sets it
        themes["label"] = retone_general_opinions(themes["label"].tolist(), theme_ids,
                                                  snippets["polarity"].fillna("").to_numpy(), themes["theme_id"].tolist())
    assigned = snippets.dropna(subset=["theme_id"])
    rows = []
    for theme in themes.itertuples():
        members = assigned[assigned["theme_id"] == theme.theme_id]
        counts = members["old_label"].fillna("(unassigned)").value_counts()
        rows.append({"proposed_theme": theme.label, "snippets": len(members),
                     "closest_current_theme": counts.index[0] if len(counts) else "",
                     "overlap": round(counts.iloc[0] / max(len(members), 1), 3) if len(counts) else 0.0})
    old = snippets["old_theme"].fillna(-1).astype(int)
    new = snippets["theme_id"].fillna(-1).astype(int)
    return Proposal(dataset_id, snippets[["snippet_id", "theme_id", "theme_similarity", "old_raw", "old_theme"]],
                    themes, pd.DataFrame(rows), float(adjusted_rand_score(old, new)))


def carried_edits(store, proposal: Proposal) -> pd.DataFrame:
    """Renames and hides of current themes, moved to the proposed theme holding most of their snippets."""
    edits = store.query_df("SELECT theme_id, label, hidden FROM theme_edits WHERE dataset_id = ? AND merged_into IS NULL",
                           [proposal.dataset_id])
    out = []
    for edit in edits.itertuples():
        members = proposal.snippets[(proposal.snippets["old_theme"] == edit.theme_id) & proposal.snippets["theme_id"].notna()]
        if members.empty:
            continue
        target = members["theme_id"].value_counts()
        if target.iloc[0] / len(members) >= 0.5:
            out.append({"dataset_id": proposal.dataset_id, "theme_id": int(target.index[0]), "label": edit.label,
                        "merged_into": None, "hidden": bool(edit.hidden)})
    return pd.DataFrame(out, columns=["dataset_id", "theme_id", "label", "merged_into", "hidden"]).drop_duplicates("theme_id")


def apply(store, proposal: Proposal) -> None:
    store.replace_themes(proposal.dataset_id, proposal.themes, proposal.snippets[["snippet_id", "theme_id", "theme_similarity"]],
                         carried_edits(store, proposal))
