"""The bot's fixed texts fit the installation: /start, /help and the bot's descriptions say what
is loaded and how this bot is set up; /whoami tells anyone their ids; refusals, counts, "More"
and quote marks say what is true, in every language the bot speaks."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from benchmarks.fakes.telegram_server import running_fake
from bot.app import build_application, open_knowledge_base
from bot.cli import main
from bot.config import Settings
from knowledge.normalize import fold
from knowledge.service import KnowledgeBase, KnowledgeConfig
from tests.bot.conftest import ADMIN, USER, RunningBot, serving, start_bot_on
from tests.bot.documents import FACT, TITLE, as_txt

# The same two facts in a Simplified and a Traditional article: the same sentences, folded.
ZH_TITLE = "佐布拉克斯天文台"
HANS = (
    "佐布拉克斯天文台\n\n佐布拉克斯天文台位于九龙，由天文学家梅琳于1987年创立。\n\n"
    "天文台的折射望远镜在格拉斯哥制造，经海路运到香港。\n"
)
HANT = (
    "佐布拉克斯天文臺\n\n佐布拉克斯天文台位於九龍，由天文學家梅琳於1987年創立。\n\n"
    "天文台的折射望遠鏡在格拉斯哥製造，經海路運到香港。\n"
)
ZH_QUESTION = "佐布拉克斯天文台是谁创立的？"


def _buttons(message: dict[str, object]) -> list[str]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


@pytest.fixture
def one_article_bot(prepared_data_dir: Path, tmp_path: Path) -> Iterator[RunningBot]:
    """A bot whose knowledge base holds one article, about an observatory, and nothing about
    Hong Kong technology."""
    prepared = tmp_path / "one"
    shutil.copytree(prepared_data_dir / "cache", prepared / "cache")  # the dictionary, built
    kb = KnowledgeBase(KnowledgeConfig(data_dir=prepared))
    kb.ingest_bytes(as_txt(), "zorblax.txt")
    kb.close()
    with contextlib.ExitStack() as stack:
        yield start_bot_on(stack, prepared, tmp_path / "data")


# -- /start and the descriptions: what is loaded ----------------------------------------------
def test_start_describes_the_articles_loaded_not_a_fixed_subject(
    one_article_bot: RunningBot,
) -> None:
    [reply] = one_article_bot.ask("/start")
    text = reply["plain_text"]
    assert "1 article," in text and TITLE in text
    assert "Hong Kong" not in text and "1 articles" not in text
    [reply] = one_article_bot.ask("/start", user_id=USER + 1, language_code="zh-TW")
    assert "1 篇文章" in reply["plain_text"] and TITLE in reply["plain_text"]
    assert "香港" not in reply["plain_text"]


def test_start_counts_the_bundled_articles_and_shows_titles_in_the_readers_language(
    bot: RunningBot,
) -> None:
    articles = bot.kb.list()
    [reply] = bot.ask("/start")
    text = reply["plain_text"]
    assert f"{len(articles)} articles" in text
    english = [a.title for a in articles if a.lang == "en"]
    assert english[0] in text
    assert f"…and {len(articles) - 5} more" in text
    [reply] = bot.ask("/start", user_id=USER + 1, language_code="zh-CN")
    chinese = [a.title for a in articles if a.lang != "en"]
    assert f"{len(articles)} 篇文章" in reply["plain_text"] and chinese[0] in reply["plain_text"]


def test_descriptions_are_set_at_start_up_from_the_stored_articles_in_english_and_chinese(
    one_article_bot: RunningBot, bot: RunningBot
) -> None:
    fake = one_article_bot.fake
    assert "1 article" in fake.description() and TITLE in fake.description()
    assert "1 article" in fake.description(short=True) and TITLE in fake.description(short=True)
    assert "Hong Kong" not in fake.description() + fake.description(short=True)
    assert "1 篇文章" in fake.description("zh") and "1 篇文章" in fake.description("zh", short=True)
    # The bundled collection: its count, whole titles, within Telegram's limits.
    count = len(bot.kb.list())
    for code, counted in (("", f"{count} articles"), ("zh", f"{count} 篇文章")):
        long, short = bot.fake.description(code), bot.fake.description(code, short=True)
        assert counted in long and counted in short
        assert len(long) <= 512 and len(short) <= 120
    titles = [a.title for a in bot.kb.list() if a.lang == "en"]
    assert sum(title in bot.fake.description() for title in titles) >= 2


def test_a_refused_description_is_logged_and_the_bot_starts_anyway(
    prepared_data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    shutil.copytree(prepared_data_dir, data)
    with contextlib.ExitStack() as stack:
        fake = stack.enter_context(running_fake())
        # Refused before the bot starts: Telegram down for these calls, or a text it rejects.
        fake.fail_next("setMyDescription", 400, "Bad Request: description is too long", times=9)
        fake.fail_next("setMyShortDescription", 500, times=9)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            telegram_token=fake.token,
            telegram_base_url=fake.base_url,
            telegram_base_file_url=fake.base_file_url,
            data_dir=data,
            knowledge_process=False,
        )
        kb = open_knowledge_base(settings)
        stack.callback(kb.close)
        _, errors = stack.enter_context(serving(build_application(settings, kb)))
        sent = fake.user_says("When was DeepSeek founded?", user_id=USER)
        [answer] = fake.wait_for_bot_messages(sent["chat"]["id"])
        assert "2023" in answer["plain_text"]
        assert fake.commands_for()  # the rest of the start-up went on
    assert not errors
    assert "could not set the bot's description" in caplog.text


# -- /help ------------------------------------------------------------------------------------
def test_help_gives_two_example_questions_the_articles_answer(bot: RunningBot) -> None:
    [reply] = bot.ask("/help")
    text = reply["plain_text"]
    examples = bot.kb.examples("en")
    assert len(examples) == 2
    assert "For example" in text
    for question in examples:
        assert f"• {question}" in text
        [answer] = bot.ask(question, user_id=USER + 1)
        assert "I don't know" not in answer["plain_text"]
    [reply] = bot.ask("/help", user_id=USER + 2, language_code="zh-HK")
    for question in bot.kb.examples("zh-Hant"):
        assert f"• {question}" in reply["plain_text"]


def test_help_states_the_configured_limits_and_how_inline_mode_works(
    make_bot: Callable[..., RunningBot],
) -> None:
    bot = make_bot(user_rate_limit=7, max_upload_mb=3.5)
    [reply] = bot.ask("/help")
    text = reply["plain_text"]
    assert "7 questions a minute per person" in text
    assert "500 characters per question" in text
    assert f"@{bot.username} your question" in text and "tap it to send it" in text
    assert "3.5 MB" not in text  # uploads are for admins
    [admin] = bot.ask("/help", user_id=ADMIN)
    assert "up to 3.5 MB" in admin["plain_text"]
    [zh] = bot.ask("/help", user_id=USER + 1, language_code="zh-CN")
    assert "每人每分钟最多 7 个问题" in zh["plain_text"]


def test_help_says_when_inline_mode_is_off_or_only_for_members(
    make_bot: Callable[..., RunningBot],
) -> None:
    off = make_bot(inline_mode="off")
    [reply] = off.ask("/help")
    assert "Inline mode" in reply["plain_text"] and "is off" in reply["plain_text"]
    members = make_bot(allowed_chats=[USER])
    [reply] = members.ask("/help")
    assert "members of the chats this bot serves" in reply["plain_text"]


# -- /whoami ----------------------------------------------------------------------------------
def test_whoami_tells_anyone_their_user_id_and_the_chat_id(
    make_bot: Callable[..., RunningBot],
) -> None:
    # Restricted to one group: a stranger is refused everything else, yet learns their ids.
    bot = make_bot(allowed_chats=[-1001])
    stranger = USER + 7
    [reply] = bot.ask("/whoami", user_id=stranger)
    assert f"Your user id: {stranger}" in reply["plain_text"]
    assert f"This chat's id: {stranger}" in reply["plain_text"]
    assert "CITEBOT_ADMIN_IDS" in reply["plain_text"]
    sent = bot.fake.user_says(
        f"/whoami@{bot.username}", user_id=stranger, chat_id=-1002, chat_type="supergroup"
    )
    [reply] = bot.fake.wait_for_bot_messages(sent["chat"]["id"])
    assert "This chat's id: -1002" in reply["plain_text"]
    assert "not enabled" not in reply["plain_text"]
    [reply] = bot.ask("/whoami", user_id=ADMIN, language_code="zh-CN")
    assert f"你的用户 id：{ADMIN}" in reply["plain_text"] and "管理员" in reply["plain_text"]


# -- refusals and counts ----------------------------------------------------------------------
def test_read_only_commands_refused_to_non_admins_say_they_are_for_admins(
    bot: RunningBot,
) -> None:
    for command in ("/articles", "/stats"):
        [reply] = bot.ask(command)
        assert reply["plain_text"] == "Sorry, only the bot's admins can use this command.", command
        assert "change" not in reply["plain_text"]
    [reply] = bot.ask("/remove abc")
    assert "change the articles" in reply["plain_text"]  # this one does change them
    [reply] = bot.ask("/stats", user_id=USER + 1, language_code="zh-TW")
    assert reply["plain_text"] == "抱歉，只有機器人的管理員可以使用這個命令。"


def test_confirmations_count_passages_in_the_right_form(bot: RunningBot) -> None:
    [confirm] = bot.ask(f"/add {FACT}", user_id=ADMIN)
    assert "· 1 passage ·" in confirm["plain_text"], confirm["plain_text"]
    [confirm] = bot.ask(f"/add {HANS.replace(chr(10), '')}", user_id=ADMIN, language_code="zh")
    assert re.search(r"· 1 个段落 ·", confirm["plain_text"]), confirm["plain_text"]
    paragraphs = "\n\n".join(f"{FACT} Paragraph {i} adds a detail about it." * 30 for i in range(6))
    [confirm] = bot.ask(f"/add {paragraphs}", user_id=ADMIN)
    found = re.search(r"· (\d+) (passages?) ·", confirm["plain_text"])
    assert found, confirm["plain_text"]
    assert (found[1] == "1") == (found[2] == "passage")
    assert found[1] != "1", "expected several passages"


# -- "More" and quote marks -------------------------------------------------------------------
def test_more_does_not_repeat_a_fact_in_the_other_script(bot: RunningBot) -> None:
    bot.kb.ingest_bytes(HANS.encode(), "zorblax-hans.txt")
    bot.kb.ingest_bytes(HANT.encode(), "zorblax-hant.txt")
    [answer] = bot.ask(ZH_QUESTION)
    shown = [answer["plain_text"]]
    more = [d for d in _buttons(answer) if d.startswith("more:")]
    if more:
        mark = bot.fake.mark()
        bot.fake.user_presses(answer, more[0])
        shown += [m["plain_text"] for m in bot.fake.wait_for_bot_messages(USER, after=mark)]
    folded = fold("".join(shown))
    counts = [folded.count(s) for s in ("天文学家梅琳于1987年创立", "折射望远镜在格拉斯哥制造")]
    assert max(counts) == 1, shown  # each fact once: in one script, in the answer or in "More"


def test_chinese_quotes_use_the_same_marks_in_telegram_and_on_the_command_line(
    bot: RunningBot, capfd: pytest.CaptureFixture[str]
) -> None:
    question = "DeepSeek是哪一年成立的？"
    [answer] = bot.ask(question)
    capfd.readouterr()
    assert main(["--data-dir", str(bot.settings.data_dir), "ask", question]) == 0
    printed = capfd.readouterr().out
    assert answer["plain_text"].startswith("「") and printed.startswith("「")
    first_quote = answer["plain_text"].split("\n", 1)[0]
    assert re.fullmatch(r"「.+」 \[1\]", first_quote), first_quote
    [english] = bot.ask("When was DeepSeek founded?")
    assert english["plain_text"].startswith("“")
