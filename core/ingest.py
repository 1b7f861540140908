"""Files -> validated rows.

Reads CSV/TSV (any common delimiter), XLSX, Parquet and JSON Lines; detects the encoding; infers which column
plays which role from English and Chinese headers; keeps every value a string until a role gives it a type
(ids keep their leading zeros); sends unusable rows to rejects with a reason, so that
``input rows == loaded + rejected`` always holds.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import html
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import ColumnError, InputError
from .text import mask_pii, normalise

REVIEWS, SEARCHES, INTERACTIONS = "reviews", "searches", "interactions"
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 200

# Role -> header aliases, in priority order, compared after lower-casing and removing spaces, '_' and '-'.
REVIEW_ROLES: dict[str, list[str]] = {
    "text": ["review_text", "reviewtext", "review", "text", "content", "comment", "comments", "body", "review_body",
             "评论内容", "评论", "内容", "评价内容", "评价"],
    "title": ["title", "review_title", "summary", "headline", "标题"],
    "rating": ["rating", "stars", "star_rating", "star", "overall", "score", "评分", "星级", "打分"],
    "product": ["product_id", "productid", "product", "asin", "sku", "clothing_id", "item_id", "itemid", "item",
                "product_name", "商品id", "商品", "商品名称", "产品"],
    "category": ["category", "cat", "department_name", "department", "product_category", "类目", "类别", "分类", "品类"],
    "date": ["date", "review_date", "reviewtime", "unixreviewtime", "timestamp", "time", "created_at", "datetime",
             "日期", "时间", "评论时间"],
    "user": ["user_id", "userid", "user", "reviewerid", "reviewer_id", "customer_id", "customer", "用户id", "用户"],
    "id": ["review_id", "reviewid", "id", "评论id"],
}
SEARCH_ROLES: dict[str, list[str]] = {
    "query": ["query", "search_term", "searchterm", "search_query", "search", "keyword", "keywords", "q",
              "搜索词", "关键词", "查询"],
    "date": ["timestamp", "date", "time", "datetime", "search_time", "created_at", "日期", "时间"],
    "user": ["session_id", "session", "user_id", "userid", "user", "用户id", "用户", "会话"],
    "result_count": ["result_count", "results", "num_results", "n_results", "hits", "结果数"],
    "clicked": ["clicked_product", "clicked_title", "clicked", "click", "clicked_item", "点击商品", "点击"],
    # the product a search returned or was judged against (not necessarily clicked): its title says how well it matched
    "result": ["product_title", "result_title", "top_result", "shown_product", "result_product", "商品标题", "结果商品"],
    "relevance": ["relevance", "conversion", "converted", "purchased", "ctr", "转化"],
    "id": ["search_id", "id"],
}
INTERACTION_ROLES: dict[str, list[str]] = {
    "user": ["user_id", "userid", "user", "reviewerid", "customer_id", "visitorid", "session_id", "用户id", "用户"],
    "item": ["item_id", "itemid", "item", "movieid", "product_id", "productid", "product", "asin", "sku", "商品id", "商品"],
    "rating": ["rating", "overall", "score", "value", "stars", "评分"],
    "event": ["event", "event_type", "action", "behavior", "行为"],
    "date": ["timestamp", "unixreviewtime", "time", "date", "datetime", "event_time", "时间"],
}
ROLE_SPECS = {REVIEWS: REVIEW_ROLES, SEARCHES: SEARCH_ROLES, INTERACTIONS: INTERACTION_ROLES}
REQUIRED_ROLE = {REVIEWS: "text", SEARCHES: "query", INTERACTIONS: "item"}


@dataclass
class RawTable:
    """A file read as strings, before any role is applied."""

    frame: pd.DataFrame
    file_format: str
    encoding: str
    content_hash: str
    parse_rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (row_no, reason, raw)

    @property
    def input_rows(self) -> int:
        return len(self.frame) + len(self.parse_rejects)


@dataclass
class LoadedDataset:
    """Validated rows of one file plus what was rejected and why."""

    name: str
    kind: str
    content_hash: str
    file_format: str
    encoding: str
    column_map: dict[str, str]
    rows: pd.DataFrame
    rejects: pd.DataFrame

    @property
    def input_rows(self) -> int:
        return len(self.rows) + len(self.rejects)


# --- reading --------------------------------------------------------------------------------------------------

def content_hash(data: bytes) -> str:
    """SHA-256 of the raw bytes: the same file uploaded twice is recognised by this."""
    return hashlib.sha256(data).hexdigest()


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Detect the encoding of ``data`` and decode it; raise InputError for binary content."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _checked_text(data.decode(name, errors="replace"), name)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _checked_text(data.decode(utf16, errors="replace"), utf16)
    try:
        return _checked_text(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    encoding = _guess_legacy_encoding(data)
    return _checked_text(data.decode(encoding, errors="replace"), encoding)


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) / 2
    # ASCII characters put a NUL on one side; CJK characters rarely do. One side must dominate.
    if odd_nuls > 0.2 * half and even_nuls * 4 < odd_nuls:
        return "utf-16-le"
    if even_nuls > 0.2 * half and odd_nuls * 4 < even_nuls:
        return "utf-16-be"
    return None


def _guess_legacy_encoding(data: bytes) -> str:
    """Pick among GB18030, Big5 and latin-1 with charset-normalizer, validated by a strict decode."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:262144], cp_isolation=["gb18030", "big5", "cp1252", "latin_1", "shift_jis"]).best()
    guess = best.encoding if best is not None else "latin_1"
    # With only a few non-ASCII bytes the detector cannot tell GB18030 from Big5 or latin-1 ("§" is A1 EC in GB18030
    # and "∫" in Big5); NeedLens's users are mostly on the mainland, so small ambiguous files are read as GB18030.
    if sum(b >= 0x80 for b in data[:262144]) < 40:
        guess = "gb18030"
    # Real latin-1 text has no C1 control characters (0x80-0x9F); GB18030's lead bytes are exactly there.
    if guess.replace("-", "_") in ("latin_1", "iso8859_1") and re.search(rb"[\x80-\x9f]", data[:262144]):
        guess = "gb18030"
    for name in (guess, "gb18030", "big5"):
        try:
            data.decode(name)
            return "gb18030" if name in ("gb2312", "gbk") else name
        except (UnicodeDecodeError, LookupError):
            continue
    return "latin_1"


