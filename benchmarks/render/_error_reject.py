"""The robustness section's error-reject table and figure.

For each group of digit conditions (:data:`REJECT_GROUPS`), pooled over its
conditions: how many pictures a model rejects ("not sure", or refused by
preparation) at each top-probability threshold, and the error among those
it keeps; the figure (:func:`plot_error_reject`) draws every threshold.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.render._markdown import markdown_table, pct

__all__ = [
    "ERROR_REJECT_FIGURE",
    "error_reject_rows",
    "error_reject_section",
    "plot_error_reject",
    "pooled_curve",
]

#: The error-reject curves (``plot_error_reject``), relative to the repository.
ERROR_REJECT_FIGURE = Path("docs/_static/robustness/error_reject.png")
#: Groups of digit conditions pooled in the error-reject curves.
REJECT_GROUPS = {
    "reference": "MNIST as is",
    "mnist": "MNIST shifts",
    "fonts": "fonts",
    "browser": "drawn on the page",
}
#: Thresholds shown in the error-reject table (the figure has them all).
TABLE_THRESHOLDS = (0.5, 0.9, 0.99, 0.999)


def pooled_curve(scores: dict, conditions: dict, group: str) -> dict | None:
    """One model's error-reject counts over a group of conditions: for each
    threshold, the share rejected (refused or below it) and the error rate
    among the answers kept."""
    names = [c for c in conditions if conditions[c]["group"] == group]
    curves = [scores[c]["error_reject"] for c in names if "error_reject" in scores[c]]
    if not curves:
        return None
    n = sum(scores[c]["n"] for c in names)
    kept = [sum(c["kept"][i] for c in curves) for i in range(len(curves[0]["kept"]))]
    out = {"thresholds": curves[0]["thresholds"], "n": n}
    out["rejected"] = [1 - k / n for k in kept]
    if curves[0]["errors"][0] is not None:
        errors = [sum(c["errors"][i] for c in curves) for i in range(len(kept))]
        out["error"] = [e / k if k else None for e, k in zip(errors, kept, strict=True)]
    return out


def _own_threshold(scores: dict, conditions: dict, group: str) -> tuple | None:
    """(share rejected, error among kept) of a model's own "not sure" rule."""
    names = [c for c in conditions if conditions[c]["group"] == group]
    rows = [scores[c] for c in names if "share_unsure" in scores[c]]
    if not rows:
        return None
    n = sum(r["n"] for r in rows)
    flagged = sum(r["share_unsure"] * r["n"] for r in rows)
    kept = n - flagged
    if "accuracy_when_sure" not in rows[0]:
        return flagged / n, None
    wrong = sum(
        (1 - r["accuracy_when_sure"]) * r["n"] * (1 - r["share_unsure"])
        for r in rows
        if r["accuracy_when_sure"] is not None
    )
    return flagged / n, (wrong / kept if kept else None)


def _reject_cell(rejected: float, error: float | None) -> str:
    return f"{pct(rejected)} / {pct(error)}"


def error_reject_rows(r: dict) -> list[list[str]]:
    """Rows of the error-reject table: per model, per threshold, per group."""
    models, scores, conditions = r["models"], r["scores"], r["conditions"]
    others = [c for c in conditions if conditions[c]["group"] == "not digits"]
    rows = []
    for m, note in models.items():
        curves = {g: pooled_curve(scores[m], conditions, g) for g in REJECT_GROUPS}
        curves = {g: c for g, c in curves.items() if c is not None}
        if not curves:
            continue
        thresholds = next(iter(curves.values()))["thresholds"]
        for i, t in enumerate(thresholds):
            if t not in TABLE_THRESHOLDS:
                continue
            cells = [
                _reject_cell(c["rejected"][i], c["error"][i]) for c in curves.values()
            ]
            flagged = [
                pct(1 - scores[m][c]["error_reject"]["kept"][i] / scores[m][c]["n"])
                for c in others
            ]
            rows.append([f"`{m}`", f"{t:g}", *cells, *flagged])
        own = note["params"].get("unsure_below")
        if own is not None:
            cells = []
            for g in curves:
                rejected, error = _own_threshold(scores[m], conditions, g)
                cells.append(_reject_cell(rejected, error))
            flagged = [pct(scores[m][c].get("share_unsure")) for c in others]
            rows.append([f"`{m}`", f"**{own:g}** (its own)", *cells, *flagged])
    return rows


