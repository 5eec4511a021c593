"""Which analyzer made a knowledge base's stored terms, and which texts each newer one terms
differently: what ``knowledge.reterm`` reads to re-term only the sentences a change concerns."""

from __future__ import annotations

import re

from knowledge.text import HAN

# Raised whenever a change gives some text other terms than before: a knowledge base stored with
# an older version re-terms the sentences concerned when it opens (reterm.upgrade_terms).
ANALYZER_VERSION = 13
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
# 9 -> 10: the alias table names the drug makers, technology firms, banks and investors most
#          written about in Hong Kong's listings (Innovent, 信达生物, Hillhouse, 高瓴...).
# 10 -> 11: 创科 (Hong Kong's short word for innovation and technology) is a group with
#           "innovation and technology" and 创新科技.
# 11 -> 12: Hong Kong universities' former names (Hong Kong Polytechnic, City Polytechnic,
#           Baptist College, Institute of Education, Open University, Lingnan College).
# 12 -> 13: "Innovent" alone leaves Innovent Biologics' group: stemmed, it is innov, which
#           every "innovation" and "innovative" is.
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
    9: re.compile(
        "innovent|信达生物|信達生物|innocare|诺诚健华|諾誠健華|insilico|英矽智能|beigene"
        "|百济神州|百濟神州|hutchmed|和黄医药|和黃醫藥|zai lab|再鼎医药|再鼎醫藥|legend biotech"
        "|传奇生物|傳奇生物|hansoh|翰森制药|翰森製藥|cspc|石药集团|石藥集團|wuxi apptec"
        "|药明康德|藥明康德|wuxi biologics|药明生物|藥明生物|ascletis|歌礼|歌禮|henlius"
        "|复宏汉霖|復宏漢霖|alphamab|康宁杰瑞|康寧傑瑞|remegen|荣昌生物|榮昌生物"
        "|everest medicines|云顶新耀|雲頂新耀|cansino|康希诺|康希諾|sino biopharm|中国生物制药"
        "|中國生物製藥|fosun pharma|复星医药|復星醫藥|hengrui|恒瑞医药|恒瑞醫藥|lilly|礼来|禮來"
        "|novartis|诺华|諾華|sanofi|赛诺菲|賽諾菲|gsk|glaxosmithkline|葛兰素史克|葛蘭素史克"
        "|bayer|拜耳|amgen|安进|安進|moderna|莫德纳|莫德納|bristol myers squibb"
        "|bristol-myers squibb|bms|百时美施贵宝|百時美施貴寶|summit therapeutics|萨米特|薩米特"
        "|megvii|旷视|曠視|iflytek|科大讯飞|科大訊飛|ubtech|优必选|優必選|horizon robotics"
        "|地平线|地平線|black sesame|黑芝麻智能|moonshot ai|月之暗面|stepfun|阶跃星辰|階躍星辰"
        "|unitree|宇树|宇樹|tencent|腾讯|騰訊|meituan|美团|美團|microsoft|微软|微軟|smic"
        "|semiconductor manufacturing international|中芯|huawei|华为|華為|catl|宁德时代"
        "|寧德時代|byd|比亚迪|比亞迪|hsbc|汇丰|滙豐|匯豐|standard chartered|渣打|hang seng|恒生"
        "|hillhouse|高瓴|legend capital|君联资本|君聯資本|temasek|淡马锡|淡馬錫|sequoia"
        "|hongshan|红杉资本|紅杉資本|红杉中国|紅杉中國|qiming|启明创投|啟明創投",
        re.IGNORECASE,
    ),
    10: re.compile("innovation and technology|[创創]科|[创創]新科技", re.IGNORECASE),
    11: re.compile(
        "lingnan college|[岭嶺]南[学學]院|hong kong polytechnic|香港理工[学學]院|city polytechnic"
        "|城市理工|baptist college|[浸][会會][学學]院|institute of education|香港教育[学學]院"
        "|open university of hong kong|香港公[开開]大[学學]",
        re.IGNORECASE,
    ),
    12: re.compile("innov", re.IGNORECASE),
}
