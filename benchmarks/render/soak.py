"""Markdown and figure for the soak question (``benchmarks/soak.py``)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIGURE = Path("docs/_static/soak_rss.png")  # relative to the repository root

LABELS = {
    "skdigits_fit": ("DenseDigitClassifier.fit", "fit"),
    "keras_fit": ("plain Keras fit (reference)", "fit"),
    # One partial_fit call is one pass over a chunk: growth per call, as fits.
    "skdigits_partial_fit": ("DenseDigitClassifier.partial_fit", "partial_fit"),
    "skdigits_predict": ("DenseDigitClassifier.predict_proba, 1 sample", "call"),
    "keras_predict": ("plain Keras predict_on_batch, 1 sample (reference)", "call"),
}


def render(record: dict) -> str:
    """The soak section: growth per iteration, and the RSS-against-fits figure."""
    result = record["result"]
    lines = [
        "## Memory over many fits and predictions (soak)",
        "",
        f"Each loop in its own fresh process, on {result['n_train']:,} training "
        f"images, `hidden_layer_sizes={tuple(result['hidden_layer_sizes'])}`, "
        "`epochs=1`; RSS after `gc.collect()`. Growth is the least-squares "
        "slope of RSS over the later part of each loop.",
        "",
        "| loop | iterations | window | RSS median in window MB "
        "| growth per iteration | fitted growth over window MB "
        "| TF functions start → end | gradient registry start → end |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, (label, unit) in LABELS.items():
        loop = result.get(kind)
        if loop is None:
            continue
        i = loop["i"]
        first = next(k for k, n in enumerate(i) if n >= loop["from"])
        slope = loop["mb_per_iteration"]
        per = (
            f"{_zero_signless(slope, 4)} MB / {unit}"
            if unit != "call"
            else f"{_zero_signless(slope * 10_000, 4)} MB / 10,000 calls"
        )
        lines.append(
            f"| {label} | {loop['n']:,} | {loop['from']:,}–{i[-1]:,} "
            f"| {loop['rss_median_mb']:.1f} | {per} "
            f"| {_zero_signless(loop['growth_mb'], 1)} "
            f"| {loop['tf_functions'][first]} → {loop['tf_functions'][-1]} "
            f"| {loop['gradient_registry'][first]} → "
            f"{loop['gradient_registry'][-1]} |"
        )
    if record.get("config", {}).get("quick"):
        lines += ["", "Quick run: a smoke test, its growth figures mean nothing."]
    if not result.get("partial_fit_available"):
        lines += ["", "`partial_fit` does not exist at this commit: not measured."]
    elif "partial_fit_added" in result:
        added = result["partial_fit_added"]
        lines += [
            "",
            f"The `partial_fit` loop ran later, at {added['commit']} "
            f"({added['date']}), once `partial_fit` existed; the other loops "
            f"are from {record.get('machine', {}).get('git', 'the first run')}.",
        ]
    # RESULTS.md lives in benchmarks/, so the figure is one level up.
    lines += ["", f"![RSS against the number of fits](../{FIGURE.as_posix()})", ""]
    return "\n".join(lines)


def _zero_signless(value: float, digits: int) -> str:
    """``value`` to ``digits`` decimals, without the sign of a rounded zero."""
    return f"{round(value, digits) + 0.0:.{digits}f}"


def plot(record: dict, path: Path) -> Path:
    """RSS against iterations: fits on the left, single predictions on the right.

    Used as ``plot(record, REPO / FIGURE)`` after a run.
    """
    import matplotlib.pyplot as plt

    result = record["result"]
    fig, (ax_fit, ax_pred) = plt.subplots(1, 2, figsize=(11, 4.2))
    for kind, ax, style in [
        ("skdigits_fit", ax_fit, "C0-"),
        ("skdigits_partial_fit", ax_fit, "C2-"),
        ("keras_fit", ax_fit, "C1--"),
        ("skdigits_predict", ax_pred, "C0-"),
        ("keras_predict", ax_pred, "C1--"),
    ]:
        loop = result.get(kind)
        if loop is None:
            continue
        label, unit = LABELS[kind]
        slope = loop["mb_per_iteration"]
        rate = (
            f"{round(slope, 3) + 0.0:+.3f} MB/{unit}"
            if unit != "call"
            else f"{round(slope * 10_000, 3) + 0.0:+.3f} MB/10k calls"
        )
        label = label.replace(", 1 sample", "").replace("plain Keras ", "Keras ")
        ax.plot(loop["i"], loop["rss_mb"], style, marker=".", label=f"{label}: {rate}")
    ax_fit.set(
        xlabel="number of fits (or partial_fit calls)",
        ylabel="resident memory (MB)",
        title="Successive fits in one process",
    )
    ax_pred.set(
        xlabel="number of single-sample predictions",
        ylabel="resident memory (MB)",
        title="Prediction in one process",
    )
    # The same 600 MB span on both panels: a flat line must look flat, not
    # zoomed into noise.
    low = min(min(line.get_ydata()) for ax in (ax_fit, ax_pred) for line in ax.lines)
    high = max(max(line.get_ydata()) for line in ax_fit.lines)
    ax_pred.set_ylim(low - 20, low - 20 + max(high - low + 40, 100))
    ax_fit.set_ylim(low - 20, high + 20)
    ax_pred.xaxis.set_major_formatter(lambda x, _: f"{x:,.0f}")
    for ax in (ax_fit, ax_pred):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="center")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
