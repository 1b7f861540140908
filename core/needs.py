"""Latent needs: from themes to decisions.

- Need types: every snippet gets a type from an editable taxonomy, zero-shot: each type's English and Chinese
  descriptions (plus any examples the PM adds) are embedded with the same route embedder as the snippets, and a
  snippet takes the closest type's name (or "other" when nothing is close).
- Feature requests and wishes: cue patterns in English and Chinese ("I wish it had", "would be great if",
  "希望", "建议", "要是……就好了"), with exclusions for regrets ("I wish I had ordered a size up"); the requested
  thing is extracted and grouped.
- Rating drivers: least squares of the star rating on "mentions theme negatively / positively" indicators, with
  95% confidence intervals; the lift if a theme's complaints disappeared.
- Emerging issues: a theme's share in the recent window against its own history, one-sided two-proportion z-test.
- Opportunity: importance x dissatisfaction (0-10), with outcome-driven innovation's importance + max(importance -
  satisfaction, 0) beside it.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .chunks import map_rows

OTHER = "other"
# A snippet is "other" when its best type scores below the floor, or (English) when the best type stands out from the
# average type by less than the lift: context sentences ("Bought this for my partner.") sit about as near every type.
# Chosen on bench/labels/need_types_dev.csv and need_types_test.csv (`python bench/needs.py types`); the Chinese floor
# again in the nineteenth session with the longer word lists, on the development set and tests 1 and 3 (typed by
# their words first, a Chinese snippet reaches the vectors' floor mostly when it is about no listed need); and in the
# twenty-fourth session for the encoder without phrasing n-grams (0.45 -> 0.5, on the development set, test 3 and
# the demo's planted needs; bench/RESULTS.md).
NEED_TYPE_FLOOR = {"en": 0.2, "zh": 0.5}
NEED_TYPE_LIFT = {"en": 0.10, "zh": 0.0}
# Routes whose snippets are first typed by the words of the taxonomy's descriptions they contain (the type whose words
# cover the most characters, when one does); the vectors decide the rest. Chinese: its character n-gram vectors know
# 服务态度 but place a snippet by its characters, not its sense (bench/needs.py types).
NEED_TYPE_LEXICAL = frozenset({"zh"})


@dataclass(frozen=True)
class NeedType:
    name: str
    description_en: str
    description_zh: str
    examples: tuple[str, ...] = ()


DEFAULT_TAXONOMY: tuple[NeedType, ...] = (
    NeedType("price/value 性价比", "price, value for money, too expensive, cheap, worth the price, overpriced, bargain",
             "性价比 价格 价钱 价位 太贵 贵 便宜 实惠 划算 值 不值 物超所值 不值这个价 优惠 优惠券 活动 降价 涨价 打折 折扣 促销 差价 保价 省钱"),
    NeedType("quality/durability", "quality, durability, broke, stopped working, fell apart, cheap material, sturdy, well made",
             "质量 做工 耐用 坏了 坏 结实 粗糙 线头 材质 材质差 面料 次品 假货 正品 原装 翻新 山寨 劣质 质量问题 瑕疵 破洞 开线 掉色 "
             "褪色 起球 缩水 异味 新鲜 不新鲜 烂 坏果 变质 过期 发霉 漏水 裂开 断了 掉漆 故障 毛病 品控"),
    NeedType("usability/experience 使用体验", "easy to use, setup, buttons, manual, app, hard to clean, convenient, user experience",
             "使用体验 使用 操作 方便 不方便 简单 复杂 麻烦 说明书 不好用 好用 难用 易用 容易 清洗 清洁 拆洗 安装 设置 上手 一键 "
             "界面 菜单 按键 按钮 遥控 调节 便携 携带 手感 舒服"),
    NeedType("fit/size", "fit, size, runs small, runs large, too tight, loose, length, true to size, petite",
             "尺码 尺寸 大小 长度 偏小 偏大 合身 不合适 太紧 宽松 大一码 小一码 码数 号码 大码 小码 偏瘦 偏胖 个头"),
    NeedType("appearance", "colour, color, looks, design, style, pretty, beautiful, looks cheap, photos",
             "颜色 外观 外形 设计 样子 图案 好看 难看 漂亮 精美 精致 美观 时尚 大方 丑 款式 造型 配色 花色 颜值 图片 色差"),
    NeedType("performance/battery", "battery life, charge, lasts, power, speed, performance, sound quality, slow",
             "电池 续航 充电 耗电 电量 待机 耐用 速度 性能 效果 功能 运行 流畅 反应 慢 卡顿 死机 重启 开机 系统 信号 网速 通话 "
             "音质 声音 音量 噪音 发热 发烫 散热 屏幕 分辨率 清晰 摄像头 拍照 像素 内存 硬盘 处理器 CPU 显卡 加热 制热 水压 "
             "去屑 控油 滋润"),
    NeedType("shipping/packaging", "shipping, delivery, arrived, package, packaging, box, damaged in transit, late",
             "快递 快递员 快递小哥 物流 发货 发货快 发出 配送 送货 送到 送达 到货 到手 签收 取件 揽件 运输 运费 包邮 包装 包装盒 "
             "包裹 盒子 纸箱 箱子 破损 压坏 发货速度 物流速度 快递速度 送货速度 配送速度 到货速度"),
    NeedType("service/returns", "customer service, return, refund, exchange, seller, support, warranty",
             "客服 服务 服务态度 服务员 工作人员 店员 员工 前台 经理 司机 师傅 态度 热情 礼貌 耐心 不理 道歉 解释 回复 答复 处理 "
             "投诉 退货 退款 换货 退换 维修 保修 售后 卖家 商家 店家"),
    NeedType("missing feature/wish", "I wish it had, would be great if, needs a, should come with, please add, missing feature",
             "希望 建议 要是有 要是能 如果能 最好能 就好了 缺少 增加 功能"),
)


def taxonomy_frame(taxonomy: tuple[NeedType, ...] = DEFAULT_TAXONOMY) -> pd.DataFrame:
    return pd.DataFrame([{"name": t.name, "description_en": t.description_en, "description_zh": t.description_zh,
                          "examples": "\n".join(t.examples)} for t in taxonomy])


def taxonomy_from_frame(frame: pd.DataFrame) -> tuple[NeedType, ...]:
    rows = frame.fillna("")
    return tuple(NeedType(str(r["name"]).strip(), str(r["description_en"]), str(r["description_zh"]),
                          # one example per line, or separated by "|" (a table cell is easier to type on one line)
                          tuple(e.strip() for e in re.split(r"[\n|]", str(r.get("examples", ""))) if e.strip()))
                 for _, r in rows.iterrows() if str(r["name"]).strip())


def need_type_phrases(need: NeedType, route: str) -> list[str]:
    """A type's phrases in one language: its description cut at commas (English) or commas and spaces (Chinese, whose
    descriptions are word lists), then the PM's examples."""
    description = need.description_zh if route == "zh" else need.description_en
    parts = re.split(r"[,，、;；\s]+" if route == "zh" else r"[,;]+", description)
    return [p.strip() for p in parts if p.strip()] + [e for e in need.examples if e.strip()]


