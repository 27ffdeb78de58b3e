"""English phrase banks for the sample city's notes (expat / traveller voice).

Slots are those of :mod:`loopmap.sample.phrases`; ``{where}`` is a location phrase built only
from the note plan's surface forms.
"""

from __future__ import annotations

from loopmap.sample.phrases import bank

__all__ = [
    "ARRIVE_EN",
    "ASK_EN",
    "CHINGLISH",
    "CHINGLISH_BAD",
    "COLORS_EN",
    "COMPANIONS_EN",
    "CTA_EN",
    "EMOJI_EN",
    "FALLBACK_EN",
    "FOUND_EN",
    "GEN_BODY_EN",
    "GEN_OPEN_EN",
    "GIFTS_EN",
    "HOOK_BAD_EN",
    "HOOK_GOOD_EN",
    "LIGHTS_EN",
    "LOC_EN",
    "MUSIC_EN",
    "NEXT_EN",
    "ORDER_EN",
    "PAID_EN",
    "PAID_OPEN_EN",
    "PHOTO_EN",
    "PRICE_FORMS_EN",
    "PRICE_VALUE_EN",
    "REASON_EN",
    "SERVICE_EN",
    "SHORT_EN",
    "SIDE_TASTE_EN",
    "SPACE_EN",
    "STYLES_EN",
    "TAGS_EN",
    "TIPS_EN",
    "TITLE_AREA_EN",
    "TITLE_GENERAL_EN",
    "TITLE_HOOKS_EN",
    "TITLE_MERCHANT_EN",
    "TITLE_WISH_EN",
    "VERDICT_EN",
    "VERDICT_PREFIX_EN",
    "WALK_BODY_EN",
    "WALK_CLAUSES_EN",
    "WALK_OPEN_EN",
    "WEATHER_EN",
    "WHEN_EN",
    "WISH_EN",
    "WITH_EN",
]

COMPANIONS_EN = bank("""
my partner|a friend|my flatmate|two colleagues|my sister|my mum|the in-laws|a date
my language exchange buddy|the dog|some friends from work|my boyfriend|my girlfriend
a visiting friend
""")

WITH_EN = bank("""
with {comp}|with {comp}|together with {comp}|with {comp} in tow|solo|alone with a book
""")

WHEN_EN = bank("""
on Saturday afternoon|on a Sunday morning|after work on Friday|on a weekday lunch break
last weekend|yesterday afternoon|this morning|during the May holiday|over Golden Week
on a rainy Tuesday|one evening after yoga|on my day off|on a random Wednesday|last Sunday
before a flight home|on my birthday|on a long weekend|after a very long week
""")

WEATHER_EN = bank("""
pouring rain|blazing sun|grey skies|perfect autumn weather|sticky humidity|a freezing wind
plum rain season drizzle|the first warm day in ages|a gorgeous blue sky|thirty-eight degrees
""")

STYLES_EN = bank("""
minimalist|industrial|mid-century|Japanese|wabi-sabi|vintage|Scandi|French bistro|retro
art deco|cosy cottage|brutalist concrete|tropical|old-money|Y2K
""")

MUSIC_EN = bank("""
jazz|city pop|lo-fi beats|bossa nova|old Cantopop|vinyl soul|French chanson|indie folk
90s hip hop|classical piano|soul classics|ambient electronica|Britpop
""")

LIGHTS_EN = bank("""
gorgeous natural light|moody low lighting|warm yellow lamps everywhere
sun pouring through the big windows|candles on every table|a bit too dark for photos
harsh overhead lights
""")

EMOJI_EN = bank("""
✨|🔥|💯|😭|🙌|😍|👌|🤌|📸|💛|🥲|😅|👀|🫶|😋|🙃|☀️|🌧️
""")

CHINGLISH = bank("""
yyds|绝了|so 出片|must 打卡|vibe 拉满|zhen de hen hao chi|jiayou|好吃!|人均 very ok
hen chill|very 松弛感|种草 success|super 宝藏|xiexie to the staff
""")

CHINGLISH_BAD = bank("""
mamahuhu tbh|拔草 done|踩雷 for real|wuyu|ai ya|bu xing|so 智商税|tai gui le
""")

