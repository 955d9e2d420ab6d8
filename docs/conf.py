"""Sphinx configuration for the skdigits documentation.

Build from the repository root with::

    sphinx-build -W --keep-going -b html docs docs/_build/html

The build needs no network. No intersphinx inventory can be had offline
(none of scikit-learn, NumPy, matplotlib, Python or Keras ships its
``objects.inv``), so references to scikit-learn, NumPy and matplotlib objects
are linked by ``sphinxext/skdigits_docs.py`` to their API pages, for objects
that exist in the installed packages; the few other references that cannot
resolve are listed in ``nitpick_ignore`` below, each with its reason. The
theme loads no external assets, and the examples and the user guide's figures
run on the MNIST sample bundled with skdigits.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path.insert(0, str(DOCS / "sphinxext"))
# The benchmark's stored figures (benchmarks/figures.py, the :bench: role).
sys.path.insert(0, str(REPO))

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
    # Markdown: benchmarks/RESULTS.md is included in performance.rst.
    "myst_parser",
    # The command line's reference, from skdigits._commands.cli.build_parser().
    "sphinx_argparse_cli",
]
source_suffix = {".rst": "restructuredtext"}

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
]
root_doc = "index"
default_role = "literal"  # `x` in docstrings renders as code, as in numpydoc
pygments_style = "sphinx"
# Every cross-reference must resolve. These are the ones that cannot offline,
# each with its reason; add to them only what has no other way.
nitpicky = True
nitpick_ignore_regex = [
    # Python's standard library (collections.namedtuple in ConfusedPair's
    # docstring): Python's objects.inv is not available offline, and its
    # pages do not follow the dotted names.
    ("py:.*", r"collections\..*"),
    # Dask's objects (distributed.LocalCluster in parallel.rst): Dask ships
    # no objects.inv.
    ("py:.*", r"(distributed|dask)\..*"),
    # Labels of scikit-learn's user guide, in the docstrings of the methods
    # that skdigits's estimators inherit from scikit-learn (score,
    # set_output): they resolve only with scikit-learn's inventory.
    ("std:ref", r"accuracy_score|df_output_transform|sphx_glr_auto_examples_.*"),
    # DenseDigitClassifier.model_ is a property (the network is rebuilt
    # lazily after loading); numpydoc links a property listed under
    # Attributes to a member entry, and the class page documents it in the
    # Attributes section itself.
    ("py:obj", r"model_"),
]

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
    # Result dataclasses that users read, never build: their fields are
    # documented under Attributes rather than Parameters (internal: the
    # layers are laid out on the architecture page).
    r"^skdigits\._estimators\.metrics\.Evaluation$",
    r"^skdigits\._commands\.training\.TrainingRun$",
    # Exceptions that skdigits raises, never the user: what they carry is
    # documented under Attributes; the constructor takes the message.
    r"^skdigits\.datasets\.(DatasetNotFoundError|DatasetFormatError|ChecksumError)$",
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
    "examples_dirs": "../examples",
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
# Top-level pages need no left sidebar, except the API reference, whose
# sub-pages are listed there; any new page is picked up by the glob.
html_sidebars = {page.stem: [] for page in DOCS.glob("*.rst") if page.stem != "api"}
html_context = {"default_mode": "light"}


# -- MyST (Markdown) -------------------------------------------------------------

myst_heading_anchors = 2  # RESULTS.md's sections get anchors to link to

# -- generated include files -----------------------------------------------------
# Written at configuration time, into docs/generated/ (git-ignored), as
# ``*.inc`` files that pages include (they are not pages themselves).

GENERATED = DOCS / "generated"

# The user guide's table of DenseDigitClassifier's parameters, and
# |clf_epochs|-style substitutions, from the classifier itself, so the guide
# always states the current defaults. (Importing the classifier does not
# start TensorFlow; only fitting does.)
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
    app.connect("missing-reference", skdigits_docs.resolve_offline)
    app.add_role("bench", skdigits_docs.bench_role)
