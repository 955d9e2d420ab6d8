"""Markdown and figure for the soak question (``benchmarks/soak.py``)."""

from __future__ import annotations

from pathlib import Path

FIGURE = Path("docs/_static/soak_rss.png")  # relative to the repository root

LABELS = {
    "skdigits_fit": ("DenseDigitClassifier.fit", "fit"),
    "keras_fit": ("plain Keras fit (reference)", "fit"),
    "skdigits_partial_fit": ("DenseDigitClassifier.partial_fit", "call"),
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
        "| loop | iterations | RSS at start of fit window MB | RSS at end MB "
        "| growth per iteration | over iterations | TF functions start → end "
        "| gradient registry start → end |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, (label, unit) in LABELS.items():
        loop = result.get(kind)
        if loop is None:
            continue
        i, rss = loop["i"], loop["rss_mb"]
        first = next(k for k, n in enumerate(i) if n >= loop["from"])
        slope = loop["mb_per_iteration"]
        per = (
            f"{slope:.4f} MB / {unit}"
            if unit == "fit"
            else f"{slope * 10_000:.3f} MB / 10,000 calls"
        )
        lines.append(
            f"| {label} | {loop['n']:,} | {rss[first]:.1f} | {rss[-1]:.1f} | {per} "
            f"| {loop['from']:,}–{i[-1]:,} "
            f"| {loop['tf_functions'][first]} → {loop['tf_functions'][-1]} "
            f"| {loop['gradient_registry'][first]} → "
            f"{loop['gradient_registry'][-1]} |"
        )
    if not result.get("partial_fit_available"):
        lines += ["", "`partial_fit` does not exist at this commit: not measured."]
    lines += ["", f"![RSS against the number of fits]({FIGURE.as_posix()})", ""]
    return "\n".join(lines)


def plot(record: dict, path: Path) -> Path:
    """RSS against iterations: fits on the left, single predictions on the right."""
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
            f"{slope:+.3f} MB/fit"
            if unit == "fit"
            else f"{slope * 10_000:+.3f} MB/10k calls"
        )
        ax.plot(loop["i"], loop["rss_mb"], style, marker=".", label=f"{label}: {rate}")
    ax_fit.set(
        xlabel="number of fits",
        ylabel="resident memory (MB)",
        title="Successive fits in one process",
    )
    ax_pred.set(
        xlabel="number of single-sample predictions",
        ylabel="resident memory (MB)",
        title="Prediction in one process",
    )
    for ax in (ax_fit, ax_pred):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
