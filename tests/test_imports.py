"""The import graph of pipeline/: no circle, and no module importing another's private names.

Every import statement counts, those inside functions too (a lazy import is still a dependency:
a circle through one only waits for the call that closes it); ``if TYPE_CHECKING:`` blocks do
not, as they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "pipeline"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in ROOT.rglob("*.py")}


def _runtime_nodes(tree: ast.AST):
    """The nodes of ``tree`` outside ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, list[str]]]:
    """(module imported, names taken from it) for each import of ``name``, pipeline's only."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.split(".")[0] == "pipeline"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "pipeline":
                continue
            names = []
            for a in node.names:
                if f"{target}.{a.name}" in known:  # a submodule: a dependency of its own
                    out.append((f"{target}.{a.name}", []))
                else:
                    names.append(a.name)
            if names:
                out.append((target, names))
    return out


def graph() -> tuple[dict[str, set[str]], list[str]]:
    known = modules()
    edges: dict[str, set[str]] = {m: set() for m in known}
    private = []
    for name, path in known.items():
        for target, names in imports(name, path, known):
            if target not in known or target == name:
                continue
            edges[name].add(target)
            private += [f"{name} imports {target}.{n}" for n in names
                        if n.startswith("_") and not n.startswith("__")]
    return edges, private


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle():
    assert cycles(graph()[0]) == []


def test_no_module_imports_another_modules_private_names():
    assert graph()[1] == []


@pytest.mark.parametrize("edges, expect", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_cycles_finds_circles(edges, expect):
    assert cycles(edges) == expect


def test_the_walk_sees_lazy_imports_and_private_names(tmp_path):
    src = tmp_path / "pipeline"
    src.mkdir()
    (src / "__init__.py").write_text("")
    (src / "a.py").write_text("def f():\n    from .b import _hidden\n")
    (src / "b.py").write_text("from . import a\n_hidden = 1\n")
    known = {"pipeline": src / "__init__.py", "pipeline.a": src / "a.py",
             "pipeline.b": src / "b.py"}
    assert imports("pipeline.a", src / "a.py", known) == [("pipeline.b", ["_hidden"])]
    assert imports("pipeline.b", src / "b.py", known) == [("pipeline.a", [])]
