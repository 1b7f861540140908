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

from .chunks import TextColumn, normalise_rows, route_positions
from .config import ZH_MAP_SHIFT
from .errors import InputError
from .needs import OTHER
from .themes import SILHOUETTE_TIE, SPLIT_MIN_SNIPPETS, CountKMeans, retone_general_opinions


@dataclass
class Proposal:
    dataset_id: int
    snippets: pd.DataFrame  # snippet_id, theme_id (proposed), theme_similarity, old_theme
    themes: pd.DataFrame  # proposed themes rows for the themes table
    comparison: pd.DataFrame  # proposed theme -> size, label, closest current theme, overlap share
    agreement: float  # adjusted Rand index between current and proposed assignments
    counts: tuple[dict, ...] = ()  # per language: how its number of themes was chosen (cluster_route's theme_counts rows)


ROUTE_NAMES = {"en": "English", "zh": "Chinese"}


def preview(pipeline, dataset_id: int, themes: int | None = None) -> Proposal:
    """Proposed themes for the dataset (the pipeline supplies settings, cached embedders and sentiment model).
    ``themes``: how many themes each language gets (at most one per 10 snippets); None: chosen by silhouette, as an
    analysis chooses them. Either way the proposal says how decisive silhouette was (``counts``, count_sentence)."""
    if themes is not None and themes < 2:
        raise InputError(f"ask for at least 2 themes, not {themes}")
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
    records, next_id, counts = [], 1, []
    settings = pipeline.settings.themes
    for route, positions in route_positions(snippets):  # as the pipeline's theme stage: no groupby copy of the frame
        if pipeline.stray_route(len(positions), len(snippets)):
            continue
        clusterer = CountKMeans(themes, settings.seed) if themes else None  # None: find_themes' own, as an analysis
        compact = len(positions) > pipeline.settings.embed.compact_above
        vectors = pipeline.cached(route).embed(  # from the cache: nothing is re-embedded
            snippets["text"].iloc[positions], dtype=np.float16 if compact else np.float32,
            hashes=snippets["text_hash"].iloc[positions])
        need_types = snippets["need_type"].fillna(OTHER).to_numpy()[positions]  # as the run clustered them
        ids, similarity[positions], found, count = pipeline.cluster_route(
            TextColumn(snippets["text"].iloc[positions]), vectors, route, dataset_id, next_id, need_types,
            clusterer=clusterer)
        del vectors
        theme_ids[positions] = ids
        records.extend(found)
        next_id += len(found)
        counts.append(count)
    snippets["theme_id"] = pd.array(np.where(theme_ids > 0, theme_ids, 0), dtype="Int32")
    snippets.loc[theme_ids < 0, "theme_id"] = pd.NA
    snippets["theme_similarity"] = similarity
    proposed = pd.DataFrame(records)
    if len(proposed):  # a general opinion's tone from its snippets' stored sentiment, as an analysis sets it
        proposed["label"] = retone_general_opinions(proposed["label"].tolist(), theme_ids,
                                                    snippets["polarity"].fillna("").to_numpy(), proposed["theme_id"].tolist())
    assigned = snippets.dropna(subset=["theme_id"])
    rows = []
    for theme in proposed.itertuples():
        members = assigned[assigned["theme_id"] == theme.theme_id]
        sources = members["old_label"].fillna("(unassigned)").value_counts()
        rows.append({"proposed_theme": theme.label, "snippets": len(members),
                     "closest_current_theme": sources.index[0] if len(sources) else "",
                     "overlap": round(sources.iloc[0] / max(len(members), 1), 3) if len(sources) else 0.0})
    old = snippets["old_theme"].fillna(-1).astype(int)
    new = snippets["theme_id"].fillna(-1).astype(int)
    return Proposal(dataset_id, snippets[["snippet_id", "theme_id", "theme_similarity", "old_raw", "old_theme"]],
                    proposed, pd.DataFrame(rows), float(adjusted_rand_score(old, new)), tuple(counts))


def _spans(numbers) -> str:
    """10, 11, 12, 15, 18, 19 -> "10–12, 15, 18–19"."""
    out, numbers = [], sorted(numbers)
    if not numbers:
        return ""
    start = prev = numbers[0]
    for n in numbers[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"{start}" if start == prev else f"{start}–{prev}")
        start = prev = n
    return ", ".join(out)


