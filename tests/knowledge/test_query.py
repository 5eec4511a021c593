"""How a question is read into concepts (its names, what it counts, the words that ask) and what a
sentence must then hold."""

from __future__ import annotations

import pytest

from knowledge.evidence import counts, measured
from knowledge.kinds import classify, holds_answer
from knowledge.query import build_query
from knowledge.service import KnowledgeBase
from knowledge.translate import RomanisedNames


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


def test_shares_are_counted_by_their_measure_word(kb: KnowledgeBase) -> None:
    query = build_query(kb.analyzer, kb.dictionary, "How many shares is each founder selling?")
    shares = measured(frozenset(t for c in query.concepts if c.unit for t in c.terms))
    assert counts(kb.analyzer.analyze("两位创始人将通过配售分别减持150万股。"), shares)


def test_a_number_with_its_measure_word_answers_how_many(kb: KnowledgeBase) -> None:
    """ "几条" asks, it is not asked about; "三条生产线" and "十多年" state amounts."""
    question = "奎洛中心至少会有几条生产线？"
    query = build_query(kb.analyzer, kb.dictionary, question)
    assert "几条" not in {c.label for c in query.concepts}
    assert holds_answer("换言之,奎洛中心至少会有三条生产线。", "amount", question)
    units = frozenset(t for c in query.concepts if c.unit for t in c.terms)
    assert counts(kb.analyzer.analyze("奎洛中心至少会有三条生产线。"), units)
    assert holds_answer("奎洛研究院亦有十多年歷史。", "amount", "奎洛研究院有多少年历史了？")


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


def test_where_it_is_located_asks_for_a_place_and_nothing_more(kb: KnowledgeBase) -> None:
    query = build_query(kb.analyzer, kb.dictionary, "Where is the Quillop Centre located?")
    assert query.kind == "place"
    assert [(c.label, c.focus) for c in query.concepts if not c.name] == [("locat", True)]
    assert classify("奎洛大学位于香港哪个区？") == "place"


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


@pytest.mark.parametrize(
    ("former", "now"),
    [("the Hong Kong Polytechnic", "理大"), ("City Polytechnic of Hong Kong", "城大")],
)
def test_a_university_s_former_name_is_that_university(
    kb: KnowledgeBase, former: str, now: str
) -> None:
    assert set(kb.analyzer.terms(former)) & set(kb.analyzer.terms(now))


def test_innovation_is_not_innovent(kb: KnowledgeBase) -> None:
    """A firm's name that stems to an everyday word's stem (Innovent: innov) is no alias form:
    every sentence on innovation would name the firm."""
    innovent = set(kb.analyzer.terms("信达生物"))
    assert innovent & set(kb.analyzer.terms("Innovent Biologics"))
    assert not innovent & set(kb.analyzer.terms("innovative drugs and innovation"))
