"""What a question asks for, and whether a sentence holds that kind of answer."""

from __future__ import annotations

import pytest

from knowledge.evidence import counts, measured
from knowledge.kinds import classify, holds_answer, states_sum
from knowledge.normalize import fold
from knowledge.query import build_query
from knowledge.service import KnowledgeBase
from knowledge.translate import RomanisedNames


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who founded DeepSeek?", "person"),
        ("誰創辦了大疆？", "person"),
        ("When did Akesobio list?", "time"),
        ("康方生物是哪一年上市的？", "time"),
        ("How many cities are in the Greater Bay Area?", "amount"),
        ("大湾区有多少个城市？", "amount"),
        ("Why did Akesobio list in Hong Kong?", "reason"),
        ("為什麼康方生物能上市？", "reason"),
        ("Where is DeepSeek based?", "place"),
        ("深度求索在哪裡？", "place"),
        ("Which university trained a DeepSeek founder?", "organisation"),
        ("哪所大學培養了他？", "organisation"),
        ("What is EDA?", None),
        ("How much did the start-up raise in its listing?", "money"),
        ("发售价每股多少？", "money"),
        ("上市集資幾多錢？", "money"),
        ("Quillop IPO price per share", "money"),
        ("How many investors bought shares?", "amount"),
        ("有幾多個基石投資者？", "amount"),
        ("黑芝麻智能创始人叫什么名字", "person"),
        ("What is the name of the founder?", "person"),
        ("那款双抗叫什么？", "organisation"),
        # A count of years is an amount, never a sum, though the question says 盈利.
        ("未盈利公司获准上市后，它过了几年才上市？", "amount"),
        ("How long did the unprofitable firm wait before it could sell shares?", "amount"),
        # Hong Kong's written Cantonese asks "which year" with 邊年.
        ("星河電池係邊年成立？", "time"),
        ("佢哋邊一日開始招股？", "time"),
    ],
)
def test_question_words_in_three_scripts(question: str, kind: str | None) -> None:
    assert classify(question) == kind


def test_years_and_names_are_not_amounts() -> None:
    asked = "How much did it raise?"
    assert not holds_answer("Akesobio listed in 2020 under the 18A rules.", "amount", asked)
    assert not holds_answer("PD-L1阳性患者参加了HARMONi-2试验。", "amount", asked)
    assert holds_answer("It raised HK$2.5 billion.", "amount", asked)
    assert holds_answer("大湾区由九个城市组成。", "amount", asked)


def test_a_year_already_in_the_question_is_no_answer() -> None:
    assert not holds_answer("In 2025 the plan ended.", "time", "What happened in 2025?")
    assert holds_answer("It was founded in 2014.", "time", "When was SenseTime founded?")


def test_translations_join_the_terms_concept(kb: KnowledgeBase) -> None:
    query = build_query(kb.analyzer, kb.dictionary, "Which university trained a founder?")
    assert any("大学" in c.terms or "~university" in c.terms for c in query.concepts)
    chinese = build_query(kb.analyzer, kb.dictionary, "哪家实验室孕育出了商汤？")
    # "孕育" is one character short of "孕育出": one concept, not two.
    assert sum(any(t.startswith("孕育") for t in c.terms) for c in chinese.concepts) == 1


def test_the_word_naming_the_answer_is_the_focus(kb: KnowledgeBase) -> None:
    """ "what *role*": the answer says "super value-adder", not "role"."""
    query = build_query(kb.analyzer, kb.dictionary, "香港希望转变成什么角色？")
    assert [c.label for c in query.concepts if c.focus] == ["角色"]
    english = build_query(kb.analyzer, kb.dictionary, "What kind of software is EDA?")
    assert [c.label for c in english.concepts if c.focus] == ["softwar"]


@pytest.mark.parametrize(
    "text",
    [
        "HK$24.05 each",
        "raised US$ 260 million",
        "55.4亿港元",
        "14.5億元人民幣",
        "RMB 3 billion",
        "a 5 billion yuan fund",
        "每股165港元",
    ],
)
def test_sums_of_money_in_both_languages(text: str) -> None:
    assert states_sum(fold(text))


@pytest.mark.parametrize(
    "text", ["oversubscribed 1,400 times", "2023年上市", "16 investors", "55家医院"]
)
def test_counts_and_years_are_not_sums(text: str) -> None:
    assert not states_sum(fold(text))


