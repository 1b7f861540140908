"""Generate the bundled demo data (English + Chinese reviews and search queries) with known needs planted.

    python data/make_demo.py            # writes data/demo_reviews.csv and data/demo_searches.csv

Everything is written by this script from templates (no copied review text); the seed makes it reproducible.
Planted needs, each with a known share so tests and demos can check that NeedLens finds them:
- battery life too short (electronics), growing;      - sizing runs small (apparel);
- 性价比 / value for money (all);                        - shipping damage, spiking in the last 3 weeks;
- wished-for features ("I wish it had ...", "希望有 ..."), asks for a USB-C port rising in the last 3 weeks;
- 使用体验 / ease of use (kitchen, electronics);
- searches for a USB-C power bank (a need the catalogue does not serve) rising in the last 4 weeks.
Each need has several wordings per side (4-8 in English, 2-5 in Chinese), as real reviewers vary theirs; battery life
and sizing are what English electronics and apparel reviews bring up most; 1 in 3 English reviews opens with the
reviewer's own context ("Bought this for my partner.", "Replacing my old one."), which states no opinion.
English reviews have a title, as a marketplace export does (a headline, a verdict, a star summary, or none).
"""
from __future__ import annotations

import csv
import random
import re
from datetime import datetime, timedelta
from pathlib import Path

SEED = 20261127
OUT = Path(__file__).resolve().parent
START = datetime(2026, 2, 1)
DAYS = 270

CATALOGUE = {
    "Electronics": ["AuraBuds Pro earbuds", "VoltMax power bank", "PixelView smartwatch", "EchoMini speaker"],
    "Apparel": ["Linen summer dress", "TrailFlex hiking pants", "CloudKnit sweater", "Everyday denim jacket"],
    "Kitchen": ["BrewWell coffee maker", "SteamChef rice cooker", "SharpEdge knife set", "FreshBlend blender"],
    "Home": ["DreamRest pillow", "LumaDesk lamp", "PureAir purifier", "CozyThrow blanket"],
    "Beauty": ["GlowSerum vitamin C", "SilkHair shampoo", "CalmSkin moisturiser"],
}
ZH_CATALOGUE = {
    "Electronics": ["无线蓝牙耳机", "快充充电宝", "智能手表"],
    "Apparel": ["纯棉连衣裙", "休闲运动裤"],
    "Kitchen": ["电饭煲", "破壁料理机"],
    "Home": ["乳胶枕头", "空气净化器"],
}

