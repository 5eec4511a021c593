"""Questions: their terms as synonym groups, and the kind of answer they ask for.

A question term, its alias group and its dictionary translations form one concept, scored as a
single term (structured query translation): the document's counts are summed and the group's
document frequency is that of the union. The kind of answer (a person, a year...) lets the
answerer decline when the sentences that mention the question's names do not hold that fact.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from knowledge.analyze import ENGLISH_STOP, Analyzer, Token
from knowledge.models import Lang
from knowledge.normalize import fold, guess_lang, regional_variants
from knowledge.translate import Dictionary, RomanisedNames

Kind = str  # "person" | "place" | "organisation" | "time" | "amount" | "money" | "reason"


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about, with every index term that expresses it."""

    label: str
    terms: tuple[str, ...]
    # The word that names the kind of answer ("which *role*", "什么*角色*"): the answer need not
    # repeat it, so it does not count toward a sentence's coverage of the question.
    focus: bool = False
    # A name: an alias group that names something, or a word capitalised in the question
    # ("Brannoch Institute"). The answer must mention the question's rarest name.
    name: bool = False
    # What "how many" counts ("how many *cities*", "多少个*城市*"): the answer states a
    # number of them ("11 cities", "210公顷").
    unit: bool = False
    # A word for money (price, raise, 募资, 估值) in a question about a sum: the sum itself
    # ("HK$24.05", "55.4亿港元") says it, since an answer seldom repeats the question's word.
    money: bool = False


@dataclass(frozen=True)
class Query:
    text: str
    lang: Lang
    kind: Kind | None
    concepts: tuple[Concept, ...]


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
            r"|多少|几个|几家|几位|几名|几成|几间|几所|多大|多久|多长|几多|几岁|几耐"
            r"|几年|几天|几周|几星期|几个月|几次|几倍|几项|几座|几条|几款|几种|几只"
        ),
    ),
    # Cantonese, as Hong Kong writes it, asks with 边 (邊): 边个 who, 边度 where, 边间 which.
    ("person", re.compile(r"\bwho(m|se)?\b|谁|哪位|何人|什么人|哪些人|哪个人|哪一位|边个|边位")),
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
            r"|哪里|哪儿|何处|什么地方|在哪|哪个城市|哪座城市|哪个国家|哪个省|哪个地区|边度|边到|边处"
        ),
    ),
]