def need_type_scores(vectors: np.ndarray, route: str, taxonomy: tuple[NeedType, ...],
                     embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Similarity of each snippet (row) to each type (column): the mean of the cosine to the type's closest phrase
    and the cosine to the mean of its phrases. The closest phrase lets one specific phrase ("材质差", a PM's example)
    claim a snippet that a blurred average of many phrases would miss; the mean keeps one stray phrase from claiming
    everything near it."""
    phrases = [need_type_phrases(need, route) or [need.name] for need in taxonomy]
    flat = embed([p for group in phrases for p in group]).astype(np.float32)
    flat /= np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-12)
    groups, start = [], 0
    for group in phrases:
        block = flat[start:start + len(group)]
        start += len(group)
        mean = block.mean(axis=0)
        groups.append((block.T, mean / max(float(np.linalg.norm(mean)), 1e-12)))

    def score(rows: np.ndarray) -> np.ndarray:
        rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)  # a leading-dims slice is not unit
        return np.stack([((rows @ block).max(axis=1) + rows @ mean) / 2 for block, mean in groups], axis=1)

    # float32 row chunks: a float32 copy of a million reviews' compact (float16) vectors was 1.1 GB of the pipeline's
    # peak (bench/scale.py, thirty-sixth session)
    return map_rows(score, vectors, len(taxonomy))


def lexical_need_types(texts: list[str], route: str, taxonomy: tuple[NeedType, ...]) -> np.ndarray:
    """Per snippet, the index of the type whose description words (and the PM's examples) cover the most of its
    characters, or -1 when none or several tie. Longer words first, no character counted twice ("服务态度" is one
    service word, not 服务 + 态度); a word in two types' lists counts for both."""
    owners: dict[str, set[int]] = {}
    for j, need in enumerate(taxonomy):
        for phrase in need_type_phrases(need, route):
            owners.setdefault(phrase.lower(), set()).add(j)
    out = np.full(len(texts), -1, dtype=np.int64)
    if not owners:
        return out
    words = re.compile("|".join(re.escape(w) for w in sorted(owners, key=len, reverse=True)))
    for i, text in enumerate(texts):
        cover = np.zeros(len(taxonomy))
        for match in words.finditer(text.lower()):
            for j in owners[match.group()]:
                cover[j] += len(match.group())
        top = cover.max()
        if top > 0 and (cover == top).sum() == 1:
            out[i] = int(cover.argmax())
    return out


def need_type_dims(embedder) -> int | None:
    """How many leading dimensions of an embedder's vectors need types read (None: all). The bundled Chinese model
    sets jieba words beside its characters; the words group need themes by need, but typed the hand-labelled Chinese
    snippets worse than the characters the floor was chosen with (accuracy 0.811 against 0.829 over the sets it was
    chosen on, at every floor from 0.35 to 0.6; bench/RESULTS.md, twenty-sixth session), so types read the characters."""
    inner = getattr(embedder, "inner", embedder)
    dims = getattr(inner, "char_dim", None)
    return dims if dims is not None and dims < getattr(inner, "dim", dims) else None


def assign_need_types(vectors: np.ndarray, route: str, taxonomy: tuple[NeedType, ...],
                      embed: Callable[[list[str]], np.ndarray], min_similarity: float | None = None,
                      min_lift: float | None = None, texts: list[str] | None = None,
                      dims: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Zero-shot need type per snippet: the type scored highest by ``need_type_scores``, or "other" below the
    route's floor or lift (``NEED_TYPE_FLOOR``, ``NEED_TYPE_LIFT``). With ``texts``, on a route in
    ``NEED_TYPE_LEXICAL``, a snippet holding one type's description words most is that type. With ``dims``, only the
    vectors' first ``dims`` dimensions are read (``need_type_dims``)."""
    if len(vectors) == 0 or not taxonomy:
        return np.array([], dtype=object), np.zeros(0)
    if dims is not None:
        vectors = vectors[:, :dims]  # a view: need_type_scores reads it a chunk at a time, normalised there
        whole = embed

        def embed(phrases: list[str]) -> np.ndarray:
            return whole(phrases)[:, :dims]
    floor = NEED_TYPE_FLOOR.get(route, 0.2) if min_similarity is None else min_similarity
    lift = NEED_TYPE_LIFT.get(route, 0.0) if min_lift is None else min_lift
    scores = need_type_scores(vectors, route, taxonomy, embed)
    best, score = scores.argmax(axis=1), scores.max(axis=1)
    all_names = np.array([t.name for t in taxonomy], dtype=object)
    typed = (score >= floor) & (score - scores.mean(axis=1) >= lift)
    out = np.where(typed, all_names[best], OTHER)
    if texts is not None and route in NEED_TYPE_LEXICAL:
        lexical = lexical_need_types(texts, route, taxonomy)
        out = np.where(lexical >= 0, all_names[np.maximum(lexical, 0)], out)
    return out, score


# --- feature requests ------------------------------------------------------------------------------------------------

_POSITIVE = (r"(?:great|nice|better|perfect|good|awesome|helpful|ideal|lovely|amazing|fantastic|a\s+dream|a\s+keeper|"
             r"(?:one\s+of\s+)?my\s+(?:new\s+)?favou?rites?|five\s+stars|5\s+stars|even\s+better|so\s+much\s+better)")
_CHANGE = (r"(?:longer|shorter|more|less|bigger|smaller|wider|narrower|looser|tighter|thicker|thinner|softer|higher|lower|"
           r"deeper|lighter|heavier|stronger|sturdier|lined|made|cut|sold|offered|available|included|labell?ed|"
           r"marked|sewn|reinforced|adjustable|washable|cheaper|priced|either)")
_EN_CUES = [
    # wishes about the product or the seller (regrets about one's own choice are excluded below)
    re.compile(r"(?i)\bwish(?:ed|es)?\b(?!\s+list|\s+lsit)(?=\W*\w)"),
    re.compile(r"(?i)would\s+(?:be|have\s+been)\s+(?:so\s+|really\s+|very\s+|even\s+)?" + _POSITIVE +
               r"\s*,?\s*(?:if|to\s+have|had|with\s+(?:a|an|more|some|another|pockets?|sleeves|lining|buttons?))\b"),
    re.compile(r"(?i)\b(?:it|this|they|which|really|definitely|just|only|still|actually)\s+(?:really\s+|definitely\s+|just\s+|actually\s+)?"
               r"(?:needs|could\s+use)\s+(?:to\s+(?:be|come|have|add)|a|an|more|some|either|better)\b"),
    # a part of the product that "needs to" change ("the neckline needs to open up"), not what the wearer needs
    re.compile(r"(?i)\b(?!(?:she|he|one|everyone|someone|anyone|who|that)\b)[a-z]+\s+(?:really\s+|definitely\s+)?needs\s+to\s+"
               r"(?!be\s+(?:worn|paired|dry|hand|washed|ironed|steamed|tried|returned|layered|styled|taken|hemmed|altered))"
               r"(?:be|open|come|have|go|get|add|include|run|fit|hang|sit|stop)\b"),
    re.compile(r"(?i)should\s+(?:come|have\s+come)\s+(?:at\s+least\s+|also\s+|standard\s+)?with|should\s+(?:have|include|offer|add)\s+(?:a|an|more|some)\b"),
    # "the zipper should be longer", "sleeves should have been either longer or sleeveless", "(and should be)"
    re.compile(r"(?i)\b(?!(?:i|you|we|she|he)\b)[a-z]+\s+should\s+(?:really\s+)?(?:have\s+been|be)\s+(?:a\s+(?:bit|little)\s+|"
               r"much\s+|slightly\s+|way\s+|a\s+few\s+inches\s+|an\s+inch\s+|\d+\s+inch(?:es)?\s+)?" + _CHANGE + r"\b|\(\s*and\s+should\s+be\s*\)"),
    re.compile(r"(?i)\bplease\s*[-,!]?\s*(?:always\s+|do\s+)?(?:add|make|include|offer|bring|get|restock|re-stock|stock|carry|send|"
               r"consider|change|keep|sell|design|release|produce|redo|test|colou?r\s+test|fix|improve|reconsider|go\s+back|"
               r"return\s+to|use|line|lengthen|stop|enough|no\s+more)\b"
               r"|\bmore\s+(?:\w+\s+){0,4}?(?:colou?rs|sizes|options|styles|prints|patterns|lengths|fabrics|like\s+th(?:is|ese))\b.{0,60}\bplease\b"
               # fifth revision: "please retailer, offer ...", "step it up please retailer!", "please keep making these"
               r"|\bplease\b[^.!?]{0,8}\bretailer\b|\bretailer\b[^.!?]{0,8}\bplease\b|\bstep\s+it\s+up\b"
               r"|\bplease\s+(?:\w+\s+){0,2}(?:keep|continue)\s+(?:making|selling|carrying|offering|producing|stocking)"
               r"|\bplease\s+size\s+(?:true|correctly|accurately|consistently|them|these|this|it)\b"),
    re.compile(r"(?i)\bhop(?:e|ing)\s+(?:that\s+)?(?:they|the\s+\w+|retailer|you|[a-z]+\s+will)\s+(?:will\s+)?(?:come\s+out\s+with|add|make|bring|"
               r"restock|offer|carry|carries|keep|produce|design|do\s+more|continue|re-?release|improve|fix|change|reconsider|"
               r"take\s+this|listen|update|rethink)"
               r"|\bhop(?:e|ing)\s+to\s+see\s+(?:more|it|this|them|other)"
               r"|\bhop(?:e|ing)\s+(?:i|we)\s+(?:can|will|could)\s+(?:find|see|get)\s+more\b[^.]{0,30}\blike\s+th(?:is|ese)"),
    re.compile(r"(?i)\bif\s+only\b|only\s+(?:thing\s+)?(?:missing|lacking)\s+is|"
               r"(?:would|['\u2019]d)\s+love\s+(?:a|an|to\s+see|if|more|other|another|"
               r"to\s+have|(?:it|this|them|these|one)\s+in)\b|would\s+love\s+in\s+(?:other|more|a|an|different)"),
    re.compile(r"(?i)(?<!\bit )(?<!\bthis )(?<!\bthat )(?<!\bwhich )(?<!\bthey )\bwould\s+be\s+(?:great|nice|lovely|awesome|perfect)\s*(?:!+|\.)?\s*$"),
    # counterfactuals about the product: "if it were more silky it would be a dream", "would be a favourite if the
    # neckline were straight", "my fit problem would be solved if petite was available"
    re.compile(r"(?i)\bif\s+(?:it|they|this|these|the\s+[a-z]+(?:\s+[a-z]+)?)\s+(?:were|was|had|came|didn't|did\s+not)\b[^.;]{0,60}"
               r"\bwould\s+(?:be|have\s+been)\s+(?:so\s+|really\s+|even\s+|absolutely\s+)?" + _POSITIVE),
    re.compile(r"(?i)\bwould\s+(?:be|have\s+been)\s+(?:so\s+|really\s+|even\s+|absolutely\s+)?" + _POSITIVE +
               r"[^.;]{0,50}\bif\s+(?:only\s+)?(?:it|they|this|these|the\s+[a-z]+(?:\s+[a-z]+)?)\s+(?:were|was|had|came|didn't|did\s+not)\b"
               r"|\bwould\s+be\s+solved\s+if|\bif\s+[a-z]+\s+(?:was|were)\s+(?:available|offered|made)"),
    re.compile(r"(?i)\b(?:downside|complaint|con|drawback|negative|issue|problem|flaw|gripe)\s+(?:is|was|would\s+be)\s+(?:the\s+)?"
               r"(?:lack\s+of|no\s|that\s+(?:it|they)\s+(?:doesn't|don't|didn't|does\s+not|do\s+not)\s+(?:have|come))"
               r"|\black\s+of\s+(?:other\s+|more\s+)?(?:\w+\s+)?(?:colou?rs|sizes|options|pockets|lining|petites?|choices|variety)"),
    re.compile(r"(?i)\bonly\s+thing\s+i\s+would\s+(?:consider\s+)?chang|\bi\s+would\s+(?:change|love\s+to\s+see)\b"
               r"|\bretailer\b[^.]{0,40}\b(?:you\s+need\s+to|please|should)\b"),
    # fourth revision (from held-out 3's misses, written as general forms):
    # a counterfactual about the product with a better outcome: "if it had more stretch then the sizing would be ok",
    # "if the fringe would have been more subtle, the top would be cuter", "if it was, i would love this dress"
    re.compile(r"(?i)\bif\s+(?:only\s+)?(?:it|they|this|these|the\s+[a-z]+(?:\s+[a-z]+)?)\s+(?:was|were|had|would\s+have\s+been|"
               r"came\s+(?:in|with))\b[^.;]{0,80}?\b(?:then\s+)?(?:i|it|they|the\s+[a-z]+|sizing|fit)\s+would\s+"
               r"(?:love|keep|buy|have\s+kept|be\s+(?:ok|okay|fine|perfect|cuter|nicer|prettier|better|great|a\s+keeper)|work|"
               r"have\s+been\s+(?:ok|perfect|better|great))\b"),
    # what the maker should have done: "they should've done an extra stitch", "the designer should have lined it"
    re.compile(r"(?i)\b(?:they|designers?|makers?|manufacturers?|retailer|brand|company|it|this)\s+should(?:'ve|\s+have)\s+"
               r"(?:been\s+)?(?:done|made|used|put|added|included|lined|designed|chosen|gone\s+with|offered|sewn|reinforced|"
               r"cut|sized|given)\b"),
    # "would be better as a solid", "would be nicer in a softer fabric", "would be perfect without the ruffles"
    re.compile(r"(?i)\bwould\s+(?:be|look)\s+(?:so\s+|much\s+|even\s+|a\s+lot\s+)?(?:better|nicer|cuter|prettier|perfect)\s+"
               r"(?:as\s+a|in\s+(?:a|an|other|another|different|more)|without|with\s+(?:a|an|more|some|less|longer|"
               r"shorter|real|actual|better))\b"),
    # parts that need changing: "the buttons need to be reinforced", "the straps need to be longer"
    re.compile(r"(?i)\b(?!(?:i|you|we|she|he|people|women)\b)[a-z]+s\s+(?:really\s+)?need\s+to\s+be\s+(?:a\s+(?:bit|little)\s+)?"
               r"(?:" + _CHANGE[3:-1] + r"|reinforced|fixed|redesigned|improved|adjusted|changed|updated|re-?sewn)\b"),
    # a subject-less "needs ..." opening the clause: "but needs a little extra room", "just needs more stretch"
    re.compile(r"(?i)(?:^|\bbut\s+|\band\s+|\bjust\s+|\bstill\s+)needs\s+(?:a|an|more|some|to\s+(?:be|have))\b"),
    # what the maker needs to do: "they need to put a side zipper on this"
    re.compile(r"(?i)\b(?:they|designers?|manufacturers?|retailer|brand|company)\s+(?:really\s+)?need\s+to\s+"
               r"(?:put|add|make|fix|change|offer|include|use|bring|stop|start|redesign|improve|rethink|reconsider|consider|"
               r"go\s+back|carry|sell|keep)\b"),
    # hoping for a new version: "i will hope for a remake of this dress with a better fabric"
    re.compile(r"(?i)\bhop(?:e|ing)\s+for\s+(?:a|an|the)\s+(?:remake|re-?release|restock|new\s+version|version|petite|plus|"
               r"longer|shorter|lined|different|reissue|redesign)"),
    # fifth revision (from held-out 4's misses): "the fitting could use some work", "and could use more detailing";
    # "i would be so happy if the designer made some modifications"; "wish i could buy it in the black"
    re.compile(r"(?i)(?:\b(?!(?:i|you|we|she|he|one|everyone|anyone|someone)\b)[a-z]+|\band|\bbut)\s+could\s+(?:really\s+|definitely\s+)?"
               r"use\s+(?:a|an|more|some|better|less|another|work)\b"),
    re.compile(r"(?i)\bwould\s+be\s+(?:so\s+|very\s+|really\s+)?(?:happy|thrilled|glad|grateful|delighted)\s+if\s+"
               r"(?:the|they|retailer|you|it|this)\b"),
    re.compile(r"(?i)\bwish\s+(?:that\s+)?i\s+could\s+(?:have\s+)?(?:buy|bought|get|got|gotten|order|ordered|find|found|"
               r"purchase|purchased)\s+(?:it|this|them|one|these)\s+in\b"),
    # sixth revision (from held-out 5's misses): "would be even better in cotton", "would be a lovely dress in a better
    # quality fabric", "but need it longer", "i need these back in my life" (a restock)
    re.compile(r"(?i)\bwould\s+be\s+(?:a\s+|an\s+)?(?:even\s+|so\s+|much\s+)?" + _POSITIVE + r"\s+(?:\w+\s+)?in\s+(?:a\s+|an\s+)?"
               r"(?:better|different|another|other|softer|thicker|heavier|lighter|thinner|natural|real|more|less|cotton|silk|"
               r"wool|linen|cashmere|leather|denim|rayon|petite|plus|tall|solid)\b"),
    re.compile(r"(?i)(?:^|\bbut\s+|\bjust\s+|\bwould\s+)need(?:s)?\s+(?:it|them|this|these)\s+(?:to\s+be\s+)?(?:a\s+(?:bit|little)\s+)?"
               + _CHANGE + r"\b|\bneed\s+(?:these|them|this|it)\s+back\b|\bbring\s+(?:these|them|this|it)\s+back\b"),
    # seventh revision (from held-out 7's misses): "hope retailer will give us short girls a break and order more
    # petite", "hope it will come in other colors", "would love to get it in more colors", "the design should have been
    # centered", "wool should be listed first", "the deal breaker was the lack of belt loops", "would be a fun option"
    re.compile(r"(?i)\bhop(?:e|ing)\s+i\s+(?:can|could|will)\s+(?:get|find|buy|order)\s+(?:it|these|them|this|one)\s+in\b"
               r"|\bhop(?:e|ing)\s+(?:that\s+)?(?:retailer|they|the\s+(?:designer|brand|company|maker))\s+(?:will|would|can)\s+"
               r"(?:give|put|order|stock|start|stop|make|bring|offer|consider)\b"
               r"|\bhop(?:e|ing)\s+(?:it|they|this)\s+(?:will|would)\s+come\s+(?:in|out)\b"
               r"|\bwould\s+love\s+to\s+(?:get|buy|have|see)\s+(?:it|this|them|these|one)\s+in\b"),
    re.compile(r"(?i)\b(?:design|pattern|print|hem|seam|seams|waist|neckline|lining|zipper|buttons?|straps?|sleeves?|fabric|"
               r"material|wool|size|sizing|label|tag|description|photos?|pictures?)\s+should\s+(?:have\s+been|be)\s+"
               r"(?:\w+ly\s+)?(?:listed|centered|centred|placed|sewn|lined|made|labell?ed|described|shown|moved|switched|changed|"
               r"fixed|reinforced|higher|lower|removed|added|included|noted|mentioned)\b"),
    re.compile(r"(?i)\b(?:deal\s*breaker|downside|drawback|only\s+complaint|biggest\s+complaint)\s+(?:was|is|would\s+be)\s+"
               r"(?:the\s+)?(?:lack\s+of|no|missing)\b|\bwould\s+be\s+(?:a\s+)?(?:fun|great|nice|good|welcome)\s+option\b"),
]
_EN_REGRET = re.compile(
    r"(?i)\bwish(?:ed)?\s+(?:that\s+)?i\b(?!\s+had\s+(?:less|more|a|an)\b|\s+could\s+(?:have\s+)?(?:select|choose|pick|get)"
    r"|\s+could\s+(?:have\s+)?(?:buy|bought|get|got|gotten|order|ordered|find|found|purchase|purchased)\s+"
    r"(?:it|this|them|one|these)\s+in\b)"
    r"|\bwish\s+(?:it|this|they|these)(?:\s+\w+)?\s+(?:had\s+)?(?:worked|fit\s+me|fits\s+me|would\s+work|fit\b[^.]*\bme\b)"
    r"|\bwish(?:ed)?\s+(?:that\s+)?(?:it|this|they|these)(?:\s+\w+)?\s+(?:(?:could|would|had)\s+(?:have|of)\s+|had\s+|would\s+)?"
    r"(?:worked|fit|fitted)\b(?!\s+(?:better|more|less|like|in|through|around|at|the|my|a\b|well|nicer|looser|tighter))"
    r"|\bwish\s+(?:it|this|they)\s+(?:were|was|had\s+been)\s+(?:in\s+stock\s+when|my\s+size)"
    r"|\bwish(?:ed)?\s+(?:that\s+)?(?:it|this|they)\s+(?:looked|look)\s+like|\bwish\s+(?:you|one)\s+(?:could|had)\b"
    r"|\bthought\s+(?:it|this|they|these)\s+would\b|\bif\s+you\s+(?:have|are|want|like|'re)\b|\bif\s+you're\b"
    r"|\bif\s+only\s+i\b|\b(?:no\s+doubt|thought|expected|expecting|hoped|assumed|knew|figured|imagined?)\b[^.]{0,60}\bwould\s+be\b"
    r"|\bshould\s+have\s+(?:ordered|bought|gotten|sized|gone|returned|listened|read|known|picked)"
    r"|\bwish\s+(?:that\s+)?(?:it|this|they)\s+had\s+worked|\bi\s+should\s+be\b"
    r"|\bif\s+only\s+[^.]{0,40}\bto\s+my\b"
    r"|\bneeds?\s+(?:a|an)\s+(?:cami|camisole|slip|tank|bra|belt|undershirt|tee|t-shirt|layer|shell|jacket|heel|heels)\b"
    r"|\b(?:you|everything|anything)\b[^.]{0,30}\bneeds\s+to\s+be\b|\bwould\s+be\s+\w+\s+if\s+i\b"
    r"|\bif\s+only\s+the\s+(?:sun|sunshine|weather|snow|rain|summer|winter|spring)\b"
    r"|\bthe\s+(?:\d+|xx?s|xx?l|small|medium|large)\s+(?:top|bottom)\b")
# Chinese: a wish or suggestion directed at the seller, maker, hotel, platform or author ("希望京东能提高服务",
# "建议酒店放两双拖鞋"), a wish or suggestion for a change (增加, 改进, 提供, 优惠 ...), a conditional wish ("要是……就好了",
# "如果有……会更好", "如果价格能少一点"), or a regret that something is missing ("可惜不带系统"); advice to other buyers,
# wishes for the seller's success and hopes about one's own experience are excluded.
_ZH_AGENT = (r"(?:酒店|宾馆|饭店|携程网|携程|[Cc]trip|京东商城|京东|当当网|当当|卓越网|卓越|亚马逊|商家|卖家|厂家|厂商|店家|店主|掌柜|作者|出版社|译者|编辑|管理层|"
             r"管理者|经理|贵店|贵酒店|贵公司|你们|服务员|前台|客服|物流|快递|官方|商城|方面|网站|联想|戴尔|华硕|惠普|神舟|"
             r"东芝|宏碁|三星|索尼|苹果|蒙牛|伊利)")
_ZH_CHANGE = (r"(?:增加|加个|加上|加入|添加|推出|出个|出一|改进|改善|改正|改掉|改变|整改|提升|提高|完善|加强|提供|优惠|便宜|降价|"
              r"调整|送|配|附|换|变化|多有|多出|多搞|多做|多写|再写|多进|多放|能更好|升级|修复|解决|支持|发一|也有|还有|能有|"
              r"一盒|一套|注意|重视|考虑|通知|开通|设置|取消|把关|把好|严把|检查|看一下|学习|培训|免费|及时|尽快|早日|再版|"
              r"有(?:更|个|一个|一款|其他|别的|多种|这样)|以后|今后|下次|改成|换成|改用|用(?:好|双|厚|大|新|更)|铺|"
              r"多(?:点|一点|一些|些|分|开|给|设)|大一点|小一点|长一点|给(?:用户|顾客|客人|消费者|我们)|"
              # eighth revision (held-out 9 and 10's misses): optimise, label, look into, police, find a way, do well
              r"优化|标明|标注|注明|写明|过问|管管|管一管|监管|整顿|想(?:一下|个|点)?办法|做好|作好|找好|"
              # eleventh revision (held-out 13 and 14's misses): reflect on
              r"反思|反省|检讨)")
_ZH_CONDITIONAL = re.compile(
    r"(?:要是|如果|若是|假如|若).{0,24}(?:就|会|将|那就|那)(?:更|很|会更|能更)?(?:好|完美|方便|实用|理想)了?"
    r"|(?:要是|如果|若是|假如)(?:能|可以)(?!.{0,6}(?:再来|继续|回购))"
    r"|(?:如果|要是|若是)[^。！？]{0,30}(?:再|更)[^。！？，,]{0,6}(?:一些|一点|些)"
    r"|(?:如果|要是)[^。！？，]{0,10}(?:(?<!可)能|可以)(?:再|多|把|加|配|送|带|有|换|改|升级|便宜|降|少|大|小|长|轻|薄|提升|提高|增加|支持)"
    r"|(?:如果|要是)[^。！？，]{0,6}(?:价格|价钱|房价|售价)(?:能|可以|再)?(?:低|少|便宜|降)"
    r"|(?:如果|要是)[^。！？，]{0,12}(?:达到|换成|改成|配上|带有|有这么)")
_ZH_NOT_OWN = r"(?!.{0,3}(?:买|抢|赶|早|看|吃|去|住|给|负分|零分|享受))"  # "可惜没买到", "可惜没有负分": one's own luck
_ZH_WISH = re.compile(r"(?:希望|建议|最好(?:能|可以)|期待|(?<!功)能不能|可不可以|盼望|恳请|(?<![希失愿盼渴欲张观])望)[^。！？!?]{0,20}?"
                      + _ZH_CHANGE +
                      r"|(?:希望|建议|期望|恳请|(?<![希失愿盼渴欲张观])望)[^。！？!?]{0,6}" + _ZH_AGENT +
                      r"|" + _ZH_AGENT + r"(?:应该|应当|最好|能否|可否|是否能|得)[^。！？]{0,10}(?:" + _ZH_CHANGE[3:-1] + r"|给|放|做|出)"
                      r"|应该(?:是)?免费|应该(?:提供|配|送|增加|加|附|带|包括|包含)"
                      r"|可惜(?:的是)?(?:不是|不能|不支持|只有|只送)" + _ZH_NOT_OWN +
                      # fourth revision: what should have been used ("就应该用好一点洗发水"), a demand to change
                      # ("要是不能到就把预计到达时间改了")
                      # sixth revision: "携程的员工最好自己去住住看", "建议把这点显示在价格表页面上", "你就随便套个袋子也行啊"
                      r"|" + _ZH_AGENT + r"(?:的[\u4e00-\u9fff]{1,3})?最好"
                      r"|建议(?:把|将)[^。！？]{0,12}(?:显示|标注|标明|注明|公示|写清楚)"
                      r"|你(?:们)?就?(?:随便|至少|起码)[^。！？]{0,8}也行"
                      r"|(?:就|本来|本|也)应该(?:用|有|配|给|提供|放|换|送|带|附)"
                      r"|(?:要是|如果)[^。！？]{0,15}就把[^。！？]{0,15}(?:改|换|取消|撤|去掉)"
                      r"|(?:最好|希望|建议)(?:能|可以)?(?:改成|换成|改为|换为|改用|换用)"
                      r"|最好(?:以后|今后|下次)(?:能|可以)|(?:要是|如果)[^。！？]{0,24}(?:会更好|就更好|更好|就好了|更完美|就完美)"
                      # fifth revision (from held-out 4's misses): "最好是不收费", "希望耐穿一些", "希望华为能出有竞争力
                      # 的产品", "携程应该定期考察", "没有耳机不好", "如果重新装修……"
                      r"|最好是(?:不|能|有|免费|再|多|加|送|配置|配)"
                      # seventh revision: "最好有链接能买……就好了", "书名应改作", "希望多卖", "希望……能够再深入些就更好",
                      # "可惜的是:我同事房间没有网线口"
                      r"|最好(?:能)?有[^。！？]{1,15}(?:就好|更好)|应(?:该)?改(?:作|为|成)|希望多(?:卖|进|上|出)"
                      r"|希望[^。！？]{0,12}(?:再|更)[^。！？]{0,6}(?:些|一点|点)(?:就更好|就好)"
                      r"|希望(?:能|可以)?(?:再|更)?[\u4e00-\u9fff]{1,3}(?:一些|一点|些)(?:[。！!~]|$)"
                      r"|希望[^。！？]{0,6}(?:能|可以|会)?(?:出|推出|生产|开发|做出)(?:更|一款|个|一些|有|新)"
                      r"|" + _ZH_AGENT + r"(?:也|还|更|就)?应该(?!是|会|不|还是|算|挺|比较|很|没|可以|能|买)"
                      r"|(?:如果|要是)[^。！？]{0,8}(?:重新装修|装修一下|翻新|升级一下)"
                      # eighth revision: "能不能用心给挑几个好的", "能不能把指纹啥的处理干净", "这个应该在参数中说明",
                      # "可惜……竟然缺货", "如果不改善的话……"
                      r"|(?:能不能|可不可以|能否)(?:用心|认真|仔细|好好)?(?:给|把)(?!我)[^。！？]{0,12}(?:挑|选|处理|检查|包装|装好|擦)"
                      r"|应该在[^。！？]{0,8}(?:说明|标明|注明|写明|写清)"
                      r"|(?:如果|要是)(?:再)?不(?:改善|改进|整改|提高|解决)"
                      # ninth revision (the bundled demo's planted wishes, "希望有保温功能"): a wish for a part or a
                      # feature named by what it is (not "希望有效果", "希望有机会")
                      r"|(?:希望|要是|如果)(?:能|可以)?(?:有|加|加个|增加|配|配个|带)[^。！？，,]{0,8}(?:功能|模式|接口|"
                      r"码|盒|器|版本|款式|颜色|型号|配件|选项|套|袋|膜|耳机|按钮|按键|开关|显示|屏)(?:[。！!~]|$)"
                      # tenth revision (held-out 11 and 12's misses): what should be free ("应该住宿的停车免费"), a
                      # counterfactual price or part with a good outcome ("如果价格象280就真的是性价比比较高了", "如果在
                      # 专门配个耳机就没的说了"), "能不能用心一点", "最好能做成……"
                      r"|应该[^。！？，,]{0,8}免费|(?:如果|要是)[^。！？]{0,16}就(?:真的|比较的?|更|会)?(?:是)?[^。！？，,]{0,4}"
                      r"(?<!不)(?:没的说|没得说|合适|满意|完美|性价比(?:比较|很|更)?高)"
                      r"|(?:能不能|能否|可不可以)(?:用心|认真|上心|用点心)一?点|最好(?:能|可以)(?:做成|做得|设计成|改进)"
                      # eleventh revision (held-out 13 and 14's misses): "大床房应该包括两个人的早餐", "如果多几种色",
                      # "希望能做得更好", "夏天穿就应该长一点", "如果有红色的话……", "能不能给个耳机", "建议把地址改为……",
                      # a numbered list of suggestions ("意见、建议:1、……")
                      r"|" + _ZH_AGENT + r"[^。！？，,的有是]{1,4}?(?:应该|应当)[^。！？]{0,10}" + _ZH_CHANGE +
                      r"|(?:如果|要是)[^。！？，,]{0,4}多(?:几|一些|一点|点)(?:种|个|款|色)|希望[^。！？]{0,8}(?:做|办)[得的]更好"
                      r"|应该(?:再)?(?:长|短|大|小|厚|薄|宽|松|紧|便宜|轻)一?(?:点|些)"
                      r"|(?:如果|要是)(?:能)?有[^。！？，,]{1,4}(?:色|颜色|款|码|号|版)的话"
                      r"|(?:能不能|能否|可不可以)(?:给|送|配|加)(?:个|一个|点|些|副|套)"
                      r"|建议(?:把|将)[^。！？]{0,12}(?:改为|改成|换成|换为)|(?:意见|建议)[:：]\s*(?:1|一)[、.,，]"
                      # twelfth revision (held-out 15 and 16's misses, written before held-out 17 was drawn): a missing
                      # part named as the drawback ("不足之处是没有健身房"), a wish that it be better or more careful
                      # ("希望品质再好一点", "希望打扫卫生的时候更仔细"), a wish for a technology or for honest dealing
                      # ("希望华为在电池续航方面能用上最新的技术", "希望诚信对待客户"), "还有待加强", "如果再轻点的话",
                      # "就应该搞个……驱动", "建议下架"; a seller's "希望下次再光临" is not one (_ZH_ADVICE)
                      r"|希望(?!(?:会|能|可以)?(?:以后|今后|下次|将来)?(?:会|能)?(?:再|更))[^。！？，,]{1,10}(?:再|更)"
                      r"(?:好|完善|细致|仔细|用心|耐用|结实|精致|精细|认真)"
                      r"|希望[^。！？]{0,12}(?:用上|采用|配备|配上|用最新)|希望[^。！？，,]{0,8}(?:诚信|好好做|认真做|用心做)"
                      r"|有待(?:加强|提高|改进|改善|完善|提升)"
                      r"|(?:如果|要是)[^。！？，,]{0,6}再[\u4e00-\u9fff]{1,4}(?:点|一点|些|一些)"
                      r"|应该(?:搞|弄|做|出|配|加)(?:个|一个|一些|点)|建议(?:下架|停售|召回|改版)")
# A regret that something is missing, framed as the drawback: a request by the definition the labelled sets follow
# (bench/needs.py), told from a plain "没有X" complaint by its frame alone. The detector's character veto, trained on
# too few of these to know the frame, never drops them (thirteenth revision; the alternatives came from _ZH_WISH).
_ZH_MISSING = re.compile(r"可惜(?:的是)?(?:没有|没|不带|少了|缺|不配|不送)" + _ZH_NOT_OWN +
                         # fourth revision: a missing part as the one drawback ("就是没有耳机")
                         r"|^(?:就是|只是|唯一(?:的)?(?:缺点|不足)(?:是|就是)?)[^。！？，,]{0,4}(?<!还)(?:没有|没|(?<![买用量])少了|缺少?|不带|不含)"
                         # (not "就是没的说" / "没话说", praise; "没法", cannot; "没啥", "没人", "缺陷": twenty-first session;
                         # not a gift that did not come, a goal or a discount missed, one's own sleep, wearing or money,
                         # "没哪个", "少了点", a comparison "没超市买的好", nor a virtue "不含硅": twenty-third session, from
                         # both censuses of stratum C)
                         r"(?!有?(?:坚持|看|用|发现|收到|想到|注意|来|买|吃|想|去|盖|的说|话说|啥|什么|人|送|达到|能|睡|穿|"
                         r"优惠|哪|办法|钱|记住|整平|一个|一点|坏|东西送|发票|解决|好好|开|试|毛病|问题|的[。！!~]?$)|有[。！!~]?$|法|发|陷|了?(?:一)?[点些]"
                         r"|[^。！？，,]{1,6}(?<!不)(?:好|快)[。！!~]?$|[硅酒精])"
                         r"[^。！？，,]{1,8}[。！!~]?$"
                         # fifth and seventh revisions: "没有耳机不好", "可惜的是:我同事房间没有网线口"
                         # (not "没有什么不好的", "没有一个不好的", praise, nor "没有车的人很不方便": twenty-third session)
                         # (nor "没有说不好用", didn't say so, nor "还没洗过怕掉色", not yet: twenty-seventh session)
                         r"|(?<!并)没有(?!什么|什麽|一个|一点|说|反映|出现|发现)(?![^。！？，,]{1,4}的人)[^。！？，,]{1,6}(?:不好|是缺点|是个缺点|是遗憾|很遗憾|挺遗憾|不方便)"
                         r"|可惜(?:的是)?[:：][^。！？]{0,8}(?:没有|没|不带|缺)"
                         # eighth revision: "可惜……竟然缺货"
                         r"|可惜[^。！？]{0,12}(?:缺货|断货|没货)"
                         # twelfth revision: "不足之处是没有健身房"
                         r"|(?:不足|缺点|缺陷|遗憾)(?:之处|的地方)?(?:的是|是|就是|在于|[:：])[^。！？，,没缺]{0,4}"
                         # (not the 缺 of a second 缺点: "缺点:最要命的缺点是……不隔音", thirty-third session)
                         r"(?:没有|没(?!有)|缺少|缺(?![少点陷])|不带|不支持)(?!什么|啥|发现|找到|明显|太大|缺点|不足|看到|记住|赶上|想象|宣传|那么|这么|"
                         r"[。！!，,]|$)")
# fourteenth revision (nineteenth session, from held-out 19's two advice misses, before held-out 20 was drawn): advice
# to people "建议……的客人" is not an ask unless something is to be given to them ("建议以后可以给开车的客人一个提醒"),
# and a hope about a person is not one unless it is for a work of theirs ("希望她再写出更好的书")
_ZH_ADVICE = re.compile(r"建议(?:大家|你|你们|朋友|买家|亲|各位|想买|要买|入住|别|不要|购买|考虑|坐|看|用|去|在官网|买|选|够买)"
                        r"|建议[^。！？]{0,8}(?:不要|别)[^。！？]{0,6}(?:买|购|订|住|入住|选)"
                        r"|希望(?:大家|各位|京东|华为|携程|店家|卖家|商家|你们)?[^。！？]{0,6}(?:越来越好|越?做越好|生意|再接再厉|发展|红火)"
                        r"|期待[^。！？]{0,4}合作|劝(?:大家|你|各位|朋友|亲)"
                        r"|希望(?:大家|各位|想买|她(?!们|[^。！？]{0,4}(?:写|出|拍|推出))|他(?!们|[^。！？]{0,4}(?:写|出|拍|推出))|你帮|孩子|宝宝|自己|我的"
                        r"|有帮助|能在各位|能帮助|对[^。！？]{0,8}有)|有助于"
                        r"|希望[^。！？]{0,6}(?:使用|用了|吃了|坚持)[^。！？]{0,8}(?:能|会|可以)|希望[^。！？]{0,4}(?:穿|用|戴)[^。！？]{0,3}(?:长久|久)"
                        r"|希望不要让|失望|请问|到底能不能|期待(?:您|你)的?(?:再次|下次|早日|光临)|希望[^。！？]{0,6}(?:光临|惠顾)|(?:期待|欢迎)[^。！？]{0,4}(?:光临|回家)"
                        r"|(?:如果|要是)[^。！？]{0,12}(?:再来|继续|回购|还会|会再|追评)|(?:如果|要是)(?:不|没有)(?!改善|改进|整改|提高|解决)"
                        r"|(?:如果|要是)(?:可以|能)[^。！？]{0,6}(?:星|零分|负分|不给)"
                        # a hope that it will be better, naming nothing ("希望会更好", "希望下一次来会更好!", "希望能好点吧"):
                        # the 3 labelled such flags asked nothing; "希望能做得更好" asks someone to, and is an ask
                        r"|(?:^|[。！!？?，,；;~\s])(?:但|也|还|就|只|真心)?希望(?:以后|今后|下次|下一次来?|再次)?(?:会|能|可以|还能)?"
                        r"(?:越来越|更加?)?(?:更好|好点|好一点|好些)(?:吧|啊|呀|的)?[。！!~\s]*$"
                        # a guess ending in 吧 ("酒店应该有些年头了吧!", "应该是京东周末做活动吧"; not "至少应该提前通知吧"):
                        # the 2 labelled such flags asked nothing
                        r"|应该(?:是|也有|有些)[^。！？，,]{0,12}吧"
                        # a question put to the staff, reported ("我问能不能提供一下方便", "就试着问服务员能不能给换一下"):
                        # thirty-third session, the 2 labelled such flags asked nothing of the product
                        r"|(?<![想请])(?:问了|问过|问(?!题)|询问)(?:一下)?[^。！？，,]{0,8}(?:能不能|可不可以|能否|可否)"
                        # fourth revision: hotel or seller replies, advice on booking or buying, help with one's
                        # own order, hopes about one's own body, conditions on the reader
                        r"|(?:我们|本店|酒店|本酒店)(?:将|会|一定)?[^。！？]{0,4}(?:根据|认真|虚心|参考)[^。！？]{0,6}(?:您|你)的?(?:建议|意见)"
                        r"|(?:感谢|谢谢)(?:您|你)的?(?:建议|意见|点评|评价)"
                        r"|建议(?![^。！？]{0,12}[给为向替帮])[^。！？]{0,12}(?:的朋友|的人|的顾客|的客人)|建议(?:不要|别|不)(?=[^。！？]{0,3}(?:买|购|订|住|入住|选|考虑|去))"
                        r"|建议(?:您|通过|打|拨打|联系|找|咨询)|建议(?:要|提前|大家)?[^。！？]{0,2}(?:入住|预定|预订|订房)"
                        r"|(?:您|你)[^。！？]{0,10}(?:我们|本)(?:的)?(?:酒店|店|宾馆)|希望(?:能有)?(?:更)?多的?人"
                        r"|(?:本来|原本|原来)[希期]望"
                        r"|希望[^。！？]{0,12}(?:解决|处理)(?:这个|此|我的)?问题"
                        r"|希望[^。！？]{0,8}(?:改善|缓解|减轻)[^。！？]{0,6}(?:情况|症状|皮肤|头发|脱发|睡眠|身体)"
                        r"|(?:如果|要是)[^。！？]{0,6}(?:认真|仔细|好好)"
                        # sixth revision: an explanation for one's own order, wishes about the area or other guests,
                        # hotel replies, good-luck wishes, hoping to stay again
                        r"|给(?:个|一个)(?:说法|解释|交代)|希望[^。！？]{0,4}(?:附近|周边|周围)|希望(?:您|你)下次"
                        r"|不要(?:再)?(?:碰到|遇到)|希望[^。！？]{0,6}加油|希望(?:再|还)?(?:住|入住)"
                        # seventh revision: replies and good wishes addressed to the reader (您), asks about one's
                        # own order (反馈, 解释, 催, 更换), wishes for the brand's future, hoping a problem won't recur
                        r"|希望[^。！？]{0,12}(?:您|你们的?支持|鼓励)|希望[^。！？]{0,18}(?:反馈|解释|催一下|可以更换|能更换|退款|补发)"
                        r"|希望[^。！？]{0,8}(?:走[得的]?更远|越走越远|信心)|希望[^。！？]{0,4}(?:也)?不要(?:再)?出现"
                        r"|希望[^。！？]{0,4}(?:朋友|大家|各位)[^。！？]{0,4}不要|建议(?:吃|有钱|没钱)"
                        # eighth revision: good wishes (兴旺), help with one's own order, one's own purchase or trip,
                        # hotel replies to a guest's suggestion, advice to travellers
                        r"|兴旺|越办越好|蒸蒸日上|希望[^。！？]{0,6}帮(?:我|忙)|希望[^。！？]{0,4}(?:查一下|查查|核实)"
                        r"|希望[^。！？]{0,6}(?:退换|退货|换货)|不知道能不能|(?:要是|如果)(?:当初|早)?(?:买|选|拍|订|要)了?[^。！？]{0,8}更好"
                        r"|希望(?:下次|以后|还有机会)(?:还|再)?(?:能|可以)?(?:去|来|入住|住|买)|可惜(?:我)?没(?:带|买到|抢到|赶上)"
                        r"|(?:针对|根据)(?:您|你)的?(?:建议|意见)|建议还是|希望(?:想去|要去|准备去|想买|要买)的"
                        r"|建议[^。！？]{0,6}(?:们|大家|朋友|各位|同志|同学)|做好(?:心理)?准备"
                        r"|希望[^。！？]{0,8}(?:也)?不要(?:再)?出现"
                        # eleventh revision: hoping there is no next time or for one's own next meal, returning one's
                        # own order, advice to own one or to other travellers, hoping one's own unit has no fault
                        r"|希望没有下次|希望下次(?:还|再)?能(?:吃|喝|用|玩)|(?:如果|要是)能退|建议(?:拥有|人手)"
                        r"|建议[^。！？]{0,4}(?:旅友|驴友|游客|买家|顾客|消费者)(?!的)|希望[^。！？]{0,8}不要有(?:什么)?(?:毛病|问题|故障)"
                        r"|(?:满怀|抱着|怀着)希望"
                        # twenty-third session (fresh censuses of the detector's flags in strata A and N): asking for a
                        # reply, paying more oneself, advice not to or to fellow buyers ("建议要装xp的兄弟慎重考虑"),
                        # wishes that the seller keep going or work together again
                        r"|希望[^。！？]{0,4}回复|(?:如果|要是)[^。！？]{0,4}(?:多出|多花|多付|加)[^。！？]{0,4}钱|不建议"
                        r"|建议[^。！？]{0,10}最好(?:别|不要)用|建议[^。！？]{0,6}(?:兄弟|姐妹)|慎重考虑"
                        r"|希望[^。！？]{0,6}(?:继续(?:努力|保持|加油|得到|提供)|保持(?:下去)?(?:[。！!~]|$))|希望[^。！？]{0,4}合作"
                        # then from the second censuses of A and N: one's own hair or order, a hotel's reply, a chance to
                        # stay again, advice on installing or on what to ask the hotel for, knowing the local language
                        r"|希望[^。！？]{0,8}(?:头发|掉发|脱发|发质)|希望[^。！？]{0,12}给我(?!们)[^。！？，,]{0,4}(?:明细|发票|单|解释|答复|回复|退|换)"
                        r"|我们(?:的)?(?:酒店|宾馆|饭店)"
                        r"|希望(?:下次|以后|日后)?(?:还|再)?(?:能|可以)?有机会|希望[^。！？]{0,4}尽快解决(?:[。！!~]|$)"
                        # twenty-seventh session: advice to the reader on a condition ("如果囊中羞涩可以考虑该酒店")
                        r"|(?:如果|要是)[^。！？，,]{0,8}可以考虑"
                        r"|希望[^。！？]{0,12}(?:此|这个|我的)问题|建议[^。！？]{0,8}(?:格式化|重装|分区|刷机)|建议[^。！？]{0,4}要求"
                        r"|(?:要是|如果)(?:会|懂)[^。！？，,]{0,4}(?:话|语)|也许就没问题"
                        # thirty-first session (phone reviews): a hope about one's own unit ("希望能耐用", "希望完好",
                        # "只希望这次修好了", "希望激活后有点改善"); 14 labelled snippets hold one, none a request
                        r"|希望(?:它|这次|以后|后面|这个|此|本)?(?:能|会|可以)?(?:耐用|完好|好用|正常|顺利|修好|用得久|用久一点|长久|没事|"
                        r"不坏|不出问题|是正品|一直好用)(?:[了吧啊呢哦]|一点|一些|些)?(?:[。！!~]|$)"
                        r"|希望[^。！？]{0,6}(?:用多了|用久了|激活后|磨合后|过段时间|过几天|以后用)[^。！？]{0,4}(?:会|能)?(?:有点|有所)?"
                        r"(?:改善|好转|好些|好一点)")


# thirteenth revision (the labelled sets' numbered drawback lists): an item of a numbered list that names a missing
# part, accessory or amenity ("1.没有鼠标和包", "2、没有蓝牙", "4、浴室没有垫地的毛巾", "1.应用锁没有") is a request, as
# "就是没有耳机" is (also after 首先, 其次, 第二: "首先没有中文版本"); not a shortfall against a claim or a picture
# ("4、待机时间没有宣传的那么多", "3、我的真机没有图片效果好看"), nor "没有充分地利用内存", nor an absent defect ("没有坏果")
_ZH_LIST_MARK = r"(?:(?:\d{1,2}|[一二三四五六七八九十])\s*[、.．)）]|首先|其次|再次|第[一二三四五六七八九十][、,，:：])"
_ZH_LIST_ITEM = re.compile(r"(?:^|(?<=[\s;；。，,！!~]))" + _ZH_LIST_MARK + r"\s*([^。！？!?;；\n]*?)(?=\s*" + _ZH_LIST_MARK
                           + r"|[。！？!?;；\n]|$)")
_ZH_LISTED_LACK = re.compile(r"^(?![我他她你])(?![^，,:：]{0,12}发票)[^，,:：]{0,8}?(?:没有|缺少|缺乏|不带|不配)"
                             r"(?!什么|什麽|充分|及时|完全|那么|这么|发现|想到|看到|注意|打开|调|问题|毛病|以上|坏|破|损|异味|色差|瑕疵|划痕|"
                             # thirty-first session, on phone reviews: "1.显示屏没有坏点、没有亮点", "2、看来没有拆过"
                             r"亮点|暗点|拆|磕|刮|掉漆|"
                             # thirty-second session: "2、功能上没有冗余" (praise), "没有杂音", "没有死机"
                             r"冗余|多余|杂音|噪音|卡顿|死机|延迟|"
                             r"(?:服务)?意识|几)"
                             r"(?![^，,]{0,12}(?:那么|这么|那样|想象|宣传|说的|写的|描述|好看|漂亮|清楚|好用))")


# "not as … as" is a comparison, no lack ("就是没有那么甜而已。", "VISTA系统没有传说的那么不好", "就是小点样子没那么好看"):
# the four such flags among the labelled sets were all labelled no request (thirty-third session)
_ZH_NOT_AS = re.compile(r"没有?(?=[^。！？，,]{0,10}(?:那么|那样|这么|这样|那般))")


def _zh_missing(text: str) -> bool:
    """A regret that something is missing, framed as the drawback (_ZH_MISSING) or named by a numbered item."""
    text = _ZH_NOT_AS.sub("不如", text)
    return bool(_ZH_MISSING.search(text)) or any(_ZH_LISTED_LACK.search(item.group(1))
                                                 for item in _ZH_LIST_ITEM.finditer(text))


# the Chinese wish, suggestion, counterfactual and regret words a snippet needs before the Chinese head may flag it
# alone (written in the twelfth session, before any figure with it was read)
_ZH_STRONG_CUE = re.compile(r"希望|建议|要是|如果|最好|期待|能不能|可不可以|可惜|应该|改进|改善")  # all but the lone ones
_ZH_ANY_CUE = re.compile(_ZH_STRONG_CUE.pattern + r"|就好了|更好")


# Where a wish word the head may read alone reports an improvement already made, is a seller's reply, says a problem
# went away, or compares ("早餐有所改善", "我们将在今后的工作中逐步加以改进", "关机后重开机就好了", "屏幕比K750C更好"), unless a
# wish word asks for it ("希望有所改进"). Written in the twenty-first session from a census of the detector's flags in
# stratum C (bench/labels/feature_requests_census_zh_c.csv): 35 of the head's 70 lone flags there asked nothing, 22 of
# them in these ways.
_ZH_NOT_ASKED = re.compile(r"有所(?:改善|改进|提高|提升|好转)|有了[^。！？，,]{0,4}(?:改进|改善|提高|提升)|(?:改进|改善|提高|提升)了(?!吧|吗|呢)"
                           r"|(?:较大|很大)[地的]?(?:改进|改善|提高)(?!空间|余地)|更加改善|已(?:经)?[^。！？，,]{0,6}(?:改进|改善|提高)|责成"
                           r"|我们(?:将|会|已|正在|一定)|正在[^。！？，,]{0,4}(?:改进|改善|整改)|做出了[^。！？，,]{0,8}(?:改进|改善)"
                           r"|(?:后|了|一会儿?|一下)[^。！？，,]{0,4}就好了|比[^。！？，,]{1,10}更好"
                           # that it is not improved, a complaint ("依然无任何改善", "不愿意改进。", "但未有改善"):
                           # thirty-third session: the 4 such lone flags among the labelled sets asked nothing; "酒店为何
                           # 一直不改进", labelled a request, keeps its flag
                           r"|(?:未有|未见|无任何|没有任何|没什么|没有|没|无法|不想|不愿意?|不肯|仍未|还未)(?:改善|改进|改正|整改)"
                           # a score the site does not allow ("可惜不能给负分。"): thirty-seventh session, from a fruit /
                           # shampoo request list
                           r"|不能给(?:负分|零分|0分)")
# "应该" as "probably" ("应该能管一年吧", "质量……应该全优秀的"), or said to the reader or of ourselves ("您应该与酒店进行联系"),
# where it is the only wish word: twenty-third session, from a fresh census of the detector's flags in stratum A
_ZH_PROBABLY = re.compile(r"应该(?:能|会|算|全|挺|比较|很|不错|可以|没|还有更|更好|距离|离|有(?=\d)|有[^。！？，,]{0,6}可能"
                          # "as it should be" ("企业就应该这样", praise; thirty-seventh session)
                          r"|(?:这样|如此)[。！!~]*$|(?:这样|如此)[。！!~]*[，,])"
                          r"|(?:我们|您|你(?!们))[^。！？，,]{0,4}应该|的人[^。！？，,]{0,3}应该")
_ZH_ASKED = re.compile(r"希望|建议|(?<![希失愿盼渴欲张观])望|要是|如果|能不能|可不可以")

# "……就好了" and "……更好" alone ask only when their clause names a change: more or less of something, a part to add or
# swap, a price ("再薄一点就好了", "标配2G就好了", "能便宜点就更好了", "处理器换t6400更好", "99元更好了"); not a fix that
# worked, a feeling, a regret about oneself or a plain comparison ("重启一下就好了", "她高兴就好了", "早看到这本书就好了",
# "人更好", "更好吃些", "可以更好的起到保护的功效"). Written in the twenty-third session from both censuses of stratum C
# (bench/labels/feature_requests_census_zh_c*.csv): 47 of the 84 lone 就好了 / 更好 flags labelled there asked nothing;
# these rules drop 45 of them and none of the asks.
_ZH_LONE_CUE = re.compile(r"就好了|更好")
_ZH_CHANGE_NAMED = re.compile(r"再|(?<!可)能|可以|若|如|要是|假如|换(?:成|个|为|用|上|掉|[A-Za-z0-9])|改成|改为|改进|改善|完善|努力|送|附|配|加|给个|有|是|"
                              # its last two alternatives: a model or a spec ("LED屏幕就好了", "内存2G就好了")
                              r"点|些|便宜|优惠|降|价格|把|让|差不多|\d+元|[A-Za-z]+[A-Za-z0-9]|[0-9]+[A-Za-z]")
_ZH_NO_CHANGE = re.compile(r"喜欢|高兴|开心|知道|满意|自己(?:有|去|买|开)|重启|马上|过两天|早[^。！？，,]{0,2}(?:看到|知道|买)|星|"
                           r"更好[的地吃用听看玩]|^(?!.*把).*做[得的]更好")
_ZH_CLAUSE_END = re.compile(r"[。！？!?;；，,~\s]")


def _zh_lone_cue_asks(text: str) -> bool:
    """Whether a lone "就好了" / "更好" in the snippet names a change (_ZH_CHANGE_NAMED) in its own clause."""
    for match in _ZH_LONE_CUE.finditer(text):
        start = max((m.end() for m in _ZH_CLAUSE_END.finditer(text, 0, match.start())), default=0)
        clause = text[start:match.end() + 1]
        if _ZH_CHANGE_NAMED.search(text[start:match.start()]) and not _ZH_NO_CHANGE.search(clause):
            return True
    return False


def _zh_evidence(text: str) -> tuple[bool, bool, bool]:
    """A Chinese snippet's pattern hit, whether it names a missing part as the drawback, and whether it holds a wish
    word that may ask (not one of _ZH_NOT_ASKED's reports); all three False for advice to other buyers and the other
    exclusions (_ZH_ADVICE)."""
    if _ZH_ADVICE.search(text):
        return False, False, False
    missing = _zh_missing(text)
    hit = missing or bool(_ZH_CONDITIONAL.search(text) or _ZH_WISH.search(text))
    cue = bool(_ZH_ANY_CUE.search(text)) and not (_ZH_NOT_ASKED.search(text) and not _ZH_ASKED.search(text))
    if cue and not _ZH_STRONG_CUE.search(text):
        cue = _zh_lone_cue_asks(text)
    elif cue and _ZH_PROBABLY.search(text) and not _ZH_STRONG_CUE.search(text.replace("应该", "")):
        cue = False
    return hit, missing, cue


# every English cue above needs one of these words: most snippets hold none and skip the patterns. "'d" ("i'd love
# this in solid colors", "i'd prefer a softer fabric") is "would" contracted, added in the twenty-first session: the
# model flags 18 of the 328 such snippets the list skipped in clothing + Amazon fashion, 15 of them asks
# (bench/labels/feature_requests_census_d.csv). Four asks without any of those words were added in the thirty-fifth
# session: a question to the seller ("why not something in between?", "why don't you sell these any more?"), "make it
# in petite", a design wished for in the past tense ("i wanted it to have a little more swing") and "want a bit more
# length" (bench/labels/feature_requests_census_en_c.csv)
_EN_ANY_CUE = re.compile(r"(?i)wish|would|should|need|please|hop|\bif\b|only|lack|downside|complaint|\bcons?\b|drawback|"
                         r"negative|issue|problem|flaw|gripe|retailer|could|['\u2019]d\b|"
                         r"\bwhy\s+(?:not|don|didn|doesn|can|couldn|won|wouldn|isn|aren)\b|"
                         r"\bmake\s+(?:it|this|them|these|one)\s+in\b|"
                         r"\bi\s+(?:(?:really|just|also|only|definitely|personally|still|actually|originally|always)\s+)?"
                         r"wanted\s+(?:it|them|this|these|those|the\s+[a-z]+)\s+to\b|"
                         r"\bwant(?:ed)?\s+(?:a\s+)?(?:bit|little|tad)\s+more\b")


# Where the English model, sure on its own, reads "if" or "could" that ask for nothing: a question or a doubt ("i wonder
# if the xs would have been better", "asked if they had it in black", "not sure if they can be fixed") and praise
# ("the fit couldn't be better", "could not be more comfortable"). Written in the twenty-first session from the
# model's false alarms in the census of stratum B (bench/labels/feature_requests_census_b.csv); a snippet the patterns
# also flag keeps the model's word.
_EN_NOT_ASKED = re.compile(r"(?i)\bcould(?:n't|n\u2019t|\s+not)\s+(?:have\s+)?(?:be(?:en)?\s+)?(?:any\s+)?(?:better|more\b|happier|"
                           r"ask\s+for)|\b(?:wonder(?:ing|ed)?|not\s+sure|unsure|asked|asking|to\s+see|checked|check)\s+"
                           r"(?:if|whether)\b")


_CJK = re.compile(r"[\u4e00-\u9fff]")


def is_feature_request(text: str) -> bool:
    """True when the snippet asks for something the product or seller does not offer yet."""
    if _CJK.search(text):
        return _zh_evidence(text)[0]
    if not _EN_ANY_CUE.search(text) or _EN_REGRET.search(text):
        return False
    return any(cue.search(text) for cue in _EN_CUES)


# The learned detector (bench/train_request_model.py, trained on the hand-labelled sets in bench/labels/). English:
# the bundled MiniLM fine-tuned to tell asks from everything else, run (int8 ONNX) on the snippets holding one of the
# cue words above — 17% of clothing snippets, and all but 1 of 316 labelled English requests; the patterns missed
# asks phrased as statements ("it needs instructions", "there should be a functional zipper") and counterfactuals in
# new words. The model decides alone when it is sure (P > 0.9); where the patterns also fire it only has to clear 0.05
# (chosen by cross-validation over held-out sets 8-11: out-of-fold 0.856 / 0.868 against 0.812 / 0.868 for the model
# alone at 0.4: sure "would / should / need" statements that ask nothing were its false alarms). Chinese: the
# patterns, with a character 1-3 gram logistic regression vetoing their false alarms (wishes that ask nothing of the
# seller: "希望以后还能入住此酒店") below P = 0.35, except a missing part named as the drawback (_ZH_MISSING); the same
# head also flags alone a snippet with a wish word (_ZH_ANY_CUE, not advice) above 0.6: on new text the patterns find
# only ~62% of asks. Both settings were chosen with each held-out set's patterns as they were when it was drawn
# (bench/train_request_model.py --fresh-patterns). MiniLM's vocabulary has no Chinese.
REQUEST_DIR = "en_request"
ZH_REQUEST_HEAD = "zh_request.npz"


class RequestDetector:
    """Flags snippets that ask for something the product or seller does not offer yet. Without the shipped models
    (or with ``NEEDLENS_REQUEST_MODEL=rules``) it is :func:`is_feature_request`, the patterns alone."""

    def __init__(self, encoder=None, zh_head=None, threshold: float = 0.5, zh_veto: float = 0.35,
                 pattern_floor: float | None = None, zh_alone: float | None = None) -> None:
        self.encoder, self.zh_head, self.threshold, self.zh_veto = encoder, zh_head, threshold, zh_veto
        # English: where the patterns also fire, the model only has to clear pattern_floor (None: the model alone)
        self.pattern_floor = pattern_floor
        # Chinese: the head also flags, on its own, a snippet with a wish word it is sure of (None: never)
        self.zh_alone = zh_alone
        self.name = "learned" if encoder is not None or zh_head is not None else "rules"

    @classmethod
    def from_settings(cls, encoder=None, zh_head=None, settings: dict | None = None) -> "RequestDetector":
        """A detector with the decision settings the English model ships with (its needlens.json)."""
        settings = settings or {}
        floor, alone = settings.get("pattern_floor"), settings.get("zh_alone")
        return cls(encoder, zh_head, threshold=float(settings.get("threshold", 0.5)),
                   zh_veto=float(settings.get("zh_veto", 0.35)), pattern_floor=None if floor is None else float(floor),
                   zh_alone=None if alone is None else float(alone))

    def flags(self, texts: list[str]) -> np.ndarray:
        out = np.zeros(len(texts), dtype=bool)
        chinese = np.array([bool(_CJK.search(t)) for t in texts], dtype=bool)
        zh = np.flatnonzero(chinese)
        rule, missing, cue = np.array([_zh_evidence(texts[i]) for i in zh], dtype=bool).reshape(-1, 3).T
        alone = cue if self.zh_alone is not None else np.zeros_like(cue)
        read = rule | alone
        out[zh] = rule
        if self.zh_head is not None and read.any():
            logit = self.zh_head.logit([texts[i] for i in zh[read]])
            # the veto spares a missing part named as the drawback: too few labels to tell its frame from a plain "没有X"
            kept = (logit > _logit(self.zh_veto)) | missing[read]
            sure = logit > _logit(self.zh_alone) if self.zh_alone is not None else np.zeros_like(kept)
            out[zh] = False
            out[zh[read]] = (rule[read] & kept) | (alone[read] & sure)
        en = np.flatnonzero(~chinese)
        if self.encoder is None:
            out[en] = [is_feature_request(texts[i]) for i in en]
            return out
        candidates = [i for i in en if _EN_ANY_CUE.search(texts[i])]
        if candidates:
            p = self.encoder.probabilities([texts[i] for i in candidates])[:, 1]
            rule = np.array([is_feature_request(texts[i]) for i in candidates], dtype=bool)
            asked = np.array([not _EN_NOT_ASKED.search(texts[i]) for i in candidates], dtype=bool)
            flagged = (p > self.threshold) & (asked | rule)
            if self.pattern_floor is not None:
                flagged |= (p > self.pattern_floor) & rule
            out[candidates] = flagged
        return out


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def load_request_detector(kind: str = "learned", models_dir=None) -> RequestDetector:
    """``learned``: the shipped classifiers where present (each falls back to the patterns on its own when its file
    or onnxruntime is missing); ``rules``: the patterns alone."""
    import json
    import logging

    if kind == "rules":
        return RequestDetector()
    if kind != "learned":
        raise ValueError(f"unknown request detector {kind!r}: use 'learned' or 'rules'")
    from .config import MODELS_DIR
    from .sentiment import EncoderHead, LexicalHead

    folder = (models_dir or MODELS_DIR) / REQUEST_DIR
    encoder = zh_head = None
    settings = {}
    try:
        encoder = EncoderHead(folder)
        settings = encoder.settings
    except (FileNotFoundError, ImportError) as exc:
        logging.getLogger("needlens.needs").warning("English request classifier unavailable (%s); patterns only", exc)
    zh_path = (models_dir or MODELS_DIR) / ZH_REQUEST_HEAD
    if zh_path.exists():
        zh_head = LexicalHead(zh_path)
    return RequestDetector.from_settings(encoder, zh_head, settings)


# What a request asks for. English: the words after the cue ("wish it came in | more colors", "please bring back |
# the navy", "would be perfect if it had | pockets", "if they were made out of | linen"), cut at the clause's end and
# stripped of fillers. The grouping key is the phrase's content words, singular and sorted, so "more colors", "other
# colours" and "wish there were more colors" count as one request.
_EN_ASK = re.compile(
    r"(?i)\bwish\s+i\s+could\s+(?:have\s+)?(?:buy|bought|get|gotten|find|found|order|ordered|purchase|purchased|try|tried)\s+"
    r"(?:it\s+|this\s+|them\s+|these\s+|one\s+)?(?:in\s+|is\s+(?=more\b))?"
    r"|\bwish(?:ed|es|ing)?\s*,?\s+(?:is\s+|was\s+)?(?:that\s+)?(?:(?:the|this|that|my)\s+(?!was\b|were\b|had\b|came\b)(?P<subject>[a-z]+)|it|they|this|"
    r"these|there|retailer|[a-z]+\s+would)?\s*"
    r"(?:'d|would|could|also|just|only|really)?\s*(?:have\s+)?(?:were|was|is|had|has|have|(?:came|come|comes)(?:\s+out\s+with)?|made|make|"
    r"offered|offer|carried|carry|stock|sold|would\s+come|been|be\b)?\s*(?:in\s+|with\s+|out\s+of\s+)?"
    r"|\bplease\s*[-,!]?\s*(?:retailer\s*[-,]?\s*)?(?:always\s+|do\s+|keep\s+)?(?:make\s+sure\s+(?:that\s+)?|"
    r"(?:make|bring\s+back|bring|add|offer|include|restock|stock|carry|sell|design|release|produce|consider|use|keep\s+making)\s+"
    r"(?:it\s+|this\s+|them\s+|these\s+)?(?:in\s+)?)?"
    r"|(?:\bwould|['\u2019]d)\s+(?:love|like|prefer)\s+(?:for\s+(?:them|it|you|retailer)\s+)?(?:to\s+(?:see|have|get)\s+)?"
    r"(?:(?:this|the|that)\s+(?:same\s+)?[a-z]+\s+(?=(?:come\s+out|made|done|offered|in)\b)|it\s+|this\s+|them\s+|"
    r"these\s+|one\s+)?(?:(?:come\s+out|made|done|offered)\s+)?(?:in\s+)?"
    r"|(?:\bwould|['\u2019]d)\s+rather\s+(?:have|get)\s+"
    r"|(?:\bwould|['\u2019]d)(?:\s+have|['\u2019]ve)\s+(?:much\s+|really\s+|definitely\s+)?(?:preferred|liked|loved)\s+"
    r"(?:it\s+|them\s+|this\s+|these\s+)?(?:to\s+(?:be|see|have|get)\s+|in\s+)?"
    r"|\bwould\s+(?:be|have\s+been|look)\s+(?:so\s+|even\s+|much\s+|a\s+lot\s+)?(?:[a-z]+)\s+(?:if\s+(?:only\s+)?"
    r"(?:it|they|these|(?:the|this|that)\s+[a-z]+|this)(?:\s+(?:had|has|was|were|came\s+(?:in|with)|would\s+have))?|with|without|in|as)\s+"
    r"|\bif\s+(?:only\s+)?(?:it|they|this|these|the\s+[a-z]+(?:\s+[a-z]+)?)\s+(?:only\s+)?(?:was|were|had|came\s+(?:in|with)|"
    r"would\s+have\s+been|could\s+be)\s+(?:made\s+(?:out\s+)?(?:of|in|with)\s+)?"
    r"|\bhop(?:e|ing|efully)\s+(?:that\s+)?(?:they|the\s+[a-z]+|this\s+[a-z]+|retailer|you|it|this|these)?\s*"
    r"(?:will\s+|would\s+|can\s+)?"
    r"(?:come\s+out\s+with|come\s+in|be\s+available\s+in|make|bring\s+back|bring|add|offer|restock|carry|produce|"
    r"design|do|improve|fix|change|"
    r"get|sell)\s+"
    r"(?:it\s+|this\s+|them\s+)?(?:in\s+)?"
    r"|\bmake\s+(?:it|this|them|these|one)\s+in\s+"  # "maybe they make it in | petite?"
    r"|\bwhy\s+(?:oh\s+why\s+)?(?:did|do|does|ca|could|wo|would)n['\u2019]?t\s+(?:[a-z]+\s+)?(?:give|make|offer|add|put|use|"
    r"include|design)\s+(?:it|this|them|these|us)?\s*(?:in\s+|with\s+)?"  # "why didn't heather give it | a hook closure?"
    r"|\bi\s+(?:really\s+|just\s+|also\s+|definitely\s+)?wanted\s+(?:it|them)\s+to\s+(?:be|have)\s+"  # "to have | more swing"
    r"|\b(?:should|needs?\s+to|need\s+to)\s+(?:have\s+)?(?:come\s+(?:at\s+least\s+|also\s+)?with|include|have|be|offer|add|"
    r"been|put|make|use)\s+"
    r"|\b(?:could\s+use|needs|need|lack\s+of|missing|downside\s+is|only\s+thing\s+missing\s+is)\s+")
_EN_END = re.compile(r"(?i)[,.;:!?()\[\]\\\"]|\s[-\u2013\u2014]+\s"  # punctuation, a spaced dash
                     r"|\s(?:because|but|so|since|which|that|when|though|although|for|and|too|"
                     r"in\s+this|in\s+order|with\s+a\s+better|at\s+(?:this|that|the|such\s+a)\s+price|to\s+(?:cover|"
                     r"make|wear|help|hold|keep|purchase|try|buy|bring|tie|pull|cinch|give)|"
                     r"then|i|it|they|as|and\s+i|or\s+be|instead|"
                     r"in\s+(?:the\s+|a\s+)?(?:next|future|later)|next\s+time|rather\s+than)\b")
_EN_FILLER = re.compile(r"(?i)^(?:(?:a|an|the|some|just|really|also|only|even|so|too|very|tad|bit|little|lot|more\s+of|"
                        r"many|either|of|in|on|it|this|them|these|they|available|offered|sort\s+of|kind\s+of|"
                        r"of\s+the\s+same|"
                        r"out\s+of|made\s+(?:out\s+of|of|in)|made|to\s+be|been|had|please|retailer|keep\s+making|keep|"
                        r"bring\s+back|every|is|are|at\s+least)\s+)+")
_MORE_LIKE_THIS = re.compile(r"(?i)\b(?:make|making|bring|carry|design|produce|offer)\s+more\b|\bkeep\s+(?:making|selling|"
                             r"carrying|them|these|it)\b|\bbring\s+(?:it|this|them|these|[a-z]+)?\s*back\b|\bmore\s+like\s+th"
                             r"|\bmore\s+of\s+(?:this|these|the\s+same)")
_BARE_VERBS = frozenset({"bring", "back", "bring back"})  # "please, please bring | it back!": a re-release (below)
_TRAILING = frozenset("the a an at in of on with to for from around through their my our your his her its".split())
# what a shop offers more of ("this only comes in two sizes", "wish they had more than two sizes": more sizes)
_OPTIONS = {"size": "sizes", "sizes": "sizes", "sizing": "sizes", "color": "colors", "colors": "colors",
            "colour": "colors", "colours": "colors", "length": "lengths", "lengths": "lengths", "pattern": "patterns",
            "patterns": "patterns", "print": "prints", "prints": "prints"}
_ONLY_IN = re.compile(r"(?i)\bonly\s+(?:(?:comes?|came|available|offered|sold|made)\s+(?:in\s+)?)?"
                      r"(?:one|two|three|four|a\s+few|\d+|limited)\s+([a-z]+)")
# a part that could or should be otherwise ("the material could be a little thicker", "quality could be better", "for
# the price, i'd expect better quality"): the comparative and the part
_COULD_BE = re.compile(r"(?i)\b(?P<subject>[a-z]+)\s+(?:again\s+|really\s+|definitely\s+|probably\s+)?"
                       r"(?:could|should|needs?\s+to)\s+(?:have\s+been|be)\s+"
                       r"(?:a\s+(?:little|bit|tad)(?:\s+bit)?\s+|slightly\s+|much\s+|a\s+lot\s+|so\s+much\s+|rather\s+|"
                       r"(?:an?|\d+(?:\s*(?:to|-)\s*\d+)?)\s*(?:inch(?:es)?|in|\")\s+)?"
                       r"(?P<how>better|[a-z]{3,}er|lined|different)\b"
                       r"|\bexpect(?:ed)?\s+(?P<expected>(?:better|[a-z]{3,}er)\s+[a-z]+)")
# a purchase held back for want of something ("i would buy other colors if they were available", "i would have
# gotten an xxs if they were available")
_WOULD_BUY_IF = re.compile(r"(?i)\bwould\s+(?:definitely\s+)?(?:have\s+)?(?:buy|bought|order|ordered|purchase|"
                           r"purchased|get|gotten|tried)\s+(?:it\s+|this\s+|them\s+|one\s+)?(?:in\s+)?"
                           r"(?:an?\s+|the\s+)?"
                           r"([a-z][a-z\-]*(?:\s+[a-z][a-z\-]*)?)\s+(?:too\s+|also\s+|as\s+well\s+)?"
                           r"if\s+(?:it|they|there|you)\s+")
_NOT_COMPARATIVE = frozenset("other either never under after rather ever whether another".split())
# the first word of a product part named by two ("battery life", "sound quality", "screen resolution")
_COMPOUND_FIRST = frozenset("battery sound audio picture screen display build print color colour speaker camera "
                            "customer keyboard touch track charging charge wifi signal storage memory fabric zipper "
                            "waist arm leg neck sleeve shoulder hem strap".split())
# the product itself, not a part of it: "wish the dress was better" asks for nothing nameable
_THE_PRODUCT = frozenset("dress top shirt sweater skirt pants jeans jacket coat blouse tunic item piece product one thing "
                      "style design price brand retailer".split())
_KEY_STOP = frozenset("more other different another few additional new better bit little lot tad just really also please "
                      "available offered some any of the a an in on with and or this that these those it its same size "
                      "sizes inches inch cm style version option options".split()) | frozenset(ENGLISH_STOP_WORDS)
# (加 is "add" unless it begins the thing's own word: 加大码 plus size, 加长 / 加厚 / 加绒 / 加热 / 加湿 a longer, thicker,
# fleece-lined, heated or humidifying version; "希望有加大码" was named 大码, apart from "加个加大码")
_ZH_OBJECT = re.compile(r"(?:希望|建议|要是|如果|能不能|最好|期待|(?<![希失愿盼渴欲张观])望)(?:能够|能|可以|有(?!所)|增加|"
                        r"加(?!强|以|大码|大号|长|宽|厚|绒|高|深|热|湿|速|密|固)|出|再|下次|以后|厂家|商家|卖家)*"
                        r"(?:一个|个(?!性)|一款|款|点)?"
                        r"([\u4e00-\u9fffA-Za-z0-9\-]{2,16})")
# the missing part of a drawback ("就是没有耳机", "4、浴室没有垫地的毛巾", "没有早餐不方便"), read when no wish form is
_ZH_LACKED = re.compile(r"(?:没有|缺少|缺乏|不带|不配|不支持|不含(?![硅酒])|(?<=就是|只是)没(?!有))(?:附赠|附带|配备|配|提供|安置|带)?(?:一个|个(?!性)|一款|款)?"
                        r"([\u4e00-\u9fffA-Za-z0-9\-]{2,16})")
# what should be, or what it is a pity to lack ("应该标配2G内存", "就是还应该配个保护套", "可惜不送钢化膜和耳机",
# "被子能否换厚一点的"), read when neither a wish nor a missing part is (twenty-second session: 55 of 514 labelled
# Chinese requests had no name)
_ZH_SHOULD = re.compile(r"(?:(?<!不)应该|能否|可否|可惜(?:不能|不送|没送|不带|没有带|不是|只有|只送))(?:还|也|都|更)?"
                        r"(?:要求|要)?(?:考虑|提供|标配|配备|配|有|增加|包括|换|改作|改成|改为)?(?:一个|个(?!性)|一款|款|一些|点)?"
                        r"([\u4e00-\u9fffA-Za-z0-9\-]{2,16})")
# who the ask is addressed to and how it is hedged ("携程以后提供另外两种房型", "希望商家能够再细心一点"): not the thing
# (当当 … 客服, thirty-ninth session: flagged online_shopping_10_cats asks were named "当当尽快完善商品信息",
# "华为能出有竞争力的产品", "光明日报出版社再多出这样的书")
_ZH_ADDRESSEE = re.compile(r"^(?:(?:酒店|宾馆|商家|卖家|厂家|厂商|厂方|店家|京东|携程|ctrip|官方|作者|出版社|出版商|编者|译者|你们|贵店|本店|"
                           r"管理层|当当|亚马逊|淘宝|天猫|苏宁|华为|小米|联想|苹果|三星|客服|[\u4e00-\u9fff]{2,6}出版社)"
                           r"(?:网|方面)?(?!的))?(?:(?:能够|能|可以|以后|今后|后续|下次|再|应该|应|也|还|真正|赶紧|尽快|直接|请)+)?",
                           re.IGNORECASE)
# asks to improve, with or without what to improve ("希望以后可以改善", "改善一下通风", "提高服务质量")
_ZH_IMPROVE = re.compile(r"^(?:在?(?:今后|以后|将来))?(?:好好|多多|进一步|再|继续|不断|尽快|持续|积极|认真|稍微|稍稍)?"
                         r"(?:予以|加以|有所|得以|得到)?"
                         r"(?:改进|改善|改正|优化|提高|加强|提升|完善)"
                         r"(?:一下|改进)?")
# verbs of giving or adding before the thing given ("提供贴膜", "送个壳", "增加预约功能")
_ZH_GIVE = re.compile(r"^(?:提供|增加|增设|加上|加个|配上|配个|附送|附赠|赠送|送个|出个|推出个|推出)")  # not 送: 送机服务


# what is to be improved, named before the verb ("服务有待提高", "散热需要改善", "早餐也有待改善"): twenty-first session, when
# 12 of 259 requests in 6,000 online_shopping_10_cats reviews were such snippets and each was named by its own text
_ZH_TO_IMPROVE = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{0,10}?)(?:方面)?(?:还|也|都|尚|实在|确实|真的)*(?:有待|需要|亟待|急需|需|要)"
                            r"(?:于|进一步|好好)?(?:改进|改善|提高|加强|提升|完善)")
_ZH_LEAD = re.compile(r"^(?:但是|但|不过|只是|就是|而且|另外|还有|感觉|觉得|整体|总体|当然|所以|看来|只能说|虽然|虽)+")


_ZH_VAGUE_PART = frozenset({"这点", "这个", "这方面", "各方面", "很多", "还是", "有些", "其他", "其它", "服务员", "地方", "方面"})


def _zh_subject(text: str) -> str:
    """What a "……有待改进" snippet asks to improve, or "改进" when it names nothing."""
    match = _ZH_TO_IMPROVE.search(text)
    if not match:
        return ""
    # "细节之处仍需改进": 细节; "但也有急需改进之处" names nothing
    subject = re.sub(r"(?:之处|的地方)?(?:仍然|仍|依然)?$", "", _ZH_LEAD.sub("", match.group(1)).rstrip("的"))
    subject = re.sub(r"^有?(?:很多|许多|些|一些|某些)", "", subject)  # "但有些细节还需要改进": 细节
    if len(subject) >= 2 and subject not in _ZH_VAGUE_PART and not re.fullmatch(r"[也还都]有", subject):
        return subject
    after = re.match(r"(?:一下|一点)?([\u4e00-\u9fffA-Za-z0-9]{2,8})", text[match.end():])  # "需要改善系统"
    return after.group(1) if after and not re.match(r"一下|一点|的地方|之处", after.group(1)) else "改进"


# the part a bare ask to improve names before its wish word ("卫生状况也希望能多多改进", "在键盘的布局和质感上希望能有所改善",
# "只是包装应该加强一下"): thirty-second session, when 9 of the 129 such asks among the labelled sets and the
# online_shopping_10_cats clauses were named "改进" though they said what
_ZH_PART_BEFORE = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{2,12}?)(?:方面|上)?(?:也|还|都|真的|实在)*"
                             r"(?:希望|建议|应该|应|需要|急需|亟待|(?<![希失愿盼渴欲张观])望)")


