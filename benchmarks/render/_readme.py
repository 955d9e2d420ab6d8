"""The README's figures block, rendered from the stored results.

The README (which no docs build renders) states its figures only inside
``<!-- figures: begin -->`` ... ``<!-- figures: end -->``; ``python -m
benchmarks`` (and ``--render-only``) writes that block from the results, as
it writes ``RESULTS.md``, and ``tests/test_docs_figures.py`` checks that it
is what they render to.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.figures import NOT_MEASURED, NotMeasured, figure

__all__ = ["BLOCK", "readme_figures", "write_readme_figures"]

#: The block in README.md.
BLOCK = re.compile(
    r"(<!-- figures: begin[^\n]*-->\n)(.*?)(<!-- figures: end -->)", re.S
)

#: (what, figure names, how the figures join) rows of the block's table.
ROWS = (
    (
        "`DenseDigitClassifier()` on full MNIST, 15 epochs",
        [
            "accuracy:classifier.final_accuracy|pct",
            "accuracy:classifier.training_seconds|s0",
        ],
        "{} test accuracy in {} of training",
    ),
    (
        '`RECIPES["mnist-fast"]` / `["mnist-5min"]`, mean of 3 seeds',
        [
            "augmentation:runs.mnist-fast.summary.mean_accuracy|pct",
            "augmentation:runs.mnist-5min.summary.mean_accuracy|pct",
        ],
        "{} / {}",
    ),
    (
        "the record committee, mean of 3 seeds",
        ["record:summary.mean_accuracy|pct"],
        "{}",
    ),
    (
        "the shipped model: MNIST test set / its worst condition",
        [
            "robustness:scores.shipped.MNIST test set (28x28 as is).accuracy|pct",
            "robustness:models.shipped.worst.accuracy|pct",
        ],
        "{} / {}",
    ),
    (
        "numbers read exactly: printed fonts / handwriting fonts / MNIST digits",
        [
            "numbers:headline.printed_exact|pct1",
            "numbers:headline.handwriting_exact|pct1",
            "numbers:headline.mnist_exact|pct1",
        ],
        "{} / {} / {}",
    ),
    (
        "`predict_proba` on one image (median)",
        ["latency:headline.batch1_median_seconds|ms"],
        "{}",
    ),
    (
        "`skdigits predict` on 3 PNGs / `skdigits serve` to its first answer",
        [
            "predict_cli:headline.cli_median_seconds|s",
            "serve_startup:headline.serve_median_seconds|s",
        ],
        "{} / {}",
    ),
    (
        "the README's grid search with `n_jobs=2` / `n_jobs=1`",
        ["search:headline.seconds_n_jobs_2|s0", "search:headline.seconds_n_jobs_1|s0"],
        "{} / {}",
    ),
)


def _cell(names: list[str], joined: str) -> str:
    """A row's figures; "(not measured yet)" while a question has no stored
    result. A figure its stored result does not hold is an error
    (``tests/test_docs_figures.py`` renders the block)."""
    try:
        return joined.format(*(figure(name) for name in names))
    except NotMeasured:
        return NOT_MEASURED


def readme_figures() -> str:
    """The block's text: a table of headline figures of the last runs."""
    lines = [
        "| what | last run (`benchmarks/RESULTS.md`) |",
        "| --- | --- |",
        *(f"| {what} | {_cell(names, joined)} |" for what, names, joined in ROWS),
    ]
    return "\n".join(lines) + "\n"


def write_readme_figures(readme: Path) -> bool:
    """Rewrite ``readme``'s block from the results; whether it changed."""
    text = readme.read_text(encoding="utf-8")
    new = BLOCK.sub(lambda m: m[1] + readme_figures() + m[3], text, count=1)
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text
