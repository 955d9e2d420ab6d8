"""Number formats shared by the renderers; tables come from the library."""

from __future__ import annotations

from skdigits._prediction.formatting import markdown_table, percent

__all__ = ["loadavg_text", "markdown_table", "ms", "pct", "sec"]


def pct(x: float | None) -> str:
    return "—" if x is None else percent(x)


def sec(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def ms(x: float | None) -> str:
    """Seconds shown in ms: three decimals below 10 ms, one above."""
    return "—" if x is None else (f"{x * 1e3:.3f}" if x < 0.01 else f"{x * 1e3:.1f}")


def loadavg_text(values: list | None) -> str:
    """Load averages (1, 5, 15 min) as recorded, or say they were not."""
    return ", ".join(f"{v:.1f}" for v in values) if values else "not recorded"
