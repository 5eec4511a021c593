"""Which sentences answer: what a question's year and its article's date say."""

from __future__ import annotations

from knowledge.service import KnowledgeBase


def ingest_other_topics(kb: KnowledgeBase, chinese: bool = False) -> None:
    """Five short articles about other things, so that the words of the article under test
    are rare and weigh what they would in a real collection."""
    for n, topic in enumerate(
        ["划船", "烘焙", "象棋", "园艺", "航海"]
        if chinese
        else ["rowing", "baking", "chess", "gardening", "sailing"]
    ):
        kb.ingest_text(
            f"---\ntitle: {topic}笔记\n---\n俱乐部去年举办了{n + 2}次{topic}聚会。\n\n"
            f"会员为初学者写了一本{topic}指南。"
            if chinese
            else f"---\ntitle: Notes on {topic}\n---\nThe club held {n + 2} meetings on "
            f"{topic} last year.\n\nMembers wrote a guide to {topic} for beginners."
        )


REPORT = """---
title: Quillop lists in Leeds
published: 2019-04-24
---
Quillop Biotech raised 3 billion yuan when it listed in Leeds on April 24.

Quillop Biotech had raised 1 billion yuan from venture funds in 2016."""


def test_a_year_in_the_question_is_answered_from_the_article_date(empty_kb: KnowledgeBase) -> None:
    """ "on April 24" in an article published in 2019 is about 2019."""
    empty_kb.ingest_text(REPORT)
    answer = empty_kb.ask("How much did Quillop Biotech raise in 2019?", log_it=False)
    assert answer.found and "3 billion" in answer.quotes[0].sentence.text


def test_a_sentence_about_another_year_does_not_answer(empty_kb: KnowledgeBase) -> None:
    empty_kb.ingest_text(REPORT)
    answer = empty_kb.ask(
        "How much did Quillop Biotech raise from venture funds in 2017?", log_it=False
    )
    assert not answer.found


RULES = """---
title: A new way to list
published: 2023-04-06
---
The Quillop Rules let young technology firms list in Leeds before they earn revenue.

Firms must show a market value of at least 6 billion pounds when they apply.

Investors had asked for such a route for several years.

Advisers expect a dozen firms to apply in the first year.

The exchange published the consultation conclusions on 24 March 2023."""


def test_a_name_the_article_is_about_need_not_be_repeated_in_each_sentence(
    empty_kb: KnowledgeBase,
) -> None:
    """An article about the Quillop Rules says "the consultation conclusions" paragraphs after
    it last named them; a sentence naming some other thing would still not answer."""
    empty_kb.ingest_text(RULES)
    answer = empty_kb.ask(
        "When were the Quillop Rules consultation conclusions published?", log_it=False
    )
    assert answer.found and "24 March 2023" in answer.quotes[0].sentence.text


def test_a_word_no_dictionary_knows_is_a_name_the_answer_must_hold(
    empty_kb: KnowledgeBase,
) -> None:
    """岚溪 is in no dictionary: a name. A principal of another university is no answer."""
    empty_kb.ingest_text(
        "---\ntitle: 岚溪研究院\npublished: 2024-01-01\n---\n"
        "岚溪研究院去年成立了新的实验室，研究海洋生物。\n\n实验室有四十名研究人员。"
    )
    empty_kb.ingest_text(
        "---\ntitle: 嘉禾大学\npublished: 2024-01-01\n---\n"
        "嘉禾大学现任校长是王立德教授。\n\n嘉禾大学有两万名学生。"
    )
    assert not empty_kb.ask("岚溪的校长是谁？", log_it=False).found
    answer = empty_kb.ask("嘉禾大学的校长是谁？", log_it=False)
    assert answer.found and "王立德" in answer.quotes[0].sentence.text


HISTORY = """---
title: Brellow University
published: 2024-03-01
---
Brellow University opened in 1985 with 300 students.

Its library holds two million books.

In 2024 the university celebrated a new library wing."""


def test_a_question_about_now_is_not_answered_from_history(empty_kb: KnowledgeBase) -> None:
    empty_kb.ingest_text(HISTORY)
    assert not empty_kb.ask(
        "How many students does Brellow University have now?", log_it=False
    ).found
    answer = empty_kb.ask("How many students did Brellow University open with?", log_it=False)
    assert answer.found and "300 students" in answer.quotes[0].sentence.text


def test_a_place_is_not_the_person_asked_for(empty_kb: KnowledgeBase) -> None:
    """ "Leveraging Hong Kong's" is capitalised like a name, and Hong Kong is a place."""
    empty_kb.ingest_text(
        "---\ntitle: Quillop council\npublished: 2024-03-01\n---\n"
        "Leveraging Hong Kong's strengths, the Quillop council set new goals for research."
    )
    assert not empty_kb.ask("Who chairs the Quillop council?", log_it=False).found


