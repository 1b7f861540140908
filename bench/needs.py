"""Latent-needs figures: feature-request precision/recall on the labelled set, and the search demand gap's
served-ness score against Home Depot's human relevance labels (Spearman), beside a BM25 baseline in the same run.

    python bench/needs.py               # both
    python bench/needs.py requests      # only the labelled request set (seconds)
    python bench/needs.py types         # zero-shot need types on the hand-labelled need-type sets and the demo
    python bench/needs.py census [MODEL_DIR ...]   # English request models' precision on the stratum-B census

bench/labels/feature_requests.csv (development) holds 408 snippets (220 English from the shared clothing and Amazon reviews,
188 Chinese from online_shopping_10_cats) chosen as: 160 English and 140 Chinese snippets containing a request-like
cue word (wish, should, need, please, 希望, 建议, 要是, 如果 ...) plus 60 + 50 random snippets without one, all drawn
with fixed seeds. bench/labels/feature_requests_heldout.csv holds 204 more (110 English, 94 Chinese, different
seeds, none in the first set), drawn and labelled only after the first rules were frozen; it scored 0.818/0.750 and
its errors were then read to revise the rules, so it is now a second development set. bench/labels/
feature_requests_heldout2.csv (260: 100 English, 160 Chinese) was drawn afterwards by
`python bench/labels/draw_requests.py --seed 2026 --narrow-zh 60` (70% broad cue words, 30% none; 60 extra Chinese
snippets with a wish word, for enough Chinese requests) and labelled by hand before the revised rules were run on it. Each was read and labelled by
hand: 1 = asks for something the product or seller does not offer yet (a feature, design change, variant, size,
colour, material, stock, price, service); 0 = regrets about one's own choice ("should have sized up"), advice to
other buyers ("建议大家别买"), what the wearer needs ("need a strapless bra"), wishes for the seller's success,
hopes about one's own experience. Third revision (fourth session): the rules were generalised while browsing snippets
whose SHA-1 starts with 0-7 only; seven Chinese asks addressed to the platform ("建议携程取消和其合作", "希望京东自营的
商品严格把关") were relabelled 1 in the development sets to match the definition below, which held-out 2 had already
applied; then bench/labels/feature_requests_heldout3.csv (280: 120 English, 160 Chinese) was drawn from the other half by
`python bench/labels/draw_requests.py --seed 3031 --en 120 --zh 100 --narrow-zh 60 --half high` and labelled by hand
before the rules were run on it once. Definition used for all sets: 1 = asks, wishes or suggests that the product,
seller, maker, platform, hotel or author change or add something (feature, design, variant, size, colour, material,
stock, price, service, policy), including a regret that something is missing framed as the downside ("only downside
is the lack of other colours", "就是没有耳机"); 0 = plain complaints without an ask, requests for help with one's own
order, regrets about one's own choice, advice to other buyers, the wearer's own needs, wishes for the seller's success,
hopes about one's own experience. The texts are not copied into the repo: the file stores each snippet's source
dataset and SHA-1, and this script rebuilds the text from ../shared/datasets.

Sixth session: three more rounds of the same loop, each revision written from the labelled sets' misses only (no
unlabelled snippet browsed), then a new set drawn with a new seed and labelled by hand before the revision ran on it:
feature_requests_heldout4.csv (280: `--seed 4041 --en 120 --zh 100 --narrow-zh 60`, scored the fourth revision),
feature_requests_heldout5.csv (420: `--seed 5051 --en 200 --zh 140 --narrow-zh 80`, the fifth) and
feature_requests_heldout6.csv (420: `--seed 6061 --en 200 --zh 140 --narrow-zh 80`, the sixth, today's rules). One
held-out 4 label was changed after scoring (a rhetorical "能不能尊重……" complaint, 0 as in sets 2 and 3). Each
set's figure when it was fresh is in bench/RESULTS.md; this script prints today's rules on every set. After held-out
6 was scored, regret exclusions found in the clothing walkthrough's request list ("wish it would have worked", "wish
it fit") were added, so its figure today is no longer a clean held-out one. feature_requests_heldout7.csv (420:
`--seed 7071 --en 200 --zh 140 --narrow-zh 80`) was drawn and labelled after those changes; the seventh revision was
written from its misses, and feature_requests_heldout8.csv (420: `--seed 8081 ...`) drawn and labelled before that
revision ran on it: the held-out figure for the rules as they ship.

Eighth session: a learned detector (bench/train_request_model.py: the bundled MiniLM fine-tuned on the English labels,
a character n-gram veto on the Chinese pattern hits), its settings chosen with held-out 8 (sets 1-8 for training),
then trained on the nine earlier sets and scored once on feature_requests_heldout9.csv (420:
`--seed 9091 --en 200 --zh 140 --narrow-zh 80`), drawn and labelled by hand after the detector's settings were frozen.

Ninth session: feature_requests_heldout10.csv (420: `--seed 10101 --en 200 --zh 140 --narrow-zh 80`) drawn and labelled
by hand first; the English threshold and the Chinese veto were then chosen by leave-one-set-out cross-validation over
held-out sets 4-9 (`python bench/train_request_model.py --cv 4 5 6 7 8 9 --hold 10`, which never reads held-out 10 or
later), the detector retrained on the ten earlier sets, and held-out 10 scored once (bench/RESULTS.md). Then the Chinese patterns' eighth
revision was written from held-out 9 and 10's misses, feature_requests_heldout11.csv (420: `--seed 11111 --en 200
--zh 140 --narrow-zh 80`) drawn and labelled by hand, the detector retrained on the eleven earlier sets (same
settings) and held-out 11 scored once.

Twelfth session: feature_requests_heldout12.csv (420: `--seed 12121 --en 200 --zh 140 --narrow-zh 80`) drawn and labelled
by hand first (committed before any detector ran on it); then the English decision rule was chosen on out-of-fold
predictions over held-out sets 8-11 (`bench/train_request_model.py --cv 8 9 10 11 --hold 12 --oof F`, then `--rules F`),
the detector retrained on the twelve earlier sets and held-out 12 scored once. No pattern was revised this round.

Thirteenth session: the Chinese patterns' tenth revision was written from held-out 11 and 12's misses only, then
feature_requests_heldout13.csv (420: `--seed 13131 --en 200 --zh 140 --narrow-zh 80`) drawn and labelled by hand
(committed before any detector ran on it) and scored once by the shipped detector (models trained on sets 1-12);
then, with nothing changed, feature_requests_heldout14.csv (420: `--seed 14141 ...`) drawn, labelled and scored the same
way, a second sample of the same frozen detector. Then the Chinese patterns' eleventh revision was written from held-out
13 and 14's misses, feature_requests_heldout15.csv (420: `--seed 15151 ...`) drawn and labelled by hand, the models
retrained on every set before it (`bench/train_request_model.py`) and held-out 15 scored once.

Fifteenth session: nothing in the detector changed; feature_requests_heldout16.csv (420: `--seed 16161 --en 200 --zh 140
--narrow-zh 80`; 34 English and 26 Chinese requests) drawn and labelled by hand, committed before any detector ran on
it, then scored once by the shipped detector (models trained on sets 1-14), and once more after
`bench/train_request_model.py` retrained the models on sets 1-15.

Sixteenth session: the Chinese patterns' twelfth revision was written from held-out 15 and 16's misses and committed;
then feature_requests_heldout17.csv (220 Chinese only: `--seed 17171 --en 0 --zh 140 --narrow-zh 80`; 16 requests)
was drawn and labelled by hand, and committed before any detector ran on it. Numbered drawbacks naming a missing part
("1.没有鼠标和包", "4、浴室没有垫地的毛巾") are labelled 1 as held-out 16's "8、没有提供任何软件……" was (the definition's
"missing, framed as the downside"); a bare "键盘没有大小写指示灯" is a plain complaint (0).

Eighteenth session: six older labels that broke that rule were set to 1, read against the definition before any
pattern was scored on them: numbered drawbacks naming a missing part in held-out 7 ("1、没有暖气", "3、没有提供红外或
蓝牙接口"), 8 ("2、没有蓝牙 … 5、随机没有附带光盘 … 8、没有1394口"), 10 ("1、驱动盘里面没有XP的声卡驱动") and 11
("3."阳光吧"没有客人要的饮料"), and held-out 16's "没有早餐不方便" (the same set labels "没有系统这个不好" 1). Numbered
items that are not a missing part stay 0 ("4、待机时间没有宣传的那么多", "2.没有充分地利用内存", "3、我的真机没有图片效果
好看"). Then the Chinese patterns' thirteenth revision (a numbered drawback naming a missing part; the veto no longer
drops a missing part named as the drawback), the Chinese head retrained on sets 1-17
(`bench/train_request_model.py --chinese-only`), and feature_requests_heldout18.csv (220 Chinese only: `--seed 18181
--en 0 --zh 140 --narrow-zh 80`; 25 requests) drawn and labelled by hand, and committed before any detector ran on it.
Labelled by the same definition: numbered drawbacks naming a missing part are 1 ("没恢复盘 2.没有分区"), as is a missing
thing named as the main drawback ("最主要是连作者的照片都没有"); a bare "保护膜也没有。", "没有游戏功能" is 0, and so are a
guest's own ask ("希望两点退房"), a counterfactual about a past incident ("如果结账的那位女同志仔细一点") and a wish that
customer service read the review.

Held-out 18 then scored the detector 0.625 / 0.400, and the rules were chosen again with each held-out set's patterns
as they were when it was drawn (`bench/train_request_model.py --fresh-patterns 9 10 11 12 13 14 15 16 17 18 --hold
19`): veto below 0.35, and the Chinese head alone above 0.6 on a snippet with a wish word. Committed; then
feature_requests_heldout19.csv (220 Chinese only: `--seed 19191 --en 0 --zh 140 --narrow-zh 80`; 21 requests) was
drawn and labelled by hand, and committed before any detector ran on it. A wish that the seller go on as before is 0
("希望一如既往地搞活动", as held-out 2 and 17 label "一如既往"), a wish for more of it is 1 ("希望京东常推活动"); "希望耐用!"
(that one's own item lasts) is 0, as held-out 9's "希望耐用点吧".

feature_requests_heldout20.csv (220 Chinese only: `--seed 20202 --en 0 --zh 140 --narrow-zh 80`; 26 requests) was
drawn and labelled by hand in the nineteenth session, after the patterns' fourteenth revision was committed (3c10b4a)
and before any detector ran on it. As before, a plain absence is 0 ("厨房没有餐具和微波炉", "大冬天的也没有热水") and the
drawback frame is 1 ("就是没有VIEW", a space-separated list of drawbacks naming "无恢复光盘"); a missing invoice or gift is
0; asks to the platform to drop a hotel or stop selling are 1 ("强烈建议携程把交通大厦从合作对象中剔除", "建议京东别卖了");
a conditional price wish is 1 even cut short ("如果房价在200以内").

feature_requests_heldout24.csv (220 Chinese only: `--seed 24242 --en 0 --zh 140 --narrow-zh 80`; 26 requests) was
drawn and labelled by hand in the twenty-first session, after the exclusions _ZH_NOT_ASKED were committed (96896bf)
and before any detector ran on it. The same conventions: a plain absence is 0 ("缺少蓝牙模块", "搭配的鼠标和包都没有"), a
numbered one is 1 ("3.没有红外线接口;"); asking for an explanation or compensation is 0 ("希望能得到相应赔偿"); asking the
platform to delist or rate a hotel differently is 1; a hope for more of an author's work is 1 ("希望豪哥继续将自己的心得体会
表达出来"); a conditional "if they publish more good books like this" cut short is 0.
"""
from __future__ import annotations

