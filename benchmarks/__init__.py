"""Reproducible speed and memory measurements; run with ``python -m benchmarks.run``."""
