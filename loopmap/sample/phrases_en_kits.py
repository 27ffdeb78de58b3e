"""English vocabulary kits, one per kind of place (menus, judgements, ambience, photo spots)."""

from __future__ import annotations

from dataclasses import replace

from loopmap.sample.phrases import Kit, bank

__all__ = ["FOOD_STYLES_EN", "KITS_EN"]

_OPENS = bank("9am|9:30am|10am|10:30am|11am")
_CLOSES = bank("6pm|7pm|8pm|9pm|10pm")

COFFEE = Kit(
    word="coffee",
    adj="good",
    act="cafe hopping",
    got="had",
    ref=bank("this cafe|the place|a little cafe|this spot|a tiny coffee bar"),
    verb=bank("got|ordered|had|tried"),
    items=bank("""
latte|oat latte|flat white|dirty|cortado|pour-over|cold brew|espresso tonic|americano
iced americano|cappuccino|mocha|osmanthus latte|coconut latte|single origin espresso|magic
piccolo|Geisha pour-over|honey latte|sea salt latte|pistachio latte|orange americano
"""),
    sides=bank("""
croissant|basque cheesecake|cinnamon roll|scone|banana bread|carrot cake|cookie|bagel
almond croissant|madeleine
"""),
    good=bank("""
super smooth|perfect milk texture|lovely fruity notes|not too acidic|beautiful latte art
strong without being bitter|nutty and chocolatey|really clean finish|properly hot for once
roasted in house and you can tell|silky|the oat milk actually works
"""),
    meh=bank("""
fine but forgettable|a bit weak|basically chain-store level|too milky|a little watery
"""),
    bad=bank("""
burnt and bitter|sour in a bad way|lukewarm|tasted like dishwater|way too much ice
stale beans for sure
"""),
    space=bank("""
tiny place with a big window|concrete walls and plants|you can watch the baristas at the bar
a little terrace upstairs|a resident cat|one long shared table|a sunny courtyard
vintage tiles on the floor|the roaster sits right in the shop
"""),
    spots=bank("window seat|front door|bar counter|terrace|courtyard bench|plant wall"),
    scene=bank("laptop work|reading|catching up with friends|dog walks"),
    staff=bank("barista|staff|owner|guy at the counter"),
    tags=bank("coffee|specialtycoffee|cafehopping|flatwhite|coffeetime|latteart|coffeeaddict"),
    city_tags=bank("coffee|cafes|eats"),
    emoji=bank("☕|🤎|🥐"),
    opens=bank("7:30am|8am|8:30am|9am"),
    closes=bank("5pm|6pm|7pm|8pm"),
)

BAKERY = Kit(
    word="bakery",
    adj="good",
    act="bakery runs",
    got="got",
    ref=bank("this bakery|the place|a little bakery|this spot"),
    verb=bank("got|grabbed|bought|tried"),
    items=bank("""
croissant|pretzel|bagel|cinnamon roll|sourdough|scone|egg tart|brioche|ciabatta|baguette
salt bread|pain au chocolat|almond croissant|pistachio croissant|canelé|focaccia
"""),
    sides=bank("americano|latte|fresh juice|hot chocolate|oat latte"),
    good=bank("""
flaky all the way through|properly buttery|still warm from the oven|great chew|not too sweet
perfect crumb|shatters when you bite it
"""),
    meh=bank("fine|a bit soft|supermarket level|on the small side|slightly too sweet"),
    bad=bank("rock hard|clearly yesterday's|greasy|bland|raw in the middle"),
    space=bank("""
smells of butter the second you walk in|glass cases full of pastries|open kitchen
takeaway only|queue out the door|a couple of stools by the window
"""),
    spots=bank("pastry case|front door|paper bag close-up|window"),
    scene=bank("grabbing breakfast|a picnic|bringing something to a friend"),
    staff=bank("staff|baker|owner"),
    tags=bank("bakery|croissant|breadlover|pastry|carbs|breakfast"),
    city_tags=bank("bakery|eats"),
    emoji=bank("🥐|🍞|🥯"),
    opens=bank("7am|7:30am|8am"),
    closes=bank("6pm|7pm|when it sells out"),
)