import hashlib
import math
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from core import datasets  # noqa: E402
from core.needs import is_feature_request  # noqa: E402
from core.text import normalise, split_snippets  # noqa: E402

LABELS = ROOT / "bench" / "labels" / "feature_requests.csv"
HELDOUT = ROOT / "bench" / "labels" / "feature_requests_heldout.csv"
HELDOUT2 = ROOT / "bench" / "labels" / "feature_requests_heldout2.csv"
HELDOUT3 = ROOT / "bench" / "labels" / "feature_requests_heldout3.csv"
HELDOUT4 = ROOT / "bench" / "labels" / "feature_requests_heldout4.csv"
HELDOUT5 = ROOT / "bench" / "labels" / "feature_requests_heldout5.csv"
HELDOUT6 = ROOT / "bench" / "labels" / "feature_requests_heldout6.csv"
HELDOUT7 = ROOT / "bench" / "labels" / "feature_requests_heldout7.csv"
HELDOUT8 = ROOT / "bench" / "labels" / "feature_requests_heldout8.csv"
HELDOUT9 = ROOT / "bench" / "labels" / "feature_requests_heldout9.csv"
HELDOUT10 = ROOT / "bench" / "labels" / "feature_requests_heldout10.csv"
HELDOUT11 = ROOT / "bench" / "labels" / "feature_requests_heldout11.csv"
HELDOUT12 = ROOT / "bench" / "labels" / "feature_requests_heldout12.csv"
HELDOUT13 = ROOT / "bench" / "labels" / "feature_requests_heldout13.csv"
HELDOUT14 = ROOT / "bench" / "labels" / "feature_requests_heldout14.csv"
HELDOUT15 = ROOT / "bench" / "labels" / "feature_requests_heldout15.csv"
HELDOUT16 = ROOT / "bench" / "labels" / "feature_requests_heldout16.csv"
HELDOUT17 = ROOT / "bench" / "labels" / "feature_requests_heldout17.csv"
HELDOUT18 = ROOT / "bench" / "labels" / "feature_requests_heldout18.csv"
HELDOUT19 = ROOT / "bench" / "labels" / "feature_requests_heldout19.csv"
HELDOUT20 = ROOT / "bench" / "labels" / "feature_requests_heldout20.csv"
# English only, drawn by the detector's strata (draw_requests.py --seed 21212 --en-strata 80 100 40 --zh 0; twentieth
# session), labelled and committed before any detector ran on it; scored with each stratum weighted by its share
HELDOUT21 = ROOT / "bench" / "labels" / "feature_requests_heldout21.csv"
# English: every stratum-B flag (P > 0.9) of the English model of sets 1-15 or of its retraining with set 22 on 4,000
# clothing reviews (pandas .sample(4000, random_state=5) of the shared file), labelled by hand without seeing which
# model flagged which: precision in stratum B on text neither was tuned on (7 of 138 are in labelled sets); then the
# 15 further flags of the model retrained with sets 22 and 23 (ids 139-153); trains the English model since the
# twenty-first session (TRAINING_CENSUSES), so it no longer measures models after it
CENSUS_B = ROOT / "bench" / "labels" / "feature_requests_census_b.csv"
# English: every flag of the shipped detector in stratum C of clothing + Amazon fashion once "'d" joined the words it
# reads for (twenty-first session), 18 snippets, labelled by hand: C's flags over the whole file, counted exactly; it
# then trained the English model (TRAINING_CENSUSES), and that model's 7 further flags were added (ids 19-25)
CENSUS_D = ROOT / "bench" / "labels" / "feature_requests_census_d.csv"
# English: every further flag in stratum C once the detector read four more ask forms (thirty-fifth session: "why not
# / why didn't you", "make it in", "i wanted it to", "want a bit more"), 9 snippets, labelled by hand: counted exactly
# beside census D. Two of them are among the three labelled C asks the detector had missed, which the cue words were
# written having seen
CENSUS_EN_C = ROOT / "bench" / "labels" / "feature_requests_census_en_c.csv"
# Chinese: a random 120 (pandas .sample(120, random_state=2121)) of the then shipped detector's 570 flags in stratum C
# of online_shopping_10_cats (the detector reads words the draws' strata did not: 有待提高, 就好了, 改进 …), labelled by
# hand in the twenty-first session; the exclusions _ZH_NOT_ASKED and "就是没的说" were written from it (a development set)
CENSUS_ZH_C = ROOT / "bench" / "labels" / "feature_requests_census_zh_c.csv"
# Chinese: then a random 100 (.sample(100, random_state=2122)) of the 409 flags of the detector with those exclusions
# that the first census had not drawn, labelled by hand after the exclusions were written: their precision estimates
# that of all its flags in C
CENSUS_ZH_C2 = ROOT / "bench" / "labels" / "feature_requests_census_zh_c2.csv"
# Chinese, twenty-third session: a random 60 (.sample(60, random_state=2324 / 2325)) of the shipped detector's flags in
# stratum A (380 in all) and in stratum N (1,139) that no labelled set holds, labelled by hand: the precision of its
# flags there on text it never trained on (held-out 24 holds 1 and 23 of them)
CENSUS_ZH_A = ROOT / "bench" / "labels" / "feature_requests_census_zh_a.csv"
CENSUS_ZH_N = ROOT / "bench" / "labels" / "feature_requests_census_zh_n.csv"
# then the rules of 7eb27cd were written from their false flags (a development set since), and a random 60 more of
# each (.sample(60, random_state=2327 / 2328)) of the new detector's flags in A (357) and N (1,122) that no labelled
# set or census held, labelled by hand after that commit: the precision of its other flags there
CENSUS_ZH_A2 = ROOT / "bench" / "labels" / "feature_requests_census_zh_a2.csv"
CENSUS_ZH_N2 = ROOT / "bench" / "labels" / "feature_requests_census_zh_n2.csv"
# and once more: the rules of d00ed17 written from the false flags of those second censuses, then a random 60 of each
# (.sample(60, random_state=2330 / 2331)) of the new detector's flags in A (336) and N (1,106) that no labelled set or
# census held, labelled by hand after that commit
CENSUS_ZH_A3 = ROOT / "bench" / "labels" / "feature_requests_census_zh_a3.csv"
CENSUS_ZH_N3 = ROOT / "bench" / "labels" / "feature_requests_census_zh_n3.csv"
# Chinese, forty-second session: a random 100 (.sample(100, random_state=4244)) of the shipped detector's 478 flags in
# stratum N and 60 (.sample(60, random_state=4245)) of its 115 in stratum A that no labelled set or census held,
# labelled by hand before anything was changed or scored on them: more fresh flags for the precision there
CENSUS_ZH_N4 = ROOT / "bench" / "labels" / "feature_requests_census_zh_n4.csv"
CENSUS_ZH_A4 = ROOT / "bench" / "labels" / "feature_requests_census_zh_a4.csv"
# English, the same for stratum A (870 flags; .sample(60, random_state=2326)); held-out 21 holds 17 of them
CENSUS_EN_A = ROOT / "bench" / "labels" / "feature_requests_census_en_a.csv"
# English: a random 200 (.sample(200, random_state=2329)) of the 12,513 stratum-B snippets the shipped detector does not
# flag and no labelled set holds, labelled by hand: the requests it misses there (held-out 21 had 2 of 96)
CENSUS_EN_B_QUIET = ROOT / "bench" / "labels" / "feature_requests_census_en_b_quiet.csv"
# English, forty-second session: a random 100 (.sample(100, random_state=4242)) of the shipped detector's 271 flags in
# stratum B that no labelled file under bench/labels/ held at afe3d4c (of its 431 there; english_pool() order, the
# detector of afe3d4c), labelled by hand before anything was changed or scored on them: the precision of its flags in
# B on text it never trained on, beside census B2's and held-out 21's
CENSUS_EN_B3 = ROOT / "bench" / "labels" / "feature_requests_census_en_b3.csv"
# English, forty-second session: a random 300 (.sample(300, random_state=4243)) of the 12,268 stratum-B snippets the
# shipped detector does not flag and no labelled set held, labelled by hand: 6 asks (census EN B quiet had 2 of 200)
CENSUS_EN_B_QUIET2 = ROOT / "bench" / "labels" / "feature_requests_census_en_b_quiet2.csv"
# Chinese: after the twenty-third session's rules (a lone 就好了 / 更好 must name a change; the "就是没X" frame narrowed),
# written from the false flags of both censuses above, a random 100 (.sample(100, random_state=2323)) of the 237 flags
# of the new detector in stratum C that neither census had labelled, labelled by hand after the rules were committed
# (249d7c6): their precision estimates that of the flags not in the earlier censuses
CENSUS_ZH_C3 = ROOT / "bench" / "labels" / "feature_requests_census_zh_c3.csv"
# Chinese: every flag a model or spec name as the change ("LED屏幕就好了", "内存2G就好了") added in stratum C once the
# three censuses above were labelled (the whole file's 6, 1 of them already in census 1), labelled by hand: counted
# exactly
CENSUS_ZH_C4 = ROOT / "bench" / "labels" / "feature_requests_census_zh_c4.csv"
# English: every stratum-B flag of the detector before and after the exclusions _EN_NOT_ASKED (twenty-first session)
# on 4,000 other clothing reviews (pandas .sample(4000, random_state=6) of the shared file), none in a labelled set,
# labelled by hand from a shuffled list that did not say which detector flagged it: 61 snippets, fresh for both; then
# the 16 further flags of the model retrained with censuses B and D (ids 62-77, labelled knowing whose flags they were)
CENSUS_B2 = ROOT / "bench" / "labels" / "feature_requests_census_b2.csv"
# English, 200 snippets of stratum B only (--seed 22222 --en-strata 0 200 0 --zh 0), drawn after held-out 21 was
# scored, to teach the English model what it reads in B: a development set that trains, not a test
HELDOUT22 = ROOT / "bench" / "labels" / "feature_requests_heldout22.csv"
# English, 200 more of stratum B (--seed 23232 --en-strata 0 200 0 --zh 0), drawn and labelled after held-out 21 and
# set 22 had been scored: trains the English model too
HELDOUT23 = ROOT / "bench" / "labels" / "feature_requests_heldout23.csv"
# Chinese, drawn like held-out 17-20 (--seed 24242 --en 0 --zh 140 --narrow-zh 80) in the twenty-first session after
# the exclusions _ZH_NOT_ASKED were committed, labelled by hand before any detector ran on it
HELDOUT24 = ROOT / "bench" / "labels" / "feature_requests_heldout24.csv"
LABEL_SETS = [LABELS, HELDOUT, HELDOUT2, HELDOUT3, HELDOUT4, HELDOUT5, HELDOUT6, HELDOUT7, HELDOUT8, HELDOUT9,
              HELDOUT10, HELDOUT11, HELDOUT12, HELDOUT13, HELDOUT14, HELDOUT15, HELDOUT16, HELDOUT17, HELDOUT18,
              HELDOUT19, HELDOUT20, HELDOUT21, HELDOUT22, HELDOUT23, HELDOUT24]  # drawn in this order