def _checked_text(text: str, encoding: str) -> tuple[str, str]:
    sample = text[:20000]
    bad = sum(1 for ch in sample if ch == "\x00" or ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\r\n"))
    if sample and bad / len(sample) > 0.05:
        raise InputError(
            f"the file's bytes are not readable text (detected as {encoding}, {bad} binary characters in the first "
            f"{len(sample)}); save it as CSV (UTF-8), XLSX, Parquet or JSON Lines and upload again"
        )
    return text.replace("\x00", ""), encoding


def read_table(data: bytes, filename: str = "upload.csv") -> RawTable:
    """Read any supported file into a DataFrame of strings, sniffing the format from bytes then extension."""
    if not data or not data.strip():
        raise InputError(f"{filename} is empty; export the data again with a header row and at least one row")
    digest = content_hash(data)
    if data[:4] == b"PK\x03\x04":
        return RawTable(_read_xlsx(data, filename), "xlsx", "binary", digest)
    if data[:4] == b"PAR1":
        return RawTable(_read_parquet(data, filename), "parquet", "binary", digest)
    if Path(filename).suffix.lower() in {".xlsx", ".xlsm", ".xls", ".parquet", ".pq"}:
        raise InputError(f"{filename} is not a valid {Path(filename).suffix} file; re-export it or save it as CSV")
    text, encoding = decode_bytes(data)
    stripped = text.lstrip()
    if stripped.startswith("{") or (stripped.startswith("[") and Path(filename).suffix.lower() in {".json", ".jsonl"}):
        frame, rejects = _read_json_lines(text)
        return RawTable(frame, "jsonl", encoding, digest, rejects)
    frame, rejects, delimiter = _read_delimited(text, filename)
    return RawTable(frame, {"\t": "tsv"}.get(delimiter, "csv"), encoding, digest, rejects)


def _read_xlsx(data: bytes, filename: str) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise InputError(f"{filename} is a damaged XLSX/zip file ({exc}); re-export it or save it as CSV") from exc
    if total > MAX_XLSX_UNCOMPRESSED or total > MAX_XLSX_RATIO * max(len(data), 1) + 50_000_000:
        raise InputError(
            f"{filename} unpacks to {total / 1e6:.0f} MB from {len(data) / 1e6:.1f} MB (a zip bomb or a huge sheet); "
            "save the sheet as CSV instead"
        )
    try:
        frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise InputError(f"{filename} could not be read as XLSX ({type(exc).__name__}: {exc}); save it as CSV") from exc
    return _clean_headers(frame)


def _read_parquet(data: bytes, filename: str) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(io.BytesIO(data)).to_pandas()
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError ...
        raise InputError(f"{filename} could not be read as Parquet ({exc}); re-export it") from exc
    return _clean_headers(frame.apply(lambda col: col.map(_to_str)))


def _to_str(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _read_json_lines(text: str) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
            lines = [json.dumps(r, ensure_ascii=False) for r in records]
        except json.JSONDecodeError as exc:
            raise InputError(f"the JSON array is broken ({exc}); export it as JSON Lines or CSV") from exc
    else:
        lines = [line for line in text.splitlines() if line.strip()]
    rows, rejects = [], []
    for row_no, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rejects.append((row_no, f"broken JSON line ({exc.msg})", line[:500]))
            continue
        if not isinstance(record, dict):
            rejects.append((row_no, "JSON line is not an object", line[:500]))
            continue
        rows.append({str(k): _to_str(v) for k, v in record.items()})
    frame = pd.DataFrame(rows, dtype=str).fillna("")
    frame.index = [r for r in range(1, len(lines) + 1) if r not in {x[0] for x in rejects}]
    return _clean_headers(frame), rejects


def _sniff_delimiter(text: str) -> str:
    sample_lines = text[:65536].splitlines()[:30]
    best, best_score = ",", -1.0
    for delimiter in (",", "\t", ";", "|"):
        counts = [len(r) for r in csv.reader(sample_lines, delimiter=delimiter)]
        if not counts or counts[0] < 2:
            continue
        score = sum(1 for c in counts if c == counts[0]) / len(counts) + counts[0] / 1000
        if score > best_score:
            best, best_score = delimiter, score
    return best


CHUNK_ROWS = 100_000  # delimited rows are turned into compact string columns this many at a time


def _read_delimited(text: str, filename: str) -> tuple[pd.DataFrame, list[tuple[int, str, str]], str]:
    csv.field_size_limit(64 * 1024 * 1024)
    delimiter = "\t" if Path(filename).suffix.lower() == ".tsv" else _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise InputError(f"{filename} has no readable header row; add one (e.g. review,rating)") from exc
    width = len(header)
    rows, index, rejects, chunks = [], [], [], []
    row_no = 0
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # blank lines are not rows
            row_no += 1
            if len(record) != width:
                rejects.append((row_no, f"row has {len(record)} fields but the header has {width}", delimiter.join(record)[:500]))
                continue
            rows.append(record)
            index.append(row_no)
            if len(rows) == CHUNK_ROWS:  # compact string columns as we go: a million rows of Python lists cost GBs
                chunks.append(pd.DataFrame(rows, columns=range(width), index=index, dtype=str))
                rows, index = [], []
    except csv.Error as exc:
        raise InputError(f"{filename} is not valid delimited text near row {row_no + 1} ({exc}); re-export it as CSV") from exc
    chunks.append(pd.DataFrame(rows, columns=range(width), index=index, dtype=str))
    frame = pd.concat(chunks) if len(chunks) > 1 else chunks[0]
    frame.columns = header
    return _clean_headers(frame), rejects, delimiter


def _clean_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """Make headers unique, non-blank strings (blank -> column_N, duplicates -> name_2)."""
    seen: dict[str, int] = {}
    names = []
    for position, raw in enumerate(frame.columns, start=1):
        name = normalise(str(raw)) or f"column_{position}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    frame = frame.copy()
    frame.columns = names
    return frame


# --- roles ----------------------------------------------------------------------------------------------------

def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


def infer_columns(columns: list[str], kind: str = REVIEWS, frame: pd.DataFrame | None = None) -> dict[str, str]:
    """Map roles to column names from header aliases (English and Chinese); text falls back to content."""
    spec = ROLE_SPECS[kind]
    keyed = {_key(c): c for c in columns}
    mapping: dict[str, str] = {}
    for role, aliases in spec.items():
        for alias in aliases:
            column = keyed.get(_key(alias))
            if column and column not in mapping.values():
                mapping[role] = column
                break
    required = REQUIRED_ROLE[kind]
    if required not in mapping and frame is not None:
        guess = _longest_text_column(frame, exclude=set(mapping.values()))
        if guess:
            mapping[required] = guess
    return mapping


def _longest_text_column(frame: pd.DataFrame, exclude: set[str]) -> str | None:
    best, best_len = None, 15.0
    for column in frame.columns:
        if column in exclude:
            continue
        values = frame[column].head(500).astype(str)
        non_numeric = values[~values.str.fullmatch(r"\s*[-+\d.,:/ ]*\s*")]
        if len(non_numeric) < 0.5 * max(len(values), 1):
            continue
        mean_len = non_numeric.str.len().mean()
        if mean_len > best_len:
            best, best_len = column, mean_len
    return best


# An override that takes a role away: the Data page's "(none)" for a column NeedLens inferred wrongly (a helpfulness
# "score" read as the rating). None, the CLI's flag not given, leaves the inference as it is.
NO_COLUMN = ""


def resolve_columns(frame: pd.DataFrame, kind: str, overrides: dict[str, str | None] | None = None) -> dict[str, str]:
    """Inferred roles with user overrides applied (a column, NO_COLUMN to drop the role, None to keep the inferred
    one); raise ColumnError naming the columns and the fix."""
    mapping = infer_columns(list(frame.columns), kind, frame)
    for role, column in (overrides or {}).items():
        if column is None:
            continue
        if column == NO_COLUMN:
            mapping.pop(role, None)
            continue
        if column not in frame.columns:
            raise ColumnError(
                f"column '{column}' (given for {role}) is not in the file; columns are: {', '.join(frame.columns)}"
            )
        mapping = {r: c for r, c in mapping.items() if c != column}
        mapping[role] = column
    required = REQUIRED_ROLE[kind]
    if kind == INTERACTIONS:
        for role in ("user", "item"):
            if role not in mapping:
                raise ColumnError(f"no {role} column found; columns are: {', '.join(map(str, frame.columns))}; "
                                  f"pass --{role}-col NAME")
    if required not in mapping:
        flag = "--text-col" if kind == REVIEWS else "--query-col"
        raise ColumnError(
            f"no {required} column found; columns are: {', '.join(map(str, frame.columns))}; pass {flag} NAME"
        )
    return mapping


# --- validation -----------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(?:/\s*\d+|stars?|星|分)?\s*$", re.IGNORECASE)


def parse_number(value: str) -> float | None:
    """Parse '4', '4.5', '4,5', '4/5', '4 stars', '4星'; None for empty; raise ValueError for anything else."""
    if value is None or not str(value).strip():
        return None
    match = _NUMBER.match(str(value))
    if not match:
        raise ValueError(value)
    return float(match.group(1).replace(",", "."))


def rating_scale(values: pd.Series) -> tuple[float, float]:
    """Infer the rating range (1-5, 0-10 or 0-100) from the values that parse."""
    numbers = []
    for value in values.head(5000):
        try:
            number = parse_number(value)
        except ValueError:
            continue
        if number is not None:
            numbers.append(number)
    if not numbers:
        return 0.0, 5.0
    inside = lambda hi: sum(0 <= n <= hi for n in numbers) / len(numbers)  # noqa: E731
    for hi in (5.0, 10.0, 100.0):
        if inside(hi) >= 0.95:
            return 0.0, hi
    return 0.0, 5.0


def _to_datetime(text: pd.Series) -> pd.Series:
    """Vectorised parse; pandas raises even with errors="coerce" on some out-of-range years (1026, 5026), so a
    failing batch falls back to one value at a time and such values become NaT (rejected as unparsable)."""
    try:
        parsed = pd.to_datetime(text, errors="coerce", format="mixed", utc=True).dt.tz_localize(None)
        plausible = parsed.isna() | ((parsed.dt.year >= 1900) & (parsed.dt.year <= 2200))
        return parsed.where(plausible).astype("datetime64[ns]")
    except (pd.errors.OutOfBoundsDatetime, OverflowError, ValueError):
        def one(value: str):
            try:
                stamp = pd.to_datetime(value, errors="coerce", utc=True)
                return pd.NaT if stamp is pd.NaT or not 1900 <= stamp.year <= 2200 else stamp.tz_localize(None)
            except (pd.errors.OutOfBoundsDatetime, OverflowError, ValueError):
                return pd.NaT
        return pd.to_datetime(text.map(one))


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of date strings (ISO, US, Chinese, Unix seconds/ms). Returns (timestamps, failed mask)."""
    text = values.fillna("").astype(str).str.strip()
    text = text.str.replace(r"(\d+)年(\d+)月(\d+)日?", r"\1-\2-\3", regex=True)
    empty = text == ""
    numeric = text.str.fullmatch(r"\d{9,13}(\.\d+)?")
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if numeric.any():
        seconds = text[numeric].astype(float)
        seconds = seconds.where(seconds < 1e11, seconds / 1000)
        parsed[numeric] = pd.to_datetime(seconds, unit="s", errors="coerce")
    rest = ~numeric & ~empty
    if rest.any():
        parsed[rest] = _to_datetime(text[rest])
    failed = ~empty & parsed.isna()
    return parsed, failed


# HTML entities left in scraped or web-exported text ("i&#39;m", "tops &amp; tees", "&hellip;", "&#183;"): 49 rows of
# the shared clothing file and 42 of online_shopping_10_cats hold them, and "amp" / "amp amp" were a clothing theme's
# top terms (thirty-ninth session)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _clean(value) -> str:
    """A text cell as NeedLens reads it: HTML entities decoded, normalised (core.text.normalise), PII masked."""
    text = str(value)
    for _ in range(3):  # escaped twice over is common in scraped text: "5&amp;amp;#39;5" is 5'5
        if "&" not in text or not _ENTITY.search(text):
            break
        text = html.unescape(text)
    return mask_pii(normalise(text))


def validate(raw: RawTable, kind: str, mapping: dict[str, str], name: str) -> LoadedDataset:
    """Apply roles to a raw table: typed, PII-masked rows plus rejects with reasons."""
    if kind == INTERACTIONS:
        return _validate_interactions(raw, mapping, name)
    frame = raw.frame
    reasons = pd.Series("", index=frame.index, dtype=object)
    required = REQUIRED_ROLE[kind]
    main_text = frame[mapping[required]].fillna("").map(_clean)
    reasons[main_text == ""] = f"empty {required}"

    out = pd.DataFrame(index=frame.index)
    out["row_no"] = frame.index.astype("int64")
    out["source_id"] = frame[mapping["id"]].astype(str) if "id" in mapping else frame.index.astype(str)
    if kind == REVIEWS:  # a file cut at a length limit: the cut last word is dropped and the cut marked
        cut = cut_at_limit(main_text)
        main_text[cut] = main_text[cut].map(mark_cut)
    out[required] = main_text
    if kind == REVIEWS:
        _validate_reviews(frame, mapping, out, reasons)
    else:
        _validate_searches(frame, mapping, out, reasons)
    if "date" in mapping:
        dates, failed = parse_dates(frame[mapping["date"]])
        reasons[failed & (reasons == "")] = "date could not be parsed: " + frame.loc[failed, mapping["date"]].astype(str).str[:40]
        out["date"] = dates
    else:
        out["date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if "user" in mapping:
        out["user_id"] = frame[mapping["user"]].astype(str).str.strip()
    else:
        out["user_id"] = ""

    if kind == REVIEWS and "user" in mapping:
        _reject_duplicates(out, reasons)
    bad = reasons != ""
    rejects = pd.DataFrame({"row_no": frame.index[bad].astype("int64"), "reason": reasons[bad].values,
                            "raw": frame[bad].apply(lambda r: json.dumps(r.to_dict(), ensure_ascii=False)[:2000], axis=1).values
                            if bad.any() else []})
    parse_rejects = pd.DataFrame(raw.parse_rejects, columns=["row_no", "reason", "raw"])
    rejects = pd.concat([parse_rejects, rejects], ignore_index=True).sort_values("row_no", kind="stable")
    rejects["raw"] = rejects["raw"].astype(str).map(mask_pii)  # a rejected row's raw text is stored and exported too
    rows = out[~bad].reset_index(drop=True)
    rows["source_id"] = _unique_ids(rows["source_id"])
    return LoadedDataset(name, kind, raw.content_hash, raw.file_format, raw.encoding, mapping, rows,
                         rejects.reset_index(drop=True))


# Some exports cut every review at a length limit: a fifth of the shared clothing file's reviews stop at ~500
# characters, mid-word ("except i wish it were emb"), and the cut word became a request's name ("emb", "more fl") and
# ended quotes. Such a file is recognised by a spike of reviews at one length among its longest; those of them that end
# unfinished lose the cut word and end in CUT_MARK, which the quotes show and the Data page counts.
CUT_MARK = " […]"
_FINISHED = re.compile(r"[.!?。！？…)\]\"'」』）~～*:;>]$|[\U0001F300-\U0001FAFF\u2600-\u27BF]$")


def cut_at_limit(texts: pd.Series, min_reviews: int = 200, spike: float = 0.2) -> pd.Series:
    """Which reviews a file cut at a length limit: a limit is a length that at least ``spike`` of the longest 5% of
    reviews have exactly (and at least 20 reviews; natural lengths spread out); a review within 3% of it that does not
    end as a sentence ends was cut there. All False for a file without such a spike."""
    lengths = texts.str.len()
    none = pd.Series(False, index=texts.index)
    if len(texts) < min_reviews:
        return none
    longest = lengths[lengths >= lengths.quantile(0.95)]
    limit = int(longest.mode().iloc[0])
    at_limit = int((lengths == limit).sum())
    if limit < 100 or at_limit < max(20, spike * len(longest)):
        return none
    return lengths.between(0.97 * limit, 1.03 * limit) & ~texts.str.rstrip().str.contains(_FINISHED)


def mark_cut(text: str) -> str:
    """A cut review without its cut last word ("… except i wish it were emb" -> "… except i wish it were […]"); Chinese
    has no words to cut, so only the mark is added."""
    body = text.rstrip()
    if re.search(r"[A-Za-z0-9'\-]$", body) and " " in body:
        body = body[:body.rfind(" ")].rstrip(" ,;:-–—")
    return body + CUT_MARK


def as_read_now(texts: set[str], new_texts: pd.Series) -> set[str]:
    """Review texts stored by a NeedLens before the thirty-ninth session, as ingest reads the same rows now: entities
    decoded and, where the new file has cut reviews, cut (a stored text at least as long as the shortest of them, less
    the mark). An append without review ids knows a review by its text, and would otherwise add such reviews again."""
    decoded = {_clean(t) for t in texts if "&" in t and _ENTITY.search(t)}
    marked = new_texts[new_texts.str.endswith(CUT_MARK)]
    cut = set()
    if len(marked):
        shortest = int(marked.str.len().min()) - len(CUT_MARK)
        cut = {mark_cut(t) for source in (texts, decoded) for t in source
               if len(t) >= shortest and not t.endswith(CUT_MARK)}
    return texts | decoded | cut if decoded or cut else texts  # no copy of a million texts when nothing is read anew


def _validate_interactions(raw: RawTable, mapping: dict[str, str], name: str) -> LoadedDataset:
    """user, item, value (rating or 1), event, ts; rows without user or item, or with a bad rating/time, rejected."""
    frame = raw.frame
    reasons = pd.Series("", index=frame.index, dtype=object)
    out = pd.DataFrame(index=frame.index)
    out["row_no"] = frame.index.astype("int64")
    for role in ("user", "item"):
        out[role] = frame[mapping[role]].astype(str).str.strip()
        reasons[(out[role] == "") & (reasons == "")] = f"empty {role}"
    out["value"] = _numeric_role(frame, mapping.get("rating"), reasons, "rating", scale=True).fillna(1.0)
    out["event"] = frame[mapping["event"]].astype(str).str.strip() if "event" in mapping else ""
    if "date" in mapping:
        dates, failed = parse_dates(frame[mapping["date"]])
        reasons[failed & (reasons == "")] = "time could not be parsed"
        out["ts"] = dates
    else:  # no time column: file order stands in for time
        out["ts"] = pd.Timestamp("2000-01-01") + pd.to_timedelta(out["row_no"], unit="s")
    bad = reasons != ""
    rejects = pd.DataFrame({"row_no": frame.index[bad].astype("int64"), "reason": reasons[bad].values,
                            "raw": [""] * int(bad.sum())})
    parse_rejects = pd.DataFrame(raw.parse_rejects, columns=["row_no", "reason", "raw"])
    rejects = pd.concat([parse_rejects, rejects], ignore_index=True).sort_values("row_no", kind="stable")
    rejects["raw"] = rejects["raw"].astype(str).map(mask_pii)  # a rejected row's raw text is stored and exported too
    return LoadedDataset(name, INTERACTIONS, raw.content_hash, raw.file_format, raw.encoding, mapping,
                         out[~bad].reset_index(drop=True), rejects.reset_index(drop=True))


def _reject_duplicates(out: pd.DataFrame, reasons: pd.Series) -> None:
    """The same user posting the same text at the same time is one review copied (e.g. to product variants)."""
    keys = out["user_id"].astype(str) + "\x1f" + out["text"] + "\x1f" + out["date"].astype(str)
    first_row = out["row_no"].groupby(keys).transform("min")
    duplicate = (first_row != out["row_no"]) & (reasons == "") & (out["user_id"].astype(str).str.strip() != "")
    reasons[duplicate] = "duplicate of row " + first_row[duplicate].astype(str) + " (same user, text and date)"


def _unique_ids(ids: pd.Series) -> pd.Series:
    """Source ids must be unique within a dataset: blank or repeated ones get a '#n' suffix."""
    ids = ids.fillna("").astype(str).str.strip()
    ids = ids.where(ids != "", "row")
    counts = ids.groupby(ids).cumcount()
    return ids.where(counts == 0, ids + "#" + counts.astype(str))


def _validate_reviews(frame: pd.DataFrame, mapping: dict[str, str], out: pd.DataFrame, reasons: pd.Series) -> None:
    out["title"] = frame[mapping["title"]].map(_clean) if "title" in mapping else ""
    for role in ("product", "category"):
        out[role] = frame[mapping[role]].astype(str).map(normalise) if role in mapping else ""
    out["rating"] = _numeric_role(frame, mapping.get("rating"), reasons, "rating", scale=True)


NOT_CLICKED = {"", "0", "0.0", "false", "no", "n", "none", "nan", "否", "无"}


def _validate_searches(frame: pd.DataFrame, mapping: dict[str, str], out: pd.DataFrame, reasons: pd.Series) -> None:
    # clicked: the clicked product's title, "1" for a yes/no column's yes, "" for no click; None when the file says
    # nothing about clicks (then no click share is shown, rather than 0%)
    if "clicked" in mapping:
        clicked = frame[mapping["clicked"]].fillna("").map(_clean)
        out["clicked"] = clicked.where(~clicked.str.lower().isin(NOT_CLICKED), "")
    else:
        out["clicked"] = None
    out["result"] = (frame[mapping["result"]].fillna("").map(_clean) if "result" in mapping
                     else "")
    out["result_count"] = _numeric_role(frame, mapping.get("result_count"), reasons, "result count")
    out["relevance"] = _numeric_role(frame, mapping.get("relevance"), reasons, "relevance")


def _numeric_role(frame: pd.DataFrame, column: str | None, reasons: pd.Series, label: str, scale: bool = False) -> pd.Series:
    if column is None:
        return pd.Series(float("nan"), index=frame.index)
    low, high = rating_scale(frame[column]) if scale else (float("-inf"), float("inf"))
    values = []
    for idx, raw in frame[column].items():
        try:
            number = parse_number(raw)
        except ValueError:
            if not reasons[idx]:
                reasons[idx] = f"{label} '{str(raw)[:30]}' is not a number"
            values.append(float("nan"))
            continue
        if number is not None and not (low <= number <= high) and not reasons[idx]:
            reasons[idx] = f"{label} {number:g} is outside {low:g}-{high:g}"
        values.append(float("nan") if number is None else number)
    return pd.Series(values, index=frame.index, dtype="float64")


def load_file(path: str | Path, kind: str = REVIEWS, overrides: dict[str, str | None] | None = None,
              max_bytes: int | None = None) -> LoadedDataset:
    """Read, map and validate one file from disk."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"file not found: {path}; check the path")
    if path.is_dir():
        raise InputError(f"{path} is a folder; pass a CSV, TSV, XLSX, Parquet or JSON Lines file")
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise InputError(f"{path.name} is {size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit; split the file")
    return load_bytes(path.read_bytes(), path.name, kind, overrides)


def load_bytes(data: bytes, name: str, kind: str = REVIEWS, overrides: dict[str, str | None] | None = None) -> LoadedDataset:
    """Read, map and validate one uploaded file held in memory."""
    raw = read_table(data, name)
    if raw.frame.empty and not raw.parse_rejects:
        raise InputError(f"{name} has a header but no rows; add rows below the header")
    mapping = resolve_columns(raw.frame, kind, overrides)
    return validate(raw, kind, mapping, name)
