"""How the numbers question reads a picture of a number, and scores a set.

Three readers, each ``read(picture) -> (text, not_sure)``:

* :func:`plain_reader`, the baseline: what a new user would write with the
  public API: the picture thresholded halfway between paper and ink,
  connected components (specks under 5 % of the largest dropped), those that
  overlap in x joined, each box cropped and read with ``prepare_digit`` and
  the model, as ``predict_digit`` reads one digit;
* :func:`number_reader`: :func:`skdigits._prediction.numbers.predict_number`;
* :func:`predict_digit_reader`: one digit, as ``predict_digit`` reads it.

:func:`read_all` times each reading (process CPU time, one BLAS thread as the
server runs) and :func:`score` turns a set's readings into its figures.
Not a question itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from benchmarks.common import one_blas_thread


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            )
        previous = current
    return previous[-1]


def plain_reader(model) -> Callable[[np.ndarray], tuple[str, bool]]:
    """The baseline: connected components on the public API (see above)."""
    from scipy import ndimage

    from skdigits.image_io import ImageReadError, prepare_digit

    below = getattr(model, "unsure_below", None) or 0.5
    classes = np.asarray(model.classes_)

    def read(picture: np.ndarray) -> tuple[str, bool]:
        grey = np.asarray(picture, dtype=np.float32)
        if grey.ndim == 3:  # colour: the luma weights, as a user would
            grey = grey[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
        paper = float(np.median(grey))
        ink = grey < (paper + float(grey.min())) / 2
        labels, count = ndimage.label(ink)
        if count == 0:
            return "", True
        areas = np.bincount(labels.ravel())[1:]
        boxes = [
            b
            for b, a in zip(ndimage.find_objects(labels), areas, strict=True)
            if a >= 0.05 * areas.max()
        ]
        boxes.sort(key=lambda b: b[1].start)
        groups: list[list[int]] = []  # [top, bottom, left, right]
        for rows, cols in boxes:
            if groups and cols.start < groups[-1][3]:  # overlaps in x: one digit
                g = groups[-1]
                g[:] = [
                    min(g[0], rows.start),
                    max(g[1], rows.stop),
                    g[2],
                    max(g[3], cols.stop),
                ]
            else:
                groups.append([rows.start, rows.stop, cols.start, cols.stop])
        images = []
        for top, bottom, left, right in groups:
            crop = grey[max(top - 2, 0) : bottom + 2, max(left - 2, 0) : right + 2]
            try:
                images.append(prepare_digit(crop))
            except ImageReadError:
                continue
        if not images:
            return "", True
        proba = np.asarray(model.predict_proba(np.stack(images)))
        text = "".join(str(c) for c in classes[proba.argmax(axis=1)])
        return text, bool((proba.max(axis=1) < below).any())

    return read


def number_reader(model) -> Callable[[np.ndarray], tuple[str, bool]]:
    from skdigits.image_io import ImageReadError
    from skdigits.inference import predict_number

    def read(picture: np.ndarray) -> tuple[str, bool]:
        try:
            answer = predict_number(picture, model)
        except ImageReadError:
            return "", True
        return answer["text"], answer["unsure"]

    return read


def read_all(read, items) -> dict:
    """Every picture read: texts, "not sure" flags and CPU seconds each."""
    texts, unsure, seconds = [], [], []
    with one_blas_thread():
        for item in items:
            t0 = time.process_time()
            text, flag = read(item.picture)
            seconds.append(time.process_time() - t0)
            texts.append(text)
            unsure.append(flag)
    return {"texts": texts, "unsure": unsure, "seconds": seconds}


def score(truths: list[str], read: dict) -> dict:
    """A set's figures from the true texts and what was read."""
    texts, unsure = read["texts"], np.array(read["unsure"], dtype=bool)
    exact = np.array([t == r for t, r in zip(truths, texts, strict=True)])
    errors = sum(edit_distance(t, r) for t, r in zip(truths, texts, strict=True))
    kept = ~unsure
    seconds = np.array(read["seconds"])
    return {
        "n": len(truths),
        "exact": float(exact.mean()),
        "digit_error": errors / sum(len(t) for t in truths),
        "right_count": float(
            np.mean([len(t) == len(r) for t, r in zip(truths, texts, strict=True)])
        ),
        "share_unsure": float(unsure.mean()),
        "wrong_when_sure": float((~exact[kept]).mean()) if kept.any() else None,
        "ms_median": float(np.median(seconds) * 1e3),
        "ms_mean": float(seconds.mean() * 1e3),
        "failures": [
            {"true": t, "read": r}
            for t, r, ok in zip(truths, texts, exact, strict=True)
            if not ok
        ][:10],
    }


def predict_digit_reader(model) -> Callable[[np.ndarray], tuple[str, bool]]:
    """One digit read as ``predict_digit`` reads it (a refused picture reads
    as nothing)."""
    from skdigits.image_io import ImageReadError, prepare_digit

    below = getattr(model, "unsure_below", None) or 0.5
    classes = np.asarray(model.classes_)

    def read(picture: np.ndarray) -> tuple[str, bool]:
        try:
            image = prepare_digit(picture)
        except ImageReadError:
            return "", True
        proba = np.asarray(model.predict_proba(image[np.newaxis]))[0]
        return str(classes[proba.argmax()]), bool(proba.max() < below)

    return read


class Picture:
    """A bare picture with the ``picture`` attribute :func:`read_all` reads."""

    def __init__(self, picture: np.ndarray) -> None:
        self.picture = picture
