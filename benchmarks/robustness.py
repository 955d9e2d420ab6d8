"""Question: how well do the models read digits that do not come from MNIST?

A user's digit reaches a model through the user's path: an image of any size
(a scan, a photo, a drawing) goes through
:func:`skdigits.image_io.prepare_digit`, as ``skdigits predict`` and
``skdigits serve`` do, and the 28x28 result is classified. This question
generates such images, seeded, and reports each model's accuracy per
condition and its worst condition:

* ``mnist``: MNIST test digits turned into a picture of dark ink on light
  paper (4x larger, as a scan would be) under one controlled shift at a time:
  thicker and thinner strokes (grey morphology), blur, low resolution, rotation,
  slant, size and position on a bigger page, light ink on grey paper, uneven
  lighting, JPEG compression and noise, at a few severities;
* ``fonts``: the digits of every font installed (``fc-list``), handwriting
  fonts (the Debian packages of :data:`HANDWRITING_PACKAGES`) and printed
  fonts reported apart, with size, position and stroke varied a little;
* ``browser``: digits drawn with pointer events on the real ``skdigits serve``
  page in headless Chromium (:mod:`benchmarks.drawing`), from hand-made stroke
  templates with varied size, position, slant and stroke width; the page's
  picture of the pad is read back and every model reads it as the server
  would, and the served model's answer on the page is checked against it;
* ``not digits``: letters from the same fonts, random scribbles and blank or
  nearly blank canvases, for an honest "not sure": how often preparation
  refuses them, and how sure the models are about those it does not.

Every condition also reports the models' top probabilities (mean, and the
share at >= 0.9 and >= 0.5), and, for a model with an ``unsure`` rule, how
many it flags and the accuracy on the rest.

The models come from :data:`MODELS`: a name, a label and a function that
returns a fitted model taking (n, 28, 28) uint8 images. Adding a recipe or a
shipped model file is one entry (see :func:`recipe_model` and
:func:`file_model`). Set ``SKDIGITS_BENCH_MODEL_CACHE`` to a folder to keep
the fitted models between runs; the result says when and at which commit a
reused model was fitted.

A full run also draws a few pictures of every condition, before and after
preparation, into ``docs/_static/robustness/conditions.png`` (:data:`GALLERY`),
and the error-reject curves into ``docs/_static/robustness/error_reject.png``.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from benchmarks._conditions import (
    MNIST_SHIFTS,
    mnist_pictures,
)
from benchmarks._fonts import (
    HANDWRITING_PACKAGES,
    LETTERS,
    Font,
    font_digits,
    installed_fonts,
    not_digit_pictures,
)
from benchmarks._models import (
    RECIPE_SEEDS,
    ModelEntry,
    data_checksum,
    default_models,
    fitted_model,
    quick_entry,
)
from benchmarks._scoring import (
    evaluate,
    per_item_accuracy,
    worst,
)
from benchmarks._summaries import model_summary, seed_summary
from benchmarks.common import REPO, RunConfig, loadavg

#: How many MNIST test digits each shift is applied to (seeded subset).
N_MNIST = 2000
N_MNIST_QUICK = 40
#: Renderings of each digit per font (size, position and stroke drawn anew).
FONT_VARIANTS = 3
#: Seeded samples of each "not a digit" kind.
N_NOT_DIGITS = 300
#: Digits drawn in the browser: every template style of every digit, this many
#: times each with a new size, position, slant and stroke.
BROWSER_REPEATS = 3

# -- the data -------------------------------------------------------------------


#: The validation split that recipes and preparation steps are chosen on:
#: models fit on the first 50,000 training images, and the conditions are
#: made from the last 10,000 (never from the test set), with other seeds for
#: the fonts' and drawings' random sizes and positions.
VALIDATION_START = 50_000
VALIDATION_SEED_OFFSET = 1000


def _train_sets(config: RunConfig, entries: dict, split: str = "test") -> dict:
    from types import SimpleNamespace

    from skdigits.datasets import fetch_mnist, load_mnist_sample

    def bunch(arrays, source):
        X, y = np.asarray(arrays[0]), np.asarray(arrays[1]).astype(np.int64)
        X = X.reshape(len(X), 28, 28)
        return SimpleNamespace(X=X, y=y, source=source, checksum=data_checksum(X, y))

    needed = {e.train for e in entries.values()}
    sets = {}
    if config.data == "sample" or "sample" in needed:
        sample = load_mnist_sample(return_X_y=True)
        sets["sample"] = bunch(sample, "bundled sample")
        sets["sample_test"] = sample[2:]
    if config.data == "sample":
        sets["run"], sets["run_test"] = sets["sample"], sets["sample_test"]
    else:
        arrays = fetch_mnist(config.data, download_if_missing=False, return_X_y=True)
        sets["run"] = bunch(arrays, Path(config.data).name)
        sets["run_test"] = arrays[2:]
    if split == "validation":
        X, y = sets["run"].X, sets["run"].y
        cut = VALIDATION_START if len(y) > VALIDATION_START else len(y) * 5 // 6
        sets["run"] = bunch(
            (X[:cut], y[:cut]), f"{sets['run'].source} (training images 0-{cut - 1})"
        )
        sets["run_test"] = (X[cut:], y[cut:])
    return sets


def mnist_test_subset(sets: dict, n: int, seed: int):
    X_test, y_test = sets["run_test"]
    X_test = np.asarray(X_test).reshape(-1, 28, 28)
    rng = np.random.default_rng([seed, 0])
    pick = np.sort(rng.choice(len(X_test), size=min(n, len(X_test)), replace=False))
    return X_test[pick], np.asarray(y_test)[pick].astype(np.int64), X_test, y_test


def build_conditions(
    config: RunConfig, sets: dict, served_model=None, n_mnist: int | None = None
) -> tuple[dict, dict]:
    """Every condition's pictures and labels, and what was skipped and why.

    The drawings on the serve page need ``served_model`` (the page answers
    with it); without one they are skipped."""
    seed = config.seeds[0]
    quick = config.quick
    if n_mnist is None:
        n_mnist = N_MNIST_QUICK if quick else N_MNIST
    digits, labels, X_test, y_test = mnist_test_subset(sets, n_mnist, seed)
    conditions: dict = {
        "MNIST test set (28x28 as is)": {
            "group": "reference",
            "what": "the whole MNIST test set, untouched (prepare_digit passes "
            "it through)",
            "pictures": list(np.asarray(X_test)[: len(digits) if quick else None]),
            "labels": np.asarray(y_test)[: len(digits) if quick else None].astype(
                np.int64
            ),
        }
    }
    for name, (what, severity, _) in MNIST_SHIFTS.items():
        conditions[name] = {
            "group": "mnist",
            "what": what,
            "severity": severity,
            "pictures": mnist_pictures(name, digits, seed),
            "labels": labels,
        }
    skipped = {}
    fonts, why = installed_fonts()
    if fonts:
        if quick:
            # One handwriting and one printed font, if there are both.
            fonts = [
                next(f for f in fonts if f.handwriting == kind)
                for kind in (True, False)
                if any(f.handwriting == kind for f in fonts)
            ]
        pictures, font_labels, names = font_digits(
            fonts, 1 if quick else FONT_VARIANTS, seed
        )
        for kind, hand in (("handwriting fonts", True), ("printed fonts", False)):
            picked = [
                i for i, n in enumerate(names) if _font_of(fonts, n).handwriting == hand
            ]
            if not picked:
                skipped[kind] = (
                    "no handwriting font installed (apt-get install "
                    f"{' '.join(HANDWRITING_PACKAGES)})"
                    if hand
                    else "no printed font installed"
                )
                continue
            used = sorted({names[i] for i in picked})
            conditions[kind] = {
                "group": "fonts",
                "what": f"{len(used)} fonts, {1 if quick else FONT_VARIANTS} "
                "renderings of each digit",
                "fonts": used,
                "pictures": [pictures[i] for i in picked],
                "labels": font_labels[picked],
                "per_item": [names[i] for i in picked],
            }
    else:
        skipped["handwriting fonts"] = skipped["printed fonts"] = why
    from benchmarks import drawing

    if served_model is None:
        browser = {"pictures": [], "skipped": "no model to serve"}
    else:
        browser = drawing.browser_pictures(
            served_model,
            repeats=1 if quick else BROWSER_REPEATS,
            seed=seed,
            digits=(0, 1, 7) if quick else tuple(range(10)),
        )
    if browser["pictures"]:
        conditions["drawn on the serve page"] = {
            "group": "browser",
            "what": browser["what"],
            "pictures": browser["pictures"],
            "labels": np.array(browser["labels"]),
            "either": np.array(browser["either"]),
            "per_item": browser["styles"],
            "page_answers": browser["page_answers"],
        }
    else:
        skipped["drawn on the serve page"] = browser["skipped"]
    n_not = 20 if quick else N_NOT_DIGITS
    for kind, what in (
        ("letters", f"letters {LETTERS} from the installed fonts"),
        ("scribbles", "one to three random smooth strokes"),
        ("blank canvases", "white, noisy, a dot, a faint smudge, unevenly lit"),
    ):
        if kind == "letters" and not fonts:
            skipped[kind] = why
            continue
        conditions[kind] = {
            "group": "not digits",
            "what": what,
            "pictures": not_digit_pictures(kind, fonts, n_not, seed),
            "labels": None,
        }
    return conditions, skipped


def _font_of(fonts: list[Font], name: str) -> Font:
    return next(f for f in fonts if f.name == name)


def measure(
    config: RunConfig,
    models: dict[str, ModelEntry] | None = None,
    *,
    split: str = "test",
) -> dict:
    """The question's result. ``split="validation"`` is for choosing recipes
    and preparation steps: models fit on the training images before
    :data:`VALIDATION_START` and are scored on conditions made from the rest
    (the test set is not read); the published run uses ``split="test"``."""
    if split not in ("test", "validation"):
        raise ValueError(f"split must be 'test' or 'validation', not {split!r}")
    entries = models if models is not None else default_models()
    if config.quick:
        entries = {name: quick_entry(e) for name, e in entries.items()}
    sets = _train_sets(config, entries, split)
    if split == "validation":
        config = dataclasses.replace(
            config, seeds=tuple(s + VALIDATION_SEED_OFFSET for s in config.seeds)
        )
    fitted, notes = {}, {}
    for name, entry in entries.items():
        model, note = fitted_model(
            name, entry, sets.get(entry.train) if entry.train else None
        )
        fitted[name] = (model, entry)
        notes[name] = note
    # The page serves the first model; every model then reads what was drawn.
    served = next(iter(fitted), None)
    t0 = time.perf_counter()
    conditions, skipped = build_conditions(
        config, sets, fitted[served][0] if served else None
    )
    generation_seconds = time.perf_counter() - t0
    if split == "validation":  # the reference rows hold validation images
        reference = conditions.pop("MNIST test set (28x28 as is)")
        reference["what"] = "the validation images, untouched"
        conditions = {"MNIST validation images (28x28 as is)": reference, **conditions}
    rows = evaluate(fitted, conditions)
    if "drawn on the serve page" in conditions:
        drawn = conditions["drawn on the serve page"]
        images, accepted = next(iter(drawn["_prepared"].values()))
        offline = np.full(len(accepted), -1)
        offline[accepted] = fitted[served][0].predict(images[accepted])
        drawn["page_agreement"] = {
            "served_model": served,
            "share_page_equals_offline": float(
                np.mean(offline == np.array(drawn["page_answers"]))
            ),
        }
    if not config.quick and split == "test":  # quick runs leave the repository be
        gallery(conditions, REPO / GALLERY)
    for name, (model, entry) in fitted.items():
        notes[name]["worst"] = worst(rows[name], conditions)
        notes[name]["per_item"] = per_item_accuracy(conditions, model, entry)
        notes[name]["has_unsure_rule"] = entry.unsure is not None
        notes[name]["summary"] = model_summary(rows[name], notes[name], conditions)
    recipe_seeds = {
        recipe: seed_summary(names, notes, rows, conditions)
        for recipe, names in RECIPE_SEEDS.items()
        if all(name in notes for name in names.values())
    }
    result = {
        "source": sets["run"].source,
        "split": split,
        "seed": config.seeds[0],
        "conditions": {
            name: {
                k: v
                for k, v in c.items()
                if k in ("group", "what", "severity", "fonts", "page_agreement")
            }
            | {"n": len(c["pictures"])}
            for name, c in conditions.items()
        },
        "skipped": skipped,
        "models": notes,
        "recipe_seeds": recipe_seeds,
        "scores": rows,
        "generation_seconds": generation_seconds,
        "loadavg_end": loadavg(),
    }
    if not config.quick and split == "test":
        from benchmarks.render._error_reject import (
            ERROR_REJECT_FIGURE,
            plot_error_reject,
        )

        plot_error_reject({"result": result}, REPO / ERROR_REJECT_FIGURE)
    return result


# -- gallery --------------------------------------------------------------------

#: Where a full run draws a few pictures of every condition.
GALLERY = Path("docs/_static/robustness/conditions.png")


def gallery(conditions: dict, path: Path, per_row: int = 6) -> Path:
    """A few pictures of every condition (evenly spaced through it), each
    next to its prepared 28x28 (grey: refused by preparation)."""
    from PIL import Image, ImageDraw

    cell, label_width = 56, 190
    sheet = Image.new(
        "L",
        (label_width + per_row * (2 * cell + 8), cell * len(conditions)),
        255,
    )
    draw = ImageDraw.Draw(sheet)
    for row, (name, condition) in enumerate(conditions.items()):
        draw.text((4, row * cell + cell // 2 - 6), name, fill=0)
        pictures = condition["pictures"]
        images, accepted = next(iter(condition["_prepared"].values()))
        picks = np.linspace(0, len(pictures) - 1, per_row).round().astype(int)
        for k, i in enumerate(picks):
            x = label_width + k * (2 * cell + 8)
            before = Image.fromarray(np.asarray(pictures[i], dtype=np.uint8))
            before.thumbnail((cell, cell))
            sheet.paste(before, (x, row * cell))
            after = (
                Image.fromarray(images[i]).resize((cell, cell))
                if accepted[i]
                else Image.new("L", (cell, cell), 128)
            )
            sheet.paste(after, (x + cell, row * cell))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)
    return path
