"""The service runs on its runtime dependencies alone: no module imports a development tool."""

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = ("service", "regions", "geodata", "editorial", "config")
# Distribution names whose import name differs; "types-*" stubs are never imported.
IMPORT_NAMES = {"pytest-xdist": "xdist", "import-linter": "importlinter",
                "mapbox-vector-tile": "mapbox_vector_tile"}


def dev_only_modules() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {re.split(r"[<>=\[ ]", spec)[0].lower() for spec in project["dependencies"]}
    names = set()
    for spec in project["optional-dependencies"]["dev"]:
        name = re.split(r"[<>=\[ ]", spec)[0].lower()
        if name in runtime or name.startswith("types-"):
            continue
        names.add(IMPORT_NAMES.get(name, name.replace("-", "_")))
    return names


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):  # imports inside functions count too: they run at some point
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_the_dev_extras_are_known():
    assert {"pytest", "hypothesis", "playwright", "psutil", "mapbox_vector_tile",
            "schemathesis"} <= dev_only_modules()


def test_no_runtime_module_imports_a_development_tool():
    dev = dev_only_modules()
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & dev)
        for package in RUNTIME_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if imported_modules(path) & dev
    }
    assert offenders == {}
