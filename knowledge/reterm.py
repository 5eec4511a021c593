"""Stored sentences given new terms: after an analyzer upgrade, and after an upload taught an alias.

Terms are made once, when an article is stored, and the index is built from the stored terms.
When the analyzer changes how it makes them (``ANALYZER_VERSION``), or an upload teaches it a
new alias pair ("Xi'an (西安)"), the stored sentences concerned are analysed again. Only the
store is written: it logs the passages concerned as leaving with their old terms and coming
back, and the index follows the log like any other write (``knowledge.follower``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from knowledge.analyze import Analyzer
from knowledge.normalize import fold, to_traditional
from knowledge.pgstore.protocol import KnowledgeStore
from knowledge.term_versions import ANALYZER_VERSION, TERMS_CHANGED_SINCE

log = logging.getLogger(__name__)
# Sentences re-termed per transaction when an analyzer upgrade concerns many of them.
_RETERM_BATCH = 50_000


def upgrade_terms(store: KnowledgeStore, analyzer: Analyzer) -> None:
    """Re-term the stored sentences whose terms an older analyzer made differently.

    Only the sentences a version change concerns are analysed again (the change to 2 gave
    accented Latin words their letters back: a scan of the texts and a few re-termed
    sentences, not a re-analysis of everything); their passages go through the change log,
    so the index replays them like any write. Batches keep memory bounded when a change
    concerns every sentence; a crash between batches re-terms again at the next start.
    """
    version = store.terms_version()
    if version == ANALYZER_VERSION:
        return
    if version is None and not store.article_count():
        store.reterm([], ANALYZER_VERSION, expected=None)  # a new store
        return
    older = version or 1
    # A store written by a newer analyzer (a downgrade): no telling what differs.
    changes = range(older, ANALYZER_VERSION) if older < ANALYZER_VERSION else [0]
    patterns = [TERMS_CHANGED_SINCE.get(v) for v in changes]
    concerned = None if None in patterns else [p for p in patterns if p is not None]
    started = time.monotonic()
    batch: list[tuple[int, str]] = []
    count = 0
    for sid, text in store.sentence_texts():
        if concerned is None or any(p.search(text) for p in concerned):
            batch.append((sid, text))
            if len(batch) == _RETERM_BATCH:
                if not _reterm(store, analyzer, batch, version, final=False):
                    return
                count += len(batch)
                batch = []
    if _reterm(store, analyzer, batch, version, final=True):
        count += len(batch)
        log.info(
            "stored terms upgraded from analyzer version %s to %d: %d sentences in %.1f s",
            older,
            ANALYZER_VERSION,
            count,
            time.monotonic() - started,
        )


def _reterm(
    store: KnowledgeStore,
    analyzer: Analyzer,
    batch: list[tuple[int, str]],
    version: int | None,
    *,
    final: bool,
) -> bool:
    """One transaction of the upgrade; False when another process did the upgrade."""
    retermed = [(sid, analyzer.terms(text)) for sid, text in batch]
    # Until the last batch the version stays the old one, so a crash starts over.
    target = ANALYZER_VERSION if final else None
    return store.reterm(retermed, target, expected=version)


def terms_for_aliases(
    store: KnowledgeStore, analyzer: Analyzer, learned: Sequence[tuple[str, str]]
) -> list[tuple[int, list[str]]]:
    """The stored sentences that name a newly ``learned`` alias, with their terms made again
    by ``analyzer`` (which knows the alias): for ``Store.add_article(retermed=...)``."""
    if not learned:
        return []
    needles: set[str] = set()
    for pair in learned:
        for form in pair:
            needles.update({form, fold(form), to_traditional(form)})
    return [(sid, analyzer.terms(text)) for sid, text in store.sentences_like(sorted(needles))]
