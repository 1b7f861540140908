"""Script-injection payloads (issue 7.4), generated: 30 attack shapes x 7 wrappers = 210 payloads.

Every payload, if it ever ran, would set ``window.__xss`` (or open a dialog), so a browser test can detect an
execution without relying on alert() alone. ``hostile_workspace_file`` writes a review CSV that puts them in review
text, titles, product and category names and column headers.
"""
from __future__ import annotations

import csv
from pathlib import Path

SHAPES = [
    "<script>window.__xss=1;alert(1)</script>",
    "<img src=x onerror=\"window.__xss=1\">",
    "<svg onload=\"window.__xss=1\"></svg>",
    "<svg><script>window.__xss=1</script></svg>",
    "<iframe src=\"javascript:window.top.__xss=1\"></iframe>",
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "[click me](javascript:window.__xss=1)",
    "![img](x\" onerror=\"window.__xss=1)",
    "<body onload=window.__xss=1>",
    "<details open ontoggle=\"window.__xss=1\">",
    "<input autofocus onfocus=\"window.__xss=1\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "\"><script>window.__xss=1</script>",
    "'><img src=x onerror=window.__xss=1>",
    "</textarea><script>window.__xss=1</script>",
    "</title><script>window.__xss=1</script>",
    "<style>@import 'javascript:window.__xss=1';</style>",
    "<object data=\"javascript:window.__xss=1\"></object>",
    "<embed src=\"javascript:window.__xss=1\">",
    "<form action=\"javascript:window.__xss=1\"><button>x</button></form>",
    "<video><source onerror=\"window.__xss=1\"></video>",
    "<marquee onstart=\"window.__xss=1\">",
    "{{constructor.constructor('window.__xss=1')()}}",
    "${window.__xss=1}",
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    "<IMG SRC=JaVaScRiPt:window.__xss=1>",
    "<img src=\"x\" o\u200bnerror=\"window.__xss=1\">",
    "\u202e<script>window.__xss=1</script>",
    "<a href=\"&#106;avascript:window.__xss=1\">x</a>",
    "data:text/html,<script>window.__xss=1</script>",
]
WRAPPERS = ["{p}", "Great dress {p}", "{p} runs small", "质量很好{p}", "**{p}**", "`{p}`", "<b>{p}</b>"]
PAYLOADS = [w.format(p=s) for s in SHAPES for w in WRAPPERS]


def hostile_workspace_file(path: Path, copies: int = 1) -> Path:
    """A review CSV: every payload as review text (with a real sentence so themes form), some as titles, product
    and category names; one column header is itself a payload."""
    base = ["Love the colour but it runs small.", "Fabric pilled after one wash.", "Great value, fast shipping.",
            "尺码偏小，建议买大一码。", "Zipper broke on day two."]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review_id", "title", "product", "category", "rating", "date", "review_text",
                         "<img src=x onerror=window.__xss=1>"])
        for k in range(copies):
            for i, payload in enumerate(PAYLOADS):
                writer.writerow([f"{k}-{i}", PAYLOADS[(i + 3) % len(PAYLOADS)], PAYLOADS[i % 40], PAYLOADS[(i * 7) % 60],
                                 1 + i % 5, f"2026-0{1 + i % 9}-1{i % 9}", f"{base[i % 5]} {payload}", payload])
    return path