def error_reject_section(r: dict) -> list[str]:
    conditions = r["conditions"]
    groups = [
        label
        for g, label in REJECT_GROUPS.items()
        if any(info["group"] == g for info in conditions.values())
    ]
    others = [c for c in conditions if conditions[c]["group"] == "not digits"]
    rows = error_reject_rows(r)
    if not rows:
        return []
    return [
        "",
        '### Error-reject: what "not sure" buys',
        "",
        'An answer is rejected ("not sure") when its top probability is below '
        "the threshold; a picture that preparation refuses is always rejected. "
        "Cells: share rejected / error rate among the answers kept, pooled over "
        "each group's conditions; the last columns are the share of the "
        "pictures that are not digits that are rejected. The shipped model's "
        "own threshold was calibrated on held-out MNIST training images "
        "(see the pretrained page of the docs).",
        "",
        markdown_table(
            ["model", "threshold", *groups, *(f"{c} flagged" for c in others)], rows
        ),
        "",
        f"![Error-reject curves](../{ERROR_REJECT_FIGURE.as_posix()})",
    ]


def plot_error_reject(record: dict, path: Path | str = ERROR_REJECT_FIGURE) -> Path:
    """Error among accepted answers against share rejected, as the threshold
    varies: one panel per group of conditions, one line per model, and each
    model's own threshold as a dot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = record["result"]
    models, scores, conditions = r["models"], r["scores"], r["conditions"]
    groups = [
        g
        for g in REJECT_GROUPS
        if any(info["group"] == g for info in conditions.values())
    ]
    fig, axes = plt.subplots(
        1, len(groups), figsize=(3.4 * len(groups), 3.6), layout="constrained"
    )
    for ax, group in zip(list(getattr(axes, "flat", [axes])), groups, strict=True):
        for m in models:
            curve = pooled_curve(scores[m], conditions, group)
            if curve is None:
                continue
            points = [
                (100 * x, 100 * y)
                for x, y in zip(curve["rejected"], curve["error"], strict=True)
                if y is not None
            ]
            (line,) = ax.plot(*zip(*points, strict=True), marker=".", lw=1.2, label=m)
            own = _own_threshold(scores[m], conditions, group)
            if own is not None and own[1] is not None:
                ax.plot(
                    100 * own[0],
                    100 * own[1],
                    "o",
                    color=line.get_color(),
                    ms=8,
                    mfc="none",
                    mew=1.5,
                )
        ax.set_title(f"{REJECT_GROUPS[group]}", fontsize=10)
        ax.set_xlabel("rejected (%)")
        ax.set_ylabel("error among kept answers (%)")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes_list = list(getattr(axes, "flat", [axes]))
    axes_list[0].legend(
        fontsize=8, title="model (ring: its own threshold)", title_fontsize=7
    )
    thresholds = next(iter(scores.values()))
    thresholds = next(iter(thresholds.values()))["error_reject"]["thresholds"]
    fig.suptitle(
        f"Error-reject curves: thresholds {min(thresholds):g} (left end) to "
        f"{max(thresholds):g} ({r.get('split', 'test')} split)",
        fontsize=10,
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


if __name__ == "__main__":  # pragma: no cover - redraws the committed figure
    from benchmarks.common import REPO, load_result

    stored = load_result("robustness")
    if stored is None:
        raise SystemExit("no stored result: run benchmarks/robustness.py first")
    print(plot_error_reject(stored, REPO / ERROR_REJECT_FIGURE))
