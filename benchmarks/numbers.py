"""Question: how well does ``predict_number`` read a number (digits in a row)?

The pictures (:mod:`benchmarks._number_pictures`, seeded): numbers of 2-8
MNIST test digits with gaps from overlapping by 3 pixels to wide, size and
baseline jitter, clean and under the robustness question's photo-like
conditions; and numbers typed in the installed handwriting and printed fonts.
Each set is read by the shipped model two ways:

* ``plain``: what a new user would write with the public API, the baseline:
  the picture thresholded halfway between paper and ink, connected
  components (specks under 5 % of the largest dropped), components that
  overlap in x joined, each box cropped and read with ``prepare_digit`` and
  the model, as ``predict_digit`` reads one digit;
* ``reader``: :func:`skdigits._prediction.numbers.predict_number`.

Per set: the share of numbers read exactly, the digit error rate (edit
distance over the true length), the share with the right count of digits,
the "not sure" rule's trade-off (share flagged, share wrong among the numbers
not flagged) and the CPU milliseconds per number (process time, one BLAS
thread, as the server runs). Also: the digit error of gaps >= 0 against the
same digits read alone; the robustness question's single-digit conditions
read through the number reader, beside ``predict_digit``'s accuracy; the
CPU time of 6-digit pictures. Numbers written on the serve page are not
measured yet (:data:`benchmarks._number_pictures.PAGE_SET`).
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks import _number_pictures as pictures
from benchmarks import robustness
from benchmarks._number_readers import (
    Picture,
    number_reader,
    plain_reader,
    predict_digit_reader,
    read_all,
    score,
)
from benchmarks._page_numbers import page_numbers
from benchmarks.common import RunConfig, loadavg, one_blas_thread

#: Numbers per set (quick: a smoke test).
N_NUMBERS = 600
N_QUICK = 6
#: Numbers written on the page (each a few seconds of pointer actions).
N_PAGE = 60
N_PAGE_QUICK = 2
#: Single digits per robustness condition read through the number reader.
N_SINGLE = 300
N_SINGLE_QUICK = 4
#: The sets of MNIST numbers: name -> (gaps, photo-like condition).
MNIST_SETS = {
    "mnist": (pictures.GAPS_ALL, "clean"),
    "mnist, gaps >= 0": (pictures.GAPS_APART, "clean"),
    "mnist, touching (gaps < 0)": (pictures.GAPS_TOUCHING, "clean"),
    **{
        f"mnist, {name}": (pictures.GAPS_ALL, name)
        for name in pictures.PHOTO_CONDITIONS
        if name != "clean"
    },
}
#: The robustness question's single-digit conditions read both ways.
SINGLE_CONDITIONS = (
    "clean picture",
    "thicker +4 px",
    "thinner -1.5 px",
    "blur 2 px",
    "low resolution 10 px",
    "rotated 30°",
    "slant 0.6",
    "small, anywhere on a page",
    "large, anywhere on a page",
    "faint pencil",
    "uneven lighting, strong",
    "JPEG quality 5",
    "noise sigma 50",
    "salt and pepper 2 %",
)
#: Which images the numbers are made of: the test split for the published
#: run, the last 10,000 training images (the validation split on which the
#: reader was tuned) otherwise.
VALIDATION_START = robustness.VALIDATION_START


def _images(config: RunConfig, split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """The MNIST images the numbers are made of, and what they are."""
    from pathlib import Path

    from skdigits.datasets import fetch_mnist, load_mnist_sample

    if config.data == "sample":
        X_train, y_train, X_test, y_test = load_mnist_sample(return_X_y=True)
        source = "bundled sample"
    else:
        X_train, y_train, X_test, y_test = fetch_mnist(
            config.data, download_if_missing=False, return_X_y=True
        )
        source = Path(config.data).name
    if split == "test":
        return np.asarray(X_test).reshape(-1, 28, 28), np.asarray(y_test), source
    start = VALIDATION_START if len(y_train) > VALIDATION_START else len(y_train) // 2
    X = np.asarray(X_train).reshape(-1, 28, 28)[start:]
    return X, np.asarray(y_train)[start:], f"{source} (training images {start}-)"


def _singles_check(model, X, y, n: int, seed: int) -> dict:
    """The robustness question's single-digit conditions read both ways."""
    from benchmarks._conditions import mnist_pictures

    rng = np.random.default_rng([seed, 0])
    pick = np.sort(rng.choice(len(X), size=min(n, len(X)), replace=False))
    digits, labels = X[pick], [str(int(v)) for v in np.asarray(y)[pick]]
    readers = {
        "predict_digit": predict_digit_reader(model),
        "reader": number_reader(model),
    }
    out = {}
    for name in SINGLE_CONDITIONS:
        items = [Picture(p) for p in mnist_pictures(name, digits, seed)]
        row = {}
        for who, read in readers.items():
            texts = read_all(read, items)["texts"]
            row[f"{who}_accuracy"] = float(
                np.mean([t == truth for t, truth in zip(texts, labels, strict=True)])
            )
        row["drop_points"] = 100 * (
            row["predict_digit_accuracy"] - row["reader_accuracy"]
        )
        out[name] = row
    return out


