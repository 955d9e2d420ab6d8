"""What the skdigits documentation needs that no standard Sphinx tool does.

* :class:`ExampleOrder`: the example gallery's order (the notebook first);
* :func:`classifier_defaults_rst`: the user guide's table of
  ``DenseDigitClassifier``'s parameters and ``|clf_<name>|`` substitutions,
  read from the classifier itself, so the guide states the current defaults;
* :func:`bench_role`: ``:bench:`robustness:models.shipped.summary.mnist|pct```
  writes a figure of the benchmark's stored results
  (:mod:`benchmarks.figures`), so that a page states the last run's figure
  and cannot drift from it;
* :func:`resolve_offline`: links to scikit-learn's, NumPy's and matplotlib's
  API pages for the objects the installed packages have. Intersphinx would
  need their ``objects.inv``, which none of them ships and the build cannot
  download.

Markdown (``benchmarks/RESULTS.md``) is read by MyST-Parser and the command
line is documented by sphinx-argparse-cli.
"""

from __future__ import annotations

import importlib
import inspect
import os
from pathlib import Path

from docutils import nodes

# scikit-learn's experimental estimators exist only once enabled; the docs link
# to HalvingGridSearchCV (the searches page shows the import that enables it).
importlib.import_module("sklearn.experimental.enable_halving_search_cv")

# -- the example gallery's order -------------------------------------------------

#: Examples shown first, in this order; any others follow by file name.
EXAMPLE_ORDER = (
    "plot_notebook.py",
    "plot_confusion_and_mistakes.py",
    "plot_grid_search.py",
)


class ExampleOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``.

    Parameters
    ----------
    src_dir : str
        The gallery's source folder (unused; sphinx-gallery passes it).
    """

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        name = os.path.basename(filename)
        if name in EXAMPLE_ORDER:
            return (EXAMPLE_ORDER.index(name), name)
        return (len(EXAMPLE_ORDER), name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


# -- the classifier's defaults ---------------------------------------------------


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless ``path`` holds it already (Sphinx then keeps the
    pages that include it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def classifier_defaults_rst(estimator_class) -> tuple[str, str]:
    """A table of an estimator's parameters, and substitutions for prose.

    Parameters
    ----------
    estimator_class : type
        A scikit-learn estimator with a numpydoc docstring.

    Returns
    -------
    table : str
        A ``list-table`` of every parameter: its name, its default (from
        ``get_params()`` of a default instance) and its docstring entry.
    substitutions : str
        ``.. |clf_<name>| replace:: <default>`` for every parameter, for
        ``rst_epilog``, so that prose can quote the current defaults.
    """
    from numpydoc.docscrape import NumpyDocString

    defaults = estimator_class().get_params()
    # In the constructor's order, not get_params' alphabetical one.
    order = inspect.signature(estimator_class).parameters
    params = {name: defaults[name] for name in order if name in defaults}
    described = {
        entry.name: " ".join(" ".join(entry.desc).split())
        for entry in NumpyDocString(inspect.getdoc(estimator_class))["Parameters"]
    }
    rows = [".. list-table::", "   :header-rows: 1", "   :widths: 22 16 62", ""]
    rows += ["   * - parameter", "     - default", "     - meaning"]
    substitutions = []
    for name, value in params.items():
        shown = repr(value).replace("'", '"')
        rows += [f"   * - ``{name}``", f"     - ``{shown}``"]
        rows += [f"     - {described.get(name, '')}"]
        substitutions.append(f".. |clf_{name}| replace:: {value}")
    return "\n".join(rows) + "\n", "\n".join(substitutions) + "\n"


# -- references to other projects, offline ---------------------------------------

#: Where each project's generated API page for a public object lives.
ONLINE_API = {
    "sklearn": "https://scikit-learn.org/stable/modules/generated/{}.html",
    "numpy": "https://numpy.org/doc/stable/reference/generated/{}.html",
    "matplotlib": "https://matplotlib.org/stable/api/_as_gen/{}.html",
}
#: Module pages, for the projects whose URLs follow the module's name.
MODULE_API = {"sklearn": "https://scikit-learn.org/stable/api/{}.html"}
ALIASES = {"np": "numpy", "plt": "matplotlib.pyplot", "mpl": "matplotlib"}


def find_object(name: str) -> object | None:
    """The object the dotted ``name`` names in the installed packages, or None."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            obj = getattr(obj, attribute, None)
            if obj is None:
                return None
        return obj
    return None


def api_url(target: str) -> str | None:
    """The online API page of ``target`` (``sklearn.X``, ``numpy.X``,
    ``matplotlib.X``, or their usual aliases), if the object exists here.

    Only the dotted name's first part picks the project; the page is the one
    each project generates for an object under its public dotted name.
    Methods and attributes link to their class's page, at their anchor;
    modules, to scikit-learn's module pages (the others' do not follow the
    module's name).
    """
    head, _, rest = target.partition(".")
    head = ALIASES.get(head, head)
    full = f"{head}.{rest}" if rest else head
    project = full.split(".")[0]
    obj = find_object(full) if project in ONLINE_API and rest else None
    if obj is None:
        return None
    if inspect.ismodule(obj):
        return MODULE_API[project].format(full) if project in MODULE_API else None
    owner = full.rpartition(".")[0]
    if inspect.isclass(find_object(owner)):  # a method or attribute
        return ONLINE_API[project].format(owner) + f"#{full}"
    return ONLINE_API[project].format(full)


def resolve_offline(app, env, node, contnode):
    """``missing-reference`` handler: link Python references to other projects.

    References it cannot link stay missing, so that ``nitpicky`` reports them.
    """
    if node.get("refdomain") != "py":
        return None
    url = api_url(node.get("reftarget", ""))
    if url is None:
        return None
    ref = nodes.reference("", "", internal=False, refuri=url)
    ref["classes"].append("external-api")
    ref.append(contnode)
    return ref


def bench_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:bench:`question:path|format```: a figure of ``benchmarks/results``.

    A question that has not been run yet (no ``results/<question>.json``)
    writes "(not measured yet)", so that the build passes before its first
    run; ``tests/test_docs_figures.py`` checks the role's path and format
    once the results exist. A path or format the stored results do not
    hold is an error of the build (``-W`` fails), not a blank.
    """
    from benchmarks.figures import NOT_MEASURED, NotMeasured, figure

    # docutils hands escaped characters over as NUL + character; a key that
    # holds a dot is written ``0\.990`` (as benchmarks.figures reads it).
    text = text.replace("\x00", "\\")
    try:
        value = figure(text)
    except NotMeasured:
        return [nodes.emphasis(text=NOT_MEASURED)], []
    except (KeyError, OSError, ValueError) as exc:
        message = inliner.reporter.error(
            f"bench: cannot read figure {text!r}: {exc}", line=lineno
        )
        problem = inliner.problematic(rawtext, rawtext, message)
        return [problem], [message]
    return [nodes.Text(value)], []
