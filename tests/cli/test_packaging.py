"""What an installer and a first-time user meet: version, help, options, licence, dependencies."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import tomllib
from pathlib import Path

import pytest

from bot.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
ALL_COMMANDS = sorted([*COMMANDS, "serve"])


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"citebot {importlib.metadata.version('citebot')}"


def test_data_dir_is_accepted_after_the_command(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The environment names another folder: only the option can lead to data_dir.
    monkeypatch.setenv("CITEBOT_DATA_DIR", str(tmp_path / "elsewhere"))
    assert main(["list", "--json", "--data-dir", str(data_dir)]) == 0
    articles = json.loads(capsys.readouterr().out)
    assert articles
    victim = articles[0]["id"]
    assert main(["remove", victim, "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "list", "--json"]) == 0
    after = [article["id"] for article in json.loads(capsys.readouterr().out)]
    assert victim not in after
    assert len(after) == len(articles) - 1


def test_every_command_has_a_help_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    listing = capsys.readouterr().out
    for name in ALL_COMMANDS:
        line = re.search(rf"^ {{2,}}{name} +(\S.*)$", listing, re.M)
        assert line, f"{name} has no line in citebot --help"
        # The same line heads the command's own help.
        with pytest.raises(SystemExit):
            main([name, "--help"])
        assert f"\n{line.group(1)}\n" in capsys.readouterr().out, name


def test_wheel_carries_the_mit_licence() -> None:
    # Declared, not built: building the wheel needs setuptools>=77 from the network (the
    # shared venv has 65) and takes 15 s; setuptools puts each license-files entry in the
    # wheel's .dist-info/licenses/ (checked by hand with `pip wheel`).
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 the citebot authors" in text


def _imported_modules(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def test_runtime_dependencies_are_only_what_the_code_imports() -> None:
    runtime = {re.split(r"[\[<>=]", dep)[0].lower() for dep in PYPROJECT["project"]["dependencies"]}
    imported = _imported_modules(ROOT / "knowledge") | _imported_modules(ROOT / "bot")
    # scipy is imported nowhere; rank_bm25 is the reference the tests and benchmarks use.
    for distribution, module in (("scipy", "scipy"), ("rank-bm25", "rank_bm25")):
        assert module not in imported
        assert distribution not in runtime
    extras = PYPROJECT["project"]["optional-dependencies"]
    for extra in ("test", "bench"):
        assert any(dep.startswith("rank-bm25") for dep in extras[extra]), extra
