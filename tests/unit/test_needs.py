import numpy as np
import pandas as pd
import pytest

from core.needs import (DEFAULT_TAXONOMY, NeedType, assign_need_types, backlog_markdown, emerging, group_requests,
                        is_feature_request, opportunity_scores, rating_drivers, request_key, requested_thing)


@pytest.mark.parametrize("text", [
    "I wish it had a USB-C port.", "Would be great if it came with a carrying case.", "It really needs a timer.",
    "Should come with a longer cable.", "Please add a petite length option.", "希望有更大的容量。", "建议增加预约功能",
    "要是有遥控器就好了", "Would love a fragrance-free version.",
    # phrasings the third rule revision generalised to: a part that should change, counterfactuals, missing things,
    # asks addressed to the seller or platform
    "The zipper should be longer.", "The neckline needs to open up a bit.", "If it were more silky it would be a dream.",
    "Only downside is the lack of other colors.", "Hope to see more of this style again.", "希望京东能提高服务",
    "建议酒店放两双拖鞋在房间", "如果价格能少一点", "可惜不带系统",
    "i wish it fit better in the hips", "please retailer, offer the other versions of this dress",
    "the fitting could use some work", "就是没有耳机", "希望耐穿一些。", "携程应该定期考察、清理一些不合格的酒店",
    # tenth and eleventh revisions (forms from held-out 11-14's misses, not their texts)
    "就是没有充电器。", "如果多几种颜色", "标准间应该包括早餐", "建议把页面上的地址改为新地址", "能不能送个保护套",
    "如果有白色的话就更好看", "酒店前台也应该反思一下", "如果价格再便宜一百就没的说了", "停车应该免费",
    # fourteenth revision: something to be given to guests, a hope for an author's next work (held-out 19's misses)
    "建议以后可以给开车的客人一个提醒", "希望她再写出更好的书",
    "想问能不能出个大码", "这个问题能不能解决",  # asked in the review, not reported
    "缺点：缺耳机", "希望能做得更好!", "美中不足的是设施和服务希望更好些", "酒店至少应该提前通知吧",
    "wish i could have gotten it in white", "I wish I could have ordered it in a petite."])  # a colour or size not offered
def test_requests_are_detected_in_english_and_chinese(text):
    assert is_feature_request(text)


@pytest.mark.parametrize("text", [
    "I wish I had ordered a size up.", "Should have ordered the medium.", "Great fit, love it.",
    "希望卖家生意越来越好", "建议大家购买", "建议开车的朋友提前出发", "希望她早日康复", "The battery needs charging every day",
    "I thought this dress would be perfect.", "If only I still had my old boots.", "This dress needs to be worn with a slip.",
    "希望能有助于我睡眠", "建议电子产品不要在京东买", "期待您的再次光临", "可惜买大了一码",
    "我问能不能提供一下方便", "就试着问服务员能不能给换一下",  # a question put to the staff, reported
    "缺点:最要命的缺点是房间之间根本不隔音!",  # a con, not a lack: the 缺 of the second 缺点
    "希望会更好", "希望下一次来会更好!", "希望能好点吧",  # a hope that it will be better, naming nothing
    "酒店应该有些年头了吧!", "以为离香格里拉近的酒店应该也有一点水准吧",  # a guess ending in 吧
    "wish it could have worked", "I really wish it fit.", "I wish I could have returned it", "the design is unique and wish this top would of worked.",
    "it needs a cami underneath since it's sheer.", "希望您下次入住能更加满意!", "还是希望京东加油", "希望京东给个说法。",
    "劝大家最好是不要去", "就是没有坚持看下去", "不过京东应该买不到假的吧。", "期待下次合作。",
    "希望没有下次了", "如果能退就好了", "建议拥有一本", "于是满怀希望地下了单", "希望用起来不要有什么问题",
    "酒店有协议的应该很便宜", "如果是出差就不合适", "就是屏幕没有想象中的亮。",
    # not yet, not a lack; didn't say so (twenty-seventh session: 5 flags of the whole file, none a request)
    "就是还没洗过怕严重掉色", "只是还没安装", "没有说不好用。", "没有反映说不好", "就是买少了没办法", "就是用量少了不起沫",
    "却没有出现信号不好的现象", "如果囊中羞涩可以考虑该酒店", "希望日后有机会再多多拜读", "希望更多人支持国货。"])
def test_regrets_and_plain_statements_are_not_requests(text):
    assert not is_feature_request(text)


def test_requested_thing_is_a_short_phrase():
    assert requested_thing("I wish it had a USB-C port.") == "usb-c port"
    assert requested_thing("Would be great if it came with a carrying case.") == "carrying case"
    # "would be nice if it did ...": the verb after the subject was required, and Amazon fashion's request list showed
    # "but it would be nice if it did..." for want of a name
    assert requested_thing("but it would be nice if it did not break.") == "did not break"
    assert requested_thing("would be better if the zipper didn't stick") == "didn't stick"
    assert requested_thing("希望有更大的容量。") == "更大的容量"
    assert requested_thing("希望能生发希望能生发希望能生发希望能生发") == "生发"  # said four times, named once
    assert requested_thing("4.没有个性化铃声") == "个性化铃声"  # 个 of 个性 is no measure word: was "性化铃声"
    # 3,000 clothing reviews: "they'd been" was read "they'd be" + "en", a fraction cut at its slash, a dash read on
    assert requested_thing("i wish they'd been sewn shut - the neckline is so big") == "sewn shut"
    assert requested_thing("i wish they had been 3/4 length or a vest.") == "3/4 length or a vest"
    assert requested_thing("i wish it came in other colors - other than the denim offered") == "other colors"
    assert requested_thing("one thing i wish it had - pockets! !") == "pockets"
    # seen on 4,000 clothing reviews, named "different are the sleeves"
    assert requested_thing("the only thing i wish was different are the sleeves.") == "different sleeves"
    # "would" contracted, as on clothing reviews the model reads since "'d" joined its cue words
    assert requested_thing("i'd love to see this top made in other colors too.") == "other colors"
    assert requested_thing("i\u2019d rather have a less visible zipper.") == "less visible zipper"
    assert requested_thing("i would love this dress in black") == "black"
    # named "come in a little" and "to go higher up" on 4,000 clothing reviews
    assert requested_thing("i wish it had come in a little at the waist to be more flattering.") == "come in at the waist"
    assert requested_thing("though wish it was a touch longer") == "longer"  # a smidge, a touch, a hair: degrees
    assert requested_thing("i wish it had a touch of lace") == "touch of lace"
    assert requested_thing("it needs to go higher up in order to help you put it on.") == "higher up"
    # named by their first 30 characters, and "pattern back with a better", on the same reviews
    assert requested_thing('i would have preferred the 39" inseam') == "39 inseam"
    assert requested_thing("i'd love to see this pattern back with a better fit.") == "pattern back"
    # ask forms the English model reads since the thirty-fifth session; a name no longer ends on a preposition
    assert requested_thing("but maybe they make it in petite...?") == "petite"
    assert requested_thing("why oh why didn't heather give it a hook and loop closure instead?") == "hook"
    assert requested_thing("i wanted it to have little more swing to it.") == "more swing"
    assert requested_thing("i wish this had more of a fitted look to it.") == "fitted look"
    # late forms (thirty-eighth session): 116 of 1,009 English requests were listed by their first 30 characters
    assert requested_thing("if a petite were available i'd have tried that") == "petite"
    assert requested_thing("i was bummed that this top wasn't available in petite sizes") == "petite sizes"
    assert requested_thing("may have sized down if the top were available.") == ""  # the product itself names nothing
    assert requested_thing("would have like it just a tad longer.") == "longer"
    assert requested_thing("i think it would have been nicer shorter") == "shorter"
    assert requested_thing("would have expected suede or leather panels for the money.") == "suede or leather panels"
    assert requested_thing("i would have liked that hint of color.") == "hint of color"
    assert requested_thing("i would have liked it better.") == ""  # a pronoun is no thing
    assert requested_thing("if they bring this jacket out in brown i will definitely order.") == "brown"
    assert requested_thing("would love it if they made the hyphen jeans in white.") == "white"
    assert requested_thing("with different fabric, it would have been great.") == "different fabric"
    assert requested_thing("if it was at least lined, these pants would have come home with me.") == "lined"
    assert requested_thing("it would be beneficial if the jacket was lined or even") == "lined"  # cut by the file


def test_english_model_reads_asks_without_a_wish_word():
    from core.needs import _EN_ANY_CUE

    for ask in ("why not something in between? !", 'why don"t you sell these any more?', "maybe they make it in petite",
                "i wanted it to have little more swing to it.", "i wanted the sleeves to fit at 3/4 as in the pics",
                "but want a bit more length."):
        assert _EN_ANY_CUE.search(ask), ask
    # a third person's intent, a plain want and a shopping aim stay unread
    for other in ("i think the stylists wanted it to look more straight", "i want it in every color!",
                  "i wanted a good pair of jeans."):
        assert not _EN_ANY_CUE.search(other), other