FOUND_EN = bank("""
Finally made it to {m}|Found my new favourite spot: {m}|{comp} dragged me to {m}
Saw {m} all over my feed so had to check it out|Stumbled into {m} on a walk|Second visit to {m}
Been meaning to try {m} for ages|A friend who lives nearby swore by {m}|Popped into {m} {when}
Took {comp} to {m} {when}|Went to {m} {withp} {when}|Ended up at {m} {when}
A coworker kept going on about {m}|Tried {m} because the place next door had a queue
{m} came up on RedNote like five times this week|Back at {m} for the {n} time
Went out of my way to visit {m}|Wandered into {m} {withp}|Had an hour to kill so tried {m}
""")

ARRIVE_EN = bank("""
{when}, {weather}|{weather} {when}|Quick one from {when}|Diary entry: {when}
Needed to get out of the flat {when}|Had a free afternoon|Weekend mode on|Long week, needed this
""")

HOOK_GOOD_EN = bank("""
Okay {m} lives up to the hype|Honestly {m} might be the best {word} spot I've found here
Can't stop thinking about the {item} at {m}|{m} is a proper hidden gem|Obsessed with {m}
Not sponsored, I just really like {m}|{m} gets everything right|New favourite alert: {m}
{m} is exactly the kind of place I'd been looking for|Ten minutes in and I loved {m}
""")

HOOK_BAD_EN = bank("""
Honestly overrated: {m}|Wanted to love {m}, but|{m} was a letdown
Not sure what the hype is about with {m}|PSA: skip {m}|Real talk about {m}
Mixed feelings about {m}|Sorry {m}, it's a no
Had high hopes for {m}|Unpopular opinion: {m} is not it
""")

LOC_EN = bank("""
{m} is over in {where}|It's tucked away in {where}|Right in {where}, {walk_clause}|Location: {where}
You'll find {m} around {where}|In {where}, {walk_clause}|The spot is in {where}
""")

WALK_CLAUSES_EN = bank("""
about {walk} min walk from the metro|hidden down a little lane, easy to miss
look for the tiny wooden sign|upstairs, so keep an eye out for the door
right by a huge plane tree|a {walk} min bike ride from my place
no real sign outside, just follow the smell|the entrance is round the back
""")

SPACE_EN = bank("""
very {style} interior|they were playing {music}|{light}|only about {seats} seats
super chill vibe
a bit cramped|nice outdoor seating|dog friendly|spotless inside|quiet enough to work
loud in a fun way|plants everywhere|the {style} look actually works|{music} on the speakers
""")

ORDER_EN = bank("""
I {verb} the {item}|I {verb} the {item}, {comp} went for the {item2}
This time I {verb} the {item}
their signature is the {item} so obviously that's what I {verb}|we {verb} the {item}
the {item} was the reason I came|{comp} and I {verb} the {item} and the {item2}
first time trying their {item}|the staff talked me into the {item}|{verb} the {item} this time
""")

SIDE_TASTE_EN = (
    bank("""
the {side} was stale|the {side} tasted like the fridge|skip the {side}|the {side} was rock hard
"""),
    bank("""
the {side} was okay|the {side} was a bit dry|the {side} was forgettable|the {side} was too sweet
"""),
    bank("""
the {side} was decent|the {side} was a nice touch|the {side} was fresh|the {side} hit the spot
"""),
    bank("""
the {side} was a surprise highlight|the {side} was unreal|honestly come back for the {side}
the {side} was still warm
"""),
)

SERVICE_EN = (
    bank("""
the {staff} couldn't have cared less|waited {mins} minutes and nobody came|got rushed out
the {staff} was pretty rude|they got our order wrong twice|nobody cleared the table
"""),
    bank("""
service was fine|the {staff} was busy but polite|took {mins} minutes to get our stuff
self-service at the counter|nothing special service-wise
"""),
    bank("""
the {staff} was lovely|quick service|the {staff} explained the menu in English|friendly {staff}
the {staff} gave us {gift}|they were patient with my terrible Chinese
"""),
    bank("""
the {staff} remembered my order|the {staff} was an absolute sweetheart
the {staff} chatted with us for ages|the {staff} threw in {gift}|service was spot on
everything came out in {mins} minutes
"""),
)

