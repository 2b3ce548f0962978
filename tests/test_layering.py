"""The package's import graph: no cycles, no import from a lower layer up to a higher one.

The graph is built from the source with ``ast`` (module-level and function-level imports alike,
since a function-level import is still a dependency that can close a cycle at run time). Importing
``a.b.c`` also imports the packages ``a.b`` and ``a``; those implicit edges are part of the graph.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG_DIR = Path(__file__).resolve().parents[1] / "fsq_theory"
ROOT = "fsq_theory"

# Layers, bottom to top. A module may import from its own layer or below, never above.
# Every module of the package must be classified: a new top-level module or subpackage fails
# test_every_module_has_a_layer until it is placed here (and in ARCHITECTURE.md).
LAYERS = {
    0: {"_kernels", "_validation", "_files", "_measures", "_lazy", "_cli_args"},
    1: {"quantizer"},
    2: {"cells", "sources", "_readers"},
    3: {"stats"},
    4: {"distributed"},
    # analyses, one subpackage per topic (imports between topics allowed, but acyclic)
    5: {"rate_distortion", "geometry", "coding", "dynamics", "temporal", "hierarchical",
        "empirical", "alternatives", "datasets"},
    # presentation: these may import everything below and are imported by nothing below
    6: {"plotting", "report"},
    7: {"figures", "checks"},
    8: {"cli", "_bench"},
}
ANALYSES = LAYERS[5]
TOP = {"figures", "checks", "cli", "plotting", "report"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG_DIR.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PKG_DIR.rglob("*.py")}


def _resolve(mod: str, is_pkg: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def import_graph() -> dict[str, set[str]]:
    """Edges module -> imported module (package modules only)."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}

    def add(src: str, dst: str) -> None:
        # importing a.b.c runs a/__init__ and a/b/__init__ first
        parts = dst.split(".")
        for k in range(2, len(parts) + 1):
            name = ".".join(parts[:k])
            # a module's own ancestors are already initializing when it runs: not an edge
            if name in mods and name != src and not src.startswith(name + "."):
                graph[src].add(name)

    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == ROOT:
                        add(mod, alias.name)
                        if alias.name == ROOT:
                            graph[mod].add(ROOT)
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_pkg, node.level, node.module)
                if base.split(".")[0] != ROOT:
                    continue
                if base == ROOT and mod != ROOT:
                    # `from .. import _validation` imports a submodule, not the package's API
                    subs = [f"{ROOT}.{a.name}" for a in node.names]
                    if not all(s in mods for s in subs):
                        graph[mod].add(ROOT)  # `from fsq_theory import X` inside the package
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    add(mod, sub if sub in mods else base)
    return graph


def _top(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(mod: str) -> int | None:
    top = _top(mod)
    for layer, names in LAYERS.items():
        if top in names:
            return layer
    return None


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), plus self-loops."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_graph_sees_known_edges(graph):
    # the parser must find the edges that exist, or the tests below prove nothing
    assert "fsq_theory.quantizer" in graph["fsq_theory.stats"]
    assert "fsq_theory._kernels.encode" in graph["fsq_theory.quantizer"]
    assert "fsq_theory.geometry" in graph["fsq_theory.coding._channels"] or \
        "fsq_theory.geometry._information" in graph["fsq_theory.coding._channels"]
    assert len(find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})) == 1


def test_no_import_cycles(graph):
    sub = {m: {d for d in deps if d != ROOT} for m, deps in graph.items() if m != ROOT}
    assert find_cycles(sub) == []


def test_nothing_imports_the_package_root_from_inside(graph):
    offenders = sorted(m for m, deps in graph.items() if m != ROOT and ROOT in deps)
    assert offenders == [], "import from the defining module, not from fsq_theory's top level"


def test_every_module_has_a_layer(graph):
    unplaced = sorted(m for m in graph if m != ROOT and _layer(m) is None)
    assert unplaced == [], "add the new module or subpackage to LAYERS (and ARCHITECTURE.md)"


def test_no_upward_imports(graph):
    upward = []
    for m, deps in graph.items():
        if m == ROOT:
            continue
        for d in deps:
            if d != ROOT and _layer(d) is not None and _layer(m) is not None and _layer(d) > _layer(m):
                upward.append(f"{m} -> {d}")
    assert sorted(upward) == []


def test_analyses_do_not_import_the_presentation_layer(graph):
    bad = sorted(f"{m} -> {d}" for m, deps in graph.items() if _top(m) in ANALYSES
                 for d in deps if _top(d) in TOP)
    assert bad == []


def test_kernels_import_nothing_of_the_package_but_kernels(graph):
    bad = sorted(f"{m} -> {d}" for m, deps in graph.items() if _top(m) == "_kernels"
                 for d in deps if _top(d) != "_kernels")
    assert bad == []


def test_no_module_over_700_lines():
    long = {m: len(p.read_text().splitlines()) for m, p in _modules().items()}
    assert {m: n for m, n in long.items() if n > 700} == {}