def test_requests_named_by_their_text_before_get_what_they_ask_for():
    """Of 764 labelled English requests, 162 had no name and were listed by their first 30 characters; these forms
    (twenty-second session) name 26 of them; the only renames drop a leading "either" ("either longer or shorter")."""
    # more of an option: every word was a stop word of the grouping key, or nothing was asked in a wish form
    assert requested_thing("this only comes in two sizes") == "more sizes"
    assert requested_thing("it would be nice if they had more than two sizes.") == "more sizes"
    assert requested_thing("my one reservation is it only comes in one color.") == "more colors"
    assert requested_thing("will order more if more colors become available.") == "more colors"
    assert requested_thing("my only regret is that there are only 3 colors!") == "more colors"
    assert requested_thing("it only took two washes to pill") == ""
    assert requested_thing("hoping they would come out with cuter prints in the future.") == "cuter prints"
    # a wish to have bought it otherwise
    assert requested_thing("i wish i could buy it in the black, too.") == "black"
    assert requested_thing("i wish i could have purchased the petite size.") == "petite size"
    assert requested_thing("I wish i could buy this is more colors!") == "more colors"
    # a part, and how it should be
    assert requested_thing("just wish the fit was better.") == "better fit"
    assert requested_thing("the material could be a little thicker") == "thicker material"
    assert requested_thing("the hem could be rather shorter") == "shorter hem"
    assert requested_thing("it should never be worn without a slip") == ""  # "-er" but no comparative
    assert requested_thing("as others have mentioned, the quality could be slightly better") == "better quality"
    assert requested_thing("for the price, i'd expect better quality.") == "better quality"
    assert requested_thing("lastly it is not lined, what a bummer, at least the skirt could be lined.") == "lined"
    # a purchase held back for want of it
    assert requested_thing("i would buy other colors if they were available.") == "other colors"
    assert requested_thing("i would have gotten an xxs if they were available") == "xxs"
    assert requested_thing("i would have liked to see a liner at this price") == "liner"
    assert requested_thing("it needs to be either longer or shorter.") == "longer or shorter"
    # the product itself is not a part: nothing to name
    assert requested_thing("i wish the dress was better") == ""


def test_request_names_from_a_clothing_feature_requests_tab():
    """Names a PM read on 4,000 clothing reviews' Feature requests tab (twenty-seventh session): a trailing "or", a
    bare "bring", "had" and a degree left in, and three asks no form read (8 of 930 labelled requests renamed)."""
    assert requested_thing("the pant fabric should have had more stretch or they should have put stronger elastic.") \
        == "more stretch"
    assert requested_thing("except i wish it was a bit longer or i wish it came with a short tank.") == "longer"
    assert requested_thing("please, please bring it back! !") == "more like this"
    assert requested_thing("if the arms were not quite so rediculously long then i would keep it") == "less long"
    # "less" is part of what is asked: "so much fabric" is not "same fabric" nor "more fabric"
    assert requested_thing("but wish there wasn't so much fabric.") == "less fabric"
    assert request_key("less fabric") != request_key("more fabric") == request_key("same fabric")
    assert requested_thing("if it only had pockets, it would be absolutely perfect!") == "pockets"
    assert requested_thing("hope it will come in other colors because i would buy more! !") == "other colors"
    assert requested_thing("i would love for them to have a skinnier ankle") == "skinnier ankle"
    # would've, much preferred, wishing, wish i could try, a length in inches, a restock in any wording
    assert requested_thing("i would've liked a soft mesh type lining similar to what plenty uses.") == "soft mesh type lining"
    assert requested_thing("i would have much preferred a side zip so the back") == "side zip"
    assert requested_thing("i was wishing it had black because those are my favorite leggings") == "black"
    assert requested_thing("i'm only giving it 4 stars because the sleeves could be 2 to 3 inches longer.") == "longer sleeves"
    assert requested_thing("i really wishing it would get re-stocked.") == "restock"
    assert requested_thing("i really wish retailer would re-stock these! ! ! !") == "restock"
    # a name does not end on a possessive: "cut with all of their", "more colors avail in my"
    assert requested_thing("i wish they would make this cut with all of their products - would love cords!") \
        == "cut with all of their products"
    assert requested_thing("Wish they had more colors avail in my size when i bought this one.") \
        == "more colors avail in my size"


def test_asks_outside_the_cue_frames_are_named_by_what_they_ask_for():
    """Of 825 labelled English requests, 143 had no name (twenty-fifth session); these forms name 36 of them and
    rename none."""
    # what would be good
    assert requested_thing("white or beige would be great.") == "white or beige"
    assert requested_thing("another inch in the zipper would be nice!") == "another inch in the zipper"
    assert requested_thing("but a petite would probably be great.") == "petite"
    assert requested_thing("i bet this would be perfect") == ""  # the product itself
    # what it would be good in
    assert requested_thing("would be really cute in a thicker material.") == "thicker material"
    assert requested_thing("this would be a lovely dress in a better quality fabric.") == "better quality fabric"
    assert requested_thing("this dress would have been so much better fully lined.") == "fully lined"
    # what the reviewer would have kept it for
    assert requested_thing("if the sleeves had not been so tight i would have kept the petite 0.") == "less tight sleeves"
    assert requested_thing("had it been made out of cotton would have definitely kept it!") == "cotton"
    assert requested_thing("if sleeves were slimmer it would look like a cute oversized style") == "slimmer sleeves"
    assert requested_thing("it wouldn't be so bad if there weren't pleats in the front.") == "no pleats in the front"
    assert requested_thing("maybe if there were free shipping i would have reordered") == "free shipping"
    assert requested_thing("all would have been ok if the top wasn't so darn short.") == "less short"
    assert requested_thing("i think my fit problem would be solved if petite was available.") == "petite"
    assert requested_thing("if it had been as in the pic i wld have kept it.") == ""
    # what the maker should have done; sold out; the same again
    assert requested_thing("they should've done an extra reinforcing stitch on the trim.") == "extra reinforcing stitch"
    assert requested_thing("i'm hoping they are replenished back in stock so i can get the proper size.") == "restock"
    assert requested_thing("if size medium were not out of stock in the blue color i would have bought it") == "restock"
    assert requested_thing("i really hope to see this top come back again later!") == "more like this"
    assert requested_thing("please make again") == "more like this"


def test_chinese_snippets_are_typed_by_the_description_words_they_hold():
    from core.needs import DEFAULT_TAXONOMY, lexical_need_types

    names = [t.name for t in DEFAULT_TAXONOMY]
    typed = lexical_need_types(["服务态度很差", "快递很快，包装也好", "说话凶巴巴的", "质量好，价格便宜"], "zh", DEFAULT_TAXONOMY)
    # 服务态度 is one service word; shipping words cover more than any other type's; none; 质量 vs 价格 + 便宜: price
    assert [names[j] if j >= 0 else None for j in typed] == ["service/returns", "shipping/packaging", None,
                                                             "price/value 性价比"]
    assert lexical_need_types(["价格质量"], "zh", DEFAULT_TAXONOMY).tolist() == [-1]  # a tie leaves it to the vectors
    # 发货 (shipping) beside 速度 (performance) was such a tie, and "发货速度快" was typed by its vector as "other"
    assert [names[j] for j in lexical_need_types(["发货速度快", "物流速度一般"], "zh", DEFAULT_TAXONOMY)] == [
        "shipping/packaging", "shipping/packaging"]


