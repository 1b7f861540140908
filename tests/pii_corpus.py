"""A generated English + Chinese PII test set (issue 7.6): review sentences with planted personal data, and control
sentences full of numbers that are not personal (prices, sizes, dates, model numbers), to measure masking recall and
precision. Values are random but valid-looking (ID cards carry a correct checksum, cards pass Luhn)."""
from __future__ import annotations

import random
import re

PLACEHOLDER = re.compile(r"\[(?:email|phone|id|card|order|address)\]")


def _luhn_complete(digits: str) -> str:
    total = 0
    for i, d in enumerate(reversed(digits + "0")):
        n = int(d)
        if i % 2 == 1:
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    return digits + str((10 - total % 10) % 10)


def _cn_id(rng: random.Random) -> str:
    body = f"{rng.choice(['110101', '310104', '440305', '510107'])}{rng.randint(1960, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    return body + check


def _values(rng: random.Random) -> dict[str, list]:
    name = rng.choice(["amy.lee", "j_smith", "wang.fang", "li-na88", "zhang.wei"])
    card = _luhn_complete(rng.choice(["4", "5"]) + "".join(str(rng.randint(0, 9)) for _ in range(14)))
    mobile = f"1{rng.choice('3456789')}{rng.randint(0, 9)}{rng.randint(0, 9999):04d}{rng.randint(0, 9999):04d}"
    return {
        "email": [f"{name}{rng.randint(1, 99)}@{rng.choice(['gmail.com', 'qq.com', '163.com', 'example.org'])}"],
        "cn_phone": [mobile, f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"],
        "us_phone": [f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
                     f"{rng.randint(201, 989)}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"],
        "intl_phone": [f"+44 20 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
                       f"+49 30 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"],
        "cn_id": [_cn_id(rng)],
        "card": [card, " ".join(card[i:i + 4] for i in range(0, 16, 4))],
        "address": [f"{rng.randint(1, 9999)} {rng.choice(['Maple', 'Oak Hill', 'Baker', 'Sunset'])} "
                    f"{rng.choice(['Street', 'Ave', 'Road', 'Blvd', 'Lane'])}",
                    f"{rng.choice(['朝阳区', '浦东新区', '南山区'])}{rng.choice(['建国路', '世纪大道', '科技园路'])}{rng.randint(1, 999)}号"],
        "order": [f"{rng.randint(10 ** 9, 10 ** 10 - 1)}", f"A{rng.randint(10 ** 7, 10 ** 8 - 1)}"],
    }


EN_TEMPLATES = {
    "email": "Seller never answered, email me at {v} if you know a fix.",
    "cn_phone": "Courier kept calling {v} at night.",
    "us_phone": "Call me at {v} about the refund, nobody replies.",
    "intl_phone": "Support line {v} was useless.",
    "cn_id": "They asked for my ID {v} just to return a dress!",
    "card": "Charged twice on my card {v}, still waiting.",
    "address": "Delivered to {v} instead of my office.",
    "order": "Order #{v} arrived with a broken zipper.",
}
ZH_TEMPLATES = {
    "email": "客服一直不回邮件{v}，太差了。",
    "cn_phone": "快递员打我电话{v}说放门口了。",
    "us_phone": "海外客服电话{v}打不通。",
    "intl_phone": "国际客服{v}一直占线。",
    "cn_id": "退货还要身份证号{v}，太麻烦了。",
    "card": "银行卡{v}被扣了两次款。",
    "address": "送到{v}了，不是我家。",
    "order": "订单号{v}的衣服开线了。",
}
CONTROLS = [
    "Paid $49.99 on 2026-01-05 and it arrived in 3 days.", "I am 5'4\" and 130 lbs, size 8 fits.",
    "Bought 2 pairs for ¥299, great value.", "The XPS 13 9310 runs hot after 20 minutes.",
    "Battery went from 100% to 15% in 4 hours.", "Waist 28, inseam 30, true to size.",
    "Rated 4 out of 5, would buy again in 2027.", "价格199元，比上次便宜了30元。", "身高165cm，体重52kg，穿M码正好。",
    "用了3个月，电池还有85%。", "2026年11月11日下单，11月13日到货。", "屏幕1920x1080，内存16GB，硬盘512GB。",
    "Model 2024-XL holds 1.5 liters.", "Ordered on 11/28 and got it 12/02.", "Washed it 10 times at 30 degrees.",
    "I have 3 kids aged 4, 7 and 9.", "Room 1208 on floor 12 was noisy.", "Flight CA1234 was delayed 2 hours.",
    # product titles in a search log's result column: a drive is not a street, a wattage range is not a phone
    "Liftmaster 1/2 HP Chain Drive Garage Door Opener", "PRO 300 Power Drive Kit", "Deck 4-in-1 Select Drive Mower",
    "2 Panels Drive-Through Sign", "42 in. 2 Speed Belt Drive Fan", "Soft White 50-100-150-Watt 3-Way Bulb",
]


def make_pii_set(n: int = 400, seed: int = 0) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Returns ([(text, kind, planted value)], control texts)."""
    rng = random.Random(seed)
    kinds = list(EN_TEMPLATES)
    planted = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        value = rng.choice(_values(rng)[kind])
        template = (ZH_TEMPLATES if i % 2 else EN_TEMPLATES)[kind]
        planted.append((template.format(v=value), kind, value))
    controls = [rng.choice(CONTROLS) for _ in range(n // 2)]
    return planted, controls


def score_masking(mask, planted, controls) -> dict:
    """Recall: planted values whose digits/characters no longer appear. Precision: placeholders that cover a planted
    value over all placeholders inserted (in planted and control sentences)."""
    recall_hits, placeholders, true_placeholders = 0, 0, 0
    misses = []
    for text, kind, value in planted:
        masked = mask(text)
        found = len(PLACEHOLDER.findall(masked))
        placeholders += found
        leaked = value in masked or re.sub(r"\D", "", value) and re.sub(r"\D", "", value) in re.sub(r"\D", "", masked)
        if not leaked and found:
            recall_hits += 1
            true_placeholders += 1  # a value split over two placeholders counts one right and one wrong
        else:
            misses.append((kind, text, masked))
    false_in_controls = sum(len(PLACEHOLDER.findall(mask(t))) for t in controls)
    placeholders += false_in_controls
    return {"planted": len(planted), "recall": recall_hits / len(planted),
            "precision": true_placeholders / max(placeholders, 1), "false_in_controls": false_in_controls,
            "misses": misses}