def _zh_part_before(text: str) -> str:
    """The part named before the wish word of an ask to improve, or '' (an addressee or "这点" is no part)."""
    match = next(filter(None, map(_ZH_PART_BEFORE.search, re.split(r"[，,。！!？?;；:：\s]", text))), None)
    if not match:
        return ""
    part = _ZH_ADDRESSEE.sub("", re.sub(r"^在", "", _ZH_LEAD.sub("", match.group(1))), count=1)
    part = re.sub(r"^(?:美中不足|唯一不足|不足之处|缺点)的?(?:是|就是)|^(?:强烈|总之|唯一|实在|真心|真的|一定)+|^有?(?:很多|许多|些|一些)"
                  r"|(?:是否|强烈|真的|一定)+$|的$", "", part)
    return part if 2 <= len(part) <= 8 and part not in _ZH_VAGUE_PART and not re.match(r"[这那]", part) else ""


# a wish only to be better, now or next time ("希望会更好", "希望下一次来会更好!", "应该还能更好些", "希望你们做的更好所以说了
#那么多"): a bare ask to improve, not a thing called "下一次来" or "更好些" (thirty-third session, from the names of the
# flagged snippets among the labelled sets and the online_shopping_10_cats clauses)
_ZH_ONLY_BETTER = re.compile(r"(?:(?:下次|下一次|以后|今后|再次)(?:来|住|入住|光临)?)?(?:会|能|还能|可以|再|能够)?(?:做[得的])?"
                             r"(?:更好|更加好|好一点|好点)(?:些|一些|一点)?(?:[了吧啊呀啦]|(?:所以|因为)[^。！？]*)?")