def test_chinese_request_phrases_name_the_thing_not_the_addressee():
    # Seen on 3,000 online_shopping_10_cats reviews: a missing part had no phrase (the request was named after its
    # first 30 characters, "3.没有安置蓝牙、红外等通讯功能。"), the addressee and hedges stayed in the phrase
    # ("携程以后提供另外两种房型"), and each bare ask to improve was a group of its own (改进 / 酒店改进一下 / 改善)
    assert requested_thing("就是没有耳机") == requested_thing("可惜不带耳机。") == "耳机"
    assert requested_thing("就是没耳机") == "耳机" and requested_thing("只是没热水") == "热水"  # 没 for 没有 after 就是 / 只是
    assert requested_thing("请改进。") == "改进"  # a bare ask, grouped by its theme on the Feature requests tab
    assert requested_thing("4、浴室没有垫地的毛巾。") == "垫地的毛巾"
    # what the reviewer thinks of the lack is no part of the thing (labelled requests named "耳机线有点小遗憾",
    # "免费停车有点"), nor a condition's consequence ("红色的话女生用刚好很漂亮"); a longer phrase keeps its degree words
    assert requested_thing("就是没有耳机线有点小遗憾。") == "耳机线"
    assert requested_thing("没有免费停车有点不方便") == "免费停车"
    assert requested_thing("房间没有窗户比较闷") == "窗户"
    assert requested_thing("如果有红色的话女生用刚好很漂亮 。 。") == "红色"
    assert requested_thing("不足之处:没有对部分比较难的单词做出注释") == "对部分比较难的单词做出注释"
    # the shop or maker addressed is no part of the thing ("当当尽快完善商品信息", "华为能诚信赚钱" were names); a wish that
    # names nothing after its wish word is read by what it names before, or has no name ("就更好了" was one)
    assert requested_thing("希望当当尽快完善商品信息") == "商品信息"
    assert requested_thing("希望华为能诚信赚钱") == "诚信赚钱"
    assert requested_thing("希望光明日报出版社再多出这样的书!") == "多出这样的书"
    assert requested_thing("摄像头位要是有就好了") == "摄像头位"
    assert requested_thing("如果有就更好了") == ""
    assert requested_thing("没有系统这个不好") == "系统与驱动"  # the common asks by what they are about
    assert requested_thing("建议厂家提供贴膜") == requested_thing("要是能配个贴膜就好了") == "贴膜"
    assert requested_thing("建议携程以后提供另外两种房型") == "另外两种房型"
    assert requested_thing("建议酒店加强一下隔音措施。") == "隔音措施"
    # what should be, or is a pity to lack (55 of 514 labelled Chinese requests had no name; 19 now)
    assert requested_thing("应该标配2G内存。") == "2G内存"
    assert requested_thing("就是还应该配个保护套") == "保护套"
    assert requested_thing("很棒可惜不送钢化膜和耳机") == "钢化膜和耳机"
    assert requested_thing("正常入住行政房应该有生果盘") == "生果盘"
    assert requested_thing("所以这样的设施价位不应该那么高。") == ""  # not what should be
    assert requested_thing("就是电视好象应该换了!") == ""
    assert {requested_thing(t) for t in ("希望以后改进", "强烈建议酒店改进一下.", "希望以后可以改善。", "希望能好好改进",
                                         "希望酒店能予以改进。")} == {"改进"}
    # twenty-fourth session, hotel reviews: 望 alone as the wish word, "继续 / 积极 改进", and asks with no wish word
    # were each a group of one ("望能改进。", "继续改进", "酒店改进一下")
    assert {requested_thing(t) for t in ("望能改进。", "希望继续改进。", "酒店改进一下", "好好改善改善。", "赶紧改善吧~",
                                         "还望酒店今后积极改进..", "改进之后便是完美! !")} == {"改进"}
    assert requested_thing("下次改进包装") == "包装" and requested_thing("望能够提高工作效率。") == "工作效率"
    # 加 of 加强 / 加以 is not "add": "强一点", "以改善" and "强房间灭蚊" were names
    assert requested_thing("希望能加强一点") == requested_thing("希望能加以改善。") == "改进"
    assert requested_thing("建议加强房间灭蚊") == "房间灭蚊" and requested_thing("希望加个耳机") == "耳机"
    assert requested_thing("失望透顶") == requested_thing("观望中") == ""
    # nor when it begins the thing's own word: "希望有加大码" (plus size) was 大码, apart from "加个加大码"
    assert {requested_thing(t) for t in ("希望有加大码。", "要是能加个加大码就更好了。", "建议增加加大码。")} == {"加大码"}
    assert requested_thing("希望有加热功能") == "加热功能"
    # thirty-second session, phone reviews: the part named before a bare ask to improve or before its lack, not
    # "改进", "所改善" or the snippet's opening; a list item's number is not part of the thing
    assert requested_thing("在键盘的布局和质感上希望能有所改善。") == "键盘的布局和质感"
    assert requested_thing("希望有所改善!") == "改进" and requested_thing("强烈建议酒店改进一下.") == "改进"
    assert requested_thing("只是包装应该加强一下") == "包装" and requested_thing("需要改善系统! !") == "系统与驱动"
    assert requested_thing("但早餐质量应该尽快改进") == "早餐"
    assert requested_thing("1.应用锁没有") == "应用锁" and requested_thing("1、地图资源缺乏") == "地图资源"
    assert requested_thing("7、连个挂东西的地都没有!") == "挂东西的地" and requested_thing("外观设计上还有改进空间。") == "外观设计"
    assert requested_thing("就是告诉你没有了。") == ""
    assert requested_thing("可惜不能全屏4、可控制的手机内存可以达到5m多") == "全屏"
    assert requested_thing("要是硬盘320就好了。") == "硬盘320" and requested_thing("希望可以达到2.5寸") != "可以达到"
    # not stripped: a possessive addressee, a verb that is part of the thing, a wish with no cue to strip
    assert requested_thing("但是希望酒店的预订系统能够改进。") == "酒店的预订系统能够改进"
    assert requested_thing("如果有送机服务就更好了") == "送机服务"
    assert requested_thing("如果配个保护套还更好。") == "保护套"
    # what is to be improved, named before the verb (each was a group of its own, named by its text)
    assert requested_thing("但是服务员的水准确实有待提高") == "服务与员工"
    assert requested_thing("早餐也有待改善") == requested_thing("早餐需要改进。") == "早餐"
    assert {requested_thing(t) for t in ("有待改进。", "各方面都有待改善!", "虽然有待改进的地方还有很多。")} == {"改进"}
    # a "……就好了" wish is named by its clause (126 of 881 labelled Chinese requests had no name; 68 now)
    assert requested_thing("个头再大点就好了") == "个头再大点"
    assert requested_thing("显存是DDR3就好了") == "显存是DDR3"
    assert requested_thing("续航时间短 有6芯电池就好了 散热差了点") == "电池续航"
    # the asks a Chinese shop hears most are one request however they are worded, a named service stays itself
    price = ("希望以后价格再优惠点", "能便宜点就更好了", "希望京东多点促销活动", "如果价格低一些就更好了。", "要是长住可以多打折就好了。")
    assert {requested_thing(t) for t in price} == {"价格与优惠"}
    assert requested_thing("希望卖家改进快递包装。") == "包装"
    # thirty-third session, hotel reviews: a wish only to be better is a bare ask to improve, not a thing called
    # "下一次来" or "做的更好所以说了那么多"; nor is a direction ("考虑进去") or a place ("在某些地方") a thing
    assert {requested_thing(t) for t in ("希望会更好", "希望下一次来会更好!", "应该还能更好些。", "希望你们做的更好所以说了那么多。",
                                         "希望京东做的更好", "但也有急需改进之处", "但如果在某些地方再改进一下")} == {"改进"}
    assert {requested_thing(t) for t in ("希望酒店能稍微改进一下啊。", "希望能得以改善.", "有很多地方需要改进")} == {"改进"}
    assert requested_thing("细节之处仍需改进") == requested_thing("但有些细节还需要改进。") == "细节"
    assert requested_thing("美中不足的是设施和服务希望更好些") == "服务与员工"
    assert requested_thing("这些方面的服务是应该考虑进去的。") == ""
    assert requested_thing("如果带蓝牙就更好啦！") == "带蓝牙" and requested_thing("要是有保护套就更完美了") == "保护套"
    assert requested_thing("希望换家快递") == requested_thing("建议以后发货速度要快一点") == "物流与发货"
    assert requested_thing("如果有送机服务就更好了") == "送机服务"
    assert requested_thing("但是希望酒店的预订系统能够改进。") == "酒店的预订系统能够改进"


def test_request_phrases_group_by_content_not_wording():
    # the ways customers ask for more colours, on the shared clothing file, are one request
    asks = ["wish there were other colors.", "Omg - wish it came in more colors", "more colors please!",
            "i wish they would come out with even more colors!", "i wish they had it offered in other colours."]
    assert {request_key(requested_thing(t)) for t in asks} == {"color"}
    assert requested_thing("i do wish this top was a tad bit longer and less sheer though.") == "longer"
    assert requested_thing("i wish the neckline wasn't so matronly.") == "less matronly"
    assert requested_thing("if they were made out of linen they would be perfect.") == "linen"
    assert requested_thing("please make more! !") == "more like this"
    assert requested_thing("Please add a USB-C port in the next version.") == "usb-c port"  # the bundled demo's wording
    assert requested_thing("要是有Type-C接口就好了。") == requested_thing("建议增加Type-C接口。") == "Type-C接口"
    # the bundled demo's "希望下次能出收纳盒的版本" had a group of its own beside "希望有收纳盒"
    assert requested_thing("希望下次能出收纳盒的版本。") == requested_thing("希望有收纳盒。") == "收纳盒"
    assert requested_thing("希望出新版本") == "新版本"
    assert requested_thing("希望有更多款式") == "更多款式"
    frame = pd.DataFrame({"text": asks + ["would be perfect if it had pockets.", "wish it had pockets"],
                          "lang": "en", "product": "P", "review_id": list("abcdefg")})
    groups = group_requests(frame)
    assert groups["requests"].tolist() == [5, 2] and groups["feature"][1] == "pockets"


def test_the_same_english_ask_in_other_words_is_one_request():
    """2,887 clothing reviews' Feature requests tab (thirty-seventh session): five price asks of 1-2 each, "more length"
    apart from "longer" (12), "thicker material" apart from "thicker"."""
    cheaper = ["i think it should be less expensive.", "just wish is wasn't so pricey for all the extra work. but i",
               "i'd probably still buy it if it were cheaper.",
               "it seems to me that half the price would be fair for the quality.",
               "i love the print and style, and would have bought it if it was $100 less.",
               "overall i would of kept it if it were much less money, for the price it is just an ordinary sweater"]
    names = [requested_thing(t) for t in cheaper]
    assert names == ["less expensive", "less pricey", "cheaper", "half the price", "$100 less", "much less money"]
    assert {request_key(n) for n in names} == {"cheaper"}
    assert request_key("more length") == request_key("longer") == request_key("smidge longer") != request_key("shorter")
    assert request_key("tiny bit shorter") == request_key("shorter")
    assert request_key("same length") != request_key("longer")
    thicker = ["the material could be a little thicker", "i wish it were a bit thicker in fabric, it would have been",
               "it would have been nicer if they had used thicker, higher quality silk."]
    assert [requested_thing(t) for t in thicker] == ["thicker material", "thicker in fabric", "used thicker"]
    assert {request_key(requested_thing(t)) for t in thicker} == {request_key("thicker")}
    # what is kept apart: a part named ("longer sleeves"), less of something, a material with no comparative
    assert request_key("longer sleeves") != request_key("longer")
    assert request_key("less fabric") != request_key("more fabric")
    assert request_key("better material") != request_key("better")
    # "less" with an adjective is its opposite comparative; a comparison after the thing is no part of it (on 2,886
    # clothing reviews "less short" stood apart from "longer", "lined like the top" from "lined")
    assert request_key("less short") == request_key("longer") and request_key("less long") == request_key("shorter")
    assert request_key("less flowy") != request_key("flowy")  # no opposite to ask by
    assert request_key("lined like the top") == request_key("a lining like some other dresses") == request_key("lined")
    assert request_key("more like this") != request_key("more")  # an ask for this, not a comparison
    # more colours in any words is one ask; a colour named, or a shade, says which
    assert {request_key(n) for n in ("more colors", "other fun colors", "more colour choices", "a wider variety of "
                                     "colors", "more colors avail in my size")} == {request_key("colors")}
    assert request_key("darker color") != request_key("colors") != request_key("other bold colors")
    # what the thing is for is no part of it ("belt to bring" was a name on 2,886 clothing reviews)
    assert requested_thing("this dress really needs a belt to bring it together.") == "belt"
    frame = pd.DataFrame({"text": cheaper + ["i personally wish it was a smudge longer", "but want a bit more length.",
                                           "i'm 5'6\" and wish they were a tiny bit shorter."],
                          "lang": "en", "product": "P", "review_id": list("abcdefghi")})
    assert requested_thing(frame["text"][6]) == "longer" and requested_thing(frame["text"][8]) == "shorter"  # no degree
    groups = group_requests(frame).set_index("feature")["requests"].to_dict()
    assert groups == {"cheaper": 6, "longer": 2, "shorter": 1}  # a tie is named by its shortest phrase


