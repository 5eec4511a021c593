"""`python -m bot.cli`: the `citebot` command."""

import sys

from bot.cli import main

sys.exit(main())
