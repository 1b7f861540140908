import io
import re

import openpyxl
import pandas as pd

from core.export import neutralise_cell, table_csv, table_xlsx

PAYLOADS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "{=A1}", "＝1+1",
            "=DDE(\"cmd\";\"/C calc\";\"!A0\")", "-cmd|' /C powershell'!A0", "=HYPERLINK(\"http://evil\",\"x\")",
            "@SUM(1+9)*cmd|' /C calc'!A0", "{=SUM(A1:A3)}"]


def test_formula_payloads_are_neutralised_and_numbers_stay_numbers():
    frame = pd.DataFrame({"text": PAYLOADS, "score": [-0.5] * len(PAYLOADS)})
    book = openpyxl.load_workbook(io.BytesIO(table_xlsx(frame)))
    sheet = book.active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert sum(c.data_type == "f" for c in cells) == 0
    # XML stores a bare CR escaped (_x000D_, which Excel reads back as CR; openpyxl leaves it as is) or as LF; what
    # matters is the leading quote that makes every cell text.
    cells = [sheet.cell(r, 1).value.replace("_x000D_", "\r").replace("\r", "\n") for r in range(2, len(PAYLOADS) + 2)]
    assert cells == ["'" + p.replace("\r", "\n") for p in PAYLOADS]
    assert all(sheet.cell(r, 2).value == -0.5 for r in range(2, len(PAYLOADS) + 2))


def test_csv_cells_are_neutralised_and_utf8_bom_for_excel():
    data = table_csv(pd.DataFrame({"text": ["=HYPERLINK(\"x\")", "性价比高"], "n": [-3, 4]}))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "性价比高" in text and "-3" in text and "'-3" not in text


def test_plain_text_is_untouched():
    assert neutralise_cell("runs small") == "runs small" and neutralise_cell(-1) == -1


def test_end_to_end_xlsx_and_csv_exports_of_formula_reviews_have_no_formula(tmp_path, settings, fake_models):
    from core.__main__ import main
    from core.pipeline import Pipeline, Source
    from core.store import Store

    rows = [{"review_id": f"r{i}", "title": p, "product": p, "category": p, "rating": 1 + i % 5,
             "review_text": p + " runs small"} for i, p in enumerate(PAYLOADS)]
    source = tmp_path / "formulas.csv"
    pd.DataFrame(rows).to_csv(source, index=False)
    store = Store(settings.db_path)
    Pipeline(settings, store, **fake_models).run(Source("formulas.csv", path=source))
    store.close()
    for what in ("reviews", "themes", "requests"):
        out = tmp_path / f"{what}.xlsx"
        assert main(["export", "--db", str(settings.db_path), "--what", what, "--out", str(out)]) == 0
        sheet = openpyxl.load_workbook(out).active
        cells = [c for row in sheet.iter_rows() for c in row]
        assert sum(c.data_type == "f" for c in cells) == 0, what
        if what == "reviews":
            header = [c.value for c in next(sheet.iter_rows(max_row=1))]
            ratings = [r[header.index("rating")].value for r in sheet.iter_rows(min_row=2)]
            assert all(isinstance(v, (int, float)) for v in ratings)  # real numbers stay numbers
    out = tmp_path / "reviews.csv"
    assert main(["export", "--db", str(settings.db_path), "--what", "reviews", "--out", str(out)]) == 0
    frame = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    for column in ("text", "title", "product", "category"):
        assert not frame[column].str.match(r"^\s*[=+\-@\t\r{＝＋－＠]").any(), column


def test_xlsx_keeps_types_and_continues_on_a_new_sheet_past_excels_row_limit(monkeypatch):
    # Excel holds 1,048,576 rows a sheet; a bigger export continues on "<sheet> (2)" instead of failing.
    from core import export

    monkeypatch.setattr(export, "EXCEL_ROWS", 4)  # 3 data rows a sheet
    frame = pd.DataFrame({"text": ["a", "性价比", None, "d", "e"], "n": [1, 2.5, None, 4, 5],
                          "when": pd.to_datetime(["2026-01-02", None, "2026-01-04", "2026-01-05", "2026-01-06"]),
                          "flag": [True, False, True, False, True]})
    book = openpyxl.load_workbook(io.BytesIO(export.table_xlsx(frame, "Reviews")))
    assert book.sheetnames == ["Reviews", "Reviews (2)"]
    first, second = book["Reviews"], book["Reviews (2)"]
    assert [c.value for c in first[1]] == ["text", "n", "when", "flag"] == [c.value for c in second[1]]
    assert [c.value for c in first[2]][:2] == ["a", 1] and first.cell(3, 2).value == 2.5
    assert first.cell(4, 1).value is None and first.cell(3, 3).value is None  # blanks stay blank
    assert str(first.cell(2, 3).value).startswith("2026-01-02") and first.cell(2, 4).value is True
    assert [[c.value for c in row][:2] for row in second.iter_rows(min_row=2)] == [["d", 4], ["e", 5]]


