"""skdigits: a scikit-learn compatible dense-network digit classifier.

The public API is the ``__all__`` of the public modules (those whose names
do not start with an underscore: :mod:`skdigits.classifier`,
:mod:`skdigits.preprocessing`, :mod:`skdigits.inference`, ...), and every
one of its names can also be imported from here. That list is read from
their source, not kept a second time; the API page of the docs lists the
same names (a test holds them equal).

The top level is lazy: ``import skdigits`` imports none of them until one is
used, and TensorFlow starts only when a network is built or trained (never
to predict or load a model). The code lives in one folder per layer:
``_prediction`` (NumPy only), ``_keras`` (the only TensorFlow),
``_estimators`` and ``_commands``; the public modules only re-export it.
"""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
from pathlib import Path
from typing import Any

__version__ = "0.1.0"


def _declared_all(path: Path) -> list[str]:
    """A module's ``__all__``, read from its source without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return list(ast.literal_eval(node.value))
    return []


@functools.cache
def _public_api() -> dict[str, str]:
    """Every public name, mapped to the public module it is imported from.

    Returns
    -------
    names : dict of str to str
        ``{"DenseDigitClassifier": "skdigits.classifier", ...}``, from the
        ``__all__`` of each public module (read from its source: nothing is
        imported).

    Examples
    --------
    >>> import skdigits
    >>> skdigits._public_api()["load_pretrained"]
    'skdigits.pretrained'
    """
    names: dict[str, str] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_"):
            continue
        folder = Path(__path__[0]) / module.name
        path = folder / "__init__.py" if module.ispkg else folder.with_suffix(".py")
        for name in _declared_all(path):
            if name in names:
                raise ImportError(  # pragma: no cover - caught by the tests
                    f"skdigits.{module.name} and {names[name]} both declare {name!r}"
                )
            names[name] = f"skdigits.{module.name}"
    return names


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return sorted([*_public_api(), "__version__"])
    try:
        module = _public_api()[name]
    except KeyError:
        # A public module itself, e.g. skdigits.datasets after "import skdigits".
        root = Path(__path__[0])
        if not name.startswith("_") and any(
            (root / place).exists() for place in (name, f"{name}.py")
        ):
            return importlib.import_module(f"skdigits.{name}")
        raise AttributeError(f"module 'skdigits' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return __getattr__("__all__")