PRICE_FORMS_EN = bank("""
about ¥{price} per person|{price} RMB pp|人均 {price}|around {price} kuai each
paid {price2} for two|¥{price}-ish a head|roughly {price} yuan per person|under {price} RMB each
""")

PRICE_VALUE_EN = (
    bank("""
total rip-off|not worth it at all|way overpriced|my wallet is still recovering|save your money
"""),
    bank("""
a bit pricey|fair-ish|on the expensive side|okay for a treat|priced for the location
"""),
    bank("""
reasonable|fair price|good value|not bad for downtown|cheaper than I expected
"""),
    bank("""
great value|an absolute steal|worth every kuai|honestly cheap for the quality
pricey but worth it
"""),
)

TIPS_EN = bank("""
go before {tm} on weekdays|weekends there's a {mins} min queue|book ahead on the app|{hrs}
closed on Mondays apparently|laptop friendly but few sockets|queued {mins} minutes at peak
no reservations, just turn up|WeChat Pay and Alipay only, no cash needed|quieter when it rains
""")

PHOTO_EN = bank("""
the {spot} is super photogenic|very 出片|best light is around {tm}
the {spot} makes a great backdrop|every corner is Instagrammable
wear {color}, it goes with the {spot}|shot it on my phone and it still looks good
""")

COLORS_EN = bank("white|beige|black|denim|olive|cream|pastel|navy|rust")
GIFTS_EN = bank("""
a free cookie|a little tasting cup|a postcard|a sticker|some snacks|a glass of lemonade
""")

VERDICT_EN = (
    bank("""
Skip it|Wouldn't go back|Honestly overrated|Save your money|Avoid|Big miss for me|Not it
Off my list
"""),
    bank("""
It's fine, nothing special|Decent but not worth the trek|Once was enough|Average at best
Meh|It's okay if you're nearby|Kind of forgettable
"""),
    bank("""
Solid spot, would come back|Worth a visit|Pretty good overall|Recommended|Nice find
Happy I went|A good one
"""),
    bank("""
New favourite, 10/10|Will be back every weekend|Absolute gem|Can't recommend enough
Obsessed|Top tier|Going straight to my list of favourites
"""),
)

CTA_EN = (
    bank("""
You've been warned|Trust me on this one|Don't fall for the photos
"""),
    bank("""
Your mileage may vary|Let me know if you've had a better experience|Maybe try it yourself
"""),
    bank("""
Worth checking out if you're nearby|Add it to your list|Go on a weekday
"""),
    bank("""
Go go go|Thank me later|Run, don't walk|Take {comp}, you won't regret it
"""),
)

ASK_EN = bank("""
has anyone been|any tips before I go|is the {item} worth it
what should I order besides the {item}
anyone want to come along {when}|recommendations for similar {word} places|{item} or {item2}
is it okay for {scene}|would you take {comp} there|how long is the queue usually
""")

REASON_EN = bank("""
mostly for the {item}|needed somewhere for {scene}|was in the area anyway
it was a birthday thing for {comp}
wanted a change of scene|{comp} insisted|heard the {item} is their thing|had a free hour {when}
treating myself after a long week|only meant to walk past|{comp} offered to pay, so why not
""")

NEXT_EN = (
    bank("""
won't be trying the {item2}|not bringing {comp} here|will try somewhere else next time
not queueing for that again
"""),
    bank("""
might try the {item2} if I'm passing|once with {comp} is enough|wouldn't go out of my way
"""),
    bank("""
want to try the {item2} next|bringing {comp} next time|saving the {item2} for next time
back soon probably
"""),
    bank("""
already planning to get the {item2} next time|{comp} and I are going back next week
want to try everything next time|going back next week for sure
"""),
)

VERDICT_PREFIX_EN: tuple[str, ...] = (
    "",
    "",
    "Overall: ",
    "All in all, ",
    "Verdict: ",
    "TL;DR ",
    "Honestly? ",
)
VERDICT_PREFIX_EN += ("Bottom line: ", "In short, ")

FALLBACK_EN = bank("""
📍 {f}|Location: {f}|📍 {f} ({walk_clause})|Find it in {f}, {walk_clause}|📍 {f} area|Where: {f}
""")

