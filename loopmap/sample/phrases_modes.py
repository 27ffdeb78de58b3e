"""Chinese phrase banks for titles and for the non-visit kinds of note.

Wishlist (收藏 / heard-about) notes, paid promotions, notes about a topic in general, walks
around an area, list-style labels and titles. Slots are those of :mod:`loopmap.sample.phrases`.
"""

from __future__ import annotations

from loopmap.sample.phrases import bank

__all__ = [
    "BULLET_LABELS",
    "DIARY_END",
    "GEN_ASK",
    "GEN_BODY",
    "GEN_OPEN",
    "GEN_TIP",
    "GEN_WHERE",
    "PAID_CTA",
    "PAID_OPEN",
    "PAID_PRAISE",
    "PAID_TAGS",
    "SECTION_LABELS",
    "SECTION_MARKS",
    "SHORT_VISIT",
    "TAGS_GENERIC",
    "TITLE_AREA",
    "TITLE_GENERAL",
    "TITLE_HOOKS",
    "TITLE_MERCHANT",
    "TITLE_PAID",
    "TITLE_WISH",
    "WALK_BODY",
    "WALK_OPEN",
    "WALK_VERDICT",
    "WALK_WISH",
    "WISH_HEARD",
    "WISH_MOOD",
    "WISH_OPEN",
    "WISH_PLAN",
]

# --------------------------------------------------------------------------------------------
# wishlist notes

WISH_OPEN = bank("""
刷到{m}好几次了|收藏夹吃灰的{m}|朋友去了{m}说{item}绝了|看到好多姐妹打卡{m}
{comp}一直在我耳边念叨{m}|{m}最近在首页疯狂出现|先码住{m}|被{m}种草了
有人去过{m}吗|{m}是不是又火了|今天刷到{m}的视频|种草了{m}，还没去
把{m}加进了周末清单|{m}在我的想去清单里排第一|看评论都在夸{m}
""")

WISH_HEARD = bank("""
听说{item}是招牌|据说{item}要提前订|看图{space}|听说人均{price}左右|好像{hrs}
评论里都说{item}必点|听说周末要排{mins}分钟|看起来很适合{scene}|据说{spot}很出片
听朋友说{staff}人很好|有人说{item}{taste}|看菜单{item}和{side}都想试
""")

WISH_PLAN = bank("""
准备{when}{withp}去|等发工资就去|下周一定要去|打算{month}月去|等天气好一点就去
计划和{comp}一起去|过两天路过去看看|先收藏，周末安排|找个工作日请假去
""")

WISH_MOOD = (
    bank("""
但看评论好像有人踩雷，有点犹豫|怕是网红店，求避雷|评价两极分化，不知道该不该去
有人说是智商税，真的假的|怕踩雷，想听听真实评价
"""),
    bank("""
不知道实际怎么样|希望不要踩雷|先观望一下|去了再来汇报|有点好奇
"""),
    bank("""
看着挺不错的|感觉会是我喜欢的类型|看图就很心动|感觉值得一去|应该不会踩雷吧
"""),
    bank("""
已经迫不及待了|看图就已经爱上了|狠狠种草|这不得冲|感觉会成为我的本命店
"""),
)

# --------------------------------------------------------------------------------------------
# paid promotions

PAID_OPEN = bank("""
宝藏{shop}被我挖到了|姐妹们！{m}真的太太太{adj}了|终于来打卡了{m}|挖到一家神仙{shop}
今天给大家分享一家超级宝藏的店|{m}真的是我心中的天花板|被问爆了的{m}来啦|这家店真的绝了
按头安利{m}|{m}也太{adj}了吧|强烈推荐{m}|人生必去的{m}|这家{m}我要吹爆
""")

PAID_PRAISE = bank("""
环境美到窒息|每个角落都超级出片|服务超级贴心|性价比超高|氛围感直接拉满|颜值和味道都在线
每一口都是幸福的味道|来了就不想走|随手一拍都是大片|细节满满|高级感拉满
真的是一家有灵魂的店|品质真的没话说|用料很讲究|每一处都精心设计|满满的仪式感
招牌{item}一定要试|{item}真的是一绝|{item}颜值超高|拍照超级好看|约会闺蜜聚会都很合适
老板超级用心|真的很适合周末来放松|绝对是本地宝藏|无论什么时候来都很惊艳
新店开业还有活动|服务态度一百分|处处都是氛围感|小众又高级|真的被惊艳到了
""")

PAID_CTA = bank("""
姐妹们冲就完事了|一定要去打卡|赶紧收藏起来|快约上姐妹一起去|错过真的会后悔
周末就安排上|去了记得拍照|不去真的亏了|冲冲冲|谁去谁知道|真心推荐
""")

