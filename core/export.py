"""Every export goes through here: tables to CSV/XLSX (formula injection neutralised), charts to PNG/SVG/HTML.

Spreadsheet formula injection: a text cell that starts with = + - @, a tab or a carriage return (or an array
formula ``{=``) is prefixed with a single quote, so Excel/LibreOffice show it as text. Numbers stay numbers.
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "{=", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise_cell(value: object) -> object:
    """Prefix a formula-looking string with a quote; leave every other value as it is."""
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (headers too) cannot run as formulas; list cells become '; '-joined text."""
    out = frame.copy()
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_flatten).map(neutralise_cell)
    return out


def _flatten(value: object) -> object:
    if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and not isinstance(value, str)):
        try:
            return "; ".join(map(str, list(value)))
        except TypeError:
            return value
    return value


def table_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM so Excel opens Chinese text correctly)."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")


def table_xlsx(frame: pd.DataFrame, sheet: str = "NeedLens") -> bytes:
    """XLSX bytes with every text cell written as a string (never a formula)."""
    buffer = io.BytesIO()
    safe = safe_frame(frame)
    for column in safe.columns:
        if pd.api.types.is_datetime64_any_dtype(safe[column]) and getattr(safe[column].dt, "tz", None) is not None:
            safe[column] = safe[column].dt.tz_localize(None)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet[:31])
        for row in writer.sheets[sheet[:31]].iter_rows():
            for cell in row:
                if cell.data_type == "f":  # belt and braces: nothing may be stored as a formula
                    cell.data_type = "s"
    return buffer.getvalue()


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table to .csv or .xlsx, chosen by the file's extension."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = table_xlsx(frame) if path.suffix.lower() == ".xlsx" else table_csv(frame)
    path.write_bytes(data)
    return path


def chart_png(chart, scale: float = 2.0) -> bytes:
    """PNG bytes of an Altair chart, rendered offline by vl-convert."""
    buffer = io.BytesIO()
    chart.save(buffer, format="png", scale_factor=scale)
    return buffer.getvalue()


def chart_svg(chart) -> str:
    """SVG text of an Altair chart, rendered offline by vl-convert."""
    buffer = io.StringIO()
    chart.save(buffer, format="svg")
    return buffer.getvalue()


def chart_html(chart) -> str:
    """Self-contained HTML of a chart: Vega libraries inlined, no CDN."""
    buffer = io.StringIO()
    chart.save(buffer, format="html", inline=True)
    return buffer.getvalue()