# English, 300 snippets of stratum C only (draw_requests.py --seed 25252 --en-strata 0 0 300 --zh 0; twenty-first
# session), labelled by hand: none asks for anything. Only for stratum C's request rate, which every labelled set had
# put at 5 of 823
C_SAMPLE = ROOT / "bench" / "labels" / "feature_requests_c_sample.csv"
# English, 500 more of stratum C (draw_requests.py --seed 35353 --en-strata 0 0 500 --zh 0; thirty-fifth session),
# drawn after the four ask forms of census EN C were written from the labelled C asks the detector missed, and labelled
# by hand before any detector ran on them: 2 asks, neither flagged ("it's too bad that this wasn't more form-fitting,
# with some stretch and a zipper", "i was bummed that this top wasn't available in petite sizes"). C's request rate
# among the snippets the detector leaves, on text the new forms were not written from
C_SAMPLE2 = ROOT / "bench" / "labels" / "feature_requests_c_sample2.csv"
# the censuses that may train the English model too (bench/train_request_model.py numbers them after LABEL_SETS:
# --train-also 25 26); census B2 stays out, to measure
TRAINING_CENSUSES = [CENSUS_B, CENSUS_D]


def labelled_snippets(path: Path = LABELS) -> pd.DataFrame:
    labels = pd.read_csv(path)
    texts: dict[str, str] = {}
    sources = {"womens_clothing_reviews": (datasets.clothing, "en"), "amazon_fashion_5core": (datasets.amazon, "en"),
               "online_shopping_10_cats": (datasets.zh_shopping, "zh")}
    for name, (reader, lang) in sources.items():
        if name not in set(labels["source"]):
            continue
        for review in reader()["text"]:
            clean = normalise(str(review))
            # sets drawn before the ninth session were cut without the opening-concession split, and sets drawn
            # before the thirty-second with sellers' replies read as the customer's words
            for snippet in {*split_snippets(clean, lang), *split_snippets(clean, lang, concessions=False),
                            *split_snippets(clean, lang, replies=True)}:
                texts[hashlib.sha1(snippet.encode("utf-8")).hexdigest()] = snippet
    labels["text"] = labels["sha1"].map(texts)
    missing = labels["text"].isna().sum()
    if missing:
        print(f"warning: {missing} labelled snippets could not be rebuilt from ../shared")
    return labels.dropna(subset=["text"])


