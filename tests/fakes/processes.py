"""Moved to benchmarks/fakes/processes.py, so that the benchmarks import nothing from tests/.

This name is kept only for test files written on branches that still import it; import from
``benchmarks.fakes.processes`` instead. Remove this module once those are merged.
"""

from benchmarks.fakes.processes import *  # noqa: F403
