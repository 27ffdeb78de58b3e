"""Chinese phrase banks for the sample city's notes.

Every bank is a tuple of fragments. Fragments may hold ``{slot}`` placeholders that the composer
fills (see :mod:`loopmap.sample.text_zh_note`): ``m`` (the merchant or a generic referent),
``item``, ``item2``, ``side``, ``word`` (the topic word, e.g. 咖啡), ``shop`` (e.g. 咖啡店),
``unit`` (e.g. 一杯), ``adj`` (e.g. 好喝), ``act``, ``got``, ``verb``, ``very``, ``staff``,
``spot``, ``color``, ``style``, ``music``, ``light``, ``comp``, ``withp``, ``when``,
``weather``, ``mins``, ``walk``, ``walk_clause``, ``tm``, ``n``, ``month``, ``day``, ``price``,
``price2``, ``score``, ``stars``, ``hr``, ``hrs``, ``where``, ``scene``, ``seats``, ``gift``,
``space``, ``taste``, ``verdict``, ``hook``, ``e``, and ``f`` (missing place forms).

``{where}`` (and ``{price}``, ``{m}``) templates are only used when the plan supplies them.

No fragment names a real place: place names only ever come from the note plan.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ARRIVE",
    "ASK",
    "COLORS",
    "COMPANIONS",
    "CTA",
    "EMOJI",
    "FALLBACK",
    "FOUND",
    "GIFTS",
    "HOOK_BAD",
    "HOOK_GOOD",
    "INTENSIFIERS",
    "LIGHTS",
    "LOC",
    "MUSIC",
    "NEXT",
    "NUMBER_WORDS",
    "ORDER",
    "ORDER_MENU",
    "PHOTO",
    "PRICE_FORMS",
    "PRICE_VALUE",
    "REASON",
    "SCORES",
    "SERVICE",
    "SIDE_TASTE",
    "SLANG",
    "SPACE_GENERIC",
    "STYLES",
    "TERMS_CALM",
    "TERMS_EXCITED",
    "TIPS",
    "VERDICT",
    "VERDICT_PREFIX",
    "WALK_CLAUSES",
    "WEATHER",
    "WHEN",
    "WITH_PHRASES",
    "Kit",
    "bank",
]


def bank(block: str) -> tuple[str, ...]:
    """Split a block of fragments on newlines and ``|`` into a tuple.

    Parameters
    ----------
    block
        Fragments separated by newlines or ``|``; blank fragments are dropped.

    Returns
    -------
    tuple of str
        The stripped fragments, in order.
    """
    out: list[str] = []
    for line in block.split("\n"):
        for part in line.split("|"):
            frag = part.strip()
            if frag:
                out.append(frag)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Kit:
    """Vocabulary for one kind of place in one language.

    Attributes
    ----------
    word
        The topic word (咖啡, coffee) used in titles and tags.
    adj
        The praise adjective for the place's product (好喝, 好吃, 好逛).
    act
        What one does there (喝咖啡, 吃饭).
    got
        Verb for getting the product (喝到, 吃到, 买到).
    ref
        Generic referents for the place when no merchant is named.
    verb
        Ordering verbs (点了, 买了, 做了).
    items, sides
        Main and secondary products, menu items, exhibits or services.
    good, meh, bad
        Clauses judging a product, by verdict tier.
    space
        Ambience clauses.
    spots
        Photo spots.
    scene
        Who or what the place suits.
    staff
        Words for the staff.
    tags
        Hashtags about the kind of place.
    city_tags
        Suffixes appended to a city or area surface form to make a hashtag.
    emoji
        Emoji for the kind of place.
    opens, closes
        Plausible opening and closing times.
    menu
        True when the place sells things one orders from a menu (food, drinks).
    unit
        Measure word for one product (一杯, 一份), empty when none fits.
    shop
        Noun for this kind of place (咖啡店, 展馆), used in hooks like 宝藏咖啡店.
    indoor
        False for open-air places (parks): no decor, queue or service talk.
    """

    word: str
    adj: str
    act: str
    got: str
    ref: tuple[str, ...]
    verb: tuple[str, ...]
    items: tuple[str, ...]
    sides: tuple[str, ...]
    good: tuple[str, ...]
    meh: tuple[str, ...]
    bad: tuple[str, ...]
    space: tuple[str, ...]
    spots: tuple[str, ...]
    scene: tuple[str, ...]
    staff: tuple[str, ...]
    tags: tuple[str, ...]
    city_tags: tuple[str, ...]
    emoji: tuple[str, ...]
    opens: tuple[str, ...]
    closes: tuple[str, ...]
    menu: bool = True
    unit: str = ""
    shop: str = "小店"
    indoor: bool = True


# --------------------------------------------------------------------------------------------
# small slot values

COMPANIONS = bank("""
闺蜜|男朋友|对象|老公|老婆|室友|同事|姐妹|朋友|妈妈|爸妈|大学同学|前同事|饭搭子|咖啡搭子
高中同学|健身搭子|新认识的朋友|表妹|男票|女朋友|发小|老板|实习生妹妹|隔壁工位的同事|网友
""")

WITH_PHRASES = bank("""
和{comp}|跟{comp}|约了{comp}|带着{comp}|和{comp}一起|拉上{comp}|被{comp}拖着|下班约了{comp}
和{comp}|跟{comp}|一个人|一个人偷偷
""")

WHEN = bank("""
周六下午|周日上午|周五下班后|工作日中午|周末早上|上周末|昨天下午|今天中午|五一假期
国庆假期|端午那天|调休的周一|下班以后|午休的时候|某个工作日的傍晚|周六早上十点多|周日傍晚
请了年假的周三|生日那天|520那天|圣诞前一天|跨年那天|元旦假期|情人节|清明假期|中秋节前一天
周四晚上|周二下午|刚发工资的周末|加完班的周五|放假第一天|开学前最后一个周末|台风过后的周末
""")

WEATHER = bank("""
下着小雨|大太阳|阴天|刚下过雨|秋高气爽|有点闷热|风很大|突然降温|天气超好|晴空万里
梅雨季湿答答的|冷到发抖|三十七度高温|阳光刚刚好|飘着毛毛雨|雾蒙蒙的|难得的蓝天白云
夕阳特别好看|回南天|桂花开了满街香|樱花季|落叶满地|初雪那天|春风很舒服|热到冒烟
""")

STYLES = bank("""
原木|极简|复古|工业|奶油|中古|法式|日式|侘寂|美式复古|港式|北欧|vintage|Y2K|ins|热带
包豪斯|新中式|森系|黑白|胶片感|意式|小清新|孟菲斯|海岛|老钱|殖民地|废土|赛博
""")

MUSIC = bank("""
爵士|city pop|lo-fi|bossa nova|粤语老歌|后摇|黑胶老唱片|法语香颂|R&B|独立民谣|古典乐
日系小清新的歌|周杰伦的老歌|蓝调|电子乐|九十年代金曲|英伦摇滚|钢琴曲|拉丁|放克
""")

LIGHTS = bank("""
光线很柔和|采光超级好|灯光偏暗很有氛围|阳光从落地窗洒进来|暖黄色的灯光很治愈
自然光特别好|下午的光影绝美|晚上点了蜡烛|顶灯有点刺眼|光线有点暗，拍照要开夜景
""")

COLORS = bank("""
白色|奶白|米色|燕麦色|浅蓝|黑色|卡其|棕色|墨绿|红色|碎花|牛仔|焦糖色|浅粉|灰色|橄榄绿
""")

GIFTS = bank("""
一块小饼干|一小杯试饮|一张明信片|一个小贴纸|一份小零食|一颗糖|一杯柠檬水|一个冰箱贴
""")

INTENSIFIERS = bank("""
超|巨|很|真的很|蛮|贼|超级|太|好|特别|灰常|非常|怪|相当|挺
""")

NUMBER_WORDS = bank("""
二|三|四|五|N|2|3|4|好几
""")

EMOJI = bank("""
✨|🔥|💯|😭|🥹|🤤|😍|👍|🙌|💖|🌟|📸|🫶|🥰|💕|👀|😋|🤩|❤️|🌈|🍃|☀️|🌙|💫|😂|🤣|😌|🙏|👏|🥳
""")

SLANG = bank("""
绝绝子|yyds|狠狠爱了|谁懂啊|救命|hhh|笑死|真的会谢|绝了|好好次|nb|无语子|爱了爱了
家人们|集美们|宝子们|冲冲冲|蛮灵的|侬晓得伐|啊啊啊|呜呜呜|哈哈哈哈|我真的会哭|栓Q
""")

TERMS_EXCITED = ("！", "！", "！！", "!", "!!", "！！！", "～", "~", "！", "😭", "✨", "！")
TERMS_CALM = ("。", "。", "。", "～", "…", "。", "。", "~", "。")

# --------------------------------------------------------------------------------------------
# openings

FOUND = bank("""
在小红书刷到{m}好多次了|收藏了{m}很久，今天终于来了|朋友强烈安利的{m}|{comp}带我来的{m}
路过{m}被门头吸引，临时决定进去|本来要去别家，排队太长，转身进了{m}
看到博主推{m}，抱着试试的心态来了|刷同城的时候看到{m}|被{m}的照片种草了好久
住附近的{comp}推荐了{m}|citywalk路过{m}顺手打卡|第一次来{m}|二刷{m}|{m}已经是第{n}次来了
{comp}说{m}的{item}是全城最{adj}的|收藏夹里躺了半年的{m}|在评论区看到有人提{m}
{m}是{comp}的私藏，今天被我挖出来了|搬家到附近之后发现了{m}|等了一个多月终于约到{m}
{withp}去了{m}|{when}{withp}去了{m}|{when}顺路去了{m}|趁着{weather}去了{m}
{m}最近好像很火|这次来{m}是冲着{item}来的|本来只是想找个地方坐坐，就进了{m}
""")

ARRIVE = bank("""
{when}，{weather}|{month}月{day}号，{weather}|{when}{withp}出门|{weather}的{when}
今天{weather}，心情也跟着好起来|记录一下{when}|{when}没什么安排|周末不想宅家
上班太累了需要充电|难得{weather}|{when}临时起意出门|最近压力好大，给自己放个假
""")

HOOK_GOOD = bank("""
救命，{m}的{item}也太{adj}了吧|谁懂啊，{m}真的是我的本命{shop}|终于找到一家不踩雷的{shop}了
被{m}狠狠拿捏住了|姐妹们，{m}真的可以闭眼冲|今天来交作业：{m}|来还愿了，{m}
给大家汇报一下{m}的真实体验|不吹不黑，说说{m}|真实测评{m}，不是广|自费探店{m}
我宣布{m}是我今年的{word}天花板|{m}这家店真的{very}{adj}|又来{m}了，根本戒不掉
挖到宝了，{m}|{m}的{item}我能喝一辈子|这次的{m}真的没让我失望|心动了，{m}
""")

HOOK_BAD = bank("""
来给大家排个雷：{m}|本来期待值很高的{m}|心情复杂地写下这篇{m}|说实话有点失望，{m}
{m}，我真的尽力了|冲着口碑去的{m}，结果……|不想说太重的话，但{m}真的一般
纯纯踩雷，{m}|被网图骗了，{m}|{m}到底是谁在吹|写个真实感受：{m}|这篇是劝退，{m}
排了半天队的{m}|{m}，有点对不起这个排队|真的不是黑，{m}
""")

LOC = bank("""
{m}在{where}|就在{where}|位置在{where}，{walk_clause}|{where}这边的{m}|坐标{where}
{m}开在{where}比较安静的一段|{where}，{walk_clause}|地址在{where}|在{where}附近
""")

WALK_CLAUSES = bank("""
从地铁站走过来大概{walk}分钟|藏在一条小弄堂里，第一次来很容易错过|门口有一棵很大的梧桐树
沿街的小门面，不仔细看会走过头|要穿过一个小院子才能看到门|在二楼，楼梯口有个小牌子
打车过来很方便|附近不太好停车|旁边就是公交站|骑车过来{walk}分钟
""")

# --------------------------------------------------------------------------------------------
# the visit

SPACE_GENERIC = bank("""
整体是{style}风|{style}风的装修很有质感|店里放着{music}|背景音乐是{music}，很chill|{light}
座位不多，大概{seats}个|空间很宽敞|有点挤|桌子间距有点小|氛围感拉满|松弛感十足
很适合发呆|有室外座位|可以带狗狗进去|门口的植物养得很好|干净整洁|{style}风配上{music}
装修一看就花了心思|人不多很安静|人有点多，说话要喊|味道闻着就很舒服|到处都是小细节
""")

ORDER = bank("""
{verb}{item}和{side}|这次{verb}{item}|{comp}选的是{item2}，我{verb}{item}|冲着{item}来的
{staff}推荐了{item}|第一次{verb}{item}|这次终于{got}了{item}|上次没{got}的{item}这次补上了
两个人{verb}{item}和{item2}|主要是为了{item}|{verb}{item}，顺便{verb}{side}
""")

ORDER_MENU = bank("""
招牌{item}必点|菜单上最火的是{item}|先{verb}{item}，又加了{side}|{verb}{unit}{item}
{verb}{item}+{side}|必点的{item}|{verb}{item}、{item2}、{side}
{comp}点的是{item2}，我{verb}{item}
点单：{item}+{side}|{verb}{unit}{item}和{unit}{item2}|菜单翻了半天最后{verb}{item}
""")

SIDE_TASTE = (
    bank("""
{side}意外地好吃|{side}外酥里软|{side}甜度刚好|{side}是惊喜|{side}现做的很香
{side}也很能打|{side}分量很足|配的{side}也不错
"""),
    bank("""
{side}一般般|{side}有点干|{side}中规中矩|{side}甜得有点齁|{side}可以不点
{side}分量有点少
"""),
    bank("""
{side}硬得像石头|{side}明显不新鲜|{side}完全没味道|{side}一股冰箱味|{side}齁甜
{side}不值这个价
"""),
)

SERVICE = (
    bank("""
{staff}全程冷脸|等了{mins}分钟都没人理|{staff}态度很敷衍|点单的时候一直被催
上错了两次|桌子一直没人收|{staff}在玩手机|问问题{staff}一脸不耐烦|出品慢到离谱，等了{mins}分钟
{staff}说话很冲|坐下没多久就被暗示翻台|结账的时候多算了钱
"""),
    bank("""