# need -> (categories it applies to or None for all, negative phrasings, positive phrasings). Several wordings per
# need and side, as real reviewers vary theirs: with three or four, the themes clustered the few distinct sentences
# (232 in all) and the "Used it for N weeks now." opener joined the battery complaints.
EN_NEEDS = {
    "battery": (["Electronics"],
                ["The battery dies after about {n} hours, far less than advertised.",
                 "Battery life is really short, I have to charge it twice a day.",
                 "It barely lasts a morning on one charge.",
                 "Battery drains overnight even when switched off.",
                 "The charge runs out before my commute is over.",
                 "It dies after about {n} hours despite the all-day claim.",
                 "The battery is flat before lunch every day."],
                ["Battery easily lasts {n} days between charges.", "Great battery life, lasts all week.",
                 "One charge lasts me the whole week.", "The battery holds up through long trips."]),
    "sizing": (["Apparel"],
               ["It runs small, I had to return it for a size up.", "Sizing is way off, order one size bigger.",
                "Too tight across the shoulders even in my usual size.",
                "The fit is much smaller than the size chart says.",
                "Ordered my normal medium and could barely zip it up.", "The waist is cut tiny, size up at least once.",
                "Sleeves are short and the whole thing runs a size small."],
               ["Fits true to size and the cut is flattering.", "Perfect fit, I ordered my usual size.",
                "The size chart is accurate, the medium fits me perfectly.",
                "Roomy in the right places, sizing is spot on."]),
    "value": (None,
              ["Way too expensive for what you get.", "Not worth the price, cheaper brands do the same.",
               "Overpriced for this quality.", "The same thing costs half as much elsewhere.",
               "For this money I expected much better.", "Far too pricey for what it is."],
              ["Great value for money.", "Excellent value for the price, a real bargain.",
               "Worth every penny at this price.", "Half the price of the big brands and just as good.",
               "At this price it is a steal."]),
    "shipping": (None,
                 ["The box arrived crushed and the item was damaged.", "Arrived broken, the packaging was far too thin.",
                  "Package was damaged in shipping and a part was cracked.",
                  "Delivery took {n} days and the box was dented.", "The parcel showed up soaked and torn open.",
                  "The courier left it in the rain and the box fell apart.",
                  "It came with a dented corner and scratches from the journey."],
                 ["Arrived quickly and well packaged.", "Fast delivery, packaging was solid.",
                  "Delivered a day early with everything intact.", "Packed carefully with plenty of padding."]),
    "ease": (["Kitchen", "Electronics", "Home"],
             ["The buttons are confusing and the manual does not help.", "Setup was a pain, the app keeps disconnecting.",
              "Hard to clean, food gets stuck in every corner.", "The settings menu is confusing.",
              "Fiddly controls, I keep pressing the wrong button.",
              "The app fails to pair with my phone every other time.",
              "Awkward to handle and a pain to put away."],
             ["Very easy to use right out of the box.", "Simple to set up and easy to clean.",
              "Easy enough that my kids figured it out in minutes.", "Rinses clean in a minute."]),
    "quality": (None,
                ["It stopped working after {n} weeks.", "The material feels cheap and started to fall apart.",
                 "Broke within a month of normal use.", "Poor quality, a seam split the first time I used it.",
                 "The hinge snapped after light use.", "One morning it simply would not turn on.",
                 "The pump broke and the bottle started leaking.", "Wore out after a few uses."],
                ["Solid build quality, feels like it will last.", "Well made and sturdy.",
                 "Tough enough for daily use.", "Feels durable and nicely finished."]),
    "look": (["Apparel", "Home", "Beauty"],
             ["The colour looks nothing like the photos.", "Looks cheap in person.",
              "The finish is dull and looks like plastic.", "The shade is much darker than on the website."],
             ["Love the colour, it looks even better than the pictures.", "Beautiful design, looks premium.",
              "I get compliments on the colour every time.", "The colour is rich and exactly as pictured."]),
}
EN_WISHES = ["I wish it had a {f}.", "Would be great if it came with a {f}.", "It really needs a {f}.",
             "Please add a {f} in the next version.", "Should come with a {f}.", "I'd love a {f} on the next one."]
FEATURES = {"Electronics": ["USB-C port", "carrying case", "volume limiter", "longer cable"],
            "Apparel": ["inside pocket", "petite length option", "wider size range"],
            "Kitchen": ["timer with auto shut-off", "dishwasher-safe lid", "keep-warm setting", "storage block"],
            "Home": ["remote control", "dimmer", "washable cover"],
            "Beauty": ["pump dispenser", "travel size", "fragrance-free version"]}
# What reviewers say about themselves before the point (no opinion: NeedLens reads these as reviewer context)
OPENERS = [""] * 10 + ["Bought this for my partner. ", "Got this as a gift for my mum. ",
                       "Bought one for my daughter. ", "Second one I have owned. ", "Replacing my old one. "]

