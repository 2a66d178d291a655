"""The package's layers import only downward, with no cycles and no project imports hidden inside functions.

config <- model <- checks <- experiments <- views; the command modules at the top of ``sim/`` (``__main__``,
``sweep``, ``report``, ``aggregate``, ``app``, ``__init__``) may import any layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SIM = Path(__file__).resolve().parent.parent / "sim"
LAYERS = ["config", "model", "checks", "experiments", "views"]  # lowest first


def _module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(imported sim module, line, at module level?) for each project import of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    top_level = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        for t in targets:
            if t == "sim" or t.startswith("sim."):
                yield t, node.lineno, id(node) in top_level


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def _graph() -> tuple[nx.DiGraph, list[str]]:
    g, hidden = nx.DiGraph(), []
    for path in sorted(SIM.rglob("*.py")):
        src = _module_name(path)
        for target, line, top in _imports(path):
            g.add_edge(src, target, line=line)
            if not top:
                hidden.append(f"{path.relative_to(SIM.parent)}:{line} imports {target} inside a function")
    return g, hidden


def test_layers_import_only_downward():
    g, _ = _graph()
    upward = [f"{a} -> {b}" for a, b in g.edges
              if _layer(a) is not None and _layer(b) is not None and _layer(b) > _layer(a)]
    assert not upward, f"imports from a lower layer into a higher one: {upward}"
    # the model never reaches the top-level package (commands, API) either
    assert not [f"{a} -> {b}" for a, b in g.edges if _layer(a) is not None and _layer(b) is None]


def test_no_import_cycles():
    g, _ = _graph()
    # a module importing its own package's __init__ is the package's own business; cycles between modules are not
    cycles = [c for c in nx.simple_cycles(g) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_no_project_imports_hidden_in_functions():
    _, hidden = _graph()
    assert not hidden, "\n".join(hidden)