WISH_EN = bank("""
Saving {m} for later|{m} keeps popping up on my feed|Heard great things about {m}
Adding {m} to the list|Apparently the {item} at {m} is amazing
A friend went to {m} and won't shut up about it|Planning to hit {m} {when}
{m} looks like my kind of place|Bookmarked {m}
Someone told me {m} is overrated, but I'm curious|Want to try {m} {withp}
{m} is on my weekend list
""")

PAID_OPEN_EN = bank("""
Found the most amazing {word} spot|{m} is a must-visit|Obsessed with {m}|You NEED to try {m}
This place is everything|The best {word} experience in town|Can't get enough of {m}
""")

PAID_EN = bank("""
the vibe is unmatched|every corner is picture perfect|the service is incredible
quality you can taste|the {item} is a must|beautifully designed space|perfect for date night
perfect for brunch with the girls|such a gem|elevated and cosy at the same time
the attention to detail is insane|great for photos|new opening special running now
amazing for weekends|5 stars all round|the {item} looks as good as it tastes|so aesthetic
the team really cares|premium ingredients only|you will want to stay all day
my new happy place|the {spot} is made for photos|worth every single kuai
so much love in the details
the {item} is next level|an experience, not just a {word} spot|everything is handmade
perfect for {scene}|the lighting is dreamy|you have to see it in person
""")

SHORT_EN = bank("""
{m}: {item}, {verdict}|{item} at {m}, {verdict}|{m}: {verdict}|Quick stop at {m}, {verdict}
{m} again, {item} still {taste}|{item} at {m}, {taste}
""")

GEN_OPEN_EN = bank("""
Been on a {word} kick lately|Little {word} diary|Weekend ritual: {act}|Solo {act} is underrated
Some thoughts after a year of {act} here|Rainy days are for {act}
Things I've learned about {act}
""")

GEN_BODY_EN = bank("""
lately it's mostly {item}|always go for the {item}|switching between {item} and {item2}
usually around ¥{price} a pop|best time is around {tm}|I usually bring {comp}
perfect for {scene}
""")

WALK_OPEN_EN = bank("""
Spent the afternoon wandering around {where}|Citywalk through {where} {when}
{where} never gets old|Back in {where} {withp}|Lazy loop around {where}
First proper walk around {where}
""")

WALK_BODY_EN = bank("""
lots of cute little shops|ducked into a random place for a {item}
the plane trees are stunning right now|someone was busking on the corner|tons of dogs
so many photogenic corners|quiet side streets|took about an hour at a slow pace
sat down for a {item} halfway
""")

TITLE_HOOKS_EN = (
    bank("""
overrated|skip it|not worth the queue|a letdown|honest review|sorry but no
"""),
    bank("""
it's fine|honest thoughts|mixed feelings|worth it?|decent|just okay
"""),
    bank("""
nice find|worth a visit|solid|pleasant surprise|good vibes|chill spot
"""),
    bank("""
new favourite|hidden gem|obsessed|10/10|must try|best in town|so good
"""),
)

TITLE_MERCHANT_EN = bank("""
{hook} {word} in {where}|{where}'s {hook} {word} spot|{m} {n} visit - {hook}
{m}, {when} - {hook}
{m} // {hook}|{m}: {hook}|{hook}: {m}|{m} ({item}) - {hook}|{m}, {hook}|Trying {m} - {hook}
{m} in {where}|{item} at {m}|{m} review - {hook}
""")

TITLE_WISH_EN = bank("""
{m} - worth the hype?|Next up: {m}|Thinking about {m} {when}|{m} for {scene}?
Saved: {m}|Has anyone tried {m}?|{m} on my list|Want to go: {m}|{m} worth it?
""")

TITLE_AREA_EN = bank("""
{when} in {where}|{where} on foot - {hook}|Little loop: {where}|{where}, {weather}|{where} diary
Wandering {where}|{where} citywalk|A slow afternoon in {where}|{where} {word} notes
{where}: {hook}
""")

TITLE_GENERAL_EN = bank("""
{item} appreciation post|In defence of {item}|{act} {when}|A {word} kind of week
{item} vs {item2}
{word} diary|Notes on {act}|Weekend {word} ritual|My {word} rules|{word} thoughts - {hook}
""")

TAGS_EN = bank("""
expatlife|weekendvibes|citywalk|hiddengem|foodie|travel|explore|localfinds|weekend|lifeinchina
""")