TEA = Kit(
    word="bubble tea",
    adj="good",
    act="bubble tea runs",
    got="had",
    ref=bank("this tea shop|the place|a little tea bar|this spot"),
    verb=bank("got|ordered|had|tried"),
    items=bank("""
mango pomelo sago|cheese foam grape tea|hand-smashed lemon tea|jasmine milk tea
coconut milk tea|oolong milk tea|osmanthus oolong|matcha latte|brown sugar boba
passion fruit tea|lychee iced tea|white peach oolong|taro boba
"""),
    sides=bank("taro balls|boba|cheese foam|coconut jelly|pudding"),
    good=bank("""
proper tea flavour|not too sweet at 30%|loads of fresh fruit|the foam is so creamy
super refreshing|chewy boba done right
"""),
    meh=bank("too sweet|a bit weak|same as every other chain|too much ice"),
    bad=bank("tastes artificial|basically sugar water|all ice|the boba was hard"),
    space=bank("just a counter|always a queue|order on the mini program|a few high stools"),
    spots=bank("shopfront|cup in hand|pink wall"),
    scene=bank("shopping|the afternoon slump|a hot day"),
    staff=bank("staff|guy at the counter"),
    tags=bank("bubbletea|milktea|boba|teatime"),
    city_tags=bank("bubbletea|eats"),
    emoji=bank("🧋|🍋|🍑"),
    opens=bank("10am|11am"),
    closes=bank("10pm|11pm"),
)

DESSERT = Kit(
    word="dessert",
    adj="good",
    act="dessert hunting",
    got="had",
    ref=bank("this dessert place|the place|a little dessert shop|this spot"),
    verb=bank("got|ordered|had|tried|shared"),
    items=bank("""
basque cheesecake|tiramisu|soufflé pancake|mango crepe|matcha mille crepe|gelato|mochi
double-skin milk pudding|taro pudding|strawberry roll cake|macarons|éclair|crème brûlée
pistachio mille-feuille|lemon tart|chestnut mont blanc
"""),
    sides=bank("earl grey|americano|hot chocolate|sparkling water|latte"),
    good=bank("""
melts in your mouth|just the right sweetness|light, not heavy|gorgeous to look at
rich but balanced|the matcha is the real deal
"""),
    meh=bank("prettier than it tastes|a bit too sweet|small portion|fine"),
    bad=bank("cloyingly sweet|fake cream|fridge taste|collapsed into a puddle"),
    space=bank("pastel interior|cakes in the glass case look like art|tiny balcony|few seats"),
    spots=bank("cake counter|window|balcony|dessert close-up"),
    scene=bank("an afternoon treat|a birthday|after dinner"),
    staff=bank("staff|pastry chef|owner"),
    tags=bank("dessert|sweettooth|cake|afternoontea|tiramisu|cheesecake"),
    city_tags=bank("desserts|eats"),
    emoji=bank("🍰|🍮|🍦|🧁"),
    opens=bank("11am|noon|1pm"),
    closes=bank("9pm|10pm"),
)

FOOD = Kit(
    word="food",
    adj="good",
    act="eating out",
    got="had",
    ref=bank("this restaurant|the place|a little local spot|this spot|a hole-in-the-wall"),
    verb=bank("ordered|had|got|tried|shared"),
    items=bank("""
braised pork belly|scallion oil noodles|shengjian bao|xiaolongbao|sweet and sour ribs
crab tofu|smoked fish|fried shrimp|wontons|pork chop rice|vegetable rice|yellow croaker noodles
"""),
    sides=bank("""
sweet osmanthus lotus root|smashed cucumber|plum juice|a beer|greens|rice|wonton soup
"""),
    good=bank("""
rich and saucy|fried perfectly|huge portions|super fresh|real wok hei|tastes like home cooking
perfectly seasoned|still sizzling when it arrived
"""),
    meh=bank("fine|a bit salty|small portions|a bit greasy|like takeaway"),
    bad=bank("drowning in oil|tasted pre-made|cold when it came|bland|way too salty"),
    space=bank("""
old-school tables and stools|always packed with locals|small but clean
handwritten menu on the wall|open kitchen|nicer inside than it looks from outside
"""),
    spots=bank("food close-up|shopfront|handwritten menu|overhead table shot"),
    scene=bank("a solo lunch|visitors from home|a group dinner|a cheap date"),
    staff=bank("staff|auntie|owner|waiter"),
    tags=bank("foodie|eats|localfood|chinesefood|dumplings|noodles|foodlover"),
    city_tags=bank("food|eats|foodie"),
    emoji=bank("🍜|🥢|🥟|🍲"),
    opens=bank("10:30am|11am|5pm"),
    closes=bank("2pm|9pm|10pm"),
)

