"""The import graph of ``src/jointgov``: layered, acyclic, and no module reaches into another's private names.

Every import counts, at the top of a module or deferred inside a function (and under
``TYPE_CHECKING``). The layers, lowest first, are ``LAYERS``; a module may import from a lower
layer, or from its own folder (inside ``pipeline/`` only from a stage earlier in ``PIPELINE``, the
reading order). Two folders of the same layer (``repository``,
``simulation`` and ``diff``) do not import each other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "jointgov"
LAYERS: tuple[tuple[str, ...], ...] = (
    ("jointgov",),  # the package itself: __version__
    ("jointgov.model",),
    ("jointgov.files",),
    ("jointgov.config",),  # reads its file as every input is read (jointgov.files)
    ("jointgov.pipeline",),
    ("jointgov.repository", "jointgov.simulation", "jointgov.diff"),
    ("jointgov.reporters",),
    ("jointgov.lsp",),  # the language server: over everything a check uses; only the lsp command imports it
    ("jointgov.cache",),  # check's results cache: holds the results of every layer above
    ("jointgov.commands",),
    ("jointgov.cli",),
    ("jointgov.__main__",),
)
PIPELINE = ("scalars", "locate", "load", "_fast_agreement", "_fast_registry", "_fast_rule", "_fast_scenario",
            "fastschema", "validate", "values", "blanks", "succession", "governance", "facts",
            "compiler", "network", "catalogue", "engine", "rulesets", "firings", "waivers", "checker")
"""The pipeline's modules in reading order: each imports only from those before it."""

Edge = tuple[str, str, int, str]
"""(importing module, imported module, line, the names imported or accessed)."""


def module_name(path: Path, root: Path) -> str:
    """``src/jointgov/pipeline/load.py`` → ``jointgov.pipeline.load`` (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def edges(name: str, source: str, modules: set[str]) -> Iterator[Edge]:
    """Every import of a jointgov module in *source*, and every private attribute of an imported module used."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}  # local name → the jointgov module it is
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "jointgov":
                    yield name, alias.name, node.lineno, ""
                    bound[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "jointgov":
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if target in modules:  # a module imported from its package
                    yield name, target, node.lineno, ""
                    bound[alias.asname or alias.name] = target
                else:
                    yield name, node.module, node.lineno, alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
            yield name, bound[node.value.id], node.lineno, node.attr


def graph(sources: dict[str, str]) -> list[Edge]:
    """The import edges of modules given by name and source."""
    modules = set(sources)
    return [edge for name, source in sorted(sources.items()) for edge in edges(name, source, modules)]


def _private(word: str) -> bool:
    return word.startswith("_") and not (word.startswith("__") and word.endswith("__"))


def private_uses(found: list[Edge]) -> list[str]:
    """Imports (or attribute uses) of another module's private names, or of a private module from outside
    its folder."""
    out = []
    for source, target, line, name in found:
        folder = target.rpartition(".")[0]
        if name and _private(name) and source != target:
            out.append(f"{source}:{line}: {target}.{name}")
        elif _private(target.rpartition(".")[2]) and not source.startswith(folder + "."):
            out.append(f"{source}:{line}: {target}")
    return out


def _unit(module: str) -> tuple[int, str]:
    """(layer, folder or module) of a module."""
    for rank, units in reversed(list(enumerate(LAYERS))):
        for unit in units:
            if module == unit or module.startswith(unit + "."):
                return rank, unit
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def upward(found: list[Edge]) -> list[str]:
    """Imports that go to a higher layer, across folders of one layer, or back in the pipeline's order."""
    out = []
    for source, target, line, _ in found:
        (rank, unit), (target_rank, target_unit) = _unit(source), _unit(target)
        if unit == target_unit == "jointgov.pipeline" and source != unit and target != unit:
            stage, target_stage = (m.rpartition(".")[2] for m in (source, target))
            if PIPELINE.index(target_stage) >= PIPELINE.index(stage):
                out.append(f"{source}:{line}: imports {target}, a later stage of the pipeline")
        elif target_rank > rank or (target_rank == rank and unit != target_unit):
            out.append(f"{source}:{line}: imports {target} ({target_unit} is not below {unit})")
    return out


def cycles(found: list[Edge]) -> list[list[str]]:
    """The import cycles (strongly connected components of more than one module, or a module importing itself)."""
    succ: dict[str, set[str]] = {}
    for source, target, _, _ in found:
        succ.setdefault(source, set()).add(target)
        succ.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(succ[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in succ[node]:
                out.append(sorted(component))

    for node in sorted(succ):
        if node not in index:
            visit(node)
    return out


def package_graph() -> list[Edge]:
    sources = {module_name(p, PACKAGE): p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))
               if not p.name.startswith("_fast_")}
    return graph(sources)


def test_the_package_has_no_cycle() -> None:
    assert cycles(package_graph()) == []


def test_no_module_imports_another_modules_private_names() -> None:
    assert private_uses(package_graph()) == []


def test_nothing_imports_upward() -> None:
    assert upward(package_graph()) == []


def test_every_module_is_in_a_layer_and_the_pipeline_order_is_complete() -> None:
    found = package_graph()
    for module in {m for edge in found for m in edge[:2]}:
        _unit(module)
    assert sorted(PIPELINE) == sorted(p.stem for p in (PACKAGE / "pipeline").glob("*.py") if p.stem != "__init__")


def test_each_check_fails_when_it_should() -> None:
    """The checks themselves, on a made-up package: a cycle, a private import, upward imports."""
    sources = {
        "jointgov.model": "from jointgov.pipeline.load import parse_bytes\n",  # upward
        "jointgov.pipeline.load": "def _hidden(): ...\n",
        "jointgov.pipeline.facts": "from jointgov.pipeline import load\nload._hidden()\n",  # private attribute
        "jointgov.pipeline.checker": "from jointgov.pipeline.load import _hidden\n",  # private name
        "jointgov.pipeline.scalars": "import jointgov.pipeline.checker\n",  # back in the pipeline's order
        "jointgov.repository.facts": "from jointgov.diff.compare import x\n",  # across folders of one layer
        "jointgov.diff.compare": "from jointgov.diff import git\n",
        "jointgov.diff.git": "def f():\n    from jointgov.diff.compare import x\n",  # a cycle (deferred import)
    }
    found = graph(sources)
    assert cycles(found) == [["jointgov.diff.compare", "jointgov.diff.git"]]
    assert private_uses(found) == ["jointgov.pipeline.checker:1: jointgov.pipeline.load._hidden",
                                   "jointgov.pipeline.facts:2: jointgov.pipeline.load._hidden"]
    assert [problem.split(":")[0] for problem in upward(found)] == [
        "jointgov.model", "jointgov.pipeline.scalars", "jointgov.repository.facts"]
