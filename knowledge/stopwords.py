"""Words that carry no topic: English stop words, Chinese function and question words, and
Hong Kong's written Cantonese ones (folded to Simplified)."""

from __future__ import annotations

ENGLISH_STOP = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can could did do does doing don't down during each
    few for from further had has have having he her here hers herself him himself his how i if
    in into is isn't it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up
    very was wasn't we were what when where which while who whom whose why will with would you
    your yours yourself yourselves also one s t did does ever many much say said says tell
    according whether yet kind kinds type types sort make made makes come came comes use used
    uses get got gets still need needs better name named called call thing things way ways
    happen happened go went know known""".split()
)
# Cantonese function and question words as Hong Kong writes them, folded to Simplified
# ("係邊個" -> "系" "边个"). jieba's dictionary is Mandarin: without these, "係邊位" came out
# as one unknown word that a question then asked the articles for.
CANTONESE_WORDS = """系 边个 边位 边度 边间 边年 边一年 边一个 边啲 几多 几时 几耐 而家
    乜嘢 乜 点解 点样 嗰 嗰个 嗰间 嗰啲 嗰位 啲 嘅 咗 佢 佢哋 咁 喺 冇 嘢 系咪 有冇 唔 噉
    嚟 睇 入面 几号""".split()
# Function words and question words; single characters that carry no topic on their own.
CHINESE_STOP = frozenset(
    """的 了 是 在 和 与 及 或 也 都 就 而 又 还 被 把 给 让 对 从
    向 于 以 之 其 这 那 这个 那个 这些 那些 一个 个 们 吗 呢 吧 啊
    呀 么 什么 谁 哪 哪个 哪些 哪所 哪家 哪位 哪里 哪儿 哪年 哪一年
    一年 几 多少 怎么 怎样 如何 为什么 为何 何时 何地 是否 有没有 有
    没有 所 请问 请 告诉 我 你 他 她 它 我们 你们 他们 曾 已 已经 将
    会 能 可以 该 此 等 时 年 月 日 中 后 前 上 下 里 内 外 第 章
    新 做 叫 仍 为 称 哪款 哪种 那类 那家 那种 这家 一家 哪间 哪座
    什么样 是什么 叫什么 称为 被称为 几个 第几 甚么 哪天 哪一天""".split()
    + CANTONESE_WORDS
)
