import io
import json

import pandas as pd
import pytest

from core.errors import ColumnError, InputError
from core.ingest import REVIEWS, SEARCHES, infer_columns, load_bytes

CSV = "review_id,product_id,rating,评论\n001,007,5,很好用\n002,0042,1,太差了\n"


def test_ids_keep_leading_zeros_and_chinese_header_maps_to_text():
    data = load_bytes(CSV.encode(), "r.csv")
    assert data.column_map["text"] == "评论"
    assert data.rows["source_id"].tolist() == ["001", "002"]
    assert data.rows["product"].tolist() == ["007", "0042"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gb18030", "big5"])
def test_encodings_are_detected(encoding):
    text = "id,review\n1,质量很好，物流很快\n2,尺码偏小，建议买大一码\n3,包装很好，性价比高\n"
    if encoding == "big5":
        text = "id,review\n1,品質很好，物流很快\n2,尺碼偏小，建議買大一碼\n3,包裝很好，價格實惠\n"
    data = load_bytes(text.encode(encoding), "r.csv")
    assert data.rows["text"].tolist()[0] in {"质量很好,物流很快", "品質很好,物流很快"}
    assert len(data.rows) == 3


def test_latin1_is_detected_and_decoded():
    data = load_bytes("id,review\n1,Caf\xe9 cr\xe8me colour is lovely\n".encode("latin-1"), "r.csv")
    assert data.rows["text"].iloc[0] == "Café crème colour is lovely"
    assert data.encoding in {"latin_1", "cp1252", "iso8859_1"}


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
def test_delimiters_are_sniffed(sep):
    text = sep.join(["id", "review", "stars"]) + "\n" + sep.join(["1", "runs small, sadly", "2"]) + "\n"
    if sep == ",":
        text = 'id,review,stars\n1,"runs small, sadly",2\n'
    data = load_bytes(text.encode(), "r.txt")
    assert data.rows["text"].iloc[0] == "runs small, sadly" and data.rows["rating"].iloc[0] == 2


def test_quoted_newlines_and_ragged_rows():
    text = 'id,review,rating\n1,"line one\nline two",5\n2,too,many,fields\n3,fine,4\n'
    data = load_bytes(text.encode(), "r.csv")
    assert len(data.rows) == 2 and len(data.rejects) == 1
    assert "4 fields" in data.rejects["reason"].iloc[0]
    assert data.input_rows == 3


def test_rejects_explain_each_bad_row_and_counts_add_up():
    text = "id,review,rating,date\n1,,5,2026-01-01\n2,good,9,2026-01-01\n3,fine,abc,2026-01-01\n4,ok,3,not a date\n5,great,5,2026-02-30x\n6,lovely,4,2026/03/04\n"
    text += "".join(f"{i},fine {i},{1 + i % 5},2026-01-0{1 + i % 9}\n" for i in range(7, 41))
    data = load_bytes(text.encode(), "r.csv")
    reasons = dict(zip(data.rejects["row_no"], data.rejects["reason"]))
    assert reasons[1] == "empty text"
    assert reasons[2].startswith("rating 9 is outside")
    assert reasons[3].startswith("rating 'abc' is not a number")
    assert reasons[4].startswith("date could not be parsed")
    assert data.rows["source_id"].tolist()[0] == "6" and len(data.rejects) == 5
    assert data.input_rows == 40 == len(data.rows) + len(data.rejects)


def test_copied_reviews_are_rejected_as_duplicates():
    rows = [{"reviewerID": "A1", "reviewText": "Nice shoes", "overall": 5, "unixReviewTime": 1441324800}] * 3
    rows.append({"reviewerID": "A2", "reviewText": "Nice shoes", "overall": 4, "unixReviewTime": 1441324800})
    data = load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "r.json")
    assert len(data.rows) == 2
    assert data.rejects["reason"].str.startswith("duplicate of row 1").sum() == 2


@pytest.mark.parametrize("fmt", ["xlsx", "parquet", "jsonl"])
def test_binary_and_json_formats(fmt):
    frame = pd.DataFrame({"Review Text": ["Runs small", "Lovely fabric"], "Clothing ID": ["0012", "0013"],
                          "Rating": [2, 5]})
    buffer = io.BytesIO()
    if fmt == "xlsx":
        frame.to_excel(buffer, index=False)
    elif fmt == "parquet":
        frame.to_parquet(buffer)
    else:
        buffer.write("\n".join(frame.apply(lambda r: json.dumps(r.to_dict()), axis=1)).encode())
    data = load_bytes(buffer.getvalue(), f"r.{fmt}")
    assert data.file_format == fmt
    assert data.rows["text"].tolist() == ["Runs small", "Lovely fabric"]
    assert data.rows["product"].tolist() == ["0012", "0013"]