def test_crowded_scatter_labels_keep_the_most_important_and_never_overlap():
    from core.charts import _place_labels

    frame = pd.DataFrame({"x": [0.10, 0.101, 0.50, 0.90], "y": [-0.5, -0.5, -0.5, -0.9],
                          "label": ["fit / sizing", "fabric pills", "colours", "zipper"], "lift": [0.02, 0.09, 0.01, 0.05]})
    shown = _place_labels(frame, "x", "y", "label", "lift", 600, 360, sides=("above",))["above"]
    # the two stacked points: only the bigger lift is labelled; points apart keep theirs
    assert shown.tolist() == ["", "fabric pills", "colours", "zipper"]


def test_a_driver_boxed_in_above_and_below_is_labelled_beside_its_point():
    # The demo's worst driver (sizing, -1.55 stars) had a neighbour's point above and a label below and went
    # unlabelled. Now a label may sit right (else left) of its point, never past the plot's edge; the y scale is
    # the one the labels were placed on.
    from core.charts import _place_labels, driver_scatter

    frame = pd.DataFrame({"theme": ["battery life / lasts week", "true size / perfect fit", "material feels cheap",
                                    "精细 / 材质 / 做工"],
                          "negative_share": [0.085, 0.027, 0.017, 0.017], "negative_effect": [-1.44, -1.55, -1.41, -1.68],
                          "lift_if_fixed": [0.12, 0.04, 0.05, 0.06], "explanation": [""] * 4})
    spec = driver_scatter(frame).to_dict()
    rows = {row["theme"][:4]: row for row in spec["datasets"].popitem()[1]}
    assert rows["mate"]["above"] and rows["精细 /"]["above"]  # both take the side they are first offered
    assert rows["true"]["right"] == "true size / perfect fit" and not rows["true"]["above"] + rows["true"]["below"]
    edge = pd.DataFrame({"x": [0.0], "y": [1.0], "label": ["on the axis"], "n": [1]})
    assert _place_labels(edge, "x", "y", "label", "n", 600, 100, sides=("left",))["left"].tolist() == [""]
    assert _place_labels(edge, "x", "y", "label", "n", 600, 100, sides=("right",))["right"].tolist() == ["on the axis"]
    # above a point on the axis, a label would be cut by it: it goes right when right is offered, else above
    sides = _place_labels(edge, "x", "y", "label", "n", 600, 100, sides=("above", "right"))
    assert sides["above"].tolist() == [""] and sides["right"].tolist() == ["on the axis"]
    assert _place_labels(edge, "x", "y", "label", "n", 600, 100, sides=("above",))["above"].tolist() == ["on the axis"]
    layers = spec["layer"]
    assert layers[0]["encoding"]["y"]["scale"] == {"domain": [-1.8, 0.0], "nice": False}
    assert {layer["mark"].get("align") for layer in layers[1:]} == {"center", "left", "right"}