ZH_NEEDS = {
    "battery": (["Electronics"],
                ["电池不耐用，一天要充两次电。", "续航太短了，用了{n}个小时就没电了。", "充一次电只能用半天。",
                 "待机一晚上电就掉光了。"],
                ["续航很给力，能用好几天。", "续航时间很长，很省心。", "电池很耐用。"]),
    "sizing": (["Apparel"],
               ["尺码偏小，建议买大一码。", "穿着太紧了，尺码不标准。", "平时穿M码，这件M码根本穿不上。", "裤腰偏小，要拍大一号。"],
               ["尺码很准，穿着合身。", "按平时的尺码买的，大小刚好。"]),
    "value": (None,
              ["价格太贵了，性价比不高。", "性价比太低，不值这个价。", "同样的东西别家便宜一半。"],
              ["性价比很高，物超所值。", "价格实惠，性价比不错。", "这个价格买到很划算。"]),
    "shipping": (None,
                 ["快递太慢，包装破损，东西都压坏了。", "物流很慢，收到时盒子已经坏了。", "等了{n}天才到货，外包装还湿了。",
                  "外包装被压扁了，里面的配件也裂了。"],
                 ["物流很快，包装也很好。", "发货速度快，包装严实。", "快递第二天就到了，包装完好。"]),
    "ease": (["Kitchen", "Electronics", "Home"],
             ["操作太复杂，说明书看不懂，使用体验很差。", "不好清洗，使用体验一般。", "按键太多，老人根本不会操作。",
              "连接App的操作很麻烦。", "体积太大，收纳很不方便。"],
             ["操作简单，使用体验很好。", "使用很方便，一键就能搞定。", "上手很快，老人也会操作。"]),
    "quality": (None,
                ["质量很差，用了{n}周就坏了。", "做工粗糙，有很多线头。", "用了没几次就坏了。", "开线了，质量一般。"],
                ["质量很好，做工精细。", "材质不错，很结实。", "做工扎实，质量放心。"]),
}
ZH_WISHES = ["希望有{f}。", "建议增加{f}。", "要是有{f}就好了。", "希望下次能出{f}的版本。", "要是能加个{f}就更好了。"]
ZH_FEATURES = {"Electronics": ["更大的容量", "收纳盒", "Type-C接口"], "Apparel": ["更多颜色", "加大码"],
               "Kitchen": ["预约功能", "保温功能"], "Home": ["遥控器", "静音模式", "可拆洗的枕套"]}

# Wordings that only fit some products (a shampoo does not "turn on", a pillow has no app); the others fit every
# product of the need's categories.
POWERED = {"AuraBuds Pro earbuds", "VoltMax power bank", "PixelView smartwatch", "EchoMini speaker",
           "BrewWell coffee maker", "SteamChef rice cooker", "FreshBlend blender", "LumaDesk lamp", "PureAir purifier",
           "无线蓝牙耳机", "快充充电宝", "智能手表", "电饭煲", "破壁料理机", "空气净化器"}
WITH_APP = {"AuraBuds Pro earbuds", "PixelView smartwatch", "EchoMini speaker", "PureAir purifier", "无线蓝牙耳机", "智能手表",
            "空气净化器"}
SEWN = {"Linen summer dress", "TrailFlex hiking pants", "CloudKnit sweater", "Everyday denim jacket",
        "DreamRest pillow", "CozyThrow blanket", "纯棉连衣裙", "休闲运动裤", "乳胶枕头"}
FOOD = {"BrewWell coffee maker", "SteamChef rice cooker", "FreshBlend blender", "电饭煲", "破壁料理机"}
BOTTLED = {"GlowSerum vitamin C", "SilkHair shampoo", "CalmSkin moisturiser"}
ONLY_FOR = {
    "It stopped working after {n} weeks.": POWERED, "One morning it simply would not turn on.": POWERED,
    "The hinge snapped after light use.": POWERED - FOOD,
    "The buttons are confusing and the manual does not help.": POWERED,
    "The settings menu is confusing.": POWERED, "Fiddly controls, I keep pressing the wrong button.": POWERED,
    "Easy enough that my kids figured it out in minutes.": POWERED,
    "Setup was a pain, the app keeps disconnecting.": WITH_APP,
    "The app fails to pair with my phone every other time.": WITH_APP,
    "Hard to clean, food gets stuck in every corner.": FOOD, "Rinses clean in a minute.": FOOD,
    "Poor quality, a seam split the first time I used it.": SEWN,
    "The material feels cheap and started to fall apart.": SEWN,
    "The pump broke and the bottle started leaking.": BOTTLED,
    "操作太复杂，说明书看不懂，使用体验很差。": POWERED, "按键太多，老人根本不会操作。": POWERED, "连接App的操作很麻烦。": WITH_APP,
    "不好清洗，使用体验一般。": FOOD, "做工粗糙，有很多线头。": SEWN, "开线了，质量一般。": SEWN,
    "质量很差，用了{n}周就坏了。": POWERED,
    # wished-for features
    "USB-C port": POWERED, "volume limiter": {"AuraBuds Pro earbuds", "EchoMini speaker"},
    "timer with auto shut-off": POWERED, "dishwasher-safe lid": {"BrewWell coffee maker", "FreshBlend blender"},
    "keep-warm setting": {"BrewWell coffee maker", "SteamChef rice cooker"}, "storage block": {"SharpEdge knife set"},
    "remote control": {"LumaDesk lamp", "PureAir purifier"}, "dimmer": {"LumaDesk lamp"},
    "washable cover": {"DreamRest pillow", "CozyThrow blanket"},
    "遥控器": {"空气净化器"}, "静音模式": {"空气净化器"}, "可拆洗的枕套": {"乳胶枕头"},
}


