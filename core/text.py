"""Text handling: normalise, mask PII, split reviews into snippets, detect language, tokenise.

Snippets (sentences and contrastive clauses) are the unit of analysis: one review often praises one thing
and complains about another ("love the colour but it runs small").
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

# --- normalisation -----------------------------------------------------------------------------------------

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def normalise(text: str) -> str:
    """NFKC-normalise, drop zero-width/bidi/control characters and collapse runs of spaces."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_ZERO_WIDTH)
    text = _CONTROL.sub(" ", text).replace("\r\n", "\n").replace("\r", "\n")
    return _SPACES.sub(" ", text).strip()


def text_hash(text: str) -> str:
    """Stable content hash used as the embedding-cache key."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


# --- PII masking ---------------------------------------------------------------------------------------------

_PII_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("[email]", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    # Chinese resident ID card: 17 digits + digit/X.
    ("[id]", re.compile(r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)")),
    # Payment cards: 13-19 digits in groups.
    ("[card]", re.compile(r"(?<!\d)(?:\d{4}[ -]?){3}\d{1,7}(?!\d)")),
    # Order-like ids: a code with digits right after "order", "order #/no./number" or 订单(号).
    ("[order]", re.compile(r"(?i)(?<=order)(\s*(?:#|no\.?|number|id)?\s*[:：]?\s*)(?=[A-Z0-9-]*\d)[A-Z0-9-]{6,}")),
    ("[order]", re.compile(r"(?<=订单)(号|编号)?\s*[:：]?\s*(?=[A-Za-z0-9-]*\d)[A-Za-z0-9-]{6,}")),
    # Street addresses: "221 Baker Street", "1600 Pennsylvania Ave NW, Apt 4"; "朝阳区建国路88号3栋2单元501室".
    # A house number stands alone (not the "2" of "1/2 HP" or "4-in-1"), the street's words are Title Case or an ordinal
    # ("HP Chain Drive" is not a street), and the suffix does not run on ("Drive-Through"); a product's "Chain / Belt /
    # Power Drive" is left alone (_NOT_A_STREET).
    ("[address]", re.compile(r"(?<![\w./-])\d{1,5}\s+(?:(?:[A-Z][a-z]+(?:[A-Z][a-z]+)?|\d{1,3}(?:st|nd|rd|th))\s+){1,3}"
                             r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
                             r"Terrace|Parkway|Pkwy)\b(?!-)\.?(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
                             r"(?:,?\s*(?:Apt|Apartment|Suite|Unit|#)\s*[\w-]+)?")),
    ("[address]", re.compile(r"[\u4e00-\u9fff]{0,8}(?:区|县|市|镇)?[\u4e00-\u9fff]{1,10}(?:路|街|大道|大街|巷|胡同|弄)\d{1,5}号"
                             r"(?:院|楼|大厦)?(?:\d{1,4}(?:号楼|栋|幢|座|单元|层|楼|室|号))*")),
    # Chinese mobiles (+86 optional), US/international numbers.
    ("[phone]", re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")),
    ("[phone]", re.compile(r"(?<![\w\d])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}(?![\d-])")),
]


# the kinds of drive a product has: "RIDGID 300 Power Drive", "1 HP Direct Screw Drive", "2 Speed Belt Drive"
_NOT_A_STREET = re.compile(r"(?i)\b(?:chain|belt|screw|direct|power|hydrostatic|select|gear|shaft|hard|flash|disk|disc|"
                           r"wheel|thumb|optical|speed|test|solid|state|pen|usb)\s+(?:drive|dr)\b")


def _placeholder(match: re.Match, placeholder: str) -> str:
    if placeholder == "[address]" and _NOT_A_STREET.search(match.group(0)):
        return match.group(0)
    return (match.group(1) or "" if match.re.groups else "") + placeholder


def mask_pii(text: str) -> str:
    """Replace e-mails, phone numbers, ID/card numbers, order-like ids and street addresses with placeholders."""
    for placeholder, pattern in _PII_PATTERNS:
        text = pattern.sub(lambda m, p=placeholder: _placeholder(m, p), text)
    return text


# --- language ------------------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """Return ``zh`` when CJK characters make up a fair share of letters, ``en`` for Latin text, else ``other``."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if cjk and cjk * 3 >= latin:  # one CJK character carries about as much as a 3-letter word
        return "zh"
    if latin >= 2:
        return "en"
    return "other"