def test_a_money_question_needs_a_sum_the_question_does_not_give() -> None:
    question = "How much did Quillop raise at HK$10 a share?"
    assert holds_answer("Quillop raised HK$2 billion.", "money", question)
    assert not holds_answer("Quillop sold shares at HK$10 to 16 investors.", "money", question)


def test_a_share_price_is_no_market_value() -> None:
    question = "Quillop首日收市价是多少？"
    assert holds_answer("截至收盘，股价报345港元，总市值达到1054亿港元。", "money", question)
    assert not holds_answer("收盘较发行价暴涨109%，市值突破1000亿港元。", "money", question)
    fall = "By how much did Quillop's share price fall?"
    assert holds_answer("Its shares fell 17 per cent, wiping US$60 billion off.", "money", fall)
    assert holds_answer("Quillop raised HK$2 billion.", "money", "How much did Quillop raise?")


def test_the_word_for_money_is_said_by_a_sum(kb: KnowledgeBase) -> None:
    """'raise' in a money question is marked, so a sentence stating the sum answers it."""
    query = build_query(kb.analyzer, kb.dictionary, "How much did Quillop raise?")
    assert query.kind == "money"
    # "raise" is in the alias table's listing group (募资, 集资...): the group is the concept.
    assert [c.label for c in query.concepts if c.money] == ["~raise"]


def test_a_two_word_english_name_is_one_concept_with_its_chinese(kb: KnowledgeBase) -> None:
    """'San Francisco' is 旧金山 as a whole; neither word alone translates to it."""
    query = build_query(kb.analyzer, kb.dictionary, "Which bay area was modelled on San Francisco?")
    [city] = [c for c in query.concepts if "francisco" in c.terms]
    assert "san" in city.terms and "旧金山" in city.terms


def test_a_chinese_name_in_pinyin_finds_its_characters(empty_kb: KnowledgeBase) -> None:
    """ "Tang Jie's team" is 唐杰's: the possessive is no part of the name's spelling."""
    empty_kb.ingest_text("早在2006年，唐杰教授团队就研发了奎洛系统。", title="奎洛")
    empty_kb.ingest_text("唐朝的长安城是当时世界上最大的城市之一。", title="长安")
    answer = empty_kb.ask("What system did Tang Jie's team build in 2006?", log_it=False)
    assert [q.sentence.text for q in answer.quotes] == [
        "早在2006年，唐杰教授团队就研发了奎洛系统。"
    ]


def test_a_name_stemmed_like_an_everyday_word_must_be_written(empty_kb: KnowledgeBase) -> None:
    """ "Conductent" is the stem conduct, as "conduct" is: its translations (指挥) are not the
    name's, and a sentence about conduct does not name it."""
    query = build_query(empty_kb.analyzer, empty_kb.dictionary, "What was Conductent's revenue?")
    [name] = [c for c in query.concepts if c.name]
    assert name.spelling == "conductent" and name.terms == ("conduct",)
    empty_kb.ingest_text("The conduct code reported revenue of $5 million in 2024.", title="Code")
    empty_kb.ingest_text("Conductent's revenue reached $8 million in 2024.", title="Conductent")
    answer = empty_kb.ask("What was Conductent's revenue in 2024?", log_it=False)
    assert [q.sentence.text for q in answer.quotes] == [
        "Conductent's revenue reached $8 million in 2024."
    ]


def test_the_focus_is_not_a_name_the_answer_must_repeat(empty_kb: KnowledgeBase) -> None:
    """'Which PhD student': the answer names the student, and need not say "PhD"."""
    empty_kb.ingest_text(
        "Ada Brannoch wrote the Quillop compiler in 1998 as a doctoral student in Leeds.",
        title="Compilers",
    )
    answer = empty_kb.ask("Which PhD student wrote the Quillop compiler?", log_it=False)
    assert answer.found and "Brannoch" in answer.quotes[0].sentence.text


def test_a_role_the_question_names_is_no_person() -> None:
    question = "Who is Quillop's CEO?"
    assert not holds_answer("Quillop is close to appointing its first CEO.", "person", question)
    assert holds_answer("Quillop named its chairman as CEO.", "person", question)


def test_a_name_inside_a_longer_name_is_part_of_it(kb: KnowledgeBase) -> None:
    """香港 inside 香港中文大学 is not a second name an answer must repeat."""
    query = build_query(kb.analyzer, kb.dictionary, "香港中文大学在哪一年成立？")
    names = [c.label for c in query.concepts if c.name]
    assert len(names) == 1 and names[0] != "~hk"