def test_a_known_name_no_article_writes_in_the_tables_forms_is_not_required(
    empty_kb: KnowledgeBase,
) -> None:
    """中國醫學科學院腫瘤醫院 is in the alias table; an article writes it another way. The other
    names of the question still decide, and the sentence naming them answers."""
    ingest_other_topics(empty_kb)
    empty_kb.ingest_text(
        "---\ntitle: Brellow at the Two Sessions\npublished: 2025-03-08\n---\n"
        "At the Two Sessions, Ada Quillop, chief physician at the Cancer Hospital of the Medical "
        "Academy, praised Akeso's new drug.\n\nThe drug was approved in 2024."
    )
    answer = empty_kb.ask(
        "在两会上称赞康方生物新药的中国医学科学院肿瘤医院主任医师是谁？", log_it=False
    )
    assert answer.found and "Ada Quillop" in answer.quotes[0].sentence.text


def test_a_sentence_naming_the_answer_and_one_of_the_questions_names_answers(
    empty_kb: KnowledgeBase,
) -> None:
    """The question's rarest name (NPC deputy) is elsewhere in the article; the sentence names
    Andrew Yao, whom the question names too, and Lingnan University, which answers."""
    for n, topic in enumerate(["rowing", "baking", "chess"]):
        empty_kb.ingest_text(
            f"---\ntitle: Notes on {topic}\n---\nAndrew Yao gave {n + 2} talks on {topic} "
            f"last year.\n\nMembers wrote a guide to {topic} for beginners."
        )
    empty_kb.ingest_text(
        "---\ntitle: Deputies speak\npublished: 2025-03-05\n---\n"
        "Nancy Ip, an NPC deputy, spoke about research funding at the meeting.\n\n"
        "The meeting lasted two hours in the main hall.\n\n"
        "As Andrew Yao, another deputy to the NPC and chairman of the Lingnan University "
        "council, noted, much work remains."
    )
    answer = empty_kb.ask("Which university's council does NPC deputy Andrew Yao chair?")
    assert answer.found and "Lingnan" in answer.quotes[0].sentence.text


def test_a_cantonese_question_with_a_split_verb_finds_its_word(empty_kb: KnowledgeBase) -> None:
    """ "融咗幾多資" asks about 融資, the word the article holds."""
    ingest_other_topics(empty_kb, chinese=True)
    empty_kb.ingest_text(
        "---\ntitle: 奎洛普的融资\npublished: 2025-08-01\n---\n"
        "截至2025年7月，奎洛普累计融资逾人民币135亿元。\n\n奎洛普在北京设有研发中心。"
    )
    answer = empty_kb.ask("奎洛普總共融咗幾多資?", log_it=False)
    assert answer.found and "135" in answer.quotes[0].sentence.text


def test_a_chinese_name_answers_who(empty_kb: KnowledgeBase) -> None:
    """梅琳 is in no dictionary and starts with a surname: the person "谁" asks for. The
    sentence about the telescope names a city, no person."""
    empty_kb.ingest_text(
        "---\ntitle: 佐布拉克斯天文台\n---\n"
        "佐布拉克斯天文台位于九龙，由天文学家梅琳于1987年创立。\n\n"
        "天文台的折射望远镜在格拉斯哥制造，经海路运到香港。"
    )
    answer = empty_kb.ask("佐布拉克斯天文台是谁创立的？", log_it=False)
    assert answer.found and "梅琳" in answer.quotes[0].sentence.text


FOUNDER = """---
title: 魏思超与星河电池
published: 2021-05-01
---
魏思超表示，星河电池明年会在三个城市设厂。魏思超出生在浙江省宁波市，大学读的是化学。星河电池的工厂雇用了\
两千名工人。"""


def test_a_name_the_segmenter_cut_across_is_still_in_the_sentence(
    empty_kb: KnowledgeBase,
) -> None:
    """ "魏思超出生" is cut 魏思/超出/生: the sentence still writes the name and the verb."""
    empty_kb.ingest_text(FOUNDER)
    answer = empty_kb.ask("Where was Wei Sichao born?", log_it=False)
    assert answer.found and "宁波市" in answer.quotes[0].sentence.text


def test_a_word_inside_a_longer_word_is_not_found_by_its_characters(
    empty_kb: KnowledgeBase,
) -> None:
    """智能 is not in a sentence that writes 人工智能: that is another word, so nothing says
    whether the firm makes smart watches."""
    empty_kb.ingest_text(
        "---\ntitle: 奎洛普公司\n---\n奎洛普公司在北京设有人工智能实验室。\n\n"
        "奎洛普公司的手表由深圳的工厂生产。"
    )
    assert not empty_kb.ask("奎洛普公司有智能手表吗？", log_it=False).found


