"""The modules of src/dialogue import one another without a cycle.

A cycle is a lower layer reaching up into a higher one (the exceptions into the pages that
render them, a registry into its renderers, one step of a job into the other): the layers
can no longer be read, tested or replaced one at a time. Every import counts, those under
`TYPE_CHECKING` or inside a function included: deferring an import hides a cycle from the
interpreter, not from the design.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import dialogue


def modules_of(package: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, whether it is a package's __init__)."""
    found = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def imported_by(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every dotted name an import statement of the module names (modules or attributes)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.split(".")[: len(module.split(".")) - (not is_package)]
                here = here[: len(here) - node.level + 1]
                base = ".".join([*here, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(package: Path) -> dict[str, set[str]]:
    modules = modules_of(package)
    return {
        name: (imported_by(ast.parse(path.read_text()), name, is_package) & modules.keys()) - {name}
        for name, (path, is_package) in modules.items()
    }


def a_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph, as the modules along it; none, an empty list."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        return list(exc.args[1])
    return []


class TestDialogueImports:
    def test_the_package_has_no_import_cycle(self) -> None:
        graph = import_graph(Path(dialogue.__file__).parent)
        assert "dialogue.threads.service" in graph  # the walk reached the subpackages
        cycle = a_cycle(graph)
        assert not cycle, " -> ".join(cycle)


class TestCycleFinder:
    def test_finds_a_cycle_hidden_behind_type_checking_and_a_local_import(
        self, tmp_path: Path
    ) -> None:
        package = tmp_path / "pkg"
        (package / "sub").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "sub" / "__init__.py").write_text("")
        (package / "a.py").write_text("from pkg.sub import b\n")
        (package / "sub" / "b.py").write_text(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..c import X\n"
        )
        (package / "c.py").write_text("def f():\n    from pkg import a\n")
        cycle = a_cycle(import_graph(package))
        assert set(cycle) == {"pkg.a", "pkg.sub.b", "pkg.c"}

    def test_a_chain_without_a_way_back_is_no_cycle(self, tmp_path: Path) -> None:
        package = tmp_path / "pkg"
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "a.py").write_text("from pkg import b\n")
        (package / "b.py").write_text("import pkg.c\n")
        (package / "c.py").write_text("X = 1\n")
        graph = import_graph(package)
        assert graph["pkg.a"] == {"pkg", "pkg.b"}
        assert a_cycle(graph) == []