FOOD_STYLES_EN = {
    "western": replace(
        FOOD,
        word="brunch",
        ref=bank("this bistro|the place|this brunch spot|this spot"),
        items=bank("""
eggs benedict|avocado toast|pancakes|french toast|pasta|steak|pizza|risotto|burger
caesar salad|fish and chips|truffle fries|roast chicken|shakshuka
"""),
        sides=bank("fresh OJ|a glass of white|latte|iced americano|fries|side salad"),
        tags=bank("brunch|brunchtime|weekendbrunch|foodie|pasta|eats"),
        city_tags=bank("brunch|eats|food"),
        emoji=bank("🍳|🥑|🍝|🍕"),
    ),
    "japanese": replace(
        FOOD,
        word="Japanese food",
        ref=bank("this izakaya|the place|this sushi bar|this spot"),
        items=bank("""
sushi platter|yakitori|tonkotsu ramen|unagi don|sashimi|tempura|tamagoyaki|katsu
salmon belly|uni nigiri|oden
"""),
        sides=bank("sake|plum wine|a highball|miso soup|matcha ice cream"),
        tags=bank("japanesefood|izakaya|sushi|ramen|foodie"),
        city_tags=bank("eats|food"),
        emoji=bank("🍣|🍢|🍶"),
    ),
    "hotpot": replace(
        FOOD,
        word="hotpot",
        ref=bank("this hotpot place|the place|this BBQ spot|this spot"),
        items=bank("""
tripe|beef slices|shrimp paste|duck intestine|lamb rolls|tomato broth|spicy tallow broth
mushroom broth|beef tongue|wagyu
"""),
        sides=bank("plum juice|brown sugar rice cakes|a beer|soy milk|crispy pork"),
        tags=bank("hotpot|bbq|foodie|spicyfood|eats"),
        city_tags=bank("hotpot|eats"),
        emoji=bank("🍲|🌶️|🥩"),
    ),
    "noodle": replace(
        FOOD,
        word="noodles",
        ref=bank("this noodle shop|the place|this hole-in-the-wall|this spot"),
        items=bank("""
spicy pork noodles|pickled veg and pork noodles|fried fish noodles|small wontons
big wontons|scallion pancake|pan-fried buns|curry beef vermicelli soup|pork chop rice cakes
sticky rice roll|soy milk and youtiao
"""),
        sides=bank("a fried egg|braised egg|chili sauce|salty soy milk"),
        tags=bank("noodles|streetfood|breakfast|localeats|cheapeats"),
        city_tags=bank("streetfood|eats|breakfast"),
        emoji=bank("🍜|🥟|🥢"),
        opens=bank("6am|6:30am|7am"),
        closes=bank("1:30pm|2pm|8pm"),
    ),
}
FOOD_STYLES_EN["bang"] = FOOD