def test_broken_json_lines_are_rejected_with_reason():
    data = load_bytes(b'{"review": "good"}\n{"review": broken\n{"review": "fine"}\n', "r.jsonl")
    assert len(data.rows) == 2 and data.rejects["reason"].iloc[0].startswith("broken JSON line")


@pytest.mark.parametrize("payload,name,message", [
    (b"", "r.csv", "is empty"),
    (b"id,review\n", "r.csv", "header but no rows"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "r.csv", "not readable text"),
    (b"just some text that is not a workbook", "r.xlsx", "not a valid .xlsx"),
    (b"PK\x03\x04garbage", "r.xlsx", "damaged XLSX"),
])
def test_bad_files_raise_input_error_naming_the_fix(payload, name, message):
    with pytest.raises(InputError, match=message):
        load_bytes(payload, name)


def test_missing_text_column_lists_columns_and_flag():
    with pytest.raises(ColumnError, match=r"no text column found; columns are: a, b; pass --text-col"):
        load_bytes(b"a,b\n1,2\n3,4\n", "r.csv")


def test_overrides_win_over_inference():
    data = load_bytes(b"id,notes,comment\n1,long internal note here,ok\n", "r.csv", overrides={"text": "notes"})
    assert data.column_map["text"] == "notes" and data.rows["text"].iloc[0] == "long internal note here"


def test_header_inference_for_shared_dataset_headers():
    clothing = infer_columns(["", "Clothing ID", "Age", "Title", "Review Text", "Rating", "Recommended IND",
                              "Positive Feedback Count", "Division Name", "Department Name", "Class Name"])
    assert clothing == {"text": "Review Text", "title": "Title", "rating": "Rating", "product": "Clothing ID",
                        "category": "Department Name"}
    searches = infer_columns(["id", "product_uid", "product_title", "search_term", "relevance"], SEARCHES)
    assert searches["query"] == "search_term" and searches["relevance"] == "relevance"


def test_pii_is_masked_before_rows_leave_ingest():
    data = load_bytes("review\n联系我13812345678 or bob@example.org\n".encode(), "r.csv", REVIEWS)
    assert "13812345678" not in data.rows["text"].iloc[0] and "bob@" not in data.rows["text"].iloc[0]


def test_unix_and_chinese_dates_parse():
    data = load_bytes("review,date\ngood,1441324800\nfine,2026年3月4日\nok,03/15/2026\n".encode(), "r.csv")
    assert [d.strftime("%Y-%m-%d") for d in data.rows["date"]] == ["2015-09-04", "2026-03-04", "2026-03-15"]


def test_interactions_roles_ids_and_rejects():
    from core.ingest import INTERACTIONS

    text = "userId,movieId,rating,timestamp\n001,0042,4.5,964982703\n002,,3,964982224\n003,7,9,964983815\n004,8,4,notatime\n"
    text += "".join(f"{i:03d},{i % 7},4,9649{i:05d}\n" for i in range(5, 40))
    data = load_bytes(text.encode(), "ratings.csv", INTERACTIONS)
    assert data.column_map == {"user": "userId", "item": "movieId", "rating": "rating", "date": "timestamp"}
    assert data.rows["user"].iloc[0] == "001" and data.rows["item"].iloc[0] == "0042"
    reasons = dict(zip(data.rejects["row_no"], data.rejects["reason"]))
    assert reasons[2] == "empty item" and reasons[3].startswith("rating 9 is outside") and reasons[4].startswith("time")
    assert data.input_rows == 39 == len(data.rows) + len(data.rejects)


def test_delimited_rows_are_built_in_chunks_without_changing_the_result(monkeypatch):
    from core import ingest

    data = "id,review,rating\n" + "".join(f"{i},review number {i},{i % 5 + 1}\n" for i in range(1, 26)) + "26,broken\n"
    whole = ingest.load_bytes(data.encode(), "r.csv")
    monkeypatch.setattr(ingest, "CHUNK_ROWS", 7)
    chunked = ingest.load_bytes(data.encode(), "r.csv")
    pd.testing.assert_frame_equal(whole.rows, chunked.rows)
    assert len(chunked.rows) == 25 and len(chunked.rejects) == 1