def test_rating_drivers_draw_each_estimate_with_its_confidence_interval():
    from core.charts import driver_scatter
    from core.export import chart_svg

    frame = pd.DataFrame({"theme": ["sizing", "battery", "few ratings"], "negative_share": [0.04, 0.05, 0.01],
                          "negative_effect": [-1.5, -1.4, -0.6], "negative_ci_low": [-1.6, -1.5, -2.3],
                          "negative_ci_high": [-1.4, -1.3, None], "lift_if_fixed": [0.06, 0.07, 0.01],
                          "explanation": [""] * 3})
    spec = driver_scatter(frame).to_dict()
    bars, points = spec["layer"][0], spec["layer"][1]
    assert bars["mark"]["type"] == "rule" and points["mark"]["type"] == "circle"
    assert bars["encoding"]["y"]["field"] == "negative_ci_low" and bars["encoding"]["y2"]["field"] == "negative_ci_high"
    # the y scale holds every interval, not only the estimates (-1.5 .. 0 before); a half interval draws no bar
    assert points["encoding"]["y"]["scale"]["domain"] == [-1.6, 0.0]
    assert len(spec["datasets"][bars["data"]["name"]]) == 2
    assert "95% confidence interval" in spec["title"]["subtitle"]
    assert "<path" in chart_svg(driver_scatter(frame))
    # without intervals (an older stored view) the chart is as before
    plain = driver_scatter(frame.drop(columns=["negative_ci_low", "negative_ci_high"])).to_dict()
    assert plain["layer"][0]["mark"]["type"] == "circle" and "confidence" not in plain["title"]["subtitle"]


def test_a_chinese_label_takes_twice_the_room_of_as_many_latin_letters():
    from core.charts import _place_labels

    # 50 px apart at 600 px wide: 6 Latin letters (~37 px) fit beside each other, 6 CJK characters (~74 px) do not
    frame = pd.DataFrame({"x": [0.0, 50.0, 300.0, 350.0], "y": [1.0] * 4, "label": ["abcdef", "ghijkl", "质量很好耐用", "尺码偏小一号"],
                          "n": [4, 3, 2, 1]})
    shown = _place_labels(frame, "x", "y", "label", "n", 600, 100, x_domain=(0.0, 600.0), sides=("above",))["above"]
    assert shown.tolist() == ["abcdef", "ghijkl", "质量很好耐用", ""]