def precision_recall(frame: pd.DataFrame, predicted: pd.Series | None = None) -> dict:
    predicted = frame["text"].map(is_feature_request) if predicted is None else predicted
    truth = frame["label"].astype(bool)
    tp, fp, fn = int((predicted & truth).sum()), int((predicted & ~truth).sum()), int((~predicted & truth).sum())
    return {"n": len(frame), "requests": int(truth.sum()), "precision": tp / max(tp + fp, 1),
            "recall": tp / max(tp + fn, 1)}


def english_pool() -> pd.DataFrame:
    """Every distinct English snippet (clothing + Amazon fashion, longer than 8 characters, as draw_requests.py pools
    them) with its stratum A / B / C as the strata were drawn."""
    from labels.draw_requests import en_stratum, snippets

    pool = pd.concat([snippets(datasets.clothing, "en", "womens_clothing_reviews"),
                      snippets(datasets.amazon, "en", "amazon_fashion_5core")]).drop_duplicates("sha1")
    pool = pool[pool.text.str.len() > 8]
    return pool.assign(stratum=en_stratum(pool["text"]))


def zh_pool() -> pd.DataFrame:
    """Every distinct online_shopping_10_cats snippet (longer than 3 characters, as draw_requests.py pools them) with
    its Chinese stratum: N, a wish word (the --narrow-zh draw); A, another broad cue (没有, 应该 …); C, neither."""
    from labels.draw_requests import snippets, zh_stratum

    pool = snippets(datasets.zh_shopping, "zh", "online_shopping_10_cats")
    pool = pool[pool.text.str.len() > 3]
    return pool.assign(stratum=zh_stratum(pool["text"]))


def weighted_precision_recall(frame: pd.DataFrame, predicted: pd.Series, population: pd.Series,
                              unread_rate: float | None = None, census: tuple[float, float] = (0.0, 0.0),
                              unflagged: bool = False) -> dict:
    """Precision and recall over a whole file, from a sample drawn per stratum: each snippet counts for its stratum's
    population over the stratum's sample size (the standard stratified estimator of the three counts). With
    ``unread_rate`` stratum C is not taken from the sample (0 requests of 40 in held-out 21): its requests are that
    rate (measured on every labelled set) times its population, the detector's flags there are ``census`` (right,
    wrong), counted over the whole population, and the rest of its requests are misses. With ``unflagged`` too, C is
    post-stratified by the detector's flag: ``unread_rate`` is the rate among the labelled C snippets it does not flag,
    and its misses are that rate times C's snippets it does not flag (its flags being counted by the census)."""
    weight = frame["stratum"].map(population / frame["stratum"].value_counts())
    truth, predicted = frame["label"].astype(bool), predicted.astype(bool)
    if unread_rate is not None:
        kept = frame["stratum"] != "C"
        weight, truth, predicted = weight[kept], truth[kept], predicted[kept]
    tp, fp, fn = (float(weight[m].sum()) for m in (predicted & truth, predicted & ~truth, ~predicted & truth))
    if unread_rate is not None:
        right, wrong = census
        c = float(population.get("C", 0))
        missed = unread_rate * (c - right - wrong) if unflagged else max(unread_rate * c - right, 0.0)
        tp, fp, fn = tp + right, fp + wrong, fn + missed
    return {"precision": tp / max(tp + fp, 1e-9), "recall": tp / max(tp + fn, 1e-9)}


def census_labels(paths) -> pd.Series:
    """sha1 -> label over census files (the first label of a snippet held by several)."""
    return pd.concat([pd.read_csv(p) for p in paths]).drop_duplicates("sha1").set_index("sha1")["label"]


def census_of_c(pool: pd.DataFrame, flags: np.ndarray, path: Path | tuple[Path, ...], exact: tuple[Path, ...] = ()
                ) -> tuple[float, float, str, tuple]:
    """The detector's flags in stratum C over a whole pool, split into right and wrong by a census file (every flag
    labelled, or a random sample of them; several files: their labels together): (right, wrong, a line saying how
    they were counted, and (flags estimated from the census, (its right, its labelled), exact right, exact wrong) for
    whole_file_interval). Flags labelled in an ``exact`` file (an earlier census the rules were then written from) are
    counted as labelled, and the census file's precision stands for the others only, from which it was drawn."""
    paths = path if isinstance(path, tuple) else (path,)
    flagged = pool[flags & (pool["stratum"] == "C").to_numpy()]
    counted = census_labels(exact) if exact else pd.Series(dtype=float)
    in_exact = flagged["sha1"].isin(counted.index)
    exact_labels, rest = flagged.loc[in_exact, "sha1"].map(counted).astype(float), flagged[~in_exact]
    labels = census_labels(paths)
    known = rest["sha1"].map(labels).dropna()
    precision = float(known.mean()) if len(known) else 0.0
    right, wrong = float(exact_labels.sum()) + len(rest) * precision, (len(exact_labels) - float(exact_labels.sum())
                                                                        + len(rest) * (1.0 - precision))
    line = (f"stratum C over the whole file: {len(flagged):,} flags"
            + (f"; {len(exact_labels)} of them labelled in {', '.join(p.name for p in exact)} and counted as such "
               f"({int(exact_labels.sum())} right); of the other {len(rest):,}" if exact else ",")
            + f" {len(known)} labelled in {' and '.join(p.name for p in paths)} ({int(known.sum())} right, precision "
            f"{precision:.3f}): "
            f"{right:.0f} right, precision {right / max(len(flagged), 1):.3f}")
    exact_right = float(exact_labels.sum())
    return right, wrong, line, (len(rest), (int(known.sum()), len(known)), exact_right, len(exact_labels) - exact_right)