def _fitting(templates: list[str], product: str) -> list[str]:
    """The wordings (or wished-for features) that fit the product."""
    return [t for t in templates if product in ONLY_FOR.get(t, (product,))]


def _wording(rng: random.Random, templates: list[str], product: str) -> str:
    """One of the need's wordings that fits the product."""
    return _fill(rng.choice(_fitting(templates, product)), rng)


# Per-product strengths and weaknesses (probability that a mention of the need is a complaint): the products
# differ, so the product heatmap and the need-aware recommender have something real to find.
PRODUCT_BIAS = {
    ("AuraBuds Pro earbuds", "battery"): 0.85, ("PixelView smartwatch", "battery"): 0.10,
    ("VoltMax power bank", "battery"): 0.15, ("EchoMini speaker", "ease"): 0.70,
    ("Linen summer dress", "sizing"): 0.85, ("CloudKnit sweater", "sizing"): 0.10, ("TrailFlex hiking pants", "quality"): 0.05,
    ("Everyday denim jacket", "look"): 0.05, ("BrewWell coffee maker", "ease"): 0.75, ("SharpEdge knife set", "quality"): 0.05,
    ("FreshBlend blender", "shipping"): 0.70, ("SteamChef rice cooker", "value"): 0.05, ("PureAir purifier", "value"): 0.70,
    ("DreamRest pillow", "quality"): 0.60, ("LumaDesk lamp", "look"): 0.05, ("GlowSerum vitamin C", "value"): 0.75,
    ("CalmSkin moisturiser", "look"): 0.05, ("无线蓝牙耳机", "battery"): 0.85, ("快充充电宝", "battery"): 0.10,
    ("纯棉连衣裙", "sizing"): 0.85, ("电饭煲", "ease"): 0.10, ("空气净化器", "value"): 0.75,
}

# The default taxonomy's need type (core.needs.DEFAULT_TAXONOMY) each planted need belongs to: what NeedLens's need
# types should say about the sentences written for it (bench/needs.py types, tests/integration/test_demo_needs.py).
NEED_TYPES = {"battery": "performance/battery", "sizing": "fit/size", "value": "price/value 性价比",
              "shipping": "shipping/packaging", "ease": "usability/experience 使用体验", "quality": "quality/durability",
              "look": "appearance"}


def planted_sentences(lang: str, numbers=(3,)) -> list[tuple[str, str]]:
    """Every need sentence the generator can write in one language (each {n} filled with each of ``numbers``), with
    the need type it was written for."""
    needs = ZH_NEEDS if lang == "zh" else EN_NEEDS
    return [(template.format(n=n), NEED_TYPES[need]) for need, (_, negatives, positives) in needs.items()
            for template in negatives + positives for n in numbers]


# How many stars a complaint about the need costs a review (a full star for a product that fails at its job, less for
# a dented box or a colour off the photo), so the rating drivers have real differences to find.
SEVERITY = {"battery": 1.0, "sizing": 1.0, "quality": 1.0, "ease": 0.7, "value": 0.6, "shipping": 0.5, "look": 0.4}

NEGATIVE_WEIGHTS = {"battery": 0.40, "sizing": 0.45, "value": 0.20, "shipping": 0.15, "ease": 0.20, "quality": 0.15,
                    "look": 0.10}


