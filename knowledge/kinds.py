"""What kind of answer a question asks for, and whether a sentence holds one.

The question words (who, 哪一年, 幾多…) say the kind: a person, a place, an organisation, a time,
an amount, a sum of money or a reason; a sentence holds an answer of that kind when it states
something of it the question does not already say. Also whether a message reads as a question
at all, for telling questions from chatter.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from knowledge.normalize import fold, guess_lang
from knowledge.stopwords import ENGLISH_STOP
from knowledge.text import HAN

Kind = str  # "person" | "place" | "organisation" | "time" | "amount" | "money" | "reason"


_KIND_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    (
        "time",
        re.compile(
            r"\bwhen\b|\b(what|which) (year|date|month|day)\b|\bin what year\b|\bhow long ago\b"
            r"|哪年|哪一年|何时|什么时候|几时|哪一天|哪天|几月|何年|什么时间|哪个时候|哪段时间"
            r"|边年|边一年|边日|边一日|边个月"
        ),
    ),
    (
        "reason",
        re.compile(
            # "称为什么" is "called what", not "why".
            r"\bwhy\b|\bfor what reason\b|\bwhat made\b|(?<![称成作认视])为什么|为何|为啥|何故"
            r"|什么原因|原因是|点解"
        ),
    ),
    (
        "amount",
        re.compile(
            r"\bhow (much|many|large|big|long|old|far)\b"
            r"|\bwhat (share|percentage|proportion|number)\b"
            r"|多少|几个|几家|几位|几名|几成|几间|几所|多大|几大|多久|多长|几多|几岁|几耐"
            r"|几年|几天|几周|几星期|几个月|几次|几倍|几项|几座|几条|几款|几种|几只"
        ),
    ),
    # Cantonese, as Hong Kong writes it, asks with 边 (邊): 边个 who, 边度 where, 边间 which.
    # 边个 before a noun asks which one (边个年会, 边个国家战略); alone or before a verb, who.
    (
        "person",
        re.compile(
            r"\bwho(m|se)?\b|谁|哪位|何人|什么人|哪些人|哪个人|哪一位|边位"
            rf"|边个(?=$|[^{HAN}]|[话说系是写讲做会嘅呀啊㗎咧呢])"
        ),
    ),
    (
        "organisation",
        re.compile(
            r"\b(which|what) (\w+ )?(university|universities|company|companies|firm|firms|"
            r"school|exchange|institution|organi[sz]ation|lab|laboratory|bank|fund|hospital|"
            r"college|startup|start-up|group|body|agency|journal|newspaper|magazine|weekly|"
            r"publication|media outlet|broadcaster|brand)\b"
            r"|哪所|哪家|哪间|哪个(大学|公司|机构|交易所|实验室|基金|医院|学校|企业|团队)|什么(公司|机构|大学)"
            r"|边间|边家|边所|哪份|哪本|哪家(报|媒体|杂志)"
        ),
    ),
    (
        "place",
        re.compile(
            r"\bwhere\b|\b(which|what) (city|country|province|place|region|town)\b"
            # "在哪个会议上" asks which meeting, not where: 在哪 before a measure word is "which".
            r"|哪里|哪儿|何处|什么地方|在哪(?![个家所一些位款种间本场届次])|哪个城市|哪座城市|哪个国家|哪个省|哪个地区|边度|边到|边处"
            r"|哪个区|哪一区|哪区|边个区|边区"
        ),
    ),
]


# Words for money and what is paid or raised, English (as whole words and stems) and Chinese
# (folded to Simplified). "How much did X raise" and "发售价每股多少" ask for a sum of money.
MONEY_WORD = re.compile(
    r"\b(price[sd]?|pricing|cost[s]?|costing|rais(e|ed|es|ing)|proceeds|fund(s|ing|raising)?|"
    r"money|cash|valu(e|ed|ation|ations)|worth|revenues?|sales|sold|sell(s|ing)?|pa(y|id|ys)|"
    r"spen[dt]|invest(s|ed|ing|ment|ments)?|capital|budget|fees?|salar(y|ies)|earn(s|ed|ings)?|"
    r"profits?|income|dividends?|subsid(y|ies)|grants?|sum)\b"
    r"|价|钱|资金|金额|募资|集资|融资|筹资|募集|估值|市值|营收|收入|销售额|营业额|套现|投资|成本|费用"
    r"|花费|利润|盈利|资本|预算|薪|工资|出资|注资|拨款|款|资助|补贴|售"
)
# A figure's multiplier: 亿, million, bn.
_MULTIPLIER = r"(?:[万亿]|百万|千万|million|billion|trillion|bn|m\b)"
# A sum of money as articles write it: a currency sign or code before the figure, or a
# currency word after it ("HK$62 billion", "US$ 260m", "14.5亿元人民币", "165港元").
_SUM = re.compile(
    r"(?:[a-z]{0,3}\$|¥|￥|€|£|\b(?:rmb|hkd|usd|cny|eur|gbp|yuan)\s?)\s?\d"
    rf"|\d(?:[\d,.]*\d)?\s*{_MULTIPLIER}?\s*"
    r"(?:港元|港币|美元|元|人民币|欧元|英镑|日元|块|\b(?:yuan|dollars?|euros?|pounds?|rmb|hkd|usd)\b)"
)


# A question about one share's price, which a sum in millions or billions does not state.
_PER_SHARE = re.compile(
    r"每股|股价|收市价|收盘价|收市|收盘|发售价|招股价|发行价|配售价|"
    r"\b(?:offer|offering|closing|share|listing|issue|ipo) price|\bper share\b|\ba share\b"
    r"|\b(?:clos|open)(?:e|ed|es|ing)? at\b|开盘价|开市价"
)
_BIG_SUM = re.compile(rf"\d[\d,.]*\s*{_MULTIPLIER}")
_DIGIT = re.compile(r"\d")
_CHANGE = re.compile(
    r"\b(?:by how much|fall|fell|drop|dropped|rise|rose|jump|jumped|gain|gained|lose|lost|"
    r"slump|slumped|surge|surged|change)\b|涨|跌|升|降|变"
)
_PER_CENT = r"\d\s*(?:%|％|per ?cent\b)|百分之"
_PERCENT = re.compile(rf"{_PER_CENT}|个百分点")
# A question about a share of a whole ("what percentage", 比例, 几成), which a share answers:
# 52%, 九成, 百分之六十, not a count.
_ASKS_SHARE = re.compile(
    r"\bwhat (?:percentage|proportion|share|percent)\b|\bhow many per ?cent\b|比例|百分比"
    r"|百分之几|几成|多少成"
)
_SHARE = re.compile(rf"{_PER_CENT}|[一二三四五六七八九十]成|半数|\bhalf\b")
# A question about how long something took or lasts (多久, 几耐, "how long"), which a span of
# time answers (四十分钟, 一年多, "two years"), not a count or a date; in English also a length.
_ASKS_SPAN = re.compile(r"\bhow long\b|多久|几耐|多长时间|多长的时间|多少时间")
_SPAN = re.compile(
    r"(?:\d+(?:\.\d+)?|[一二三四五六七八九十百两半几数]+)\s*(?:个多|个半|多个|余个|个|多|余|来)?\s*"
    r"(?:年|个月|月|周|星期|天|日|小时|钟头|分钟|秒)"
    r"|\b(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few"
    r"|several|many|a|an|half an?)\s+(?:more\s+)?(?:seconds?|minutes?|hours?|days?|weeks?|months?"
    r"|years?|decades?)\b|\b\d+(?:\.\d+)?\s*(?:km|kilomet(?:re|er)s?|met(?:re|er)s?|miles?)\b"
)


def _digits(text: str, start: int) -> int:
    """Where the figure of the sum found at ``start`` begins (after its currency sign)."""
    found = _DIGIT.search(text, start)
    return found.start() if found else start


# A question that asks what something is called.
_ASKS_NAME = re.compile(
    r"\bwhat(?:'s| is| was) (?:the |its |his |her |their )?name\b|\bname of\b|\bcalled what\b"
    r"|叫什么|什么名字|名字是|名叫|叫做什么|称为什么|叫乜|咩名"
)
# A count ("how many investors", "多少个", "几多位") is an amount but never a sum of money.
# Chinese measure words: what comes between 多少 and the thing counted (多少名学生, 几多队).
MEASURE_WORDS = "个家位名间所只座条项款次队支批台部份张本篇"
_COUNT = re.compile(
    rf"\bhow many\b|\bhow long\b|(多少|几多|几)[万亿千百]?[{MEASURE_WORDS}倍年天周月种人股]"
    r"|多久|多长时间|投资者|投资人"
)


# How much money, in so many words.
_ASKS_SUM = re.compile(r"(?:多少|几多)(?:钱|资金|港元|港币|美元|人民币)")


def asks_share(question: str) -> bool:
    """Whether ``question`` (folded) asks for a share of a whole (比例, "what percentage")."""
    return _ASKS_SHARE.search(question) is not None


def classify(question: str) -> Kind | None:
    """The kind of answer the question's own question words ask for, in any of the three scripts.

    "money" is an amount asked of a word for money ("how much did it raise", "发售价多少"), and
    also a short question with no question word that names a price or a valuation ("Zhipu IPO
    price per share"): people type a price question as a search.
    """
    folded = fold(question).replace("甚么", "什么")
    if _ASKS_SUM.search(folded):
        return "money"  # "几多钱", whatever else counts: "康方上市之前嗰幾個月"
    # In English the first question word is the question's own: "How much did it sell *when*
    # Akeso announced…" asks for an amount. Chinese question words overlap ("在哪一年" holds
    # 在哪 and 哪一年), so there the first pattern that matches decides.
    english = guess_lang(question) == "en"
    found = [
        (m.start() if english else 0, i)
        for i, (_, pattern) in enumerate(_KIND_PATTERNS)
        if (m := pattern.search(folded))
    ]
    if found:
        kind = _KIND_PATTERNS[min(found)[1]][0]
        if (
            kind == "amount"
            and MONEY_WORD.search(folded)
            and not _COUNT.search(folded)
            and not _ASKS_SHARE.search(folded)  # "what share of the money": a percentage
        ):
            return "money"
        return kind
    if _ASKS_NAME.search(folded):
        # "What is the founder's name?" asks for a person; "那款药叫什么" for a named thing.
        return "person" if _PERSON_CUE.search(folded) else "organisation"
    if re.search(r"\b(price|valuation|cost)\b|价|估值|市值", folded) and not re.search(
        r"\b(what|which|who|is|are|does|do|did|can|how)\b|吗|什么|哪|是否", folded
    ):
        return "money"
    if _PER_SHARE.search(folded):
        # "What did its shares close at": a price, whatever asks it.
        return "money"
    return None


def states_sum(text: str) -> bool:
    """Whether ``text`` (folded) states a sum of money."""
    return _SUM.search(text) is not None


# -- does a sentence hold an answer of the asked-for kind? -----------------------------------
_YEAR = re.compile(
    r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)|\d{1,2}月|\d{1,2}日|[一二三四五六七八九十〇零]{2,4}年"
)
_MONTHS = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december"
    r"|spring|summer|autumn|fall|winter)\b"
)
_NUMBER = re.compile(
    # A digit inside a name (PD-L1, HARMONi-2, DeepSeek-R1) is not an amount.
    r"(?<![A-Za-z\-\d.])\d+(?:[.,]\d+)*(?![\d.]*[A-Za-z\-]*[A-Za-z])(?!\d)"
    rf"|[二三四五六七八九十两][倍成亿万千百种{MEASURE_WORDS}]|"
    r"[一二三四五六七八九十百千万亿两]{2,}|\b(two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|dozen|dozens|hundred|hundreds|thousand|thousands|million|billion|trillion|"
    r"half|percent|majority)\b|倍|半数"
    # A span of time: 一年多, 两个月, 三天.
    r"|[一二三四五六七八九十两半](?:个多|个半|个|多|余|来)?(?:年|月|天|周|星期|小时|分钟)"
)
_DATE_LIKE = re.compile(
    r"(?<![\d.])(1[89]\d\d|20\d\d)(?![\d.])|\d{1,2}\s*[月日号]|[一二三四五六七八九十〇零]+[月日]"
    # A year in Chinese numerals is written digit by digit (一九八四年, 九七年); 十七年 and 三年
    # are spans of years, amounts.
    r"|[一二三四五六七八九〇零]{2,}年"
)
_REASON = re.compile(
    r"\b(because|due to|thanks to|as a result|owing to|since|so that|helped|help|allowed|"
    r"allowing|enabled|led to|benefit|benefited|benefitted|reason|support|backed|gave|thanks)\b"
    r"|因为|由于|因此|所以|得益于|原因|使得|让|帮助|凭借|受惠|受益|有助|促成|支持|得以|允许|令"
)
# Where a Latin word starts and ends: \b sees none between a Chinese character and a Latin one
# ("由Frank Wang创立", "推出自研GLM-130B"), since both are word characters.
_START = r"(?<![A-Za-z0-9])"
_END = r"(?![A-Za-z0-9])"
_LATIN_NAME = re.compile(rf"{_START}[A-Z][a-z'’]+(?:[ -][A-Z][a-z'’]+)+")
_POSSESSIVE = re.compile(r"['’]s?$")
_ORG_SUFFIX = (
    "企业|大学|公司|交易所|集团|研究院|实验室|医院|机构|基金|量化|银行|学院|中心|平台|委员会"
    "|资本|创投"
)
# Those endings as words: what kind of thing an organisation is, not which one.
GENERIC_HEADS = frozenset(_ORG_SUFFIX.split("|"))
# A Chinese organisation's name by its ending: 香港大学, 华为公司, 科技园公司.
ORG_NAME = re.compile(f"[\u4e00-\u9fff]{{2,6}}(?:{_ORG_SUFFIX})")
_ACRONYM_OR_NAME = re.compile(
    rf"{_START}[A-Z][A-Za-z]*[A-Z][A-Za-z]*{_END}|{_START}[A-Z][a-z]+(?:\s[A-Z][a-z]+)*"
)
_PERSON_CUE = re.compile(
    rf"{_START}(mr|ms|mrs|dr|prof|professor|president|founder|chairman|chairwoman|chief|director|"
    rf"physician|deputy|scientist|engineer|student|graduate|graduates|ceo|mentor|supervisor){_END}"
    r"|教授|主席|校长|院长|创始人|创办人|医生|医师|代表|委员|总裁|首席|董事长|先生|女士|毕业生|导师|学生|博士|科学家|工程师"
)
# The commonest Chinese surnames (folded to Simplified), the first character of most names:
# a word no dictionary knows that starts with one (吴家玮, 夏瑜, 梅琳) is likely a person's name.
CHINESE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁"
    "蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_ORG_CUE = re.compile(
    r"(university|college|company|exchange|group|technolog|bank|institute|hospital|fund|lab|"
    r"inc\b|ltd\b|school|academy|council|government)"
    r"|大学|公司|集团|交易所|研究院|实验室|医院|银行|基金|科技|生物|学院|政府|港交所|学校|中心|团队"
)
_PLACE_CUE = re.compile(
    r"\b(?:in|at|from|near|based in|headquartered in|located in) (?:the )?[A-Z][a-z]+"
    r"|位于|设于|坐落|总部|[\u4e00-\u9fff]{1,4}[市省区州县镇]|深圳|杭州|中山|广东|北京|上海|澳门|台湾"
)


def _capitalised_runs(pattern: re.Pattern[str], sentence: str) -> list[str]:
    """The runs of capitalised words ``pattern`` finds, without a leading everyday word: a
    sentence's first word is capitalised anyway ("The study showed", "The Lancet")."""
    runs = []
    for match in pattern.finditer(sentence):
        words = match.group(0).split()
        while words and words[0].lower() in ENGLISH_STOP:
            words.pop(0)
        if words:
            runs.append(" ".join(words))
    return runs


def holds_answer(
    sentence: str,
    kind: Kind | None,
    question: str,
    new_name: bool = False,
    not_people: Collection[str] = (),
    named_kind: bool = False,
) -> bool:
    """Whether ``sentence`` holds something of ``kind`` that the question does not already say.

    ``new_name``: the sentence names something the question does not (for a person, something
    that may be one). ``not_people``: folded names of places, firms and terms, so that "Hong
    Kong" or "Leveraging Hong Kong's" is not taken for a person's name. ``named_kind``: the
    sentence names a person, organisation or place the dictionary knows as the asked kind
    (华为, 宁波) and the question does not.
    """
    if kind is None:
        return True
    if named_kind and kind in ("person", "organisation", "place"):
        return True
    folded = fold(sentence)
    asked = fold(question)
    if kind == "time":
        found = {m.group(0) for m in _YEAR.finditer(folded)} | set(_MONTHS.findall(folded))
        return bool(found - {m.group(0) for m in _YEAR.finditer(asked)})
    if kind == "money":
        sums = [m for m in _SUM.finditer(folded) if m.group(0) not in asked]
        if _PER_SHARE.search(asked) and not _SUM.search(asked):
            # One share's price is no market value: "345港元", not "1000亿港元"; its move
            # ("by how much did the share price fall") may be a percentage.
            if _CHANGE.search(asked) and _PERCENT.search(folded):
                return True
            sums = [m for m in sums if not _BIG_SUM.match(folded, _digits(folded, m.start()))]
        return bool(sums)
    if kind == "amount":
        # Years and dates are not amounts: "康方生物于2020年上市" does not say how many.
        undated = _DATE_LIKE.sub(" ", folded)
        pattern = (
            _SHARE if _ASKS_SHARE.search(asked) else _SPAN if _ASKS_SPAN.search(asked) else _NUMBER
        )
        # The question's own figures, whole: 200 is not said by "2006年" in the question.
        said = {m.group(0) for m in pattern.finditer(asked)}
        return any(m.group(0) not in said for m in pattern.finditer(undated))
    if kind == "reason":
        # "Why" is answered by explanations too plain to spot ("platforms do not reach far
        # enough"); coverage alone decides.
        return True
    if kind == "person":
        names = [_POSSESSIVE.sub("", fold(n)) for n in _capitalised_runs(_LATIN_NAME, sentence)]
        names = [n for n in names if " " in n or "-" in n]
        names = [n for n in names if not any(f" {f} " in f" {n} " for f in not_people)]
        if new_name or any(n not in asked for n in names):
            return True
        # A role the question itself names ("who is HKIC's CEO?") is no sign of a person in
        # "HKIC is close to appointing its first CEO".
        roles = {m.group(0) for m in _PERSON_CUE.finditer(folded)}
        return bool(roles - {m.group(0) for m in _PERSON_CUE.finditer(asked)})
    if kind == "organisation":
        names = _capitalised_runs(_ACRONYM_OR_NAME, sentence)
        new_names = [n for n in names if fold(n) not in asked]
        return bool(new_names or new_name) or bool(ORG_NAME.search(folded))
    if kind == "place":
        places = [m.group(0) for m in _PLACE_CUE.finditer(sentence)]
        places += [m.group(0) for m in _PLACE_CUE.finditer(folded)]
        return any(fold(p) not in asked for p in places)
    return True


# -- whether a message is a question at all ---------------------------------------------------
_QUESTION_START = re.compile(
    r"(what|who|whom|whose|when|where|which|why|how|is|are|was|were|do|does|did|can|could|"
    r"will|would|should|has|have|had)\b"
)
# Folded (Simplified) question words and particles: 吗 嗎, 什么 什麼, 谁 誰, 哪, 几 幾, 多少...
_QUESTION_WORDS = re.compile(
    r"吗|什么|甚么|谁|哪|几|多少|为何|为什么|怎么|怎样|如何|是否|有没有|是不是|呢\s*$"
)


def looks_like_question(text: str) -> bool:
    """Whether ``text`` reads as a question of any kind: it ends with a question mark, starts
    with an English question word ("how", "does"), holds a Chinese one (吗, 什么, 谁, 哪, 几,
    多少, 怎么, 是否; Traditional folded to Simplified), or asks for a kind of answer
    (``classify``). For telling questions from chatter, not for answering them.
    """
    stripped = text.strip()
    if not stripped:
        return False
    if stripped.endswith(("?", "？")):
        return True
    folded = fold(stripped)
    if _QUESTION_START.match(folded) or _QUESTION_WORDS.search(folded):
        return True
    return classify(stripped) is not None