@pytest.mark.parametrize(
    ("question", "unit"),
    [("How many cities are in the bay area?", "citi"), ("大湾区有多少个城市？", "城市")],
)
def test_what_a_count_question_counts(kb: KnowledgeBase, question: str, unit: str) -> None:
    query = build_query(kb.analyzer, kb.dictionary, question)
    assert [c.label for c in query.concepts if c.unit] == [unit]


def test_a_count_is_answered_by_a_number_of_what_is_counted(empty_kb: KnowledgeBase) -> None:
    """ "How many cities" is not answered by "in 2017, the 12th congress" about cities."""
    empty_kb.ingest_text("Quillop county has 9 cities and two ports.", title="Quillop")
    empty_kb.ingest_text(
        "The Brannoch region has 3 ports, and rail lines reach all of its cities.",
        title="Brannoch",
    )
    assert empty_kb.ask("How many cities does Quillop county have?", log_it=False).found
    assert not empty_kb.ask("How many cities does the Brannoch region have?", log_it=False).found


def test_what_is_counted_is_the_last_word_of_the_phrase(kb: KnowledgeBase) -> None:
    """ "多少名教学人员" counts 人员 (staff), not 教学 (teaching)."""
    query = build_query(kb.analyzer, kb.dictionary, "奎洛大学有多少名教学人员？")
    assert {c.label for c in query.concepts if c.unit} == {"教学", "人员"}


def test_a_number_counts_the_word_it_stands_before(kb: KnowledgeBase) -> None:
    """ "staff" and its alias group's term are one word: 903 stays within three words of it."""
    query = build_query(kb.analyzer, kb.dictionary, "奎洛大学有多少名教学人员？")
    units = frozenset(t for c in query.concepts if c.unit for t in c.terms)
    assert counts(kb.analyzer.analyze("It employed 903 academic staff."), units)
    far = "In 2023 the university reported strong growth of its academic staff."
    assert not counts(kb.analyzer.analyze(far), units)


def test_a_chinese_measure_word_counts_what_an_english_question_counts(kb: KnowledgeBase) -> None:
    """ "How many years" is answered by 十七年 (one word), "how many firms" by 55家; a year
    (2019年) counts no years."""
    query = build_query(kb.analyzer, kb.dictionary, "How many years did the park take to grow?")
    years = measured(frozenset(t for c in query.concepts if c.unit for t in c.terms))
    assert counts(kb.analyzer.analyze("园区十七年间由购物城变成科技城。"), years)
    assert not counts(kb.analyzer.analyze("园区在2019年变成科技城。"), years)
    query = build_query(kb.analyzer, kb.dictionary, "How many firms moved in?")
    firms = measured(frozenset(t for c in query.concepts if c.unit for t in c.terms))
    assert counts(kb.analyzer.analyze("去年有55家企业进驻。"), firms)


def test_a_measure_word_takes_no_place_between_a_number_and_what_it_counts(
    kb: KnowledgeBase,
) -> None:
    query = build_query(kb.analyzer, kb.dictionary, "奎洛大学每年招收多少名学生？")
    units = frozenset(t for c in query.concepts if c.unit for t in c.terms)
    assert counts(kb.analyzer.analyze("奎洛大学每年招收约200名中国海外学生。"), units)


def test_a_share_of_a_whole_counts_nothing(kb: KnowledgeBase) -> None:
    """ "多少比例" asks for a share: 超过70% answers, though no number counts 比例."""
    query = build_query(kb.analyzer, kb.dictionary, "奎洛园区公司中有多少比例是本土企业？")
    assert query.kind == "amount" and not any(c.unit for c in query.concepts)


def test_how_many_ten_thousand_shares_is_a_count_not_a_sum() -> None:
    assert classify("奎洛今次公開發售有幾多萬股H股？") == "amount"


def test_how_much_money_asks_for_a_sum_whatever_else_counts() -> None:
    """ "嗰幾個月" is "the few months before"; "幾多錢" asks for a sum."""
    assert classify("奎洛上市之前嗰幾個月，布雷洛喺香港IPO集咗幾多錢？") == "money"


def test_shares_are_counted_by_their_measure_word(kb: KnowledgeBase) -> None:
    query = build_query(kb.analyzer, kb.dictionary, "How many shares is each founder selling?")
    shares = measured(frozenset(t for c in query.concepts if c.unit for t in c.terms))
    assert counts(kb.analyzer.analyze("两位创始人将通过配售分别减持150万股。"), shares)


