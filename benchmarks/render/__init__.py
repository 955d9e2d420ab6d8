"""Rendering: ``RESULTS.md`` from the stored result of every question.

Each question has a renderer ``benchmarks/render/<question>.py`` with
``render(record) -> str``, the Markdown of its section. This module adds the
page around them: the machines and runs, and the targets of
``benchmarks/targets.toml`` against the measured figures. Questions are found
in the results folder and in this package, so a new question needs no change
here; they appear in the order of ``ORDER``, then by name.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

from benchmarks.common import RESULTS_DIR
from benchmarks.render._markdown import markdown_table, pct
from benchmarks.targets import check, load_targets

ORDER = (
    "accuracy",
    "overhead",
    "latency",
    "memory",
    "augmentation",
    "record",
    "continued_training",
    "search",
    "predict_cli",
    "serve_startup",
    "load",
    "soak",
    "faults",
    "robustness",
    "numbers",
)
MACHINE_ROWS = {
    "CPU": lambda m: f"{m['cpu']}, {m['cores']} cores ({m['cores_usable']} usable)",
    "RAM": lambda m: f"{m['ram_gb']} GB",
    "OS": lambda m: m["os"],
    "Python": lambda m: m["python"],
    "libraries": lambda m: ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v),
}


def questions(results_dir: Path = RESULTS_DIR) -> list[str]:
    """Every question with a stored result or a renderer, in report order."""
    found = {path.stem for path in Path(results_dir).glob("*.json")}
    found |= {m.name for m in pkgutil.iter_modules(__path__) if m.name[0] != "_"}
    return in_report_order(found)


def in_report_order(names) -> list[str]:
    """``ORDER`` first, then any other question by name."""
    return sorted(
        names, key=lambda q: (ORDER.index(q) if q in ORDER else len(ORDER), q)
    )


def load_records(results_dir: Path = RESULTS_DIR) -> dict[str, dict | None]:
    out = {}
    for question in questions(results_dir):
        path = Path(results_dir) / f"{question}.json"
        out[question] = json.loads(path.read_text()) if path.exists() else None
    return out


def render_results(results_dir: Path = RESULTS_DIR, targets: dict | None = None) -> str:
    """The whole of ``RESULTS.md`` from the records in ``results_dir``."""
    records = load_records(results_dir)
    targets = load_targets() if targets is None else targets
    ran = {q: r for q, r in records.items() if r is not None}
    quick = [q for q, r in ran.items() if r["config"].get("quick")]
    out = [
        "# Benchmark results",
        "",
        "Rendered by `python -m benchmarks` from `benchmarks/results/<question>.json`"
        " (every raw number), one file per question; targets from "
        "`benchmarks/targets.toml`.",
    ]
    if quick:
        out += ["", f"**Quick run of {', '.join(quick)}: the numbers mean nothing.**"]
    out += ["", "## Machine and runs", "", machine_table(ran), "", runs_table(ran)]
    rows = [
        row
        for q in [*records, *sorted(set(targets) - set(records))]
        for row in check(q, (ran.get(q) or {}).get("result"), targets.get(q, {}))
    ]
    if rows:
        out += ["", "## Targets", "", targets_table(rows)]
    for question, record in records.items():
        out += ["", section(question, record)]
    return "\n".join(out) + "\n"


def section(question: str, record: dict | None) -> str:
    title = f"## {question.replace('_', ' ').capitalize()}"
    if record is None:
        return f"{title}\n\nNot run yet: `python -m benchmarks {question} --data PATH`."
    try:
        renderer = importlib.import_module(f"benchmarks.render.{question}")
    except ModuleNotFoundError as exc:
        if exc.name != f"benchmarks.render.{question}":
            raise
        return (
            f"{title}\n\nNo renderer (`benchmarks/render/{question}.py`) yet; "
            f"the figures are in `benchmarks/results/{question}.json`."
        )
    return renderer.render(record).strip()


def machine_table(records: dict[str, dict]) -> str:
    """One row per machine fact; where questions ran on different machines
    (or library versions), each question's value."""
    rows = []
    for label, fmt in MACHINE_ROWS.items():
        values = {q: fmt(r["machine"]) for q, r in records.items()}
        distinct = list(dict.fromkeys(values.values()))
        text = (
            distinct[0]
            if len(distinct) == 1
            else "; ".join(f"{q}: {v}" for q, v in values.items())
        )
        rows.append([label, text or "—"])
    return markdown_table(["machine", ""], rows, align="ll")


def runs_table(records: dict[str, dict]) -> str:
    rows = []
    for q, r in records.items():
        run = r.get("run", {})
        load = (
            f"{run['load_start']} → {run['load_end']}" if "load_start" in run else "—"
        )
        seconds = run.get("seconds")
        rows.append(
            [
                q,
                r["machine"].get("date", "—"),
                r["machine"].get("git") or "—",
                r["config"]["data"] + (" (quick)" if r["config"].get("quick") else ""),
                "—" if seconds is None else f"{seconds / 60:.1f} min",
                load,
                f"`{run['command']}`" if "command" in run else "—",
            ]
        )
    headers = ["question", "date (UTC)", "commit", "data", "wall time"]
    headers += ["load average 1/5/15 min, start → end", "command"]
    return markdown_table(headers, rows, align="lllllll")


def measured_text(row: dict) -> str:
    v, unit = row["measured"], row["unit"]
    if v is None:
        return "not measured"
    if unit == "%":
        return pct(v)
    if unit == "ratio":
        return f"{v:.3f}"
    if unit:
        return f"{v:.3f} {unit}"
    if float(v).is_integer():  # a count
        return f"{int(v):,}"
    return f"{v:.2e}"


def targets_table(rows: list[dict]) -> str:
    met = {True: "yes", False: "**no**", None: "—"}
    return markdown_table(
        ["question", "what", "target", "measured", "met"],
        [
            [r["question"], r["what"], r["target"], measured_text(r), met[r["met"]]]
            for r in rows
        ],
        align="lllrl",
    )
