"""The import rules of docs/architecture.rst, checked.

The layers are folders, and import-linter contracts in ``pyproject.toml``
keep their imports pointing down; this module runs them, and checks what
import-linter has no contract for: the public modules at the top only
re-export, no layer imports them, no module imports another module's private
names, the public API is one list, and no room grows too big.
"""

from __future__ import annotations

import ast
import importlib
import logging
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "skdigits"
#: The layer folders, top to bottom (the "layers" contract in pyproject.toml).
LAYERS = ("_commands", "_estimators", "_keras", "_prediction")


def _public_modules() -> dict[str, Path]:
    """The public modules: skdigits's children whose names have no underscore."""
    found = {}
    for path in PACKAGE.iterdir():
        name = path.stem if path.suffix == ".py" else path.name
        if name.startswith("_") or name == "__pycache__":
            continue
        found[f"skdigits.{name}"] = path / "__init__.py" if path.is_dir() else path
    return found


def _declared_all(path: Path) -> list[str]:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            return list(ast.literal_eval(node.value))
    return []


def test_the_import_contracts_are_kept(monkeypatch):
    cli = pytest.importorskip("importlinter.cli")
    monkeypatch.chdir(ROOT)  # where pyproject.toml is
    config = os.fspath(ROOT / "pyproject.toml")
    # lint_imports configures logging with dictConfig, which disables every
    # logger that already exists (the server's among them, so a later test
    # reading the server's log would see nothing): put them back afterwards.
    loggers = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    disabled = {logger: logger.disabled for logger in loggers}
    try:
        assert cli.lint_imports(config_filename=config, no_cache=True) == 0
    finally:
        for logger, was_disabled in disabled.items():
            logger.disabled = was_disabled


def _private_imports(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "skdigits"
        ):
            for alias in node.names:
                name = alias.name
                # A private submodule may be imported; a private name may not.
                submodule = ROOT.joinpath(*node.module.split("."), name)
                if submodule.with_suffix(".py").exists() or submodule.is_dir():
                    continue
                if name.startswith("_") and not name.startswith("__"):
                    found.append(f"{path.relative_to(root)}: {node.module}.{name}")
    return found


def test_no_module_imports_another_modules_private_names():
    found = [line for path in PACKAGE.rglob("*.py") for line in _private_imports(path)]
    assert found == []


def test_the_check_sees_a_private_import(tmp_path):
    # The check above cannot pass vacuously.
    path = tmp_path / "m.py"
    path.write_text(
        "from skdigits import __version__\n"
        "def f():\n    from skdigits.classifier import _secret, public\n"
    )
    assert _private_imports(path, tmp_path) == ["m.py: skdigits.classifier._secret"]


def test_the_package_is_layer_folders_and_public_modules():
    children = {
        path.name
        for path in PACKAGE.iterdir()
        if path.name != "__pycache__" and (path.suffix == ".py" or path.is_dir())
    }
    public = {path.name for path in _public_modules().values()} | {
        path.parent.name for path in _public_modules().values()
    }
    stray = children - set(LAYERS) - {"__init__.py", "__main__.py"} - public
    assert stray == set(), "put new modules in a layer folder (docs/architecture.rst)"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir()} >= set(LAYERS)


def _reexport_problems(path: Path) -> list[str]:
    """What a public module holds beyond a docstring, imports from the layers
    and an ``__all__`` of exactly what it imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems, imported = [], set()
    for i, node in enumerate(tree.body):
        if (
            i == 0
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
        ):
            continue  # the docstring
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[1:2] in (
            [layer] for layer in LAYERS
        ):
            imported |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            continue
        else:
            problems.append(f"line {node.lineno}: {ast.unparse(node)[:60]}")
    if imported != set(_declared_all(path)):
        problems.append(f"__all__ is not what it imports: {sorted(imported)}")
    return problems


@pytest.mark.parametrize("module", sorted(_public_modules()))
def test_a_public_module_only_reexports(module):
    assert _reexport_problems(_public_modules()[module]) == []


def test_the_reexport_check_sees_code(tmp_path):
    # The check above cannot pass vacuously.
    path = tmp_path / "m.py"
    path.write_text(
        '"""Doc."""\nfrom skdigits._prediction.model import InferenceModel\n'
        "x = 1\n__all__ = ['InferenceModel', 'other']\n"
    )
    assert len(_reexport_problems(path)) == 2


def _imports_of_public_modules(path: Path) -> list[str]:
    public = set(_public_modules())
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n in public]
    return found


def test_no_layer_imports_a_public_module():
    # The public modules sit above every layer: code inside imports the
    # module that defines a name (doctests show users the public path).
    found = [
        line
        for layer in LAYERS
        for path in (PACKAGE / layer).rglob("*.py")
        for line in _imports_of_public_modules(path)
    ]
    assert found == []


def _api_page_names() -> dict[str, str]:
    """Name -> module, as docs/api.rst documents them (autosummary, autodata)."""
    module, names = "skdigits", {}
    lines = (ROOT / "docs" / "api.rst").read_text(encoding="utf-8").splitlines()
    in_summary = False
    for line in lines:
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match.group(1)
        elif match := re.match(r"\.\. autodata:: (\w+)", line):
            names[match.group(1)] = module
        elif line.startswith(".. autosummary::"):
            in_summary = True
        elif in_summary and re.match(r"   \w+$", line):
            names[line.strip()] = module
        elif in_summary and line and not line.startswith(" "):
            in_summary = False
    return names


def test_the_public_api_is_one_list():
    import skdigits

    declared = {
        name: module
        for module, path in _public_modules().items()
        for name in _declared_all(path)
    }
    assert skdigits._public_api() == declared
    assert set(skdigits.__all__) == {*declared, "__version__"}
    documented = _api_page_names()
    # The API page documents each name where its module's __all__ has it,
    # or at the top level.
    assert set(documented) == set(declared)
    assert {n: m for n, m in documented.items() if m != "skdigits"} == {
        n: declared[n] for n, m in documented.items() if m != "skdigits"
    }


@pytest.mark.parametrize("name", sorted(importlib.import_module("skdigits").__all__))
def test_every_public_name_imports_from_the_top_level(name):
    import skdigits

    assert getattr(skdigits, name) is not None
    if name != "__version__":
        module = importlib.import_module(skdigits._public_api()[name])
        assert getattr(skdigits, name) is getattr(module, name)


#: The longest a file may grow before it is split by job (issue 33).
MAX_LINES = {"skdigits": 700, "benchmarks": 400}


@pytest.mark.parametrize("folder", sorted(MAX_LINES))
def test_no_room_is_too_big(folder):
    too_big = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / folder).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES[folder]
    }
    assert too_big == {}
