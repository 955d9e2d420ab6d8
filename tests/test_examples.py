"""The gallery examples run, quickly, and draw their figures.

Each example honours ``SKDIGITS_EXAMPLE_FAST=1`` (fewer images and epochs),
runs on the bundled MNIST sample (nothing is downloaded), and is executed
here as sphinx-gallery would, as a script.
"""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("plot_*.py"))
# Figures each example must leave open for sphinx-gallery to capture.
MIN_FIGURES = {
    "plot_notebook.py": 3,
    "plot_confusion_and_mistakes.py": 4,
    "plot_grid_search.py": 2,
}


def test_the_gallery_has_a_header_and_the_expected_examples():
    # sphinx-gallery 0.22 looks for GALLERY_HEADER.rst (README.* is legacy).
    header = (EXAMPLES / "GALLERY_HEADER.rst").read_text()
    assert header.startswith(".. _examples:")
    assert sorted(path.name for path in SCRIPTS) == sorted(MIN_FIGURES)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_example_has_a_gallery_docstring(script):
    docstring = ast.get_docstring(ast.parse(script.read_text()))
    lines = docstring.splitlines()
    # An RST title: a line of '=' over and under the title.
    assert set(lines[0]) == {"="} and set(lines[2]) == {"="}
    assert len(lines[0]) >= len(lines[1].strip())
    assert "# %%" in script.read_text()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_example_runs(script, monkeypatch, tmp_path):
    monkeypatch.setenv("SKDIGITS_EXAMPLE_FAST", "1")
    # Offline: an example that looked for full MNIST would find nothing.
    monkeypatch.delenv("SKDIGITS_MNIST", raising=False)
    monkeypatch.setenv("SKDIGITS_DATA", str(tmp_path / "no-data"))
    monkeypatch.chdir(tmp_path)
    assert matplotlib.get_backend().lower() == "agg"
    plt.close("all")
    try:
        runpy.run_path(str(script), run_name="__main__")
        figures = [plt.figure(n) for n in plt.get_fignums()]
        assert len(figures) >= MIN_FIGURES[script.name]
        for figure in figures:
            assert figure.axes, "an empty figure"
    finally:
        plt.close("all")
    assert list(tmp_path.iterdir()) == []  # examples write no files