# Capitalised words after the first one: the first word of a question is capitalised anyway.
_CAPITALISED = re.compile(r"(?<=[\s(“\"'])[A-Z][A-Za-z0-9'’-]*")
_CALENDAR = re.compile(
    r"(january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
_FOCUS = re.compile(
    r"\b(what|which)\s+(?:kind of\s+|type of\s+|sort of\s+)?([a-z][a-z'-]*)"
    r"|(什么|哪个|哪一个|哪款|哪种|哪类|哪一类|哪些)([\u4e00-\u9fff])"
)


# Chinese ways to ask "how much" that the segmenter may cut into everyday characters (多/大).
_ASKING = re.compile(r"多大|多久|多长|多远|多高|多重|多老|多少|几多|几耐|几时")


# Words for money and what is paid or raised, English (as whole words and stems) and Chinese
# (folded to Simplified). "How much did X raise" and "发售价每股多少" ask for a sum of money.
_MONEY_WORD = re.compile(
    r"\b(price[sd]?|pricing|cost[s]?|costing|rais(e|ed|es|ing)|proceeds|fund(s|ing|raising)?|"
    r"money|cash|valu(e|ed|ation|ations)|worth|revenues?|sales|sold|sell(s|ing)?|pa(y|id|ys)|"
    r"spen[dt]|invest(s|ed|ing|ment|ments)?|capital|budget|fees?|salar(y|ies)|earn(s|ed|ings)?|"
    r"profits?|income|dividends?|subsid(y|ies)|grants?|sum)\b"
    r"|价|钱|资金|金额|募资|集资|融资|筹资|募集|估值|市值|营收|收入|销售额|营业额|套现|投资|成本|费用"
    r"|花费|利润|盈利|资本|预算|薪|工资|出资|注资|拨款|款|资助|补贴|售"
)
# A sum of money as articles write it: a currency sign or code before the figure, or a
# currency word after it ("HK$62 billion", "US$ 260m", "14.5亿元人民币", "165港元").
_SUM = re.compile(
    r"(?:[a-z]{0,3}\$|¥|￥|€|£|\b(?:rmb|hkd|usd|cny|eur|gbp|yuan)\s?)\s?\d"
    r"|\d(?:[\d,.]*\d)?\s*(?:[万亿]|百万|千万|million|billion|trillion|bn|m\b)?\s*"
    r"(?:港元|港币|美元|元|人民币|欧元|英镑|日元|块|\b(?:yuan|dollars?|euros?|pounds?|rmb|hkd|usd)\b)"
)


# The thing a count question counts: the word after "how many", or after 多少/几 and a
# measure word.
_MEASURE_WORDS = "个家位名间所只座条项款次"
_COUNTED = re.compile(
    r"\bhow many\s+(?:more\s+)?([a-z][a-z'-]*)"
    rf"|(?:多少|几多|几)[{_MEASURE_WORDS}]?([\u4e00-\u9fff])"
)
# A question that asks what something is called.
_ASKS_NAME = re.compile(
    r"\bwhat(?:'s| is| was) (?:the |its |his |her |their )?name\b|\bname of\b|\bcalled what\b"
    r"|叫什么|什么名字|名字是|名叫|叫做什么|称为什么|叫乜|咩名"
)
# A count ("how many investors", "多少个", "几多位") is an amount but never a sum of money.
_COUNT = re.compile(
    r"\bhow many\b|\bhow long\b|(多少|几多|几)[个家位名间所只项款次倍年天周月种条座]|多久|多长时间"
    r"|投资者|投资人"
)


def classify(question: str) -> Kind | None:
    """The kind of answer the question's own question words ask for, in any of the three scripts.

    "money" is an amount asked of a word for money ("how much did it raise", "发售价多少"), and
    also a short question with no question word that names a price or a valuation ("Zhipu IPO
    price per share"): people type a price question as a search.
    """
    folded = fold(question).replace("甚么", "什么")
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
        if kind == "amount" and _MONEY_WORD.search(folded) and not _COUNT.search(folded):
            return "money"
        return kind
    if _ASKS_NAME.search(folded):
        # "What is the founder's name?" asks for a person; "那款药叫什么" for a named thing.
        return "person" if _PERSON_CUE.search(folded) else "organisation"
    if re.search(r"\b(price|valuation|cost)\b|价|估值|市值", folded) and not re.search(
        r"\b(what|which|who|is|are|does|do|did|can|how)\b|吗|什么|哪|是否", folded
    ):
        return "money"
    return None


def states_sum(text: str) -> bool:
    """Whether ``text`` (folded) states a sum of money."""
    return _SUM.search(text) is not None


_PIVOTS = 2


def _same_writing(a: str, b: str) -> bool:
    return ("\u3400" <= a[0] <= "\ufaff") == ("\u3400" <= b[0] <= "\ufaff")


def _joined_characters(tokens: list[Token]) -> list[Token]:
    """``tokens`` with each run of single Han characters side by side joined into one word.

    A short name the segmenter does not know falls apart into characters (港投公司: 港/投), and
    each character alone is in half the articles; together they are the name a sentence
    writes (found by its characters, see answer._spelled).
    """
    joined: list[Token] = []
    run = False  # whether the last token is made of single characters
    for token in tokens:
        single = len(token.term) == 1 and "\u3400" <= token.term <= "\ufaff"
        if single and run and joined[-1].end == token.start:
            last = joined[-1]
            joined[-1] = Token(last.term + token.term, last.start, token.end)
            continue
        joined.append(token)
        run = single
    return joined


def build_query(
    analyzer: Analyzer,
    dictionary: Dictionary | None,
    question: str,
    names: RomanisedNames | None = None,
) -> Query:
    """Analyse a question into concepts: aliases as their group, other terms with translations.

    ``names``, when given, adds the index's words that spell a name in the other script: the
    Han words a pinyin word reads as ("Zhipu": 智谱), the pinyin spellings of a Han name.
    """
    asked = question
    question = analyzer.rejoined(question)  # analysed as the words the articles hold
    tokens = _joined_characters(analyzer.analyze(question))
    alias_spans = [(t.start, t.end) for t in tokens if t.term.startswith("~")]
    forms = analyzer.aliases.by_form
    concepts: list[Concept] = []
    seen: set[tuple[str, ...]] = set()

    folded = fold(question)
    focus_starts = {m.start(2) if m.group(2) else m.start(4) for m in _FOCUS.finditer(folded)}
    unit_starts = {
        m.start(1) if m.group(1) else m.start(2)
        for m in _COUNTED.finditer(folded)
        if not (m.group(2) and m.group(2) in _MEASURE_WORDS)  # "前多少名": 名 counts nothing
    }
    capitalised = {
        term
        for word in _CAPITALISED.findall(question)
        if not _CALENDAR.fullmatch(word.lower())  # "in August": capitalised, but no name
        for term in analyzer.terms(word)
    }
    name_groups = analyzer.aliases.names

    kind = classify(question)

    def add(
        label: str, terms: list[str], start: int = -1, end: int = -1, name: bool = False
    ) -> None:
        key = tuple(sorted(set(terms)))
        if key not in seen:
            seen.add(key)
            is_name = name or label in name_groups or label in capitalised
            # The word as the question writes it ("raised", not the stem "rais").
            word = folded[start:end] if start >= 0 else label
            money = kind == "money" and not is_name and bool(_MONEY_WORD.search(word))
            concepts.append(
                Concept(
                    label,
                    key,
                    focus=start in focus_starts,
                    name=is_name,
                    money=money,
                    unit=kind == "amount" and start in unit_starts and not is_name,
                )
            )

    # A search-mode sub-word one character short of its word ("创始" in "创始人") says the same
    # thing: it joins the word's concept instead of counting twice.
    absorbed: dict[int, list[str]] = {}
    for i, token in enumerate(tokens):
        for j, other in enumerate(tokens):
            if (
                i != j
                and len(other.term) == len(token.term) + 1
                and other.start <= token.start
                and token.end <= other.end
                and "\u3400" <= token.term[0] <= "\ufaff"
                and other.term not in forms
            ):
                absorbed.setdefault(j, []).append(token.term)
    skip = {t for terms in absorbed.values() for t in terms}
    # Latin words of the name being read ("Yu Dechao"), as written and as terms: its
    # spellings join the words as written, and its concept takes in the words' concepts.
    run: list[tuple[str, str]] = []
    asking = [m.span() for m in _ASKING.finditer(folded)]
    previous: Token | None = None  # the Latin word just read, for two-word phrases
    for i, token in enumerate(tokens):
        term = token.term
        if term in skip:
            continue
        if term.startswith("~"):
            run = []
            previous = None
            # A name inside a longer name ("单抗" in "依沃西单抗", "香港" in "香港中文大学") is
            # part of it, not a second thing the answer must name.
            if not any(
                s <= token.start and token.end <= e and (s, e) != (token.start, token.end)
                for s, e in alias_spans
            ):
                add(term, [term], token.start, token.end)
            continue
        if term in forms:
            continue  # the alias group stands for it
        if any(s <= token.start and token.end <= e for s, e in asking):
            continue  # "有多大": the question word, cut in two, asks; it is not asked about
        is_han = "\u3400" <= term[0] <= "\ufaff"
        if not is_han and any(s <= token.start and token.end <= e for s, e in alias_spans):
            continue  # a word inside a multi-word name ("hong" in "Hong Kong")
        alternatives = [term, *absorbed.get(i, [])]
        merged_name = False
        if dictionary is not None:
            for word in list(alternatives):
                for gloss in dictionary.translations(word):
                    alternatives.append(forms.get(gloss, gloss))
                    # Through the other language and back: "all-rounder" is 多面手, which
                    # is "jack of all trades"; 招揽 is "attract", which is 吸引.
                    for back in dictionary.translations(gloss)[:_PIVOTS]:
                        if (
                            back != word
                            and _same_writing(back, word)
                            and not is_han
                            and gloss in dictionary.translations(back)
                        ):
                            alternatives.append(forms.get(back, back))
            between = folded[previous.end : token.start] if previous else "-"
            if previous and not is_han and not between.strip(" -"):
                phrase = dictionary.phrase(previous.term, term)
                if phrase and concepts and concepts[-1].label == previous.term:
                    # "San Francisco" is 旧金山: one concept, its words' terms included.
                    head = concepts.pop()
                    alternatives = [*head.terms, *alternatives, *phrase]
                    merged_name = head.name
        if is_han and names is not None:
            alternatives.extend(v for v in regional_variants(term) if names.known(v))
        romanised = False
        if names is not None:
            if is_han:
                run = []
                for spelling in names.latin(term):
                    found = [t for t in analyzer.terms(spelling) if names.known(t)]
                    alternatives.extend(found)
                    romanised = romanised or bool(found)
            else:
                run = [*run, (folded[token.start : token.end], term)][-3:]
                for n in range(len(run), 0, -1):
                    found = names.han("".join(word for word, _ in run[-n:]))
                    if found:
                        # "Yu Dechao" is one name: the words before this one join its concept.
                        before = {t for _, t in run[-n:-1]}
                        for _ in range(n - 1):
                            if concepts and concepts[-1].label in before:
                                alternatives.extend(concepts.pop().terms)
                        alternatives.extend(found)
                        romanised = True
                        break
        add(term, alternatives, token.start, token.end, name=romanised or merged_name)
        previous = None if is_han else token
    return Query(asked, guess_lang(asked), kind, tuple(concepts))


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
    r"(?<![A-Za-z\-\d.])\d+(?:[.,]\d+)*(?![\d.]*[A-Za-z\-]*[A-Za-z])(?!\d)|[二三四五六七八九十两][个名家位所倍成亿万千百项款座间种次]|"
    r"[一二三四五六七八九十百千万亿两]{2,}|\b(two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|dozen|dozens|hundred|hundreds|thousand|thousands|million|billion|trillion|"
    r"half|percent|majority)\b|倍|半数"
)
_DATE_LIKE = re.compile(
    r"(?<![\d.])(1[89]\d\d|20\d\d)(?![\d.])|\d{1,2}\s*[月日号]|[一二三四五六七八九十〇零]+[年月日]"
)
_REASON = re.compile(
    r"\b(because|due to|thanks to|as a result|owing to|since|so that|helped|help|allowed|"
    r"allowing|enabled|led to|benefit|benefited|benefitted|reason|support|backed|gave|thanks)\b"
    r"|因为|由于|因此|所以|得益于|原因|使得|让|帮助|凭借|受惠|受益|有助|促成|支持|得以|允许|令"
)
_LATIN_NAME = re.compile(r"\b[A-Z][a-z'’]+(?:[ -][A-Z][a-z'’]+)+")
_POSSESSIVE = re.compile(r"['’]s?$")
_ORG_SUFFIX = (
    "企业|大学|公司|交易所|集团|研究院|实验室|医院|机构|基金|量化|银行|学院|中心|平台|委员会"
)
# A Chinese organisation's name by its ending: 香港大学, 华为公司, 科技园公司.
ORG_NAME = re.compile(f"[\u4e00-\u9fff]{{2,6}}(?:{_ORG_SUFFIX})")
_ACRONYM_OR_NAME = re.compile(r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z]*\b|\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)*")
_PERSON_CUE = re.compile(
    r"\b(mr|ms|mrs|dr|prof|professor|president|founder|chairman|chairwoman|chief|director|"
    r"physician|deputy|scientist|engineer|student|graduate|graduates|ceo|mentor|supervisor)\b"
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
        return any(m.group(0) not in asked for m in _SUM.finditer(folded))
    if kind == "amount":
        # Years and dates are not amounts: "康方生物于2020年上市" does not say how many.
        undated = _DATE_LIKE.sub(" ", folded)
        return any(m.group(0) not in asked for m in _NUMBER.finditer(undated))
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
