"""A knowledge base over PostgreSQL is the same knowledge base: the bundled corpus loaded into
it gives, question for question, the answers one over SQLite gives (tests/knowledge/
questions.jsonl, compared as JSON), and its files (index, dictionary cache) stay in its own
data folder."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.models import Answer
from knowledge.service import KnowledgeBase, KnowledgeConfig

QUESTIONS = [
    json.loads(line)["q"]
    for line in (Path(__file__).parent / "questions.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]


def answer_json(answer: Answer) -> str:
    """The whole answer (quotes, citations, scores, "more" quotes) as JSON, without the ids
    one store gave it: the question's in the log, and its sentences' (an import numbers them
    anew, in the export's order)."""
    record = dataclasses.asdict(answer)
    record.pop("question_id")
    for quote in (*record["quotes"], *record["more"]):
        quote["sentence"].pop("id")
    return json.dumps(record, ensure_ascii=False, sort_keys=True, default=sorted)


def answers(kb: KnowledgeBase) -> dict[str, str]:
    return {q: answer_json(kb.ask(q, log_it=False)) for q in QUESTIONS}


def open_over_postgresql(url: str, data: Path, prepared_data_dir: Path) -> KnowledgeBase:
    """A knowledge base over ``url``, its folder holding only the prepared dictionary cache
    (built once per session; building it is the slow part of a first start)."""
    shutil.copytree(prepared_data_dir / "cache", data / "cache")
    return KnowledgeBase(KnowledgeConfig(data_dir=data, database_url=url))


@pytest.fixture
def pg_kb(postgres_url: str, tmp_path: Path, prepared_data_dir: Path) -> Iterator[KnowledgeBase]:
    kb = open_over_postgresql(postgres_url, tmp_path / "replica", prepared_data_dir)
    yield kb
    kb.close()


def test_bundled_corpus_over_postgresql_answers_as_over_sqlite(
    pg_kb: KnowledgeBase, module_kb: KnowledgeBase, tmp_path: Path
) -> None:
    report = pg_kb.load_bundled()
    assert not report.failures, report.failures
    assert pg_kb.store_kind == "postgresql" and module_kb.store_kind == "sqlite"
    assert pg_kb.store.counts() == module_kb.store.counts()
    # The same articles; their order is by the second each was added, which differs between
    # two loads made at different moments.
    assert sorted(a.id for a in pg_kb.list()) == sorted(a.id for a in module_kb.list())
    over_sqlite, over_postgresql = answers(module_kb), answers(pg_kb)
    assert sum('"found": true' in a for a in over_sqlite.values()) >= len(QUESTIONS) // 2
    differing = [q for q in QUESTIONS if over_postgresql[q] != over_sqlite[q]]
    assert not differing, differing
    # Its own files are in its own folder; the store is not a file there.
    pg_kb.close()
    folder = tmp_path / "replica"
    assert (folder / "index").is_dir() and not (folder / "citebot.sqlite3").exists()


def test_a_restarted_replica_loads_its_saved_index_and_catches_up_from_the_log(
    pg_kb: KnowledgeBase, postgres_url: str, tmp_path: Path, prepared_data_dir: Path
) -> None:
    """A second knowledge base on the same database, with a folder of its own, sees what the
    first wrote; the first, reopened on its saved index, takes the second's writes from the
    change log."""
    pg_kb.load_bundled()
    indexed = pg_kb.stats()["indexed_passages"]
    pg_kb.close()
    other = open_over_postgresql(postgres_url, tmp_path / "other", prepared_data_dir)
    try:
        assert other.stats()["indexed_passages"] == indexed > 0
        glass = (
            "The Kowloon Glassworks was founded in 1931 by Mabel Cheung. "
            "It made bottles for the harbour trade."
        )
        other.ingest_text(glass, title="The Kowloon Glassworks")
    finally:
        other.close()
    again = KnowledgeBase(KnowledgeConfig(data_dir=tmp_path / "replica", database_url=postgres_url))
    try:
        answer = again.ask("Who founded the Kowloon Glassworks?", log_it=False)
        assert answer.found and "Mabel Cheung" in answer.quotes[0].sentence.text
    finally:
        again.close()
