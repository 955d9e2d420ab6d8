"""The library's formatting helpers, imported for the benchmark in one place.

The benchmark keeps no copies of library code. These helpers move to
``skdigits/_formatting.py`` (issue 17); when they do, only the imports below
change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skdigits.report import _jsonable as jsonable
from skdigits.report import _percent as percent
from skdigits.report import _table

__all__ = ["jsonable", "markdown_table", "percent"]


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None
) -> str:
    """A Markdown table; ``align`` has one ``l`` or ``r`` per column."""
    return _table(
        tuple(headers), [tuple(row) for row in rows], align or "l" * len(headers)
    )