def report_strata(frame: pd.DataFrame, methods: dict[str, pd.Series], unread: tuple[int, int] | None,
                  population: pd.Series, censuses: dict[str, tuple[float, float, str]] | None = None,
                  unflagged: dict[str, tuple[int, int]] | None = None) -> None:
    """A set drawn by strata: each stratum's flags, then the sample's plain and population-weighted precision /
    recall; with ``unread`` (requests, snippets of stratum C in every labelled set of the language), recall also with
    C's request rate taken from them and a method's flags in C from its entry in ``censuses`` (census_of_c; a method
    without one gets an empty cell); with ``unflagged`` (a method's requests, snippets among those labelled C snippets
    it does not flag), also post-stratified by its flag in C."""
    censuses = censuses or {}
    shares = population / population.sum()
    print(f"\n| stratum (share of all snippets of this language) | snippets | requests | "
          + " | ".join(f"{name}: flags / right" for name in methods) + " |\n|---|---|---|"
          + "---|" * len(methods))
    for name, part in frame.groupby("stratum"):
        cells = [f"{int(m[part.index].sum())} / {int((m[part.index] & part.label.astype(bool)).sum())}"
                 for m in methods.values()]
        print(f"| {name} ({shares[name]:.1%}) | {len(part)} | {int(part.label.sum())} | " + " | ".join(cells) + " |")
    rate = unread[0] / unread[1] if unread else None
    print("\n| method | sample P / R (as every earlier set) | **weighted by stratum: P / R** |"
          + (f" weighted, C from its request rate {unread[0]} / {unread[1]} in every labelled set and the census of "
             "the shipped detector's flags there: P / R |" if unread else "")
          + (" **the same, C post-stratified by the flag: its flags from the census, its unflagged snippets from the "
             "rate among the labelled ones it does not flag ("
             + ", ".join(f"{a} / {b}" for a, b in unflagged.values()) + "): P / R** |" if unflagged else "")
          + "\n|---|---|---|" + ("---|" if unread else "") + ("---|" if unflagged else ""))
    for name, flags in methods.items():
        plain, weighted = precision_recall(frame, flags), weighted_precision_recall(frame, flags, population)
        line = (f"| {name} | {plain['precision']:.3f} / {plain['recall']:.3f} | "
                f"**{weighted['precision']:.3f} / {weighted['recall']:.3f}** |")
        if unread:
            if name in censuses:
                pooled = weighted_precision_recall(frame, flags, population, rate, censuses[name][:2])
                line += f" {pooled['precision']:.3f} / {pooled['recall']:.3f} |"
            else:
                line += " – |"
        if unflagged:
            if name in censuses and name in unflagged:
                a, b = unflagged[name]
                post = weighted_precision_recall(frame, flags, population, a / b, censuses[name][:2], unflagged=True)
                line += f" **{post['precision']:.3f} / {post['recall']:.3f}** |"
            else:
                line += " – |"
        print(line)
    for census in censuses.values():
        print(f"\n{census[2]}")


def by_flag(frame: pd.DataFrame, flagged: pd.Series, pool: pd.DataFrame, pool_flags: np.ndarray,
            c_census: tuple[float, float], c_quiet: tuple[int, int],
            more_flags: dict[str, list[pd.DataFrame]] | None = None, exact: pd.Series | None = None,
            more_quiet: dict[str, list[pd.DataFrame]] | None = None, c_sample: tuple | None = None) -> dict:
    """Precision and recall over a whole file, each stratum split by the detector's own flag, which is known for every
    snippet of the pool: a stratum's flags are counted exactly and multiplied by the precision of its labelled fresh
    flags (the set's, and ``more_flags``' labelled flags of the same detector there); its unflagged snippets by the
    request rate among its labelled unflagged ones (the misses). Stratum C: its flags split by its census
    (``c_census``: right, wrong; ``c_sample``: how census_of_c counted them), its unflagged snippets at ``c_quiet`` (requests, snippets of C the detector leaves,
    in every labelled set). The usual estimator weights the set's flags by stratum instead, which counts flags
    from a sample although the pool's are known. Flags labelled in ``exact`` (sha1 -> label: an earlier census the
    rules were then written from) are counted as labelled, and the fresh precision stands for the others only.
    ``more_quiet``: labelled random snippets a stratum's detector leaves unflagged, beside the set's. Prints one row per
    stratum."""
    right = wrong = missed = 0.0
    parts = []  # per stratum: flags read from a sample, its (hits, n); quiet snippets, their (hits, n); exact right/wrong
    print("\n| stratum | snippets in the file | flags in the file | precision of its labelled fresh flags | "
          "requests among its labelled unflagged snippets | right flags | missed requests |\n"
          "|---|---|---|---|---|---|---|")
    for name in sorted(pool["stratum"].unique()):
        in_pool = (pool["stratum"] == name).to_numpy()
        flags, quiet = int(pool_flags[in_pool].sum()), int((~pool_flags[in_pool]).sum())
        if name == "C":
            r, w = c_census
            rate_hits, rate_n = c_quiet
            cell = f"census: {r:.0f} / {r + w:.0f}"
            estimated, sample, exact_right, exact_wrong = c_sample or (0, (0, 0), r, w)  # None: every flag labelled
            parts.append((estimated, sample, quiet, (rate_hits, rate_n), exact_right, exact_wrong))
        else:
            part = frame[frame["stratum"] == name]
            mine = part[flagged[part.index]]
            labels = [mine["label"]] + [extra["label"] for extra in (more_flags or {}).get(name, [])]
            hits, n = sum(int(x.sum()) for x in labels), sum(len(x) for x in labels)
            precision = hits / max(n, 1)
            counted = pool.loc[in_pool & pool_flags, "sha1"].map(exact if exact is not None else {}).dropna()
            r = float(counted.sum()) + (flags - len(counted)) * precision
            w = len(counted) - float(counted.sum()) + (flags - len(counted)) * (1 - precision)
            cell = f"{hits} / {n} = {precision:.3f}"
            cell += f" ({len(counted)} counted as labelled)" if len(counted) else ""
            quiet_labels = [part[~flagged[part.index]]["label"]] + [x["label"] for x in (more_quiet or {}).get(name, [])]
            rate_hits, rate_n = sum(int(x.sum()) for x in quiet_labels), sum(len(x) for x in quiet_labels)
            parts.append((flags - len(counted), (hits, n), quiet, (rate_hits, rate_n), float(counted.sum()),
                          len(counted) - float(counted.sum())))
        miss = quiet * rate_hits / max(rate_n, 1)
        right, wrong, missed = right + r, wrong + w, missed + miss
        print(f"| {name} | {int(in_pool.sum()):,} | {flags:,} | {cell} | {rate_hits} / {rate_n} | {r:.0f} "
              f"| {miss:.0f} |")
    result = {"precision": right / max(right + wrong, 1e-9), "recall": right / max(right + missed, 1e-9)}
    (p_low, p_high), (r_low, r_high) = whole_file_interval(parts)
    print(f"\nshipped detector over the whole file, each stratum split by its flag: **P {result['precision']:.3f} / "
          f"R {result['recall']:.3f}** ({right:.0f} right of {right + wrong:.0f} flags, {missed:.0f} requests missed; "
          f"95% bootstrap interval P {p_low:.3f}-{p_high:.3f}, R {r_low:.3f}-{r_high:.3f})")
    return result


def whole_file_interval(parts, draws: int = 4000, seed: int = 0) -> tuple[tuple[float, float], tuple[float, float]]:
    """95% bootstrap interval of by_flag's whole-file precision and recall: each stratum's labelled flags and labelled
    unflagged snippets are resampled (a binomial draw of their hits at their own size), its exactly counted flags stay.
    ``parts``: per stratum (flags estimated from a sample, (hits, n) of that sample, unflagged snippets, (requests, n)
    among the labelled unflagged ones, exact right flags, exact wrong flags)."""
    rng = np.random.default_rng(seed)
    right = wrong = missed = np.zeros(draws)
    for flags, (hits, n), quiet, (q_hits, q_n), exact_right, exact_wrong in parts:
        precision = rng.binomial(int(n), hits / n, draws) / n if n else np.zeros(draws)
        rate = rng.binomial(int(q_n), q_hits / q_n, draws) / q_n if q_n else np.zeros(draws)
        right = right + exact_right + flags * precision
        wrong = wrong + exact_wrong + flags * (1 - precision)
        missed = missed + quiet * rate
    p, r = right / np.maximum(right + wrong, 1e-9), right / np.maximum(right + missed, 1e-9)
    return tuple(np.percentile(p, [2.5, 97.5])), tuple(np.percentile(r, [2.5, 97.5]))