def test_an_investment_firm_s_name_answers_which_firm() -> None:
    """资本 and 创投 end the names of investment firms (高瓴资本, 启明创投)."""
    question = "哪些投资机构早年押注奎洛？"
    assert holds_answer("君联资本、启明创投等先后下注奎洛。", "organisation", question)


def test_a_number_with_its_measure_word_answers_how_many(kb: KnowledgeBase) -> None:
    """ "几条" asks, it is not asked about; "三条生产线" and "十多年" state amounts."""
    question = "奎洛中心至少会有几条生产线？"
    query = build_query(kb.analyzer, kb.dictionary, question)
    assert "几条" not in {c.label for c in query.concepts}
    assert holds_answer("换言之,奎洛中心至少会有三条生产线。", "amount", question)
    units = frozenset(t for c in query.concepts if c.unit for t in c.terms)
    assert counts(kb.analyzer.analyze("奎洛中心至少会有三条生产线。"), units)
    assert holds_answer("奎洛研究院亦有十多年歷史。", "amount", "奎洛研究院有多少年历史了？")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("奎洛董事長係邊個", "person"),
        ("邊個話奎洛園區而家已見成效？", "person"),
        ("嗰篇報道係邊個寫㗎？", "person"),
        ("香港仲受惠於邊個國家戰略？", None),
        ("奎洛嘅數據入選咗邊個年會？", None),
    ],
)
def test_cantonese_bin_go_before_a_noun_asks_which_not_who(question: str, kind: str | None) -> None:
    assert classify(question) == kind


def test_what_shares_closed_at_asks_for_one_share_s_price() -> None:
    question = "What did Quillop's shares close at on their first day?"
    assert classify(question) == "money"
    assert not holds_answer("Brokers lent HK$197.8 billion for Quillop's offer.", "money", question)
    assert holds_answer("Quillop's shares closed at HK$24.3.", "money", question)


def test_a_share_of_a_whole_is_answered_by_a_share() -> None:
    """比例, 几成, "what percentage": 52% or 九成 answers, a count or a sum does not."""
    question = "奎洛上市籌到嘅錢，有幾大比例會用落新藥度？"
    assert classify(question) == "amount"
    assert holds_answer("该公司拟将所得款的 52% 用于新药。", "amount", question)
    assert not holds_answer("该公司共筹得 33 亿港元。", "amount", question)
    rented = "三个园区被租用的比例有多少？"
    assert holds_answer("三个园区的使用率已接近九成。", "amount", rented)
    assert not holds_answer("三个园区共有 70 家企业。", "amount", rented)


def test_in_which_meeting_is_no_place_question() -> None:
    assert classify("奎洛的数据最早是在哪个学术会议上发布的？") is None
    assert classify("奎洛的总部在哪里？") == "place"


def test_a_span_of_time_answers_how_long() -> None:
    assert holds_answer("首期工程只花了一年多时间。", "amount", "首期工程用了多久？")
    assert holds_answer("审批用了两个月。", "amount", "审批用了多久？")
    assert not holds_answer("审批在一月完成。", "amount", "审批用了多久？")


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("奎洛機械人跑完全程用咗幾耐？", "奎洛機械人在三月十二日起跑，是第六十六號選手。"),
        ("How long did the Quillop trial run?", "The Quillop trial enrolled 412 patients."),
        ("审批用了多长时间？", "审批通过后，公司雇用了三百名员工。"),
    ],
)
def test_a_count_or_a_date_does_not_say_how_long(question: str, sentence: str) -> None:
    assert classify(question) == "amount"
    assert not holds_answer(sentence, "amount", question)


@pytest.mark.parametrize(
    "sentence",
    ["奎洛機械人用了四個半小時跑完全程。", "The trial ran for two years.", "审批历时二十余年。"],
)
def test_a_span_of_time_says_how_long(sentence: str) -> None:
    assert holds_answer(sentence, "amount", "How long did it take?")


def test_seventeen_years_is_an_amount_and_no_year() -> None:
    assert holds_answer("新田十七年间由购物城变成科技城。", "amount", "新田用了多少年？")
    assert not holds_answer("此事发生在一九八四年。", "amount", "新田用了多少年？")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much did Quillop sell when Brellow announced its trial?", "money"),
        ("Who led the firm when it listed in Leeds?", "person"),
        ("When did Quillop say how many staff it had?", "time"),
        ("汪滔在哪一年完成本科课程？", "time"),
        ("電子設計自動化常被稱為甚麼名字？", "organisation"),
    ],
)
def test_the_first_english_question_word_is_the_questions_own(question: str, kind: str) -> None:
    assert classify(question) == kind


