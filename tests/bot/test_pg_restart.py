"""A PostgreSQL restart in the middle of a flood (issue 18): `citebot serve` over a server of
the test's own, many users asking through the fake Bot API, an admin upload caught half-way
in its transaction, and the server restarted twice as an operator restarts it (fast shutdown:
every session ended, then started again on the same folder and socket): once while the
questions wait behind the held upload, once while they flow.

The bot process and its knowledge process live through it and serve on without being
restarted; every question sent meanwhile gets one reply, its answer (the same as before the
restart) or the apology, none is left unanswered and none answered twice; the upload leaves
nothing of its article behind, its admin is told to try again, and the retry stores the
article whole (as many passages and sentences as a clean ingest).

One replica only: two polling one bot would take each other's updates (Telegram answers the
second getUpdates with a conflict), and webhook mode across replicas has its own test. That an
idle replica hears of another's write made after a restart is in
tests/knowledge/test_pg_restart.py, where the replica's index can be watched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from benchmarks.fakes.processes import children, start_serve
from benchmarks.fakes.telegram_server import FakeTelegram, running_fake
from bot.i18n import LANGS, t
from knowledge.service import KnowledgeBase, KnowledgeConfig
from tests.bot.documents import FACT, QUESTION, TITLE, as_txt
from tests.pgserver import Server, own_server
from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]

ADMIN = 4242
FLOOD_USERS = 180
# How far apart the flood's questions are sent: the restart falls among them.
SPACING = 0.02
# Questions asked while the server stays down, in the long outage's test.
DURING_OUTAGE = 12
QUESTIONS = (
    "which HK university trained a DeepSeek founder?",
    "Who founded DeepSeek?",
    "康方生物的創辦人是誰？",
)
APOLOGIES = {t("apology", lang) for lang in LANGS}  # in the language of the question


def _env(fake: FakeTelegram, data: Path, database_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.upper().startswith("CITEBOT_")},
        "CITEBOT_TELEGRAM_TOKEN": fake.token,
        "CITEBOT_TELEGRAM_BASE_URL": fake.base_url,
        "CITEBOT_TELEGRAM_BASE_FILE_URL": fake.base_file_url,
        "CITEBOT_DATA_DIR": str(data),
        "CITEBOT_DATABASE_URL": database_url,
        "CITEBOT_ADMIN_IDS": str(ADMIN),
    }


def _drain(process: subprocess.Popen[str], lines: list[str]) -> threading.Thread:
    """Keep reading the process's stderr (a full pipe would stall its logging)."""

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)

    thread = threading.Thread(target=read, name="serve-stderr", daemon=True)
    thread.start()
    return thread


def _waiting_on_passages(admin: psycopg.Connection[tuple[object, ...]]) -> bool:
    """Whether a session waits for a lock to write the passages of an article (the upload,
    half-way through its transaction)."""
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query LIKE 'COPY passages%%'"
    ).fetchone()
    return bool(row and row[0])


