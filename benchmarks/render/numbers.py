"""RESULTS.md section of ``benchmarks/numbers.py``: reading a number."""

from __future__ import annotations

from benchmarks.render._markdown import loadavg_text, markdown_table, pct


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def set_rows(r: dict) -> list[list[str]]:
    """One row per set: the plain baseline beside the number reader."""
    rows = []
    for name, info in r["sets"].items():
        plain, reader = r["scores"][name]["plain"], r["scores"][name]["reader"]
        rows.append(
            [
                name,
                str(info["n"]),
                f"{pct(plain['exact'])} → **{pct(reader['exact'])}**",
                f"{pct(plain['digit_error'])} → **{pct(reader['digit_error'])}**",
                f"{pct(plain['right_count'])} → {pct(reader['right_count'])}",
                f"{pct(reader['share_unsure'])} / {pct(reader['wrong_when_sure'])}",
                f"{_ms(plain['ms_median'])} → {_ms(reader['ms_median'])}",
            ]
        )
    return rows


def single_rows(r: dict) -> list[list[str]]:
    return [
        [
            name,
            pct(row["predict_digit_accuracy"]),
            pct(row["reader_accuracy"]),
            f"{row['drop_points']:+.2f}",
        ]
        for name, row in r["single_digit_conditions"].items()
    ]


def render(record: dict) -> str:
    r = record["result"]
    h = r["headline"]
    speed = r["six_digit_speed"]
    split = (
        "MNIST test digits"
        if r["split"] == "test"
        else "MNIST validation digits (training images 50,000-59,999)"
    )
    ratio = h["apart_error_over_single"]
    out = [
        "## Reading a number",
        f"`predict_number` (`skdigits/_prediction/numbers.py`) with the shipped "
        f'model (its "not sure" threshold {r["unsure_below"]:g}) on pictures '
        f"of numbers of 2-8 digits made of {split} ({r['source']}, seed "
        f"{r['seed']}) and typed in the installed fonts, beside the plain "
        "baseline a new user would write with the public API (connected "
        "components, those overlapping in x joined, each read as "
        "`predict_digit` reads one). Cells: baseline → reader. Digit error: "
        "edit distance over the true length. Flagged / wrong: the share of "
        'numbers the reader calls "not sure", and the share misread among '
        "the others. ms: CPU milliseconds per number (process time, one BLAS "
        "thread, median).",
        markdown_table(
            [
                "set",
                "numbers",
                "read exactly",
                "digit error",
                "right count of digits",
                "flagged / wrong when sure",
                "ms",
            ],
            set_rows(r),
            "lrrrrrr",
        ),
        "Gaps of 0 px or more: the reader's digit error "
        f"{pct(h['apart_digit_error'])} against {pct(h['apart_single_digit_error'])}"
        " for the same digits read alone, drawn as they were in the numbers"
        + (f" ({ratio:.2f}×)." if ratio is not None else "."),
        *(
            [
                "Numbers written with the pointer on the `skdigits serve` page "
                "(its number mode, `POST /api/number`): the page's reading equals "
                "the function's on the same pad pictures for "
                f"{pct(h['page_equals_function'])} of them."
            ]
            if h.get("page_equals_function") is not None
            else []
        ),
        "### One digit stays one digit",
        "The robustness question's single-digit conditions (a seeded subset "
        "of the digits), read by `predict_digit` and by the number reader "
        "(right only when it reads exactly that one digit):",
        markdown_table(
            ["condition", "predict_digit", "number reader", "drop (points)"],
            single_rows(r),
            "lrrr",
        ),
        "### Work per 6-digit picture",
        f"{speed['n']} pictures of 6 digits (median {speed['width_px']}×"
        f"{speed['height_px']} px), each read {speed.get('repeats', 1)} times: "
        f"{_ms(speed['one_blas_thread']['ms_median'])} ms of CPU time (median; "
        f"p90 {_ms(speed['one_blas_thread']['ms_p90'])}; median of each "
        f"picture's fastest {_ms(speed['one_blas_thread'].get('ms_median_fastest'))})"
        " with one BLAS thread, "
        f"{_ms(speed['default_threads']['ms_median'])} ms with NumPy's default "
        "threads. Load average at the end "
        f"{loadavg_text(r.get('loadavg_end'))}.",
    ]
    if r.get("skipped"):
        out.append(
            "Not measured: "
            + "; ".join(f"{name}: {why}" for name, why in r["skipped"].items())
            + "."
        )
    return "\n\n".join(out)