CAREER = """---
title: 魏思超的履历
published: 2022-03-01
---
魏思超在大学读的是化学。毕业后，魏思超出生地的工厂请他回去，他没有去。2020年，魏思超加入了华为。\
魏思超在宁波长大。"""


def test_a_firm_the_dictionary_knows_answers_which_company(kb: KnowledgeBase) -> None:
    """华为 has no company word beside it; CC-CEDICT glosses it "Huawei (brand)"."""
    kb.ingest_text(CAREER)
    answer = kb.ask("魏思超后来加入了哪家公司？", log_it=False)
    assert answer.found and "华为" in answer.quotes[0].sentence.text


def test_a_city_the_dictionary_knows_answers_where(kb: KnowledgeBase) -> None:
    kb.ingest_text(CAREER)
    answer = kb.ask("魏思超在哪里长大？", log_it=False)
    assert answer.found and "宁波" in answer.quotes[0].sentence.text


CHIPS = """---
title: 星河電池的印表機
published: 2022-03-01
---
星河電池的工廠雇用了兩千名工人。星河電池在2021年開始賣雷射印表機。星河電池在2019年開始賣電池。"""


def test_a_mainland_word_finds_the_taiwan_word_for_it(kb: KnowledgeBase) -> None:
    """激光打印机 asked, 雷射印表機 written: folding the script alone keeps both words."""
    kb.ingest_text(CHIPS)
    answer = kb.ask("星河电池哪一年开始卖激光打印机？", log_it=False)
    assert answer.found and "2021" in answer.quotes[0].sentence.text


POLYTECHNIC = """---
title: 香港理工大学的新实验室
published: 2024-05-01
---
香港理工大学今年开设了一个电池实验室。实验室有四十名研究人员，研究固态电池。"""


def test_a_hong_kong_university_s_short_name_is_that_university(kb: KnowledgeBase) -> None:
    """理大 is 香港理工大学: an article about it that names no president does not answer, and
    the bundled sentence naming HKUST's president is about another university."""
    kb.ingest_text(POLYTECHNIC)
    assert not kb.ask("理大的校长是谁？", log_it=False).found
    answer = kb.ask("理大开设了什么实验室？", log_it=False)
    assert answer.found and "理工大学" in answer.quotes[0].sentence.text


NICKNAME = """---
title: A battery maker's nickname
published: 2022-03-01
---
Xinghe is often called the "Green Engine" by investors. The battery maker has plants in \
three cities."""


def test_a_chinese_word_no_dictionary_translates_is_no_evidence_against_english(
    empty_kb: KnowledgeBase,
) -> None:
    """常 ("often") has no translation: an English sentence cannot be asked to say it."""
    empty_kb.ingest_text(NICKNAME)
    answer = empty_kb.ask("星河常被称为什么？", log_it=False)
    assert answer.found and "Green Engine" in answer.quotes[0].sentence.text


LISTING = """---
title: Nimbus lists in Hong Kong
published: 2025-01-10
---
Nimbus listed on Friday. Nimbus priced its shares at 16 dollars each, the top of its range. The \
offering in Hong Kong raised 1.2 billion dollars."""

NIMBUS_LAB = """---
title: Nimbus opens a lab
published: 2025-03-02
---
Nimbus opened a robotics lab in Leeds. Nimbus hired forty engineers there.

Nimbus also named a new chairman in March."""


def test_a_name_its_context_gives_lets_the_sentence_that_says_the_predicate_answer(
    kb: KnowledgeBase,
) -> None:
    """ "How much did Nimbus raise": the sentence with "raised" answers, though only the title
    names Nimbus, rather than a sentence naming Nimbus and a price but not what was raised."""
    kb.ingest_text(LISTING)
    kb.ingest_text(NIMBUS_LAB)
    answer = kb.ask("How much did Nimbus raise in Hong Kong?", log_it=False)
    assert answer.found and "1.2 billion" in answer.quotes[0].sentence.text


def test_the_stock_exchange_of_hong_kong_is_hkex(kb: KnowledgeBase) -> None:
    """The Stock Exchange of Hong Kong, as a listing rulebook names it, is 港交所 of a question."""
    kb.ingest_text(
        "---\ntitle: A paper on listing\npublished: 2022-10-20\n---\n"
        "On 19 October 2022, the Stock Exchange of Hong Kong published a consultation paper on "
        "a new listing route."
    )
    answer = kb.ask("港交所哪天发布了咨询文件？", log_it=False)
    assert answer.found and "19 October 2022" in answer.quotes[0].sentence.text