服务中规中矩|{staff}不太热情但也不冷淡|出品有点慢，等了{mins}分钟|人多的时候照顾不过来
{staff}有点忙顾不上|服务没什么记忆点|要自己去吧台取|{staff}挺客气的
"""),
    bank("""
{staff}很nice|{staff}很热情，会主动介绍|出品挺快的|{staff}还送了{gift}|服务挺周到
{staff}会问口味偏好|{staff}小哥哥很耐心|等位的时候{staff}给倒了水
"""),
    bank("""
{staff}超级nice|{staff}人超好，聊了很久|{staff}会记住熟客的口味|{staff}还送了{gift}
{staff}很耐心地帮我们拍照|服务细节满分|{staff}小姐姐颜值很高hhh|{staff}超有耐心
出品很快，{mins}分钟就上齐了|离开的时候{staff}还送到门口
"""),
)

PRICE_FORMS = bank("""
人均{price}|人均¥{price}|人均{price}r|人均{price}左右|💰人均{price}|两个人花了{price2}
一共{price2}（两个人）|人均大概{price}块|人均不到{price}|差不多{price}一个人|人均{price}米
""")

PRICE_VALUE = (
    bank("""
这个价格真的不值|妥妥的智商税|贵得离谱|性价比极低|钱包在哭泣|吃完有点心疼
这钱花得我很后悔|不如去楼下便利店
"""),
    bank("""