def test_a_product_title_in_a_search_file_is_what_the_search_returned_not_a_click():
    judged = load_bytes("search_term,product_title,relevance\ndrill,Cordless Drill,3\n".encode(), "hd.csv", SEARCHES)
    assert judged.column_map == {"query": "search_term", "result": "product_title", "relevance": "relevance"}
    assert judged.rows["clicked"].isna().all() and judged.rows["result"].tolist() == ["Cordless Drill"]
    flags = load_bytes("query,clicked\ndrill,1\nhose,0\nfan,false\nkit,\n".encode(), "log.csv", SEARCHES)
    assert flags.rows["clicked"].tolist() == ["1", "", "", ""]  # a yes/no click column: only its yes is a click


def test_none_chosen_for_an_inferred_role_drops_it_and_an_absent_override_keeps_it():
    # the Data page's "(none)": a helpfulness "score" read as the rating must be removable
    from core.ingest import NO_COLUMN

    csv = "review,score,date\nlovely,4,2026-01-02\n".encode()
    inferred = load_bytes(csv, "r.csv", REVIEWS, {"rating": None})
    dropped = load_bytes(csv, "r.csv", REVIEWS, {"rating": NO_COLUMN})
    assert inferred.column_map.get("rating") == "score"
    assert "rating" not in dropped.column_map and dropped.rows["rating"].isna().all() and dropped.rejects.empty


def _reviews_csv(texts: list[str]) -> bytes:
    frame = pd.DataFrame({"review": texts, "rating": 4})
    return frame.to_csv(index=False).encode()


def test_a_file_cut_at_a_length_limit_has_its_cut_reviews_marked_and_their_cut_word_dropped():
    # the shared clothing file stops a fifth of its reviews at ~500 characters, mid-word: "except i wish it were emb"
    # named a request "emb"
    import random

    from core.ingest import CUT_MARK

    rng = random.Random(5)
    words = "the dress fits well and the colour is lovely but the sleeves run long for me".split()
    natural = [" ".join(rng.choice(words) for _ in range(rng.randint(5, 30))) + "." for _ in range(240)]
    cut = [" ".join(rng.choice(words) for _ in range(60))[:174] + " except i wish it were emb" for _ in range(60)]
    assert {len(t) for t in cut} == {200} and max(map(len, natural)) < 190
    finished = ["x" * 189 + " love it!!"]  # at the limit, but ends as a sentence ends: not cut
    loaded = load_bytes(_reviews_csv(natural + cut + finished), "capped.csv", REVIEWS)
    texts = loaded.rows["text"]
    marked = texts[texts.str.endswith(CUT_MARK)]
    assert len(marked) == 60 and marked.str.endswith("except i wish it were" + CUT_MARK).all()
    assert texts.iloc[-1].endswith("love it!!") and texts.iloc[:240].tolist() == natural


def test_a_file_without_a_length_limit_is_read_as_written():
    import random

    rng = random.Random(6)
    words = "battery life is short and the screen is bright but it runs warm".split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 90))) for _ in range(400)]  # no final stop
    loaded = load_bytes(_reviews_csv(texts), "natural.csv", REVIEWS)
    assert loaded.rows["text"].tolist() == texts


def test_html_entities_in_web_exported_text_are_decoded():
    # "amp" and "amp amp" were a clothing theme's top terms: 49 rows of the shared file hold "&amp;", "&#39;", "&quot;"
    csv = ('review,title\n"tops &amp; tees, i&#39;m a &quot;petite&quot;",Love &amp; joy\n'
           '"质量很好&hellip;&#183;",\n"AT&T phone & case; fine",\n"i am 5&amp;amp;#39;5 and it&amp;#39;s short",\n').encode()
    rows = load_bytes(csv, "web.csv", REVIEWS).rows
    assert rows["text"].tolist() == ['tops & tees, i\'m a "petite"', "质量很好...·", "AT&T phone & case; fine",
                                     "i am 5'5 and it's short"]  # escaped twice over, as scraped text often is
    assert rows["title"].iloc[0] == "Love & joy"