def _fill(template: str, rng: random.Random) -> str:
    return template.format(n=rng.randint(2, 9))


def _day(rng: random.Random, need: str, praise: bool = False, dates: random.Random | None = None) -> datetime:
    """When a review was written. Shipping damage spikes in the last 3 weeks (a bad batch of boxes: half the reviews
    that open on a shipping complaint fall there), battery complaints grow steadily. Praise of the shipping drawn into
    the spike is dated anywhere instead, by ``dates`` (its own generator, so the reviews themselves stay the same):
    until the twenty-eighth session's demo the praise spiked too, and the recent weeks' rating rose with the damage."""
    if need == "shipping" and rng.random() < 0.5:
        day = START + timedelta(days=rng.randint(DAYS - 21, DAYS - 1), hours=rng.randint(0, 23))
        if praise and dates is not None:
            return START + timedelta(days=dates.randint(0, DAYS - 1), hours=dates.randint(0, 23))
        return day
    if need == "battery":
        return START + timedelta(days=int(DAYS * rng.random() ** 0.25), hours=rng.randint(0, 23))
    return START + timedelta(days=rng.randint(0, DAYS - 1), hours=rng.randint(0, 23))


def _applicable(needs: dict, category: str) -> list[str]:
    return [n for n, (cats, _, _) in needs.items() if cats is None or category in cats]


# How much more often an English review of the category brings up the need than any other: earbuds reviews talk about
# the battery, dress reviews about the fit. (Chinese reviews draw their needs evenly: weighted, the 500 Chinese reviews'
# themes matched their planted needs worse, NMI 0.565 against 0.617 in the twenty-eighth session's trials.)
SALIENCE = {"battery": 3.0, "sizing": 3.0}


def _pick_needs(rng: random.Random, needs: list[str], k: int) -> list[str]:
    """``k`` distinct needs, each drawn with its salience as weight."""
    pool, chosen = list(needs), []
    while pool and len(chosen) < k:
        need = rng.choices(pool, [SALIENCE.get(n, 1.0) for n in pool])[0]
        chosen.append(need)
        pool.remove(need)
    return chosen


def _negative(rng: random.Random, product: str, need: str) -> bool:
    return rng.random() < PRODUCT_BIAS.get((product, need), NEGATIVE_WEIGHTS.get(need, 0.3))


def english_review(rng: random.Random, category: str, product: str) -> tuple[str, float, str]:
    needs = _applicable(EN_NEEDS, category)
    chosen = _pick_needs(rng, needs, rng.choice([1, 2, 2, 3]))
    sentences, polarity = [_fill(rng.choice(OPENERS), rng).strip()], []
    for need in chosen:
        _, negatives, positives = EN_NEEDS[need]
        negative = _negative(rng, product, need)
        sentences.append(_wording(rng, negatives if negative else positives, product))
        polarity.append(-SEVERITY[need] if negative else 1)
    if rng.random() < 0.12:
        wish = rng.choice(EN_WISHES).format(f=rng.choice(_fitting(FEATURES[category], product)))
        sentences.append(re.sub(r"\ba (?=[aeiou])", "an ", wish))  # "an inside pocket"
    rating = _rating(rng, polarity)
    return " ".join(s for s in sentences if s).strip(), rating, chosen[0]


def chinese_review(rng: random.Random, category: str, product: str) -> tuple[str, float, str]:
    needs = _applicable(ZH_NEEDS, category)
    chosen = rng.sample(needs, k=min(len(needs), rng.choice([1, 2, 2])))
    parts, polarity = [], []
    for need in chosen:
        _, negatives, positives = ZH_NEEDS[need]
        negative = _negative(rng, product, need)
        parts.append(_wording(rng, negatives if negative else positives, product))
        polarity.append(-SEVERITY[need] if negative else 1)
    if rng.random() < 0.15 and category in ZH_FEATURES:
        parts.append(rng.choice(ZH_WISHES).format(f=rng.choice(_fitting(ZH_FEATURES[category], product))))
    return "".join(parts), _rating(rng, polarity), chosen[0]


