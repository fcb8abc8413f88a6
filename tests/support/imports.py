"""The project's import graph, read from the source (`python -m tests.support.imports` prints it).

docs/architecture.md shows its output; tests/unit/test_layers.py holds the layering rules against it.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Set

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "actions")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Set[str]:
    """Every module `path` imports (absolute names, as written)."""
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def graph() -> Dict[str, Set[str]]:
    """module -> the project modules and third-party top-level packages it imports."""
    result: Dict[str, Set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            result[module_name(path)] = imports_of(path)
    return result


def project_edges(g: Dict[str, Set[str]]) -> Dict[str, Set[str]]:
    """Only the arrows between the project's own modules."""
    return {m: {i for i in deps if i.split(".")[0] in PACKAGES} for m, deps in g.items()}


def main() -> None:
    g = graph()
    for module, deps in project_edges(g).items():
        third = sorted({d.split(".")[0] for d in g[module]} & {"rasa", "rasa_sdk", "sanic", "spacy", "pydantic"})
        print(f"{module:32} -> {', '.join(sorted(deps)) or '-'}" + (f"   [{', '.join(third)}]" if third else ""))


if __name__ == "__main__":
    main()
