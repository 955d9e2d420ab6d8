"""The benchmark's targets: read from ``targets.toml``, checked against results.

Targets are data, kept apart from the code that measures and the code that
renders. ``targets.toml`` has one table per question and one sub-table per
target (its header explains the keys).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TARGETS_FILE = Path(__file__).resolve().parent / "targets.toml"
_MISSING = object()


def load_targets(path: Path = TARGETS_FILE) -> dict[str, dict[str, dict]]:
    """``{question: {name: target}}`` from ``targets.toml``."""
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def lookup(result: dict, measured: str | list[str]) -> Any:
    """The value at ``measured`` (dotted keys, or a list of keys) in ``result``."""
    keys = measured.split(".") if isinstance(measured, str) else measured
    value: Any = result
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


def bound_text(target: dict) -> str:
    """``">= 98.6 %"`` or ``"<= 1.05"``: the target as a reader states it."""
    if "target" in target:
        return target["target"]
    op, bound = (
        (">=", target["at_least"])
        if "at_least" in target
        else (
            "<=",
            target["at_most"],
        )
    )
    unit = target.get("unit", "")
    if unit == "%":
        return f"{op} {100 * bound:g}%"
    return f"{op} {bound:g}" + (f" {unit}" if unit not in ("", "ratio") else "")


def check(question: str, result: dict | None, targets: dict[str, dict]) -> list[dict]:
    """Each target of ``question`` with its measured value and whether it is met.

    ``met`` is None when the result lacks the figure (the question did not
    run, or a quick run skipped it), and the row says so instead of failing.
    """
    rows = []
    for name, target in targets.items():
        if not _well_formed(target):
            rows.append(
                {
                    "question": question,
                    "name": name,
                    "what": f"{name}: not understood, see targets.toml's header",
                    "target": str(target),
                    "measured": None,
                    "unit": "",
                    "met": None,
                }
            )
            continue
        value = _MISSING if result is None else lookup(result, target["measured"])
        if value is _MISSING or value is None:
            measured, met = None, None
        else:
            measured = value * target.get("scale", 1)
            if "at_least" in target:
                met = measured >= target["at_least"]
            else:
                met = measured <= target["at_most"]
        rows.append(
            {
                "question": question,
                "name": name,
                "what": target.get("what", name),
                "target": bound_text(target),
                "measured": measured,
                "unit": target.get("unit", ""),
                "met": met,
            }
        )
    return rows


def _well_formed(target: Any) -> bool:
    return (
        isinstance(target, dict)
        and "measured" in target
        and (("at_least" in target) != ("at_most" in target))
    )