# where an ask to improve is placed, which is no thing ("在某些地方再改进一下"); a direction after a verb ("考虑进去")
_ZH_SOMEWHERE = re.compile(r"^在?(?:某些|一些|有些|很多|许多|细节)(?:地方|方面)?(?:上)?")
_ZH_DIRECTION = frozenset({"进去", "进来", "出来", "起来", "上去", "下来", "下去"})


def _zh_thing(phrase: str) -> str:
    """The thing in a Chinese ask's phrase: addressee, hedges, give-verbs and endings dropped; any bare ask to improve
    is "改进" (one group rather than 改进 / 改善一下 / 酒店改进一下)."""
    if _ZH_ONLY_BETTER.fullmatch(_ZH_ADDRESSEE.sub("", phrase.strip("。！!,.，~ "), count=1)):
        return "改进"
    thing = re.sub(r"(?:就(?:更|更加)?(?:好|完美|行)[了啦呀啊]?|会更好|更好|的话|就|不方便|不好|这个|还)+$", "", phrase)
    if not thing.strip("的了吧啊呢。！!,.，~ "):  # "如果有就更好了": the phrase is the wish's ending, naming nothing
        return ""
    thing = thing.strip("的了吧啊呢。！!,.，")
    stripped = _ZH_SOMEWHERE.sub("", _ZH_ADDRESSEE.sub("", thing, count=1), count=1)
    improve = _ZH_IMPROVE.match(stripped)
    if improve:
        rest = stripped[improve.end():].strip("的了吧一下")
        return rest if len(rest) >= 2 and not _ZH_IMPROVE.match(rest) else "改进"  # "好好改善改善": 改进
    given = _ZH_GIVE.sub("", stripped, count=1)
    thing = given if len(given) >= 2 else stripped if len(stripped) >= 2 else thing
    # "希望下次能出保温功能的版本" asks for the same thing as "希望有保温功能": a version with it
    bare = re.sub(r"的(?:版本|款式|型号)$", "", thing)  # "更多款式" stays: the styles are the ask
    bare = bare if len(bare) >= 2 else thing
    return "" if bare in _ZH_DIRECTION else bare