BAR = Kit(
    word="bar",
    adj="good",
    act="bar hopping",
    got="had",
    ref=bank("this bar|the place|a little speakeasy|this spot|a tiny cocktail bar"),
    verb=bank("ordered|had|got|tried"),
    items=bank("""
old fashioned|negroni|gin and tonic|mojito|margarita|whisky sour|osmanthus oolong highball
fermented rice cocktail|plum martini|craft IPA|natural wine|sake|yuzu sour|smoked old fashioned
signature cocktail|no-ABV special
"""),
    sides=bank("fries|oysters|chicken wings|charcuterie board|cheese plate|nuts"),
    good=bank("""
perfectly balanced|dangerously easy to drink|complex in a good way|strong but smooth
the bartender nailed my brief|beautiful glassware
"""),
    meh=bank("a bit weak|too sweet|fine|pricey for what it was"),
    bad=bank("watered down|all sugar|tasted like cough syrup|dirty glass"),
    space=bank("""
dark and moody|long bar to sit at|live singer on weekends|DJ after ten|hidden door
little rooftop|walls lined with bottles|comfy booths
"""),
    spots=bank("bar counter|neon sign|rooftop|hidden door"),
    scene=bank("after-work drinks|a date|a birthday night|a solo nightcap"),
    staff=bank("bartender|staff|owner"),
    tags=bank("cocktails|nightlife|bar|craftbeer|speakeasy|drinks|happyhour"),
    city_tags=bank("nightlife|bars|drinks"),
    emoji=bank("🍸|🍷|🍺|🥃|🌙"),
    opens=bank("6pm|7pm|8pm"),
    closes=bank("1am|2am|3am|midnight"),
)

STAY = Kit(
    word="hotel",
    adj="comfy",
    act="staycations",
    got="stayed in",
    ref=bank("this hotel|the place|this guesthouse|this spot"),
    verb=bank("booked|stayed in|got upgraded to|picked"),
    items=bank("""
king room|twin room|loft room|courtyard room|suite|tatami room|high-floor room|bathtub room
"""),
    sides=bank("breakfast|afternoon tea|the pool|the gym|the executive lounge|welcome drink"),
    good=bank("""
the bed was heavenly|really quiet|spotless|huge bathtub|great breakfast spread|amazing view
"""),
    meh=bank("room was small|a bit dated|thin walls|breakfast was basic"),
    bad=bank(
        "could hear the neighbours|stained sheets|noisy AC|smelled damp|nothing like the photos"
    ),
    space=bank("""
design-y lobby|smells amazing in the hallway|{style} rooms|little balcony|converted old house
courtyard full of plants
"""),
    spots=bank("bathtub|window|lobby|balcony|mirror"),
    scene=bank("a staycation|an anniversary|visiting parents|a work trip"),
    staff=bank("front desk|staff|manager|host"),
    tags=bank("staycation|hotel|hotelreview|boutiquehotel|weekendgetaway"),
    city_tags=bank("staycation|hotels"),
    emoji=bank("🏨|🛏️|🛁"),
    opens=bank("2pm check-in|3pm check-in"),
    closes=bank("noon check-out|1pm check-out"),
    menu=False,
)

SHOP = Kit(
    word="shopping",
    adj="fun",
    act="browsing shops",
    got="found",
    ref=bank("this shop|the place|a little vintage store|this spot|a concept store"),
    verb=bank("bought|picked up|found|grabbed"),
    items=bank("""
vintage jacket|denim jacket|handmade earrings|scented candle|tote bag|ceramic mug|postcards
vintage dress|secondhand bag|designer tee|fridge magnets|vinyl record|film camera
silver ring|knit cardigan|notebook|sunglasses|silk scarf
"""),
    sides=bank("socks|stickers|keychain|bookmark|badge"),
    good=bank("""
really unique pieces|great quality|fair prices|the owner has great taste|all one-offs
"""),
    meh=bank("small selection|a bit pricey|same stuff as online|messy racks"),
    bad=bank("poor quality|crazy markups|pushy staff|all generic stuff"),
    space=bank("""
tiny but packed|beautifully curated|fitting room in the back|second floor too|old wooden racks
"""),
    spots=bank("fitting mirror|shop window|front door|racks"),
    scene=bank("a lazy browse|gift shopping|thrifting"),
    staff=bank("owner|staff"),
    tags=bank("vintage|thrifting|shopping|conceptstore|market|secondhand|shoplocal"),
    city_tags=bank("vintage|shopping|markets"),
    emoji=bank("🛍️|👗|👜"),
    opens=bank("11am|noon|1pm"),
    closes=_CLOSES,
    menu=False,
)