def _rating(rng: random.Random, polarity: list[float]) -> float:
    """Stars from the mentions: +1 for praise, minus the need's severity for a complaint, averaged, plus noise."""
    mood = sum(polarity) / max(len(polarity), 1)
    base = 3 + 2 * mood + rng.choice([-1, 0, 0, 0, 1]) * 0.6
    return float(min(5, max(1, round(base))))


# Review titles, as an English marketplace export has them: the reviewer's headline about the need they wrote about
# first (in the same polarity), or a verdict that follows the stars, or none; a few are the marketplace's own star
# summary ("Five Stars"), which NeedLens does not read. Chinese marketplaces have no review title.
EN_TITLES = {
    "battery": (["Battery dies too fast", "Poor battery life"], ["Great battery life", "Lasts for days"]),
    "sizing": (["Runs small", "Order a size up"], ["True to size", "Perfect fit"]),
    "value": (["Overpriced", "Not worth the money"], ["Great value", "Worth it"]),
    "shipping": (["Arrived damaged", "Terrible packaging"], ["Fast delivery", "Well packaged"]),
    "ease": (["Frustrating to use", "Hard to set up"], ["So easy to use", "Simple and handy"]),
    "quality": (["Fell apart quickly", "Cheaply made"], ["Built to last", "Solid quality"]),
    "look": (["Not like the photos", "Looks cheap"], ["Beautiful", "Looks great"]),
}
VERDICTS = {5: ["Love it!", "Excellent", "Highly recommend"], 4: ["Very good", "Happy with it"],
            3: ["It's okay", "Mixed feelings"], 2: ["Disappointed", "Not great"], 1: ["Waste of money", "Do not buy"]}
STAR_SUMMARIES = {1: "One Star", 2: "Two Stars", 3: "Three Stars", 4: "Four Stars", 5: "Five Stars"}


def _template_pattern(template: str) -> re.Pattern:
    return re.compile(re.escape(template).replace(re.escape("{n}"), r"\d+"))


def _praises(text: str, need: str, zh: bool) -> bool:
    """Whether the review's first need sentence (about ``need``) is praise: none of the need's complaints is in it."""
    return not any(_template_pattern(t).search(text) for t in (ZH_NEEDS if zh else EN_NEEDS)[need][1])


def english_title(rng: random.Random, text: str, rating: int, need: str) -> str:
    """A headline for an English review whose first need sentence is about ``need``."""
    draw = rng.random()
    if draw < 0.15:
        return ""
    if draw < 0.18:
        return STAR_SUMMARIES[rating]
    if draw < 0.60:
        return rng.choice(EN_TITLES[need][1 if _praises(text, need, False) else 0])
    return rng.choice(VERDICTS[rating])


RISING_ASK = "a USB-C port"  # the wish planted as rising: half the reviews asking for it are dated in the last 3 weeks


def make_reviews(rng: random.Random, n_en: int = 3000, n_zh: int = 500) -> list[dict]:
    rows = []
    titles = random.Random(SEED + 2)  # its own generator: the reviews are the same with or without titles
    dates = random.Random(SEED + 3)  # its own generator too: shipping praise moved out of the damage spike
    asks = random.Random(SEED + 4)  # and this one: asks for a USB-C port rise in the last 3 weeks (RISING_ASK)
    for i in range(n_en + n_zh):
        zh = i >= n_en
        catalogue = ZH_CATALOGUE if zh else CATALOGUE
        category = rng.choice(list(catalogue))
        product = rng.choice(catalogue[category])
        text, rating, need = (chinese_review if zh else english_review)(rng, category, product)
        day = _day(rng, need, _praises(text, need, zh), dates)
        if RISING_ASK in text and asks.random() < 0.5:  # everyone's new phone charges by USB-C: the ask takes off
            day = START + timedelta(days=asks.randint(DAYS - 21, DAYS - 1), hours=asks.randint(0, 23))
        rows.append({"review_id": f"R{i + 1:05d}", "product": product, "category": category,
                     "rating": int(rating), "date": day.strftime("%Y-%m-%d"),
                     "user_id": f"U{rng.randint(1, 900):04d}",
                     "title": "" if zh else english_title(titles, text, int(rating), need), "review_text": text})
    rng.shuffle(rows)
    return rows