# the clause a "……就好了" / "……就更好了" wish names ("个头再大点就好了", "网速快些就好了", "显存是DDR3就好了"): its own words are
# the name when no other form is read (twenty-third session: 126 of 881 labelled Chinese requests had none)
_ZH_WOULD_BE_GOOD = re.compile(r"([^。！？!?;；，,~\s]{2,18}?)(?:的话)?(?:那)?(?:就|会|也)+(?:会)?(?:更|更加)?(?:好|完美|理想|赞)(?:了|啦)?")
_ZH_WISHED_LEAD = re.compile(r"^(?:(?:但是|但|不过|只是|就是|而且|另外|还有|感觉|觉得|当然|所以|既然[^，,]{0,8}?|总之)+|(?:要是|如果|若是|若|假如|如)?"
                             r"(?:能够|能|可以)?(?:还要|要|再|在)?(?:有|是)?)")


def _zh_wished(text: str) -> str:
    """The clause of a "……就好了" wish, lead words and a leading 有 / 是 dropped ('' when too short to say anything)."""
    match = _ZH_WOULD_BE_GOOD.search(text)
    if not match:
        return ""
    clause = _ZH_WISHED_LEAD.sub("", match.group(1), count=1).strip("的")
    clause = re.sub(r"(?<=..)(?:要是|如果|若是|假如)(?:能够|能|可以)?(?:有|是)?$", "", clause)  # "摄像头位要是有就好了": 摄像头位
    return clause if 2 <= len(clause) <= 16 else ""


# a part named before its lack or its room to improve ("1.应用锁没有", "1、地图资源缺乏", "7、连个挂东西的地都没有！",
# "外观设计上还有改进空间"): thirty-second session, when 145 of the 1,950 flagged Chinese snippets among the labelled sets
# and the online_shopping_10_cats clauses had no name and were listed by their opening
_ZH_LACKING_AFTER = re.compile(r"^(?:" + _ZH_LIST_MARK + r"|[~～\s])*(?:说|就是|只是|而且|连个|连一个|连)?"
                               r"([\u4e00-\u9fffA-Za-z0-9]{2,8}?)(?:都|也)?(?:没有|缺乏|缺少|匮乏|(?:上|方面)?还有"
                               r"(?:很大的|很多|一定的)?(?:改进|改善|提升|进步)(?:的)?空间)[了啊的！!。~]*$")


def _zh_lacking_after(text: str) -> str:
    """The part a clause names before its lack ("1.应用锁没有": 应用锁), or ''."""
    for clause in re.split(r"[，,。！!？?;；]", text):
        match = _ZH_LACKING_AFTER.search(clause.strip())
        if match and not re.match(r"[我你他她它这那]|什么|啥|问题|毛病|.*(?:告诉|通知|回复|[你我]$)", match.group(1)):
            return match.group(1)
    return ""


