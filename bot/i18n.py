"""Every fixed text the bot sends, in English, Simplified and Traditional Chinese.

Texts are Telegram HTML (the application's default parse mode), so ``t()`` escapes the values
it fills in; the templates themselves may use <b>, <i>, <code>. Keys whose name starts with
``plain_`` are sent where no markup is parsed (callback answers, button labels) and are
filled in unescaped.

The language of a reply follows the question when there is one (a Chinese question from a
user whose Telegram is set to English gets Chinese), else the user's Telegram language.
"""

from __future__ import annotations

import html
from typing import Any

from knowledge import NOT_FOUND, guess_lang, lang_from_tag
from knowledge.models import Lang

LANGS: tuple[Lang, ...] = ("en", "zh-Hans", "zh-Hant")

MESSAGES: dict[str, dict[Lang, str]] = {
    # /start, /help and the bot's description say what this installation holds (bot/about.py
    # fills them in): the number of articles and their titles, never a fixed subject.
    "start": {
        "en": (
            "Hello! I answer questions from {articles}, quoting the exact sentences and where "
            "they come from. Among them:\n{titles}\n\n"
            "Just send me a question, in English or Chinese. /help shows more."
        ),
        "zh-Hans": (
            "你好！我根据 {articles}回答问题，逐字引用原文句子并注明出处。其中有：\n{titles}\n\n"
            "直接用中文或英文发问即可。发送 /help 查看更多。"
        ),
        "zh-Hant": (
            "你好！我根據 {articles}回答問題，逐字引用原文句子並註明出處。其中有：\n{titles}\n\n"
            "直接用中文或英文發問即可。發送 /help 查看更多。"
        ),
    },
    "start_empty": {
        "en": (
            "Hello! I answer questions from a collection of articles, quoting the exact "
            "sentences and where they come from, but it is empty for now: an admin can add "
            "articles."
        ),
        "zh-Hans": "你好！我根据文章库回答问题，逐字引用原文句子并注明出处，"
        "但文章库目前是空的：管理员可以加入文章。",
        "zh-Hant": "你好！我根據文章庫回答問題，逐字引用原文句子並註明出處，"
        "但文章庫目前是空的：管理員可以加入文章。",
    },
    "plain_more_titles": {
        "en": "…and {n} more",
        "zh-Hans": "……另有 {n} 篇",
        "zh-Hant": "……另有 {n} 篇",
    },
    "plain_description": {
        "en": (
            "I answer questions from {articles}, quoting the exact sentences and their sources. "
            "Ask in English or Chinese. Among them: {titles}"
        ),
        "zh-Hans": "我根据 {articles}回答问题，逐字引用原文句子并注明出处，中英文提问皆可。"
        "其中有：{titles}",
        "zh-Hant": "我根據 {articles}回答問題，逐字引用原文句子並註明出處，中英文提問皆可。"
        "其中有：{titles}",
    },
    "plain_description_empty": {
        "en": "I answer questions from a collection of articles, quoting the exact sentences "
        "and their sources. Ask in English or Chinese.",
        "zh-Hans": "我根据文章库回答问题，逐字引用原文句子并注明出处，中英文提问皆可。",
        "zh-Hant": "我根據文章庫回答問題，逐字引用原文句子並註明出處，中英文提問皆可。",
    },
    "plain_short_description": {
        "en": "Cited answers from {articles}: {titles}",
        "zh-Hans": "根据 {articles}回答并注明出处：{titles}",
        "zh-Hant": "根據 {articles}回答並註明出處：{titles}",
    },
    "plain_short_description_empty": {
        "en": "Answers questions with exact, cited sentences from its articles.",
        "zh-Hans": "逐字引用文章原句并注明出处来回答问题。",
        "zh-Hant": "逐字引用文章原句並註明出處來回答問題。",
    },
    "help": {
        "en": (
            "<b>How to ask</b>\n"
            "• In this chat: send your question as a message.\n"
            "• In a group: <code>/ask your question</code>, mention me, or reply to my message.\n"
            "\n"
            "Every answer quotes sentences exactly and numbers their sources. The buttons "
            "show more sentences, the whole paragraph of a source, or rate the answer."
        ),
        "zh-Hans": (
            "<b>如何提问</b>\n"
            "• 私聊：直接发送问题。\n"
            "• 群组：<code>/ask 你的问题</code>、提及我，或回复我的消息。\n"
            "\n"
            "每个回答都逐字引用原文并为出处编号。按钮可显示更多句子、出处的完整段落，或为回答评分。"
        ),
        "zh-Hant": (
            "<b>如何提問</b>\n"
            "• 私訊：直接發送問題。\n"
            "• 群組：<code>/ask 你的問題</code>、提及我，或回覆我的訊息。\n"
            "\n"
            "每個回答都逐字引用原文並為出處編號。按鈕可顯示更多句子、出處的完整段落，或為回答評分。"
        ),
    },
    "help_inline": {
        "en": (
            "\n\n<b>In any chat (inline mode)</b>\n"
            "Type <code>@{bot} your question</code> in the message box of any chat. After a "
            "moment the answer appears above the box; tap it to send it, with its sources, "
            "into that chat."
        ),
        "zh-Hans": (
            "\n\n<b>在任何对话中（内联模式）</b>\n"
            "在任何对话的输入框中输入 <code>@{bot} 你的问题</code>，"
            "稍等片刻，回答会出现在输入框上方；"
            "点一下即可把回答连同出处发到该对话。"
        ),
        "zh-Hant": (
            "\n\n<b>在任何對話中（行內模式）</b>\n"
            "在任何對話的輸入框中輸入 <code>@{bot} 你的問題</code>，"
            "稍等片刻，回答會出現在輸入框上方；"
            "點一下即可把回答連同出處發到該對話。"
        ),
    },
    "help_inline_members": {
        "en": " This works for members of the chats this bot serves.",
        "zh-Hans": "此功能仅供本机器人所服务群组的成员使用。",
        "zh-Hant": "此功能僅供本機器人所服務群組的成員使用。",
    },
    "help_inline_off": {
        "en": "\n\nInline mode (<code>@{bot} question</code> in other chats) is off for this bot.",
        "zh-Hans": "\n\n本机器人未开启内联模式（在其他对话中输入 <code>@{bot} 问题</code>）。",
        "zh-Hant": "\n\n本機器人未開啟行內模式（在其他對話中輸入 <code>@{bot} 問題</code>）。",
    },
    "help_examples": {
        "en": "\n\n<b>For example</b>\n{examples}",
        "zh-Hans": "\n\n<b>例如</b>\n{examples}",
        "zh-Hant": "\n\n<b>例如</b>\n{examples}",
    },
    "help_limits": {
        "en": "\n\n<b>Limits</b>\n• {questions} a minute per person\n• {chars} per question",
        "zh-Hans": "\n\n<b>限制</b>\n• 每人每分钟最多 {questions}\n• 每个问题最多 {chars}",
        "zh-Hant": "\n\n<b>限制</b>\n• 每人每分鐘最多 {questions}\n• 每個問題最多 {chars}",
    },
    "help_admin": {
        "en": (
            "\n\n<b>Admin</b>\n"
            "• Send a .txt, .md, .html, .pdf or .docx file (up to {mb} MB) to add it.\n"
            "• /add text or a web address (or /add as a reply to a message).\n"
            "• /articles, /remove ID, /stats."
        ),
        "zh-Hans": (
            "\n\n<b>管理员</b>\n"
            "• 发送 .txt、.md、.html、.pdf 或 .docx 文件（最大 {mb} MB）即可加入文章。\n"
            "• /add 文字或网址（或以 /add 回复一条消息）。\n"
            "• /articles、/remove ID、/stats。"
        ),
        "zh-Hant": (
            "\n\n<b>管理員</b>\n"
            "• 發送 .txt、.md、.html、.pdf 或 .docx 檔案（最大 {mb} MB）即可加入文章。\n"
            "• /add 文字或網址（或以 /add 回覆一則訊息）。\n"
            "• /articles、/remove ID、/stats。"
        ),
    },
    "whoami": {
        "en": "Your user id: <code>{user}</code>\nThis chat's id: <code>{chat}</code>",
        "zh-Hans": "你的用户 id：<code>{user}</code>\n本对话的 id：<code>{chat}</code>",
        "zh-Hant": "你的用戶 id：<code>{user}</code>\n本對話的 id：<code>{chat}</code>",
    },
    "whoami_admin": {
        "en": "\nYou are an admin of this bot.",
        "zh-Hans": "\n你是本机器人的管理员。",
        "zh-Hant": "\n你是本機器人的管理員。",
    },
    "whoami_hint": {
        "en": "\nTo make someone an admin, add their user id to CITEBOT_ADMIN_IDS.",
        "zh-Hans": "\n要设定管理员，请把其用户 id 加入 CITEBOT_ADMIN_IDS。",
        "zh-Hant": "\n要設定管理員，請把其用戶 id 加入 CITEBOT_ADMIN_IDS。",
    },
    # The same words as every other front end's (knowledge.reply.NOT_FOUND).
    "not_found": dict(NOT_FOUND),
    "question_empty": {
        "en": "Please write a question.",
        "zh-Hans": "请写下你的问题。",
        "zh-Hant": "請寫下你的問題。",
    },
    "question_too_long": {
        "en": "That question is too long ({length} characters); please keep it under {limit}.",
        "zh-Hans": "问题太长了（{length} 个字符），请控制在 {limit} 个字符以内。",
        "zh-Hant": "問題太長了（{length} 個字元），請控制在 {limit} 個字元以內。",
    },
    "usage_ask": {
        "en": "Usage: <code>/ask your question</code>",
        "zh-Hans": "用法：<code>/ask 你的问题</code>",
        "zh-Hant": "用法：<code>/ask 你的問題</code>",
    },
    "rate_limited": {
        "en": "You are asking faster than I can keep up with. Please wait a minute.",
        "zh-Hans": "你提问太快了，请稍等一分钟再问。",
        "zh-Hant": "你提問太快了，請稍等一分鐘再問。",
    },
    "chat_not_allowed": {
        "en": "Sorry, I am not enabled in this chat.",
        "zh-Hans": "抱歉，我没有在这个对话中启用。",
        "zh-Hant": "抱歉，我沒有在這個對話中啟用。",
    },
    "apology": {
        "en": "Sorry, something went wrong on my side. Please try again.",
        "zh-Hans": "抱歉，我这边出了点问题，请再试一次。",
        "zh-Hant": "抱歉，我這邊出了點問題，請再試一次。",
    },
    "sources": {"en": "Sources", "zh-Hans": "出处", "zh-Hant": "出處"},
    "more_heading": {
        "en": "More from the articles:",
        "zh-Hans": "文章中的更多内容：",
        "zh-Hant": "文章中的更多內容：",
    },
    "paragraph": {"en": "para. {n}", "zh-Hans": "第 {n} 段", "zh-Hant": "第 {n} 段"},
    "plain_more": {"en": "More", "zh-Hans": "更多", "zh-Hant": "更多"},
    "plain_source": {"en": "📄 Source {n}", "zh-Hans": "📄 出处 {n}", "zh-Hant": "📄 出處 {n}"},
    "passage_cut": {
        "en": "(Shortened to one message around the quote.)",
        "zh-Hans": "（段落较长，只显示引文前后的部分。）",
        "zh-Hant": "（段落較長，只顯示引文前後的部分。）",
    },
    "passage_full_text": {"en": "Full article", "zh-Hans": "阅读全文", "zh-Hant": "閱讀全文"},
    "plain_source_shown": {
        "en": "This paragraph is already in the chat, above.",
        "zh-Hans": "这段原文已经在上面发过了。",
        "zh-Hant": "這段原文已經在上面發過了。",
    },
    "plain_source_private": {
        "en": "The group has had many messages from me this minute: I sent the paragraph to "
        "you in private.",
        "zh-Hans": "这个群组这一分钟内我的消息太多了，原文已私信发给你。",
        "zh-Hant": "這個群組這一分鐘內我的訊息太多了，原文已私訊發給你。",
    },
    "plain_source_busy": {
        "en": "The group has had many messages from me this minute. Press again in a minute, "
        "or start a private chat with me to get sources there.",
        "zh-Hans": "这个群组这一分钟内我的消息太多了。"
        "请一分钟后再按，或先私聊我，原文就会私信发给你。",
        "zh-Hant": "這個群組這一分鐘內我的訊息太多了。"
        "請一分鐘後再按，或先私訊我，原文就會私訊發給你。",
    },
    "plain_no_more": {
        "en": "There is nothing more on this.",
        "zh-Hans": "没有更多相关内容了。",
        "zh-Hant": "沒有更多相關內容了。",
    },
    "plain_expired": {
        "en": "This answer is too old; please ask again.",
        "zh-Hans": "这个回答已过期，请重新提问。",
        "zh-Hant": "這個回答已過期，請重新提問。",
    },
    "plain_gone": {
        "en": "That article is no longer in the collection.",
        "zh-Hans": "这篇文章已不在文章库中。",
        "zh-Hant": "這篇文章已不在文章庫中。",
    },
    "plain_thanks": {
        "en": "Thanks for the feedback!",
        "zh-Hans": "谢谢你的反馈！",
        "zh-Hant": "謝謝你的回饋！",
    },
    "plain_prev": {"en": "◀ Previous", "zh-Hans": "◀ 上一页", "zh-Hant": "◀ 上一頁"},
    "plain_next": {"en": "Next ▶", "zh-Hans": "下一页 ▶", "zh-Hant": "下一頁 ▶"},
    "plain_confirm_remove": {"en": "Remove", "zh-Hans": "删除", "zh-Hant": "刪除"},
    "plain_cancel": {"en": "Cancel", "zh-Hans": "取消", "zh-Hant": "取消"},
    "plain_admin_only": {
        "en": "Only the bot's admins can do that.",
        "zh-Hans": "只有机器人的管理员可以这样做。",
        "zh-Hant": "只有機器人的管理員可以這樣做。",
    },
    "admin_only": {
        "en": "Sorry, only the bot's admins can change the articles.",
        "zh-Hans": "抱歉，只有机器人的管理员可以修改文章。",
        "zh-Hant": "抱歉，只有機器人的管理員可以修改文章。",
    },
    # /articles and /stats only show things: their refusal must not speak of changing them.
    "admin_only_view": {
        "en": "Sorry, only the bot's admins can use this command.",
        "zh-Hans": "抱歉，只有机器人的管理员可以使用这个命令。",
        "zh-Hant": "抱歉，只有機器人的管理員可以使用這個命令。",
    },
    "added": {
        "en": "Added <b>{title}</b>\nLanguage: {article_lang} · {passages} · id <code>{id}</code>",
        "zh-Hans": "已加入<b>{title}</b>\n语言：{article_lang} · {passages} · id <code>{id}</code>",
        "zh-Hant": "已加入<b>{title}</b>\n語言：{article_lang} · {passages} · id <code>{id}</code>",
    },
    "replaced": {
        "en": "Updated <b>{title}</b>\nLanguage: {article_lang} · {passages} · "
        "id <code>{id}</code>",
        "zh-Hans": "已更新<b>{title}</b>\n语言：{article_lang} · {passages} · id <code>{id}</code>",
        "zh-Hant": "已更新<b>{title}</b>\n語言：{article_lang} · {passages} · id <code>{id}</code>",
    },
    "unchanged": {
        "en": "Nothing new: <b>{title}</b> is already in the collection (id <code>{id}</code>).",
        "zh-Hans": "没有新内容：<b>{title}</b> 已在文章库中（id <code>{id}</code>）。",
        "zh-Hant": "沒有新內容：<b>{title}</b> 已在文章庫中（id <code>{id}</code>）。",
    },
    "err_too_large": {
        "en": "That file is too large ({size} MB); the limit is {limit} MB.",
        "zh-Hans": "文件太大（{size} MB），上限是 {limit} MB。",
        "zh-Hant": "檔案太大（{size} MB），上限是 {limit} MB。",
    },
    "err_unsupported_format": {
        "en": "I cannot read this kind of file. Send .txt, .md, .html, .pdf or .docx.",
        "zh-Hans": "我无法读取这种文件，请发送 .txt、.md、.html、.pdf 或 .docx。",
        "zh-Hant": "我無法讀取這種檔案，請發送 .txt、.md、.html、.pdf 或 .docx。",
    },
    "err_empty": {
        "en": "I found no readable text in it.",
        "zh-Hans": "里面没有可读取的文字。",
        "zh-Hant": "裡面沒有可讀取的文字。",
    },
    "err_unreadable": {
        "en": "The file is damaged or not readable.",
        "zh-Hans": "文件已损坏或无法读取。",
        "zh-Hant": "檔案已損毀或無法讀取。",
    },
    "err_fetch_refused": {
        "en": "I will not fetch that address: it is not a public web page.",
        "zh-Hans": "我不会抓取这个地址：它不是公开网页。",
        "zh-Hant": "我不會抓取這個地址：它不是公開網頁。",
    },
    "err_fetch_failed": {
        "en": "I could not fetch that page ({host}).",
        "zh-Hans": "无法抓取该网页（{host}）。",
        "zh-Hant": "無法抓取該網頁（{host}）。",
    },
    "err_not_found": {
        "en": "There is no article with id <code>{id}</code>.",
        "zh-Hans": "没有 id 为 <code>{id}</code> 的文章。",
        "zh-Hant": "沒有 id 為 <code>{id}</code> 的文章。",
    },
    "err_ambiguous_id": {
        "en": "The id <code>{id}</code> starts several articles' ids: {ids}. Give more of it.",
        "zh-Hans": "id <code>{id}</code> 是多篇文章 id 的开头：{ids}。请多输入几位。",
        "zh-Hant": "id <code>{id}</code> 是多篇文章 id 的開頭：{ids}。請多輸入幾位。",
    },
    "err_other": {
        "en": "That did not work: the input was refused.",
        "zh-Hans": "操作失败：输入被拒绝。",
        "zh-Hant": "操作失敗：輸入被拒絕。",
    },
    "add_usage": {
        "en": "Usage: <code>/add text</code>, <code>/add https://…</code>, or /add as a "
        "reply to a message.",
        "zh-Hans": "用法：<code>/add 文字</code>、<code>/add https://…</code>，"
        "或以 /add 回复一条消息。",
        "zh-Hant": "用法：<code>/add 文字</code>、<code>/add https://…</code>，"
        "或以 /add 回覆一則訊息。",
    },
    "articles_header": {
        "en": "<b>Articles</b> {first}–{last} of {total}",
        "zh-Hans": "<b>文章</b> 第 {first}–{last} 篇，共 {total} 篇",
        "zh-Hant": "<b>文章</b> 第 {first}–{last} 篇，共 {total} 篇",
    },
    "articles_empty": {
        "en": "There are no articles yet.",
        "zh-Hans": "还没有文章。",
        "zh-Hant": "還沒有文章。",
    },
    "remove_usage": {
        "en": "Usage: <code>/remove ID</code> (see /articles)",
        "zh-Hans": "用法：<code>/remove ID</code>（见 /articles）",
        "zh-Hant": "用法：<code>/remove ID</code>（見 /articles）",
    },
    "remove_confirm": {
        "en": "Remove <b>{title}</b> (id <code>{id}</code>)?",
        "zh-Hans": "删除<b>{title}</b>（id <code>{id}</code>）？",
        "zh-Hant": "刪除<b>{title}</b>（id <code>{id}</code>）？",
    },
    "removed": {
        "en": "Removed <b>{title}</b> (id <code>{id}</code>).",
        "zh-Hans": "已删除<b>{title}</b>（id <code>{id}</code>）。",
        "zh-Hant": "已刪除<b>{title}</b>（id <code>{id}</code>）。",
    },
    "remove_cancelled": {
        "en": "Nothing was removed.",
        "zh-Hans": "没有删除任何内容。",
        "zh-Hant": "沒有刪除任何內容。",
    },
    "stats": {
        "en": (
            "<b>Statistics</b>\nArticles: {articles}\nPassages: {passages}\n"
            "Questions asked: {questions}\nAnswered: {share}%\n👍 {up} · 👎 {down}"
        ),
        "zh-Hans": (
            "<b>统计</b>\n文章：{articles}\n段落：{passages}\n"
            "已提问：{questions}\n有答案：{share}%\n👍 {up} · 👎 {down}"
        ),
        "zh-Hant": (
            "<b>統計</b>\n文章：{articles}\n段落：{passages}\n"
            "已提問：{questions}\n有答案：{share}%\n👍 {up} · 👎 {down}"
        ),
    },
    "plain_inline_no_answer": {
        "en": "No answer found",
        "zh-Hans": "没有找到答案",
        "zh-Hant": "沒有找到答案",
    },
    "text_only": {
        "en": "I read text questions: please type your question.",
        "zh-Hans": "我只读文字问题，请把问题打出来。",
        "zh-Hant": "我只讀文字問題，請把問題打出來。",
    },
    "plain_inline_hello": {
        "en": "Hello! Send this to see what I can answer",
        "zh-Hans": "你好！发送这条看看我能回答什么",
        "zh-Hant": "你好！發送這則看看我能回答甚麼",
    },
    "lang_en": {"en": "English", "zh-Hans": "英文", "zh-Hant": "英文"},
    "lang_zh-Hans": {"en": "Simplified Chinese", "zh-Hans": "简体中文", "zh-Hant": "簡體中文"},
    "lang_zh-Hant": {"en": "Traditional Chinese", "zh-Hans": "繁体中文", "zh-Hant": "繁體中文"},
    "cmd_ask": {"en": "Ask a question", "zh-Hans": "提问", "zh-Hant": "提問"},
    "cmd_help": {"en": "How to use this bot", "zh-Hans": "使用说明", "zh-Hant": "使用說明"},
    "cmd_start": {"en": "Welcome", "zh-Hans": "欢迎", "zh-Hant": "歡迎"},
    "cmd_add": {
        "en": "Add text or a web page",
        "zh-Hans": "加入文字或网页",
        "zh-Hant": "加入文字或網頁",
    },
    "cmd_articles": {"en": "List the articles", "zh-Hans": "文章列表", "zh-Hant": "文章列表"},
    "cmd_remove": {"en": "Remove an article", "zh-Hans": "删除文章", "zh-Hant": "刪除文章"},
    "cmd_stats": {"en": "Usage statistics", "zh-Hans": "使用统计", "zh-Hant": "使用統計"},
    "cmd_whoami": {
        "en": "Your user id and this chat's id",
        "zh-Hans": "你的用户 id 和本对话的 id",
        "zh-Hant": "你的用戶 id 和本對話的 id",
    },
    # -- the gaps (/gaps, and the reason buttons after a 👎) --------------------------------
    "cmd_gaps": {
        "en": "Questions answered badly or not at all",
        "zh-Hans": "没答好或没答的问题",
        "zh-Hant": "沒答好或沒答的問題",
    },
    "plain_reason_wrong_answer": {
        "en": "Wrong answer",
        "zh-Hans": "答案不对",
        "zh-Hant": "答案不對",
    },
    "plain_reason_wrong_source": {
        "en": "Wrong source",
        "zh-Hans": "出处不对",
        "zh-Hant": "出處不對",
    },
    "plain_reason_not_answered": {
        "en": "Not answered",
        "zh-Hans": "没回答问题",
        "zh-Hant": "沒回答問題",
    },
    "plain_thanks_why": {
        "en": "Thanks! If you like, the buttons below say what was wrong.",
        "zh-Hans": "谢谢！如愿意，可用下方按钮说明哪里不对。",
        "zh-Hant": "謝謝！如願意，可用下方按鈕說明哪裡不對。",
    },
    "plain_reason_thanks": {
        "en": "Thanks, noted: {reason}.",
        "zh-Hans": "谢谢，已记下：{reason}。",
        "zh-Hant": "謝謝，已記下：{reason}。",
    },
    "plain_gaps_title": {
        "en": "Gaps: questions declined or voted 👎, newest first",
        "zh-Hans": "缺口：未回答或被评 👎 的问题，最新的在前",
        "zh-Hant": "缺口：未回答或被評 👎 的問題，最新的在前",
    },
    "plain_gaps_none": {
        "en": "No gaps: no question was declined or voted 👎.",
        "zh-Hans": "没有缺口：没有问题未回答或被评 👎。",
        "zh-Hant": "沒有缺口：沒有問題未回答或被評 👎。",
    },
    "plain_gaps_more": {
        "en": "…and {n} more (citebot gaps lists them all).",
        "zh-Hans": "……还有 {n} 项（citebot gaps 可列出全部）。",
        "zh-Hant": "……還有 {n} 項（citebot gaps 可列出全部）。",
    },
    "plain_gap_asked": {"en": "asked {n}×", "zh-Hans": "问了 {n} 次", "zh-Hant": "問了 {n} 次"},
    "plain_gap_declined": {
        "en": "declined {n}",
        "zh-Hans": "未答 {n}",
        "zh-Hant": "未答 {n}",
    },
    "plain_gap_button": {"en": "Answer {n}", "zh-Hans": "回答 {n}", "zh-Hant": "回答 {n}"},
    "plain_given_asked": {
        "en": "Asked {when}:",
        "zh-Hans": "提问时间 {when}：",
        "zh-Hant": "提問時間 {when}：",
    },
    "plain_given_declined": {
        "en": "Declined: nothing in the articles answered it.",
        "zh-Hans": "未回答：文章中没有能回答的内容。",
        "zh-Hant": "未回答：文章中沒有能回答的內容。",
    },
    "gaps_in_private": {
        "en": "The gaps hold questions from every chat: send /gaps to me in a private chat.",
        "zh-Hans": "缺口列表含有各个对话的问题：请在私聊中向我发送 /gaps。",
        "zh-Hant": "缺口列表含有各個對話的問題：請在私訊中向我發送 /gaps。",
    },
    "plain_gap_gone": {
        "en": "That question is no longer stored.",
        "zh-Hans": "这个问题已不在记录中。",
        "zh-Hant": "這個問題已不在記錄中。",
    },
    "plain_given_not_kept": {
        "en": "Answered, but the answer was not kept (asked before answers were stored).",
        "zh-Hans": "已回答，但没有保存回答（提问时尚未保存回答）。",
        "zh-Hant": "已回答，但沒有保存回答（提問時尚未保存回答）。",
    },
    # -- per-chat settings (/settings) --
    "cmd_settings": {
        "en": "When I answer here, and in which language",
        "zh-Hans": "设置何时回答及回复语言",
        "zh-Hant": "設定何時回答及回覆語言",
    },
    "settings": {
        "en": "<b>Settings for this chat</b>\nI answer: {mode}\nReply language: {language}",
        "zh-Hans": "<b>本对话的设置</b>\n回答时机：{mode}\n回复语言：{language}",
        "zh-Hant": "<b>本對話的設定</b>\n回答時機：{mode}\n回覆語言：{language}",
    },
    "settings_asked": {
        "en": "when asked (/ask, a mention, or a reply to my message)",
        "zh-Hans": "被问到时（/ask、提及我，或回复我的消息）",
        "zh-Hant": "被問到時（/ask、提及我，或回覆我的訊息）",
    },
    "settings_questions": {
        "en": "when asked, and every message that looks like a question (those only when "
        "my articles answer them)",
        "zh-Hans": "被问到时，以及每条看起来像问题的消息（后者仅在文章中有答案时回答）",
        "zh-Hant": "被問到時，以及每則看起來像問題的訊息（後者僅在文章中有答案時回答）",
    },
    "settings_off": {
        "en": "not at all (only /settings works)",
        "zh-Hans": "不回答（只有 /settings 有效）",
        "zh-Hant": "不回答（只有 /settings 有效）",
    },
    "settings_private_asked": {
        "en": "every message",
        "zh-Hans": "每条消息",
        "zh-Hant": "每則訊息",
    },
    "settings_private_questions": {
        "en": "every message",
        "zh-Hans": "每条消息",
        "zh-Hant": "每則訊息",
    },
    "settings_lang_auto": {
        "en": "the question's",
        "zh-Hans": "跟随提问的语言",
        "zh-Hant": "跟隨提問的語言",
    },
    "settings_privacy": {
        "en": "<i>To see messages not addressed to me I need privacy mode off: in @BotFather, "
        "/setprivacy → Disable, then remove me from this group and add me again.</i>",
        "zh-Hans": "<i>要看到没有发给我的消息，需要关闭隐私模式：在 @BotFather 中 /setprivacy → "
        "Disable，然后把我移出本群组再重新加入。</i>",
        "zh-Hant": "<i>要看到沒有發給我的訊息，需要關閉隱私模式：在 @BotFather 中 /setprivacy → "
        "Disable，然後把我移出本群組再重新加入。</i>",
    },
    "plain_set_asked": {"en": "When asked", "zh-Hans": "被问到时", "zh-Hant": "被問到時"},
    "plain_set_questions": {"en": "Every question", "zh-Hans": "所有问题", "zh-Hant": "所有問題"},
    "plain_set_off": {"en": "Off", "zh-Hans": "关闭", "zh-Hant": "關閉"},
    "plain_set_on": {"en": "On", "zh-Hans": "开启", "zh-Hant": "開啟"},
    "plain_set_auto": {"en": "Auto", "zh-Hans": "自动", "zh-Hant": "自動"},
    "plain_settings_saved": {"en": "Saved.", "zh-Hans": "已保存。", "zh-Hant": "已儲存。"},
    "plain_settings_refused": {
        "en": "Only this chat's admins can change its settings.",
        "zh-Hans": "只有本对话的管理员可以修改设置。",
        "zh-Hant": "只有本對話的管理員可以修改設定。",
    },
    "plain_settings_failed": {
        "en": "Sorry, the settings could not be saved. Please try again later.",
        "zh-Hans": "抱歉，设置无法保存，请稍后再试。",
        "zh-Hant": "抱歉，設定無法儲存，請稍後再試。",
    },
    "plain_chat_off": {
        "en": "I am switched off in this chat; its admins can turn me on with /settings.",
        "zh-Hans": "我在本对话中已关闭；管理员可以用 /settings 重新开启。",
        "zh-Hant": "我在本對話中已關閉；管理員可以用 /settings 重新開啟。",
    },
}

