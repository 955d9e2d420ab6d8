"""Benchmark figures as the docs state them, read from ``results/*.json``.

One place turns a stored figure into text: :func:`figure_text`, used by the
docs' ``:bench:`` role (``docs/sphinxext/skdigits_docs.py``) so that a page
shows the figure of the last run and cannot drift from it, and by
``tests/test_docs_figures.py``, which fails when the README or a page states
a figure by hand that the results do not hold.

A figure is named ``question:path|format``: the question's stored result,
the keys to the figure (dots, as ``targets.toml``'s ``measured``), and how
to write it. Formats: ``pct`` (a fraction as a percentage, 2 decimals; or
``pct1``, ``pct0``), ``s`` / ``s1`` / ``s0`` (seconds), ``ms`` (seconds as
milliseconds, 2 decimals; ``ms1``; ``msv``, a value in milliseconds
already, 1 decimal), ``x`` (a ratio, 2 decimals), ``n`` (a
count, with thousands separators), ``mb`` (megabytes, 2 decimals; ``mb4``, 4) and
``plain`` (plain epochs, 1 decimal), ``pp`` (a difference of
percentages, in points, 2 decimals).

>>> figure_text(0.99136, "pct")
'99.14 %'
>>> figure_text(0.000219, "ms")
'0.22 ms'
>>> figure_text(12345, "n")
'12,345'

A question that has not been run yet (no ``results/<question>.json``) is
not an error: :func:`figure` raises :class:`NotMeasured`, and the role
writes :data:`NOT_MEASURED` instead, so that the docs build (``-W``) passes
before the first run. Once the question's results exist, a path or a
format they do not hold is an error again (a ``KeyError``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from benchmarks.targets import lookup

__all__ = [
    "FORMATS",
    "NOT_MEASURED",
    "NotMeasured",
    "figure",
    "figure_text",
    "measured_questions",
    "stored_figures",
]

RESULTS = Path(__file__).with_name("results")

#: What a page states for a figure of a question that has not been run yet.
NOT_MEASURED = "(not measured yet)"


class NotMeasured(KeyError):
    """The figure's question has no stored result yet (never run)."""


#: format -> (scale, decimals, unit)
FORMATS: dict[str, tuple[float, int, str]] = {
    "pct": (100, 2, " %"),
    "pct1": (100, 1, " %"),
    "pct0": (100, 0, " %"),
    "s": (1, 2, " s"),
    "s1": (1, 1, " s"),
    "s0": (1, 0, " s"),
    "ms": (1e3, 2, " ms"),
    "ms1": (1e3, 1, " ms"),
    "msv": (1, 1, " ms"),
    "x": (1, 2, "×"),
    "n": (1, 0, ""),
    "mb": (1, 2, " MB"),
    "mb4": (1, 4, " MB"),
    "plain": (1, 1, " plain epochs"),
    "pp": (1, 2, " points"),
}


def figure_text(value: float, fmt: str) -> str:
    """``value`` written as the docs write it in format ``fmt``."""
    scale, decimals, unit = FORMATS[fmt]
    return f"{value * scale:,.{decimals}f}{unit}"


def measured_questions() -> frozenset[str]:
    """The questions that have a stored result."""
    return frozenset(path.stem for path in RESULTS.glob("*.json"))


@cache
def _result(question: str) -> dict:
    path = RESULTS / f"{question}.json"
    if not path.exists():
        raise NotMeasured(f"{question}: no results/{question}.json yet")
    return json.loads(path.read_text())["result"]


def figure(name: str) -> str:
    """The text of figure ``question:path|format``.

    Raises :class:`NotMeasured` when the question has no stored result yet,
    and a ``KeyError`` naming what is missing when its result does not hold
    the figure (an unknown path, a format that does not exist, or a value
    that is not a number).
    """
    spec, _, fmt = name.partition("|")
    question, _, path = spec.partition(":")
    fmt = fmt or "pct"
    if fmt not in FORMATS:
        raise KeyError(f"{name}: unknown format {fmt!r} (one of {sorted(FORMATS)})")
    keys = re.split(r"(?<!\\)\.", path)
    value = lookup(_result(question), [k.replace("\\.", ".") for k in keys])
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise KeyError(f"{name}: no figure there (found {value!r})")
    return figure_text(value, fmt)


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


@cache
def stored_figures() -> frozenset[float]:
    """Every number of every stored result (for the figure check)."""
    found: set[float] = set()
    for path in RESULTS.glob("*.json"):
        found.update(_numbers(json.loads(path.read_text())["result"]))
    return frozenset(found)