def count_sentence(count: dict, where: str = "") -> str:
    """One language's number of themes as a PM reads it: what was asked or how decisively silhouette chose it;
    ``where``: where to ask for another number, said when the data does not single one out."""
    name = ROUTE_NAMES.get(count["lang"], count["lang"])
    asked = count.get("asked")
    if asked is not None and not pd.isna(asked):  # a stored row's NULL is pandas' NA
        notes = []
        if count["chosen"] != count["asked"]:
            notes.append(f"at most one per 10 mentions: {count['chosen']}")
        if count["themes"] != count["chosen"]:
            notes.append("groups too small for a theme joined their nearest")
        return f"{name}: {count['themes']} themes, {count['asked']} asked" + (f" ({'; '.join(notes)})." if notes else ".")
    tried, good = [int(k) for k in count["tried"]], [int(k) for k in count["as_good"]]
    if len(tried) < 2:
        return f"{name}: {count['themes']} themes (too few mentions to compare counts)."
    head = f"{name}: {count['themes']} themes; silhouette chose {count['chosen']} among {tried[0]}–{tried[-1]}"
    others = [k for k in good if k != count["chosen"]]
    if len(good) <= 3:  # the chosen count and a neighbour or two
        close = (f"only {_spans(others)} come{'s' if len(others) == 1 else ''} close" if others
                 else "every other count scores clearly lower")
        return head + f", and {close}: the data points to about this count."
    return (head + f", but {_spans(list(good))} fit about as well (silhouette within {SILHOUETTE_TIE:.0%} of the best, "
            f"{count['low']:.3f}–{count['high']:.3f} over all counts tried): the data does not single one out, so ask for "
            f"fewer for broader themes or more for finer ones{where}.")


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
    from .pipeline import theme_count_rows

    store.replace_themes(proposal.dataset_id, proposal.themes, proposal.snippets[["snippet_id", "theme_id", "theme_similarity"]],
                         carried_edits(store, proposal), theme_count_rows(list(proposal.counts)))


# --- splitting one theme ------------------------------------------------------------------------------------------

@dataclass
class Split:
    dataset_id: int
    theme_id: int  # the effective theme split (the raw themes merged into it go with it)
    label: str
    snippets: pd.DataFrame  # snippet_id, theme_id (its sub-theme), theme_similarity
    themes: pd.DataFrame  # every theme row of the dataset once split
    edits: pd.DataFrame  # the PM's edits kept: all but those of the split theme and of the themes merged into it
    comparison: pd.DataFrame  # one row per sub-theme: label, reviews, snippets, share, negative share, examples
    version: int  # the workspace's data version it was made from: applied only onto that one
    before: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]  # themes, assignment, edits as they were: the undo