def test_a_hong_kong_district_is_found_by_its_chinese_name(kb: KnowledgeBase) -> None:
    """San Tin, as English writes the district, is 新田."""
    kb.ingest_text(
        "---\ntitle: 新田的科技用地\npublished: 2024-11-20\n---\n"
        "新田科技城将提供约300公顷创科用地。"
    )
    answer = kb.ask("How many hectares of land will the San Tin Technopole provide?", log_it=False)
    assert answer.found and "新田" in answer.quotes[0].sentence.text


def test_the_hong_kong_bourse_is_hkex_and_the_sar_government_hong_kongs(
    kb: KnowledgeBase,
) -> None:
    """ "Hong Kong's bourse" is HKEX; 特区政府 is asked of an article saying "the Government"."""
    kb.ingest_text(
        "---\ntitle: Qorvane lists in Hong Kong\npublished: 2025-03-02\n---\n"
        "Qorvane chose HKEX for its listing because of its deep pool of investors. "
        "The Government will set up a HK$3 billion Quillan Fund to attract data centres."
    )
    answer = kb.ask("Why did Qorvane list on Hong Kong's bourse?", log_it=False)
    assert answer.found and "deep pool" in answer.quotes[0].sentence.text
    answer = kb.ask("特区政府设立的数据中心基金有多少钱？", log_it=False)
    assert answer.found and "HK$3 billion" in answer.quotes[0].sentence.text


FIRM = """---
title: Arms that sort parcels
published: 2024-05-02
---
Varnel Robotics was founded by Ada Lorne, a former engineer at the Brisk Institute in Leeds. \
Its arms now sort parcels in forty warehouses. Customers praise the arms for their low noise. \
In 2019 the firm founded a second lab near the station."""


def test_a_year_far_from_what_was_asked_does_not_answer_when(empty_kb: KnowledgeBase) -> None:
    """The sentence about the founding gives no year; the one year the article holds is
    about another founding, in a sentence that matches the question far less: no answer."""
    empty_kb.ingest_text(FIRM)
    assert not empty_kb.ask("When did Ada Lorne found Varnel Robotics?", log_it=False).found


def test_the_sentence_after_the_best_one_may_give_the_answer(empty_kb: KnowledgeBase) -> None:
    """It goes on from the best one: "Lorne set it up in 2015" says when."""
    empty_kb.ingest_text(
        FIRM.replace(
            "Its arms now sort parcels in forty warehouses.",
            "Lorne set it up in the spring of 2015, in a rented garage.",
        )
    )
    answer = empty_kb.ask("When did Ada Lorne found Varnel Robotics?", log_it=False)
    assert answer.found and "2015" in answer.quotes[0].sentence.text


def test_a_known_name_no_article_holds_is_required_when_it_is_the_only_name(
    empty_kb: KnowledgeBase,
) -> None:
    """Synopsys is in the alias table and in no article: asked alone, that is the evidence
    that nothing answers, whoever else's founder an article names."""
    ingest_other_topics(empty_kb)
    empty_kb.ingest_text(
        "---\ntitle: Quillop Labs\npublished: 2024-01-01\n---\n"
        "Quillop Labs was founded by Ada Lorne in Leeds.\n\nIts revenue grew by a third."
    )
    assert not empty_kb.ask("Who founded Synopsys?", log_it=False).found
    answer = empty_kb.ask("Who founded Quillop Labs?", log_it=False)
    assert answer.found and "Ada Lorne" in answer.quotes[0].sentence.text


def test_a_place_the_alias_table_knows_answers_where(empty_kb: KnowledgeBase) -> None:
    """白石角 (Pak Shek Kok) stands in the alias table's places: it says where, though it
    has no place's ending."""
    ingest_other_topics(empty_kb, chinese=True)
    empty_kb.ingest_text(
        "---\ntitle: 奎洛生物\npublished: 2024-01-01\n---\n"
        "奎洛生物的实验室去年搬到了白石角。\n\n奎洛生物去年收入增长三成。"
    )
    answer = empty_kb.ask("奎洛生物的实验室搬到了哪里？", log_it=False)
    assert answer.found and "白石角" in answer.quotes[0].sentence.text


def test_the_publisher_a_question_names_is_the_article_s_source(empty_kb: KnowledgeBase) -> None:
    """ "According to the Brellow Times" names the article's source, which no sentence writes."""
    ingest_other_topics(empty_kb)
    empty_kb.ingest_text(
        "---\ntitle: A robot maker grows\nsource: Brellow Times\npublished: 2024-01-01\n---\n"
        "Quillop Robotics now employs 430 engineers in Leeds.\n\nIts arms sort parcels."
    )
    answer = empty_kb.ask(
        "According to the Brellow Times, how many engineers does Quillop Robotics employ?",
        log_it=False,
    )
    assert answer.found and "430" in answer.quotes[0].sentence.text
