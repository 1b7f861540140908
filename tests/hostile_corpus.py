"""A generated corpus of hostile input files (issue 7): nothing opaque is committed, everything comes from this code.

``make_corpus(folder)`` writes 250+ files and returns {path: expectation}; expectation is ``"rows"`` when the rows
can be counted (the CLI must exit 0 with input = loaded + rejected, or 2 with a message), ``"refuse"`` when the file
must be refused with exit code 2 (bombs, over the size limit, empty) and ``"any"`` when either a clean load or a
clean refusal is right (random bytes, truncated binaries). Counting rows in a file that the reader itself defines is
circular, so for files whose row count is known by construction the expectation is ``("rows", n)``.
"""
from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from pathlib import Path

EN = ["Love the colour but it runs small.", "Fabric pilled after one wash, disappointed.", "Great value for the price!",
      "Arrived damaged; the box was crushed.", "Soft, warm and true to size.", "Zipper broke on day two, returning it."]
ZH = ["质量很好，就是物流太慢了。", "尺码偏小，建议买大一码。", "性价比很高，物超所值！", "包装破损，东西压坏了。"]
ZH_TRAD = ["質量很好，就是物流太慢了。", "尺碼偏小，建議買大一碼。", "性價比很高，物超所值！"]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y%m%d", "%d %b %Y", "%b %d, %Y",
                "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y年%m月%d日", "epoch"]


def _rows(n: int, texts: list[str], seed: int = 0) -> list[list[str]]:
    rng = random.Random(seed)
    return [[f"{i:05d}", f"P{rng.randint(1, 9)}", texts[i % len(texts)], str(rng.randint(1, 5)),
             f"2026-0{1 + i % 9}-1{i % 9}"] for i in range(n)]


HEADER = ["review_id", "product", "review_text", "rating", "date"]


def _csv_text(rows: list[list[str]], delimiter: str = ",", header: list[str] = HEADER) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _xlsx_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    """An .xlsx whose sheet XML inflates from ~1 MB to ~1 GB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        chunk = b"<row>" + b"0" * (1 << 20) + b"</row>"
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            for _ in range(1024):
                handle.write(chunk)
    return buffer.getvalue()


def _billion_laughs() -> bytes:
    """A well-formed .xlsx whose shared strings use nested entity expansion (billion laughs)."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    good = _xlsx_bytes(_rows(3, EN))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                data = data.replace(b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>",
                                    b"<?xml version=\"1.0\"?><!DOCTYPE lolz [" + entities.encode() + b"]>")
                data = data.replace(b"<sheetData>", b"<sheetData>&lol9;", 1)
            target.writestr(info, data)
    return out.getvalue()