def test_requests_group_by_what_they_ask_for():
    frame = pd.DataFrame({"text": ["I wish it had a USB-C port.", "Please add a USB-C port", "希望有遥控器。",
                                   "I wish it had a USB-C port!"],
                          "lang": ["en", "en", "zh", "en"], "product": ["A", "B", "C", "A"], "review_id": list("wxyz")})
    groups = group_requests(frame)
    top = groups.iloc[0]
    assert top["feature"] == "usb-c port" and top["requests"] == 3 and top["products"] == "A, B"


def test_a_request_no_form_names_is_listed_by_its_opening_marked_as_cut():
    # 6,000 online_shopping_10_cats reviews: a whole 28-character sentence stood in the Requested feature column
    long_zh = "只是这个标签牌会戳死人的你们那么多年就不知道改进一下?"
    frame = pd.DataFrame({"text": [long_zh, "i hope they keep the style and offer it in all of the colors going forward."],
                          "lang": ["zh", "en"], "product": "P", "review_id": list("ab")})
    assert requested_thing(long_zh) == "" and requested_thing(frame["text"][1]) == ""
    features = set(group_requests(frame)["feature"])
    assert features == {"只是这个标签牌会戳死人的你们…", "i hope they keep the style and…"}
    # two openings whose words share only "hope" are two requests, not one group
    other = pd.DataFrame({"text": [frame["text"][1], "i really hope i can get these in 10!"], "lang": "en",
                          "product": "P", "review_id": ["b", "c"]})
    assert group_requests(other)["requests"].tolist() == [1, 1]


def test_zero_shot_need_types_follow_the_descriptions():
    taxonomy = (NeedType("fit/size", "size fit", "尺码"), NeedType("shipping", "delivery box", "物流"))
    lookup = {"size fit": [1, 0, 0], "delivery box": [0, 1, 0]}
    embed = lambda texts: np.array([lookup.get(t, [0, 0, 1]) for t in texts], dtype=float)  # noqa: E731
    vectors = np.array([[0.9, 0.1, 0], [0.1, 0.95, 0], [0, 0, 1.0]])
    names, _ = assign_need_types(vectors, "en", taxonomy, embed, min_similarity=0.5)
    assert names.tolist() == ["fit/size", "shipping", "other"]


def test_pm_examples_move_a_type():
    taxonomy = (NeedType("a", "alpha", "alpha"), NeedType("b", "beta", "beta", ("gamma",)))
    lookup = {"alpha": [1, 0], "beta": [0, 1], "gamma": [1, 0.2]}
    embed = lambda texts: np.array([lookup[t] for t in texts], dtype=float)  # noqa: E731
    names, _ = assign_need_types(np.array([[0.6, 0.4]]), "en", taxonomy, embed, 0.0, 0.0)
    names_without, _ = assign_need_types(np.array([[0.6, 0.4]]), "en", (taxonomy[0], NeedType("b", "beta", "beta")), embed,
                                         0.0, 0.0)
    assert names_without.tolist() == ["a"] and names.tolist() == ["b"]


def test_one_close_phrase_claims_a_snippet_the_blurred_description_misses():
    # "quality" is described by three phrases; a snippet close to one of them ("材质差" vs "材质不错") still goes to
    # quality although the mean of the three is nearer the one-phrase "fit" type
    taxonomy = (NeedType("quality", "made well, durable, material", "x"), NeedType("fit", "size", "y"))
    lookup = {"made well": [1, 0, 0, 0], "durable": [0, 1, 0, 0], "material": [0, 0, 1, 0], "size": [0.5, 0.5, 0.5, 0.5]}
    embed = lambda texts: np.array([lookup[t] for t in texts], dtype=float)  # noqa: E731
    snippet = np.array([[0.0, 0.0, 0.95, 0.31]])
    names, _ = assign_need_types(snippet, "en", taxonomy, embed, min_similarity=0.0, min_lift=0.0)
    assert names.tolist() == ["quality"]
    # a whole-description prototype (the mean of the phrases) would have chosen fit
    mean = np.array([1, 1, 1, 0]) / np.sqrt(3)
    assert float(snippet[0] @ mean) < float(snippet[0] @ np.array(lookup["size"]))


def test_a_snippet_about_as_near_every_type_is_other():
    # "Bought this for my partner." scores a little above the floor for every type; the lift rule leaves it "other"
    taxonomy = tuple(NeedType(n, n, n) for n in ("a", "b", "c"))
    lookup = {"a": [1, 0, 0, 0], "b": [0, 1, 0, 0], "c": [0, 0, 1, 0]}
    embed = lambda texts: np.array([lookup[t] for t in texts], dtype=float)  # noqa: E731
    vectors = np.array([[0.35, 0.33, 0.32, 0.81], [0.9, 0.1, 0.0, 0.42]])
    names, _ = assign_need_types(vectors, "en", taxonomy, embed, min_similarity=0.2, min_lift=0.1)
    assert names.tolist() == ["other", "a"]
    names, _ = assign_need_types(vectors, "en", taxonomy, embed, min_similarity=0.2, min_lift=0.0)
    assert names.tolist() == ["a", "a"]


def test_chinese_descriptions_are_cut_into_words():
    from core.needs import need_type_phrases

    need = NeedType("q", "made well, durable", "质量 做工，耐用", ("用了一周就坏了",))
    assert need_type_phrases(need, "zh") == ["质量", "做工", "耐用", "用了一周就坏了"]
    assert need_type_phrases(need, "en") == ["made well", "durable", "用了一周就坏了"]


def test_default_taxonomy_covers_the_e_commerce_needs():
    names = " ".join(t.name for t in DEFAULT_TAXONOMY)
    for need in ("性价比", "使用体验", "fit", "battery", "shipping", "service", "wish"):
        assert need in names


def test_taxonomy_examples_typed_in_one_cell_are_split_at_bars_or_lines():
    from core.needs import taxonomy_frame, taxonomy_from_frame

    frame = taxonomy_frame()
    frame.loc[0, "examples"] = "way too pricey | not worth it\n太贵了"
    assert taxonomy_from_frame(frame)[0].examples == ("way too pricey", "not worth it", "太贵了")
    # the default taxonomy goes through the table and back unchanged
    assert taxonomy_from_frame(taxonomy_frame()) == DEFAULT_TAXONOMY


def test_complaint_shares_show_a_planted_spike_week_by_week():
    from core.charts import complaint_share_lines
    from core.needs import complaint_shares

    days = pd.date_range("2026-01-05", periods=70, freq="D")  # ten weeks, Monday to Sunday
    rows = [{"theme": "packaging", "date": d, "n": 6 if d >= days[49] else 1} for d in days]
    rows += [{"theme": "sizing", "date": d, "n": 3} for d in days]
    shares = complaint_shares(pd.DataFrame(rows), ["packaging", "quiet theme"])
    packaging = shares[shares.theme == "packaging"].set_index("period")["share"]
    assert len(packaging) == 10 and packaging.iloc[:7].round(2).eq(0.25).all() and packaging.iloc[7:].round(2).eq(0.67).all()
    assert (shares[shares.theme == "quiet theme"]["share"] == 0).all()  # no complaint: a line at zero, not missing
    assert shares["total"].eq(28).iloc[0] and pd.Timestamp(shares["period"].iloc[0]).day_name() == "Monday"
    monthly = complaint_shares(pd.DataFrame(rows), ["packaging"], "month")
    assert list(pd.to_datetime(monthly["period"]).dt.month) == [1, 2, 3]
    spec = complaint_share_lines(shares, days[49], days[-1]).to_dict()
    assert spec["layer"][0]["mark"]["type"] == "rect" and "shaded" in spec["title"]["subtitle"]
    assert complaint_shares(pd.DataFrame(columns=["theme", "date", "n"]), ["x"]).empty


def test_rating_drivers_recover_a_planted_effect():
    rng = np.random.default_rng(0)
    n = 3000
    sizing_bad = rng.random(n) < 0.2
    colour_good = rng.random(n) < 0.3
    rating = 4.2 - 1.0 * sizing_bad + 0.3 * colour_good + rng.normal(0, 0.5, n)
    reviews = pd.DataFrame({"review_id": np.arange(n), "rating": rating})
    mentions = pd.concat([
        pd.DataFrame({"review_id": np.flatnonzero(sizing_bad), "theme": "sizing", "polarity": "negative"}),
        pd.DataFrame({"review_id": np.flatnonzero(colour_good), "theme": "colour", "polarity": "positive"})])
    drivers = rating_drivers(reviews, mentions).set_index("theme")
    assert drivers.loc["sizing", "negative_ci_low"] < -1.0 < drivers.loc["sizing", "negative_ci_high"]
    assert drivers.loc["sizing", "lift_if_fixed"] == pytest.approx(0.2, abs=0.03)
    assert "average 1.0" in drivers.loc["sizing", "explanation"] or "average 0.9" in drivers.loc["sizing", "explanation"]



def _two_periods(rng, n: int, sizing_rates: tuple[float, float]):
    """Reviews of two periods: sizing complaints (-1.5 stars) at each period's rate, colour praise (+0.3) at 30%."""
    frames = []
    for period, rate in enumerate(sizing_rates):
        sizing_bad, colour_good = rng.random(n) < rate, rng.random(n) < 0.3
        rating = 4.2 - 1.5 * sizing_bad + 0.3 * colour_good + rng.normal(0, 0.6, n)
        ids = np.arange(n) + period * n
        frames.append((pd.DataFrame({"review_id": ids, "rating": rating}), pd.concat([
            pd.DataFrame({"review_id": ids[sizing_bad], "theme": "sizing", "polarity": "negative"}),
            pd.DataFrame({"review_id": ids[colour_good], "theme": "colour", "polarity": "positive"})])))
    return frames


