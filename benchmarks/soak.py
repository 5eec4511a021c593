"""The long flood, on demand: 500 users x 20 questions plus a 429 storm through the fake
Telegram server, with the real bot. `python -m benchmarks.soak` (takes a few minutes).

It runs the robustness suite's flood tests at the issue's size (CITEBOT_SOAK=1) so that the CI
check and the soak share one implementation; the figures are printed at the end of the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    env = {**os.environ, "CITEBOT_SOAK": "1"}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/robustness/test_floods.py",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
