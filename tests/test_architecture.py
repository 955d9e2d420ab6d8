"""The import rules of docs/architecture.rst, checked.

The layers are import-linter contracts in ``pyproject.toml``; this module runs
them, and checks the one rule import-linter has no contract for: no module
imports another module's private names.
"""

from __future__ import annotations

import ast
import logging
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "skdigits"


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
