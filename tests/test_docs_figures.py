"""Every benchmark figure the README and the docs state comes from the results.

A page states a measured figure with the ``:bench:`` role, which writes the
last run's value (:mod:`benchmarks.figures`); the README, which no build
renders, holds them in a block that ``python -m benchmarks --render-only``
writes from the same results. A figure typed by hand elsewhere (a number
with a decimal and a unit: ``99.14 %``, ``0.31 s``, ``0.22 ms``, a ratio ``1.21`` times,
``18.1 plain epochs``, ``2.67 MB``) would drift from the benchmark, so this
test refuses it. The one exception is the log of how the recipes were
chosen (``docs/recipe_trials.rst``): validation runs of their day, each
table dated, which no benchmark repeats.

A target is not a measurement: a figure that is one of ``targets.toml``'s
bounds (``99.0 %`` to reach, ``0.2 ms`` to stay under), or a threshold its
rows name (``98.5 %``), may be written by hand.

A role may name a question that has not been run yet: it then writes "(not
measured yet)" and the build passes. Once the question's results exist, the
role must name a figure they hold.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.figures import (
    FORMATS,
    NOT_MEASURED,
    NotMeasured,
    figure,
    measured_questions,
)
from benchmarks.render._readme import readme_figures
from benchmarks.targets import load_targets

ROOT = Path(__file__).parents[1]
#: The log of validation trials: figures of their day, by design.
TRIALS_LOG = ROOT / "docs" / "recipe_trials.rst"
PAGES = [ROOT / "README.md", ROOT / "benchmarks" / "README.md"] + [
    p for p in sorted((ROOT / "docs").glob("*.rst")) if p != TRIALS_LOG
]
#: A figure: a number with a decimal point, then its unit.
FIGURE = re.compile(
    r"(?<![\w.,])(?P<number>\d{1,3}(?:,\d{3})+\.\d+|\d+\.\d+)\s?"
    r"(?P<unit>%|ms\b|s\b|MB\b|\u00d7|plain epochs)"
)
#: Figures of published papers, cited for scale, which no benchmark measures.
PUBLISHED = {
    "augmentation.rst": {"1.6 %", "1.1 %", "0.7 %", "0.35 %", "0.39 %"},
}
README_BLOCK = re.compile(
    r"<!-- figures: begin.*?-->\n(?P<block>.*?)<!-- figures: end -->", re.S
)


def _prose(text: str, suffix: str) -> str:
    """The page without what is not prose: code, inline literals, roles, and
    the README's rendered block."""
    if suffix == ".md":
        text = README_BLOCK.sub("", text)
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        return re.sub(r"`[^`\n]*`", "", text)
    kept, block = [], None
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if block is not None:
            if line.strip() and indent <= block:
                block = None
            else:
                continue
        stripped = line.strip()
        if stripped.startswith(".. ") and not stripped.startswith(".. _"):
            directive = stripped[3:].split("::")[0]
            if directive in {"code-block", "code", "testcode", "doctest", "plot"}:
                block = indent
                continue
        if stripped.endswith("::") and not stripped.startswith(".."):
            block = indent
        kept.append(line)
    text = "\n".join(kept)
    text = re.sub(r"``.*?``", "", text, flags=re.S)
    return re.sub(r":[\w-]+:`[^`]*`", "", text)


def target_figures() -> set[tuple[float, str]]:
    """(number, unit) of every target's bound and of the thresholds its rows
    name: what the docs may state by hand."""
    found = set()
    for targets in load_targets().values():
        for target in targets.values():
            unit = {"%": "%", "s": "s", "ms": "ms"}.get(target.get("unit")) or (
                "MB" if "MB" in target.get("what", "") else None
            )
            for bound in (target.get("at_least"), target.get("at_most")):
                if unit and isinstance(bound, (int, float)):
                    found.add((round(bound * (100 if unit == "%" else 1), 6), unit))
            for m in FIGURE.finditer(target.get("what", "")):
                found.add((round(float(m["number"].replace(",", "")), 6), m["unit"]))
    return found


def hand_written_figures(path: Path) -> list[str]:
    prose = _prose(path.read_text(encoding="utf-8"), path.suffix)
    allowed = target_figures()
    return [
        f"{m['number']} {m['unit']}"
        for m in FIGURE.finditer(prose)
        if (round(float(m["number"].replace(",", "")), 6), m["unit"]) not in allowed
    ]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_states_a_benchmark_figure_by_hand(path):
    published = PUBLISHED.get(path.name, set())
    found = [f for f in hand_written_figures(path) if f not in published]
    assert found == [], (
        f"{path.relative_to(ROOT)} states benchmark figures by hand: write "
        "them with :bench:`question:path|format` (docs) or in the README's "
        "rendered block, or link to the performance page"
    )


def test_the_check_sees_a_figure_edited_by_hand(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text(
        "Reads :bench:`robustness:seed|n` digits, 99.99 % of MNIST, in\n"
        "``0.5 s``, 12.34 ms and 1.21\u00d7 the cost::\n\n    1.5 s in a block\n"
    )
    assert hand_written_figures(page) == ["99.99 %", "12.34 ms", "1.21 \u00d7"]


def test_a_target_is_not_a_hand_written_figure(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text("To 99.0 % in at most 0.2 ms; it read 99.01 %.\n")
    assert hand_written_figures(page) == ["99.01 %"]


def bench_roles() -> list[tuple[str, str]]:
    return [
        (path.name, name)
        for path in sorted((ROOT / "docs").glob("*.rst"))
        for name in re.findall(r":bench:`([^`]+)`", path.read_text(encoding="utf-8"))
    ]


def test_every_bench_role_names_a_stored_figure():
    """Every role reads a figure; a role of a question not run yet is let
    through (it writes "(not measured yet)"), but only while its results do
    not exist."""
    problems = []
    measured = measured_questions()
    for page, name in bench_roles():
        question = name.partition(":")[0]
        fmt = name.partition("|")[2] or "pct"
        if fmt not in FORMATS:
            problems.append(f"{page}: {name}: unknown format {fmt!r}")
            continue
        try:
            figure(name)
        except NotMeasured:
            if question in measured:  # pragma: no cover - figure() says so
                problems.append(f"{page}: {name}: results exist, figure missing")
        except KeyError as exc:
            problems.append(f"{page}: {exc}")
    assert problems == []
    assert bench_roles(), "no page states a figure with :bench:"


def test_a_question_not_run_yet_is_written_as_such(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "docs" / "sphinxext"))
    from skdigits_docs import bench_role

    class Inliner:
        pass

    nodes_, messages = bench_role(
        "bench", "", "no-such-question:headline.x|s", 1, Inliner()
    )
    assert messages == []
    assert nodes_[0].astext() == NOT_MEASURED
    with pytest.raises(NotMeasured):
        figure("no-such-question:headline.x|s")


def test_the_readme_block_is_what_the_results_render_to():
    found = README_BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md lost its rendered figures block"
    assert found["block"] == readme_figures()