BEAUTY = Kit(
    word="nails",
    adj="pretty",
    act="getting my nails done",
    got="got",
    ref=bank("this salon|the place|this studio|this spot"),
    verb=bank("got|went for|tried|booked"),
    items=bank("""
cat-eye nails|french tips|jelly nails|hand-painted nail art|blush nails|milk-tea nails
chrome nails|lash extensions|brow shaping|facial|hand treatment|gel extensions
"""),
    sides=bank("hand mask|removal|brow tidy|a cup of tea"),
    good=bank("""
super precise|the colour is so flattering|lasted a month without chipping|really patient
"""),
    meh=bank("not quite like the photo|a bit slow|pricey|fine"),
    bad=bank("chipped in three days|wrong colour|kept pushing a membership|rough edges"),
    space=bank("spotless|private rooms|comfy chairs|huge design book|cute cream interior"),
    spots=bank("hand close-up|mirror|window"),
    scene=bank("a pre-date refresh|a treat-yourself day|a girls' day out"),
    staff=bank("nail tech|technician|owner"),
    tags=bank("nails|nailart|beauty|lashes|selfcare"),
    city_tags=bank("nails|beauty"),
    emoji=bank("💅|💄|✨"),
    opens=bank("10am|11am|noon"),
    closes=bank("9pm|10pm"),
    menu=False,
)

HAIR = replace(
    BEAUTY,
    word="hair",
    act="getting a haircut",
    ref=bank("this salon|the place|this barber|this spot"),
    verb=bank("got|went for|tried"),
    items=bank("""
layered cut|curtain bangs|wolf cut|perm|balayage|ash brown colour|buzz cut|fade|scalp treatment
"""),
    sides=bank("scalp massage|blow-dry|hair mask"),
    good=bank("the stylist totally got my face shape|great colour|no upselling|best scalp massage"),
    bad=bank("butchered it|totally wrong colour|endless upselling|surprise charges"),
    staff=bank("stylist|Tony teacher|barber|owner"),
    tags=bank("haircut|hairstyle|haircolor|salon|beauty"),
    city_tags=bank("hair|beauty"),
    emoji=bank("💇‍♀️|✂️|✨"),
)

MUSEUM = Kit(
    word="exhibition",
    adj="great",
    act="museum hopping",
    got="saw",
    ref=bank("this museum|the place|this gallery|this space"),
    verb=bank("saw|checked out|went through|visited"),
    items=bank("""
permanent collection|special exhibition|photo show|installation|immersive exhibit
contemporary art show|calligraphy show|bronze gallery|ceramics hall|design show|sculpture show
"""),
    sides=bank("gift shop|cafe|rooftop|audio guide|bookshop"),
    good=bank("""
beautifully curated|genuinely moving|great flow through the rooms
quiet enough to take your time|lots to see|English labels everywhere
"""),
    meh=bank("a bit thin|done in half an hour|hard to follow|fine"),
    bad=bank("pricey for so little|all photo ops no substance|shoulder to shoulder crowds"),
    space=bank("""
the building alone is worth it|huge high ceilings|clean white halls|a big atrium
view from the top floor|good lockers
"""),
    spots=bank("atrium|staircase|entrance|rooftop|mirror installation"),
    scene=bank("a rainy day|a solo afternoon|a date|the kids"),
    staff=bank("guide|staff|volunteer|security guard"),
    tags=bank("museum|art|exhibition|gallery|artlovers|culture"),
    city_tags=bank("art|museums|culture"),
    emoji=bank("🖼️|🏛️|🎨"),
    opens=bank("9am|10am"),
    closes=bank("5pm|6pm|9pm"),
    menu=False,
)

BOOKSTORE = replace(
    MUSEUM,
    word="bookshop",
    act="bookshop browsing",
    got="found",
    ref=bank("this bookshop|the place|this indie bookstore|this spot"),
    verb=bank("bought|found|browsed|picked up"),
    items=bank("""
poetry collection|secondhand paperbacks|signed copy|picture book|photo book|indie magazines
art books|travel writing
"""),
    sides=bank("bookmark|tote|postcard|coffee"),
    space=bank("""
shelves up to the ceiling|a quiet reading nook|creaky wooden floors|a shop cat|cafe upstairs
"""),
    spots=bank("shelves|reading nook|window|stairs"),
    tags=bank("bookshop|books|reading|bookstagram|indiebookstore"),
    city_tags=bank("books|culture"),
    emoji=bank("📚|📖"),
)

