"""The analyzer: one pipeline for English, Simplified, Traditional and mixed text."""

from __future__ import annotations

from knowledge.service import KnowledgeBase


def test_english_stemming_stop_words_and_possessives(kb: KnowledgeBase) -> None:
    terms = kb.analyzer.terms("The founders of DeepSeek's lab")
    assert "founder" in terms and "deepseek" in terms and "the" not in terms and "of" not in terms
    assert kb.analyzer.terms("founders")[0] == kb.analyzer.terms("founder")[0]


def test_full_width_and_case_fold(kb: KnowledgeBase) -> None:
    assert kb.analyzer.terms("ＨＫＵＳＴ") == kb.analyzer.terms("hkust")


def test_accented_latin_words_stay_whole_and_match_without_their_accents(
    kb: KnowledgeBase,
) -> None:
    assert (
        kb.analyzer.terms("Café Zürich") == kb.analyzer.terms("cafe zurich") == ["cafe", "zurich"]
    )
    assert kb.analyzer.terms("naïve résumés") == kb.analyzer.terms("naive resume")
    assert kb.analyzer.terms("Nguyễn Văn") == ["nguyen", "van"]
    assert kb.analyzer.terms("e\u0301te\u0301") == kb.analyzer.terms("été") == ["ete"]
    # The span covers the accented word as written, for the highlight.
    (token,) = kb.analyzer.spans("À Zürich")[-1:]
    assert (token.term, token.start, token.end) == ("zurich", 2, 8)


def test_traditional_and_simplified_give_the_same_terms(kb: KnowledgeBase) -> None:
    assert kb.analyzer.terms("香港科技大學的創始人") == kb.analyzer.terms("香港科技大学的创始人")


def test_aliases_meet_across_languages(kb: KnowledgeBase) -> None:
    def groups(text: str) -> set[str]:
        return {t for t in kb.analyzer.terms(text) if t.startswith("~")}

    assert groups("HKUST") & groups("港科大") & groups("香港科技大學")
    assert groups("Hong Kong University of Science and Technology") & groups("HKUST")
    assert groups("DeepSeek") & groups("深度求索")
    assert groups("HK") & groups("香港")


def test_mixed_text_splits_latin_and_han(kb: KnowledgeBase) -> None:
    terms = kb.analyzer.terms("DeepSeek在2025年发布R1")
    assert {"deepseek", "2025", "r1", "发布"} <= set(terms)


def test_domain_words_stay_whole(kb: KnowledgeBase) -> None:
    terms = kb.analyzer.terms("康方生物")
    assert "方生" not in terms


def test_learning_an_alias_from_brackets(empty_kb: KnowledgeBase) -> None:
    result = empty_kb.ingest_text(
        "Zeta Widget Labs (澤塔器件) opened. 澤塔器件的總部在九龍。", title="Zeta"
    )
    assert ("Zeta Widget Labs", "澤塔器件") in result.learned_aliases
    answer = empty_kb.ask("Where are Zeta Widget Labs headquartered?")
    assert answer.found and "九龍" in answer.quotes[0].sentence.text


def test_a_common_word_before_brackets_is_not_learned_as_the_name(
    empty_kb: KnowledgeBase,
) -> None:
    """In "奇澤科技(Qize-Logic)" the name is 奇澤科技, not 科技; "公司 (Biotech)" names nothing."""
    result = empty_kb.ingest_text(
        "2014年，他們創立了奇澤科技(Qize-Logic)。這家公司(Biotech)在九龍。", title="Qize"
    )
    assert ("奇澤科技", "Qize-Logic") in result.learned_aliases
    assert not [pair for pair in result.learned_aliases if pair[0] in ("科技", "公司")]
    technology = empty_kb.analyzer.terms("科技公司")
    assert not [t for t in technology if t.startswith("~")]


def test_cantonese_question_words_are_not_topics(kb: KnowledgeBase) -> None:
    """ "而家", "嘅", "係邊位" ask; they are not words an article should be searched for."""
    terms = kb.analyzer.terms("港大而家嘅校長係邊位？佢哋幾時成立？")
    assert {"港大", "校长"} <= set(terms)
    assert not {"而家", "嘅", "系边位", "系边", "系", "边位", "几时", "佢哋"} & set(terms)


def test_the_alias_table_knows_places_firms_and_people_apart() -> None:
    from knowledge.aliases import AliasTable

    table = AliasTable.from_lines(
        [
            "# --- places and regions",
            "Hong Kong\t香港",
            "# --- companies",
            "Quillop\t奎洛普",
            "# --- people",
            "Ada Brell\t白雅达",
        ]
    )
    kinds = {form: table.may_be_person(token) for form, token in table.by_form.items()}
    assert kinds == {
        "hong kong": False,
        "香港": False,
        "quillop": False,
        "奎洛普": False,
        "ada brell": True,
        "白雅达": True,
    }
    token, _ = table.add_group(["Brellow", "布雷洛"])  # learned from an article: could be anyone
    assert table.may_be_person(token)


def test_words_no_dictionary_knows_are_coined(kb: KnowledgeBase) -> None:
    assert kb.analyzer.coined("岚溪") and not kb.analyzer.coined("大学")
    assert not kb.analyzer.coined("边位") and not kb.analyzer.coined("hkust")


def test_a_verb_split_from_its_object_by_a_particle_is_joined_again(kb: KnowledgeBase) -> None:
    assert kb.analyzer.rejoined("總共融咗幾多資?") == "總共融資咗幾多?"
    assert kb.analyzer.rejoined("它上了市") == "它上市了"
    assert kb.analyzer.rejoined("过了几年才上市") == "过了几年才上市"  # 几年 is a count


def test_a_name_of_letters_and_characters_is_found_in_running_text(kb: KnowledgeBase) -> None:
    """ "K藥" and "第18A章" are no run of words: they are found by their characters."""

    def groups(text: str) -> set[str]:
        return {t for t in kb.analyzer.terms(text) if t.startswith("~")}

    assert groups("Keytruda") <= groups("星河醫藥說，K藥去年的銷量增長了一成。")
    assert groups("Chapter 18A") <= groups("公司根據第18A章申請上市。")


def test_the_spans_of_some_terms_are_those_the_whole_analysis_gives_them(
    kb: KnowledgeBase,
) -> None:
    # spans_of skips the Han runs that cannot hold one of the terms: the spans must not change,
    # for nested alias forms (香港 in 香港科技大學), Latin forms of several words, Traditional
    # and full-width text, letters inside a Chinese word (K药).
    texts = [
        "香港科技大學（HKUST）於1991年創辦，校長是葉玉如。",
        "The Hong Kong University of Science and Technology opened in 1991; ＦＵＬＬ 港科大。",
        "K药在香港上市，信达生物的俞德超说：香港中文大学和香港大学都很好。",
        "第18A章规定，生物科技公司可以在港交所上市。北京大学、清华大学和复旦大学。",
    ]
    analyzer = kb.analyzer
    for text in texts:
        tokens = analyzer.spans(text)
        terms = sorted({t.term for t in tokens})
        for picked in [{a} for a in terms] + [{a, b} for a in terms for b in terms if a < b]:
            whole = {(t.start, t.end) for t in tokens if t.term in picked}
            assert set(analyzer.spans_of(text, picked)) == whole, (text, picked)