PAID_TAGS = bank("""
宝藏店铺|氛围感|必打卡|网红店|探店|好店推荐|吃喝玩乐|周末去哪儿|约会圣地|拍照圣地
小众宝藏|城市宝藏|今日份好店|打卡地|高颜值|新店推荐|出片|闺蜜聚会|ootd|拍照打卡
""")

# --------------------------------------------------------------------------------------------
# notes about a topic in general

GEN_OPEN = bank("""
最近爱上了{act}|分享一下我的{word}日常|周末的快乐就是{act}|一个人{act}也很快乐
这个月{act}的次数有点多hhh|{act}已经成了我的续命方式|记录一下最近的{word}生活
发现{act}是最便宜的快乐|不知不觉{act}一年了|今天也是{act}的一天|{weather}的日子适合{act}
""")

GEN_BODY = bank("""
最近{got}最多的是{item}|{item}永远是我的首选|换着试了{item}和{item2}|对{item}越来越挑了
比起{item2}还是更爱{item}|会特意找有{item}的店|{item}{taste}的最戳我|最近在研究{item}
周末会带{comp}一起|通常{tm}点左右出门|一般人均{price}左右|{scene}的时候最舒服
""")

GEN_WHERE = bank("""
在{where}{act}的第{n}年|{where}的{word}真的越来越卷了|在{where}住久了
{where}的{shop}真的太多了
作为在{where}上班的打工人|来{where}之后才开始{act}|{where}的周末总是很忙
""")

GEN_TIP = bank("""
小tips：尽量错峰去|工作日人会少很多|去之前最好看看营业时间|新店开业期间人特别多
不要只看网图，去之前看看评论|跟着本地人走不会错|多试几家才知道自己喜欢什么
""")

GEN_ASK = bank("""
你们最近爱去哪里{act}|评论区交换一下私藏吧|大家都是怎么找店的|有没有同好|求推荐
你们是{item}派还是{item2}派|大家周末都去哪|有一样的姐妹吗
""")

# --------------------------------------------------------------------------------------------
# walks around an area (no merchant named)

WALK_OPEN = bank("""
{when}在{where}闲逛了一下午|{withp}去{where}citywalk|趁着{weather}去{where}走了走
{where}真的是百逛不腻|又来{where}了|{where}半日游|下班后去{where}散步
第一次认真逛{where}|带{comp}逛了一圈{where}|{where}的秋天太好看了|{where}随便走走
""")

WALK_BODY = bank("""
路边的小店都很有味道|随便拐进一家小店{verb}{item}|沿着梧桐树一直走到头|街角有人在弹吉他
老房子的窗台上都是花|很多小店门口都摆着外摆|走累了就找个地方坐下来{act}
一路上都是遛狗的人|有好多值得拍的小角落|阳光透过树叶洒下来|路边的{spot}很出片
人不算多，走得很舒服|一个小时就能逛完|有几家小店门口在排队|随手拍都很有氛围
""")

WALK_WISH = bank("""
收藏了一条{where}的citywalk路线|一直想去{where}走走|听说{where}最近很好逛
{where}的照片看得我心痒痒
想趁{weather}去{where}散步|{where}在我的周末清单上|下次要去{where}拍照
""")

WALK_VERDICT = (
    bank("""
人太多了，体验很差|商业化太严重了，不推荐|没什么好逛的，拔草|网图骗人，避雷|走了一圈很失望
"""),
    bank("""
还行吧，逛一次就够了|比想象中小|一般般，适合顺路|没有网上说的那么好
"""),
    bank("""
很适合周末来走走|值得一逛|走走停停很舒服|会再来的|小小推荐一下
"""),
    bank("""
百逛不腻|强推这条路线|最爱的citywalk路线没有之一|每个季节都好看|本地人都爱来
"""),
)

DIARY_END = bank("""
今天也是被治愈的一天|记录一下美好的周末|明天又要上班了呜呜|下次再来|就酱|开心的一天又过去了
周末就这样结束啦|快乐很简单|这就是生活吧|晚安
""")

SHORT_VISIT = bank("""
{m}的{item}{very}{adj}|{m}的{item}{taste}|{m}打卡|今日份{word}：{m}|{m}二刷
{m}的{item}{taste}，{verdict}|{m}，{verdict}|{m}的{item}，{verdict}|路过{m}{verb}{item}
""")

# --------------------------------------------------------------------------------------------
# list-style notes