def test_theme_map_and_demand_chart_label_what_fits_biggest_first():
    from core.charts import demand_vs_satisfaction, theme_map

    def text(chart, side="above"):
        return [row[side] for row in chart.to_dict()["datasets"].popitem()[1]]

    # 20 themes on a spread grid: all labelled above (no more cap of 14); two on one spot: the bigger above, the
    # other below; a third on that spot only in its tooltip
    grid = pd.DataFrame({"x": [-0.9 + 0.45 * (i % 5) for i in range(20)], "y": [-0.9 + 0.6 * (i // 5) for i in range(20)],
                         "label": [f"need {i}" for i in range(20)], "snippets": list(range(100, 80, -1)),
                         "sentiment": [0.1] * 20, "negative_share": [0.2] * 20})
    assert all(text(theme_map(grid)))
    stacked = pd.concat([grid.head(3).assign(x=0.0, y=0.0), grid.iloc[5:7]], ignore_index=True)
    assert text(theme_map(stacked)) == ["need 0", "", "", "need 5", "need 6"]
    assert text(theme_map(stacked), "below") == ["", "need 1", "", "", ""]
    intents = pd.DataFrame({"label": ["earbuds", "wireless earbuds", "coffee maker"], "theme": ["battery"] * 3,
                            "searches": [340, 345, 920], "served": [0.66, 0.67, 0.44], "zero_result_share": [0.0] * 3,
                            "click_share": [0.5] * 3, "title_match": [None] * 3, "theme_sentiment": [0.1, None, 0.9]})
    assert text(demand_vs_satisfaction(intents)) == ["", "wireless earbuds", "coffee maker"]
    assert text(demand_vs_satisfaction(intents), "below") == ["earbuds", "", ""]
    spec = demand_vs_satisfaction(intents).to_dict()["layer"][0]["encoding"]
    assert spec["y"]["field"] == "served" and spec["color"]["field"] == "theme_sentiment"
    assert "Title match" not in [t.get("title") for t in spec["tooltip"]]  # no file said anything of titles
    # searches with no review themes to match: one colour, no sentiment legend of zeros
    alone = demand_vs_satisfaction(intents.assign(theme=None, theme_sentiment=None)).to_dict()["layer"][0]["encoding"]
    assert "field" not in alone["color"] and "Theme sentiment" not in [t.get("title") for t in alone["tooltip"]]


def test_theme_map_spans_both_languages_themes():
    # Chinese themes sit right of the English ones (x shifted by 2.6): a fixed [-1.3, 1.3] domain drew them over the
    # legend, outside the plot, on the bilingual demo workspace.
    from core.charts import theme_map

    def frame(xs):
        return pd.DataFrame({"x": xs, "y": [0.0] * len(xs), "label": [f"t{i}" for i in range(len(xs))],
                             "snippets": [10] * len(xs), "sentiment": [0.1] * len(xs), "negative_share": [0.2] * len(xs)})

    for xs, wider in (([-1.0, 0.2, 1.0], False), ([-1.0, 1.0, 1.6, 3.6], True), ([1.6, 2.4, 3.6], False)):
        spec = theme_map(frame(xs)).to_dict()
        low, high = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
        assert low < min(xs) and high > max(xs)
        assert (spec["width"] > 640) == wider
        # a map of one language spans that language only: Chinese hotel reviews' themes filled the right half alone
        assert high - low < 2.7 or wider
    with_lang = frame([1.6, 2.4, 3.6]).assign(lang="zh")
    assert theme_map(with_lang).to_dict()["layer"][0]["encoding"]["x"]["scale"]["domain"][0] > 1


def test_heatmap_cells_with_too_few_mentions_are_grey_not_red():
    # on 4,000 clothing reviews the two reddest cells of the product heatmap were one and two snippets
    from core.charts import facet_heatmap
    from core.export import chart_svg

    frame = pd.DataFrame({"value": ["1081", "1081", "936"], "theme": ["tops / design", "sizing", "sizing"],
                          "snippets": [1, 40, 12], "sentiment": [-0.9, -0.5, 0.6], "negative_share": [1.0, 0.7, 0.1]})
    svg = chart_svg(facet_heatmap(frame, "product"))
    cells = re.findall(r'<path aria-label="([^"]*)"[^>]*fill="([^"]+)"', svg)
    fills = {label.split("Theme: ")[1].split(";")[0] + " " + label.split("Product: ")[1].split(";")[0]: fill
             for label, fill in cells if "Theme: " in label}
    assert fills["tops / design 1081"] == "#e5e7eb"
    assert fills["sizing 1081"] != "#e5e7eb" and fills["sizing 936"] != "#e5e7eb"
    assert "fewer than 5 mentions" in svg
    # 936 never mentions "tops / design": a grey cell, not a blank one the caption does not explain
    assert fills["tops / design 936"] == "#e5e7eb"
    # rows run from the busiest product down, not as strings ("1081" before "936")
    with_busier = pd.concat([frame, pd.DataFrame({"value": ["936"], "theme": ["tops / design"], "snippets": [90],
                                                  "sentiment": [0.2], "negative_share": [0.1]})])
    assert facet_heatmap(with_busier, "product").to_dict()["encoding"]["y"]["sort"] == ["936", "1081"]
    # a product with no cell to judge is a row of grey that says nothing: left out, and counted in the caption
    quiet = pd.concat([frame, pd.DataFrame({"value": ["77", "78"], "theme": ["sizing", "sizing"], "snippets": [2, 4],
                                            "sentiment": [-0.9, 0.1], "negative_share": [1.0, 0.0]})])
    chart = facet_heatmap(quiet, "product").to_dict()
    assert chart["encoding"]["y"]["sort"] == ["1081", "936"]
    assert "2 products with no theme mentioned 5 times left out" in str(chart["title"])
    assert facet_heatmap(quiet[quiet["value"].isin(["77", "78"])], "category").to_dict()["encoding"]["y"]["sort"] == \
        ["78", "77"]  # nothing to judge anywhere: every row stays


def test_rating_distribution_names_each_row_with_its_number_of_reviews():
    # on Amazon fashion a bar half 1-star was four reviews; a share alone hides that
    from core.charts import rating_distribution
    from core.export import chart_svg

    frame = pd.DataFrame({"value": ["B0014F8TIU", "B0014F8TIU", "B001IKJOLW", "B001IKJOLW"], "rating": [1, 5, 1, 5],
                          "reviews": [2, 2, 3, 1200]})
    svg = chart_svg(rating_distribution(frame, "product"))
    assert "B001IKJOLW (1,203)" in svg and "B0014F8TIU (4)" in svg and "Product (reviews)" in svg
    assert svg.index("B001IKJOLW (1,203)") < svg.index("B0014F8TIU (4)")  # the most reviewed first


def test_two_themes_are_never_drawn_under_one_short_label():
    # Amazon fashion: two themes 'General praise (...)' were both labelled 'General praise' on the rating drivers, and
    # a nominal axis (the heatmap's columns) draws two values with one label as one
    from core.charts import driver_scatter, facet_heatmap
    from core.export import chart_svg

    themes = ["General praise (excellent / perfect)", "General praise (loves / recommend)"]
    frame = pd.DataFrame({"value": ["Nike Women's Flex Supreme TR 3 Cross Trainer",
                                    "Nike Women's Flex Supreme TR 4 Cross Trainer"], "theme": themes,
                          "snippets": [40, 12], "sentiment": [-0.5, 0.6], "negative_share": [0.7, 0.1]})
    encoded = facet_heatmap(frame, "product").to_dict()
    rows = encoded["encoding"]["y"]["sort"]
    assert len(set(rows)) == 2 and all(len(r) <= 28 for r in rows), rows
    svg = chart_svg(driver_scatter(pd.DataFrame({"theme": themes, "negative_effect": [-1.04, -1.10],
                                                 "negative_share": [0.11, 0.03], "lift_if_fixed": [0.11, 0.03],
                                                 "explanation": ["", ""]})))
    assert "General praise (excellent)" in svg and "General praise (loves)" in svg


def test_opportunity_chart_counts_growth_only_when_the_reviews_have_dates():
    from core import insights
    from core.charts import opportunity_bars

    themes = pd.DataFrame({"label": ["sizing", "fabric"], "share": [0.3, 0.2], "negative_share": [0.5, 0.4],
                           "reviews": [30, 20], "snippets": [30, 20], "avg_rating": [3.9, 4.1]})
    undated = opportunity_bars(insights.opportunities(themes)).to_dict()
    assert undated["encoding"]["x"]["title"] == "Opportunity score (share × negativity)"
    assert "no dates" in undated["title"]["subtitle"]
    dated = opportunity_bars(insights.opportunities(themes.assign(recent_share=[0.4, 0.2], prior_share=[0.2, 0.2])))
    assert dated.to_dict()["encoding"]["x"]["title"].endswith("× growth)")  # a table without complaint counts
    counted = themes.assign(recent_share=[0.4, 0.2], prior_share=[0.2, 0.2], recent_neg_n=[9, 4], recent_total=50,
                            prior_neg_n=[10, 8], prior_total=100)
    said = opportunity_bars(insights.opportunities(counted)).to_dict()
    assert said["encoding"]["x"]["title"].endswith("× complaint growth)")
    # a weight, not a claim: the needs listed need not be growing
    assert said["title"]["subtitle"] == "Needs that are frequent and negative, weighted by how fast their complaints grew lately"


def test_a_week_or_month_the_reviews_cover_in_part_is_drawn_lighter():
    # the demo's reviews end on a Wednesday: its last week's bar was half the height of the week before, a drop that
    # was not there
    from core.charts import partial_periods, sentiment_timeline

    weeks = pd.Series(pd.to_datetime(["2026-01-26", "2026-02-02", "2026-10-26"]).date)
    first, last = pd.Timestamp("2026-01-28 10:00"), pd.Timestamp("2026-10-28")
    assert partial_periods(weeks, "week", first, last).tolist() == [True, False, True]
    assert not partial_periods(weeks, "week", pd.Timestamp("2026-01-26"), pd.Timestamp("2026-11-01 23:00")).any()
    months = pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01"]).date)
    assert partial_periods(months, "month", pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-29")).tolist() == [False] * 2
    assert partial_periods(months, "month", pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-28")).tolist() == [False, True]
    frame = pd.DataFrame({"period": weeks, "sentiment": "positive", "reviews": [3, 50, 20], "rating": 4.0})
    spec = sentiment_timeline(frame, "week", first, last).to_dict()
    assert "lighter" in spec["title"]["subtitle"] and spec["encoding"]["opacity"]["scale"]["range"] == [1.0, 0.35]
    assert "lighter" not in sentiment_timeline(frame, "month").to_dict()["title"]["subtitle"]  # no dates given: none


def test_timeline_ticks_share_one_date_format():
    # Vega's default labelled one axis "February", "March", "Mar 29", "Apr 26"; the year shows once the data spans two
    from core.charts import sentiment_timeline

    frame = pd.DataFrame({"period": pd.to_datetime(["2026-02-02", "2026-03-30"]).date, "sentiment": "positive",
                          "reviews": [3, 5], "rating": 4.0})
    assert sentiment_timeline(frame, "week").to_dict()["encoding"]["x"]["axis"]["format"] == "%b %d"
    assert sentiment_timeline(frame, "month").to_dict()["encoding"]["x"]["axis"]["format"] == "%b %Y"
    spanning = frame.assign(period=pd.to_datetime(["2025-12-29", "2026-01-05"]).date)
    assert sentiment_timeline(spanning, "week").to_dict()["encoding"]["x"]["axis"]["format"] == "%b %d %Y"


def test_query_counts_tick_at_whole_numbers():
    from core.charts import query_bars

    frame = pd.DataFrame({"query": ["post", "chipper"], "searches": [3, 2], "click_share": [None] * 2,
                          "zero_result_share": [None] * 2})
    axis = query_bars(frame, "Top queries").to_dict()["encoding"]["x"]["axis"]
    assert axis["tickMinStep"] == 1 and axis["format"] == ",d"


def test_opportunity_map_draws_equal_opportunity_through_the_ranked_needs_and_exports():
    # the backlog's ranking drawn as outcome-driven innovation's opportunity landscape: importance (reviews) against
    # dissatisfaction (share negative); opportunity is proportional to their product, so needs of equal opportunity
    # lie on a curve y = c / x, drawn through the needs ranked 1, 5 and 10
    from core.charts import opportunity_map
    from core.export import chart_png, chart_svg

    volume = [489, 1217, 364, 415, 367, 388, 127, 797, 66, 188, 120]
    negative = [0.652, 0.197, 0.545, 0.401, 0.411, 0.363, 0.945, 0.084, 1.0, 0.308, 0.12]
    backlog = pd.DataFrame({"need": [f"need {i}" for i in range(11)], "need_type": ["fit/size", "price/value 性价比"] * 5
                            + ["other"], "volume": volume, "negative_share": negative,
                            "rating_impact": [-1.09, -0.79, float("nan")] + [-1.2] * 7 + [0.3],
                            "opportunity": [10 * v / 1217 * n for v, n in zip(volume, negative)]})
    backlog = backlog.sort_values("opportunity", ascending=False, ignore_index=True)
    spec = opportunity_map(backlog).to_dict()
    datasets = list(spec["datasets"].values())
    curves = next(rows for rows in datasets if "curve" in rows[0] and len(rows) > 3)
    for rank in (1, 5, 10):
        level = backlog["volume"][rank - 1] * backlog["negative_share"][rank - 1]
        on = [row for row in curves if row["curve"].startswith(f"#{rank}:")]
        assert on and all(abs(row["volume"] * row["negative_share"] - level) < 1e-6 * level for row in on)
        assert f"opportunity {backlog['opportunity'][rank - 1]:.1f}" in on[0]["curve"]
    points = next(rows for rows in datasets if "need" in rows[0])
    assert points[0]["above"] == "need 0" or points[0]["below"] == "need 0"  # the first opportunity is labelled
    stars = {row["need"]: row["stars"] for row in points}
    assert stars["need 0"] == 1.09 and stars["need 10"] == 0  # stars lost; a complaint with higher ratings loses none
    assert stars[backlog["need"][backlog["rating_impact"].isna()].item()] == 0  # no estimate: drawn, at the least size
    layers = spec["layer"]
    assert layers[2]["encoding"]["size"]["field"] == "stars" and layers[2]["encoding"]["color"]["field"] == "need_type"
    svg = chart_svg(opportunity_map(backlog))
    assert "Opportunity map" in svg and "#10" in svg and "Dissatisfaction" in svg
    assert chart_png(opportunity_map(backlog)).startswith(b"\x89PNG")
    # three needs: one curve; no rating impact at all: one size for every point
    few = opportunity_map(backlog.head(3).assign(rating_impact=float("nan"))).to_dict()
    assert {row["curve"][:2] for rows in few["datasets"].values() for row in rows if "curve" in row} == {"#1"}
    assert few["layer"][2]["encoding"]["size"] == {"value": 220}
