"""No import circle inside ``finefake/``: every module is parsed with :mod:`ast` (imports at any depth,
function-local ones included, since a deferred import is still a dependency a reader must follow) and the
graph of package-internal imports must be acyclic.

A circle makes two modules one: neither can be read, tested or changed alone (issue 27). An edge goes from a
module to the module it names (``from finefake.a import b`` names ``finefake.a.b`` when that is a module,
else ``finefake.a``); a package's ``__init__`` is not added as an implicit dependency of its submodules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import finefake

ROOT = Path(finefake.__file__).resolve().parent


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the ``finefake`` modules it imports (anywhere in its body)."""
    paths = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in paths}

    def resolve(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                if not target.startswith("finefake"):
                    continue
                found = resolve(target)
                if found and found != name:
                    graph[name].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted, listed sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_cycles_are_found_in_a_made_up_graph() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_graph_sees_function_local_and_relative_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "finefake"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "a.py").write_text("def f():\n    from finefake.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from . import a\n")
    graph = import_graph(pkg)
    assert graph["finefake.sub.a"] == {"finefake.sub.b"}
    assert graph["finefake.sub.b"] == {"finefake.sub.a"}
    assert cycles(graph) == [["finefake.sub.a", "finefake.sub.b"]]


def test_no_import_circle_in_the_package() -> None:
    found = cycles(import_graph())
    assert not found, "import circles in finefake/:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_clean_stage_never_imports_its_engines() -> None:
    """Engines import stages, never the reverse: only ``clean.engines`` knows the Ray adapter."""
    graph = import_graph()
    adapters = {"finefake.clean.ray_engine", "finefake.clean.ray_shuffle", "finefake.clean.engines"}
    for module in ("finefake.clean.stage", "finefake.clean.filters", "finefake.clean.dedup"):
        assert not graph[module] & adapters, f"{module} imports {sorted(graph[module] & adapters)}"
    importers = sorted(m for m, deps in graph.items() if "finefake.clean.ray_engine" in deps)
    assert importers == ["finefake.clean.engines"]
