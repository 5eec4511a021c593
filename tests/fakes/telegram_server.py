"""Moved to benchmarks/fakes/telegram_server.py, so that the benchmarks import nothing from tests/.

This name is kept only for test files written on branches that still import it; import from
``benchmarks.fakes.telegram_server`` instead. Remove this module once those are merged.
"""

from benchmarks.fakes.telegram_server import *  # noqa: F403
