"""No import circle among the modules of knowledge/ and bot/, and the bot goes through the
knowledge base's public door.

The graph is read from the source with ast, so an import inside a function (the usual way to
hide a circle from Python) counts like one at the top of the module, and so does one under
`if TYPE_CHECKING:`. A package's implicit import of its parent is not an edge: importing
knowledge.extract.common runs knowledge/extract/__init__.py first, and that is not a circle as
long as common.py does not import back from it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("knowledge", "bot")

# Circles known and allowed (none): any circle fails.
KNOWN_CIRCLES: tuple[frozenset[str], ...] = ()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(module: str, path: Path, modules: Iterable[str] = ()) -> set[str]:
    """Every module name an import statement anywhere in the file could load.

    ``from knowledge.index import bm25`` names the submodule knowledge.index.bm25; the package
    itself counts only for a name that is not one of its submodules (``modules``)."""
    known = set(modules)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            submodules = {f"{source}.{alias.name}" for alias in node.names}
            # `from knowledge.extract import html` imports the submodule knowledge.extract.html
            names.update(submodules)
            if not submodules <= known:
                names.add(source)
    return names


def import_graph() -> dict[str, set[str]]:
    """Module -> the project's modules it imports (knowledge/ and bot/ only)."""
    paths = {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    # A compiled extension (knowledge/_bm25, its types in a .pyi stub) is a submodule too:
    # `from knowledge import _bm25` loads it, not the package's __init__.
    extensions = {_module_name(p) for package in PACKAGES for p in (ROOT / package).rglob("*.pyi")}
    return {
        module: {
            name
            for name in _imported(module, path, set(paths) | extensions)
            if name in paths and name != module
        }
        for module, path in paths.items()
    }


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of two or more modules that reach each other (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in order:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], order[target])
        if low[node] == order[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return groups


def one_cycle(graph: dict[str, set[str]], group: Iterable[str]) -> list[str]:
    """A readable circle through the group: a -> b -> ... -> a."""
    members = set(group)
    start = min(members)
    path, seen = [start], {start}
    while True:
        following = sorted(graph[path[-1]] & members)
        if start in following and len(path) > 1:
            return [*path, start]
        step = next((m for m in following if m not in seen), None)
        if step is None:  # every neighbour seen: close the loop at the first one on the path
            target = following[0]
            return [*path[path.index(target) :], target]
        path.append(step)
        seen.add(step)


def test_cycle_finder_reports_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert one_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_circle_in_knowledge_or_bot() -> None:
    graph = import_graph()
    assert "knowledge.service" in graph and "bot.cli" in graph
    circles = [
        group
        for group in strongly_connected(graph)
        if not any(set(group) <= known for known in KNOWN_CIRCLES)
    ]
    assert not circles, "import circles:\n" + "\n".join(
        " -> ".join(one_cycle(graph, group)) for group in circles
    )


# What the bot may import of the knowledge base: the package's top (its public door), the
# interface, the models and the errors.
KNOWLEDGE_DOOR = frozenset(
    {"knowledge", "knowledge.interface", "knowledge.models", "knowledge.errors"}
)


def test_bot_imports_only_the_knowledge_base_door() -> None:
    graph = import_graph()
    reached = {
        module: sorted(
            name for name in imported if name.startswith("knowledge") and name not in KNOWLEDGE_DOOR
        )
        for module, imported in graph.items()
        if module.split(".")[0] == "bot"
    }
    assert "bot.cli" in reached and "bot.handlers.ask" in reached
    beyond = {module: names for module, names in reached.items() if names}
    assert not beyond, "bot/ reaches past knowledge's door:\n" + "\n".join(
        f"{module} -> {', '.join(names)}" for module, names in sorted(beyond.items())
    )


def test_the_knowledge_package_top_gives_every_name_it_lists() -> None:
    import knowledge

    for name in knowledge.__all__:
        assert getattr(knowledge, name) is not None, name
