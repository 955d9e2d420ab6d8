"""Markdown for the ``continued_training`` question (issue 12)."""

from __future__ import annotations

import statistics

from benchmarks.render._markdown import pct


def _mean_sd(values: list[float]) -> str:
    if len(values) < 2:
        return pct(values[0])
    return f"{pct(statistics.mean(values))} ± {100 * statistics.stdev(values):.2f}"


def _mean_gap(rows: list[dict], a: str, b: str) -> float:
    """Mean of ``a`` minus mean of ``b``, in percentage points."""
    return 100 * (
        statistics.mean(r[a] for r in rows) - statistics.mean(r[b] for r in rows)
    )


def render(record: dict) -> str:
    """The section's Markdown from a stored record (``save_result``'s JSON)."""
    r = record["result"]
    e, p = r["epochs_per_warm_fit"], r["partial_fit_passes"]
    warm, stream = r["warm_start"], r["partial_fit"]
    lines = [
        "## Continued training: warm_start, partial_fit, halving searches",
        "",
        f"Data: {r['data']} ({r['n_train']:,} training, {r['n_test']:,} test "
        f"images); default network; test accuracy per seed, then mean ± sample "
        f"standard deviation over the {len(warm)} seeds.",
        "",
        f"### Two warm fits of {e} epochs against one fit of {2 * e}",
        "",
        f"`fit` twice with `warm_start=True` ({e} + {e} epochs, each a new "
        f"warm-up + cosine cycle, Adam's state kept), one `fit` of {2 * e} "
        f"epochs, and a fit of {e} epochs from scratch (the first warm fit; a "
        "second fit from scratch with the same `random_state` is bit-identical).",
        "",
        f"| seed | {e} + {e} warm | {2 * e} in one fit | {e} from scratch "
        "| warm s | one-fit s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in warm:
        lines.append(
            f"| {row['seed']} | {pct(row['warm_accuracy'])} "
            f"| {pct(row['single_fit_accuracy'])} | {pct(row['fresh_accuracy'])} "
            f"| {row['warm_seconds']:.0f} | {row['single_fit_seconds']:.0f} |"
        )
    lines.append(
        f"| **mean** | {_mean_sd([w['warm_accuracy'] for w in warm])} "
        f"| {_mean_sd([w['single_fit_accuracy'] for w in warm])} "
        f"| {_mean_sd([w['fresh_accuracy'] for w in warm])} | | |"
    )
    gap_single = _mean_gap(warm, "warm_accuracy", "single_fit_accuracy")
    gap_fresh = _mean_gap(warm, "warm_accuracy", "fresh_accuracy")
    lines += [
        "",
        f"Warm minus one fit: {gap_single:+.2f} pp; warm minus from scratch: "
        f"{gap_fresh:+.2f} pp (means).",
    ]
    lines += [
        "",
        f"### partial_fit: {p} passes of {r['chunks_per_pass']} chunks against "
        f"fit({p} epochs)",
        "",
        "Chunks read from a memory-mapped `.npy`; `partial_fit` trains at the "
        "constant `learning_rate`, so the like-for-like `fit` uses "
        '`lr_schedule="constant"`; the cosine column is the default schedule '
        f"for {p} epochs (the first warm fit above).",
        "",
        "| seed | partial_fit | fit, constant rate | fit, cosine | "
        "partial_fit s | fit s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    cosine = {w["seed"]: w["fresh_accuracy"] for w in warm} if e == p else {}
    for row in stream:
        cos = cosine.get(row["seed"])
        lines.append(
            f"| {row['seed']} | {pct(row['partial_fit_accuracy'])} "
            f"| {pct(row['fit_constant_accuracy'])} "
            f"| {pct(cos) if cos is not None else '–'} "
            f"| {row['partial_fit_seconds']:.0f} | {row['fit_constant_seconds']:.0f} |"
        )
    lines.append(
        f"| **mean** | {_mean_sd([s['partial_fit_accuracy'] for s in stream])} "
        f"| {_mean_sd([s['fit_constant_accuracy'] for s in stream])} "
        f"| {_mean_sd(list(cosine.values())) if cosine else '–'} | | |"
    )
    gap = _mean_gap(stream, "partial_fit_accuracy", "fit_constant_accuracy")
    lines += [
        "",
        f"partial_fit (chunks in file order every pass) minus fit at the "
        f"constant rate: {gap:+.2f} pp (means).",
    ]
    shuffled = [s for s in stream if "partial_fit_shuffled_accuracy" in s]
    if shuffled:
        values = [s["partial_fit_shuffled_accuracy"] for s in shuffled]
        gap = _mean_gap(
            shuffled, "partial_fit_shuffled_accuracy", "fit_constant_accuracy"
        )
        lines += [
            "",
            "partial_fit with the chunks in a new order every pass (as fit "
            f"reshuffles every epoch), same constant rate: {_mean_sd(values)} "
            f"({', '.join(pct(v) for v in values)}), {gap:+.2f} pp against fit.",
        ]
    if "rerun" in r:
        lines += [
            "",
            f"The partial_fit rows were re-run at {r['rerun']['commit']} "
            f"({r['rerun']['date']}); the warm-start and search rows are from "
            f"{record.get('machine', {}).get('git', 'the first run')}.",
        ]
    annealed = [s for s in stream if "partial_fit_annealed_accuracy" in s]
    if annealed and cosine:
        values = [s["partial_fit_annealed_accuracy"] for s in annealed]
        gap = 100 * (statistics.mean(values) - statistics.mean(cosine.values()))
        lines += [
            "",
            "partial_fit with a new chunk order each pass and the rate annealed "
            f"between passes (cosine): {_mean_sd(values)}, {gap:+.2f} pp against "
            "fit with the cosine schedule.",
        ]
    h = r["halving"]
    lines += [
        "",
        "### HalvingGridSearchCV against GridSearchCV on the same grid",
        "",
        f"{h['n_candidates']} candidates (`hidden_layer_sizes` × `dropout`), 3-fold, "
        f"on the first {h['n_train']:,} training images, {h['epochs']} epochs at "
        "full resource, `n_jobs=1`, one run each; accuracy of the refitted best "
        "estimator on the test set.",
        "",
        "| search | seconds | time vs grid | resources per round | best | test |",
        "|---|---:|---:|---|---|---:|",
    ]
    for name, row in h["searches"].items():
        rounds = (
            " → ".join(
                f"{c}×{n:,}"
                for c, n in zip(row["n_candidates"], row["n_resources"], strict=True)
            )
            if "n_resources" in row
            else "–"
        )
        best = ", ".join(f"{k}={v}" for k, v in row["best_params"].items())
        lines.append(
            f"| {name} | {row['seconds']:.0f} | {row['time_ratio_to_grid']:.2f} "
            f"| {rounds} | {best} | {pct(row['test_accuracy'])} |"
        )
    lines.append("")
    return "\n".join(lines)
