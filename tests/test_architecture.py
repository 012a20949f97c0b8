"""The layout is the architecture: these rules keep the spine a spine (docs/architecture.md)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("archive", "crawl", "normalize", "site_out", "sunset")
STAGES = ("crawl", "normalize", "site_out")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """Module -> the project modules it imports (at any level of the file, lazily or not)."""
    modules = {_module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}
    found: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            targets.update(candidate for candidate in candidates if candidate in modules)
            if any(candidate.split(".")[0] == "tests" for candidate in candidates):
                targets.add("tests")
        found[name] = targets
    return found


IMPORTS = _imports()


def _is_spine(module: str) -> bool:
    return module.split(".")[0] == "archive" and not module.startswith("archive.package")


@pytest.mark.parametrize("module", sorted(m for m in IMPORTS if _is_spine(m)))
def test_the_spine_imports_no_stage(module: str) -> None:
    outside = sorted(target for target in IMPORTS[module] if not _is_spine(target))
    assert outside == [], f"{module} is part of the spine but imports {outside}"


@pytest.mark.parametrize("module", sorted(m for m in IMPORTS if not m.startswith("sunset")))
def test_no_stage_imports_the_cli_package(module: str) -> None:
    wiring = sorted(target for target in IMPORTS[module] if target.split(".")[0] in ("sunset", "tests"))
    assert wiring == [], f"{module} imports {wiring}: stages must not depend on sunset/ or tests/"


def test_sources_are_imported_only_by_the_wiring() -> None:
    users = sorted(module for module, targets in IMPORTS.items() if not module.startswith(("crawl", "sunset"))
                   and any(target.startswith("crawl") for target in targets))
    assert users == [], f"only sunset/ may use a source of captures: {users}"


def test_no_import_cycles() -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(IMPORTS.get(module, ())):
            if target == "tests":
                continue
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [module, target] if target in path else [module, target])
            elif state.get(target) is None:
                visit(target, path + [module])
        state[module] = 2

    for module in sorted(IMPORTS):
        if module not in state:
            visit(module, [])
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in cycles)
