"""Sphinx configuration for the skdigits documentation.

Build from the repository root with::

    sphinx-build -W --keep-going -b html docs docs/_build/html

The build needs no network: there is no intersphinx inventory to fetch
(references to scikit-learn, NumPy and matplotlib are linked by
``sphinxext/skdigits_docs.py``), the theme loads no external assets, and the
examples and the user guide's figures run on the MNIST sample bundled with
skdigits.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path.insert(0, str(DOCS / "sphinxext"))

# -- environment for the code run while building -------------------------------
# Set before anything imports matplotlib or TensorFlow.
os.environ["MPLBACKEND"] = "Agg"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# The gallery shows full example runs on the bundled sample (under a minute
# for all three); only the tests set SKDIGITS_EXAMPLE_FAST=1.
os.environ.pop("SKDIGITS_EXAMPLE_FAST", None)

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import skdigits_docs  # noqa: E402

import skdigits  # noqa: E402

# -- project information -----------------------------------------------------

project = "skdigits"
author = "The skdigits developers"
copyright = "The skdigits developers"
version = release = skdigits.__version__

# -- general configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "generated/*.inc",
    "**.ipynb_checkpoints",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.codeobj.json",
    "sphinxext",
    "_gallery_src",
]
root_doc = "index"
default_role = "literal"  # `x` in docstrings renders as code, as in numpydoc
pygments_style = "sphinx"
# Not nitpicky: without intersphinx, references to Python's and Keras's own
# objects cannot resolve and would be reported; they render as code instead.
nitpicky = False

# -- autodoc / autosummary / numpydoc ----------------------------------------

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc sections document the types
autodoc_class_signature = "mixed"

numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# Light validation, run on every documented object: no docstring at all,
# parameters missing from or unknown to the Parameters section.
numpydoc_validation_checks = {"GL08", "PR01", "PR02"}
numpydoc_validation_exclude = {
    # Inherited from scikit-learn or Python, documented there.
    r"\.get_metadata_routing$",
    r"\.set_\w+_request$",
    r"\.__init__$",
    r"\.__getitem__$",
    # A result dataclass that users read, never build: its fields are
    # documented under Attributes rather than Parameters.
    r"^skdigits\.report\.Evaluation$",
}

# -- matplotlib's plot directive (the user guide's figures) ------------------

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.max_open_warning": 0, "savefig.bbox": "tight"}
plot_apply_rcparams = True
plot_pre_code = "import numpy as np\nimport matplotlib.pyplot as plt\n"
plot_working_directory = str(REPO)

# -- sphinx-gallery (the examples) -------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": skdigits_docs.gallery_source(REPO / "examples", DOCS),
    "gallery_dirs": "auto_examples",
    # Run every plot_*.py (others are shown but not run).
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "skdigits_docs.ExampleOrder",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skdigits",),
    "reference_url": {"skdigits": None},
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "show_signature": False,
    "min_reported_time": 5,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib", "seaborn"),
    "capture_repr": ("_repr_html_", "__repr__"),
    # A failing example fails the build (after all of them have run).
    "only_warn_on_example_error": False,
    "abort_on_example_error": False,
}

# -- HTML output ---------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skdigits {release}"
html_static_path = ["_static"]
html_css_files = ["skdigits.css"]
html_show_sourcelink = False
html_theme_options = {
    # Nothing is fetched from the network: no icon links, no analytics, no
    # version switcher JSON.
    "icon_links": [],
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
    "show_prev_next": True,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# Pages without sub-pages need no left sidebar.
html_sidebars = {
    page: []
    for page in (
        "index",
        "user_guide",
        "data",
        "parallel",
        "cli",
        "performance",
        "changelog",
    )
}
html_context = {"default_mode": "light"}


# -- generated include files -----------------------------------------------------
# Written at configuration time, into docs/generated/ (git-ignored), as
# ``*.inc`` files that pages include (they are not pages themselves).

GENERATED = DOCS / "generated"
skdigits_docs.write_performance_include(
    REPO / "benchmarks" / "RESULTS.md", GENERATED / "performance_results.rst.inc"
)
skdigits_docs.write_cli_include(REPO, GENERATED / "cli_help.rst.inc")
skdigits_docs.write_cli_options_include(GENERATED / "cli_options.rst.inc")

# The user guide's table of DenseDigitClassifier's parameters, and
# |clf_epochs|-style substitutions, from the classifier itself, so the guide
# always states the current defaults. (This starts TensorFlow, which the
# user guide's figures need anyway.)
from skdigits import DenseDigitClassifier  # noqa: E402

_defaults_table, _defaults_substitutions = skdigits_docs.classifier_defaults_rst(
    DenseDigitClassifier
)
skdigits_docs.write_if_changed(
    GENERATED / "classifier_defaults.rst.inc", _defaults_table
)
rst_epilog = _defaults_substitutions


def _close_figures(app, docname, source):
    # The plot directive and sphinx-gallery close their figures; this is a
    # guard against any other code leaving figures open between pages.
    import matplotlib.pyplot as plt

    plt.close("all")


def setup(app):
    app.connect("source-read", _close_figures)
    # Before numpydoc (priority 500) turns the sections into reST.
    app.connect(
        "autodoc-process-docstring", skdigits_docs.quote_fitted_names, priority=400
    )
    app.connect("missing-reference", skdigits_docs.resolve_offline)
