"""Turning aggregates into ranked, explained insights (pure pandas; the store does the SQL)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def with_trend(themes: pd.DataFrame) -> pd.DataFrame:
    """Add ``trend`` (recent share - earlier share, in points) and ``growth`` (recent/earlier share ratio) of the
    theme's mentions, and ``complaint_trend``: the same change in the share of all mentions that are complaints about
    the theme (NaN without the counts: a table stored before they were, or no dates)."""
    out = themes.copy()
    recent, prior = out.get("recent_share"), out.get("prior_share")
    if recent is None or prior is None:
        out["trend"], out["growth"], out["complaint_trend"] = np.nan, np.nan, np.nan
        return out
    out["trend"] = (recent.fillna(0) - prior.fillna(0)).where(prior.notna() & recent.notna())
    out["growth"] = (recent / prior.replace(0, np.nan)).where(recent.notna())
    counts = _complaint_counts(out)
    if counts is None:
        out["complaint_trend"] = np.nan
    else:
        recent_neg, recent_total, prior_neg, prior_total = counts
        out["complaint_trend"] = recent_neg / recent_total - prior_neg / prior_total
    return out


def _complaint_counts(themes: pd.DataFrame) -> tuple[pd.Series, ...] | None:
    """The theme table's complaint counts (recent complaints, recent mentions of all themes, earlier complaints,
    earlier mentions), the totals NaN where a period has no mentions; None for a table stored without them."""
    columns = ("recent_neg_n", "recent_total", "prior_neg_n", "prior_total")
    if not set(columns) <= set(themes.columns):
        return None
    recent_neg, recent_total, prior_neg, prior_total = (themes[c].astype(float) for c in columns)
    return recent_neg, recent_total.where(recent_total > 0), prior_neg, prior_total.where(prior_total > 0)


def need_trend(themes: pd.DataFrame) -> pd.Series:
    """The trend a need to fix is shown with: how its complaints' share of all mentions changed recently (the demo's
    packaging damage: +4.2 points, while all the theme's mentions, praise included, moved +1.4), or its mentions'
    where the complaints are not counted."""
    return themes["complaint_trend"].where(themes["complaint_trend"].notna(), themes["trend"])


def actionable(themes: pd.DataFrame) -> pd.DataFrame:
    """The themes that name a need: general praise or complaint themes ("General praise (gorgeous / lovely)") are left
    out of the opportunities and the improvement backlog (a PM's own name for such a theme makes it a need)."""
    from .themes import is_general_opinion

    return themes[~themes["label"].map(is_general_opinion)] if not themes.empty else themes


# A theme holding at least this share of its dataset's mentions (and BROAD_MIN of them) is offered for splitting: on
# 2,890 clothing reviews "fit / large / waist" held 27% of 15,949 mentions, in 71% of the reviews, and split into what
# runs large or small, the length, the waist and hips, the bust (bench/RESULTS.md, thirty-eighth session).
BROAD_SHARE = 0.2
BROAD_MIN = 200


def broad_themes(themes: pd.DataFrame, share: float | None = None, minimum: int | None = None) -> pd.DataFrame:
    """The themes too broad to act on as they are (theme_table rows, biggest first, with ``dataset_share``): at least
    ``share`` (BROAD_SHARE) of their dataset's mentions under the filters, and ``minimum`` (BROAD_MIN) mentions."""
    share = BROAD_SHARE if share is None else share
    minimum = BROAD_MIN if minimum is None else minimum
    if themes.empty:
        return themes.assign(dataset_share=pd.Series(dtype=float))
    out = themes.assign(dataset_share=themes["snippets"] / themes.groupby("dataset_id")["snippets"].transform("sum"))
    return out[(out["dataset_share"] >= share) & (out["snippets"] >= minimum)].sort_values("snippets", ascending=False)


# A theme needs at least this many negative mentions to be an improvement to make (a backlog row).
MIN_COMPLAINTS = 3


def heatmap_themes(matrix: pd.DataFrame, top: int = 15, minimum: int = MIN_COMPLAINTS) -> pd.DataFrame:
    """The columns of a product x theme heatmap (rows: value, theme, snippets, negative_share): the ``top`` busiest
    themes that name a need and have at least ``minimum`` negative mentions among the rows shown, so that a red cell
    can appear in every column. On the bundled demo the busiest themes by volume alone included "partner", "sale" and
    "second owned" (context sentences, never negative: all-green columns) while sizing was left out. With fewer than
    three such themes (a small or very happy dataset) the busiest themes are shown instead, whatever their complaints."""
    from .themes import is_general_opinion

    if matrix.empty:
        return matrix
    per_theme = (matrix.assign(negatives=matrix["snippets"] * matrix["negative_share"])
                 .groupby("theme", sort=False)[["snippets", "negatives"]].sum())
    needs = per_theme[(per_theme["negatives"].round() >= minimum)
                      & ~per_theme.index.to_series().map(is_general_opinion)]
    chosen = needs if len(needs) >= 3 else per_theme
    keep = chosen.sort_values("snippets", ascending=False, kind="stable").index[:top]
    return matrix[matrix["theme"].isin(keep)].reset_index(drop=True)


def rising_queries(top: pd.DataFrame, n: int = 15, recent_days: int = 28, alpha: float = 0.05) -> pd.DataFrame:
    """Queries searched significantly more often per day in the last ``recent_days`` than before (Store.top_queries:
    searches, recent_per_day, earlier_per_day), fastest-growing first, with ``growth`` (the relative change in
    searches per day, 0.8: +80%) and ``p_value``. Test: given a query's searches, how many fall in the recent window
    is binomial with the window's share of the days when its rate did not change; one-sided, Bonferroni over the
    queries tested, as for emerging issues. Queries new in the window have no earlier rate to compare with, and rare
    queries (under a quarter of the median volume, or under 10 searches) are left out: a few misspellings are not a
    trend."""
    from scipy import stats

    columns = [*top.columns, "growth", "p_value"]
    earlier = top["earlier_per_day"].where(top["earlier_per_day"] > 0)
    tested = top.assign(growth=top["recent_per_day"] / earlier - 1.0)
    tested = tested[tested["growth"].notna() & (tested["searches"] >= max(10, tested["searches"].median() / 4))]
    if tested.empty:
        return pd.DataFrame(columns=columns)
    recent = (tested["recent_per_day"] * recent_days).round().astype(int)
    earlier_days = (tested["searches"] - recent) / tested["earlier_per_day"]
    share = recent_days / (recent_days + earlier_days)
    tested = tested.assign(p_value=[stats.binomtest(int(k), int(total), float(p), alternative="greater").pvalue
                                    for k, total, p in zip(recent, tested["searches"], share)])
    rising = tested[(tested["growth"] > 0) & (tested["p_value"] < alpha / len(tested))]
    return rising.sort_values("growth", ascending=False, kind="stable").head(n).reset_index(drop=True)


def with_complaints(themes: pd.DataFrame, minimum: int = MIN_COMPLAINTS) -> pd.DataFrame:
    """The themes with something to fix: at least ``minimum`` negative mentions. A theme nobody complains about names
    no unmet need however often it comes up: the bundled demo's context sentences ("Ordered during the sale.",
    "Bought this for my partner.", "Second one I have owned.") and its praise ("Well made and sturdy.") formed themes
    of 320-370 reviews with no negative mention, which ODI's importance term alone ranked above the sizing complaints
    (150 reviews, 45% negative)."""
    if themes.empty:
        return themes
    return themes[(themes["snippets"] * themes["negative_share"]).round() >= minimum]


PSEUDO_COMPLAINTS = 10  # spread over the two periods by their mentions, so that a few complaints are no surge


def complaint_growth(themes: pd.DataFrame) -> pd.Series | None:
    """How much more of all mentions a theme's complaints are in the recent window than before: recent complaints /
    recent mentions over earlier complaints / earlier mentions, each period's complaints with its part of
    PSEUDO_COMPLAINTS added (as if the theme had 10 more complaints, at no change), so that 3 complaints after none
    read as x4, not as infinite. A theme with 200 complaints moves by a few percent. None without the counts (a table
    stored before they were); NaN for a theme without mentions in either period."""
    counts = _complaint_counts(themes)
    if counts is None:
        return None
    recent_neg, recent_total, prior_neg, prior_total = counts
    recent_part = PSEUDO_COMPLAINTS * recent_total / (recent_total + prior_total)  # NaN where a period is empty
    return ((recent_neg + recent_part) / recent_total) / ((prior_neg + PSEUDO_COMPLAINTS - recent_part) / prior_total)


def opportunities(themes: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """Themes ranked by volume x negativity x recent growth, each with the figures that explain its rank.

    score = share of snippets x share negative x (1 + max(growth - 1, 0)); growth is how much more of all mentions
    the theme's complaints are in the recent window than before (complaint_growth; 1 when there are no dates).
    Until the forty-second session it was the growth of all the theme's mentions: on the demo, whose packaging
    damage spikes in the last three weeks while its praise does not, the emerging packaging issue stood third behind
    steadier themes. A table without the complaint counts falls back to the mentions' growth. Only actionable themes
    with something to fix rank, as in the improvement backlog (with_complaints): on Amazon fashion "second pair /
    pair different" stood fourth with 2 negative mentions of 33.
    """
    themes = with_complaints(actionable(themes))
    if themes.empty:
        return themes.assign(opportunity=[], why=[])
    out = with_trend(themes)
    complaints = complaint_growth(out)
    out["growth_of"] = "mentions" if complaints is None else "complaints"
    if complaints is not None:
        out["growth"] = complaints.where(out["growth"].notna())  # no growth where the mentions have no dates
    growth = out["growth"].fillna(1.0).clip(lower=0, upper=5)
    out["opportunity"] = out["share"] * out["negative_share"] * (1 + np.maximum(growth - 1, 0))
    out["why"] = out.apply(_explain, axis=1)
    return out.sort_values("opportunity", ascending=False, kind="stable").head(top).reset_index(drop=True)


def _explain(row: pd.Series) -> str:
    parts = [f"{row['share']:.0%} of mentions", f"{row['negative_share']:.0%} negative"]
    if pd.notna(row.get("growth")) and row["growth"] > 1.1:
        what = "complaints" if row.get("growth_of") == "complaints" else "share"
        parts.append(f"{what} up {row['growth'] - 1:.0%} recently")
    if pd.notna(row.get("avg_rating")):
        parts.append(f"avg rating {row['avg_rating']:.1f}★")
    return ", ".join(parts)


NO_VALUE = "–"  # what a table cell shows for a figure that cannot be computed (a trend without dates)
NO_ESTIMATE = "n/a"  # a rating impact without ratings, or with too few complaints to estimate it


STEADY = "steady"  # a trend within ±0.2 points: counted, and flat (NO_VALUE is a trend that cannot be counted)


def trend_arrow(trend: float | None) -> str:
    """'▲ 1.2 pts' / '▼ 0.8 pts' / 'steady' (within ±0.2 pts) for a share change in [0, 1] units; '–' where it
    cannot be computed (no dates)."""
    if trend is None or pd.isna(trend):
        return NO_VALUE
    if abs(trend) < 0.002:
        return STEADY
    return f"{'▲' if trend > 0 else '▼'} {abs(trend) * 100:.1f} pts"


def times(ratio: float) -> str:
    """A recent share against an earlier one, as a factor: '2.6×', or 'new' where there was none before."""
    return "new" if ratio is None or pd.isna(ratio) or math.isinf(ratio) else f"{ratio:.1f}×"


def alerts(shift: dict, emerging: pd.DataFrame, rising: pd.DataFrame, privacy_k: int = 0,
           falls: pd.DataFrame | None = None, by: str = "product") -> list[dict]:
    """What the Overview flags and ``python -m core summary`` lists, in the app's default window (21 days): a fall or
    rise of the average rating beyond chance (``shift``: core.latent.rating_shift), products (or categories, ``by``)
    losing stars (``falls``: core.latent.rating_falls), complaint themes rising (``emerging``: core.latent.
    emerging_issues) and requested features rising (``rising``: rising_requests). Each alert: kind (rating | product |
    emerging | request), subject, text (Markdown), and the figures it states; one resting on fewer than ``privacy_k``
    reviews is left out, as privacy mode hides such groups."""
    out = []
    if shift and shift.get("significant") and min(shift["n_recent"], shift["n_before"]) >= privacy_k:
        moved = "fell" if shift["change"] < 0 else "rose"
        out.append({"kind": "rating", "subject": f"average rating {moved}", **shift, "text": (
            f"Average rating {moved} — **{shift['recent_avg']:.2f} ★** in the last 3 weeks against "
            f"{shift['before_avg']:.2f} ★ before ({shift['change']:+.2f}; 95% CI {shift['ci_low']:+.2f} to "
            f"{shift['ci_high']:+.2f}; {shift['n_recent']:,} and {shift['n_before']:,} rated reviews). "
            "See **Latent needs → Rating drivers** for what moved it.")})
    out += [fall_alert(row, by) for row in (falls[falls["falling"] & (falls["n_recent"] >= privacy_k)].itertuples()
                                            if falls is not None and not falls.empty else [])]
    for kind, frame, name, said in (("emerging", emerging, "theme", "Emerging issue — **{}**: {:.1%} of complaints in "
                                     "the last 3 weeks vs {:.1%} before ({}, {} mentions, p = {:.1e})."),
                                    ("request", rising, "feature", "Rising request — **{}**: {:.1%} of the reviews "
                                     "asking for something in the last 3 weeks vs {:.1%} before ({}, {} reviews "
                                     "asking, p = {:.1e}).")):
        for row in (frame[frame["emerging"] & (frame["recent"] >= privacy_k)].itertuples()
                    if frame is not None and not frame.empty else []):
            subject = getattr(row, name)
            out.append({"kind": kind, "subject": subject, "recent": int(row.recent), "earlier": int(row.earlier),
                        "recent_share": float(row.recent_share), "earlier_share": float(row.earlier_share),
                        "ratio": None if math.isinf(row.ratio) else float(row.ratio),  # None: none before
                        "p_value": float(row.p_value),
                        "text": said.format(subject, row.recent_share, row.earlier_share, times(row.ratio),
                                            row.recent, row.p_value)
                                + " See **Latent needs → Emerging issues**."})
    return out


QUIET_MIN_REVIEWS = 30  # fewer reviews in the window than this, and the Overview says it is too few to test


def quiet_note(figures: dict, by: str | None = "product") -> tuple[str, str] | None:
    """What the Overview says when it raises no alert (``figures``: Store.overview; ``by``: products or categories
    tested for losing stars, None where none was): ("success", text) when the last 3 weeks held reviews enough and
    nothing moved beyond chance, ("info", text) when they held too few to tell; None without dates. A silent
    Overview read as "all is well" even on a file whose last 3 weeks held two reviews."""
    last = figures.get("last_date")
    if last is None or pd.isna(last):
        return None
    n, day = int(figures.get("recent_reviews") or 0), f"{pd.Timestamp(last):%Y-%m-%d}"
    if n < QUIET_MIN_REVIEWS:
        return "info", (f"Only {n:,} review{'s' if n != 1 else ''} in the last 3 weeks (to {day}): too few to tell "
                        "whether anything moved. **Latent needs → Emerging issues** and **Product feedback** compare a "
                        "longer window.")
    rated = figures.get("average_rating") is not None and not pd.isna(figures.get("average_rating"))
    held = ("the average rating" + (f" and every {by}'s rating" if by else "") + " and ") if rated else ""
    return "success", (f"Nothing moved beyond chance in the last 3 weeks ({n:,} reviews, to {day}): {held}the share "
                       "of complaints about each theme and of asks for each feature held.")


def recent_scope(filters, last, window_days: int, by: str | None = None, value: str | None = None):
    """``filters`` narrowed to the recent window that ends on ``last``'s day (as the tests of emerging issues and of
    products losing stars count it) and, with ``by``, to one product or category: the quotes of a flagged theme or
    product (Store.theme_snippets), on the page and in the stored views (core.views.default_calls)."""
    from dataclasses import replace
    from datetime import date

    start = max((pd.Timestamp(last).normalize() - pd.Timedelta(days=window_days - 1)).date(),
                filters.date_from or date.min)
    narrowed = {} if by is None else {"products" if by == "product" else "categories": (value,)}
    return replace(filters, date_from=start, **narrowed)


def fall_alert(row, by: str = "product", window_days: int = 21, see: str = " See **Product feedback**.") -> dict:
    """One product's (or category's) fall in stars as an alert (a row of core.latent.rating_falls); ``see`` ends
    its text."""
    last = "the last 3 weeks" if window_days == 21 else f"the last {window_days} days"
    text = (f"{by.capitalize()} losing stars — **{row.value}**: {row.recent_avg:.2f} ★ in {last} against "
            f"{row.before_avg:.2f} ★ before ({row.change:+.2f}; 95% CI {row.ci_low:+.2f} to {row.ci_high:+.2f}; "
            f"{row.n_recent:,} and {row.n_before:,} rated reviews, p = {row.p_value:.1e}).")
    if row.theme:
        text += (f" Its complaints that grew most: **{row.theme}** ({row.theme_recent} of its {row.complaints_recent} "
                 f"complaints in the window; {row.theme_earlier_share:.0%} before).")
    return {"kind": "product", "subject": row.value, "by": by, "before_avg": float(row.before_avg),
            "recent_avg": float(row.recent_avg), "change": float(row.change), "ci_low": float(row.ci_low),
            "ci_high": float(row.ci_high), "n_recent": int(row.n_recent), "n_before": int(row.n_before),
            "p_value": float(row.p_value), "theme": row.theme or None, "text": text + see}


def pick_period(first: pd.Timestamp | None, last: pd.Timestamp | None) -> str:
    """Weekly buckets for up to ~1.5 years of data, monthly beyond."""
    if first is None or last is None or pd.isna(first) or pd.isna(last):
        return "week"
    return "week" if (last - first).days <= 550 else "month"


SERVED_UNKNOWN = ("The search file has no result counts, clicks, relevance or conversion, and no product titles, so how "
                  "well searches were served cannot be told.")


def served_scores(result_count: pd.Series, clicked: pd.Series, relevance: pd.Series,
                  title_match: pd.Series) -> pd.Series:
    """How well each search was served, 0-1: a search that returned nothing scores 0; otherwise the mean of what the
    log says about it: clicked (1 or 0, where the file has clicks), its relevance scaled to the file's own range
    (a human grade, a conversion flag) and how closely the title of the product it led to matches the query (cosine,
    clipped at 0). A search whose only known fact is that it returned something scores 1; one the log says nothing
    about is NaN."""
    count = pd.to_numeric(result_count, errors="coerce")
    relevance = pd.to_numeric(relevance, errors="coerce")
    low, high = relevance.min(), relevance.max()
    parts = pd.DataFrame({
        "clicked": clicked.map(lambda v: np.nan if v is None or v != v else float(v != "")),  # v != v: NaN
        "relevance": (relevance - low) / (high - low) if pd.notna(low) and high > low else np.nan,
        "match": pd.to_numeric(title_match, errors="coerce").clip(lower=0.0, upper=1.0),
    }, index=result_count.index)
    served = parts.mean(axis=1, skipna=True)
    served = served.where(parts.notna().any(axis=1), np.where(count > 0, 1.0, np.nan))
    return served.where(~(count == 0), 0.0).astype("float64")


def searches_dated(top_queries: pd.DataFrame) -> bool:
    """Whether the searches of Store.top_queries carry dates (undated ones count in neither window)."""
    windows = top_queries[["recent_per_day", "earlier_per_day"]].fillna(0) if len(top_queries) else None
    return windows is not None and bool((windows.to_numpy() > 0).any())


def unmet_intents(intents: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """The search intents with the most unmet searches (Store.intent_table), those with any: the Overview's pointer to
    demand the shop does not serve."""
    if intents.empty or "unmet_searches" not in intents:
        return intents.head(0)
    found = intents[intents["unmet_searches"].fillna(0) >= 1]
    return found.sort_values("unmet_searches", ascending=False, kind="stable").head(top)


def said_and_searched(types: pd.DataFrame, searched: pd.DataFrame, other: str = "other") -> pd.DataFrame:
    """Each need type's share of review mentions (Store.need_type_table) beside its share of searches
    (Store.search_need_types) and how well those searches were served: a need searched for far more than it is
    talked about, and poorly served, is demand the reviews do not show. Shares are of all mentions and all searches;
    ``other`` is left out."""
    said = types[types["need_type"] != other].assign(mention_share=types["snippets"] / max(types["snippets"].sum(), 1))
    out = said[["need_type", "mention_share", "negative_share"]].merge(
        searched[["need_type", "share", "searches", "served"]].rename(columns={"share": "search_share"}),
        on="need_type", how="outer")
    out["search_share"] = out["search_share"].fillna(0.0)
    out["mention_share"] = out["mention_share"].fillna(0.0)
    out["searches"] = out["searches"].fillna(0).astype(int)
    out["searched_vs_said"] = out["search_share"] / out["mention_share"].where(out["mention_share"] > 0)
    return out.sort_values(["search_share", "mention_share"], ascending=False, kind="stable").reset_index(drop=True)