稍微有点小贵|价格中规中矩|偶尔来一次还行|不算便宜|对得起环境吧|性价比一般
"""),
    bank("""
性价比还可以|价格可以接受|不算贵|在市中心算实惠的|这个价格合理|学生党也能冲
"""),
    bank("""
性价比很高|这个价格很良心|物超所值|贵但值得|真的不贵|闭眼冲的价格|比想象中便宜
"""),
)

TIPS = bank("""
周末下午要排{mins}分钟左右|工作日{tm}点前来基本不用等|建议{tm}点之前到|饭点要排队，最好错峰
可以提前在小程序取号|需要提前一天预约|不接受预约，只能现场排|{hrs}|晚上来人少一点
下雨天人反而少|周一店休，别白跑|位置少，建议两三个人来|有最低消费|周末限时两小时
插座不多，办公党早点来占座|{when}来的时候人刚好不多|排了{mins}分钟才进去|节假日人巨多
门口可以停共享单车|营业到挺晚的，下班来也行|最好提前打电话问一下
""")

PHOTO = bank("""
{spot}很出片|机位推荐{spot}|建议穿{color}系的衣服来拍|{tm}点左右光线最好
手机原相机直出就很好看|{spot}是必拍机位|随手一拍都是大片|适合拍vlog|{spot}拍人像绝了
{color}系穿搭和{spot}很搭|出片率百分百|拍照的人有点多，要等一等
""")

VERDICT = (
    bank("""