THEATRE = replace(
    MUSEUM,
    word="show",
    act="going to shows",
    ref=bank("this theatre|the venue|this little stage|this spot"),
    verb=bank("saw|caught|watched"),
    items=bank("""
play|musical|stand-up night|immersive theatre|improv show|indie band gig|jazz night|dance piece
"""),
    sides=bank("merch|programme|drinks"),
    space=bank("small and intimate|great sound|cramped seats|stunning lighting design"),
    spots=bank("entrance|poster wall|stage"),
    tags=bank("theatre|livemusic|standup|musical|nightout"),
    city_tags=bank("theatre|livemusic"),
    emoji=bank("🎭|🎤|🎶"),
    opens=bank("7pm showtime|7:30pm showtime|2pm matinee"),
    closes=bank("9:30pm|10pm|4:30pm"),
)

PARK = Kit(
    word="park",
    adj="lovely",
    act="park days",
    got="saw",
    ref=bank("this park|the place|this lawn|this spot|this stretch"),
    verb=bank("did|went for|had|spent an afternoon on"),
    items=bank("""
picnic|bike ride|long walk|cherry blossoms|ginkgo trees|plane trees|sunset|dog walk|frisbee
riverside run|camping|kite flying|sunbathing
"""),
    sides=bank("picnic blanket|coffee|sandwiches|fruit|camera|skateboard"),
    good=bank("""
so green|fresh air|not crowded|clean lawns|huge open views|insane sunset|blossoms at their peak
"""),
    meh=bank("a bit small|nothing special|busy|basic facilities"),
    bad=bank("mosquito hell|litter everywhere|packed|no shade at all|lawns fenced off"),
    space=bank("""
a big lawn|benches by the water|a loop that takes about {walk} minutes|loads of shade
shared bikes at the gate|a breeze off the river
"""),
    spots=bank("lawn|lakeside|under the trees|bench|bridge"),
    scene=bank("picnics|dog walks|runs|lazy Sundays"),
    staff=bank("security uncle|staff"),
    tags=bank("citywalk|park|picnic|outdoors|sunset|walk|cycling"),
    city_tags=bank("citywalk|outdoors|parks"),
    emoji=bank("🌳|🌿|🚲|🌅"),
    opens=bank("5am|5:30am|6am"),
    closes=bank("6pm|9pm|10pm"),
    menu=False,
    indoor=False,
)

OTHER = Kit(
    word="weekend",
    adj="fun",
    act="trying new things",
    got="tried",
    ref=bank("this studio|the place|this spot|a little workshop"),
    verb=bank("did|tried|booked|signed up for"),
    items=bank("""
pottery class|silver ring workshop|perfume workshop|murder mystery game|escape room|climbing
archery|board games|leather workshop|tie-dye class|flower arranging|boxing class
"""),
    sides=bank("drinks|snacks|the finished piece|photos"),
    good=bank("super patient teacher|so satisfying|time flew|great stress relief"),
    meh=bank("a bit short|pricey|just okay|crowded"),
    bad=bank("constant upselling|old equipment|the teacher ignored us|dirty"),
    space=bank("big space|design-y interior|all tools provided|old factory building"),
    spots=bank("workbench|entrance|gallery wall"),
    scene=bank("a date|team building|a rainy day"),
    staff=bank("teacher|staff|owner|coach"),
    tags=bank("weekendvibes|workshop|thingstodo|datenight|hobby"),
    city_tags=bank("weekend|thingstodo"),
    emoji=bank("🎯|🎨|🧩"),
    opens=_OPENS,
    closes=_CLOSES,
    menu=False,
)

KITS_EN: dict[str, Kit] = {
    "coffee": COFFEE,
    "bakery": BAKERY,
    "tea": TEA,
    "dessert": DESSERT,
    "food": FOOD,
    "bar": BAR,
    "stay": STAY,
    "shop": SHOP,
    "beauty": BEAUTY,
    "hair": HAIR,
    "museum": MUSEUM,
    "bookstore": BOOKSTORE,
    "theatre": THEATRE,
    "park": PARK,
    "other": OTHER,
}