def _six_digits(model, X, y, n: int, seed: int, repeats: int = 3) -> dict:
    """CPU milliseconds of predict_number on 6-digit pictures, one BLAS thread
    (as the server runs) and with NumPy's default threads. Each picture is
    read ``repeats`` times: the median over pictures of every reading, and
    of each picture's fastest (what other jobs on a shared machine add to
    the CPU time, through caches and a busy core, is left out of the
    latter)."""
    from skdigits.image_io import ImageReadError
    from skdigits.inference import predict_number

    items = pictures.mnist_numbers(X, y, n, [seed, 99], lengths=(6, 6))
    out = {
        "n": len(items),
        "repeats": repeats,
        "height_px": int(np.median([i.picture.shape[0] for i in items])),
        "width_px": int(np.median([i.picture.shape[1] for i in items])),
    }
    for threads in ("one_blas_thread", "default_threads"):
        seconds = np.zeros((len(items), repeats))
        context = one_blas_thread() if threads == "one_blas_thread" else _nothing()
        with context:
            try:
                predict_number(items[0].picture, model)  # warm-up
            except ImageReadError:
                pass
            for r in range(repeats):
                for k, item in enumerate(items):
                    t0 = time.process_time()
                    try:
                        predict_number(item.picture, model)
                    except ImageReadError:
                        pass
                    seconds[k, r] = time.process_time() - t0
        ms = seconds * 1e3
        out[threads] = {
            "ms_median": float(np.median(ms)),
            "ms_p90": float(np.percentile(ms, 90)),
            "ms_mean": float(ms.mean()),
            "ms_median_fastest": float(np.median(ms.min(axis=1))),
        }
    return out


def _nothing():
    from contextlib import nullcontext

    return nullcontext()


def build_sets(X, y, n: int, seed: int, quick: bool, model=None) -> tuple[dict, dict]:
    """Every set's pictures (name -> group, what, items) and what was skipped;
    with ``model``, also the numbers written on the page served with it."""
    sets, skipped = {}, {}
    for k, (name, (gaps, condition)) in enumerate(MNIST_SETS.items()):
        sets[name] = {
            "group": "mnist",
            "what": f"gaps {gaps[0]} to {gaps[1]} MNIST px, {condition}",
            "items": pictures.mnist_numbers(
                X, y, n, [seed, k], gaps, condition, singles=name == "mnist, gaps >= 0"
            ),
        }
    fonts, why = pictures.fonts_by_kind()
    for k, kind in enumerate(("handwriting", "printed")):
        if kind not in fonts:
            skipped[f"{kind} fonts"] = why or f"no {kind} font installed"
            continue
        used = fonts[kind][:1] if quick else fonts[kind]
        sets[f"{kind} fonts"] = {
            "group": "fonts",
            "what": f"{len(used)} fonts, 2-8 random digits",
            "items": pictures.font_numbers(used, n, [seed, 100 + k]),
        }
    page = (
        page_numbers(model, N_PAGE_QUICK if quick else N_PAGE, seed)
        if model is not None
        else {"skipped": "no model to serve"}
    )
    if page.get("skipped"):
        skipped[pictures.PAGE_SET] = page["skipped"]
    else:
        sets[pictures.PAGE_SET] = {
            "group": "page",
            "what": page["what"],
            "items": [
                pictures.NumberPicture(picture, text)
                for picture, text in zip(page["pictures"], page["texts"], strict=True)
            ],
            "page_answers": page["page_answers"],
        }
    return sets, skipped