BULLET_LABELS = {
    "where": (("📍", "地址"), ("📍", "位置"), ("📍", "坐标"), ("🏠", "地址"), ("🗺️", "")),
    "price": (("💰", "人均"), ("💴", "价格"), ("💸", "人均"), ("💰", "")),
    "hours": (("⏰", "营业时间"), ("🕙", "营业"), ("⏰", ""), ("🕐", "时间")),
    "order": (("🍽️", "必点"), ("⭐", "推荐"), ("📝", "点单"), ("👍", "推荐")),
    "score": (("🌟", "推荐指数"), ("💯", "评分"), ("⭐", "打分")),
    "note": (("💬", "感受"), ("📌", "tips"), ("🔖", "备注"), ("💡", "小贴士")),
}

SECTION_MARKS = (
    ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣"),
    ("①", "②", "③", "④", "⑤", "⑥"),
    ("1.", "2.", "3.", "4.", "5.", "6."),
    ("一、", "二、", "三、", "四、", "五、", "六、"),
    ("▪️", "▪️", "▪️", "▪️", "▪️", "▪️"),
    ("🔸", "🔸", "🔸", "🔸", "🔸", "🔸"),
    ("-", "-", "-", "-", "-", "-"),
)

SECTION_LABELS = {
    "space": ("环境", "氛围", "装修", "环境氛围"),
    "order": ("口味", "出品", "味道", "点单"),
    "service": ("服务", "态度", "服务体验"),
    "price": ("价格", "性价比", "消费"),
    "tip": ("tips", "注意", "小贴士", "排队"),
    "photo": ("拍照", "出片", "机位"),
    "verdict": ("总结", "总评", "结论", "一句话"),
}

# --------------------------------------------------------------------------------------------
# titles

TITLE_HOOKS = (
    bank("""
避雷|踩雷实录|拔草|劝退|真的不推荐|别去了|智商税|谁在吹|失望|排雷|不值得排队|翻车了
"""),
    bank("""
中规中矩|一般般|理性分析|真实体验|值不值得去|说点实话|不吹不黑|普普通通|还行吧
"""),
    bank("""
还不错|值得一来|小众宝藏|意外惊喜|可以二刷|氛围感不错|适合周末|松弛感|舒服
"""),
    bank("""
yyds|绝绝子|狠狠爱住|回购无数次|宝藏小店|一口入魂|氛围感拉满|出片率100%|本地人私藏
我的本命店|终于被我找到了|好到哭|救命好{adj}|天花板|闭眼冲|无限回购|神仙店
"""),
)

TITLE_MERCHANT = bank("""
{m}｜{hook}|「{m}」{hook}|{hook}｜{m}|{m}，{hook}|二刷{m}｜{hook}|{m}的{item}{hook}
{where}｜{m}{hook}|{m}｜{item}真的{hook}|{m}｜人均{price}的{word}|{m}真实测评｜{hook}
在{m}{got}了{item}｜{hook}|{m}：{hook}|{m}，{hook}！|{word}探店｜{m}|{m}｜{where}
""")

TITLE_WISH = bank("""
收藏｜{m}|种草{m}，有人去过吗|{m}求避雷|码住！{m}|{m}值得去吗|想去{m}|{m}是不是智商税
周末想去{m}|有没有人去过{m}|{where}的{m}求测评|下次一定去{m}|{m}｜先收藏
""")

TITLE_PAID = bank("""
{m}｜{hook}|宝藏{shop}｜{m}|{where}必打卡！{m}|{m}真的绝了|吹爆{m}|{m}｜周末约会好去处
{m}｜氛围感拉满|被问爆的{m}|{m}｜拍照圣地|神仙{shop}{m}|{m}｜不去后悔
""")

TITLE_AREA = bank("""
{where}citywalk｜{hook}|{where}半日游|周末在{where}闲逛|{where}{word}｜{hook}|{where}｜{hook}
在{where}找到了宝藏{shop}|{where}的{word}地图|逛{where}｜{hook}|{where}随手拍
""")

TITLE_GENERAL = bank("""
{word}日记｜{hook}|我的{word}日常|{month}月{word}记录|关于{word}的几个小tips|一个人的{word}时光
{act}的快乐|{word}续命中|周末{word}｜{hook}|最近爱上的{item}|{item}爱好者的碎碎念
{where}{word}｜{hook}|今日份{word}|{word}人的一天
""")

TAGS_GENERIC = bank("""
探店|周末去哪儿|城市漫步|citywalk|宝藏小店|打卡|生活记录|日常碎片|今日份快乐|小众宝藏
周末好去处|城市生活|吃喝玩乐|生活碎片|记录生活|一人食|约会|闺蜜|vlog日常|松弛感
""")
