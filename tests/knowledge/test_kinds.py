"""What kind of answer a question asks for (who, when, how many, how much...), and whether a
sentence holds one that the question does not already say."""

from __future__ import annotations

import pytest

from knowledge.kinds import classify, holds_answer, states_sum
from knowledge.normalize import fold


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


def test_a_role_the_question_names_is_no_person() -> None:
    question = "Who is Quillop's CEO?"
    assert not holds_answer("Quillop is close to appointing its first CEO.", "person", question)
    assert holds_answer("Quillop named its chairman as CEO.", "person", question)


def test_how_many_ten_thousand_shares_is_a_count_not_a_sum() -> None:
    assert classify("奎洛今次公開發售有幾多萬股H股？") == "amount"


def test_how_much_money_asks_for_a_sum_whatever_else_counts() -> None:
    """ "嗰幾個月" is "the few months before"; "幾多錢" asks for a sum."""
    assert classify("奎洛上市之前嗰幾個月，布雷洛喺香港IPO集咗幾多錢？") == "money"


def test_an_investment_firm_s_name_answers_which_firm() -> None:
    """资本 and 创投 end the names of investment firms (高瓴资本, 启明创投)."""
    question = "哪些投资机构早年押注奎洛？"
    assert holds_answer("君联资本、启明创投等先后下注奎洛。", "organisation", question)


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


def test_how_many_people_is_a_count_and_no_sum() -> None:
    """销售团队 holds 售 (sell), a word for money; 几多人 still counts people, 几多队 teams."""
    assert classify("奎洛公司計劃組建一支幾多人嘅銷售團隊？") == "amount"
    assert classify("奎洛計劃最少會資助幾多隊研究團隊？") == "amount"


def test_two_is_a_number() -> None:
    question = "How many years did Quillop wait?"
    assert holds_answer("Two years later, Quillop listed in Leeds.", "amount", question)


def test_a_figure_inside_the_question_s_year_is_still_an_answer() -> None:
    """ "2006年" in the question does not say the 200 of the sentence."""
    question = "奎洛从2006年开始每年招收多少名学生？"
    assert holds_answer("2006年起学校每年招收约200名学生。", "amount", question)
    assert not holds_answer("2006年起学校开始招收学生。", "amount", question)