# the asks a Chinese shop hears most, named by what they are about whatever their wording ("价格能再优惠点", "便宜点",
# "促销力度大点" are one ask: a lower price); the first that the named thing mentions, in this order (twenty-third
# session: on 6,000 online_shopping_10_cats reviews 217 of 220 request groups held one request, price asks about 20)
_ZH_CONCEPTS = (("包装", r"包装"), ("物流与发货", r"物流|快递|发货|送货|配送|到货"),
                ("价格与优惠", r"便宜|优惠|降价|价格|价钱|房价|售价|特价|促销|打折|折扣|实惠|活动"), ("早餐", r"早餐"),
                ("服务与员工", r"(?<![机餐车网])服务|态度|培训|素质|礼貌|员工|人员|前台"), ("卫生与清洁", r"卫生|清洁|干净|打扫"),
                ("质量把关", r"质量|品质|做工|把关|质检"), ("系统与驱动", r"驱动|(?<!预订)(?<!预定)系统|[Xx][Pp]|[Vv]ista"),
                ("电池续航", r"电池|续航|待机"), ("设施与装修", r"装修|设施|翻新"))
_ZH_CONCEPT = [(name, re.compile(words)) for name, words in _ZH_CONCEPTS]


def _zh_concept(thing: str) -> str:
    """The common ask a Chinese thing is about (_ZH_CONCEPTS), or the thing itself."""
    return next((name for name, words in _ZH_CONCEPT if words.search(thing)), thing)


_ZH_REPEATED = re.compile(r"(.{2,12}?)\1+")
# what follows a wished or missing thing and is no part of it (thirty-ninth session, from the names of the labelled
# Chinese requests): a condition's end ("如果有红色的话女生用刚好很漂亮"), and after a lack, what the reviewer thinks of it
# ("没有电梯楼很矮", "没有耳机线有点小遗憾", a short comment at the end); a longer phrase keeps its degree words
# ("没有对部分比较难的单词做出注释")
_ZH_CONDITION_END = re.compile(r"(?<=..)的话.*$")
_ZH_LACK_COMMENT = re.compile(r"(?<=..)(?:(?:有点|有些|很|太|挺|比较|非常|特别|真是|实在|让人)[\u4e00-\u9fff]{1,4}[了啊呀的!！。~]*"
                              r"|不太?方便.*)$")


def _before_list_mark(text: str, match: re.Match) -> str:
    """A match's phrase without the number of the next list item it ran into ("可惜不能全屏4、可控制的……": 全屏)."""
    phrase = match.group(1)
    number = re.search(r"(?<=[\u4e00-\u9fff])\d{1,2}$", phrase)
    return phrase[:number.start()] if number and re.match(r"[、)）]|[.．](?!\d)", text[match.end(1):]) else phrase


def requested_thing(text: str) -> str:
    """The thing asked for, as a short phrase ("usb-c port", "more colors", "更大的容量", "耳机" from "就是没有耳机");
    '' when none can be read."""
    if re.search(r"[\u4e00-\u9fff]", text):
        # a phrase said over and over is said once: "希望能生发希望能生发希望能生发" was named "生发希望能生发希望能生"
        text = _ZH_REPEATED.sub(r"\1", text)
        match = _ZH_OBJECT.search(text) or _ZH_LACKED.search(text)
        if match:
            phrase = _ZH_CONDITION_END.sub("", _before_list_mark(text, match))  # "如果有红色的话女生用…": 红色
            if match.re is _ZH_LACKED:  # "就是没有电梯楼很矮", "没有免费停车有点不方便": 电梯, 免费停车
                phrase = _ZH_LACK_COMMENT.sub("", phrase)
            # "摄像头位要是有就好了" names nothing after its wish word: the clause of its "……就好了" says what
            thing = _zh_thing(phrase) or _zh_wished(text)
            return _zh_concept((_zh_part_before(text) or thing) if thing == "改进" else thing) if thing else ""
        subject = _zh_subject(text)
        should = None if subject else _ZH_SHOULD.search(text)
        thing = _zh_thing(_before_list_mark(text, should)) if should else subject
        if len(thing) < 2:
            thing = _zh_wished(text)
        if len(thing) < 2:
            thing = _zh_lacking_after(text)
        if len(thing) < 2 and _ZH_IMPROVE.match(_ZH_ADDRESSEE.sub("", text.strip(" 。！!.，,~"), count=1)):
            thing = _zh_thing(text.strip(" 。！!.，,~"))  # an ask to improve with no wish word: "酒店改进一下"
            thing = thing if len(thing) <= 4 else "改进"  # "下次改进包装": 包装; "改进之后便是完美": 改进
        if thing == "改进":
            thing = _zh_part_before(text) or thing
        return _zh_concept(thing) if len(thing) >= 2 else ""  # "应该换了": 换 says too little
    lowered = re.sub(r"[\"*“”]", "", text.lower())
    for match in _EN_ASK.finditer(lowered):
        rest = lowered[match.end():]
        # "wish it wasn't so pricey", "would have been ok if the top wasn't so darn short": less pricey, less short
        negated = re.match(r"\s*(?:(?:was|were|is|are)\s*)?(?:n't|not)\s+(?:so|as|that|too)?\s*", rest)
        if negated:
            # "were not quite so ridiculously long": less long
            rest = "less " + re.sub(r"^(?:(?:[a-z]+ly|much|many)\s+)+", "", _DEGREE.sub("", rest[negated.end():]))
        rest = _EN_FILLER.sub("", rest.strip())  # "had | it offered in other colors": no leading "it" ends it
        # "the only thing i wish was | different are the sleeves": different sleeves
        rest = re.sub(r"^different\s+(?:is|are|was|were)\s+(?:the\s+|its\s+)?", "different ", rest)
        rest = _EN_END.split(" " + rest.lstrip("-\u2013\u2014 "), maxsplit=1)[0].strip()
        # "had come in | a little at the waist", "needs | to go higher up": the degree and the bare verb say nothing
        rest = re.sub(r"^to\s+(?:go|be|get)\s+", "",
                      re.sub(r"\b(?:a\s+(?:little|tad)(?:\s+bit)?|a\s+bit|slightly|"
                             r"(?:a\s+)?(?:tiny\s+bit|smidge|smudge|touch|hair)(?=\s+(?:more|less|[a-z]+er)\b))(?:\s+|$)", "", rest))
        rest = _EN_FILLER.sub("", rest).strip(" -*'\"")
        words = re.split(r"(?<!\d)/|/(?!\d)", rest)[0].split()  # "colors/patterns": the first; "1/2 inch" is one
        words = [w for w in words if w not in {"please", "retailer"}]
        if len(words) > 1 and words[0] == "to":  # "they need | to stop outsourcing": stop outsourcing
            words = words[1:]
        cut = 4  # four words, or up to six not to end on a preposition ("come in at the waist", not "come in at the")
        while cut < min(len(words), 6) and words[cut - 1] in _TRAILING and any(w not in _KEY_STOP for w in words[:4]):
            cut += 1
        words = words[:cut]
        # "should have had | more stretch or they ...", "wanted it to have | more swing to it": cut
        while words and words[-1] in {"or", "and", "but", "nor", "to", "for", "of", "with", "at", "from"}:
            words.pop()
        if len(words) > 2 and words[-2:] == ["or", "even"]:  # "was lined or even | ...": lined
            words = words[:-2]
        name = " ".join(words)
        if words and any(w not in _KEY_STOP for w in words) and name not in _BARE_VERBS:
            return "restock" if _STOCK.search(name) else name  # "get re-stocked"
        said = set(words)
        if {"more", "other", "additional", "different", "than"} & said and {"size", "sizes"} & said:
            return "more sizes"  # "more sizes", "more than two sizes": every word a stop word for the key
        subject = match.group("subject")
        if words and subject and subject not in _KEY_STOP and subject not in _THE_PRODUCT:
            return " ".join([*words[:2], subject])  # "wish the fit was | better": better fit
    only = _ONLY_IN.search(lowered)
    if only and only.group(1) in _OPTIONS:
        return f"more {_OPTIONS[only.group(1)]}"
    would_buy = _WOULD_BUY_IF.search(lowered)
    if would_buy and any(w not in _KEY_STOP for w in would_buy.group(1).split()):
        return would_buy.group(1)
    could = _COULD_BE.search(lowered)
    if could and could.group("expected"):
        return could.group("expected")
    if could and could.group("subject") not in _KEY_STOP and could.group("how") not in _NOT_COMPARATIVE:
        subject = could.group("subject")
        if subject in _THE_PRODUCT:
            return could.group("how")
        # a two-word part: "battery life could be better" is better battery life, not "better life"
        before = re.search(r"(?:^|[^a-z'])([a-z]{3,})\s+$", lowered[:could.start("subject")])
        if before and before.group(1) in _COMPOUND_FIRST:
            subject = f"{before.group(1)} {subject}"
        return f"{could.group('how')} {subject}"
    for more in re.finditer(r"\bmore\s+(?!of\b|than\b|like\b|in\b|please\b)([a-z][a-z\-]+)", lowered):
        if more.group(1) not in _KEY_STOP:  # "will order more if more colors become available": the second
            return f"more {more.group(1)}"
    if _MORE_LIKE_THIS.search(lowered) or _AGAIN.search(lowered):
        return "more like this"
    if _STOCK.search(lowered):
        return "restock"
    return _en_unframed(lowered)


# Asks read only when no form above names anything (825 labelled English requests: 143 had no name, and the request
# list showed the snippet's first 30 characters for them).
# the same again ("please make again", "hope to see this top come back", "will you be bringing it back")
_AGAIN = re.compile(r"(?i)\bmake\s+(?:it\s+|this\s+|them\s+|these\s+)?again\b|\bremake\b|\bcome\s+back\b"
                    r"|\bbringing\s+(?:it\s+|this\s+|them\s+|these\s+)?back\b")
# a size or colour sold out ("hoping they are replenished back in stock", "if size medium were not out of stock")
_STOCK = re.compile(r"(?i)\bre-?stock|\breplenish|\b(?:back\s+|out\s+of\s+|in\s+)stock\b")
# what would be good: "white or beige would be great", "another inch in the zipper would be nice!"
_WOULD_BE_GOOD = re.compile(r"(?i)(?P<thing>[a-z][a-z/\- ]*?)\s+would\s+"
                            r"(?:probably\s+|definitely\s+|really\s+|also\s+)?"
                            r"(?:be|have\s+been|make\s+it)\s+(?:so\s+|really\s+|very\s+|a\s+|an\s+|much\s+)?"
                            r"(?:great|nice|nicer|perfect|awesome|better|ideal|helpful|lovely|amazing|incredible|"
                            r"fun|fair|good|welcome|classier|perfection)\b")
# what the product would be good in or with: "would be really cute in a thicker material", "this would be a lovely
# dress in a better quality fabric", "this dress would have been so much better fully lined"
_WOULD_BE_IN = re.compile(r"(?i)\bwould\s+(?:be|have\s+been|look)\s+(?:(?:so|much|really|very|even|a|an|lot|more)\s+)*"
                          r"(?:[a-z]+\s+){0,2}?(?:(?:in|with)\s+(?:a\s+|an\s+|the\s+)?(?P<in>[a-z][a-z\- ]+)"
                          r"|(?:better|nicer)\s+(?P<how>(?:fully\s+)?[a-z]+ed)\b)")
# a change the reviewer would have kept it for: "if the sleeves had not been so tight i would have kept the petite",
# "had it been made out of cotton would have definitely kept it!", "if sleeves were slimmer it would look like ..."
_HAD_IT_BEEN = re.compile(r"(?i)\b(?:if\s+(?:only\s+)?(?P<subject>it|they|this|these|(?:the|this|that|my)?\s*[a-z]+)\s+"
                          r"(?:had\s+(?P<neg1>not\s+)?been|(?:were|was)(?P<neg2>\s*n['\u2019]t|\s+not)?|"
                          r"had\s+come\s+in)"
                          r"|had\s+(?P<subject2>it|they|(?:the|this|that)\s+[a-z]+)\s+been)\s+(?P<rest>[a-z][a-z\- ]*)")
# what the maker should have done: "they should recreate this in a heavy fabric", "they should've done an extra
# reinforcing stitch on the trim"
_SHOULD_HAVE = re.compile(r"(?i)\bshould(?:['\u2019]ve|\s+have)?\s+"
                          r"(?:recreate|redo|remake|make|made|done|do|use|used|add|added|offer|offered|put|include|"
                          r"included)\s+(?:it\s+|this\s+|them\s+|these\s+)?(?:in\s+)?"
                          r"(?P<thing>[a-z][a-z\- ]+)")


_PRONOUNS = frozenset("this it that these they them those one".split())
# how much, before what would have been otherwise ("had not been so tight", "wasn't so darn short")
_DEGREE = re.compile(r"^(?:(?:so|as|too|more|completely|very|quite|that|darn|really|super|way|overly|"
                     r"a\s+(?:little|bit|tad)|slightly)\s+)+")


def _en_words(phrase: str, words: int = 4) -> str:
    """The first few words of a phrase cut where it ends (_EN_END, "would", "rather than"), lead filler dropped; ''
    when only stop words."""
    phrase = re.split(r"\s(?:would|could|should|will|rather|or\s+(?:a|an|the|if|something))\b", " " + phrase.strip(),
                      maxsplit=1)[0]
    phrase = _EN_FILLER.sub("", _EN_END.split(phrase, maxsplit=1)[0].strip()).strip(" -")
    kept = phrase.split()[:words]
    while kept and kept[-1] in _TRAILING:
        kept.pop()
    return " ".join(kept) if any(w not in _KEY_STOP for w in kept) else ""


# Forms read last, once every frame above has named nothing (thirty-eighth session: 116 of 1,009 labelled and flagged
# English requests had no name, and the request list showed their first 30 characters, "i think it would have been
# nic…"). What would have been available: "if a petite were available", "had the petite size have been available",
# "this top wasn't available in petite sizes".
_EN_AVAILABLE = re.compile(r"\b(?:if|had)\s+(?:a\s+|an\s+|the\s+|my\s+)?(?P<x>(?:[a-z\-]+\s+){0,3}?[a-z\-]+?)\s+(?:size\s+)?"
                           r"(?:were|was|is|are|had|have)?\s*(?:been\s+)?available\b"
                           r"|\b(?:was|were|is|are)n['\u2019]?t\s+available\s+in\s+(?P<x2>[a-z][a-z\- ]+)")
# how it would have been liked: "would have like it just a tad longer", "it would have been nicer shorter"
_EN_LIKED_IT = re.compile(r"\bwould\s+have\s+(?:liked?|preferred)\s+(?:it|them|this|these)\s+"
                          r"(?:(?:just|much|even|a|tad|bit|little|touch|lot)\s+)*(?P<x>[a-z]+er)\b"
                          r"|\bwould\s+have\s+been\s+(?:nicer|better)\s+(?P<x2>[a-z]+er)\b")
# what was wanted by name: "i would have liked that hint of color", "would have expected suede or leather panels for
# the money", "i would much rather just have a sewn in lining"
_EN_WANTED = re.compile(r"\bwould\s+(?:have\s+)?(?:liked|expected|preferred)\s+(?:that\s+|some\s+|a\s+|an\s+|the\s+)?"
                        r"(?P<x>[a-z][a-z\- ]+)"
                        r"|\bwould\s+(?:much\s+)?rather\s+(?:just\s+)?have\s+(?:a\s+|an\s+|the\s+)?(?P<x2>[a-z][a-z\- ]+)")
# a version to come: "if this jacket comes out in a new darker wash version", "if they bring this jacket out in brown",
# "would love it if they made the hyphen jeans in white"
_EN_COMES_IN = re.compile(r"\b(?:comes?|came)\s+out\s+in\s+(?:a\s+|an\s+)?(?:new\s+)?(?P<x>[a-z][a-z\- ]+)"
                          r"|\bbring\s+(?:this|these|it|them|the)\s+(?:[a-z]+\s+)?out\s+in\s+(?P<x2>[a-z][a-z\- ]+)"
                          r"|\bif\s+they\s+made\s+(?:it|them|this|these|the\s+[a-z\-]+(?:\s+[a-z\-]+)?)\s+in\s+"
                          r"(?P<x3>[a-z][a-z\- ]+)")
# what it would have been better with: "with different fabric, it would have been great"
_EN_WITH_IT_WOULD = re.compile(r"^\s*(?:but\s+)?(?:with|in)\s+(?:a\s+|an\s+)?(?P<x>(?:[a-z]+\s+)?[a-z]+)\s+it\s+would\b")
_EN_LATE_FORMS = (_EN_AVAILABLE, _EN_LIKED_IT, _EN_WANTED, _EN_COMES_IN)


def _en_late_form(lowered: str) -> str:
    """The thing an ask in one of _EN_LATE_FORMS names ('' when none): not a pronoun, the product itself or only
    stop words."""
    for clause in re.split(r"[.!?;:()]+|\s-\s|--", lowered):
        late = [form.search(clause) for form in _EN_LATE_FORMS] + [_EN_WITH_IT_WOULD.search(clause.replace(",", " "))]
        for found in filter(None, late):
            phrase = next(v for k, v in found.groupdict().items() if v)
            phrase = _DEGREE.sub("", phrase.strip())
            if phrase.split()[:1] and phrase.split()[0] in _PRONOUNS:  # "would have liked it better"
                continue
            thing = _en_words(phrase)
            if thing and thing not in _THE_PRODUCT:
                return thing
    return ""


def _en_unframed(lowered: str) -> str:
    """An English ask in a form the cue frames above do not read ('' when none)."""
    for clause in re.split(r"[.!?;:,()]+|\s-\s|--", lowered):
        good = _WOULD_BE_GOOD.search(clause)
        if good:  # the words before "would be ...", after the last word that starts the thing's clause
            before = re.split(r"\b(?:that|but|and|think|maybe|even|so|then|also|if|i|it)\b", good.group("thing"))[-1]
            thing = _en_words(before, 5)
            if thing and before.split()[-1] not in _PRONOUNS:  # "i bet this would be perfect"
                return thing
        had = _HAD_IT_BEEN.search(clause)
        if had and not re.match(r"(?:as|like)\b", had.group("rest")):  # "if it had been as in the pic"
            subject = (had.group("subject") or had.group("subject2") or "").split()[-1]
            rest = _DEGREE.sub("", had.group("rest"))
            if rest.startswith("available") and subject not in _KEY_STOP | _THE_PRODUCT:
                return subject  # "if the 00 was available"
            bare = _en_words(rest)
            if bare:
                one_word = len(bare.split()) == 1
                thing = (("less " if one_word else "no ") + bare) if had.group("neg1") or had.group("neg2") else bare
                if one_word and subject not in _KEY_STOP | _THE_PRODUCT and subject not in bare:
                    thing = f"{thing} {subject}"  # "if sleeves were slimmer": slimmer sleeves
                return thing
        within = _WOULD_BE_IN.search(clause)
        thing = _en_words(within.group("in") or within.group("how") or "") if within else ""
        if thing:
            return thing
        should = _SHOULD_HAVE.search(clause)
        thing = _en_words(should.group("thing")) if should else ""
        if thing:
            return thing
    return _en_late_form(lowered)


def _singular(word: str) -> str:
    word = {"colours": "colors", "colour": "color", "lined": "lining", "pocketed": "pocket"}.get(word, word)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# the same English ask in other words, by its key's words (thirty-seventh session: on 2,887 clothing reviews "less