def split(pipeline, dataset_id: int, theme_id: int, k: int | None = None) -> Split:
    """Narrower themes within one theme (``k`` of them, else chosen by silhouette): its snippets only, vectors from
    the workspace cache (nothing is re-embedded), labelled against each other, so their words say how they differ
    ("fit / large / waist" -> what runs small, what runs large, the waist). Every other theme, and every edit of one,
    stays as it is."""
    from dataclasses import replace

    from .themes import SplitKMeans, theme_map

    store = pipeline.store
    version = store.data_version()
    effective = store.query_df(f"SELECT raw_theme_id, label FROM ({store.EFFECTIVE_THEMES}) WHERE dataset_id = ? "
                               "AND theme_id = ?", [dataset_id, theme_id])
    if effective.empty:
        raise InputError(f"dataset {dataset_id} has no theme {theme_id}; the Need themes page lists their ids")
    members = [int(t) for t in effective["raw_theme_id"]]
    themes = store.query_df("SELECT * FROM themes WHERE dataset_id = ? ORDER BY theme_id", [dataset_id])
    parent = themes[themes["theme_id"] == theme_id].iloc[0]
    if themes.loc[themes["theme_id"].isin(members), "lang"].nunique() > 1:
        raise InputError(f"“{effective['label'].iloc[0]}” holds English and Chinese themes merged together; a split "
                         "groups one language's snippets: undo the merge, then split each language's theme")
    marks = ", ".join("?" * len(members))
    snippets = store.query_df(f"""SELECT sn.snippet_id, sn.review_id, sn.text, sn.text_hash, sn.need_type,
                                         sn.theme_id AS old_theme, sn.theme_similarity AS old_similarity,
                                         se.label AS polarity
                                  FROM snippets sn LEFT JOIN sentiment se
                                    ON se.dataset_id = sn.dataset_id AND se.snippet_id = sn.snippet_id
                                  WHERE sn.dataset_id = ? AND sn.theme_id IN ({marks}) ORDER BY sn.snippet_id""",
                              [dataset_id, *members])
    if len(snippets) < 2 * SPLIT_MIN_SNIPPETS:
        raise InputError(f"“{effective['label'].iloc[0]}” has {len(snippets)} mentions: too few to split (a sub-theme "
                         f"needs {SPLIT_MIN_SNIPPETS})")
    route = str(parent["lang"])
    compact = len(snippets) > pipeline.settings.embed.compact_above  # as the analysis holds a big route's vectors
    vectors = pipeline.cached(route).embed(snippets["text"], dtype=np.float16 if compact else np.float32,
                                           hashes=snippets["text_hash"])  # from the cache: nothing is re-embedded
    first = int(themes["theme_id"].max()) + 1
    settings = replace(pipeline.settings.themes, assign_min_similarity=0.0)  # every snippet stays in a sub-theme
    ids, similarity, records, _ = pipeline.cluster_route(
        TextColumn(snippets["text"]), vectors, route, dataset_id, first, snippets["need_type"].fillna(OTHER).to_numpy(),
        clusterer=SplitKMeans(k, pipeline.settings.themes.seed), settings=settings)
    del vectors
    if len(records) < 2:  # every snippet in one group: nothing to split into
        raise InputError(f"“{effective['label'].iloc[0]}” did not split: its mentions form one group")
    new = pd.DataFrame(records)
    new["label"] = retone_general_opinions(new["label"].tolist(), ids, snippets["polarity"].fillna("").to_numpy(),
                                           new["theme_id"].tolist())
    assignment = pd.DataFrame({"snippet_id": snippets["snippet_id"], "theme_id": pd.array(ids, dtype="Int32"),
                               "theme_similarity": similarity})
    kept = themes[~themes["theme_id"].isin(members)].copy()
    # the language's map drawn again over its themes' centroids, as the analysis draws it: sub-themes placed around
    # their parent's spot overlapped there (their circles are as big as the distances between them)
    mapped = pd.concat([kept[kept["lang"] == route], new[kept.columns]], ignore_index=True)
    xy = theme_map(normalise_rows(np.stack([np.asarray(c, dtype=np.float32) for c in mapped["centroid"]])),
                   settings.seed)
    xy[:, 0] += ZH_MAP_SHIFT * (route == "zh")
    position = dict(zip(mapped["theme_id"], map(tuple, xy)))
    for frame in (kept, new):
        on_map = frame["theme_id"].isin(position.keys())
        frame.loc[on_map, "x"] = [position[t][0] for t in frame.loc[on_map, "theme_id"]]
        frame.loc[on_map, "y"] = [position[t][1] for t in frame.loc[on_map, "theme_id"]]
    all_edits = store.query_df("SELECT * FROM theme_edits WHERE dataset_id = ?", [dataset_id])
    edits = all_edits[~all_edits["theme_id"].isin(members)]
    before = (themes, snippets[["snippet_id", "old_theme", "old_similarity"]].rename(
        columns={"old_theme": "theme_id", "old_similarity": "theme_similarity"}), all_edits)
    rows = []
    negative = snippets["polarity"].eq("negative").to_numpy()
    for theme in new.itertuples():
        inside = ids == theme.theme_id
        rows.append({"sub_theme": theme.label, "reviews": int(snippets["review_id"][inside].nunique()),
                     "snippets": int(inside.sum()), "share": round(inside.mean(), 3),
                     "negative_share": round(float(negative[inside].mean()) if inside.any() else 0.0, 3),
                     "examples": " · ".join(list(theme.representatives)[:3])})
    comparison = pd.DataFrame(rows).sort_values("snippets", ascending=False, ignore_index=True)
    return Split(dataset_id, theme_id, str(effective["label"].iloc[0]), assignment,
                 pd.concat([kept, new[kept.columns]], ignore_index=True), edits, comparison, version, before)


def apply_split(store, proposal: Split) -> int:
    """Write a split in one transaction: the sub-themes replace the theme, its snippets move to them; returns the new
    data version (what undo_split checks). A split made before the workspace changed (an analysis, an edit, another
    split) is refused: it would undo that change."""
    if store.data_version() != proposal.version:
        raise InputError("The workspace changed since this split was previewed; preview it again.")
    store.replace_themes(proposal.dataset_id, proposal.themes, proposal.snippets, proposal.edits)
    return store.data_version()


def undo_split(store, proposal: Split, applied: int) -> None:
    """Put the theme back as it was before ``proposal`` was applied (``applied``: the data version apply_split
    returned): its themes, its snippets' themes and the PM's edits, in one transaction. Refused once anything else has
    changed the workspace since: undoing would undo that too."""
    if store.data_version() != applied:
        raise InputError("The workspace changed since this split was applied; merge its sub-themes back instead.")
    themes, assignment, edits = proposal.before
    store.replace_themes(proposal.dataset_id, themes, assignment, edits)