def test_a_month_meets_its_number_across_languages(kb: KnowledgeBase) -> None:
    """Chinese writes August as 8月, which the analyzer reads as the term 8."""
    english = build_query(kb.analyzer, kb.dictionary, "What did Quillop sell in August?")
    assert any({"august", "8"} <= set(c.terms) for c in english.concepts)
    chinese = build_query(kb.analyzer, kb.dictionary, "奎洛公司8月卖了什么？")
    assert any({"august", "8"} <= set(c.terms) for c in chinese.concepts)


def test_a_month_is_capitalised_but_no_name(kb: KnowledgeBase) -> None:
    query = build_query(kb.analyzer, kb.dictionary, "What did Quillop sell in August 2025?")
    names = {c.label for c in query.concepts if c.name}
    assert "quillop" in names and "august" not in names


def test_a_capitalised_common_word_is_no_name(kb: KnowledgeBase) -> None:
    """ "PhD" and "President" are capitalised, but their alias groups are common words."""
    query = build_query(kb.analyzer, kb.dictionary, "Did a PhD become President of Quillop?")
    names = {c.label for c in query.concepts if c.name}
    assert names == {"quillop"}


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("QuilLop的创始人是谁？", "quillop"),
        ("谁创办了QUILLOP？", "quillop"),
        ("QuilLop raised how much?", "quillop"),
        ("Where did the QUILLOP team start?", "quillop"),
    ],
)
def test_a_word_capitalised_inside_is_a_name_wherever_it_stands(
    kb: KnowledgeBase, question: str, name: str
) -> None:
    """Against a Chinese character or first in the question, a word capitalised inside (or an
    acronym of four letters or more) still names something."""
    query = build_query(kb.analyzer, kb.dictionary, question)
    assert name in {c.label for c in query.concepts if c.name}


def test_a_short_acronym_or_a_word_beside_a_name_is_no_name(kb: KnowledgeBase) -> None:
    query = build_query(
        kb.analyzer, kb.dictionary, "Quillop香港IPO的ivonescimab-versus-KeyLock结果"
    )
    names = {c.label for c in query.concepts if c.name}
    assert "ipo" not in names and "versu" not in names and "versus" not in names
    assert "keylock" in names


def test_a_sentence_s_first_word_is_no_name() -> None:
    """ "The study showed…" names nothing; "The Lancet" and "Ada Brell" do."""
    question = "Which journal published the Quillop study?"
    assert classify(question) == "organisation"
    assert not holds_answer("The study showed that results improved.", "organisation", question)
    assert holds_answer("The results appeared in The Lancet.", "organisation", question)
    who = "Who wrote the Quillop report?"
    assert not holds_answer("The Economist published the report.", "person", who)
    assert holds_answer("Ada Brell wrote the report.", "person", who)


def test_a_latin_name_against_chinese_characters_is_found() -> None:
    """Chinese text writes Latin names without spaces: "推出自研QL-130B", "由Ada Brell创立"."""
    assert holds_answer("该公司去年推出自研QLM-130B。", "organisation", "那款模型叫什么？")
    assert holds_answer("该公司由Ada Brell创立。", "person", "谁创立了该公司？")
    assert holds_answer("该公司的CEO表示会继续扩张。", "person", "谁是该公司的负责人？")


def test_where_it_is_located_asks_for_a_place_and_nothing_more(kb: KnowledgeBase) -> None:
    query = build_query(kb.analyzer, kb.dictionary, "Where is the Quillop Centre located?")
    assert query.kind == "place"
    assert [(c.label, c.focus) for c in query.concepts if not c.name] == [("locat", True)]
    assert classify("奎洛大学位于香港哪个区？") == "place"


def test_how_many_people_is_a_count_and_no_sum() -> None:
    """销售团队 holds 售 (sell), a word for money; 几多人 still counts people, 几多队 teams."""
    assert classify("奎洛公司計劃組建一支幾多人嘅銷售團隊？") == "amount"
    assert classify("奎洛計劃最少會資助幾多隊研究團隊？") == "amount"


@pytest.mark.parametrize(
    ("question", "focus", "asking"),
    [("奎洛公司主力投資咩領域？", "领域", "咩"), ("奎洛規則新增咗邊一章？", "一章", "边")],
)
def test_cantonese_what_and_which_point_at_the_word_after_them(
    kb: KnowledgeBase, question: str, focus: str, asking: str
) -> None:
    """咩领域 is 什么领域, 边一章 哪一章: the question word is asked, not asked about."""
    query = build_query(kb.analyzer, kb.dictionary, question)
    assert [c.label for c in query.concepts if c.focus] == [focus]
    assert asking not in {c.label for c in query.concepts}