# --- the customer's words ----------------------------------------------------------------------------------

# A seller's reply exported inside the review ("……下次周末再来无锡!宾馆反馈 2008年8月8日 : 感谢您对本酒店的支持！……"):
# 214 of online_shopping_10_cats' hotel reviews hold one, and on 3,000 of them the replies made a theme of their own,
# "宾馆 / 感谢您 / 欢迎您", that stood in the backlog. The reply runs to the end or to the customer's own follow-up
# ("补充点评 2008年6月7日 : ……", "追评:"). A marker counts dated (as 211 of the 212 are), at the start of a line, or
# in brackets ("[掌柜回复]"): "客服回复慢" is the customer's, and so is "问了客服，商家回复：没货了", a reply quoted.
_DATED = r"(?:\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2})"
_DATE = _DATED + "?"
_SELLER = r"(?:宾馆|酒店|饭店|商家|掌柜|卖家|店家|店主|官方)(?:的)?(?:反馈|回复|回应)"
_SELLER_REPLY = re.compile(_SELLER + _DATED + r"\s*[:：]|(?:^|(?<=\n))[ \t]*" + _SELLER + r"\s*[:：]"
                           r"|[\[【]" + _SELLER + r"[\]】]\s*[:：]?")
_CUSTOMER_AGAIN = re.compile(r"(?:补充点评|追加评论|追评|买家追评)" + _DATE + r"\s*[:：]\s*")
_ENDS = frozenset("。！？!?.;；…~ \n")


def customer_text(text: str) -> str:
    """The review without the seller's replies exported inside it, and without the headers of the customer's own
    follow-ups ("补充点评 2008年6月7日 :", which begin a sentence)."""
    if _SELLER_REPLY.search(text):
        kept, at = [], 0
        for reply in _SELLER_REPLY.finditer(text):
            if reply.start() < at:
                continue
            kept.append(text[at:reply.start()])
            again = _CUSTOMER_AGAIN.search(text, reply.end())
            at = again.start() if again else len(text)
        text = "".join([*kept, text[at:]])
    elif not _CUSTOMER_AGAIN.search(text):
        return text
    return _CUSTOMER_AGAIN.sub(lambda m: "" if m.start() == 0 or text[m.start() - 1] in _ENDS else "。", text).strip()


# --- snippets ------------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?;…])\s+|(?<=[。！？；!?])|\n+")
_EN_CONTRAST = re.compile(r",?\s+\b(?=(?:but|however|although|though|except|yet|whereas)\b)", re.IGNORECASE)
# a sentence that opens with a concession ("While the decor is great, the food ...", "Other than the service, it's
# great") holds two opinions; the comma that closes the concession is a clause boundary
_EN_CONCESSION = re.compile(r"^((?:while|whilst|although|though|even though|despite|other than|except for|apart from|"
                            r"aside from)\b[^,;:]{3,80}),\s*(?=\S)", re.IGNORECASE)
_ZH_CLAUSE = re.compile(r"(?<=[，,])|(?=(?:但是|不过|可是|就是|只是|然而))")
_MIN_CHARS = {"zh": 4, "en": 12, "other": 4}


def split_snippets(text: str, lang: str | None = None, concessions: bool = True, replies: bool = False) -> list[str]:
    """Split a review into sentence/clause snippets, merging fragments too short to mean anything; a seller's reply
    exported inside it is not the customer's and is left out (customer_text).

    ``concessions=False`` keeps an opening concession in its sentence, as snippets were cut before the ninth
    session (bench/needs.py rebuilds labelled snippets drawn then by their SHA-1); ``replies=True`` reads the text as
    it is, as snippets were cut before the thirty-second session."""
    lang = lang or detect_language(text)
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text if replies else customer_text(text)):
        if lang == "zh":
            parts = _ZH_CLAUSE.split(sentence)
        else:
            stripped = sentence.lstrip()
            head = _EN_CONCESSION.match(stripped) if concessions else None
            if head and len(stripped) - head.end() < _MIN_CHARS["en"]:
                head = None  # "Other than the delivery, great." stays one snippet
            parts = [head.group(1), *_EN_CONTRAST.split(stripped[head.end():])] if head else _EN_CONTRAST.split(sentence)
        pieces.extend(p.strip(" ,，、") for p in parts)
    return _merge_short([p for p in pieces if p], _MIN_CHARS.get(lang, 4))