踩雷了，大家避雷|真的别来，避雷避雷|拔草，不推荐|纯纯智商税|不会再来第二次
网红店果然不能信|建议绕道|后悔没看差评|这次踩大雷了|给个避雷，不用谢
"""),
    bank("""
中规中矩吧，不会专门再来|一般般，拔草了|打卡一次就够了|没有想象中惊艳
路过可以试试，专门来就算了|有点名不副实|期待太高了，一般|还行吧，不踩雷也不惊艳
"""),
    bank("""
整体还不错，推荐|值得一来|附近的话可以来坐坐|会再来的|挺满意的|小小种草一下
是会想二刷的店|整体体验挺好的|比预期好一些
"""),
    bank("""
强推，会回购的程度|yyds，已经在计划三刷了|无限回购|闭眼冲|本命店了|真的宝藏
会一直来的店|好到想私藏|狠狠种草|今年最满意的一家
"""),
)

SCORES = bank("""
综合评分：{score}/10|个人打分{score}分|推荐指数{stars}|打分：{score}/10|私心评分{score}
""")

CTA = (
    bank("""
大家别踩坑了|避雷避雷|仅代表个人体验|不要被照片骗了|想去的姐妹三思|有同感的举个手
"""),
    bank("""
仅代表个人口味哈|有去过的可以评论区聊聊|大家自行判断|路过可以试试|各位随意
"""),
    bank("""
