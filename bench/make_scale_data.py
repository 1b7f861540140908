"""Generate large realistic review and search files for the scale benchmark (issue 8.4): EN and ZH mixed.

    python bench/make_scale_data.py --reviews 1000000 --searches 1000000 --out /tmp/scale

It reuses the demo generator's need templates (data/make_demo.py: planted needs with known shares, ratings that follow
the polarity, growing and spiking needs over 270 days) and widens everything a real marketplace has more of: a
catalogue of ~2,400 products (brand x item x variant) in the same categories, ~n/4 shoppers, and per-sentence details
(durations, use contexts, colours, sizes, people) so most reviews are distinct texts, as in real data. Searches mix
the demo intents with product-name and attribute queries. Rows are written in chunks, so memory stays flat.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "data"))

import make_demo as demo  # noqa: E402

BRANDS = ["Aura", "Volt", "Pixel", "Echo", "Nimbus", "Terra", "Lumen", "Kite", "Orbit", "Maple", "Nova", "Zen",
          "Peak", "Coral", "Atlas", "Juniper", "Slate", "Willow", "Quartz", "Harbor"]
ITEMS = {
    "Electronics": ["earbuds", "power bank", "smartwatch", "speaker", "headphones", "fitness band", "charger",
                    "e-reader"],
    "Apparel": ["summer dress", "hiking pants", "knit sweater", "denim jacket", "running tee", "rain coat",
                "yoga leggings", "linen shirt"],
    "Kitchen": ["coffee maker", "rice cooker", "knife set", "blender", "air fryer", "kettle", "toaster", "pan set"],
    "Home": ["pillow", "desk lamp", "air purifier", "throw blanket", "humidifier", "bath towel set", "duvet"],
    "Beauty": ["vitamin c serum", "shampoo", "moisturiser", "sunscreen", "lip balm", "face mask"],
}
VARIANTS = ["", " Pro", " Lite", " Max", " 2", " Mini"]
ZH_ITEMS = {
    "Electronics": ["蓝牙耳机", "充电宝", "智能手表", "音箱", "手环"],
    "Apparel": ["连衣裙", "运动裤", "毛衣", "牛仔外套", "T恤"],
    "Kitchen": ["电饭煲", "料理机", "空气炸锅", "电水壶"],
    "Home": ["枕头", "空气净化器", "台灯", "加湿器"],
}
ZH_BRANDS = ["小米", "华为", "美的", "九阳", "南极人", "安踏", "飞利浦", "罗马仕", "倍思", "绿联"]
EN_DETAILS = ["after {n} weeks", "for my {who}", "in {colour}", "on my commute", "at the gym", "for travel",
              "in size {size}", "compared to my old one", "for the price", "out of the box", "every day",
              "after {n} days of use", "for work", "on a long flight", "in the {room}"]
WHO = ["wife", "husband", "son", "daughter", "mum", "dad", "partner", "roommate", "friend"]
COLOURS = ["black", "navy", "sage green", "white", "grey", "rose", "sand", "red", "blue"]
SIZES = ["XS", "S", "M", "L", "XL", "8", "10", "12"]
ROOMS = ["bedroom", "kitchen", "office", "living room", "nursery"]
ZH_DETAILS = ["用了{n}周", "买给{who}的", "{colour}色", "上班路上用", "出差带着", "用了{n}天", "和以前那个比",
              "双十一买的", "第{n}次回购"]
ZH_WHO = ["老婆", "老公", "儿子", "女儿", "妈妈", "爸爸", "朋友"]
ZH_COLOURS = ["黑", "白", "灰", "粉", "蓝", "绿"]
QUERY_ATTRS = ["cheap", "best", "waterproof", "wireless", "quiet", "large", "small", "for women", "for men", "kids",
               "gift", "sale", "2026", "black", "portable", "long lasting"]


def catalogue() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    en = {c: [f"{b} {i}{v}".strip() for b in BRANDS for i in items for v in VARIANTS] for c, items in ITEMS.items()}
    zh = {c: [f"{b}{i}" for b in ZH_BRANDS for i in items] for c, items in ZH_ITEMS.items()}
    return en, zh


def _detail(rng: random.Random, zh: bool) -> str:
    if zh:
        return rng.choice(ZH_DETAILS).format(n=rng.randint(1, 12), who=rng.choice(ZH_WHO), colour=rng.choice(ZH_COLOURS))
    return rng.choice(EN_DETAILS).format(n=rng.randint(1, 12), who=rng.choice(WHO), colour=rng.choice(COLOURS),
                                         size=rng.choice(SIZES), room=rng.choice(ROOMS))


def _vary(text: str, rng: random.Random, zh: bool) -> str:
    """Add a detail to some sentences so reviews are distinct texts, as real ones are."""
    if zh:
        parts = [p for p in text.replace("。", "。\n").replace("！", "！\n").split("\n") if p]
        return "".join(f"{_detail(rng, True)}，{p}" if rng.random() < 0.5 else p for p in parts)
    sentences = [s for s in text.replace(". ", ".\n").replace("! ", "!\n").split("\n") if s]
    out = []
    for s in sentences:
        if rng.random() < 0.5 and s[-1:] in ".!":
            s = f"{s[:-1]} {_detail(rng, False)}{s[-1]}"
        out.append(s)
    return " ".join(out)


def review_rows(n: int, zh_share: float, seed: int):
    rng = random.Random(seed)
    en_cat, zh_cat = catalogue()
    users = max(n // 4, 100)
    for i in range(n):
        zh = rng.random() < zh_share
        cats = zh_cat if zh else en_cat
        category = rng.choice(list(cats))
        product = rng.choice(cats[category])
        demo_product = rng.choice((demo.ZH_CATALOGUE if zh else demo.CATALOGUE)[category])  # for the demo's biases
        text, rating, need = (demo.chinese_review if zh else demo.english_review)(rng, category, demo_product)
        yield {"review_id": f"R{i + 1:07d}", "product": product, "category": category, "rating": int(rating),
               "date": demo._day(rng, need).strftime("%Y-%m-%d"), "user_id": f"U{rng.randint(1, users):07d}",
               "review_text": _vary(text, rng, zh)}


def search_rows(n: int, seed: int):
    rng = random.Random(seed)
    en_cat, _ = catalogue()
    intents = list(demo.SEARCH_INTENTS)
    weights = [6, 5, 4, 3, 3, 4, 5, 5, 3, 3, 3]
    items = [i for v in ITEMS.values() for i in v]
    for i, row in enumerate(_demo_searches(rng, n, intents, weights)):
        roll = rng.random()
        if roll < 0.3:  # attribute + item queries, as a marketplace's long tail
            row["query"] = f"{rng.choice(QUERY_ATTRS)} {rng.choice(items)}"
        elif roll < 0.4:  # product-name queries
            row["query"] = rng.choice(rng.choice(list(en_cat.values()))).lower()
        row["search_id"] = f"S{i + 1:07d}"
        yield row


def _demo_searches(rng: random.Random, n: int, intents, weights):
    chunk = 10_000
    for start in range(0, n, chunk):
        yield from demo.make_searches(rng, min(chunk, n - start))


def write(rows, path: Path, every: int = 50_000) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = None
        batch = []
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(handle, fieldnames=list(row))
                writer.writeheader()
            batch.append(row)
            if len(batch) >= every:
                writer.writerows(batch)
                count += len(batch)
                batch = []
        if batch:
            writer.writerows(batch)
            count += len(batch)
    return count


def generate(n_reviews: int, n_searches: int, out: Path, zh_share: float = 0.2, seed: int = 8) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    reviews, searches = out / f"reviews_{n_reviews}.csv", out / f"searches_{n_searches}.csv"
    if not reviews.exists():
        write(review_rows(n_reviews, zh_share, seed), reviews)
    if n_searches and not searches.exists():
        write(search_rows(n_searches, seed + 1), searches)
    return reviews, searches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--searches", type=int, default=1_000_000)
    parser.add_argument("--zh-share", type=float, default=0.2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/needlens_scale"))
    args = parser.parse_args()
    reviews, searches = generate(args.reviews, args.searches, args.out, args.zh_share)
    print(f"wrote {reviews} and {searches}")


if __name__ == "__main__":
    main()