# expensive", "less pricey", "cheaper", "half the price" and "$100 less" were five requests of 1-2 asks each, "more
# length" stood apart from "longer", "thicker material" from "thicker"). Direction is kept: "shorter" is not "longer".
_EN_CHEAPER = ({"cheaper"}, {"cheap"}, {"affordable"}, {"expensive", "less"}, {"less", "pricey"}, {"less", "price"},
               {"lower", "price"}, {"half", "price"}, {"price"}, {"price", "reasonable"}, {"lower", "pricing"},
               {"less", "money"})
_EN_MONEY_OFF = re.compile(r"[$\u00a3\u20ac]\s?\d+(?:\.\d+)?\s+(?:less|cheaper|off|lower)\b")
# degree and framing words that say nothing of what is asked ("tiny bit shorter", "smidge longer", "used thicker",
# "adding a few inches in length"; not "hair" nor "touch", which are also things asked for)
_KEY_NOISE = frozenset("tiny smidge smudge used adding add extra".split())
_MATERIAL = frozenset({"fabric", "material"})
_MORE_LENGTH = re.compile(r"\b(?:more|extra|additional|added|adding)\b")


# "less" with an adjective whose opposite comparative is how most reviewers ask (thirty-ninth session: on 2,886 clothing
# reviews "less short" stood apart from "longer" (13), "less long" from "shorter"); "less flowy" has none and stays
_LESS_IS = {"short": "longer", "long": "shorter", "tight": "looser", "loose": "tighter", "wide": "narrower",
            "narrow": "wider", "thin": "thicker", "thick": "thinner", "big": "smaller", "large": "smaller",
            "small": "bigger", "heavy": "lighter", "low": "higher", "high": "lower"}
# a comparison after the thing ("lined like the top", "a lining like some other dresses"): the thing is asked for;
# "more like this" and "offerings like this" are asks for this, not a comparison
_EN_LIKE_OTHER = re.compile(r"\s+like\s+(?:the|some|my|other|a|an|those|their|her|his)\b.*$")


# words beside "color" that ask for no colour in particular ("other fun colors", "more colour choices", "a wider
# variety of colors", "more colors avail in my size"): the same ask as "more colors" (thirty-ninth session: on 2,886
# clothing reviews five such groups of one ask each stood beside "more colors" (23)); "darker", "bold" and a colour's
# name stay apart: they say which
_ANY_COLOR = frozenset("fun nice pretty cute great good lovely beautiful gorgeous cool choose choice option avail order "
                       "variety selection range wider offering".split())


def _same_ask(words: set[str], thing: str) -> set[str]:
    """An English key's words in the wording most asks use: a lower price is "cheaper", "more length" is "longer",
    "thicker material" is "thicker" (a comparative says what of the fabric is asked; "better material" stays), "less
    short" is "longer", "other fun colors" is "more colors"."""
    if words in _EN_CHEAPER:
        return {"cheaper"}
    if "color" in words and words - {"color"} <= _ANY_COLOR:
        return {"color"}
    if len(words) == 2 and "less" in words and (words - {"less"}).pop() in _LESS_IS:
        return {_LESS_IS[(words - {"less"}).pop()]}
    if words == {"length"} and _MORE_LENGTH.search(thing):  # not "same length", "full length"
        return {"longer"}
    rest = words - _MATERIAL
    if rest != words and rest and all(w.endswith("er") and len(w) > 4 for w in rest):
        return rest
    return words


def request_key(thing: str) -> str:
    """What a request phrase asks for, for grouping: content words, singular, sorted ("other colours" -> "color",
    "pockets" -> "pocket", "3 inches longer" -> "longer"), the same ask in other words as one (_same_ask); Chinese
    phrases as written."""
    if re.search(r"[\u4e00-\u9fff]", thing):
        return thing
    if _EN_MONEY_OFF.search(thing.lower()):
        return "cheaper"
    lowered = thing.lower()
    compared = _EN_LIKE_OTHER.sub("", lowered)
    if compared != lowered and set(re.findall(r"[a-z][a-z\-']*", compared)) - _KEY_STOP - _KEY_NOISE:
        lowered = compared
    found = {_singular(w) for w in re.findall(r"[a-z][a-z\-']*", lowered)}
    words = (found - _KEY_STOP - _KEY_NOISE) | (found & {"less", "fewer"})  # "less fabric" is not "more fabric"
    return " ".join(sorted(_same_ask(words, lowered))) or thing.lower()


# names that say only "improve it": grouped by the snippet's theme as well (twenty-third session: on 6,000
# online_shopping_10_cats reviews "改进" was the second-largest group, 21 asks about hotels, laptops and books at once)
BARE_ASKS = frozenset({"改进"})


# where a bare ask to improve says what about, nearest first: the snippet before it ("房间真的霉味很重 | 有待改进!"), the
# one before that, the one after ("有待改进：") and last its own theme, which for words that name nothing is a guess:
# on 3,000 hotel reviews "建议改进。" after "客人到店无房住不爽" sat in "餐厅 / 早餐 / 饭店" (thirty-third session)
_ASKED_ABOUT = ("theme_before", "theme_before2", "theme_after", "theme")


def _asked_about(asks: pd.DataFrame) -> list[str]:
    """For each bare ask, the first theme of _ASKED_ABOUT that names a need ('' when none does: general-opinion,
    catch-all and wishes themes say what about nothing)."""
    from .themes import WISHES_LABEL, is_general_opinion

    def names_a_need(label) -> bool:
        return isinstance(label, str) and not is_general_opinion(label) and not label.startswith(
            tuple(WISHES_LABEL.values()))

    columns = [asks[c].tolist() for c in _ASKED_ABOUT if c in asks]
    return [next((label for label in labels if names_a_need(label)), "") for labels in zip(*columns)]


def _opening(text: str) -> str:
    """A request no form names is listed by how it opens, marked as cut: its first 30 characters, or 14 of Chinese,
    where 30 was a whole sentence ("只是这个标签牌会戳死人的你们那么多年就不知道改进一下?") a PM took for a name."""
    text = " ".join(str(text).split())
    cut = 14 if _CJK.search(text) else 30
    return text if len(text) <= cut else text[:cut].rstrip(" ,，、;；") + "…"


def _long_quote(text: str) -> bool:
    """Longer than a glance: 80 characters, or 40 of Chinese (a Chinese character says about what two letters do, as
    in _opening's 30 and 14)."""
    return len(text) > (40 if _CJK.search(text) else 80)


# the version of the code that names requests (requested_thing and the forms it reads, all in this module): names
# stored by another version (the request_names table, core.latent.keep_request_names) are made again
NAMES_VERSION = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()


def request_things(snippets: pd.DataFrame) -> np.ndarray:
    """What each request snippet asks for: a ``named`` column's stored name (NULL where none; names are stored per
    text, so a wording is named everywhere or nowhere), else requested_thing of its ``text``, each wording read once
    (the text of a named row is not read: Store.request_days leaves it NULL)."""
    things = (snippets["named"].to_numpy(dtype=object).copy() if "named" in snippets
              else np.full(len(snippets), None, dtype=object))
    unnamed = pd.isna(things)
    if unnamed.any():  # the same wording recurs: read each once
        codes, distinct = pd.factorize(snippets["text"].to_numpy(dtype=object)[unnamed])
        things[unnamed] = np.array([requested_thing(t) for t in distinct], dtype=object)[codes]
    return things