def _merge_short(pieces: list[str], min_chars: int) -> list[str]:
    """Glue pieces shorter than ``min_chars`` onto the previous one (or the next, for a leading one)."""
    merged: list[str] = []
    for piece in pieces:
        if merged and (len(piece) < min_chars or len(merged[-1]) < min_chars):
            joiner = "" if _CJK.search(piece[:1] or "x") else " "
            merged[-1] = f"{merged[-1]}{joiner}{piece}"
        else:
            merged.append(piece)
    return merged


# --- tokenising for keywords and labels -----------------------------------------------------------------------

ZH_STOPWORDS = frozenset(
    """的 了 是 我 也 就 都 很 还 和 在 有 不 这 那 个 一 吧 啊 呢 吗 哦 呀 嘛 着 过 被 把 给 让 对 与 及 或 而 但 但是 不过
    可是 就是 只是 然后 因为 所以 如果 虽然 还是 而且 并且 这个 那个 这样 那样 这么 那么 什么 怎么 一个 一些 一下 一点 没有
    我们 你们 他们 她们 它们 自己 大家 东西 感觉 觉得 非常 比较 真的 真是 特别 实在 确实 其实 已经 可以 可能 应该 还有 以后
    之前 时候 现在 知道 一直 只有 不是 不会 不能 问题 还好 有点 有些 一般 太 最 更 再 又 才 挺 蛮 比 跟 为 从 到 说 去 来
    上 下 里 中 后 前 多 少 没 会 能 要 想 看 用 买 个 次 件 款 啊 哈 哈哈 嗯 吧 呵呵 ~ ， 。 ！ ？ 、 ： ； … “ ” （ ）
    是不是 要不是 总是 有没有 任何 唯一 一样 也许 也好 再也 就是说 就要 早就 全都 每个 每次 半个 四个 整个 两个 三个
    什么样 没什么 为什么 我要 给我 告诉 不要 无法 再次 一次 这次 结果 很多 左右 可惜 最大 大小 所有 只是 还是 或者
    而是 不用 不能 不好 不错 可能 一定 以为 认为 总之 反正 居然 竟然 终于 几乎 简直 看到 看看 出来 起来 下来 东西
    这种 那种 这些 那些 这里 那里 这样 如此 同样 一般般 之后 以前 以后 当时 现在 今天 昨天 一天 两天 时间
    算是 还算 还行 一点点 一点儿 有点儿 稍微 略微 而已 之类 的话 方面 有种 经常 个人 本人 总体 整体 基本 基本上 作为
    此书 本书 这本 书中 这家 那家 毕竟 要是 就算 即使 尽管 只要 只能 反而 甚至 然而 另外 此外 例如 比如 因此 于是 否则
    除了 不但 不仅 虽说 当然 肯定 绝对 完全 根本 似乎 好像 大概 估计 差不多 一起 总的来说 来说 尤其 需要 其他 这是 里面
    难道 最后""".split()
# (the last four lines, twenty-third session: hedges, conjunctions and pointers that named Chinese themes on 6,000
# online_shopping_10_cats reviews, "算是 / 还行 / 一点点", "此书 / 书中 / 作者")
)


# Product nouns jieba's dictionary cuts into a word and a lone character, which tokenize_zh then drops: 充电宝 was
# 充电 + 宝, so the bundled demo's power-bank search intent read "充电 / 电宝 / 充宝" (the last two: queries typed with a
# character missing). 122 of the 50,125 online_shopping_10_cats reviews hold one of them.
ZH_PRODUCT_WORDS = ("充电宝 暖手宝 手机壳 保护壳 钢化膜 手机膜 料理机 破壁机 卷发棒 直发器 空调扇 按摩仪 体脂秤 充电线 拓展坞 "
                    "扩展坞 保温壶").split()
# Words jieba's dictionary makes of a count and what follows it: "等了4天才收到" (waited 4 days before it came) was cut
# 4 / 天才 (genius) / 收到, and 天才 became a keyword of a delivery theme. Nearly all of the 326 online_shopping_10_cats
# reviews holding 天才 say "N天才到" ("几天才", "3天才", "今天才"); none means a genius. (Tuning its frequency down is
# not enough: jieba's HMM joins the two characters again.)
ZH_NOT_WORDS = ("天才",)
# Experience words jieba cuts into two lone characters, which tokenize_zh then drops: the bundled demo's "上手很快"
# (quick to learn) was 上 / 手 / 很快, so its theme was labelled "很快" (fast) as if it were about speed; "尺码偏大"
# lost 偏大 (runs large) while 偏小 was kept. 46 and 65 of the online_shopping_10_cats reviews hold them.
ZH_EXPERIENCE_WORDS = ("上手", "偏大")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    for word in (*ZH_PRODUCT_WORDS, *ZH_EXPERIENCE_WORDS):
        jieba.add_word(word)
    for word in ZH_NOT_WORDS:
        jieba.del_word(word)
    return jieba