# Counted nouns, (one, other) by CLDR plural category: English says "1 passage", "2 passages";
# Chinese has one form for every number (CLDR: "other" only), given once.
COUNTED: dict[str, dict[Lang, tuple[str, ...]]] = {
    "admins": {
        "en": ("{n} admin", "{n} admins"),
        "zh-Hans": ("{n} 位管理员",),
        "zh-Hant": ("{n} 位管理員",),
    },
    "articles": {
        "en": ("{n} article", "{n} articles"),
        "zh-Hans": ("{n} 篇文章",),
        "zh-Hant": ("{n} 篇文章",),
    },
    "passages": {
        "en": ("{n} passage", "{n} passages"),
        "zh-Hans": ("{n} 个段落",),
        "zh-Hant": ("{n} 個段落",),
    },
    "questions": {
        "en": ("{n} question", "{n} questions"),
        "zh-Hans": ("{n} 个问题",),
        "zh-Hant": ("{n} 個問題",),
    },
    "characters": {
        "en": ("{n} character", "{n} characters"),
        "zh-Hans": ("{n} 个字符",),
        "zh-Hant": ("{n} 個字元",),
    },
}


def lang_from_code(language_code: str | None) -> Lang:
    """A Telegram language_code ("zh-TW", "zh-hans", "en-US"...) mapped to one of ours."""
    return lang_from_tag(language_code) or "en"


def choose_lang(text: str | None, language_code: str | None) -> Lang:
    """The question's language when the text has words to judge by, else the user's setting."""
    if text and any(ch.isalpha() for ch in text):
        return guess_lang(text)
    return lang_from_code(language_code)


def t(key: str, lang: Lang, **params: Any) -> str:
    """The text for ``key`` in ``lang``; HTML texts get their values escaped."""
    template = MESSAGES[key].get(lang) or MESSAGES[key]["en"]
    if not params:
        return template
    if key.startswith("plain_"):
        return template.format(**params)
    return template.format(**{k: html.escape(str(v), quote=False) for k, v in params.items()})


def counted(noun: str, n: int, lang: Lang) -> str:
    """ "1 passage", "2 passages", "3 个段落": ``n`` with ``noun`` in the form its number takes."""
    forms = COUNTED[noun].get(lang) or COUNTED[noun]["en"]
    form = forms[0] if n == 1 or len(forms) == 1 else forms[1]
    return form.format(n=n)


def lang_name(lang: str, in_lang: Lang) -> str:
    """The name of an article language, said in the reader's language."""
    key = f"lang_{lang}"
    return t(key, in_lang) if key in MESSAGES else lang
