"""The shape of the code base: small modules and functions, and imports that go one way.

`encoders` and `scm` never import each other (each is useful alone) and neither imports `crl`,
which sits on top; inside a package no module imports itself back through others.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crl", "scm", "encoders")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
FORBIDDEN = {"scm": {"encoders", "crl"}, "encoders": {"scm", "crl"}, "crl": set()}


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the three packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> set[str]:
    """Modules of the three packages that `path` imports at run time (anywhere in the file, lazily
    too; imports only for type checkers are left out)."""
    tree = ast.parse(path.read_text())
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node)
               for child in node.body for n in ast.walk(child)}
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {name for name in found if name.split(".")[0] in PACKAGES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_and_function_sizes(module: str) -> None:
    source = MODULES[module].read_text()
    assert len(source.splitlines()) <= MAX_MODULE_LINES, f"{module} has over {MAX_MODULE_LINES} lines"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, f"{module}: functions over {MAX_FUNCTION_LINES} lines: {long}"


@pytest.mark.parametrize("package", PACKAGES)
def test_layers_import_one_way(package: str) -> None:
    crossing = {module: sorted(name for name in _imports(path) if name.split(".")[0] in FORBIDDEN[package])
                for module, path in MODULES.items() if module.split(".")[0] == package}
    assert not {m: names for m, names in crossing.items() if names}


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_circle_inside_a_package(package: str) -> None:
    graph = nx.DiGraph()
    for module, path in MODULES.items():
        if module.split(".")[0] != package:
            continue
        graph.add_node(module)
        graph.add_edges_from((module, name) for name in _imports(path) if name in MODULES and name != module)
    assert not list(nx.simple_cycles(graph))
