import io

import openpyxl
import pandas as pd

from core.export import neutralise_cell, table_csv, table_xlsx

PAYLOADS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "{=A1}", "＝1+1"]


def test_formula_payloads_are_neutralised_and_numbers_stay_numbers():
    frame = pd.DataFrame({"text": PAYLOADS, "score": [-0.5] * len(PAYLOADS)})
    book = openpyxl.load_workbook(io.BytesIO(table_xlsx(frame)))
    sheet = book.active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert sum(c.data_type == "f" for c in cells) == 0
    # XML stores a bare CR as LF; what matters is the leading quote that makes every cell text.
    assert [sheet.cell(r, 1).value for r in range(2, len(PAYLOADS) + 2)] == ["'" + p.replace("\r", "\n") for p in PAYLOADS]
    assert all(sheet.cell(r, 2).value == -0.5 for r in range(2, len(PAYLOADS) + 2))


def test_csv_cells_are_neutralised_and_utf8_bom_for_excel():
    data = table_csv(pd.DataFrame({"text": ["=HYPERLINK(\"x\")", "性价比高"], "n": [-3, 4]}))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "性价比高" in text and "-3" in text and "'-3" not in text


def test_plain_text_is_untouched():
    assert neutralise_cell("runs small") == "runs small" and neutralise_cell(-1) == -1