def report_requests() -> None:
    """Every labelled set, by the patterns alone and by the shipped detector (bench/train_request_model.py: English
    model trained on sets 1-20, 22 and 23 and censuses B and D, Chinese head on sets 1-20; the Chinese patterns'
    fourteenth revision was written from sets 1-19, the exclusions of the twenty-first session from a census of stratum
    C), then held-out 21 (English) and 24 (Chinese) by stratum, weighted by each stratum's share of all snippets of its
    language, and once more with every stratum split by the detector's own flag (by_flag: its flags counted over the
    whole file, their precision from censuses of fresh flags; the twenty-third session's Chinese rules were written
    from censuses ZH C, C2, A, N, A2 and N2, which count as labelled there)."""
    from core.needs import load_request_detector

    from labels.draw_requests import en_stratum, zh_stratum

    detector = load_request_detector("learned")
    english: list[pd.DataFrame] = []
    chinese: list[pd.DataFrame] = []
    print("| labelled set | language | snippets | requests | patterns P / R | shipped detector P / R |\n"
          "|---|---|---|---|---|---|")
    for title, path in (("development 1", LABELS),
                        ("development 2 (the first held-out)", HELDOUT),
                        ("development 3 (held-out 2; 0.815/0.512 when fresh)", HELDOUT2),
                        ("development 4 (held-out 3; 0.688/0.489 when fresh)", HELDOUT3),
                        ("development 5 (held-out 4; 0.868/0.673 when fresh)", HELDOUT4),
                        ("development 6 (held-out 5; 0.796/0.782 when fresh)", HELDOUT5),
                        ("held-out 6 (0.808/0.737 when fresh; see RESULTS)", HELDOUT6),
                        ("development 8 (held-out 7; 0.774/0.706 when fresh)", HELDOUT7),
                        ("development 9 (held-out 8; patterns fresh)", HELDOUT8),
                        ("development 10 (held-out 9; learned 0.700/0.778 when fresh)", HELDOUT9),
                        ("development 11 (held-out 10; learned 0.855/0.828 when fresh)", HELDOUT10),
                        ("development 12 (held-out 11; learned 0.735/0.833 when fresh)", HELDOUT11),
                        ("development 13 (held-out 12; learned 0.909/0.725 when fresh)", HELDOUT12),
                        ("development 14 (held-out 13; learned 0.881/0.881 when fresh)", HELDOUT13),
                        ("development 15 (held-out 14; the models trained on sets 1-12 gave 0.896/0.717)", HELDOUT14),
                        ("development 16 (held-out 15; learned 0.873/0.762 when fresh)", HELDOUT15),
                        ("development 17 (held-out 16; learned 0.741/0.717 when fresh, models of sets 1-14)", HELDOUT16),
                        ("development 18 (held-out 17, Chinese; learned 0.692/0.562 when fresh)", HELDOUT17),
                        ("development 19 (held-out 18, Chinese; learned 0.625/0.400 when fresh)", HELDOUT18),
                        ("development 20 (held-out 19, Chinese; 0.682/0.714 fresh, by the Chinese head of sets 1-17)",
                         HELDOUT19),
                        ("development 21 (held-out 20, Chinese; 0.625/0.769 fresh, by the head of sets 1-19)",
                         HELDOUT20),
                        ("**held-out 21** (English, by strata, unweighted; fresh for the shipped English model, "
                         "trained on sets 1-20, 22 and 23 and censuses B and D)", HELDOUT21),
                        ("development 22 (English, stratum B only; trains the English model)", HELDOUT22),
                        ("development 23 (English, stratum B only; trains the English model)", HELDOUT23),
                        ("**held-out 24** (Chinese; fresh for the exclusions of the twenty-first session and the head "
                         "of sets 1-20)", HELDOUT24)):
        frame = labelled_snippets(path)
        english.append(frame[frame.lang == "en"])
        chinese.append(frame[frame.lang == "zh"])
        frame = frame.assign(learned=detector.flags(frame["text"].tolist()))
        for name, part in (("English", frame[frame.lang == "en"]), ("Chinese", frame[frame.lang == "zh"]), ("all", frame)):
            if part.empty or (name == "all" and frame.lang.nunique() == 1):
                continue
            rules, learned = precision_recall(part), precision_recall(part, part["learned"])
            print(f"| {title} | {name} | {rules['n']} | {rules['requests']} | {rules['precision']:.3f} / "
                  f"{rules['recall']:.3f} | {learned['precision']:.3f} / {learned['recall']:.3f} |")
    def by_strata(path: Path, stratum, labelled: list[pd.DataFrame], pool: pd.DataFrame, census: Path | tuple[Path, ...],
                  exact: tuple[Path, ...] = (), more_flags: tuple[pd.DataFrame, ...] = (),
                  exact_flags: tuple[Path, ...] = (), more_quiet: tuple[pd.DataFrame, ...] = ()) -> None:
        """One fresh set by the strata it was drawn from; stratum C from its request rate in every labelled set and
        from the census of the detector's flags there over the whole pool."""
        every = pd.concat(labelled).drop_duplicates("sha1")
        unread = every[(stratum(every["text"]) == "C").to_numpy()]
        frame = labelled_snippets(path).reset_index(drop=True)
        frame["stratum"] = stratum(frame["text"])
        quiet = unread[~detector.flags(unread["text"].tolist())]
        pool_flags = detector.flags(pool["text"].tolist())
        shipped = pd.Series(detector.flags(frame["text"].tolist()), index=frame.index)
        c_census = census_of_c(pool, pool_flags, census, exact)
        report_strata(frame, {"patterns": frame["text"].map(is_feature_request), "shipped detector": shipped},
                      (int(unread.label.sum()), len(unread)), pool["stratum"].value_counts(),
                      {"shipped detector": c_census}, {"shipped detector": (int(quiet.label.sum()), len(quiet))})
        def per_stratum(frames: tuple[pd.DataFrame, ...], flagged: bool) -> dict[str, list[pd.DataFrame]]:
            """The labelled snippets the detector flags (or leaves: drawn unflagged, still so unless it moved), by
            stratum."""
            out: dict[str, list[pd.DataFrame]] = {}
            for extra in frames:
                extra = extra.reset_index(drop=True)
                extra = extra[detector.flags(extra["text"].tolist()) == flagged]
                for name, part in extra.groupby(stratum(extra["text"]).to_numpy()):
                    out.setdefault(name, []).append(part)
            return out

        by_flag(frame, shipped, pool, pool_flags, c_census[:2], (int(quiet.label.sum()), len(quiet)),
                per_stratum(more_flags, True), census_labels(exact_flags) if exact_flags else None,
                per_stratum(more_quiet, False), c_sample=c_census[3])

    # census B2 labels every stratum-B flag of the shipped English model on 4,000 clothing reviews it never trained on
    by_strata(HELDOUT21, en_stratum, english + [labelled_snippets(C_SAMPLE), labelled_snippets(C_SAMPLE2)], english_pool(), (CENSUS_D, CENSUS_EN_C),
              more_flags=(labelled_snippets(CENSUS_B2), labelled_snippets(CENSUS_EN_A),
                          labelled_snippets(CENSUS_EN_B3)),
              more_quiet=(labelled_snippets(CENSUS_EN_B_QUIET), labelled_snippets(CENSUS_EN_B_QUIET2)))
    # held-out 24 (Chinese, the newest fresh Chinese set) by the strata its draw used, weighted the same way; stratum
    # C's flags: those the first two censuses labelled as labelled, the rest by the third census's sample of them
    by_strata(HELDOUT24, zh_stratum, chinese, zh_pool(), CENSUS_ZH_C3, (CENSUS_ZH_C, CENSUS_ZH_C2, CENSUS_ZH_C4),
              (labelled_snippets(CENSUS_ZH_A3), labelled_snippets(CENSUS_ZH_N3), labelled_snippets(CENSUS_ZH_A4),
               labelled_snippets(CENSUS_ZH_N4)),
              (CENSUS_ZH_A, CENSUS_ZH_N, CENSUS_ZH_A2, CENSUS_ZH_N2))