def test_a_rise_in_complaints_is_the_part_that_moved_the_average_rating():
    # sizing complaints go from 10% to 25% of reviews at -1.5 stars each: the average falls by about 0.22, and the
    # sizing part says so; the parts add up to the change
    from core.needs import CHANGE_REST, driver_moments, rating_change, rating_change_sentence

    (before, said_before), (recent, said_recent) = _two_periods(np.random.default_rng(0), 2000, (0.10, 0.25))
    pooled = rating_drivers(pd.concat([before, recent]), pd.concat([said_before, said_recent]))
    parts = rating_change(driver_moments(before, said_before), driver_moments(recent, said_recent), pooled)
    first = parts.iloc[0]
    assert first["change"] == pytest.approx(recent.rating.mean() - before.rating.mean())
    assert parts["part"].sum() == pytest.approx(first["change"])
    assert first["theme"] == "sizing" and first["part"] == pytest.approx(-1.5 * 0.15, abs=0.05)
    assert first["ci_high"] < 0 and abs(parts.set_index("theme").loc[CHANGE_REST, "part"]) < 0.05
    sentence = rating_change_sentence(parts, 21)
    assert "The theme with the largest part" in sentence and "sizing" in sentence and "rose" in sentence
    assert "reviews with a complaint about it rose" in sentence
    assert "not explained" not in sentence  # the rest is near 0 here
    from core.needs import rating_shift  # the Overview's alert: the same change and interval, said to be real
    shift = rating_shift(driver_moments(before, said_before), driver_moments(recent, said_recent))
    assert shift["significant"] and shift["change"] == pytest.approx(first["change"])
    assert (shift["ci_low"], shift["ci_high"]) == pytest.approx((first["ci_low"], first["ci_high"]))


def test_an_average_rating_that_moved_by_chance_is_said_to_be_within_chance():
    from core.needs import driver_moments, rating_change, rating_change_sentence

    (before, said_before), (recent, said_recent) = _two_periods(np.random.default_rng(1), 400, (0.15, 0.15))
    pooled = rating_drivers(pd.concat([before, recent]), pd.concat([said_before, said_recent]))
    parts = rating_change(driver_moments(before, said_before), driver_moments(recent, said_recent), pooled)
    assert parts.iloc[0]["ci_low"] < 0 < parts.iloc[0]["ci_high"]
    assert "within what chance alone would give" in rating_change_sentence(parts, 21)
    from core.needs import rating_shift  # the Overview stays quiet
    assert not rating_shift(driver_moments(before, said_before), driver_moments(recent, said_recent))["significant"]
    # a change the themes' shares do not account for (every review a star lower, the same mentions): said so
    lower = recent.assign(rating=recent.rating - 1.0)
    pooled = rating_drivers(pd.concat([before, lower]), pd.concat([said_before, said_recent]))
    sentence = rating_change_sentence(rating_change(driver_moments(before, said_before),
                                                    driver_moments(lower, said_recent), pooled), 21)
    assert "The theme with the largest part" in sentence and "is not explained by the themes' shares" in sentence
    few = driver_moments(recent.head(20), said_recent[said_recent.review_id.isin(recent.head(20).review_id)])
    assert rating_change(driver_moments(before, said_before), few, pooled).empty  # too few rated reviews recently


def test_driver_regression_from_moments_equals_least_squares_on_the_design_matrix():
    # The fit never builds the 0/1 design matrix (a million reviews); it must give lstsq's coefficients and CIs.
    from scipy import stats

    rng = np.random.default_rng(3)
    n, themes = 2000, ["fit", "fabric", "price"]
    flags = {(t, p): rng.random(n) < rng.uniform(0.05, 0.3) for t in themes for p in ("negative", "positive")}
    rating = 4 + sum(rng.normal(0, 0.6) * f for f in flags.values()) + rng.normal(0, 0.7, n)
    reviews = pd.DataFrame({"review_id": np.arange(n), "rating": rating})
    mentions = pd.concat([pd.DataFrame({"review_id": np.flatnonzero(f), "theme": t, "polarity": p})
                          for (t, p), f in flags.items()])
    got = rating_drivers(reviews, mentions, min_reviews=1).set_index("theme")
    columns = sorted(flags)
    design = np.column_stack([np.ones(n)] + [flags[c].astype(float) for c in columns])
    coef, *_ = np.linalg.lstsq(design, rating, rcond=None)
    residual = rating - design @ coef
    se = np.sqrt(np.diag(residual @ residual / (n - design.shape[1]) * np.linalg.inv(design.T @ design)))
    t = stats.t.ppf(0.975, n - design.shape[1])
    for j, (theme, polarity) in enumerate(columns, start=1):
        assert got.loc[theme, f"{polarity}_effect"] == pytest.approx(coef[j], abs=1e-9)
        assert got.loc[theme, f"{polarity}_ci_low"] == pytest.approx(coef[j] - t * se[j], abs=1e-9)


def test_emerging_accepts_daily_counts_and_gives_the_same_answer():
    mentions = _mentions(spike=True)
    daily = mentions.groupby(["theme", "date"]).size().rename("n").reset_index()
    pd.testing.assert_frame_equal(emerging(mentions), emerging(daily))

def _mentions(spike: bool, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 180, 6000), unit="D")
    themes = rng.choice(["fit", "fabric", "shipping", "colour"], 6000, p=[0.4, 0.3, 0.1, 0.2])
    frame = pd.DataFrame({"theme": themes, "date": days})
    if spike:
        extra = pd.DataFrame({"theme": "shipping", "date": pd.to_datetime("2026-06-15") + pd.to_timedelta(
            rng.integers(0, 14, 120), unit="D")})
        frame = pd.concat([frame, extra])
    return frame


def test_planted_spike_is_found():
    result = emerging(_mentions(spike=True)).set_index("theme")
    assert result.loc["shipping", "emerging"] and result["emerging"].sum() == 1


@pytest.mark.parametrize("seed", range(5))
def test_no_spike_stays_quiet(seed):
    assert emerging(_mentions(spike=False, seed=seed))["emerging"].sum() == 0


def test_opportunity_is_importance_times_dissatisfaction_with_odi_beside_it_and_markdown_backlog():
    themes = pd.DataFrame({"label": ["fit", "colour", "build"], "reviews": [100, 50, 80],
                           "negative_share": [0.6, 0.1, 0.05]})
    ranked = opportunity_scores(themes).set_index("label")
    assert ranked.index.tolist() == ["fit", "colour", "build"]  # 6.0, 0.5, 0.4
    assert ranked.loc["fit", "opportunity"] == pytest.approx(10 * 0.6)
    assert ranked.loc["fit", "odi"] == pytest.approx(10 + (10 - 4))  # importance + max(importance - satisfaction, 0)
    # ODI alone would put a much-mentioned, seldom-criticised need above a less-mentioned, often-criticised one (the
    # demo's "durable / build quality", 828 reviews and 4% negative, was second of its backlog)
    assert ranked.loc["build", "odi"] > ranked.loc["colour", "odi"] and "8.0 (mentioned in 80 reviews) × 5% negative" \
        in ranked.loc["build", "why"]
    backlog = pd.DataFrame({"need": ["Runs small <b>"], "need_type": ["fit/size"], "opportunity": [16.0], "why": ["x"],
                            "volume": [100], "negative_share": [0.6], "trend": ["▲"], "rating_impact": [-0.9],
                            "products": ["A"], "example": ["too *small*"]})
    text = backlog_markdown(backlog)
    assert "## 1. Runs small <b> (fit/size)" in text and "too \\*small\\*" in text
    assert "- Rating impact: -0.90 stars" in text
    assert "- Rating impact: n/a" in backlog_markdown(backlog.assign(rating_impact=[float("nan")]))
    assert "- Stable" not in text  # not known (a backlog from before): not said
    assert "- Stable: 85% of its mentions' pairs stay together" in backlog_markdown(backlog.assign(stable=[0.85]))


def test_demo_generator_spike_is_found_and_an_unspiked_copy_stays_quiet():
    """The planted shipping-damage spike in the generated demo data (last 3 weeks) is flagged."""
    from helpers import ROOT

    frame = pd.read_csv(ROOT / "data" / "demo_reviews.csv", parse_dates=["date"])
    shipping = frame["review_text"].str.contains("damaged|crushed|broken|dented|破损|压坏|坏了", regex=True)
    mentions = pd.DataFrame({"theme": np.where(shipping, "shipping", "other"), "date": frame["date"]})
    assert emerging(mentions, 21, min_recent=5).set_index("theme").loc["shipping", "emerging"]
    shuffled = mentions.assign(date=mentions["date"].sample(frac=1, random_state=0).to_numpy())
    assert not emerging(shuffled, 21, min_recent=5)["emerging"].any()


def _asks(spike: bool, seed: int = 0) -> pd.DataFrame:
    """Request snippets over 180 days: four asks at steady shares, and with ``spike`` 40 more reviews asking for a
    USB-C port in the last two weeks; a few bare asks to improve and one review asking twice."""
    rng = np.random.default_rng(seed)
    n = 1200
    texts = rng.choice(["I wish it had a longer cable.", "Would be great if it came with a carrying case.",
                        "Please add a USB-C port in the next version.", "希望有保温功能。", "有待改进！"], n,
                       p=[0.35, 0.3, 0.1, 0.2, 0.05])
    frame = pd.DataFrame({"text": texts, "dataset_id": 1, "review_id": [f"R{i}" for i in range(n)],
                          "date": pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 180, n), unit="D")})
    if spike:
        frame = pd.concat([frame, pd.DataFrame({
            "text": "It really needs a USB-C port.", "dataset_id": 1, "review_id": [f"S{i}" for i in range(40)],
            "date": pd.to_datetime("2026-06-16") + pd.to_timedelta(rng.integers(0, 14, 40), unit="D")})])
    return pd.concat([frame, frame.tail(1)], ignore_index=True)  # the same review asking twice counts once


