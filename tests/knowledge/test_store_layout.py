"""The store package keeps one owner per state: small modules, each class reading and writing
only its own private fields, no module importing another's private names."""

from __future__ import annotations

import ast
from pathlib import Path

STORE = Path(__file__).resolve().parents[2] / "knowledge" / "store"
MAX_LINES = 400


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_every_store_module_stays_under_the_size_a_reader_takes_in() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in STORE.glob("*.py")}
    assert "__init__.py" in sizes and len(sizes) > 1
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_no_store_module_reaches_into_private_names_of_another_object() -> None:
    reached: list[str] = []
    for path in sorted(STORE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                reached += [
                    f"{path.name}: from {node.module} import {a.name}"
                    for a in node.names
                    if _private(a.name)
                ]
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                owner = node.value
                if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                    reached.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert reached == []