# --- need types ----------------------------------------------------------------------------------------------------

NEED_TYPES_DEV = ROOT / "bench" / "labels" / "need_types_dev.csv"
NEED_TYPES_TEST = ROOT / "bench" / "labels" / "need_types_test.csv"
NEED_TYPES_TEST2 = ROOT / "bench" / "labels" / "need_types_test2.csv"
# Chinese, drawn and labelled in the nineteenth session after the Chinese words-first typing was committed (ce1462c),
# before anything was scored on it: draw_need_types.py --seed 9191 --en 0 --zh 120
NEED_TYPES_TEST3 = ROOT / "bench" / "labels" / "need_types_test3.csv"
# Chinese, drawn and labelled in the nineteenth session after the longer lists and the 0.45 floor were committed
# (e538ebb), before anything was scored on it: draw_need_types.py --seed 11111 --en 0 --zh 120
NEED_TYPES_TEST4 = ROOT / "bench" / "labels" / "need_types_test4.csv"


# the default types' Chinese descriptions until the seventeenth session (it added words to each)
ZH_DESCRIPTIONS_BEFORE = ("性价比 价格 太贵 便宜 划算 值 物超所值 不值这个价", "质量 做工 耐用 坏了 结实 粗糙 线头 材质差",
                          "使用体验 操作 方便 简单 复杂 说明书 不好用 好用 清洗", "尺码 偏小 偏大 合身 太紧 宽松 大一码 码数",
                          "颜色 外观 好看 漂亮 款式 颜值 图片 色差", "电池 续航 充电 耐用 速度 性能 音质 卡顿",
                          "快递 物流 发货 包装 破损 送货 到货 压坏", "客服 退货 退款 换货 售后 卖家 服务态度",
                          "希望 建议 要是有 就好了 缺少 增加 功能")


# the default taxonomy's Chinese word lists from the seventeenth session to the nineteenth (its first commit, ce1462c,
# typed Chinese snippets by these words first; the next one lengthened the lists and raised the Chinese floor to 0.45)
ZH_DESCRIPTIONS_SEVENTEENTH = (
    "性价比 价格 价钱 太贵 贵 便宜 实惠 划算 值 不值 物超所值 不值这个价 优惠 活动 降价",
    "质量 做工 耐用 坏了 坏 结实 粗糙 线头 材质 材质差 面料 次品 假货 正品 质量问题 瑕疵 破洞 开线 掉色 异味",
    "使用体验 使用 操作 方便 不方便 简单 复杂 麻烦 说明书 不好用 好用 清洗 安装 设置 上手 一键 手感 舒服",
    "尺码 尺寸 大小 长度 偏小 偏大 合身 不合适 太紧 宽松 大一码 码数",
    "颜色 外观 外形 设计 样子 图案 好看 难看 漂亮 款式 颜值 图片 色差",
    "电池 续航 充电 待机 耐用 速度 性能 效果 功能 运行 反应 慢 卡顿 系统 信号 音质 声音 噪音 发热",
    "快递 快递员 物流 发货 发货快 配送 送货 送达 到货 到手 取件 包装 包裹 盒子 破损 压坏",
    "客服 服务 服务态度 态度 热情 回复 处理 投诉 退货 退款 换货 售后 卖家 商家 店家 前台 员工",
    "希望 建议 要是有 就好了 缺少 增加 功能")


def need_types_before(vectors, route, taxonomy, embed, floor: float = 0.15):
    """The need typing shipped until the seventeenth session, kept as the baseline: one embedding of each type's
    whole description (averaged with the PM's examples), the closest type, "other" below 0.15; with the default
    taxonomy, its Chinese descriptions as they were."""
    import dataclasses

    from core.needs import DEFAULT_TAXONOMY, OTHER

    if taxonomy == DEFAULT_TAXONOMY:
        taxonomy = tuple(dataclasses.replace(t, description_zh=d) for t, d in zip(taxonomy, ZH_DESCRIPTIONS_BEFORE))
    prototypes = np.stack([embed([t.description_zh if route == "zh" else t.description_en, *t.examples]).mean(axis=0)
                           for t in taxonomy])
    prototypes /= np.maximum(np.linalg.norm(prototypes, axis=1, keepdims=True), 1e-12)
    similarity = vectors @ prototypes.T
    names = np.array([t.name for t in taxonomy], dtype=object)[similarity.argmax(axis=1)]
    return np.where(similarity.max(axis=1) >= floor, names, OTHER)


def need_type_accuracy(predicted, gold) -> dict:
    """A snippet is right when its type is one of its labels (a few snippets name two needs: "fits well and well
    made"); "typed" is the share right among snippets about some need, "other" among those about none."""
    right = np.array([p in g.split("|") for p, g in zip(predicted, gold)])
    typed = np.array(["other" not in g.split("|") for g in gold])
    other = np.array([g == "other" for g in gold])
    share = lambda mask: float(right[mask].mean()) if mask.any() else float("nan")  # noqa: E731
    return {"n": len(right), "accuracy": right.mean(), "typed": share(typed), "n_typed": int(typed.sum()),
            "other": share(other), "n_other": int(other.sum())}


def demo_need_snippets() -> dict[str, tuple[list[str], list[str]]]:
    """The bundled demo's need sentences cut into snippets, each with the need type its template was written for."""
    sys.path.insert(0, str(ROOT / "data"))
    import make_demo

    out = {}
    for route in ("en", "zh"):
        pairs = [(snippet, need_type) for sentence, need_type in make_demo.planted_sentences(route)
                 for snippet in split_snippets(sentence, route)]
        out[route] = ([text for text, _ in pairs], [need_type for _, need_type in pairs])
    return out


def typing_view(embedder):
    """The embed function need types read, as the product reads it (core.needs.need_type_dims: the bundled Chinese
    model's characters, without its word view)."""
    from core.needs import need_type_dims

    dims = need_type_dims(embedder)
    if dims is None:
        return embedder.embed

    def embed(texts: list[str]) -> np.ndarray:
        vectors = embedder.embed(texts)[:, :dims]
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    return embed