SEARCH_INTENTS = {
    "long battery earbuds": ["long battery earbuds", "earbuds 10 hour battery", "wireless earbuds long battery life"],
    "petite dress": ["petite summer dress", "dress petite length", "short dress for petite women"],
    "usb c power bank": ["usb c power bank", "fast charging power bank usb-c", "power bank type c"],
    "quiet air purifier": ["quiet air purifier", "silent air purifier bedroom", "air purifier low noise"],
    "rice cooker timer": ["rice cooker with timer", "rice cooker delay start", "programmable rice cooker"],
    "cheap smartwatch": ["cheap smartwatch", "budget smart watch", "affordable fitness watch"],
    "linen dress": ["linen dress", "linen summer dress", "white linen dress"],
    "coffee maker": ["coffee maker", "drip coffee maker", "coffee machine 12 cup"],
    "vitamin c serum": ["vitamin c serum", "brightening serum", "serum for dark spots"],
    "蓝牙耳机": ["蓝牙耳机", "降噪蓝牙耳机", "蓝牙耳机 续航长"],
    "大容量充电宝": ["大容量充电宝", "充电宝 快充", "充电宝 20000毫安"],
}
UNSERVED = {"petite dress", "usb c power bank", "rice cooker timer", "大容量充电宝"}
RISING = ("usb c power bank", 120)  # extra searches of this intent in the last 28 days: demand taking off


def make_searches(rng: random.Random, n: int = 5000) -> list[dict]:
    rows = []
    intents = list(SEARCH_INTENTS)
    weights = [6, 5, 4, 3, 3, 4, 5, 5, 3, 3, 3]
    for i in range(n):
        intent = rng.choices(intents, weights)[0]
        query = rng.choice(SEARCH_INTENTS[intent])
        if rng.random() < 0.05:  # real users misspell
            j = rng.randrange(len(query))
            query = query[:j] + query[j + 1:]
        rows.append(_search(rng, i + 1, intent, query))
    return rows + _rising_searches(random.Random(SEED + 1), first_id=n + 1)


def _rising_searches(rng: random.Random, first_id: int) -> list[dict]:
    """The planted rise, drawn from its own generator so the searches above stay as they were."""
    intent, extra = RISING
    return [_search(rng, first_id + i, intent, rng.choice(SEARCH_INTENTS[intent]), first_day=DAYS - 28)
            for i in range(extra)]


def _search(rng: random.Random, number: int, intent: str, query: str, first_day: int = 0) -> dict:
    """One search row: results and a click (rarer for unserved intents), a time from ``first_day`` on, a session."""
    unserved = intent in UNSERVED
    results = 0 if unserved and rng.random() < 0.6 else rng.randint(3, 120)
    clicked = "" if results == 0 or rng.random() < (0.7 if unserved else 0.35) else _product_for(rng, intent)
    when = START + timedelta(days=rng.randint(first_day, DAYS - 1), minutes=rng.randint(0, 1439))
    return {"search_id": f"S{number:05d}", "timestamp": when.strftime("%Y-%m-%d %H:%M"),
            "session_id": f"sess-{rng.randint(1, 2500):05d}", "query": query, "result_count": results,
            "clicked_product": clicked, "converted": int(bool(clicked) and rng.random() < 0.3)}


def _product_for(rng: random.Random, intent: str) -> str:
    every = [p for ps in CATALOGUE.values() for p in ps]
    words = [w for w in intent.split() if len(w) > 3]
    matches = [p for p in every if any(w[:5] in p.lower() for w in words)]
    return rng.choice(matches or every)


def write(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    write(make_reviews(random.Random(SEED)), OUT / "demo_reviews.csv")
    # the searches draw from their own generator: rewording a review template leaves them as they are
    write(make_searches(random.Random(SEED + 3)), OUT / "demo_searches.csv")
    print(f"wrote {OUT / 'demo_reviews.csv'} and {OUT / 'demo_searches.csv'}")


if __name__ == "__main__":
    main()