def group_requests(snippets: pd.DataFrame, vectors: np.ndarray | None = None, threshold: float = 0.75) -> pd.DataFrame:
    """Group request snippets (columns text, lang, product, review_id; dataset_id, theme and named optional) by what
    they ask for.

    Requests whose phrases are identical, or whose snippet vectors are very similar, join one group; the group
    is named after its most frequent phrase and counts the reviews asking (a review asking twice counts once)."""
    if snippets.empty:
        return pd.DataFrame(columns=["feature", "requests", "products", "examples", "lang"])
    frame = snippets.assign(thing=request_things(snippets))
    bare = frame["thing"].isin(BARE_ASKS)
    if bare.any() and "theme" in frame:  # a bare ask to improve says what about by a theme: "改进 · 入住 / 房间 / 酒店"
        frame.loc[bare, "thing"] = [f"{thing} · {about}" if about else thing for thing, about in
                                    zip(frame.loc[bare, "thing"], _asked_about(frame[bare]))]
    unnamed = frame["thing"] == ""
    frame.loc[unnamed, "thing"] = frame.loc[unnamed, "text"].map(_opening)
    thing_codes, things = pd.factorize(frame["thing"], use_na_sentinel=False)  # ~100k requests at 1M reviews, a few thousand phrases
    # an opening is not a name: its words do not say what is asked ("i hope they keep the style and…" and "i really
    # hope i can get these…" shared the key "hope" and one group), so it groups only with the same opening
    openings = set(frame.loc[unnamed, "thing"])
    frame["key"] = np.array([("…" + t) if t in openings else request_key(t) for t in things], dtype=object)[thing_codes]
    groups = np.arange(len(frame))
    if vectors is not None and len(vectors) == len(frame):
        similar = vectors @ vectors.T
        for i in range(len(frame)):  # greedy: join the first earlier request that is close enough
            close = np.flatnonzero(similar[i, :i] >= threshold)
            if len(close):
                groups[i] = groups[close[0]]
    key = frame["key"]
    first_of_thing = key.map(pd.Series(groups, index=key).groupby(level=0).min())
    frame["group"] = np.minimum(groups, first_of_thing.to_numpy())
    # one pass over plain arrays, group by group (a million-review workspace has ~100k requests in ~500 groups)
    order = np.argsort(frame["group"].to_numpy(), kind="stable")
    group = frame["group"].to_numpy()[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    columns = {c: frame[c].to_numpy(dtype=object)[order] for c in ("thing", "product", "text", "lang")}
    # a request counts once per review: one clothing review says "只是这个标签牌会戳死人的……" eleven times over, and it
    # stood third among 6,000 online_shopping_10_cats reviews' requests with 11
    reviewer = frame["review_id"].astype(str)
    if "dataset_id" in frame:
        reviewer = frame["dataset_id"].astype(str) + "/" + reviewer
    columns["review"] = reviewer.to_numpy(dtype=object)[order]
    rows = []
    for start, end in zip(starts, np.r_[starts[1:], len(group)]):
        langs = Counter(columns["lang"][start:end])
        top = max(langs.values())
        # named by the phrase most said; ties go to the shortest ("softer material", not "used a softer fabric"), then
        # to the first written
        said = Counter(columns["thing"][start:end])
        rows.append({"feature": min(said, key=lambda thing: (-said[thing], len(thing))),
                     "requests": len(set(columns["review"][start:end])),
                     "products": ", ".join(sorted(set(columns["product"][start:end]) - {""}))[:200],
                     # a quote a PM reads at a glance first: a 70-character numbered list of hotel complaints stood
                     # first for "价格与优惠" on 6,000 online_shopping_10_cats reviews
                     "examples": sorted(dict.fromkeys(columns["text"][start:end]), key=_long_quote)[:3],
                     "lang": min(lang for lang, n in langs.items() if n == top)})
    return pd.DataFrame(rows).sort_values("requests", ascending=False, kind="stable").reset_index(drop=True)


# --- rating drivers --------------------------------------------------------------------------------------------------

# the least a rating regression reads: rated reviews in all, reviews mentioning a theme for it to get a row, and
# reviews complaining about it for its complaints to get an effect
DRIVER_MIN_RATED, DRIVER_MIN_THEME_REVIEWS, DRIVER_MIN_COMPLAINTS = 30, 20, 5


def rating_drivers(reviews: pd.DataFrame, mentions: pd.DataFrame,
                   min_reviews: int = DRIVER_MIN_THEME_REVIEWS) -> pd.DataFrame:
    """OLS of rating on per-theme indicators: the review mentions the theme negatively / positively.

    reviews: review_id, rating.  mentions: review_id, theme, polarity ('negative'/'positive').
    Returns per theme: reviews mentioning it, the negative-mention coefficient with its 95% CI, and the lift in
    the average rating if those complaints disappeared (= -coef x share of reviews with a negative mention).
    The fit runs on the moments (X'X, X'y, y'y) that ``driver_moments`` computes here and the store computes in SQL.
    """
    return drivers_from_moments(driver_moments(reviews, mentions), min_reviews)


def driver_moments(reviews: pd.DataFrame, mentions: pd.DataFrame) -> dict:
    """The sufficient statistics of the driver regression from in-memory frames (see Store.driver_moments)."""
    reviews = reviews.dropna(subset=["rating"]).drop_duplicates("review_id")
    flags = mentions[mentions["review_id"].isin(reviews["review_id"])][["review_id", "theme", "polarity"]].drop_duplicates()
    flags = flags.merge(reviews[["review_id", "rating"]], on="review_id")
    y = reviews["rating"].to_numpy(dtype=float)
    columns = flags.groupby(["theme", "polarity"]).agg(n=("review_id", "size"), sum_y=("rating", "sum")).reset_index()
    pairs = flags.merge(flags, on="review_id", suffixes=("_a", "_b"))
    xtx = pairs.groupby(["theme_a", "polarity_a", "theme_b", "polarity_b"]).size().rename("n").reset_index()
    themes = flags.groupby("theme")["review_id"].nunique().rename("reviews").reset_index()
    return {"n": len(y), "sum_y": float(y.sum()), "sum_yy": float(y @ y), "columns": columns, "xtx": xtx,
            "themes": themes}


def drivers_from_moments(moments: dict, min_reviews: int = DRIVER_MIN_THEME_REVIEWS) -> pd.DataFrame:
    """OLS with 95% CIs from moments: n, sum_y, sum_yy; columns (theme, polarity, n, sum_y); xtx (theme_a,
    polarity_a, theme_b, polarity_b, n: reviews with both flags); themes (theme, reviews with a polar mention).
    Equivalent to least squares on the 0/1 design matrix, without ever building it (a million reviews are fine)."""
    n = int(moments["n"])
    counts = moments["themes"].set_index("theme")["reviews"] if len(moments["themes"]) else pd.Series(dtype=float)
    if n == 0 or counts.empty:
        return pd.DataFrame()
    wanted = set(counts[counts >= min_reviews].index)
    cols = moments["columns"]
    cols = cols[cols["theme"].isin(wanted) & (cols["n"] >= DRIVER_MIN_COMPLAINTS)]
    cols = cols.sort_values(["theme", "polarity"])
    columns = list(zip(cols["theme"], cols["polarity"]))
    if not columns:
        return pd.DataFrame()
    position = {c: i + 1 for i, c in enumerate(columns)}
    k = len(columns) + 1
    xtx = np.zeros((k, k))
    xtx[0, 0] = n
    xty = np.zeros(k)
    xty[0] = moments["sum_y"]
    for (theme, polarity, count, sum_y) in cols[["theme", "polarity", "n", "sum_y"]].itertuples(index=False):
        j = position[(theme, polarity)]
        xtx[0, j] = xtx[j, 0] = count
        xty[j] = sum_y
    for row in moments["xtx"].itertuples(index=False):
        a, b = position.get((row.theme_a, row.polarity_a)), position.get((row.theme_b, row.polarity_b))
        if a is not None and b is not None:
            xtx[a, b] = row.n
    inverse = np.linalg.pinv(xtx)
    coef = inverse @ xty
    rss = max(moments["sum_yy"] - 2 * coef @ xty + coef @ xtx @ coef, 0.0)
    dof = max(n - k, 1)
    se = np.sqrt(np.clip(np.diag(rss / dof * inverse), 0, None))
    t = stats.t.ppf(0.975, dof)
    rows = {}
    for (theme, polarity), j in position.items():
        row = rows.setdefault(theme, {"theme": theme, "reviews": int(counts[theme])})
        row[f"{polarity}_effect"] = coef[j]
        row[f"{polarity}_ci_low"], row[f"{polarity}_ci_high"] = coef[j] - t * se[j], coef[j] + t * se[j]
        row[f"{polarity}_share"] = xtx[0, j] / n
    out = pd.DataFrame(rows.values())
    for col in ("negative_effect", "negative_share", "positive_effect", "negative_ci_low", "negative_ci_high"):
        if col not in out:
            out[col] = np.nan
    out["lift_if_fixed"] = (-out["negative_effect"] * out["negative_share"]).clip(lower=0)
    out["explanation"] = out.apply(_driver_sentence, axis=1)
    return out.sort_values("lift_if_fixed", ascending=False, kind="stable").reset_index(drop=True)


def _driver_sentence(row: pd.Series) -> str:
    if pd.isna(row.get("negative_effect")):
        return f"too few complaints about {row['theme']} to estimate their effect"
    return (f"reviews complaining about {row['theme']} average {abs(row['negative_effect']):.2f} stars "
            f"{'lower' if row['negative_effect'] < 0 else 'higher'} (95% CI {row['negative_ci_low']:+.2f} to "
            f"{row['negative_ci_high']:+.2f}); fixing it would lift the average by about {row['lift_if_fixed']:.2f}")


# --- what moved the average rating ------------------------------------------------------------------------------------

CHANGE_OTHERS, CHANGE_REST = "other themes", "not explained by the themes' shares"


def rating_change(before: dict, recent: dict, pooled: pd.DataFrame, top: int = 6) -> pd.DataFrame:
    """Why the average rating moved between two periods: a twofold Oaxaca-Blinder decomposition with pooled
    coefficients. Each theme's part is its driver effects (``pooled``: drivers_from_moments over both periods) times
    the change in the share of reviews with that flag: more complaints about sizing, at -1.5 stars each, pull the
    average down by 1.5 x the rise in their share. What the themes' shares do not explain (the rest: reviews that got
    better or worse for the same flags, and themes too small to estimate) is its own part, so the parts add up to the
    change. ``before`` / ``recent``: driver moments (n, sum_y, sum_yy, columns) of each period.

    Returns one row per part: theme, complaint_before, complaint_recent, praise_before, praise_recent (shares of
    reviews), complaint_part, praise_part, part (stars), reviews (mentioning the theme, so privacy mode can hide a
    theme few wrote about; every review for the last two rows); the ``top`` largest themes by size, then "other
    themes" and "not explained by the themes' shares" (CHANGE_REST). Every row also carries the periods' figures:
    before_avg, recent_avg, change, ci_low / ci_high (Welch 95% interval of the change: is it more than noise?),
    n_before, n_recent. Empty where a period has fewer than DRIVER_MIN_RATED rated reviews."""
    shift = rating_shift(before, recent)
    if not shift:
        return pd.DataFrame()
    change = shift["change"]

    def shares(period: dict) -> pd.Series:
        cols = period["columns"]
        if cols.empty:
            return pd.Series(dtype=float)
        return pd.Series(cols["n"].to_numpy(dtype=float) / period["n"], index=pd.MultiIndex.from_frame(cols[["theme", "polarity"]]))

    was, now = shares(before), shares(recent)
    rows = []
    for row in (pooled.itertuples(index=False) if not pooled.empty else []):
        part, out = 0.0, {"theme": row.theme}
        for polarity, name in (("negative", "complaint"), ("positive", "praise")):
            a, b = float(was.get((row.theme, polarity), 0.0)), float(now.get((row.theme, polarity), 0.0))
            out[f"{name}_before"], out[f"{name}_recent"] = a, b
            effect = getattr(row, f"{polarity}_effect", np.nan)
            out[f"{name}_part"] = 0.0 if pd.isna(effect) else float(effect) * (b - a)
            part += out[f"{name}_part"]
        rows.append({**out, "part": part, "reviews": int(row.reviews)})
    columns = ["theme", "complaint_before", "complaint_recent", "praise_before", "praise_recent", "complaint_part",
               "praise_part", "part", "reviews"]
    parts = pd.DataFrame(rows, columns=columns)
    parts = parts.reindex(parts["part"].abs().sort_values(ascending=False, kind="stable").index)
    shown, others = parts.head(top), parts.iloc[top:]
    everyone = int(before["n"] + recent["n"])  # the count privacy mode reads: these rows summarise every review
    tail = [{"theme": CHANGE_OTHERS, "part": float(others["part"].sum()), "reviews": everyone}] if len(others) else []
    tail.append({"theme": CHANGE_REST, "part": change - float(parts["part"].sum()), "reviews": everyone})
    out = pd.concat([shown, pd.DataFrame(tail, columns=columns)], ignore_index=True)
    return out.assign(**{name: value for name, value in shift.items() if name != "significant"})


def rating_shift(before: dict, recent: dict) -> dict:
    """The change of the average rating between two periods (``before`` / ``recent``: n, sum_y, sum_yy of their rated
    reviews) with its Welch 95% interval: before_avg, recent_avg, change, ci_low, ci_high, n_before, n_recent, and
    ``significant`` (the interval leaves out 0). Empty where a period has fewer than DRIVER_MIN_RATED rated reviews."""
    if min(before["n"], recent["n"]) < DRIVER_MIN_RATED:
        return {}
    shift = _welch(*([float(period[k])] for period in (before, recent) for k in ("n", "sum_y", "sum_yy")))
    return {"before_avg": float(shift["before_avg"][0]), "recent_avg": float(shift["recent_avg"][0]),
            "change": float(shift["change"][0]), "ci_low": float(shift["ci_low"][0]),
            "ci_high": float(shift["ci_high"][0]), "n_before": int(before["n"]), "n_recent": int(recent["n"]),
            "significant": bool(shift["ci_low"][0] > 0 or shift["ci_high"][0] < 0)}


def _welch(n0, sum0, sumsq0, n1, sum1, sumsq1) -> dict[str, np.ndarray]:
    """Welch's comparison of two periods' mean ratings from their moments (arrays: one comparison per element):
    before_avg, recent_avg, change, its 95% interval (ci_low, ci_high), the standard error and the one-sided p-value
    of a fall (p_fall; 0 for a certain fall, 1 for a certain no-change, where neither period's ratings vary)."""
    n = [np.asarray(n0, dtype=float), np.asarray(n1, dtype=float)]
    means = [np.asarray(sum0, dtype=float) / n[0], np.asarray(sum1, dtype=float) / n[1]]
    squares = [np.asarray(sumsq0, dtype=float), np.asarray(sumsq1, dtype=float)]
    variances = [np.maximum(squares[i] - n[i] * means[i] ** 2, 0.0) / np.maximum(n[i] - 1, 1) / n[i] for i in (0, 1)]
    change = means[1] - means[0]
    total = variances[0] + variances[1]
    se = np.sqrt(total)
    dof = np.maximum(total ** 2 / np.maximum(sum(v * v / np.maximum(k - 1, 1) for v, k in zip(variances, n)), 1e-300),
                     1.0)
    half = stats.t.ppf(0.975, dof) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        p_fall = np.where(se > 0, stats.t.cdf(change / np.where(se > 0, se, 1.0), dof), np.where(change < 0, 0.0, 1.0))
    return {"before_avg": means[0], "recent_avg": means[1], "change": change, "ci_low": change - half,
            "ci_high": change + half, "se": se, "p_fall": p_fall}


# Products (or categories) losing stars: the defaults the Product feedback page states. The family-wise alpha is the
# Emerging issues tab's; a product needs rated reviews enough in both periods to be tested at all, and a fall of at
# least FALL_MIN_DROP stars to be flagged (a significant -0.1 on a best-seller is not worth an alert).
FALL_ALPHA, FALL_MIN_RECENT, FALL_MIN_BEFORE, FALL_MIN_DROP = 0.01, 8, 20, 0.3
FALL_COLUMNS = ["value", "n_before", "n_recent", "before_avg", "recent_avg", "change", "ci_low", "ci_high", "p_value",
                "falling"]


def rating_falls(moments: pd.DataFrame, alpha: float = FALL_ALPHA, min_recent: int = FALL_MIN_RECENT,
                 min_before: int = FALL_MIN_BEFORE, min_drop: float = FALL_MIN_DROP) -> pd.DataFrame:
    """Products or categories whose average rating fell in the recent window against their own history.

    moments: value, recent (bool), n, sum_y, sum_yy (Store.facet_rating_moments). Each value with at least
    ``min_recent`` rated reviews in the window and ``min_before`` before it is tested: Welch's t on the two means,
    one-sided (a fall), ``falling`` where p < alpha after a Bonferroni correction over the values tested and the
    average fell by at least ``min_drop`` stars. Columns FALL_COLUMNS (with the change's 95% interval), falling first,
    then by p-value; values with too few reviews are left out. Vectorised: 4,440 products in a few milliseconds."""
    if moments.empty:
        return pd.DataFrame(columns=FALL_COLUMNS)
    wide = moments.assign(recent=moments["recent"].astype(bool)).pivot_table(
        index="value", columns="recent", values=["n", "sum_y", "sum_yy"], aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=pd.MultiIndex.from_product([["n", "sum_y", "sum_yy"], [False, True]]), fill_value=0)
    wide = wide[(wide[("n", False)] >= min_before) & (wide[("n", True)] >= min_recent)]
    shift = _welch(*(wide[(k, recent)].to_numpy() for recent in (False, True) for k in ("n", "sum_y", "sum_yy")))
    out = pd.DataFrame({"value": wide.index.to_numpy(), "n_before": wide[("n", False)].to_numpy(dtype=np.int64),
                        "n_recent": wide[("n", True)].to_numpy(dtype=np.int64),
                        **{k: shift[k] for k in ("before_avg", "recent_avg", "change", "ci_low", "ci_high")},
                        "p_value": shift["p_fall"]})
    out["falling"] = (out["p_value"] < alpha / max(len(out), 1)) & (out["change"] <= -min_drop)
    return out.sort_values(["falling", "p_value", "value"], ascending=[False, True, True]).reset_index(drop=True)


def rating_change_sentence(parts: pd.DataFrame, window_days: int) -> str:
    """Plain words for the Rating drivers tab: the change, whether it is more than noise, the part that moved it
    most (``parts``: rating_change)."""
    result = parts.iloc[0]
    change = result["change"]
    head = (f"Average rating {result['recent_avg']:.2f}★ in the last {window_days} days against "
            f"{result['before_avg']:.2f}★ before ({change:+.2f}; 95% CI {result['ci_low']:+.2f} to {result['ci_high']:+.2f}, "
            f"{result['n_recent']:,} and {result['n_before']:,} rated reviews)")
    if result["ci_low"] <= 0 <= result["ci_high"]:
        return head + ": within what chance alone would give, so read the parts below as hints, not causes."
    themed = parts[~parts["theme"].isin([CHANGE_OTHERS, CHANGE_REST])]
    if themed.empty:
        return head + "."
    lead = themed.iloc[0]
    name = "complaint" if abs(lead["complaint_part"]) >= abs(lead["praise_part"]) else "praise"
    moved = "rose" if lead[f"{name}_recent"] > lead[f"{name}_before"] else "fell"
    rest = float(parts.loc[parts["theme"] == CHANGE_REST, "part"].sum())
    unexplained = (f" More of it, {rest:+.2f}★, is not explained by the themes' shares: reviews rated higher or lower "
                   "for the same mentions.") if abs(rest) > abs(lead["part"]) else ""
    said = "a complaint" if name == "complaint" else "praise"
    return (head + f". The theme with the largest part, {lead['part']:+.2f}★: {lead['theme']} (reviews with {said} "
            f"about it {moved} from {lead[f'{name}_before']:.1%} to {lead[f'{name}_recent']:.1%})." + unexplained)


# --- emerging issues ---------------------------------------------------------------------------------------------------

EMERGING_ALPHA, EMERGING_MIN_RECENT, EMERGING_MIN_RATIO = 0.01, 10, 1.5  # the defaults the Emerging issues tab states


def emerging(mentions: pd.DataFrame, window_days: int = 21, alpha: float = EMERGING_ALPHA,
             min_recent: int = EMERGING_MIN_RECENT, min_ratio: float = EMERGING_MIN_RATIO,
             as_of=None) -> pd.DataFrame:
    """Themes whose share of mentions in the last ``window_days`` is significantly above their own history.

    The window ends at ``as_of`` (the newest review, complaint or not: the date the page's chart shades back from);
    without it, at the newest mention. Ending it at the newest complaint would, when complaints stop, slide the
    window back to weeks that are no longer recent.

    mentions: theme, date (one row per snippet mention; use negative mentions for emerging *issues*), or theme, date,
    n (mention counts per theme and day).
    One-sided two-proportion z-test per theme (recent share vs earlier share); flagged when p < alpha after a
    Bonferroni correction over themes, the share grew by at least ``min_ratio`` and ``min_recent`` mentions back it.
    """
    dated = mentions.dropna(subset=["date"])
    if "n" not in dated:  # one row per mention; aggregated input (theme, date, n) comes from Store.negative_theme_days
        dated = dated.assign(n=1)
    if dated.empty:
        return pd.DataFrame(columns=["theme", "recent", "earlier", "recent_share", "earlier_share", "ratio",
                                     "p_value", "emerging"])
    end = dated["date"].max() if as_of is None or pd.isna(as_of) else max(pd.Timestamp(as_of), dated["date"].max())
    cut = end - pd.Timedelta(days=window_days)
    is_recent = dated["date"] > cut
    recent_by = dated[is_recent].groupby("theme")["n"].sum()
    earlier_by = dated[~is_recent].groupby("theme")["n"].sum()
    n_recent, n_earlier = int(recent_by.sum()), int(earlier_by.sum())
    themes = dated["theme"].unique()
    r = recent_by.reindex(themes, fill_value=0).to_numpy(dtype=np.int64)
    e = earlier_by.reindex(themes, fill_value=0).to_numpy(dtype=np.int64)
    p_r, p_e = r / max(n_recent, 1), e / max(n_earlier, 1)
    pooled = (r + e) / max(n_recent + n_earlier, 1)
    se = np.sqrt(np.maximum(pooled * (1 - pooled) * (1 / max(n_recent, 1) + 1 / max(n_earlier, 1)), 1e-12))
    ratio = np.where(p_e > 0, p_r / np.where(p_e > 0, p_e, 1.0), np.inf)  # inf: none before
    out = pd.DataFrame({"theme": themes, "recent": r, "earlier": e, "recent_share": p_r, "earlier_share": p_e,
                        "ratio": ratio, "p_value": stats.norm.sf((p_r - p_e) / se)})
    out["emerging"] = (out["p_value"] < alpha / max(len(themes), 1)) & (out["ratio"] >= min_ratio) & (out["recent"] >= min_recent)
    return out.sort_values(["emerging", "p_value", "theme"], ascending=[False, True, True]).reset_index(drop=True)


RISING_COLUMNS = ["feature", "requests", "recent", "earlier", "recent_share", "earlier_share", "ratio", "p_value",
                  "emerging"]


def rising_requests(mentions: pd.DataFrame, window_days: int = 21, as_of=None, **test) -> pd.DataFrame:
    """Requested features whose share of all requests rises significantly in the last ``window_days`` against their
    own history: :func:`emerging`'s test (``test``: its alpha, min_recent, min_ratio) over the reviews asking
    (``mentions``: :func:`request_mentions`). Returns RISING_COLUMNS (requests: reviews asking in both periods),
    flagged first."""
    if mentions.empty:
        return pd.DataFrame(columns=RISING_COLUMNS)
    found = emerging(mentions, window_days, as_of=as_of, **test)
    # requests: the reviews asking in both periods, the count privacy mode judges the row by (core.privacy)
    return found.rename(columns={"theme": "feature"}).assign(requests=lambda f: f["recent"] + f["earlier"])[RISING_COLUMNS]


def request_mentions(asks: pd.DataFrame) -> pd.DataFrame:
    """The reviews asking for each feature per day (theme: the feature, date, n), as :func:`emerging` and
    :func:`complaint_shares` read mentions: each review counted once per feature, under the name group_requests gives
    the group.

    asks: one row per request snippet with text, named (the stored name, NULL where none), review (a key of its
    review; or dataset_id and review_id) and date (Store.request_days). A bare ask to improve (BARE_ASKS) and one no
    form names are left out: they say what is asked only by the themes next to them (group_requests), which this one
    scan does not read."""
    columns = ["theme", "date", "n"]
    dated = asks.dropna(subset=["date"]) if not asks.empty else asks
    if dated.empty:
        return pd.DataFrame(columns=columns)
    things = pd.Series(request_things(dated), index=dated.index)
    named = dated.assign(thing=things)[~things.isin(BARE_ASKS) & (things != "")]
    if named.empty:
        return pd.DataFrame(columns=columns)
    thing_codes, distinct = pd.factorize(named["thing"])  # in the order first written
    key_codes, _ = pd.factorize(np.array([request_key(t) for t in distinct], dtype=object))
    # a group's name as group_requests gives it: the phrase most said, then the shortest, then the first written
    said = pd.DataFrame({"key": key_codes, "n": np.bincount(thing_codes, minlength=len(distinct)),
                         "length": [len(t) for t in distinct]})
    chosen = said.sort_values(["key", "n", "length"], ascending=[True, False, True], kind="stable").drop_duplicates("key")
    name = pd.Series(np.asarray(distinct, dtype=object)[chosen.index.to_numpy()], index=chosen["key"].to_numpy())
    # each review once per feature (integer codes: ~100k requests at a million reviews)
    reviewer = (named["review"] if "review" in named
                else named["dataset_id"].astype(str) + "/" + named["review_id"].astype(str))
    review_codes, _ = pd.factorize(reviewer)
    key_of = key_codes[thing_codes].astype(np.int64)
    once = ~pd.Series(key_of * (int(review_codes.max()) + 1) + review_codes).duplicated().to_numpy()
    daily = (pd.DataFrame({"key": key_of[once], "date": named["date"].to_numpy()[once]})
             .groupby(["key", "date"]).size().rename("n").reset_index())
    return daily.assign(theme=name.reindex(daily["key"]).to_numpy())[columns]


def complaint_shares(mentions: pd.DataFrame, themes: list[str], period: str = "week") -> pd.DataFrame:
    """The evidence behind an emerging issue, over time: each of ``themes``' share of all complaints per week (or
    month), with zeros where a theme had none (theme, period, complaints, total, share). ``mentions`` as for
    :func:`emerging`."""
    dated = mentions.dropna(subset=["date"])
    if "n" not in dated:
        dated = dated.assign(n=1)
    columns = ["theme", "period", "complaints", "total", "share"]
    if dated.empty or not themes:
        return pd.DataFrame(columns=columns)
    starts = pd.to_datetime(dated["date"]).dt.to_period("M" if period == "month" else "W-SUN").dt.start_time
    dated = dated.assign(period=starts)
    total = dated.groupby("period")["n"].sum()
    counts = dated[dated["theme"].isin(themes)].groupby(["theme", "period"])["n"].sum()
    grid = pd.MultiIndex.from_product([list(dict.fromkeys(themes)), total.index], names=["theme", "period"])
    out = counts.reindex(grid, fill_value=0).rename("complaints").reset_index()
    out["total"] = out["period"].map(total).astype(int)
    out["share"] = out["complaints"] / out["total"].clip(lower=1)
    return out[columns]


# --- opportunity and backlog --------------------------------------------------------------------------------------------

def opportunity_scores(themes: pd.DataFrame) -> pd.DataFrame:
    """Each need's opportunity, 0-10: importance (share of reviews mentioning it, scaled so the most-mentioned need
    is 10) x dissatisfaction (the share of its mentions that are negative); highest first.

    Outcome-driven innovation's importance + max(importance - satisfaction, 0) (satisfaction = 10 x the share not
    negative) is kept beside it as ``odi``, but does not rank: with importance read from how often reviews mention a
    need and satisfaction from how they judge it, the gap is 0 for nearly every need (on the demo all but the top
    need and the overpricing complaints), and ODI then ranks by volume. On the bundled demo it put "durable / build
    quality" (828 reviews, 4% negative) second and the overpricing complaints (489 reviews, 65% negative) fourth,
    sizing (41% negative) eighth (thirty-third session); by importance x dissatisfaction they are 14th, 1st and 5th."""
    out = themes.copy()
    top = max(float(out["reviews"].max()), 1.0)
    out["importance"] = 10 * out["reviews"] / top
    out["satisfaction"] = 10 * (1 - out["negative_share"])
    out["opportunity"] = out["importance"] * out["negative_share"]
    out["odi"] = out["importance"] + np.maximum(out["importance"] - out["satisfaction"], 0)
    out["why"] = [f"importance {importance:.1f} (mentioned in {int(reviews):,} reviews) × {negative:.0%} negative"
                  for importance, reviews, negative in zip(out["importance"], out["reviews"], out["negative_share"])]
    return out.sort_values("opportunity", ascending=False, kind="stable").reset_index(drop=True)


def backlog_markdown(backlog: pd.DataFrame) -> str:
    """The backlog as Markdown tickets for a tracker (one heading per need, evidence as a list)."""
    lines = ["# Improvement backlog (NeedLens)", ""]
    for rank, row in enumerate(backlog.itertuples(), start=1):
        lines += [f"## {rank}. {row.need} ({row.need_type})",
                  f"- Opportunity: {row.opportunity:.1f} — {row.why}",
                  f"- Volume: {int(row.volume):,} reviews; negative: {row.negative_share:.0%}; trend: {row.trend}",
                  *([f"- Stable: {row.stable:.0%} of its mentions' pairs stay together when the themes are computed "
                     "again"] if pd.notna(getattr(row, "stable", float("nan"))) else []),
                  f"- Rating impact: {_stars(row.rating_impact)}",
                  f"- Products most affected: {row.products or '—'}",
                  f"- Example: “{_md_escape(row.example)}”", ""]
    return "\n".join(lines)


def _stars(effect) -> str:
    """A rating impact as the backlog's Markdown says it: "-1.08 stars", or why there is none."""
    if effect is None or pd.isna(effect):
        return "n/a (no star ratings, or too few rated complaints)"
    return f"{effect:+.2f} stars"


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", str(text)).replace("\n", " ")