def report_need_types() -> None:
    """Need types against hand labels (bench/labels/need_types_*.csv, drawn by bench/labels/draw_need_types.py) and
    against the needs the demo generator planted, before and after the seventeenth and nineteenth sessions' changes."""
    import dataclasses

    from core.config import Settings
    from core.embed import embedders_from_settings
    from core.needs import DEFAULT_TAXONOMY, NEED_TYPE_FLOOR, NEED_TYPE_LEXICAL, NEED_TYPE_LIFT, assign_need_types

    embedders = embedders_from_settings(Settings().embed)
    seventeenth = tuple(dataclasses.replace(t, description_zh=d)
                        for t, d in zip(DEFAULT_TAXONOMY, ZH_DESCRIPTIONS_SEVENTEENTH))
    sets = {"development (read while choosing)": labelled_snippets(NEED_TYPES_DEV),
            "test 1 (labelled before scoring; then development for the English floor)": labelled_snippets(NEED_TYPES_TEST),
            "**test 2** (English; labelled before scoring)": labelled_snippets(NEED_TYPES_TEST2),
            "test 3 (Chinese; fresh for ce1462c, then read for the longer lists and floor)":
                labelled_snippets(NEED_TYPES_TEST3),
            "**test 4** (Chinese; labelled before scoring)": labelled_snippets(NEED_TYPES_TEST4)}
    print("| set | language | snippets (about a need / about none) | method | accuracy | right among need snippets | "
          "\"other\" among the rest |\n|---|---|---|---|---|---|---|")
    for title, frame in sets.items():
        for route, name in (("en", "English"), ("zh", "Chinese")):
            part = frame[frame.lang == route]
            if part.empty:
                continue
            embed = typing_view(embedders[route])
            vectors = embed(part["text"].tolist())
            methods = (("before: whole description, floor 0.15", need_types_before(vectors, route, DEFAULT_TAXONOMY, embed)),
                       *((("phrases, closest + mean, floor 0.2 (first choice)",
                           assign_need_types(vectors, route, DEFAULT_TAXONOMY, embed, min_similarity=0.2, min_lift=0)[0]),
                          ("phrases, closest + mean, floor 0.24 (second choice)",
                           assign_need_types(vectors, route, DEFAULT_TAXONOMY, embed, min_similarity=0.24, min_lift=0)[0]))
                         if route == "en" else ()),
                       *((("seventeenth session: phrases, closest + mean, floor 0.3 (shipped until the nineteenth)",
                           assign_need_types(vectors, route, seventeenth, embed, min_similarity=0.3)[0]),
                          ("words first, then phrases, floor 0.3, the seventeenth session's lists (ce1462c)",
                           assign_need_types(vectors, route, seventeenth, embed, min_similarity=0.3,
                                             texts=part["text"].tolist())[0]))
                         if route in NEED_TYPE_LEXICAL else ()),
                       (f"shipped: {'words first, then ' if route in NEED_TYPE_LEXICAL else ''}phrases, closest + mean, "
                        f"floor {NEED_TYPE_FLOOR[route]}" + (f", lift {NEED_TYPE_LIFT[route]}" if NEED_TYPE_LIFT[route] else ""),
                        assign_need_types(vectors, route, DEFAULT_TAXONOMY, embed, texts=part["text"].tolist())[0]))
            for method, predicted in methods:
                r = need_type_accuracy(predicted, part["label"].tolist())
                print(f"| {title} | {name} | {r['n']} ({r['n_typed']} / {r['n_other']}) | {method} | {r['accuracy']:.3f} | "
                      f"{r['typed']:.3f} | {r['other']:.3f} |")
    print("\n| bundled demo, snippets of every template sentence | language | snippets | before | shipped |\n|---|---|---|---|---|")
    for route, (texts, gold) in demo_need_snippets().items():
        embed = typing_view(embedders[route])
        vectors = embed(texts)
        before = need_type_accuracy(need_types_before(vectors, route, DEFAULT_TAXONOMY, embed), gold)["accuracy"]
        after = need_type_accuracy(assign_need_types(vectors, route, DEFAULT_TAXONOMY, embed, texts=texts)[0],
                                   gold)["accuracy"]
        print(f"| planted need = need type | {'English' if route == 'en' else 'Chinese'} | {len(texts)} | {before:.3f} | {after:.3f} |")


# --- search demand gap ---------------------------------------------------------------------------------------------

def bm25_scores(queries: list[str], titles: list[str], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    """Okapi BM25 of each pair's title for its query, with statistics over the distinct titles."""
    tokenised = {t: t.lower().split() for t in set(titles)}
    n = len(tokenised)
    df = Counter(w for words in tokenised.values() for w in set(words))
    avg = sum(len(w) for w in tokenised.values()) / max(n, 1)
    scores = []
    for query, title in zip(queries, titles):
        words = tokenised[title]
        counts = Counter(words)
        score = 0.0
        for term in set(query.lower().split()):
            if term in counts:
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                tf = counts[term]
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(words) / avg))
        scores.append(score)
    return np.array(scores)


def report_search_gap(limit: int | None = None) -> None:
    """The product's own served-ness (core.insights.served_scores, stored per search by the pipeline) of each Home
    Depot query-product pair, computed from the log with its relevance column removed: what is left is the query and
    the title of the product it returned, so served-ness is their cosine in NeedLens's embedding space (the file
    has no clicks or result counts). Checked against the human relevance labels, per pair and per query (the
    queries' means), beside BM25 of the same pairs in the same run."""
    import tempfile

    from core.config import Settings
    from core.ingest import SEARCHES
    from core.pipeline import Source, analyse
    from core.store import Store

    frame = pd.read_csv(datasets.HOME_DEPOT, encoding="latin-1")
    if limit:
        frame = frame.head(limit)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "home_depot_searches.csv"
        frame.drop(columns="relevance").to_csv(log, index=False)
        settings = Settings().with_db(Path(tmp) / "needlens.duckdb")
        start = time.perf_counter()
        analyse(settings, None, Source(log.name, SEARCHES, path=log))
        run_s = time.perf_counter() - start
        store = Store(settings.db_path)
        stored = store.query_df("SELECT search_id, served, title_match, clicked, result FROM searches")
        store.close()
    stored = stored.set_index(stored["search_id"].astype(int)).reindex(frame["id"])
    assert stored["clicked"].isna().all() and (stored["result"] != "").all()  # titles read as results, not clicks
    bm25 = bm25_scores(frame["search_term"].astype(str).tolist(), frame["product_title"].astype(str).tolist())
    pairs = frame.assign(served=stored["served"].to_numpy(), bm25=bm25)
    per_query = pairs.groupby(pairs["search_term"].str.lower().str.strip())[["served", "bm25", "relevance"]].mean()
    print(f"\nHome Depot search relevance: {len(frame):,} query-product pairs, {len(per_query):,} queries; "
          f"`core` pipeline on the file without its relevance column, {run_s:.0f}s")
    print("| score | Spearman vs human relevance, per pair | per query (means) |\n|---|---|---|")
    for name, column in (("BM25 of the query and the product title (baseline, same run)", "bm25"),
                         ("NeedLens served-ness, as stored by the pipeline", "served")):
        print(f"| {name} | {spearmanr(pairs[column], pairs['relevance']).statistic:.3f} | "
              f"{spearmanr(per_query[column], per_query['relevance']).statistic:.3f} |")


def report_census(models: list[str]) -> None:
    """Stratum-B precision of English request models (folders like core/models/en_request), each run as the shipped
    detector runs it (its threshold and pattern floor from needlens.json, the exclusions in core.needs), on the two
    censuses of stratum B: each holds every flag of the models it was made from on its 4,000 clothing reviews, so for
    those this is their precision over all their stratum-B flags there; another model's flags outside it are not seen
    here."""
    from core.needs import RequestDetector
    from core.sentiment import EncoderHead

    censuses = [(path, labelled_snippets(path)) for path in (CENSUS_B, CENSUS_B2)]
    print("| English request model | census | flags | right | precision |\n|---|---|---|---|---|")
    for folder in models:
        model = EncoderHead(folder)
        detector = RequestDetector.from_settings(model, settings=model.settings)
        for path, frame in censuses:
            flagged = frame[detector.flags(frame["text"].tolist())]
            right = int(flagged.label.sum())
            print(f"| {folder} | {path.name} ({len(frame)} snippets, {int(frame.label.sum())} requests) | "
                  f"{len(flagged)} | {right} | {right / max(len(flagged), 1):.3f} |")


if __name__ == "__main__":
    which = sys.argv[1:] or ["requests", "types", "search"]
    if "census" in which:  # python bench/needs.py census [MODEL_DIR ...]
        report_census(sys.argv[2:] or [str(ROOT / "core" / "models" / "en_request")])
        sys.exit()
    if "requests" in which:
        report_requests()
    if "types" in which:
        report_need_types()
    if "search" in which:
        report_search_gap()