def make_corpus(folder: Path, seed: int = 7) -> dict[Path, object]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    files: dict[Path, object] = {}

    def put(name: str, data: bytes | str, expect: object, encoding: str = "utf-8") -> None:
        path = folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
        files[path] = expect

    mixed = _rows(10, EN + ZH)
    # 1. every encoding x every delimiter (9 x 4 = 36)
    for delimiter, dname in ((",", "comma"), ("\t", "tab"), (";", "semicolon"), ("|", "pipe")):
        text_mixed, text_en, text_trad = (_csv_text(_rows(10, t), delimiter) for t in (EN + ZH, EN, EN + ZH_TRAD))
        put(f"utf8_{dname}.csv", text_mixed, ("rows", 10))
        put(f"utf8bom_{dname}.csv", "\ufeff" + text_mixed, ("rows", 10))
        put(f"utf16le_bom_{dname}.csv", b"\xff\xfe" + text_mixed.encode("utf-16-le"), ("rows", 10))
        put(f"utf16be_bom_{dname}.csv", b"\xfe\xff" + text_mixed.encode("utf-16-be"), ("rows", 10))
        put(f"utf16le_nobom_{dname}.csv", text_mixed.encode("utf-16-le"), ("rows", 10))
        put(f"gb18030_{dname}.csv", text_mixed.encode("gb18030"), ("rows", 10))
        put(f"big5_{dname}.csv", text_trad.encode("big5"), ("rows", 10))
        put(f"latin1_{dname}.csv", text_en.replace("colour", "colour café").encode("latin-1"), ("rows", 10))
        half = _csv_text(_rows(10, EN + ZH), delimiter).split("\r\n")
        put(f"mixed_encodings_{dname}.csv", "\r\n".join(half[:6]).encode("utf-8") + b"\r\n"
            + "\r\n".join(half[6:]).encode("gb18030"), "any")
    # 2. every format
    put("reviews.tsv", _csv_text(mixed, "\t"), ("rows", 10))
    put("reviews.xlsx", _xlsx_bytes(mixed), ("rows", 10))
    put("reviews.jsonl", "\n".join(json.dumps(dict(zip(HEADER, r)), ensure_ascii=False) for r in mixed), ("rows", 10))
    try:
        import pandas as pd

        buffer = io.BytesIO()
        pd.DataFrame(mixed, columns=HEADER).to_parquet(buffer)
        put("reviews.parquet", buffer.getvalue(), ("rows", 10))
    except ImportError:  # pragma: no cover
        pass
    put("reviews.txt", _csv_text(mixed, "|"), ("rows", 10))
    # 3. structural damage
    quoted = _csv_text([["1", "P1", "line one\nline two, with comma", "5", "2026-01-01"],
                        ["2", "P2", 'she said ""wow""\r\nthen left', "4", "2026-01-02"]] + _rows(3, EN))
    put("quoted_newlines.csv", quoted, ("rows", 5))
    for k in range(5):
        lines = _csv_text(_rows(12, EN, k)).split("\r\n")
        lines[3 + k] += ",extra,fields"
        lines[5 + k] = lines[5 + k].rsplit(",", 2)[0]
        put(f"ragged_{k}.csv", "\r\n".join(lines), ("rows", 12))
    for k in range(4):
        text = _csv_text(_rows(10, EN, k))
        cut = len(text) // 3 * (k % 3 + 1)
        put(f"nul_bytes_{k}.csv", text[:cut] + "\x00" * (k + 1) + text[cut:], "any")
    put("five_mb_field.csv", _csv_text([["1", "P1", "long " * 1_100_000, "5", "2026-01-01"]] + _rows(3, EN)), ("rows", 4))
    wide_header = HEADER + [f"extra_{i}" for i in range(3000)]
    put("three_thousand_columns.csv", _csv_text([r + ["x"] * 3000 for r in _rows(5, EN)], header=wide_header), ("rows", 5))
    put("empty.csv", b"", "refuse")
    put("only_whitespace.csv", "   \n\n  \n", "refuse")
    put("header_only.csv", ",".join(HEADER) + "\r\n", "refuse")
    put("duplicate_headers.csv", _csv_text(_rows(6, EN), header=["id", "text", "text", "rating", "rating"]), ("rows", 6))
    put("blank_headers.csv", _csv_text(_rows(6, EN), header=["", "", "review_text", "", ""]), ("rows", 6))
    put("no_header_numbers_only.csv", "\r\n".join(f"{i},{i * 3},{i * 7}" for i in range(20)), "any")
    put("numbers_only_text_column.csv", _csv_text([[str(i), "P1", str(10 ** 12 + i), "5", "2026-01-01"] for i in range(8)]),
        ("rows", 8))
    put("bidi_zero_width_headers.csv", _csv_text(_rows(5, EN), header=["\u202ereview_id", "pro\u200bduct", "review_text\u200d",
                                                                       "rating", "date"]), ("rows", 5))
    # 4. a dozen date formats (+ one with unparsable dates)
    import datetime as dt

    for fmt in DATE_FORMATS:
        rows = []
        for i in range(8):
            day = dt.datetime(2026, 1 + i % 12, 1 + i, 10, 30)
            rows.append([str(i), "P1", EN[i % len(EN)], "4", str(int(day.timestamp())) if fmt == "epoch" else day.strftime(fmt)])
        put(f"dates_{fmt.replace('%', '').replace('/', '-').replace(' ', '_').replace(',', '').replace(':', '')}.csv",
            _csv_text(rows), ("rows", 8))
    put("dates_garbage.csv", _csv_text([[str(i), "P1", EN[i % 6], "4", ["soon", "31/31/2026", "yesterday", ""][i % 4]]
                                        for i in range(8)]), ("rows", 8))
    # 5. bad values
    put("ratings_out_of_range.csv", _csv_text([[str(i), "P1", EN[i % 6], ["0", "6", "-1", "5", "four", "4.5", "", "NaN"][i], "2026-01-01"]
                                               for i in range(8)]), ("rows", 8))
    put("formula_cells.csv", _csv_text([[str(i), "=HYPERLINK(\"http://x\")", "=1+1 " + EN[i % 6], "@SUM(A1)", "+2026-01-01"]
                                        for i in range(6)]), ("rows", 6))
    # 6. truncated files (text and binary), at many offsets
    full_csv = _csv_text(_rows(30, EN + ZH)).encode("utf-8")
    full_xlsx = _xlsx_bytes(_rows(30, EN + ZH))
    full_jsonl = "\n".join(json.dumps(dict(zip(HEADER, r)), ensure_ascii=False) for r in _rows(30, EN + ZH)).encode()
    for k in range(12):
        put(f"truncated_csv_{k}.csv", full_csv[: len(full_csv) * (k + 1) // 13], "any")
        put(f"truncated_xlsx_{k}.xlsx", full_xlsx[: len(full_xlsx) * (k + 1) // 13], "any")
        put(f"truncated_jsonl_{k}.jsonl", full_jsonl[: len(full_jsonl) * (k + 1) // 13], "any")
    # 7. wrong extensions
    put("csv_named.xlsx", _csv_text(mixed), "any")
    put("xlsx_named.csv", _xlsx_bytes(mixed), "any")
    put("jsonl_named.csv", full_jsonl, "any")
    put("csv_named.parquet", _csv_text(mixed), "any")
    put("xlsx_named.jsonl", full_xlsx, "any")
    put("png_named.csv", b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(2000)), "any")
    # 8. JSON Lines with broken lines
    for k in range(6):
        lines = [json.dumps(dict(zip(HEADER, r)), ensure_ascii=False) for r in _rows(10, EN + ZH, k)]
        lines[k] = lines[k][: len(lines[k]) // 2]
        lines[(k + 3) % 10] = "[1, 2, 3]"
        put(f"jsonl_broken_{k}.jsonl", "\n".join(lines), ("rows", 10))
    put("json_array.json", json.dumps([dict(zip(HEADER, r)) for r in mixed], ensure_ascii=False), "any")
    # 9. bombs and the size limit
    put("zip_bomb.xlsx", _zip_bomb(), "refuse")
    put("billion_laughs.xlsx", _billion_laughs(), "refuse")
    over = folder / "over_the_limit.csv"
    with over.open("wb") as handle:  # sparse: 201 MB on paper, a few bytes on disk
        handle.write(",".join(HEADER).encode() + b"\r\n")
        handle.truncate(201 * 1024 * 1024)
    files[over] = "refuse"
    # 10. random bytes and random byte flips of valid files
    for k in range(25):
        put(f"random_bytes_{k}.csv", bytes(rng.randrange(256) for _ in range(rng.randint(1, 4000))), "any")
    for k in range(60):
        base = bytearray(full_csv if k % 3 else full_jsonl)
        for _ in range(rng.randint(1, 30)):
            base[rng.randrange(len(base))] = rng.randrange(256)
        put(f"flipped_{k}.{'csv' if k % 3 else 'jsonl'}", bytes(base), "any")
    return files