def test_a_planted_rise_in_one_request_is_found_and_steady_requests_stay_quiet():
    from core.needs import RISING_COLUMNS, group_requests, request_mentions

    def rising_requests(asks, window):
        from core.needs import rising_requests as test

        return test(request_mentions(asks), window)

    asks = _asks(spike=True)
    found = rising_requests(asks, 21).set_index("feature")
    assert list(found.reset_index().columns) == RISING_COLUMNS
    assert found["emerging"].sum() == 1
    usb = found[found["emerging"]].iloc[0]
    named = group_requests(asks.assign(product="", lang="en")).set_index("feature")  # the tab's group and name
    assert usb.name in named.index and usb["requests"] == named.loc[usb.name, "requests"]
    assert usb["recent"] >= 40 and usb["ratio"] > 2
    assert "改进" not in found.index  # a bare ask says what about only by its neighbours' themes
    assert found["requests"].sum() == len(asks.drop_duplicates("review_id")) - (asks["text"] == "有待改进！").sum()
    for seed in range(4):
        assert not rising_requests(_asks(spike=False, seed=seed), 21)["emerging"].any()
    # stored names are read, not made again; none dated: nothing to test
    stored = asks.assign(named=np.where(asks["text"].str.contains("USB-C"), "usb-c port", None))
    assert rising_requests(stored, 21).set_index("feature").loc["usb-c port", "emerging"]
    assert rising_requests(asks.assign(date=pd.NaT), 21).empty


def test_alerts_say_what_moved_beyond_chance_and_hide_what_privacy_mode_hides():
    from core import insights

    shift = {"before_avg": 4.1, "recent_avg": 3.8, "change": -0.3, "ci_low": -0.4, "ci_high": -0.2, "n_before": 900,
             "n_recent": 40, "significant": True}
    rising = pd.DataFrame({"theme": ["packaging", "fit"], "recent": [25, 12], "earlier": [40, 300],
                           "recent_share": [0.25, 0.1], "earlier_share": [0.05, 0.1], "ratio": [5.0, 1.0],
                           "p_value": [1e-9, 0.5], "emerging": [True, False]})
    asked = rising.rename(columns={"theme": "feature"}).assign(feature=["usb-c port", "case"], earlier=[0, 10],
                                                             ratio=[float("inf"), 1.0])
    said = insights.alerts(shift, rising, asked)
    assert [a["kind"] for a in said] == ["rating", "emerging", "request"]
    assert said[0]["text"].startswith("Average rating fell — **3.80 ★**") and "40 and 900 rated reviews" in said[0]["text"]
    assert said[1]["text"].startswith("Emerging issue — **packaging**: 25.0% of complaints")
    assert said[2]["subject"] == "usb-c port" and "(new, 25 reviews asking" in said[2]["text"] and said[2]["ratio"] is None
    assert insights.alerts({**shift, "change": 0.3}, rising.iloc[:0], None)[0]["text"].startswith("Average rating rose")
    assert insights.alerts({**shift, "significant": False}, rising.iloc[:0], asked.iloc[:0]) == []
    assert insights.alerts({}, rising.iloc[:0], asked.iloc[:0]) == []  # undated: nothing to say
    # privacy mode: 40 recent rated reviews and 25 recent complaints are under k = 50
    assert insights.alerts(shift, rising, asked, privacy_k=50) == []
    assert [a["kind"] for a in insights.alerts(shift, rising, asked, privacy_k=20)] == ["rating", "emerging", "request"]


def test_a_share_with_none_before_reads_new():
    from core import insights

    assert [insights.times(r) for r in (2.63, float("inf"), float("nan"))] == ["2.6×", "new", "new"]


