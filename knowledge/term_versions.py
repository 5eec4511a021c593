"""Which analyzer made a knowledge base's stored terms, and which texts each newer one terms
differently: what ``knowledge.reterm`` reads to re-term only the sentences a change concerns."""

from __future__ import annotations

import re

from knowledge.text import HAN

# Raised whenever a change gives some text other terms than before: a knowledge base stored with
# an older version re-terms the sentences concerned when it opens (reterm.upgrade_terms).
ANALYZER_VERSION = 9
# For each older version, the texts whose terms differ from what it gave (None: any text).
# 1 -> 2: Latin letters with diacritics were separators ("café" gave "caf").
# 2 -> 3: Cantonese function and question words are words of their own, and stop words.
# 3 -> 4: the alias table names every public university of Hong Kong (理大, CityU, 浸大...).
# 4 -> 5: alias forms of letters and characters (K药, 第18A章) are found by their characters.
# 5 -> 6: the alias table names Hong Kong's districts and development areas, and the words of
#         a listing (offer price, closing price, raise, cornerstone investor, prospectus...).
# 6 -> 7: PhD, doctorate and 博士学位 join the doctoral graduates' group.
# 7 -> 8: the Hong Kong SAR (HKSAR, 香港特区, 特区) is Hong Kong's group, not one of its own;
#         "Hong Kong bourse" names HKEX.
# 8 -> 9: "Tsinghua" alone names Tsinghua University; Peking University (北京大学, 北大) a group.
TERMS_CHANGED_SINCE: dict[int, re.Pattern[str] | None] = {
    1: re.compile("[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff\u0300-\u036f]"),
    2: re.compile("[係系邊边幾几嘅咗嗰啲佢乜喺冇嘢而點点咁甚哪]"),
    3: re.compile(
        "理大|理工大|城大|城市大|浸大|浸会|浸會|教大|教育大|都大|都會大|都会大"
        "|polyu|cityu|hkbu|eduhk|hkmu|polytechnic|city university|baptist"
        "|education university|metropolitan university",
        re.IGNORECASE,
    ),
    4: re.compile(f"[A-Za-zＡ-Ｚａ-ｚ][{HAN}]|[{HAN}][0-9０-９]+[A-Za-zＡ-Ｚａ-ｚ][{HAN}]"),
    5: re.compile(
        "九[龙龍]|新界|大[屿嶼]山|lantau|[湾灣]仔|油尖旺|深水埗|[黄黃]大仙|[观觀]塘|荃[湾灣]|屯[门門]"
        "|元朗|大埔|西[贡貢]|葵青|[将將]军澳|[将將]軍澳|[启啟]德|尖沙咀|[铜銅][锣鑼][湾灣]|[东東]涌"
        "|清水[湾灣]|新田|落[马馬]洲|kowloon|new territories|wan chai|yau tsim|sham shui|wong tai"
        "|kwun tong|tsuen wan|tuen mun|yuen long|tai po|sai kung|kwai tsing|tseung kwan|kai tak"
        "|tsim sha|causeway bay|tung chung|clear water bay|san tin|lok ma chau"
        "|联合交易所|聯合交易所|sehk|stock exchange of hong kong"
        "|[发發]售[价價]|招股|[发發]行[价價]|offer(?:ing)? price|收市|收[盘盤]"
        "|closing price|closed at"
        "|rais|fundrais|募[资資]|集[资資]|[筹籌][资資]|融[资資]|cornerstone|基石投|prospectus"
        "|net proceeds|所得款[项項]|oversubscri|超[额額][认認][购購]|hang seng|[恒恆]生指|恒指",
        re.IGNORECASE,
    ),
    6: re.compile("phd|doctorate|doctoral degree|博士[学學]位", re.IGNORECASE),
    7: re.compile("hong kong sar|hksar|特[区區]|bourse", re.IGNORECASE),
    8: re.compile("tsinghua|peking university|北京大[学學]|北大", re.IGNORECASE),
}
