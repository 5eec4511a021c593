"""citebot's knowledge base: a plain library that never imports Telegram or the settings.

Arrows point one way: service -> answer -> index -> analyze -> normalize; everything may use
models and errors.
"""

from knowledge.errors import KnowledgeError
from knowledge.models import Answer, Article, Citation, ParsedDocument

__all__ = ["Answer", "Article", "Citation", "KnowledgeError", "ParsedDocument"]