附近的集美可以去试试|感兴趣的可以去看看|推荐给{scene}的朋友|有空可以去坐坐|码住不亏
"""),
    bank("""
姐妹们冲|快带上{comp}去打卡吧|冲就完事了|赶紧收藏|下次还来|相信我，冲|去了回来谢我
"""),
)

ASK = bank("""
有没有去过的宝子说说{item}值不值得点|{item}和{item2}到底选哪个|有人{got}过{item}吗
求避雷，{item}会不会踩雷|大家{act}都去哪|还有什么类似的{shop}求推荐|你们最喜欢哪家的{item}
评论区分享一下你们的{word}私藏|{when}有没有一起的|附近还有什么{act}的好去处
有没有懂{item}的姐妹|{item}是不是智商税|想带{comp}去，合适吗|{scene}的话推荐吗
""")

REASON = bank("""
冲着{item}去的|想找个地方{scene}|刚好在附近办事|那天是{comp}生日|顺路|想换个地方{act}
被{comp}拉来的|听说{item}是招牌|{when}刚好有空|想犒劳一下自己|本来只是路过|{comp}请客hhh
趁着{weather}出门走走|下班太累想找个地方坐坐|临时起意|约了{comp}叙旧
""")

NEXT = (
    bank("""
{item2}应该也不会再试了|就不带{comp}来了|下次换一家吧|{item2}也不想试了|不会再为它排队了
"""),
    bank("""
下次可能会试试{item2}|带{comp}来一次就够了|除非顺路不然不会专门来|{item2}看别人说还行
"""),
    bank("""
下次想试试{item2}|下次要带{comp}来|{item2}留着下次|还想再来试试{item2}|下次带{comp}再来
"""),
    bank("""
下次再来就点{item2}|已经约好{comp}下周再来|{item2}必须安排上|下次要把{item2}也试一遍
{item2}也要安排上|下周还要带{comp}再来
"""),
)

VERDICT_PREFIX = (
    "",
    "",
    "总之",
    "总的来说",
    "整体",
    "一句话：",
    "个人觉得",
    "说真的",
    "最后",
    "结论：",
)

FALLBACK = bank("""
📍{f}|坐标{f}|📍{f}附近|地址：{f}|📍 {f}｜{walk_clause}|位置在{f}，{walk_clause}
📍{f}（{walk_clause}）
""")