def measure(config: RunConfig, *, split: str = "test") -> dict:
    """The question's result; ``split="validation"`` makes the numbers of the
    training images after :data:`VALIDATION_START` (what the reader was tuned
    on) instead of the test set."""
    from skdigits.pretrained import load_pretrained

    if split not in ("test", "validation"):
        raise ValueError(f"split must be 'test' or 'validation', not {split!r}")
    model = load_pretrained()
    X, y, source = _images(config, split)
    seed = config.seeds[0] + (
        robustness.VALIDATION_SEED_OFFSET if split != "test" else 0
    )
    n = N_QUICK if config.quick else N_NUMBERS
    t0 = time.perf_counter()
    sets, skipped = build_sets(X, y, n, seed, config.quick, model)
    generation_seconds = time.perf_counter() - t0
    readers = {"plain": plain_reader(model), "reader": number_reader(model)}
    scores = {}
    for name, info in sets.items():
        truths = [item.text for item in info["items"]]
        scores[name] = {
            who: score(truths, read_all(read, info["items"]))
            for who, read in readers.items()
        }
    # Gaps >= 0: the digits read alone, as they were drawn in the numbers.
    apart = sets["mnist, gaps >= 0"]["items"]
    alone = [Picture(p) for item in apart for p in item.singles]
    truths = [ch for item in apart for ch in item.text]
    texts = read_all(predict_digit_reader(model), alone)["texts"]
    single_error = float(np.mean([t != c for t, c in zip(texts, truths, strict=True)]))
    singles = _singles_check(
        model, X, y, N_SINGLE_QUICK if config.quick else N_SINGLE, seed
    )
    speed = _six_digits(
        model, X, y, 5 if config.quick else 100, seed, 1 if config.quick else 3
    )
    reader = {name: rows["reader"] for name, rows in scores.items()}
    apart_error = reader["mnist, gaps >= 0"]["digit_error"]
    headline = {
        "mnist_exact": reader["mnist"]["exact"],
        "mnist_wrong_when_sure": reader["mnist"]["wrong_when_sure"],
        "mnist_share_unsure": reader["mnist"]["share_unsure"],
        "apart_digit_error": apart_error,
        "apart_single_digit_error": single_error,
        "apart_error_over_single": apart_error / single_error if single_error else None,
        "touching_digit_error": reader["mnist, touching (gaps < 0)"]["digit_error"],
        "printed_exact": reader.get("printed fonts", {}).get("exact"),
        "handwriting_exact": reader.get("handwriting fonts", {}).get("exact"),
        "single_digit_worst_drop_points": max(
            r["drop_points"] for r in singles.values()
        ),
        "six_digit_ms": speed["one_blas_thread"]["ms_median"],
        "page_exact": reader.get(pictures.PAGE_SET, {}).get("exact"),
    }
    page = sets.get(pictures.PAGE_SET)
    if page is not None:
        # The page's reading (served, through POST /api/number) against the
        # function's on the same pad pictures: the same reader behind both.
        offline = read_all(readers["reader"], page["items"])["texts"]
        answers = [a["text"] for a in page["page_answers"]]
        headline["page_equals_function"] = float(
            np.mean([a == b for a, b in zip(answers, offline, strict=True)])
        )
    return {
        "source": source,
        "split": split,
        "seed": seed,
        "unsure_below": float(model.unsure_below),
        "sets": {
            name: {
                "group": info["group"],
                "what": info["what"],
                "n": len(info["items"]),
            }
            for name, info in sets.items()
        },
        "skipped": skipped,
        "scores": scores,
        "single_digit_conditions": singles,
        "six_digit_speed": speed,
        "headline": headline,
        "generation_seconds": generation_seconds,
        "loadavg_end": loadavg(),
    }
