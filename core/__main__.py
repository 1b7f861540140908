"""Command line over the same functions the dashboard uses: ``python -m core --help``.

Errors NeedLens raises on purpose exit with code 2 and one line naming the problem and the fix.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from .config import Settings
from .errors import InputError, NeedLensError
from .ingest import REVIEWS, SEARCHES

EXPORTS = ("reviews", "themes", "rejects", "backlog", "requests", "intents", "unmet-queries", "rating-change",
           "emerging", "rising-requests", "product-ratings", "category-ratings", "report")


def _progress_bar(stream=sys.stderr):
    """A one-line text progress bar: stage, percentage, counts and ETA."""
    state = {"stage": None}

    def draw(stage: str, done: int, total: int, eta: float | None) -> None:
        if state["stage"] not in (None, stage):
            stream.write("\n")
        state["stage"] = stage
        fraction = done / total if total else 0.0
        bar = "#" * int(fraction * 30)
        eta_text = f" ETA {eta:5.0f}s" if eta is not None and done < total else ""
        stream.write(f"\r{stage:<9} [{bar:<30}] {fraction:6.1%} {done}/{total}{eta_text}   ")
        stream.flush()

    return draw


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="NeedLens analysis engine")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each stage")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="analyse a review file (and optionally a search-query file)")
    run.add_argument("--reviews", type=Path, help="review file: CSV/TSV/XLSX/Parquet/JSONL")
    run.add_argument("--searches", type=Path, help="search-query file")
    run.add_argument("--db", type=Path, help="workspace file (default data/workspace.duckdb or NEEDLENS_DB)")
    for role in ("text", "title", "rating", "product", "category", "date", "user", "id"):
        run.add_argument(f"--{role}-col", dest=f"{role}_col", help=f"column holding the {role} (overrides inference)")
    run.add_argument("--query-col", help="column holding the search query")
    run.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")
    run.add_argument("--engine", choices=("local", "ray"), default="local",
                     help="ray: embedding and sentiment scoring as Ray Data map_batches on a cluster")
    run.add_argument("--ray-address", help="Ray cluster address (default: start a local Ray)")
    run.add_argument("--append-to", type=int, metavar="DATASET_ID",
                     help="add the file's new reviews to this analysed dataset, keeping its themes (no re-clustering)")
    run.add_argument("--replace", action="store_true",
                     help="a file whose name matches an analysed dataset of the same kind replaces it (a newer export "
                          "of the same file); without it a changed file is added as a dataset of its own")

    recluster = sub.add_parser("recluster", help="propose new themes for a dataset (preview), and apply them")
    recluster.add_argument("--db", type=Path)
    recluster.add_argument("--dataset", type=int, required=True)
    recluster.add_argument("--apply", action="store_true", help="write the proposal (PM renames/hides move along)")
    recluster.add_argument("--split", type=int, metavar="THEME_ID",
                           help="split only this theme into narrower ones (its id on the Need themes page)")
    recluster.add_argument("--into", type=int, metavar="K", help="with --split: how many (default: chosen by silhouette)")
    recluster.add_argument("--themes", type=int, metavar="K",
                           help="without --split: how many themes per language (default: chosen by silhouette)")

    summary = sub.add_parser("summary", help="headline figures of a workspace")
    summary.add_argument("--db", type=Path)
    summary.add_argument("--json", action="store_true", help="print one JSON object")

    export = sub.add_parser("export", help="write a table of the workspace to CSV/XLSX")
    export.add_argument("--db", type=Path)
    export.add_argument("--what", choices=EXPORTS, required=True)
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--dataset", type=int, help="dataset id (default: all review datasets)")
    export.add_argument("--window", type=int, default=21,
                        help="rating-change, emerging, rising-requests, product-ratings, category-ratings: the last "
                             "this many days against all before them (default 21)")

    check = sub.add_parser("check", help="read and validate a file without analysing it (counts, rejects, mapping)")
    check.add_argument("file", type=Path)
    check.add_argument("--kind", choices=("reviews", "searches"), default="reviews")
    check.add_argument("--text-col", dest="text_col")
    check.add_argument("--query-col", dest="query_col")

    calibrate = sub.add_parser("calibrate", help="check sentiment against star ratings and adapt it to them")
    calibrate.add_argument("--db", type=Path)
    calibrate.add_argument("--dataset", type=int, help="dataset id (default: every review dataset with ratings)")
    calibrate.add_argument("--check-only", action="store_true", help="report the cross-validated gain, change nothing")
    calibrate.add_argument("--undo", action="store_true", help="go back to the bundled sentiment")

    backup = sub.add_parser("backup", help="export the workspace to a new folder (schema + Parquet)")
    backup.add_argument("--db", type=Path)
    backup.add_argument("--out", type=Path, required=True)
    restore = sub.add_parser("restore", help="create a new workspace file from a backup folder")
    restore.add_argument("--backup", type=Path, required=True)
    restore.add_argument("--db", type=Path, required=True, help="the new workspace file (must not exist)")

    aspect = sub.add_parser("aspect", help="what customers say about one term: polarity towards it, with quotes")
    aspect.add_argument("term", help="a word or phrase, e.g. 'battery life' or 尺码")
    aspect.add_argument("--db", type=Path)
    aspect.add_argument("--dataset", type=int, help="dataset id (default: all review datasets)")
    aspect.add_argument("--limit", type=int, default=1500, help="label at most this many mentions (most recent first)")
    aspect.add_argument("--out", type=Path, help="also write every labelled mention to CSV/XLSX")

    rec = sub.add_parser("recommend-eval", help="evaluate every recommender offline on an interactions file")
    rec.add_argument("--interactions", type=Path, required=True, help="user-item file (CSV/TSV/XLSX/Parquet/JSONL)")
    for role in ("user", "item", "rating", "time"):
        rec.add_argument(f"--{role}-col", dest=f"{role}_col", help=f"column holding the {role}")
    rec.add_argument("--db", type=Path, help="workspace whose review themes give items their aspects (optional)")
    rec.add_argument("--test-fraction", type=float, default=0.2)
    rec.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from .pipeline import Source, analyse

    if not args.reviews and not args.searches:
        raise InputError("nothing to analyse; pass --reviews FILE and/or --searches FILE")
    review_overrides = {role: getattr(args, f"{role}_col") for role in
                        ("text", "title", "rating", "product", "category", "date", "user", "id")}
    search_overrides = {"query": args.query_col, "date": args.date_col, "user": args.user_col}
    for path in (args.reviews, args.searches):
        if path is not None and not path.exists():
            raise InputError(f"file not found: {path}; check the path")
    reviews = Source(args.reviews.name, REVIEWS, path=args.reviews, overrides=review_overrides) if args.reviews else None
    searches = Source(args.searches.name, SEARCHES, path=args.searches, overrides=search_overrides) if args.searches else None
    if args.replace and args.append_to is not None:
        raise InputError("--append-to adds to a dataset and --replace replaces one; pass one of them")
    superseded = _same_name_datasets(settings, [reviews, searches]) if args.replace else []
    started = time.perf_counter()
    if args.append_to is not None:
        if reviews is None or searches is not None:
            raise InputError("--append-to takes one --reviews file")
        from .pipeline import Pipeline
        from .store import Store

        store = Store(settings.db_path)
        try:
            report = Pipeline(settings, store, None if args.no_progress else _progress_bar()).append(args.append_to, reviews)
        finally:
            store.close()
    elif args.engine == "ray":
        from .distributed import analyse_on_ray

        if reviews is None:
            raise InputError("--engine ray analyses a --reviews file")
        report = analyse_on_ray(settings, reviews, searches, None if args.no_progress else _progress_bar(), args.ray_address)
    else:
        report = analyse(settings, reviews, searches, progress=None if args.no_progress else _progress_bar())
    _delete_datasets(settings, [d for d in superseded if d not in report.dataset_ids])
    sys.stderr.write("\n")
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in report.stage_seconds.items())
    print(f"run {report.run_id} done in {time.perf_counter() - started:.1f}s ({stages}); "
          f"embedding cache: {report.embed_cache_hits} reused, {report.embed_cache_misses} new")
    _store_views(settings)
    return 0


def _same_name_datasets(settings: Settings, sources) -> list[int]:
    """Datasets named like one of the sources, of its kind: what `run --replace` supersedes."""
    from .store import Store

    if not settings.db_path.exists():
        return []
    store = Store(settings.db_path, read_only=True)
    try:
        datasets = store.datasets()
    finally:
        store.close()
    wanted = {(source.name, source.kind) for source in sources if source is not None}
    return [int(row.dataset_id) for row in datasets.itertuples() if (row.name, row.kind) in wanted]


def _delete_datasets(settings: Settings, dataset_ids: list[int]) -> None:
    """Deleted only after the new analysis committed: a crash in between leaves both datasets, never neither."""
    from .store import Store

    if not dataset_ids:
        return
    store = Store(settings.db_path)
    try:
        for dataset_id in dataset_ids:
            store.delete_dataset(dataset_id)
            print(f"replaced dataset {dataset_id}", file=sys.stderr)
    finally:
        store.close()


def _store_views(settings: Settings, store=None) -> None:
    """After a commit: store the dashboard's unfiltered views, so the app's first page views read them."""
    from . import views
    from .store import Store

    own = store is None
    store = store or Store(settings.db_path)
    try:
        started = time.perf_counter()
        stored = views.materialize(store)
        print(f"dashboard views: {len(stored)} stored in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    finally:
        if own:
            store.close()


def _open_existing(settings: Settings):
    from .store import Store

    if not settings.db_path.exists():
        raise InputError(f"no workspace at {settings.db_path}; run 'python -m core run --reviews FILE' first")
    return Store(settings.db_path)


def cmd_summary(args: argparse.Namespace, settings: Settings) -> int:
    from . import insights, latent
    from .calibrate import agreement_by_dataset
    from .ingest import CUT_MARK

    store = _open_existing(settings)
    try:
        summary = store.summary()
        summary["star_agreement"] = agreement_by_dataset(store)
        reviews = store.datasets().query("kind == 'reviews'")["dataset_id"]
        cut = {int(d): store.cut_reviews(int(d), CUT_MARK) for d in reviews}  # reviews the file cut at a length limit
        summary["cut_reviews"] = {d: n for d, n in cut.items() if n}
        # what the Overview flags for the last 3 weeks: a digest a scheduled job can mail (text without the Markdown)
        by = "product" if not store.facet_values("product").empty else "category"  # as the Overview chooses
        summary["alerts"] = [{**alert, "text": alert["text"].replace("**", "")} for alert in insights.alerts(
            latent.rating_shift(store), latent.emerging_issues(store), latent.rising_requests(store),
            settings.privacy_k, latent.rating_falls(store, by=by), by)]
    finally:
        store.close()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        for key, value in summary.items():
            if key != "alerts":
                print(f"{key:>16}: {value}")
        for alert in summary["alerts"]:
            print(f"{'alert':>16}: {alert['text']}")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from .export import write_table
    from .privacy import suppress

    from . import latent
    from .needs import backlog_markdown

    store = _open_existing(settings)
    try:
        ids = [args.dataset] if args.dataset else None
        if args.what == "report":
            from .filters import Filters
            from .report import build_report

            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(build_report(store, Filters(dataset_ids=tuple(ids or ())), privacy_k=settings.privacy_k),
                                encoding="utf-8")
            print(f"wrote the HTML report to {args.out}")
            return 0
        if args.what == "reviews":
            frame = store.export_reviews(ids)
        elif args.what == "themes":
            frame = store.theme_table(ids).drop(columns=["x", "y", "centroid"], errors="ignore")
        elif args.what == "backlog":
            frame = latent.backlog(store)
        elif args.what == "requests":
            frame = latent.feature_requests(store)
        elif args.what == "intents":  # search intents: demand, served, unmet searches, need type, matched theme
            frame = store.intent_table().drop(columns=["keywords"], errors="ignore")
        elif args.what == "rating-change":  # what moved the average rating: each theme's part, the periods' figures
            from .filters import Filters

            frame = latent.rating_change(store, Filters(dataset_ids=tuple(ids or ())), args.window)
            if frame.empty:
                raise InputError(f"no rating change to split: both periods (the last {args.window} days and the days "
                                 f"before) need at least {latent.DRIVER_MIN_RATED} rated, dated reviews")
        elif args.what in ("emerging", "rising-requests"):  # complaint themes or requests rising in the window
            from .filters import Filters

            rising = latent.emerging_issues if args.what == "emerging" else latent.rising_requests
            frame = rising(store, Filters(dataset_ids=tuple(ids or ())), args.window)
        elif args.what in ("product-ratings", "category-ratings"):  # each one's average rating, recent vs before
            from .filters import Filters

            frame = latent.rating_falls(store, Filters(dataset_ids=tuple(ids or ())), args.what.split("-")[0],
                                        args.window)
        elif args.what == "unmet-queries":
            frame = store.unmet_queries(limit=1_000_000)
        else:
            frame = store.query_df("SELECT dataset_id, row_no, reason, raw FROM rejects ORDER BY dataset_id, row_no")
    finally:
        store.close()
    frame = suppress(frame, settings.privacy_k)
    if args.what == "backlog" and args.out.suffix.lower() in (".md", ".markdown"):
        args.out.write_text(backlog_markdown(frame), encoding="utf-8")
        print(f"wrote {len(frame)} needs to {args.out}")
        return 0
    write_table(frame, args.out)
    print(f"wrote {len(frame)} rows to {args.out}")
    return 0


def cmd_aspect(args: argparse.Namespace, settings: Settings) -> int:
    from .aspects import aspect_lens
    from .export import write_table

    store = _open_existing(settings)
    try:
        try:
            result = aspect_lens(store, args.term, [args.dataset] if args.dataset else None, limit=args.limit)
        except ValueError as exc:
            raise InputError(str(exc)) from exc
    finally:
        store.close()
    counts = result.counts()
    print(json.dumps({"term": result.term, "mentions": result.total, "labelled": len(result.snippets),
                      "by": result.snippets.source.value_counts().to_dict(),
                      **{row.sentiment: int(row.mentions) for row in counts.itertuples()}}, ensure_ascii=False))
    if args.out:
        write_table(result.snippets.drop(columns=["dataset_id", "snippet_id"]), args.out)
        print(f"wrote {len(result.snippets)} mentions to {args.out}")
    return 0


def cmd_recommend_eval(args: argparse.Namespace, settings: Settings) -> int:
    from .lab import evaluate_file

    overrides = {"user": args.user_col, "item": args.item_col, "rating": args.rating_col, "date": args.time_col}
    workspace = None
    if args.db is not None:
        workspace = _open_existing(settings)
    try:
        result = evaluate_file(args.interactions, overrides, args.test_fraction, workspace)
    finally:
        if workspace is not None:
            workspace.close()
    if args.json:
        print(json.dumps(result))
    else:
        print(f"split: {result['split']}")
        for name, metrics in result["models"].items():
            print(f"{name:>12}: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_existing(settings)
    try:
        out = store.backup(args.out)
    finally:
        store.close()
    print(f"backed up {settings.db_path} to {out}")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from .ingest import load_file

    overrides = {"text": args.text_col} if args.kind == REVIEWS else {"query": args.query_col}
    loaded = load_file(args.file, args.kind, overrides, settings.max_upload_mb * 1024 * 1024)
    reasons = loaded.rejects["reason"].str.replace(r"\d+", "N", regex=True).value_counts().head(5).to_dict() \
        if not loaded.rejects.empty else {}
    print(json.dumps({"file": args.file.name, "format": loaded.file_format, "encoding": loaded.encoding,
                      "input_rows": loaded.input_rows, "loaded": len(loaded.rows), "rejected": len(loaded.rejects),
                      "columns": loaded.column_map, "reject_reasons": reasons}, ensure_ascii=False))
    return 0


def cmd_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    from .calibrate import agreement_by_dataset, calibrate_dataset, undo_calibration

    store = _open_existing(settings)
    try:
        ids = [args.dataset] if args.dataset is not None else list(agreement_by_dataset(store))
        if not ids:
            raise InputError("no review dataset with enough star ratings in this workspace")
        for dataset_id in ids:
            if args.undo:
                undo_calibration(store, dataset_id, settings.sentiment.neutral_band)
                print(json.dumps({"dataset_id": dataset_id, "undone": True}))
                continue
            result = calibrate_dataset(store, dataset_id, settings.sentiment.neutral_band, apply=not args.check_only)
            print(json.dumps(result, ensure_ascii=False, default=str))
        _store_views(settings, store)
    finally:
        store.close()
    return 0


def cmd_recluster(args: argparse.Namespace, settings: Settings) -> int:
    from . import recluster
    from .pipeline import Pipeline

    store = _open_existing(settings)
    try:
        pipeline = Pipeline(settings, store)
        if args.split is not None:  # one theme into narrower ones
            proposal = recluster.split(pipeline, args.dataset, args.split, args.into)
            head = f"'{proposal.label}' -> {len(proposal.comparison)} sub-themes"
            write, done = recluster.apply_split, "the sub-themes replace the theme; every other theme and edit is as it was"
        else:
            proposal = recluster.preview(pipeline, args.dataset, args.themes)
            head = "\n".join([f"{len(proposal.themes)} proposed themes; agreement with the current themes (ARI) "
                               f"{proposal.agreement:.2f}", *map(recluster.count_sentence, proposal.counts)])
            write, done = recluster.apply, "themes replaced; renames and hides moved to the proposed themes that took their snippets"
        print(head)
        print(proposal.comparison.to_string(index=False))
        if args.apply:
            write(store, proposal)
            print(f"applied: {done}")
            _store_views(settings, store)
        else:
            print("preview only; add --apply to write it")
    finally:
        store.close()
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from .store import Store

    Store.restore(args.backup, args.db).close()
    print(f"restored {args.backup} into {args.db}")
    return 0


COMMANDS = {"aspect": cmd_aspect, "recluster": cmd_recluster, "check": cmd_check, "calibrate": cmd_calibrate, "backup": cmd_backup, "restore": cmd_restore, "run": cmd_run, "summary": cmd_summary, "export": cmd_export, "recommend-eval": cmd_recommend_eval}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(message)s")
    settings = Settings.from_env().with_db(getattr(args, "db", None))
    try:
        return COMMANDS[args.command](args, settings)
    except NeedLensError as exc:
        sys.stderr.write(f"\nerror: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted; the workspace keeps its previous analysis\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
