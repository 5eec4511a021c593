"""README tells the truth: its commands, settings and CI command match the code."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli.parser import HELP
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_env_variable() -> None:
    for name in Settings.model_fields:
        assert f"`CITEBOT_{name.upper()}`" in README, name


def test_every_cli_command_is_documented() -> None:
    # The parser makes each command from its entry in HELP, so HELP names them all.
    commands = HELP
    assert commands
    for command in commands:
        assert f"`citebot {command}" in README, command


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"^    (python3 -m venv .+)$", README, re.M)
    test_command = next(b for b in blocks if "pytest" in b)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.replace(" -q", "") in ci.replace(" -q", "")


def test_architecture_walks_name_functions_that_exist() -> None:
    """Every `module.function` and `Class.method` ARCHITECTURE.md names is there."""
    import importlib
    import re

    root = Path(__file__).resolve().parents[1]
    text = (root / "ARCHITECTURE.md").read_text(encoding="utf-8")
    modules = {
        p.stem if p.name != "__init__.py" else p.parent.name: ".".join(
            p.relative_to(root).with_suffix("").parts[:-1]
            if p.name == "__init__.py"
            else p.relative_to(root).with_suffix("").parts
        )
        for package in ("knowledge", "bot")
        for p in (root / package).rglob("*.py")
    }
    classes = {
        "KnowledgeBase": "knowledge.service",
        "KnowledgeWorker": "knowledge.worker",
        "Store": "knowledge.store",
        "BM25Index": "knowledge.index",
        "Analyzer": "knowledge.analyze",
    }
    checked = 0
    for dotted in re.findall(r"`([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)", text):
        parts = dotted.split(".")
        if parts[0] in ("knowledge", "bot"):  # a full path: the longest module, then attributes
            cut = max(
                i for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in modules.values()
            )
            target = importlib.import_module(".".join(parts[:cut]))
            rest = parts[cut:]
        elif parts[0] in classes:
            target, rest = getattr(importlib.import_module(classes[parts[0]]), parts[0]), parts[1:]
        elif parts[0] in modules and parts[1] != "py":
            target, rest = importlib.import_module(modules[parts[0]]), parts[1:]
        else:
            continue  # a file name ("render.py") or something else
        for attribute in rest:
            assert hasattr(target, attribute), f"ARCHITECTURE.md names {dotted}"
            target = getattr(target, attribute)
        checked += 1
    assert checked >= 20