def test_two_is_a_number() -> None:
    question = "How many years did Quillop wait?"
    assert holds_answer("Two years later, Quillop listed in Leeds.", "amount", question)


def test_an_english_word_meets_its_synonyms_through_chinese(kb: KnowledgeBase) -> None:
    """ "nearly" is 几乎, whose English is "almost"; "firm" is 公司, "company". Only a word that
    translates back into the same Chinese counts: "tomorrow" (明日) does not become "day"."""
    query = build_query(kb.analyzer, kb.dictionary, "Which firm supplies nearly every chip?")
    terms = {t for c in query.concepts for t in c.terms}
    assert {"almost", "compani"} <= terms
    query = build_query(kb.analyzer, kb.dictionary, "what is the weather on mars tomorrow")
    assert "day" not in {t for c in query.concepts for t in c.terms}


def test_a_place_named_at_the_head_of_its_gloss_translates(kb: KnowledgeBase) -> None:
    """CC-CEDICT glosses 天台 "Tiantai county in Taizhou": English writes "Tiantai". (Its
    Kowloon, the first example, is now in the alias table.)"""
    query = build_query(kb.analyzer, kb.dictionary, "How far is Tiantai from the airport?")
    assert any("天台" in c.terms for c in query.concepts if c.label == "tiantai")


def test_a_question_word_cut_in_two_is_not_asked_about(kb: KnowledgeBase) -> None:
    """ "有多大" is cut 有/多/大: neither character is something the answer must say."""
    query = build_query(kb.analyzer, kb.dictionary, "星河电池的工厂有多大？")
    assert query.kind == "amount"
    assert not {"多", "大"} & {c.label for c in query.concepts}


def test_single_characters_side_by_side_are_one_short_name(kb: KnowledgeBase) -> None:
    """港说 (a short name the segmenter does not know) falls apart into 港 and 说."""
    query = build_query(kb.analyzer, kb.dictionary, "港说公司是哪一年成立的？")
    labels = {c.label for c in query.concepts}
    assert "港说" in labels and not {"港", "说"} & labels


def test_hong_kong_s_short_word_for_innovation_and_technology_meets_it(kb: KnowledgeBase) -> None:
    """创科 is no name to require of an English sentence: it says "innovation and technology"."""
    han = set(kb.analyzer.terms("创科用地"))
    assert han & set(kb.analyzer.terms("land for innovation and technology"))
    assert han & set(kb.analyzer.terms("創新科技用地"))


@pytest.mark.parametrize("question", ["冼德超喺邊間大學任教？", "冼德超係幾時創辦奎洛科技？"])
def test_a_name_the_segmenter_cuts_before_a_cantonese_particle_is_read_whole(
    empty_kb: KnowledgeBase, question: str
) -> None:
    """The article holds 冼德超 as one word; 喺 and 係 glued to it cut it 冼德 / 超 (超系)."""
    empty_kb.ingest_text(
        "---\ntitle: 奎洛科技\n---\n奎洛科技由冼德超在2015年创办，总部设于深圳。\n\n"
        "冼德超曾在布雷洛大学任教。"
    )
    answer = empty_kb.ask(question, log_it=False)
    assert answer.found and "冼德超" in answer.quotes[0].sentence.text
    names = RomanisedNames(empty_kb.dictionary)
    names.refresh(empty_kb.index.term_ids)
    query = build_query(empty_kb.analyzer, empty_kb.dictionary, question, names)
    assert "冼德超" in {c.label for c in query.concepts}


def test_a_figure_inside_the_question_s_year_is_still_an_answer() -> None:
    """ "2006年" in the question does not say the 200 of the sentence."""
    question = "奎洛从2006年开始每年招收多少名学生？"
    assert holds_answer("2006年起学校每年招收约200名学生。", "amount", question)
    assert not holds_answer("2006年起学校开始招收学生。", "amount", question)


@pytest.mark.parametrize(
    ("former", "now"),
    [("the Hong Kong Polytechnic", "理大"), ("City Polytechnic of Hong Kong", "城大")],
)
def test_a_university_s_former_name_is_that_university(
    kb: KnowledgeBase, former: str, now: str
) -> None:
    assert set(kb.analyzer.terms(former)) & set(kb.analyzer.terms(now))
