"""The import layers (an import-linter contract, checked with the standard library's ast):

    bot ─► batch, actions ─► common ─┐
                     └─► eligibility ─► fhir_ingest
   (the web front and the answer store sit beside bot and batch)

The core (fhir_ingest, eligibility) imports nothing of the outer packages, and no package
reaches into another's private (underscore) names.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTER = {"bot", "actions", "batch", "web", "answers", "tools", "tests", "benchmarks"}
FORBIDDEN = {
    "fhir_ingest": OUTER | {"eligibility", "common"},
    "eligibility": OUTER | {"common"},
    "common": OUTER | {"fhir_ingest", "eligibility"},
    "batch": {"bot", "actions", "web"},
    "actions": {"bot.cli", "batch", "web"},
}
PACKAGES = sorted({*FORBIDDEN, "bot"})


def _modules(package: str):
    for path in sorted((REPO / package).rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _imports(tree: ast.AST):
    """(module imported, names taken from it, line)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, [a.name for a in node.names], node.lineno


def _top(module: str) -> str:
    return module.split(".")[0]


def test_layers_hold():
    broken = []
    for package, forbidden in FORBIDDEN.items():
        for path, tree in _modules(package):
            for module, _names, line in _imports(tree):
                if any(module == f or module.startswith(f + ".") for f in forbidden):
                    broken.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    assert not broken, "\n".join(broken)


def test_no_package_imports_another_packages_private_names():
    broken = []
    for package in PACKAGES:
        for path, tree in _modules(package):
            aliases: dict[str, str] = {}
            for module, names, line in _imports(tree):
                if _top(module) == package or _top(module) not in PACKAGES:
                    continue
                where = f"{path.relative_to(REPO)}:{line}"
                broken += [f"{where} {module}.{n}" for n in names if n.startswith("_")]
                aliases.update({n: module for n in names})
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name)
                    and node.value.id in aliases
                ):
                    broken.append(f"{path.relative_to(REPO)}:{node.lineno} {node.value.id}.{node.attr}")
    assert not broken, "\n".join(broken)
