"""Text and number formatting shared by the report, the CLI, the displays,
the dataset summary and the benchmark: one copy of each helper.

Only the standard library and NumPy are imported, so any module may use it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "duration_text",
    "jsonable",
    "markdown_table",
    "number_text",
    "percent",
    "plain",
    "probability_text",
    "text_table",
]


def plain(value: Any) -> Any:
    """NumPy scalars and arrays as plain Python objects; others unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits._prediction.formatting import plain
    >>> plain(np.int64(3)), plain(np.array([1, 2])), plain("a")
    (3, [1, 2], 'a')
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def jsonable(value: Any) -> Any:
    """``value`` as JSON-safe Python: tuples to lists, NumPy to Python,
    non-finite floats to None, anything else by its ``repr``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits._prediction.formatting import jsonable
    >>> jsonable({"sizes": (784, np.int64(196)), "rate": float("nan"), 1: None})
    {'sizes': [784, 196], 'rate': None, '1': None}
    >>> jsonable(np.random.RandomState)
    "<class 'numpy.random.mtrand.RandomState'>"
    """
    value = plain(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return repr(value)


def percent(value: float, digits: int = 2) -> str:
    """A share as a percentage, ``"n/a"`` for NaN.

    Examples
    --------
    >>> from skdigits._prediction.formatting import percent
    >>> percent(0.98765), percent(0.5, 1), percent(float("nan"))
    ('98.77%', '50.0%', 'n/a')
    """
    return "n/a" if math.isnan(value) else f"{value:.{digits}%}"


def probability_text(probability: float, digits: int = 1) -> str:
    """A probability as a percentage that never reads 100 % unless it is 1.

    Rounding would show a 0.9996 mistake as certain; such a value gets one
    more decimal, and ``">99.9%"`` if it still rounds to 100.

    Examples
    --------
    >>> from skdigits._prediction.formatting import probability_text
    >>> probability_text(0.973), probability_text(0.99996), probability_text(1.0)
    ('97.3%', '>99.9%', '100.0%')
    >>> probability_text(0.9, digits=0), probability_text(0.996, digits=0)
    ('90%', '99.6%')
    """
    for places in range(digits, max(digits, 1) + 1):
        text = f"{probability:.{places}%}"
        if probability >= 1 or float(text[:-1]) < 100:
            return text
    return ">99.9%"


def number_text(value: Any) -> str:
    """``0.002`` rather than ``0.0020000000949949026``; non-floats by ``str``.

    Examples
    --------
    >>> from skdigits._prediction.formatting import number_text
    >>> number_text(3e-3), number_text(0.1 + 0.2), number_text(15)
    ('0.003', '0.30000000000000004', '15')
    """
    if isinstance(value, float):
        return f"{value:g}" if float(f"{value:g}") == value else repr(value)
    return str(value)


def duration_text(seconds: float | None) -> str:
    """``"48.2 s"``, ``"3 min 05 s"`` or ``"2 h 07 min"``.

    Examples
    --------
    >>> from skdigits._prediction.formatting import duration_text
    >>> duration_text(48.24), duration_text(185), duration_text(7620)
    ('48.2 s', '3 min 05 s', '2 h 07 min')
    >>> duration_text(None)
    'not measured'
    """
    if seconds is None:
        return "not measured"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None
) -> str:
    """A Markdown (GitHub) table.

    Parameters
    ----------
    headers : sequence of str
        The column titles.
    rows : sequence of sequences
        The cells, turned into text with ``str``.
    align : str, default=None
        One ``l`` (left) or ``r`` (right) per column; all left if None.

    Returns
    -------
    table : str
        The table's lines, without a final newline.

    Examples
    --------
    >>> from skdigits._prediction.formatting import markdown_table
    >>> print(markdown_table(["digit", "count"], [(0, 98), (1, 114)], "lr"))
    | digit | count |
    | --- | ---: |
    | 0 | 98 |
    | 1 | 114 |
    """
    align = align or "l" * len(headers)
    if len(align) != len(headers):
        raise ValueError(
            f"align has {len(align)} letters for {len(headers)} columns: {align!r}."
        )
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(rows: Sequence[Sequence[str]], left: Sequence[int] = (0,)) -> str:
    """A plain-text table with aligned columns, for terminals and logs.

    Parameters
    ----------
    rows : sequence of sequences of str
        The cells, the first row being the header.
    left : sequence of int, default=(0,)
        Columns aligned left (text); the others are aligned right (numbers).

    Returns
    -------
    table : str
        Columns two spaces apart, no trailing spaces, no final newline.

    Examples
    --------
    >>> from skdigits._prediction.formatting import text_table
    >>> print(text_table([("class", "train"), ("0", "987"), ("total", "10000")]))
    class  train
    0        987
    total  10000
    """
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i in left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def can_print(text: str, stream: Any) -> bool:
    """Whether ``stream``'s encoding can show ``text`` (else write ASCII).

    Parameters
    ----------
    text : str
        The characters to show, such as ``"↔→"``.
    stream : text stream
        Where they would go; one without an ``encoding`` (an in-memory
        stream) holds any character.

    Returns
    -------
    can : bool
        True if every character of ``text`` can be encoded.

    Examples
    --------
    >>> import io
    >>> from skdigits._prediction.formatting import can_print
    >>> latin1 = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    >>> can_print("↔", latin1), can_print("↔", io.StringIO())
    (False, True)
    """
    encoding = getattr(stream, "encoding", None)
    if encoding is None:
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
