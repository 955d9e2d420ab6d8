"""A gallery of hard pictures, before and after preparation, with the answer.

For the docs page "Reading your own digits": a few pictures of each hard
condition of :mod:`benchmarks.robustness` (made from MNIST's validation images,
never the test set, by the same seeded generators), each next to what
:func:`skdigits.image_io.prepare_digit` makes of it and the model's answer
(or why preparation refused it). Run it with a model file::

    python -m benchmarks.hard_cases MODEL.skdigits --data PATH_TO_MNIST

and it draws ``docs/_static/robustness/hard_cases.png``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks import _conditions as bench_conditions
from benchmarks import _fonts as bench_fonts
from benchmarks import robustness

#: Where the gallery is drawn (relative to the repository).
HARD_CASES = Path("docs/_static/robustness/hard_cases.png")

#: The rows of the gallery: MNIST shifts by name, then pictures that are
#: not made from MNIST digits.
SHIFTS = (
    "uneven lighting, strong",
    "noise sigma 50",
    "salt and pepper 2 %",
    "blur 2 px",
    "thicker +4 px",
    "slant 0.6",
    "rotated 30°",
)


def _blanks(seed: int, n: int) -> list[np.ndarray]:
    """A smudge, a speck, unevenly lit paper, ...: what the blank check sees."""
    rng = np.random.default_rng([seed, 4])
    return [bench_fonts.blank_picture(rng) for _ in range(n)]


def hard_pictures(
    digits: np.ndarray, labels: np.ndarray, seed: int = 0
) -> list[tuple[str, list[np.ndarray], list[int | None]]]:
    """``(row name, pictures, labels)`` for every row of the gallery."""
    rows = []
    for name in SHIFTS:
        rows.append(
            (name, bench_conditions.mnist_pictures(name, digits, seed), list(labels))
        )
    rows.append(("not a digit", _blanks(seed, len(digits)), [None] * len(digits)))
    return rows


def draw(
    rows,
    model,
    path: Path,
    prepare: Callable[[np.ndarray], np.ndarray] | None = None,
    cell: int = 64,
) -> Path:
    """Draw every picture (left) and its prepared 28x28 (right) with the
    model's answer under it: green when right, red when wrong, grey when
    preparation refused the picture (and why)."""
    from PIL import Image, ImageDraw

    from skdigits.image_io import ImageReadError, prepare_digit

    prepare = prepare or prepare_digit
    label_width, text = 150, 14
    per_row = max(len(pictures) for _, pictures, _ in rows)
    width = label_width + per_row * (2 * cell + 10)
    height = len(rows) * (cell + text + 6)
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    for r, (name, pictures, labels) in enumerate(rows):
        top = r * (cell + text + 6)
        draw.text((4, top + cell // 2 - 6), name, fill="black")
        for k, (picture, label) in enumerate(zip(pictures, labels, strict=True)):
            left = label_width + k * (2 * cell + 10)
            before = Image.fromarray(np.asarray(picture, dtype=np.uint8))
            before.thumbnail((cell, cell))
            sheet.paste(before.convert("RGB"), (left, top))
            try:
                prepared = prepare(picture)
            except ImageReadError as exc:
                message = str(exc)
                why = next(
                    (w for w in ("speck", "smudge", "blank") if w in message), "?"
                )
                blank = (200, 200, 200)
                sheet.paste(blank, (left + cell, top, left + 2 * cell, top + cell))
                draw.text(
                    (left, top + cell + 1), f"refused: {why}", fill=(110, 110, 110)
                )
                continue
            after = Image.fromarray(prepared).resize((cell, cell), Image.NEAREST)
            sheet.paste(after.convert("RGB"), (left + cell, top))
            proba = model.predict_proba(prepared[np.newaxis])[0]
            answer = int(np.argmax(proba))
            colour = (150, 0, 0) if label is None or answer != label else (0, 120, 0)
            draw.text(
                (left, top + cell + 1),
                f"read {answer} ({proba[answer]:.2f})",
                fill=colour,
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)
    return path


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a saved model file (skdigits.save_model)")
    parser.add_argument("--data", required=True, help="the full MNIST folder")
    parser.add_argument("--per-row", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(robustness.REPO / HARD_CASES))
    args = parser.parse_args(argv)

    from skdigits import fetch_mnist, load_model

    X, y, _, _ = fetch_mnist(args.data, download_if_missing=False, return_X_y=True)
    X = np.asarray(X).reshape(-1, 28, 28)[robustness.VALIDATION_START :]
    y = np.asarray(y)[robustness.VALIDATION_START :].astype(int)
    pick = np.random.default_rng(args.seed).choice(len(y), args.per_row, replace=False)
    rows = hard_pictures(X[pick], y[pick], args.seed)
    return draw(rows, load_model(args.model), Path(args.out))


if __name__ == "__main__":
    print(main())
