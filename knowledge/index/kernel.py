"""The compiled inner loops of the search (knowledge/_bm25.c), or None where they were not built.

Imported here once, so that every module of the index reads the same name, and a test can take
the extension away for the constructor (BM25Index(compiled=True) is refused when ``bm25c`` is
None) by setting this module's attribute.
"""

from __future__ import annotations

__all__ = ["available", "bm25c"]

try:  # built at install where a compiler is
    from knowledge import _bm25 as bm25c
except ImportError:  # pragma: no cover - depends on the machine that installed the package
    # mypy types the name as the module (knowledge/_bm25.pyi) and has no way to spell "that
    # module or None"; None is only where it was not built, and then BM25Index.compiled is
    # False (the constructor refuses True), so no call reaches it.
    bm25c = None  # type: ignore[assignment]


def available() -> bool:
    """Whether the compiled loops can be used in this process."""
    return bm25c is not None
