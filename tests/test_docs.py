"""README tells the truth: its commands, settings and CI command match the code."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli import build_parser
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_env_variable() -> None:
    for name in Settings.model_fields:
        assert f"`CITEBOT_{name.upper()}`" in README, name


def test_every_cli_command_is_documented() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands
    for command in commands:
        assert f"`citebot {command}" in README, command


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"^    (python3 -m venv .+)$", README, re.M)
    test_command = next(b for b in blocks if "pytest" in b)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.replace(" -q", "") in ci.replace(" -q", "")