def _product_moments(seed: int, fall: float = 0.0, products: int = 12, recent: int = 15, before: int = 120,
                     window: int = 21) -> pd.DataFrame:
    """Store.facet_rating_moments of reviews whose stars (1-5, mean about 4) hold over time, except that each of
    product P00's recent reviews turns 1-star with probability ``fall``; computed from the rows, as the SQL does."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(products):
        for recent_one, n in ((False, before), (True, recent)):
            y = np.clip(np.round(rng.normal(4.0, 1.1, n)), 1, 5)
            if p == 0 and recent_one:
                y = np.where(rng.random(n) < fall, 1.0, y)
            rows.append({"value": f"P{p:02d}", "recent": recent_one, "n": n, "sum_y": y.sum(),
                         "sum_yy": (y * y).sum()})
    return pd.DataFrame(rows)


def test_a_product_losing_stars_is_flagged_and_products_whose_stars_hold_are_not():
    from core.needs import FALL_COLUMNS, rating_falls

    found = rating_falls(_product_moments(0, fall=0.6))
    assert list(found.columns) == FALL_COLUMNS
    assert found.loc[found["falling"], "value"].tolist() == ["P00"]
    head = found.iloc[0]
    assert head["change"] < -1 and head["ci_low"] < head["change"] < head["ci_high"] < 0
    assert head["n_recent"] == 15 and head["n_before"] == 120
    for seed in range(1, 9):  # no fall planted: quiet (Bonferroni over 12 products, family-wise alpha 1%)
        assert not rating_falls(_product_moments(seed))["falling"].any(), seed
    # a product with too few rated reviews in the window is not tested, nor counted in the correction
    thin = rating_falls(_product_moments(0, fall=0.6, recent=7))
    assert thin.empty
    # a fall beyond chance but under 0.3 stars (a best-seller's -0.15) is not an alert
    big = pd.DataFrame({"value": ["A", "A"], "recent": [False, True], "n": [20000, 5000],
                        "sum_y": [80000.0, 19250.0], "sum_yy": [20000 * 17.0, 5000 * 15.8225]})
    small_fall = rating_falls(big).iloc[0]
    assert small_fall["p_value"] < 1e-6 and small_fall["change"] == pytest.approx(-0.15) and not small_fall["falling"]
    # every rating the same in both periods: no spread to test with, a fall is certain and no change is none
    flat = pd.DataFrame({"value": ["A", "A", "B", "B"], "recent": [False, True] * 2, "n": [30, 10, 30, 10],
                         "sum_y": [150.0, 10.0, 150.0, 50.0], "sum_yy": [750.0, 10.0, 750.0, 250.0]})
    assert rating_falls(flat).set_index("value")["falling"].to_dict() == {"A": True, "B": False}
    assert rating_falls(flat.iloc[:0]).empty  # undated or unrated: nothing to test


def test_a_product_losing_stars_is_an_alert_with_its_evidence_unless_privacy_mode_hides_it():
    from core import insights
    from core.needs import rating_falls

    falls = rating_falls(_product_moments(0, fall=0.6)).assign(theme="", theme_recent=0, complaints_recent=0,
                                                               theme_earlier_share=float("nan"))
    falls.loc[0, ["theme", "theme_recent", "complaints_recent", "theme_earlier_share"]] = ("battery", 6, 9, 0.1)
    said = insights.alerts({}, None, None, falls=falls)
    assert [a["kind"] for a in said] == ["product"] and said[0]["subject"] == "P00"
    assert said[0]["text"].startswith("Product losing stars — **P00**: ")
    assert "15 and 120 rated reviews" in said[0]["text"] and "**battery** (6 of its 9 complaints" in said[0]["text"]
    assert said[0]["text"].endswith("See **Product feedback**.")
    assert insights.alerts({}, None, None, privacy_k=16, falls=falls) == []  # 15 recent rated reviews
    by_category = insights.alerts({}, None, None, falls=falls, by="category")[0]
    assert by_category["text"].startswith("Category losing stars") and by_category["by"] == "category"
    assert "in the last 30 days" in insights.fall_alert(next(falls.itertuples()), window_days=30, see="")["text"]


def test_a_quiet_overview_says_whether_nothing_moved_or_too_few_reviews_came_to_tell():
    from core import insights

    last = pd.Timestamp("2026-10-28")
    assert insights.quiet_note({"last_date": None, "recent_reviews": 0}) is None  # undated: nothing to say
    kind, text = insights.quiet_note({"last_date": last, "recent_reviews": 2, "average_rating": 4.1})
    assert kind == "info" and text.startswith("Only 2 reviews in the last 3 weeks (to 2026-10-28): too few")
    assert insights.quiet_note({"last_date": last, "recent_reviews": 1})[1].startswith("Only 1 review in")
    kind, text = insights.quiet_note({"last_date": last, "recent_reviews": 412, "average_rating": 4.1})
    assert kind == "success" and "(412 reviews, to 2026-10-28)" in text and "every product's rating" in text
    unrated = insights.quiet_note({"last_date": last, "recent_reviews": 412, "average_rating": float("nan")},
                                  by="category")[1]
    assert "rating" not in unrated and "complaints about each theme" in unrated
    untested = insights.quiet_note({"last_date": last, "recent_reviews": 412, "average_rating": 4.1}, by=None)[1]
    assert "the average rating and the share of complaints" in untested  # no product or category was tested


class _FakeEncoder:
    """Stands in for the English request classifier: P(request) 0.9 for texts holding "pockets", else 0.1."""

    def __init__(self):
        self.seen = []

    def probabilities(self, texts):
        self.seen += texts
        p = np.array([0.9 if "pockets" in t else 0.1 for t in texts])
        return np.stack([1 - p, p], axis=1)


class _SureZhHead:
    """Stands in for a Chinese head sure that every snippet asks."""

    def logit(self, texts):
        return np.full(len(texts), 3.0)


class _FakeZhHead:
    """Stands in for the Chinese veto: a low logit for wishes about a hotel stay, high otherwise."""

    def logit(self, texts):
        return np.array([-3.0 if "入住" in t else 3.0 for t in texts])


def test_learned_detector_reads_only_cue_snippets_and_vetoes_chinese_false_alarms():
    from core.needs import RequestDetector

    encoder = _FakeEncoder()
    detector = RequestDetector(encoder, _FakeZhHead(), threshold=0.5, zh_veto=0.35)
    texts = ["there should be pockets", "I wish it had a hood", "Love the pockets on this.", "希望增加一个耳机孔",
             "希望以后还能入住此酒店", "性价比很高"]
    flags = detector.flags(texts)
    # the model decides English (a rule hit it scores low is dropped; no cue word: never read, never flagged)
    assert flags.tolist() == [True, False, False, True, False, False]
    assert encoder.seen == ["there should be pockets", "I wish it had a hood"]
    assert detector.name == "learned"


def test_the_english_model_reads_would_contracted():
    from core.needs import RequestDetector

    encoder = _FakeEncoder()
    texts = ["i'd love this with pockets", "I\u2019d prefer it with pockets", "Love the pockets on this.",
             "I dare say the pockets are deep"]
    assert RequestDetector(encoder, threshold=0.5).flags(texts).tolist() == [True, True, False, False]
    assert encoder.seen == texts[:2]


def test_the_english_model_alone_does_not_flag_a_doubt_or_a_praise_idiom():
    from core.needs import RequestDetector

    class _SureEncoder:
        def probabilities(self, texts):
            return np.tile([0.02, 0.98], (len(texts), 1))

    # the model's sure false alarms in the census of stratum B; an ask the patterns also read keeps its flag
    texts = ["i wonder if the xs would have been better", "of course i asked if they had it in black",
             "but the fit couldn't be better.", "This skirt could not be more comfortable.",
             "i wonder if they will make it in petite, i wish they would", "if it came in navy i would buy two"]
    flags = RequestDetector(_SureEncoder(), threshold=0.9, pattern_floor=0.05).flags(texts)
    assert flags.tolist() == [False, False, False, False, True, True]


def test_learned_detector_accepts_a_pattern_hit_the_model_does_not_rule_out():
    from core.needs import RequestDetector

    texts = ["I wish it had a hood", "there should be pockets", "it would be a nice top for spring"]
    assert is_feature_request(texts[0]) and not is_feature_request(texts[2])
    # the fake model gives the hood wish 0.1: alone it is not sure enough, with the patterns it clears a 0.05 floor
    strict = RequestDetector(_FakeEncoder(), threshold=0.5)
    lenient = RequestDetector(_FakeEncoder(), threshold=0.5, pattern_floor=0.05)
    assert strict.flags(texts).tolist() == [False, True, False]
    assert lenient.flags(texts).tolist() == [True, True, False]
    assert RequestDetector(_FakeEncoder(), threshold=0.5, pattern_floor=0.2).flags(texts).tolist() == [False, True, False]


@pytest.mark.parametrize("text", ["2、没有蓝牙", "1.没有鼠标和包 2.沉了点", "4、浴室没有垫地的毛巾。", "1.应用锁没有",
                                  "其次没有中文说明书", "3、缺少USB-C接口;"])
def test_a_numbered_drawback_naming_a_missing_part_is_a_request(text):
    assert is_feature_request(text)


@pytest.mark.parametrize("text", ["就是没的说", "就是没法说服自己。", "就是没啥吃的", "就是设计缺陷。",
                                  # "not as … as": a comparison, no lack (thirty-third session)
                                  "就是没有那么甜而已。", "VISTA系统没有传说的那么不好", "就是小点样子没那么好看",
                                  # "nothing wrong with it", slang (thirty-seventh session, a fruit/shampoo request list)
                                  "就是差评 没毛病", "就是没问题"])
def test_praise_idioms_and_a_defect_after_jiushi_are_not_a_missing_part(text):
    assert not is_feature_request(text)


@pytest.mark.parametrize("text", ["4、待机时间没有宣传的那么多", "2.没有充分地利用内存", "3、我的真机没有图片效果好看",
                                  "1、没有坏果", "1.显示屏没有坏点、没有亮点", "2、看来没有拆过", "第一次买 不错 没有坏果",
                                  "2、我没有用过别的牌子", "没有蓝牙", "2、功能上没有冗余", "3、没有杂音"])
def test_a_numbered_shortfall_or_an_unframed_lack_is_not(text):
    assert not is_feature_request(text)


def test_the_chinese_veto_never_drops_a_missing_part_named_as_the_drawback():
    from core.needs import RequestDetector

    class _VetoAll:
        def logit(self, texts):
            return np.full(len(texts), -5.0)

    texts = ["2、没有蓝牙", "不足之处是没有健身房。", "就是没有耳机", "希望增加一个耳机孔"]
    assert all(is_feature_request(t) for t in texts)
    # the character veto judges wishes; a missing part in a drawback frame passes on its frame alone
    assert RequestDetector(zh_head=_VetoAll(), zh_veto=0.2).flags(texts).tolist() == [True, True, True, False]


def test_the_chinese_head_flags_alone_a_wish_it_is_sure_of():
    from core.needs import RequestDetector

    texts = ["自己管不好最好换人", "建议大家不要买", "这个手机很好用", "希望活动多多"]
    assert not any(is_feature_request(t) for t in texts[:3])
    # a wish word and a sure head: flagged without a pattern; advice to buyers and text without a wish word never
    assert RequestDetector(zh_head=_SureZhHead(), zh_alone=0.6).flags(texts).tolist() == [True, False, False, True]
    assert RequestDetector(zh_head=_SureZhHead()).flags(texts).tolist() == [False, False, False,
                                                                        is_feature_request(texts[3])]


def test_rules_detector_is_the_patterns():
    from core.needs import RequestDetector, load_request_detector

    texts = ["I wish it had a USB-C port.", "Great fit, love it.", "希望有更大的容量。", "希望卖家生意越来越好"]
    for detector in (RequestDetector(), load_request_detector("rules")):
        assert detector.name == "rules"
        assert detector.flags(texts).tolist() == [is_feature_request(t) for t in texts]
    with pytest.raises(ValueError):
        load_request_detector("bogus")


def test_learned_detector_falls_back_to_patterns_when_its_models_are_missing(tmp_path):
    from core.needs import load_request_detector

    detector = load_request_detector("learned", tmp_path)  # an empty models folder
    assert detector.name == "rules"
    assert detector.flags(["Please add a petite length option."]).tolist() == [True]


def test_request_model_setting_comes_from_the_environment():
    from core.config import Settings

    assert Settings.from_env({}).requests == "learned"
    assert Settings.from_env({"NEEDLENS_REQUEST_MODEL": "rules"}).requests == "rules"


def test_every_wish_planted_in_the_bundled_demo_is_a_request():
    import sys
    from pathlib import Path

    from core.needs import load_request_detector

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "data"))
    import make_demo

    en = [w.format(f=f) for w in make_demo.EN_WISHES for fs in make_demo.FEATURES.values() for f in fs]
    zh = [w.format(f=f) for w in make_demo.ZH_WISHES for fs in make_demo.ZH_FEATURES.values() for f in fs]
    missed = [t for t in en + zh if not is_feature_request(t)]
    assert not missed
    # the shipped models, as the demo run uses them: the English model rules out a few the patterns catch (it gives
    # "It really needs a keep-warm setting." P 0.03: in clothing reviews "keeps me warm" is the wearer's need)
    flags = load_request_detector("learned").flags(en + zh)
    assert flags[len(en):].all() and flags[:len(en)].mean() >= 0.9, [t for t, f in zip(en + zh, flags) if not f]


def test_an_improvement_made_a_reply_or_a_problem_gone_is_not_a_wish_the_head_may_flag_alone():
    from core.needs import RequestDetector

    # seen among the Chinese head's lone flags in a census of stratum C (bench/labels/feature_requests_census_zh_c.csv)
    told = ["早餐有所改善", "我们将在今后的工作中逐步加以改进和提高。", "关机后重开机就好了", "屏幕比K750C更好",
            # thirty-second session, phone and hotel reviews
            "3.输入法虽然较M320有很大地改进", "6070有了以下的改进:1)屏幕", "酒店正在努力加以改善", "立即做出了相应的更改和改善",
            # thirty-third session, hotel reviews: that it is not improved is a complaint
            "从晚上11点投诉至2点依然无任何改善。", "不愿意改进。", "还象还不想改进。", "但未有改善"]
    asked = ["希望有所改进。", "个头再大点就好了", "改进一下会更好。", "这点希望京东变一下就好了", "还有很大的改进空间，希望改进",
             "不知道酒店为何一直不改进.", "如果没有改善"]
    flags = RequestDetector(zh_head=_SureZhHead(), zh_alone=0.6).flags(told + asked)
    assert flags.tolist() == [False] * len(told) + [True] * len(asked)


def test_a_lone_jiu_hao_le_or_geng_hao_asks_only_when_its_clause_names_a_change():
    from core.needs import RequestDetector

    # from both censuses of stratum C (bench/labels/feature_requests_census_zh_c*.csv): a fix that worked, a feeling,
    # one's own regret, a plain comparison or an adverb is no ask; more or less of something, a part, a price is
    told = ["重启一下或者待机状态下几分钟就好了~", "她高兴就好了.", "早看到这本书就好了! ! !", "人更好!", "更好吃些。",
            "可以更好的起到保护的功效。", "可能会更好。", "感觉可以做得更好的。", "他的作品90年后的更好些。"]
    asked = ["再薄一点就好了", "标配2G就好了", "能便宜点就更好了", "处理器换t6400更好", "99元更好了", "把京东物流做得更好更快",
             "如能按自己需要随意增加就更好了。", "LED屏幕就好了", "内存2G就好了"]
    flags = RequestDetector(zh_head=_SureZhHead(), zh_alone=0.6).flags(told + asked)
    assert flags.tolist() == [False] * len(told) + [True] * len(asked)


def test_a_missing_gift_a_lesser_amount_or_ones_own_lack_is_not_the_drawback_frame():
    from core.needs import RequestDetector

    told = ["就是什么也没送", "就是护发素少了点。", "就是没睡好。", "就是不含硅!", "就是觉得反应没手机快", "就是没优惠"]
    asked = ["就是没耳机", "只是没热水", "就是携程不含早餐不好", "就是冰箱里面没东西可消费。"]
    flags = RequestDetector(zh_head=_SureZhHead(), zh_alone=0.6).flags(told + asked)
    assert flags.tolist() == [False] * len(told) + [True] * len(asked)


def test_probably_advice_to_fellow_buyers_and_a_missing_invoice_are_not_asks():
    from core.needs import RequestDetector

    # from fresh censuses of the detector's flags in Chinese strata A and N (bench/labels/feature_requests_census_zh_*)
    told = ["应该能管一年吧。", "您应该与酒店进行联系", "不建议在酒店吃。", "建议要装xp的兄弟慎重考虑。", "希望能回复!",
            "商品很好 希望下次合作 老板很耐心态度很好", "2、增值税发票没有随机发送。", "就是没有一个人理你",
            # as it should be, and a score the site does not allow (thirty-seventh session, a fruit / shampoo list)
            "企业就应该这样", "可惜不能给负分。"]
    asked = ["希望他们保持住并给我们更多的优惠和服务", "建议以后不要用圆通了!", "最好的房间应该是地毯是干净的。",
             "就是冰箱里面没东西可消费。", "2、S282没有数据线", "还有早餐应该更丰富些。", "应该这样做：先退款再换货"]
    flags = RequestDetector(zh_head=_SureZhHead(), zh_alone=0.6).flags(told + asked)
    assert flags.tolist() == [False] * len(told) + [True] * len(asked)


def test_nothing_bad_ones_own_hair_or_order_and_a_hotels_reply_are_not_asks():
    from core.needs import RequestDetector

    # from the second fresh censuses of Chinese strata A and N (bench/labels/feature_requests_census_zh_{a2,n2}.csv)
    told = ["没有什么不好的味道。", "没有一个不好的。", "没有车的人很不方便住这儿", "1.接电源没有几分钟", "4.待机时间没有网上写的长",
            "应该有变质可能", "希望多长点头发!", "希望酒店能够传真给我住宿明细单", "希望诸位会员空闲之时多多给我们宾馆提出建议和评价。",
            "希望下次还能有机会住这里", "建议坚持要求酒店东翼房间。"]
    asked = ["希望也能给我送赠品", "没有早餐不方便", "2、没有蓝牙", "希望京东多点促销活动"]
    flags = RequestDetector(zh_head=_SureZhHead(), zh_alone=0.6).flags(told + asked)
    assert flags.tolist() == [False] * len(told) + [True] * len(asked)


def test_a_hope_about_ones_own_unit_is_not_an_ask():
    from core.needs import RequestDetector

    # phone reviews: flagged by the head alone before the thirty-first session
    told = ["希望能耐用", "希望完好", "只希望这次修好了", "希望激活后有点改善", "希望用多了会改善。", "还没用希望是正品。"]
    asked = ["希望电池能用长时间一点", "希望增加备选铃声", "希望以后能耐用一些的材料"]
    flags = RequestDetector(zh_head=_SureZhHead(), zh_alone=0.6).flags(told + asked)
    assert flags.tolist() == [False] * len(told) + [True] * len(asked)


def test_short_quotes_come_first_among_a_request_groups_examples():
    # the snippet seen on the tab: 70 characters, which a bar of 80 (letters) had left first
    listed = "房间有些嘈杂(应该可以解决的)2、出租车进出非常不便(建议底下停车出来后解放路那个活动封闭口打开就可以解决了)3、早餐厅的确存在着客人还在吃"
    frame = pd.DataFrame({"text": [listed, "希望价格能再便宜一点", "如果能再便宜一点更好"], "lang": "zh", "product": "",
                          "review_id": ["1", "2", "3"]})
    assert len(listed) == 70
    groups = group_requests(frame)
    assert groups["feature"].tolist() == ["价格与优惠"] and groups["requests"].tolist() == [3]
    assert groups["examples"][0] == ["希望价格能再便宜一点", "如果能再便宜一点更好", listed]  # the list last, not first


def test_a_request_counts_once_per_review():
    # one online_shopping_10_cats review says the same ask eleven times; it stood third among 6,000 reviews' requests
    said = "只是这个标签牌会戳死人的你们那么多年就不知道改进一下?"
    frame = pd.DataFrame({"text": [said] * 11 + ["希望有蓝牙。", "希望有蓝牙", "要是有蓝牙就好了"],
                          "lang": "zh", "product": "", "review_id": ["r1"] * 11 + ["r2", "r3", "r4"]})
    groups = group_requests(frame).set_index("feature")["requests"].to_dict()
    assert groups == {"蓝牙": 3, "只是这个标签牌会戳死人的你们…": 1}
    # the same review id in two datasets is two reviews
    two = pd.DataFrame({"text": ["希望有蓝牙。"] * 2, "lang": "zh", "product": "", "review_id": ["7", "7"],
                        "dataset_id": [1, 2]})
    assert group_requests(two)["requests"].tolist() == [2]


def test_a_bare_ask_to_improve_is_grouped_by_its_theme():
    from core.needs import group_requests

    frame = pd.DataFrame({"text": ["希望酒店能改进", "需要改进。", "有待改进", "希望以后价格再优惠点"],
                          "lang": "zh", "product": "", "review_id": ["1", "2", "3", "4"],
                          "theme": ["入住 / 房间 / 酒店", "电池 / 屏幕", "入住 / 房间 / 酒店", "入住 / 房间 / 酒店"]})
    groups = group_requests(frame).set_index("feature")["requests"].to_dict()
    assert groups == {"改进 · 入住 / 房间 / 酒店": 2, "改进 · 电池 / 屏幕": 1, "价格与优惠": 1}
    # without themes (or an unthemed snippet) the bare ask stays one group
    plain = group_requests(frame.drop(columns="theme")).set_index("feature")["requests"].to_dict()
    assert plain == {"改进": 3, "价格与优惠": 1}
    # a catch-all or general-opinion theme says what about nothing: "改进 · 其他话题（后来 / 情况）" was a group
    vague = frame.assign(theme=["其他话题（后来 / 情况）", "总体差评（最差 / 很差）", None, "入住 / 房间 / 酒店"])
    assert group_requests(vague).set_index("feature")["requests"].to_dict() == {"改进": 3, "价格与优惠": 1}


def test_a_bare_ask_to_improve_is_named_by_what_is_said_next_to_it():
    # "房间真的霉味很重 | 有待改进!": the ask's own words name nothing, so its own theme is a guess ("建议改进。" after
    # "客人到店无房住不爽" sat in "餐厅 / 早餐 / 饭店" on 3,000 hotel reviews); the snippet before it says what about
    from core.needs import group_requests

    frame = pd.DataFrame({"text": ["有待改进!", "建议改进。", "亟待改进。", "有待改进：", "希望有浴缸"], "lang": "zh",
                          "product": "", "review_id": ["1", "2", "3", "4", "5"],
                          "theme": ["其他话题（改进 / 味道）", "餐厅 / 早餐", "房间 / 窗户", None, "房间 / 窗户"],
                          "theme_before": ["房间 / 窗户", "前台 / 入住", "总体差评（很差）", None, "前台 / 入住"],
                          "theme_before2": [None, "前台 / 入住", "晚上 / 隔音", None, None],
                          "theme_after": [None, None, "餐厅 / 早餐", "希望与建议（浴缸）", None]})
    groups = group_requests(frame).set_index("feature")["requests"].to_dict()
    # the nearest theme that names a need: before, then two before, then after, then its own; a general-opinion or
    # wishes theme names none, and an ask that names its thing keeps it whatever its neighbours
    assert groups == {"改进 · 房间 / 窗户": 1, "改进 · 前台 / 入住": 1, "改进 · 晚上 / 隔音": 1, "改进": 1, "浴缸": 1}


def test_request_names_read_outside_clothing():
    # SemEval-2014 laptop sentences uploaded as reviews named their asks "better life", "is better speakers",
    # "volume buttons rather than" and "to stop outsoucing"
    assert requested_thing("Battery life could be better") == "better battery life"
    assert requested_thing("the features are great, the only thing it needs is better speakers.") == "better speakers"
    assert requested_thing("I would like to have volume buttons rather than the adjustment on the front.") == \
        "volume buttons"
    assert requested_thing("They need to stop outsourcing customer service.") == "stop outsourcing customer service"
    assert requested_thing("the material could be thicker") == "thicker material"  # one word stays one word


def test_the_recent_window_ends_at_the_newest_review_not_the_newest_complaint():
    """Complaints that stopped weeks before the newest review are not recent: the window the test reads is the one
    the page shades (ending at the newest review), not one slid back to the last complaint."""
    mentions = _mentions(spike=True)  # the shipping spike is in the last two weeks of the complaints
    last_complaint = mentions["date"].max()
    assert emerging(mentions, 21).set_index("theme").loc["shipping", "emerging"]
    assert emerging(mentions, 21, as_of=last_complaint).equals(emerging(mentions, 21))
    later = last_complaint + pd.Timedelta(days=30)  # reviews went on, without complaints, for a month
    quiet = emerging(mentions, 21, as_of=later)
    assert not quiet["emerging"].any() and (quiet["recent"] == 0).all()
    # an as_of before the newest complaint never drops complaints from the test
    assert emerging(mentions, 21, as_of=last_complaint - pd.Timedelta(days=60)).equals(emerging(mentions, 21))


def test_need_types_of_compact_vectors_make_no_full_float32_copy():
    """A million reviews keep their vectors as float16; typing them made a float32 copy of all of them (1.1 GB of the
    pipeline's peak at 1M, bench/scale.py). Scoring runs a chunk of rows at a time, with the same types."""
    import tracemalloc

    from core.chunks import CHUNK
    from core.embed import HashingEmbedder

    embed = HashingEmbedder(64).embed
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(8 * CHUNK, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    compact = vectors.astype(np.float16)
    types_before, _ = assign_need_types(vectors, "en", DEFAULT_TAXONOMY, embed)
    tracemalloc.start()
    try:
        types, _ = assign_need_types(compact, "en", DEFAULT_TAXONOMY, embed)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    full_copy = len(compact) * 64 * 4
    assert peak < 0.5 * full_copy, f"peak {peak / 1e6:.0f} MB against a {full_copy / 1e6:.0f} MB float32 copy"
    assert (types == types_before).mean() > 0.999  # float16 rounding moves a few near a tie
