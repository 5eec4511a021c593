"""A link handed to the knowledge base: it fetches the page (knowledge/fetch.py) and stores it,
in process and through the knowledge process alike; front ends never fetch themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.errors import FetchRefused
from knowledge.service import KnowledgeBase, KnowledgeConfig
from knowledge.worker import KnowledgeWorker
from tests.fakes.page_server import serving_page

PAGE = (
    b"<html><head><title>The Tollgate Pier</title></head><body><article>"
    b"<p>The Tollgate Pier at Ma Wan opened in 1911.</p></article></body></html>"
)


def test_a_link_is_fetched_and_stored_with_its_address(kb: KnowledgeBase) -> None:
    with serving_page(PAGE) as (port, requests):
        result = kb.ingest_url(f"http://127.0.0.1:{port}/pier", allowed_hosts=[f"127.0.0.1:{port}"])
    assert requests == ["/pier"]
    assert result.status == "added"
    assert result.article.url == f"http://127.0.0.1:{port}/pier"
    assert kb.ask("When did the Tollgate Pier open?").found


def test_a_private_address_is_refused_and_nothing_stored(kb: KnowledgeBase) -> None:
    before = kb.stats()["articles"]
    with serving_page(PAGE) as (port, requests), pytest.raises(FetchRefused):
        kb.ingest_url(f"http://127.0.0.1:{port}/pier")  # loopback, not an allowed host
    assert requests == []
    assert kb.stats()["articles"] == before


@pytest.mark.slow  # starts the knowledge process (a child)
def test_the_knowledge_process_fetches_the_link_itself(data_dir: Path) -> None:
    worker = KnowledgeWorker(KnowledgeConfig(data_dir=data_dir))
    try:
        with serving_page(PAGE) as (port, requests):
            result = worker.ingest_url(
                f"http://127.0.0.1:{port}/pier", allowed_hosts=[f"127.0.0.1:{port}"]
            )
            with pytest.raises(FetchRefused):
                worker.ingest_url(f"http://127.0.0.1:{port}/other")
        assert requests == ["/pier"]
        assert result.status == "added"
        assert worker.ask("When did the Tollgate Pier open?").found
    finally:
        worker.close()
