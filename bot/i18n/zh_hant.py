"""The bot's texts in Traditional Chinese: one entry per key of bot/i18n/__init__.py's ``MESSAGES``.

Telegram HTML unless the key starts with ``plain_`` (see bot/i18n/__init__.py).
"""

from __future__ import annotations

from bot.words import NOT_FOUND

TEXTS: dict[str, str] = {
    # /start, /help and the bot's description say what this installation holds (bot/about.py
    # fills them in): the number of articles and their titles, never a fixed subject.
    "start": (
        "你好！我根據 {articles}回答問題，逐字引用原文句子並註明出處。其中有：\n{titles}\n\n"
        "直接用中文或英文發問即可。發送 /help 查看更多。"
    ),
    "start_empty": (
        "你好！我根據文章庫回答問題，逐字引用原文句子並註明出處，"
        "但文章庫目前是空的：管理員可以加入文章。"
    ),
    "plain_more_titles": "……另有 {n} 篇",
    "plain_description": (
        "我根據 {articles}回答問題，逐字引用原文句子並註明出處，中英文提問皆可。其中有：{titles}"
    ),
    "plain_description_empty": "我根據文章庫回答問題，逐字引用原文句子並註明出處，中英文提問皆可。",
    "plain_short_description": "根據 {articles}回答並註明出處：{titles}",
    "plain_short_description_empty": "逐字引用文章原句並註明出處來回答問題。",
    "help": (
        "<b>如何提問</b>\n"
        "• 私訊：直接發送問題。\n"
        "• 群組：<code>/ask 你的問題</code>、提及我，或回覆我的訊息。\n"
        "\n"
        "每個回答都逐字引用原文並為出處編號。按鈕可顯示更多句子、出處的完整段落，或為回答評分。"
    ),
    "help_inline": (
        "\n\n<b>在任何對話中（行內模式）</b>\n"
        "在任何對話的輸入框中輸入 <code>@{bot} 你的問題</code>，"
        "稍等片刻，回答會出現在輸入框上方；"
        "點一下即可把回答連同出處發到該對話。"
    ),
    "help_inline_members": "此功能僅供本機器人所服務群組的成員使用。",
    "help_inline_off": "\n\n本機器人未開啟行內模式（在其他對話中輸入 <code>@{bot} 問題</code>）。",
    "help_examples": "\n\n<b>例如</b>\n{examples}",
    "help_limits": "\n\n<b>限制</b>\n• 每人每分鐘最多 {questions}\n• 每個問題最多 {chars}",
    "help_admin": (
        "\n\n<b>管理員</b>\n"
        "• 發送 .txt、.md、.html、.pdf 或 .docx 檔案（最大 {mb} MB）即可加入文章。\n"
        "• /add 文字或網址（或以 /add 回覆一則訊息）。\n"
        "• /articles、/remove ID、/stats。"
    ),
    "whoami": "你的用戶 id：<code>{user}</code>\n本對話的 id：<code>{chat}</code>",
    "whoami_admin": "\n你是本機器人的管理員。",
    "whoami_hint": "\n要設定管理員，請把其用戶 id 加入 CITEBOT_ADMIN_IDS。",
    # The same words as every other front end's (bot.words.NOT_FOUND).
    "not_found": NOT_FOUND["zh-Hant"],
    "question_empty": "請寫下你的問題。",
    "question_too_long": "問題太長了（{length} 個字元），請控制在 {limit} 個字元以內。",
    "usage_ask": "用法：<code>/ask 你的問題</code>",
    "rate_limited": "你提問太快了，請稍等一分鐘再問。",
    "chat_not_allowed": "抱歉，我沒有在這個對話中啟用。",
    "apology": "抱歉，我這邊出了點問題，請再試一次。",
    "sources": "出處",
    "more_heading": "文章中的更多內容：",
    "paragraph": "第 {n} 段",
    "plain_more": "更多",
    "plain_source": "📄 出處 {n}",
    "passage_cut": "（段落較長，只顯示引文前後的部分。）",
    "passage_full_text": "閱讀全文",
    "plain_source_shown": "這段原文已經在上面發過了。",
    "plain_source_private": "這個群組這一分鐘內我的訊息太多了，原文已私訊發給你。",
    "plain_source_busy": (
        "這個群組這一分鐘內我的訊息太多了。請一分鐘後再按，或先私訊我，原文就會私訊發給你。"
    ),
    "plain_no_more": "沒有更多相關內容了。",
    "plain_expired": "這個回答已過期，請重新提問。",
    "plain_gone": "這篇文章已不在文章庫中。",
    "plain_thanks": "謝謝你的回饋！",
    "plain_prev": "◀ 上一頁",
    "plain_next": "下一頁 ▶",
    "plain_confirm_remove": "刪除",
    "plain_cancel": "取消",
    "plain_admin_only": "只有機器人的管理員可以這樣做。",
    "admin_only": "抱歉，只有機器人的管理員可以修改文章。",
    # /articles and /stats only show things: their refusal must not speak of changing them.
    "admin_only_view": "抱歉，只有機器人的管理員可以使用這個命令。",
    "added": "已加入<b>{title}</b>\n語言：{article_lang} · {passages} · id <code>{id}</code>",
    "replaced": "已更新<b>{title}</b>\n語言：{article_lang} · {passages} · id <code>{id}</code>",
    "unchanged": "沒有新內容：<b>{title}</b> 已在文章庫中（id <code>{id}</code>）。",
    "err_too_large": "檔案太大（{size} MB），上限是 {limit} MB。",
    "err_unsupported_format": "我無法讀取這種檔案，請發送 .txt、.md、.html、.pdf 或 .docx。",
    "err_empty": "裡面沒有可讀取的文字。",
    "err_unreadable": "檔案已損毀或無法讀取。",
    "err_fetch_refused": "我不會抓取這個地址：它不是公開網頁。",
    "err_fetch_failed": "無法抓取該網頁（{host}）。",
    "err_not_found": "沒有 id 為 <code>{id}</code> 的文章。",
    "err_ambiguous_id": "id <code>{id}</code> 是多篇文章 id 的開頭：{ids}。請多輸入幾位。",
    "err_other": "操作失敗：輸入被拒絕。",
    "add_usage": (
        "用法：<code>/add 文字</code>、<code>/add https://…</code>，或以 /add 回覆一則訊息。"
    ),
    "articles_header": "<b>文章</b> 第 {first}–{last} 篇，共 {total} 篇",
    "articles_empty": "還沒有文章。",
    "remove_usage": "用法：<code>/remove ID</code>（見 /articles）",
    "remove_confirm": "刪除<b>{title}</b>（id <code>{id}</code>）？",
    "removed": "已刪除<b>{title}</b>（id <code>{id}</code>）。",
    "remove_cancelled": "沒有刪除任何內容。",
    "stats": (
        "<b>統計</b>\n文章：{articles}\n段落：{passages}\n"
        "已提問：{questions}\n有答案：{share}%\n👍 {up} · 👎 {down}"
    ),
    "plain_inline_no_answer": "沒有找到答案",
    "text_only": "我只讀文字問題，請把問題打出來。",
    "plain_inline_hello": "你好！發送這則看看我能回答甚麼",
    "lang_en": "英文",
    "lang_zh-Hans": "簡體中文",
    "lang_zh-Hant": "繁體中文",
    "cmd_ask": "提問",
    "cmd_help": "使用說明",
    "cmd_start": "歡迎",
    "cmd_add": "加入文字或網頁",
    "cmd_articles": "文章列表",
    "cmd_remove": "刪除文章",
    "cmd_stats": "使用統計",
    "cmd_whoami": "你的用戶 id 和本對話的 id",
    # -- the gaps (/gaps, and the reason buttons after a 👎) --------------------------------
    "cmd_gaps": "沒答好或沒答的問題",
    "plain_reason_wrong_answer": "答案不對",
    "plain_reason_wrong_source": "出處不對",
    "plain_reason_not_answered": "沒回答問題",
    "plain_thanks_why": "謝謝！如願意，可用下方按鈕說明哪裡不對。",
    "plain_reason_thanks": "謝謝，已記下：{reason}。",
    "plain_gaps_title": "缺口：未回答或被評 👎 的問題，最新的在前",
    "plain_gaps_none": "沒有缺口：沒有問題未回答或被評 👎。",
    "plain_gaps_more": "……還有 {n} 項（citebot gaps 可列出全部）。",
    "plain_gap_asked": "問了 {n} 次",
    "plain_gap_declined": "未答 {n}",
    "plain_gap_button": "回答 {n}",
    "plain_given_asked": "提問時間 {when}：",
    "plain_given_declined": "未回答：文章中沒有能回答的內容。",
    "gaps_in_private": "缺口列表含有各個對話的問題：請在私訊中向我發送 /gaps。",
    "plain_gap_gone": "這個問題已不在記錄中。",
    "plain_given_not_kept": "已回答，但沒有保存回答（提問時尚未保存回答）。",
    # -- per-chat settings (/settings) --
    "cmd_settings": "設定何時回答及回覆語言",
    "settings": "<b>本對話的設定</b>\n回答時機：{mode}\n回覆語言：{language}",
    "settings_asked": "被問到時（/ask、提及我，或回覆我的訊息）",
    "settings_questions": "被問到時，以及每則看起來像問題的訊息（後者僅在文章中有答案時回答）",
    "settings_off": "不回答（只有 /settings 有效）",
    "settings_private_asked": "每則訊息",
    "settings_private_questions": "每則訊息",
    "settings_lang_auto": "跟隨提問的語言",
    "settings_privacy": (
        "<i>要看到沒有發給我的訊息，需要關閉隱私模式：在 @BotFather 中 /setprivacy → "
        "Disable，然後把我移出本群組再重新加入。</i>"
    ),
    "plain_set_asked": "被問到時",
    "plain_set_questions": "所有問題",
    "plain_set_off": "關閉",
    "plain_set_on": "開啟",
    "plain_set_auto": "自動",
    "plain_settings_saved": "已儲存。",
    "plain_settings_refused": "只有本對話的管理員可以修改設定。",
    "plain_settings_failed": "抱歉，設定無法儲存，請稍後再試。",
    "plain_chat_off": "我在本對話中已關閉；管理員可以用 /settings 重新開啟。",
}

# Counted nouns: one form for every number (CLDR: "other" only).
COUNTED: dict[str, tuple[str, ...]] = {
    "admins": ("{n} 位管理員",),
    "articles": ("{n} 篇文章",),
    "passages": ("{n} 個段落",),
    "questions": ("{n} 個問題",),
    "characters": ("{n} 個字元",),
}
