"""The bot's texts in Simplified Chinese: one entry per key of bot/i18n/__init__.py's ``MESSAGES``.

Telegram HTML unless the key starts with ``plain_`` (see bot/i18n/__init__.py).
"""

from __future__ import annotations

from bot.words import NOT_FOUND

TEXTS: dict[str, str] = {
    # /start, /help and the bot's description say what this installation holds (bot/about.py
    # fills them in): the number of articles and their titles, never a fixed subject.
    "start": (
        "你好！我根据 {articles}回答问题，逐字引用原文句子并注明出处。其中有：\n{titles}\n\n"
        "直接用中文或英文发问即可。发送 /help 查看更多。"
    ),
    "start_empty": (
        "你好！我根据文章库回答问题，逐字引用原文句子并注明出处，"
        "但文章库目前是空的：管理员可以加入文章。"
    ),
    "plain_more_titles": "……另有 {n} 篇",
    "plain_description": (
        "我根据 {articles}回答问题，逐字引用原文句子并注明出处，中英文提问皆可。其中有：{titles}"
    ),
    "plain_description_empty": "我根据文章库回答问题，逐字引用原文句子并注明出处，中英文提问皆可。",
    "plain_short_description": "根据 {articles}回答并注明出处：{titles}",
    "plain_short_description_empty": "逐字引用文章原句并注明出处来回答问题。",
    "help": (
        "<b>如何提问</b>\n"
        "• 私聊：直接发送问题。\n"
        "• 群组：<code>/ask 你的问题</code>、提及我，或回复我的消息。\n"
        "\n"
        "每个回答都逐字引用原文并为出处编号。按钮可显示更多句子、出处的完整段落，或为回答评分。"
    ),
    "help_inline": (
        "\n\n<b>在任何对话中（内联模式）</b>\n"
        "在任何对话的输入框中输入 <code>@{bot} 你的问题</code>，"
        "稍等片刻，回答会出现在输入框上方；"
        "点一下即可把回答连同出处发到该对话。"
    ),
    "help_inline_members": "此功能仅供本机器人所服务群组的成员使用。",
    "help_inline_off": "\n\n本机器人未开启内联模式（在其他对话中输入 <code>@{bot} 问题</code>）。",
    "help_examples": "\n\n<b>例如</b>\n{examples}",
    "help_limits": "\n\n<b>限制</b>\n• 每人每分钟最多 {questions}\n• 每个问题最多 {chars}",
    "help_admin": (
        "\n\n<b>管理员</b>\n"
        "• 发送 .txt、.md、.html、.pdf 或 .docx 文件（最大 {mb} MB）即可加入文章。\n"
        "• /add 文字或网址（或以 /add 回复一条消息）。\n"
        "• /articles、/remove ID、/stats。"
    ),
    "whoami": "你的用户 id：<code>{user}</code>\n本对话的 id：<code>{chat}</code>",
    "whoami_admin": "\n你是本机器人的管理员。",
    "whoami_hint": "\n要设定管理员，请把其用户 id 加入 CITEBOT_ADMIN_IDS。",
    # The same words as every other front end's (bot.words.NOT_FOUND).
    "not_found": NOT_FOUND["zh-Hans"],
    "question_empty": "请写下你的问题。",
    "question_too_long": "问题太长了（{length} 个字符），请控制在 {limit} 个字符以内。",
    "usage_ask": "用法：<code>/ask 你的问题</code>",
    "rate_limited": "你提问太快了，请稍等一分钟再问。",
    "chat_not_allowed": "抱歉，我没有在这个对话中启用。",
    "apology": "抱歉，我这边出了点问题，请再试一次。",
    "sources": "出处",
    "more_heading": "文章中的更多内容：",
    "paragraph": "第 {n} 段",
    "plain_more": "更多",
    "plain_source": "📄 出处 {n}",
    "passage_cut": "（段落较长，只显示引文前后的部分。）",
    "passage_full_text": "阅读全文",
    "plain_source_shown": "这段原文已经在上面发过了。",
    "plain_source_private": "这个群组这一分钟内我的消息太多了，原文已私信发给你。",
    "plain_source_busy": (
        "这个群组这一分钟内我的消息太多了。请一分钟后再按，或先私聊我，原文就会私信发给你。"
    ),
    "plain_no_more": "没有更多相关内容了。",
    "plain_expired": "这个回答已过期，请重新提问。",
    "plain_gone": "这篇文章已不在文章库中。",
    "plain_thanks": "谢谢你的反馈！",
    "plain_prev": "◀ 上一页",
    "plain_next": "下一页 ▶",
    "plain_confirm_remove": "删除",
    "plain_cancel": "取消",
    "plain_admin_only": "只有机器人的管理员可以这样做。",
    "admin_only": "抱歉，只有机器人的管理员可以修改文章。",
    # /articles and /stats only show things: their refusal must not speak of changing them.
    "admin_only_view": "抱歉，只有机器人的管理员可以使用这个命令。",
    "added": "已加入<b>{title}</b>\n语言：{article_lang} · {passages} · id <code>{id}</code>",
    "replaced": "已更新<b>{title}</b>\n语言：{article_lang} · {passages} · id <code>{id}</code>",
    "unchanged": "没有新内容：<b>{title}</b> 已在文章库中（id <code>{id}</code>）。",
    "err_too_large": "文件太大（{size} MB），上限是 {limit} MB。",
    "err_unsupported_format": "我无法读取这种文件，请发送 .txt、.md、.html、.pdf 或 .docx。",
    "err_empty": "里面没有可读取的文字。",
    "err_unreadable": "文件已损坏或无法读取。",
    "err_fetch_refused": "我不会抓取这个地址：它不是公开网页。",
    "err_fetch_failed": "无法抓取该网页（{host}）。",
    "err_not_found": "没有 id 为 <code>{id}</code> 的文章。",
    "err_ambiguous_id": "id <code>{id}</code> 是多篇文章 id 的开头：{ids}。请多输入几位。",
    "err_other": "操作失败：输入被拒绝。",
    "add_usage": (
        "用法：<code>/add 文字</code>、<code>/add https://…</code>，或以 /add 回复一条消息。"
    ),
    "articles_header": "<b>文章</b> 第 {first}–{last} 篇，共 {total} 篇",
    "articles_empty": "还没有文章。",
    "remove_usage": "用法：<code>/remove ID</code>（见 /articles）",
    "remove_confirm": "删除<b>{title}</b>（id <code>{id}</code>）？",
    "removed": "已删除<b>{title}</b>（id <code>{id}</code>）。",
    "remove_cancelled": "没有删除任何内容。",
    "stats": (
        "<b>统计</b>\n文章：{articles}\n段落：{passages}\n"
        "已提问：{questions}\n有答案：{share}%\n👍 {up} · 👎 {down}"
    ),
    "plain_inline_no_answer": "没有找到答案",
    "text_only": "我只读文字问题，请把问题打出来。",
    "plain_inline_hello": "你好！发送这条看看我能回答什么",
    "lang_en": "英文",
    "lang_zh-Hans": "简体中文",
    "lang_zh-Hant": "繁体中文",
    "cmd_ask": "提问",
    "cmd_help": "使用说明",
    "cmd_start": "欢迎",
    "cmd_add": "加入文字或网页",
    "cmd_articles": "文章列表",
    "cmd_remove": "删除文章",
    "cmd_stats": "使用统计",
    "cmd_whoami": "你的用户 id 和本对话的 id",
    # -- the gaps (/gaps, and the reason buttons after a 👎) --------------------------------
    "cmd_gaps": "没答好或没答的问题",
    "plain_reason_wrong_answer": "答案不对",
    "plain_reason_wrong_source": "出处不对",
    "plain_reason_not_answered": "没回答问题",
    "plain_thanks_why": "谢谢！如愿意，可用下方按钮说明哪里不对。",
    "plain_reason_thanks": "谢谢，已记下：{reason}。",
    "plain_gaps_title": "缺口：未回答或被评 👎 的问题，最新的在前",
    "plain_gaps_none": "没有缺口：没有问题未回答或被评 👎。",
    "plain_gaps_more": "……还有 {n} 项（citebot gaps 可列出全部）。",
    "plain_gap_asked": "问了 {n} 次",
    "plain_gap_declined": "未答 {n}",
    "plain_gap_button": "回答 {n}",
    "plain_given_asked": "提问时间 {when}：",
    "plain_given_declined": "未回答：文章中没有能回答的内容。",
    "gaps_in_private": "缺口列表含有各个对话的问题：请在私聊中向我发送 /gaps。",
    "plain_gap_gone": "这个问题已不在记录中。",
    "plain_given_not_kept": "已回答，但没有保存回答（提问时尚未保存回答）。",
    # -- per-chat settings (/settings) --
    "cmd_settings": "设置何时回答及回复语言",
    "settings": "<b>本对话的设置</b>\n回答时机：{mode}\n回复语言：{language}",
    "settings_asked": "被问到时（/ask、提及我，或回复我的消息）",
    "settings_questions": "被问到时，以及每条看起来像问题的消息（后者仅在文章中有答案时回答）",
    "settings_off": "不回答（只有 /settings 有效）",
    "settings_private_asked": "每条消息",
    "settings_private_questions": "每条消息",
    "settings_lang_auto": "跟随提问的语言",
    "settings_privacy": (
        "<i>要看到没有发给我的消息，需要关闭隐私模式：在 @BotFather 中 /setprivacy → "
        "Disable，然后把我移出本群组再重新加入。</i>"
    ),
    "plain_set_asked": "被问到时",
    "plain_set_questions": "所有问题",
    "plain_set_off": "关闭",
    "plain_set_on": "开启",
    "plain_set_auto": "自动",
    "plain_settings_saved": "已保存。",
    "plain_settings_refused": "只有本对话的管理员可以修改设置。",
    "plain_settings_failed": "抱歉，设置无法保存，请稍后再试。",
    "plain_chat_off": "我在本对话中已关闭；管理员可以用 /settings 重新开启。",
}

# Counted nouns: one form for every number (CLDR: "other" only).
COUNTED: dict[str, tuple[str, ...]] = {
    "admins": ("{n} 位管理员",),
    "articles": ("{n} 篇文章",),
    "passages": ("{n} 个段落",),
    "questions": ("{n} 个问题",),
    "characters": ("{n} 个字符",),
}