def tokenize_zh(text: str) -> list[str]:
    """Cut Chinese text into words with jieba; drop stop words, punctuation and single characters."""
    return list(_zh_words(text))


# An analysis cuts each Chinese snippet two or three times (the word view of bundled:zh-char-word, the themes' c-TF-IDF,
# the labels): on 6,000 online_shopping_10_cats reviews 79,857 calls for 30,540 snippets, 9.8 s of a 22.9 s run. The
# passes run one after the other over every snippet, so the cache holds a whole file's snippets (~250,000 for all
# 50,085 reviews: peak memory 2.83 -> 3.00 GB); Pipeline clears it when a run ends.
ZH_WORD_CACHE = 1 << 18


@lru_cache(maxsize=ZH_WORD_CACHE)
def _zh_words(text: str) -> tuple[str, ...]:
    return tuple(
        w
        for w in _jieba().lcut(text)
        if len(w) >= 2 and w not in ZH_STOPWORDS and not w.isdigit()
        and (_CJK.search(w) or (w.isascii() and w.isalpha() and len(w) >= 3))
    )


def forget_zh_words() -> None:
    """Release the cut words of the last analysis (a server that analysed a file keeps nothing it no longer needs)."""
    _zh_words.cache_clear()


def spelling_variants(counts: dict[str, int], ratio: float = 5.0, min_count: int = 5, min_chars: int = 3) -> dict[str, str]:
    """Rare misspellings of a frequent query: {variant: the query it misspells}. A variant is one edit (a character
    dropped, added, changed, or two swapped) from a query searched at least ``ratio`` times as often and at least
    ``min_count`` times, as a search engine's "did you mean" reads a log ("coffee makr", "cofee maker" and
    "coffeemaker" are "coffee maker"). A digit is never the edit: "ipad 2" is no "ipad 3", "2000毫安" no "20000毫安".
    Found by shared one-character deletions (SymSpell), so a large log costs ~a dozen dictionary lookups per query."""
    frequent = {q: c for q, c in counts.items() if c >= min_count and len(q.replace(" ", "")) >= min_chars + 1}
    index: dict[str, list[str]] = {}
    for query in frequent:
        for key in _deletions(query):
            index.setdefault(key, []).append(query)
    out: dict[str, str] = {}
    for query, count in counts.items():
        if len(query.replace(" ", "")) < min_chars:
            continue
        near = {q for key in _deletions(query) for q in index.get(key, ())}
        near = [q for q in near if q != query and frequent[q] >= ratio * count and _one_edit(query, q)]
        if near:
            out[query] = max(near, key=lambda q: (frequent[q], q))
    for variant, query in out.items():  # a chain ("cofee mker" -> "coffee mker" -> "coffee maker") ends at its query
        seen = {variant}
        while query in out and query not in seen:
            seen.add(query)
            query = out[query]
        out[variant] = query
    return out


def _deletions(query: str) -> set[str]:
    """The query and every string one character shorter: two strings one edit apart share one of these."""
    return {query, *(query[:i] + query[i + 1:] for i in range(len(query)))}


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one edit (a character dropped, added or changed, or two adjacent ones swapped)
    that involves no digit."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    left, right = a[start:len(a) - end], b[start:len(b) - end]  # what differs, on each side
    one_edit = len(left) + len(right) == 1 or len(left) == len(right) == 1 or (len(left) == 2 and left == right[::-1])
    if not one_edit or any(ch.isdigit() for ch in left + right):
        return False
    # the word the edit falls in (both words, where the edit is a space) is long enough to be misspelt: "a bolt" and
    # "l bolt" are two things; a Chinese character counts twice ("快充" is a word)
    first = b.rfind(" ", 0, max(start, 1) - 1 if b[start:start + 1] == " " else start) + 1
    last = b.find(" ", start + 1 if b[start:start + 1] == " " else start)
    word = b[first:last if last >= 0 else len(b)].replace(" ", "")
    return len(word) + len(_CJK.findall(word)) >= 3