def _article_rows(url: str, title: str) -> tuple[int, int, int]:
    """Articles titled ``title``, and the passages and sentences stored for them."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*), (SELECT count(*) FROM passages p JOIN articles a "
            "ON p.article_id = a.id WHERE a.title = %s), (SELECT count(*) FROM sentences s "
            "JOIN articles a ON s.article_id = a.id WHERE a.title = %s) "
            "FROM articles WHERE title = %s",
            (title, title, title),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _clean_ingest(tmp_path: Path, prepared_data_dir: Path) -> tuple[int, int]:
    """The passages and sentences the upload makes in a knowledge base nothing interrupts."""
    data = tmp_path / "clean"
    shutil.copytree(prepared_data_dir / "cache", data / "cache")
    kb = KnowledgeBase(KnowledgeConfig(data_dir=data))
    try:
        article = kb.ingest_bytes(as_txt(), "zorblax.txt").article
    finally:
        kb.close()
    return article.passages, article.sentences


@dataclass
class Serving:
    """`citebot serve` over ``server``, answering through ``fake``."""

    server: Server
    fake: FakeTelegram
    bot: subprocess.Popen[str]
    child: int  # its knowledge process
    logged: list[str]  # its stderr so far
    expected: dict[str, str]  # each of QUESTIONS's answer, as first given


@contextlib.contextmanager
def serving(tmp_path: Path, prepared_data_dir: Path) -> Iterator[Serving]:
    """`citebot serve` over a PostgreSQL server of its own (empty: it loads the bundled
    articles first), with each of QUESTIONS asked once; stopped with SIGTERM after the block,
    which asserts that it then exits 0 (so every reply it sent is in the fake)."""
    with own_server() as server, running_fake() as fake:
        fake.add_chat(ADMIN)
        data = tmp_path / "replica"
        shutil.copytree(prepared_data_dir / "cache", data / "cache")
        bot = start_serve(_env(fake, data, server.url))
        logged: list[str] = []
        reader = _drain(bot, logged)
        try:
            wait_until(
                lambda: fake.calls_of("getUpdates") or bot.poll() is not None,
                timeout=180,
                description="serve polling",
                interval=0.1,
            )
            assert bot.poll() is None, "".join(logged[-50:])
            [child] = children(bot.pid)
            expected = {}
            for n, question in enumerate(QUESTIONS):
                sent = fake.user_says(question, user_id=500 + n)
                [reply] = fake.wait_for_bot_messages(sent["chat"]["id"], timeout=60)
                assert reply["plain_text"] not in APOLOGIES
                expected[question] = reply["plain_text"]
            yield Serving(server, fake, bot, child, logged, expected)
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(timeout=60)
            except subprocess.TimeoutExpired:
                bot.kill()
                bot.wait()
            reader.join(10)
        assert bot.returncode == 0, "".join(logged[-50:])


def assert_serving_on(served: Serving) -> None:
    """The same bot and knowledge processes answer as before."""
    bot, fake = served.bot, served.fake
    assert bot.poll() is None and children(bot.pid) == [served.child]
    for n, question in enumerate(QUESTIONS):
        sent = fake.user_says(question, user_id=600 + n)
        [reply] = fake.wait_for_bot_messages(sent["chat"]["id"], timeout=60)
        assert reply["plain_text"] == served.expected[question]


def test_a_restart_in_the_middle_of_a_flood_leaves_no_question_unanswered_nor_half_an_upload(
    tmp_path: Path,
    prepared_data_dir: Path,
    record_property: Callable[[str, object], None],
) -> None:
    clean = _clean_ingest(tmp_path, prepared_data_dir)
    asked: dict[int, str] = {}
    down = []
    with serving(tmp_path, prepared_data_dir) as served:
        server, fake = served.server, served.fake
        # The upload's transaction is held half-way: its article row and sentences are
        # written (not committed), its passages wait for this lock.
        locker = psycopg.connect(server.url)
        locker.execute("LOCK TABLE passages IN SHARE MODE")
        fake.user_sends_document(as_txt(), "zorblax.txt", user_id=ADMIN)
        with psycopg.connect(server.url, autocommit=True) as watcher:
            wait_until(
                lambda: _waiting_on_passages(watcher),
                timeout=60,
                description="the upload waiting to write its passages",
                interval=0.02,
            )

        # Two restarts among the flood's questions: at a third, while the questions wait
        # behind the held upload; at two thirds, while they flow (some mid-query).
        thirds = [threading.Event(), threading.Event()]

        def flood() -> None:
            for n in range(FLOOD_USERS):
                question = QUESTIONS[n % len(QUESTIONS)]
                asked[1000 + n] = question
                fake.user_says(question, user_id=1000 + n)
                if n in (FLOOD_USERS // 3, 2 * FLOOD_USERS // 3):
                    thirds[n * 3 // FLOOD_USERS - 1].set()
                time.sleep(SPACING)

        sender = threading.Thread(target=flood, name="flood")
        sender.start()
        for third in thirds:
            assert third.wait(60)
            stopped = time.perf_counter()
            server.stop_fast()
            server.start_again()
            down.append(time.perf_counter() - stopped)
        locker.close()  # ended by the first restart
        sender.join()

        # Every question gets its reply; the upload's admin is told to try again.
        for user in asked:
            fake.wait_for_bot_messages(user, timeout=180, after=0)
        [refused] = fake.wait_for_bot_messages(ADMIN, timeout=60)
        assert refused["plain_text"] == t("apology", "en")
        assert _article_rows(server.url, TITLE) == (0, 0, 0)  # nothing of it
        fake.user_sends_document(as_txt(), "zorblax.txt", user_id=ADMIN)
        [added] = fake.wait_for_bot_messages(ADMIN, timeout=60)
        assert added["plain_text"].startswith(f"Added {TITLE}")
        assert _article_rows(server.url, TITLE) == (1, *clean)

        # The same processes serve on: answers as before the restart, and the new article.
        assert_serving_on(served)
        sent = fake.user_says(QUESTION, user_id=700)
        [reply] = fake.wait_for_bot_messages(sent["chat"]["id"], timeout=60)
        assert FACT in reply["plain_text"]
    # The bot has ended: the replies counted now are all it will ever send.
    sorry = 0
    for user, question in asked.items():
        replies = [m["plain_text"] for m in fake.bot_messages(user)]
        assert len(replies) == 1, (user, replies)
        assert replies[0] == served.expected[question] or replies[0] in APOLOGIES, replies
        sorry += replies[0] in APOLOGIES
    text = (
        f"{len(asked) - sorry} answered, {sorry} apologised for, of {len(asked)} "
        f"questions sent {1000 * SPACING:.0f} ms apart; server down "
        f"{' s and '.join(f'{d:.2f}' for d in down)} s"
    )
    record_property("flood across a PostgreSQL restart", text)
    print(f"flood across a PostgreSQL restart: {text}")


def test_questions_asked_while_the_database_stays_down_get_the_apology_before_it_is_back(
    tmp_path: Path, prepared_data_dir: Path
) -> None:
    """A long outage (a failover that takes minutes): once a call has waited the connect
    timeout (10 s) in vain, the next ones fail at once, so the questions asked meanwhile are
    apologised for while it lasts, rather than each waiting 10 s behind the others (the
    knowledge process answers two calls at a time: twelve questions took two minutes and
    more). The bot answers again as soon as the database is back."""
    with serving(tmp_path, prepared_data_dir) as served:
        server, fake = served.server, served.fake
        server.stop_fast()
        users = range(2000, 2000 + DURING_OUTAGE)
        for n, user in enumerate(users):
            fake.user_says(QUESTIONS[n % len(QUESTIONS)], user_id=user)
        for user in users:  # the server is still down
            [reply] = fake.wait_for_bot_messages(user, timeout=60, after=0)
            assert reply["plain_text"] in APOLOGIES
        server.start_again()
        assert_serving_on(served)
