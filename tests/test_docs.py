"""The documentation covers the public API.

* every name in the ``__all__`` of a public skdigits module is in the API
  reference (``docs/api.rst``), by the object it names, so an object
  exported under two names (``skdigits.ConfusionMatrixDisplay`` and
  ``skdigits.plotting.ConfusionMatrixDisplay``) counts once;
* every public class and function has a numpydoc docstring with the
  sections the reference renders: Parameters (when it takes any), Returns
  (functions) or Parameters/Attributes (classes), and Examples, which
  ``pytest --doctest-modules`` runs.

These tests read the files and the docstrings only; they need neither Sphinx
nor numpydoc, so they run with the ``test`` extras.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import skdigits

API_RST = Path(__file__).resolve().parents[1] / "docs" / "api.rst"

# Public objects whose docstrings still lack a section; their modules are
# not the documentation's to edit. Remove a name once it is fixed.
KNOWN_GAPS: dict[str, str] = {}


def _public_modules() -> list[str]:
    """skdigits and its modules whose dotted names have no ``_`` part."""
    names = ["skdigits"]
    for info in pkgutil.walk_packages(skdigits.__path__, "skdigits."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def _public_objects() -> dict[str, object]:
    """``module.name`` -> object, for every name in a public ``__all__``."""
    objects = {}
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            if name.startswith("__"):
                continue
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue
            objects[f"{module_name}.{name}"] = obj
    return objects


def _documented_names() -> set[str]:
    """Fully qualified names that ``docs/api.rst`` documents."""
    text = API_RST.read_text(encoding="utf-8")
    documented = set()
    module = None
    in_autosummary = False
    for line in text.splitlines():
        directive = re.match(r"^\.\. ([\w:-]+)::\s*(\S*)", line)
        if directive:
            kind, argument = directive.groups()
            in_autosummary = kind == "autosummary"
            if kind in ("currentmodule", "automodule", "module", "py:module"):
                module = argument
            elif kind in ("autodata", "data", "autoclass", "autofunction"):
                documented.add(f"{module}.{argument}")
            continue
        if in_autosummary:
            if line.strip() and not line.startswith(" "):
                in_autosummary = False
            else:
                entry = line.strip()
                if entry and not entry.startswith(":"):
                    documented.add(f"{module}.{entry.lstrip('~')}")
    return documented


PUBLIC = _public_objects()


def _resolve(qualified: str) -> object:
    module_name, _, name = qualified.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


def test_every_public_object_is_in_the_api_reference():
    documented = _documented_names()
    # A name documented in its module covers the same object at the top.
    documented_ids = {id(_resolve(name)) for name in documented}
    missing = sorted(
        qualified
        for qualified, obj in PUBLIC.items()
        if qualified not in documented and id(obj) not in documented_ids
    )
    assert not missing, f"add these to docs/api.rst: {missing}"


def test_the_api_reference_names_only_existing_objects():
    for name in _documented_names():
        _resolve(name)  # raises if api.rst names something that is gone


def _sections(doc: str) -> set[str]:
    """Titles of the numpydoc sections of a docstring."""
    lines = inspect.cleandoc(doc).splitlines()
    return {
        lines[i].strip()
        for i in range(len(lines) - 1)
        if lines[i].strip()
        and re.fullmatch(r"-{3,}", lines[i + 1].strip())
        and len(lines[i + 1].strip()) >= len(lines[i].strip())
    }


def _needed_sections(obj: object) -> set[str]:
    needed = {"Examples"}
    if inspect.isclass(obj):
        if not issubclass(obj, BaseException):
            needed.add("Parameters|Attributes")
        return needed
    signature = inspect.signature(obj)
    if any(p.name not in ("self", "cls") for p in signature.parameters.values()):
        needed.add("Parameters")
    needed.add("Returns|Yields")
    return needed


DOCUMENTED_OBJECTS = {
    qualified: obj
    for qualified, obj in PUBLIC.items()
    if inspect.isclass(obj) or inspect.isroutine(obj)
}


@pytest.mark.parametrize("qualified", sorted(DOCUMENTED_OBJECTS))
def test_public_docstrings_have_the_numpydoc_sections(qualified):
    obj = DOCUMENTED_OBJECTS[qualified]
    if getattr(obj, "__module__", "").startswith("skdigits") is False:
        pytest.skip("defined outside skdigits")
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{qualified} has no docstring"
    sections = _sections(doc)
    missing = [
        need
        for need in sorted(_needed_sections(obj))
        if not any(option in sections for option in need.split("|"))
    ]
    if missing and qualified in KNOWN_GAPS:
        pytest.xfail(f"known gap: {KNOWN_GAPS[qualified]}")
    assert not missing, f"{qualified}: docstring lacks {missing}"


def test_known_gaps_are_public_objects():
    # Keeps KNOWN_GAPS from silently outliving a rename.
    assert set(KNOWN_GAPS) <= set(PUBLIC)


def _docs_extension():
    pytest.importorskip("docutils")
    import sys

    sys.path.insert(0, str(API_RST.parent / "sphinxext"))
    try:
        import skdigits_docs
    finally:
        sys.path.pop(0)
    return skdigits_docs


@pytest.mark.parametrize(
    ("target", "url"),
    [
        (
            "sklearn.pipeline.Pipeline",
            "https://scikit-learn.org/stable/modules/generated/"
            "sklearn.pipeline.Pipeline.html",
        ),
        (
            "np.ndarray",
            "https://numpy.org/doc/stable/reference/generated/numpy.ndarray.html",
        ),
        (
            "sklearn.metrics.ConfusionMatrixDisplay.plot",
            "https://scikit-learn.org/stable/modules/generated/"
            "sklearn.metrics.ConfusionMatrixDisplay.html"
            "#sklearn.metrics.ConfusionMatrixDisplay.plot",
        ),
        (
            "matplotlib.axes.Axes",
            "https://matplotlib.org/stable/api/_as_gen/matplotlib.axes.Axes.html",
        ),
        (
            "sklearn.pipeline",
            "https://scikit-learn.org/stable/api/sklearn.pipeline.html",
        ),
        ("numpy.random", None),  # numpy's module pages do not follow the name
        ("sklearn.pipeline.Pipelin", None),  # no such object: no link
        ("sklearn", None),  # a project, not an object
        ("keras.Model", None),  # no known URL scheme
    ],
)
def test_the_resolver_links_only_objects_that_exist(target, url):
    assert _docs_extension().api_url(target) == url


# Python references as numpydoc, autodoc and the pages write them.
_REFERENCE = re.compile(
    r":(?:class|func|meth|attr|obj|mod|data|exc):`~?([\w.]+)`"
    r"|^\s*\w+ : ([\w.]+)",
    re.MULTILINE,
)


def _external_references() -> set[str]:
    """Every sklearn/numpy/matplotlib name the pages and docstrings refer to."""
    texts = [page.read_text("utf-8") for page in API_RST.parent.glob("*.rst")]
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        texts.append(inspect.getdoc(module) or "")
        for obj in vars(module).values():
            if getattr(obj, "__module__", "") == module_name:
                texts.append(inspect.getdoc(obj) or "")
                for member in vars(obj).values() if inspect.isclass(obj) else ():
                    texts.append(getattr(member, "__doc__", None) or "")
    names = set()
    for text in texts:
        for match in _REFERENCE.finditer(text):
            name = match.group(1) or match.group(2)
            if name.split(".")[0] in ("sklearn", "numpy", "np", "matplotlib", "plt"):
                names.add(name)
    return names


def test_every_external_reference_names_an_installed_object():
    # The resolver makes a URL only for objects the installed packages have;
    # a reference to a renamed or misspelt object would be left unlinked.
    extension = _docs_extension()
    references = _external_references()
    assert "sklearn.pipeline.Pipeline" in references  # the scan finds them
    unlinked = sorted(name for name in references if extension.api_url(name) is None)
    assert not unlinked, f"these name no installed object: {unlinked}"


def test_the_cli_directive_reads_the_commands_own_parser():
    import argparse

    text = (API_RST.parent / "cli.rst").read_text("utf-8")
    directive = re.search(
        r"\.\. sphinx_argparse_cli::\n   :module: ([\w.]+)\n   :func: (\w+)", text
    )
    assert directive, "docs/cli.rst lost its sphinx_argparse_cli directive"
    module, func = directive.groups()
    parser = getattr(importlib.import_module(module), func)()
    assert isinstance(parser, argparse.ArgumentParser)
    assert parser.prog == "skdigits"


def test_the_performance_page_includes_the_results_through_myst():
    text = (API_RST.parent / "performance.rst").read_text("utf-8")
    assert (
        ".. include:: ../benchmarks/RESULTS.md\n   :parser: myst_parser.sphinx_"
    ) in text
    assert (API_RST.parents[1] / "benchmarks" / "RESULTS.md").is_file()


# -- the examples in the documentation's own pages -------------------------------

DOCS = API_RST.parent
PAGES_WITH_EXAMPLES = sorted(
    page.name for page in DOCS.glob("*.rst") if ">>>" in page.read_text("utf-8")
)


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES)
def test_the_examples_in_the_pages_run(page):
    # The pages' >>> examples (the user guide, data, parallel) are doctests,
    # so what the documentation shows is what the code does.
    import doctest

    import matplotlib.pyplot as plt

    result = doctest.testfile(
        str(DOCS / page),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
        verbose=False,
        report=False,
    )
    plt.close("all")
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) in docs/{page} failed"
