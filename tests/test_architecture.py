"""The tree is the architecture (docs/architecture.md): stage-shaped subpackages, nothing else
directly under ``pipeline/``, and no import cycle — counting imports inside functions, which
hide a cycle from Python until the wrong module is imported first."""

from __future__ import annotations

import ast
from pathlib import Path

from pipeline import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "pipeline"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the pipeline modules it imports anywhere in its text (top level or in a function)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # "from pipeline.store import catalog" imports the module pipeline.store.catalog
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                if target in modules and target != name and target != "pipeline":
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as a list of modules, first = last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_find_cycle_finds_a_cycle_through_a_function_level_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_pipeline_has_no_import_cycle():
    # package __init__ files import nothing, so a module and its package never form a cycle
    graph = {
        name: {t for t in targets if not _is_parent(t, name)}
        for name, targets in import_graph().items()
    }
    assert find_cycle(graph) is None


def _is_parent(target: str, name: str) -> bool:
    return name.startswith(target + ".")


def test_at_most_four_modules_sit_directly_under_pipeline():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 4, top
    packages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    documented = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert all(f"{name}/" in documented for name in packages), packages
