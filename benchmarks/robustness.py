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
import hashlib
import io
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import REPO, RunConfig, git_commit, loadavg

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

#: The Debian packages of handwriting-style fonts the benchmark installs
#: (``.ci/run`` and ``benchmarks/README.md`` install the same list).
HANDWRITING_PACKAGES = (
    "fonts-breip",
    "fonts-bwht",
    "fonts-comic-neue",
    "fonts-dancingscript",
    "fonts-dkg-handwriting",
    "fonts-ecolier-court",
    "fonts-femkeklaver",
    "fonts-humor-sans",
    "fonts-kaushanscript",
    "fonts-kristi",
    "fonts-rufscript",
    "fonts-sjfonts",
    "fonts-tomsontalks",
)
#: Font families of those packages: a font is "handwriting" if its family is
#: one of these, "printed" otherwise.
HANDWRITING_FAMILIES = frozenset(
    {
        "Because We Build",
        "Because We Connect",
        "Because We Create",
        "Because We Learn",
        "Because We Mentor",
        "Because We Organize",
        "Breip",
        "Comic Neue",
        "Dancing Script",
        "Delphine",
        "DkgHandwriting",
        "Ecolier_court",
        "femkeklaver",
        "Humor Sans",
        "Kaushan Script",
        "Kristi",
        "Rufscript",
        "Steve",
        "Tomson Talks",
    }
)
#: Letters for the "not a digit" conditions: those that do not look like a
#: digit in common fonts (no O, o, D, Q, I, l, i, J, j, Z, z, S, s, b, G, B,
#: g, q, T).
LETTERS = "ACEFHKLMNPRUVWXYacdefhkmnprtuvwxy"

#: Thresholds of the top-probability columns.
SURE_LEVELS = (0.9, 0.5)
#: Thresholds of the error-reject curve: an answer is rejected ("not sure")
#: when its top probability is below one (a refused picture always is).
REJECT_THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999)


# -- models ---------------------------------------------------------------------


@dataclass(frozen=True)
class ModelEntry:
    """One model the question evaluates.

    ``make(train)`` returns a fitted model whose ``predict_proba`` takes
    (n, 28, 28) uint8 images (a ``Pipeline`` of ``PixelScaler`` and
    ``DenseDigitClassifier``, or a loaded model file). ``train`` is the
    training data the entry asks for: ``"run"`` (the run's ``--data``),
    ``"sample"`` (the bundled sample) or None (a ready model, trains nothing).
    ``unsure(proba)``, if given, returns a boolean mask of the answers the
    model would call "not sure". ``prepare`` turns a user's image into the
    model's 28x28 input (default :func:`skdigits.image_io.prepare_digit`).
    """

    label: str
    make: Callable[[Any], Any]
    train: str | None = "run"
    unsure: Callable[[np.ndarray], np.ndarray] | None = None
    prepare: Callable[[np.ndarray], np.ndarray] | None = None
    params: dict = field(default_factory=dict)


def pipeline_model(
    params: dict, seed: int = 0, deskew: bool = False
) -> Callable[[Any], Any]:
    """``make`` for ``make_digit_pipeline(DenseDigitClassifier(**params),
    deskew=deskew)``, fitted with ``random_state=seed`` on the data given to it."""

    def make(train):
        from skdigits import DenseDigitClassifier, make_digit_pipeline

        model = make_digit_pipeline(
            DenseDigitClassifier(**params, random_state=seed), deskew=deskew
        )
        return model.fit(train.X, train.y)

    return make


def recipe_model(name: str, seed: int = 0, deskew: bool | None = None) -> ModelEntry:
    """An entry for ``DenseDigitClassifier(**RECIPES[name])`` on the run's data,
    after a :class:`~skdigits.Deskew` step if ``deskew`` (None: if the recipe
    is one of ``DESKEWED_RECIPES``)."""
    from skdigits.augmentation import DESKEWED_RECIPES, RECIPES

    if deskew is None:
        deskew = name in DESKEWED_RECIPES
    params = dict(RECIPES[name])
    label = f'`RECIPES["{name}"]`' + (" after `Deskew`" if deskew else "")
    return ModelEntry(
        label=f"{label}, seed {seed}",
        make=pipeline_model(params, seed, deskew),
        # only a deskewed entry names it, so earlier cache keys still match
        params={**params, "random_state": seed} | ({"deskew": True} if deskew else {}),
    )


def file_model(path: str | os.PathLike[str], label: str) -> ModelEntry:
    """An entry for a saved model file (``skdigits.save_model``): trains nothing."""

    def make(_):
        from skdigits import load_model

        return load_model(path)

    return ModelEntry(
        label=label, make=make, train=None, params={"file": Path(path).name}
    )


def shipped_model() -> ModelEntry:
    """The model the package ships (``skdigits.load_pretrained()``), with its
    calibrated "not sure" rule: unsure below the threshold in its file."""
    from skdigits._prediction.pretrained import PRETRAINED_FILE
    from skdigits.pretrained import load_pretrained

    below = load_pretrained().unsure_below
    entry = file_model(PRETRAINED_FILE, "shipped model (`skdigits.load_pretrained()`)")
    return dataclasses.replace(
        entry,
        unsure=lambda proba: proba.max(axis=1) < below,
        params={**entry.params, "unsure_below": below},
    )


def error_reject(proba, accepted, labels=None) -> dict:
    """For each of :data:`REJECT_THRESHOLDS`: how many pictures are kept (not
    refused, top probability at or above it) and, for digits, how many of
    those are misread. Counts, so that conditions can be pooled."""
    top = np.zeros(len(accepted))
    top[accepted] = proba.max(axis=1)
    wrong = None
    if labels is not None:
        predicted = np.full(len(accepted), -1)
        predicted[accepted] = proba.argmax(axis=1)
        wrong = predicted != labels
    out = {"thresholds": list(REJECT_THRESHOLDS), "kept": [], "errors": []}
    for threshold in REJECT_THRESHOLDS:
        kept = accepted & (top >= threshold)
        out["kept"].append(int(kept.sum()))
        out["errors"].append(None if wrong is None else int((kept & wrong).sum()))
    return out


#: Models of one recipe over several seeds, named in :func:`default_models`:
#: issue 21's targets for the robust recipe hold over all of its seeds.
RECIPE_SEEDS: dict[str, dict[int, str]] = {
    "robust": {0: "robust", 1: "robust-seed1", 2: "robust-seed2"},
}


def default_models() -> dict[str, ModelEntry]:
    """The models of the published run. Add a recipe with
    ``models["robust"] = recipe_model("robust")`` and a shipped model with
    ``file_model(path, "shipped model")``."""
    return {
        "serve-default": ModelEntry(
            label="`skdigits train` on the bundled sample (what `serve` used by "
            "default before the shipped model)",
            make=pipeline_model({}, seed=0),
            train="sample",
            params={"random_state": 0},
        ),
        "default": ModelEntry(
            label="`DenseDigitClassifier()`, seed 0",
            make=pipeline_model({}, seed=0),
            params={"random_state": 0},
        ),
        "mnist-5min": recipe_model("mnist-5min", seed=0),
        **{
            name: recipe_model(recipe, seed=seed)
            for recipe, names in RECIPE_SEEDS.items()
            for seed, name in names.items()
        },
        "shipped": shipped_model(),
    }


def seed_summary(names: dict[int, str], notes: dict, rows: dict, conditions) -> dict:
    """One recipe over its seeds (``{seed: model name}``): MNIST accuracy per
    seed and its mean, each seed's worst condition and printed fonts, and the
    slowest fit, the figures issue 21's targets are stated in."""
    reference = next(c for c, v in conditions.items() if v["group"] == "reference")
    per_seed = {
        seed: {
            "model": name,
            "mnist": rows[name][reference]["accuracy"],
            "worst": notes[name]["worst"],
            "printed_fonts": rows[name].get("printed fonts", {}).get("accuracy"),
            "fit_seconds": notes[name].get("fit_seconds"),
        }
        for seed, name in names.items()
    }
    printed = [v["printed_fonts"] for v in per_seed.values()]
    fits = [v["fit_seconds"] for v in per_seed.values()]
    return {
        "reference_condition": reference,
        "seeds": per_seed,
        "mnist_mean": float(np.mean([v["mnist"] for v in per_seed.values()])),
        "worst_min": min(v["worst"]["accuracy"] for v in per_seed.values()),
        "printed_fonts_min": None if None in printed else min(printed),
        "max_fit_seconds": None if None in fits else max(fits),
    }


def _quick(entry: ModelEntry) -> ModelEntry:
    """Two epochs instead of the entry's own: a smoke test."""
    if entry.train is None:
        return entry
    params = {
        k: v for k, v in entry.params.items() if k not in ("random_state", "deskew")
    }
    seed = entry.params.get("random_state", 0)
    return ModelEntry(
        label=entry.label,
        make=pipeline_model(
            {**params, "epochs": 2}, seed, entry.params.get("deskew", False)
        ),
        train="run",  # the quick run never reads the bundled sample
        unsure=entry.unsure,
        prepare=entry.prepare,
        params={**entry.params, "epochs": 2},
    )


def _data_checksum(X: np.ndarray, y: np.ndarray) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(X).tobytes())
    digest.update(np.ascontiguousarray(y).tobytes())
    return digest.hexdigest()[:16]


def fitted_model(name: str, entry: ModelEntry, train) -> tuple[Any, dict]:
    """The entry's fitted model and how it was obtained.

    With ``SKDIGITS_BENCH_MODEL_CACHE`` set, a model fitted earlier on the same
    data with the same parameters and skdigits version is loaded instead of
    fitted again, and the note says when and at which commit it was fitted.
    """
    from skdigits import __version__, load_model, save_model

    note: dict = {"label": entry.label, "params": entry.params, "train": entry.train}
    if entry.train is None:
        t0 = time.perf_counter()
        model = entry.make(None)
        note.update(how="loaded", load_seconds=time.perf_counter() - t0)
        return model, note
    note.update(n_train=len(train.y), data=train.source, data_sha256=train.checksum)
    cache = os.environ.get("SKDIGITS_BENCH_MODEL_CACHE")
    key = hashlib.sha256(
        json.dumps(
            [name, entry.params, train.checksum, __version__],
            sort_keys=True,
            default=repr,  # a RandomDistortion in a recipe: its repr
        ).encode()
    ).hexdigest()[:16]
    if cache:
        path = Path(cache) / f"{name}-{key}.skdigits"
        meta = path.with_suffix(".json")
        if path.exists() and meta.exists():
            note.update(how="cached", **json.loads(meta.read_text()))
            return load_model(path), note
    commit, started = git_commit(), time.gmtime()
    t0 = time.perf_counter()
    model = entry.make(train)
    fitted = {
        "fit_seconds": time.perf_counter() - t0,
        "fitted_at_commit": commit,
        "fitted_on": time.strftime("%Y-%m-%d %H:%M UTC", started),
        "loadavg_after_fit": loadavg(),
    }
    note.update(how="fitted in this run", **fitted)
    if cache:
        Path(cache).mkdir(parents=True, exist_ok=True)
        save_model(model, path)
        meta.write_text(json.dumps(fitted))
    return model, note


# -- the user's picture of an MNIST digit --------------------------------------

#: MNIST digits are drawn 4x larger before a shift, as a scan or photo would
#: hold them; the strokes are then 8-12 pixels wide.
UPSCALE = 4
PAPER, INK = 245.0, 25.0


def _resize(a: np.ndarray, shape: tuple[int, int], resample: str = "BICUBIC"):
    """Float image resized with Pillow (``shape`` is (rows, columns))."""
    from PIL import Image

    image = Image.fromarray(a.astype(np.float32), mode="F")
    method = getattr(Image.Resampling, resample)
    return np.asarray(image.resize((shape[1], shape[0]), method), dtype=np.float32)


def ink_of(digit: np.ndarray) -> np.ndarray:
    """A 28x28 MNIST digit as an ink map in [0, 1], ``UPSCALE`` times larger."""
    side = 28 * UPSCALE
    return np.clip(_resize(digit.astype(np.float32) / 255, (side, side)), 0, 1)


def on_paper(ink: np.ndarray, paper: float | np.ndarray = PAPER, ink_level=INK):
    """Dark ink on light paper, uint8: what a scan of the digit looks like."""
    grey = paper - ink * (paper - ink_level)
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)


def _disk(radius: float) -> np.ndarray:
    r = int(np.ceil(radius))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return xx**2 + yy**2 <= radius**2 + 1e-9


def thicker(ink, radius):
    from scipy.ndimage import grey_dilation

    return grey_dilation(ink, footprint=_disk(radius))


def thinner(ink, radius):
    from scipy.ndimage import grey_erosion

    return grey_erosion(ink, footprint=_disk(radius))


def blurred(ink, sigma):
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(ink, sigma)


def low_resolution(ink, digit_pixels):
    """The digit scanned so that its height is ``digit_pixels``, then enlarged
    back (bilinear), as a small scan or a thumbnail shown large."""
    rows = np.flatnonzero(ink.max(axis=1) > 0.25)
    height = rows[-1] - rows[0] + 1 if rows.size else ink.shape[0]
    factor = digit_pixels / height
    small = max(2, round(ink.shape[0] * factor))
    tiny = _resize(ink, (small, small), "BOX")
    return np.clip(_resize(tiny, ink.shape, "BILINEAR"), 0, 1)


def _affine(ink, matrix, pad=0.25):
    """Apply a 2x2 matrix about the centre, on a canvas with room around."""
    from scipy.ndimage import affine_transform

    margin = round(ink.shape[0] * pad)
    canvas = np.pad(ink, margin)
    centre = (np.array(canvas.shape) - 1) / 2
    inverse = np.linalg.inv(matrix)
    offset = centre - inverse @ centre
    return np.clip(affine_transform(canvas, inverse, offset=offset, order=1), 0, 1)


def rotated(ink, degrees):
    t = np.deg2rad(degrees)
    # (row, column) coordinates: positive degrees turn the digit anticlockwise.
    return _affine(ink, np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]]))


def slanted(ink, shear):
    """Italic slant: the top moves right by ``shear`` times the height."""
    return _affine(ink, np.array([[1.0, 0.0], [-shear, 1.0]]))


def on_page(ink, rng, height_range, page=(300, 400)):
    """The digit scaled to a height in ``height_range`` (pixels), anywhere on
    a ``page`` (rows, columns) of paper."""
    height = rng.uniform(*height_range)
    side = max(4, round(ink.shape[0] * height / (20 * UPSCALE)))
    digit = np.clip(_resize(ink, (side, side)), 0, 1)
    canvas = np.zeros(page, dtype=np.float32)
    side = min(side, *page)
    r = rng.integers(0, page[0] - side + 1)
    c = rng.integers(0, page[1] - side + 1)
    canvas[r : r + side, c : c + side] = digit[:side, :side]
    return canvas


def uneven_light(shape, rng, low=110.0, high=250.0):
    """Paper lit from one side: brightness falls linearly across the page in a
    random direction, from ``high`` to ``low``."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    along = np.cos(angle) * rows / shape[0] + np.sin(angle) * cols / shape[1]
    along = (along - along.min()) / (np.ptp(along) or 1)
    return high - (high - low) * along


def jpeg(grey: np.ndarray, quality: int) -> np.ndarray:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))


def noisy(grey: np.ndarray, rng, sigma: float) -> np.ndarray:
    out = grey + rng.normal(0, sigma, grey.shape)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def speckled(grey: np.ndarray, rng, share: float) -> np.ndarray:
    """Salt and pepper: ``share`` of the pixels set to black or white."""
    out = grey.copy()
    hit = rng.random(grey.shape) < share
    out[hit] = rng.choice(np.array([0, 255], dtype=np.uint8), size=int(hit.sum()))
    return out


def _signed(rng, magnitude):
    return magnitude * rng.choice([-1.0, 1.0])


#: name -> (what, severity, function(ink, rng) -> uint8 picture). The MNIST
#: stroke is 2-3 pixels wide at 28x28; radii and sigmas below are in pixels
#: of the 4x picture (4 = one MNIST pixel).
MNIST_SHIFTS: dict[str, tuple[str, str, Callable]] = {
    "clean picture": ("no shift: the digit as a 4x scan", "", lambda i, r: on_paper(i)),
    "thicker +2 px": (
        "strokes 2 MNIST pixels wider (grey dilation)",
        "radius 4",
        lambda i, r: on_paper(thicker(i, 4)),
    ),
    "thicker +4 px": (
        "strokes 4 MNIST pixels wider (grey dilation)",
        "radius 8",
        lambda i, r: on_paper(thicker(i, 8)),
    ),
    "thinner -1 px": (
        "strokes 1 MNIST pixel thinner (grey erosion)",
        "radius 2",
        lambda i, r: on_paper(thinner(i, 2)),
    ),
    "thinner -1.5 px": (
        "strokes 1.5 MNIST pixels thinner (grey erosion)",
        "radius 3",
        lambda i, r: on_paper(thinner(i, 3)),
    ),
    "blur 1 px": (
        "Gaussian blur, sigma 1 MNIST pixel",
        "sigma 4",
        lambda i, r: on_paper(blurred(i, 4)),
    ),
    "blur 2 px": (
        "Gaussian blur, sigma 2 MNIST pixels",
        "sigma 8",
        lambda i, r: on_paper(blurred(i, 8)),
    ),
    "low resolution 14 px": (
        "digit 14 pixels tall, enlarged back (bilinear)",
        "14 px",
        lambda i, r: on_paper(low_resolution(i, 14)),
    ),
    "low resolution 10 px": (
        "digit 10 pixels tall, enlarged back",
        "10 px",
        lambda i, r: on_paper(low_resolution(i, 10)),
    ),
    "low resolution 8 px": (
        "digit 8 pixels tall (8x8, as scikit-learn's digits), enlarged back",
        "8 px",
        lambda i, r: on_paper(low_resolution(i, 8)),
    ),
    "rotated 15°": (
        "rotated 15 degrees, either way",
        "15°",
        lambda i, r: on_paper(rotated(i, _signed(r, 15))),
    ),
    "rotated 30°": (
        "rotated 30 degrees, either way",
        "30°",
        lambda i, r: on_paper(rotated(i, _signed(r, 30))),
    ),
    "slant 0.3": (
        "sheared: top moved sideways by 0.3 x height (17°), either way",
        "0.3",
        lambda i, r: on_paper(slanted(i, _signed(r, 0.3))),
    ),
    "slant 0.6": (
        "sheared: top moved sideways by 0.6 x height (31°), either way",
        "0.6",
        lambda i, r: on_paper(slanted(i, _signed(r, 0.6))),
    ),
    "small, anywhere on a page": (
        "digit 16-40 px tall anywhere on a 400x300 page",
        "16-40 px",
        lambda i, r: on_paper(on_page(i, r, (16, 40))),
    ),
    "large, anywhere on a page": (
        "digit 120-280 px tall anywhere on a 400x300 page",
        "120-280 px",
        lambda i, r: on_paper(on_page(i, r, (120, 280))),
    ),
    "light ink on grey paper": (
        "paper 170-200, ink 40-60 lighter (contrast 40-60 of 255)",
        "contrast 40-60",
        lambda i, r: on_paper(
            i, paper := r.uniform(170, 200), paper - r.uniform(40, 60)
        ),
    ),
    "faint pencil": (
        "paper 215-235, ink 20-30 lighter",
        "contrast 20-30",
        lambda i, r: on_paper(
            i, paper := r.uniform(215, 235), paper - r.uniform(20, 30)
        ),
    ),
    "uneven lighting, mild": (
        "paper from 250 down to 200 across the picture, ink 60 % darker",
        "250 to 200",
        lambda i, r: on_paper(
            i, light := uneven_light(i.shape, r, low=200), 0.4 * light
        ),
    ),
    "uneven lighting, strong": (
        "paper from 250 down to 110 across the picture (a shadow), ink 60 % darker",
        "250 to 110",
        lambda i, r: on_paper(i, light := uneven_light(i.shape, r), 0.4 * light),
    ),
    "JPEG quality 20": (
        "saved as JPEG, quality 20",
        "q 20",
        lambda i, r: jpeg(on_paper(i), 20),
    ),
    "JPEG quality 5": (
        "saved as JPEG, quality 5",
        "q 5",
        lambda i, r: jpeg(on_paper(i), 5),
    ),
    "noise sigma 25": (
        "Gaussian noise, sigma 25 of 255",
        "25",
        lambda i, r: noisy(on_paper(i), r, 25),
    ),
    "noise sigma 50": (
        "Gaussian noise, sigma 50 of 255",
        "50",
        lambda i, r: noisy(on_paper(i), r, 50),
    ),
    "salt and pepper 2 %": (
        "2 % of the pixels black or white",
        "2 %",
        lambda i, r: speckled(on_paper(i), r, 0.02),
    ),
}


def mnist_pictures(name: str, digits: np.ndarray, seed: int) -> list[np.ndarray]:
    """The user's pictures of ``digits`` under the shift ``name``, seeded."""
    transform = MNIST_SHIFTS[name][2]
    rng = np.random.default_rng([seed, list(MNIST_SHIFTS).index(name)])
    return [transform(ink_of(d), rng) for d in digits]


# -- fonts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Font:
    family: str
    style: str
    file: str
    index: int = 0

    @property
    def name(self) -> str:
        return f"{self.family} {self.style}".strip()

    @property
    def handwriting(self) -> bool:
        return self.family in HANDWRITING_FAMILIES


def installed_fonts() -> tuple[list[Font], str | None]:
    """Every scalable font fontconfig knows (one per family and style), or
    why there are none."""
    if shutil.which("fc-list") is None:
        return [], "fc-list (fontconfig) is not installed"
    out = subprocess.run(
        ["fc-list", "--format", "%{family[0]}\t%{style[0]}\t%{index}\t%{file}\n"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    fonts: dict[tuple[str, str], Font] = {}
    for line in sorted(out.splitlines()):
        parts = line.split("\t")
        if len(parts) != 4 or not parts[3].lower().endswith((".ttf", ".otf", ".ttc")):
            continue
        family, style, index, file = parts
        font = Font(family, style, file, int(index or 0))
        fonts.setdefault((family, style), font)
    found = [f for f in fonts.values() if _has_digits(f)]
    return sorted(found, key=lambda f: f.name), None if found else "no fonts found"


def _glyph(font, text: str) -> np.ndarray:
    from PIL import Image, ImageDraw

    image = Image.new("L", (96, 96), 0)
    ImageDraw.Draw(image).text((48, 48), text, fill=255, font=font, anchor="mm")
    return np.asarray(image)


def _pil_font(font: Font, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(font.file, size=size, index=font.index)


def _has_digits(font: Font) -> bool:
    """The font draws ten different digits, none the missing-glyph box."""
    try:
        pil = _pil_font(font, 64)
    except OSError:
        return False
    glyphs = [_glyph(pil, str(d)) for d in range(10)]
    missing = _glyph(pil, "\ue000")  # a private-use code point: no glyph
    distinct = {g.tobytes() for g in glyphs}
    return (
        len(distinct) == 10
        and all(g.any() for g in glyphs)
        and not any(np.array_equal(g, missing) for g in glyphs)
    )


def font_picture(font: Font, text: str, rng) -> np.ndarray:
    """``text`` in ``font``, dark on light, its size, position and stroke
    varied a little (seeded)."""
    from PIL import Image, ImageDraw

    size = int(rng.integers(60, 110))
    stroke = int(rng.choice([0, 0, 1, 2]))
    image = Image.new("L", (160, 160), int(PAPER))
    centre = (80 + rng.integers(-15, 16), 80 + rng.integers(-15, 16))
    ImageDraw.Draw(image).text(
        centre,
        text,
        fill=int(INK),
        font=_pil_font(font, size),
        anchor="mm",
        stroke_width=stroke,
        stroke_fill=int(INK),
    )
    return np.asarray(image)


def font_digits(fonts: list[Font], variants: int, seed: int):
    """Pictures and labels of every digit in every font, ``variants`` each."""
    pictures, labels, names = [], [], []
    for i, font in enumerate(fonts):
        rng = np.random.default_rng([seed, 1000 + i])
        for digit in range(10):
            for _ in range(variants):
                pictures.append(font_picture(font, str(digit), rng))
                labels.append(digit)
                names.append(font.name)
    return pictures, np.array(labels), names


# -- not digits -----------------------------------------------------------------


def letter_pictures(fonts: list[Font], n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng([seed, 2])
    return [
        font_picture(fonts[rng.integers(len(fonts))], rng.choice(list(LETTERS)), rng)
        for _ in range(n)
    ]


def scribble(rng, side: int = 200) -> np.ndarray:
    """One to three random smooth strokes, as a restless hand would make."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (side, side), int(PAPER))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(1, 4)):
        point = rng.uniform(0.2, 0.8, 2) * side
        angle = rng.uniform(0, 2 * np.pi)
        turn = rng.normal(0, 0.5)
        points = [tuple(point)]
        for _ in range(rng.integers(4, 25)):
            turn += rng.normal(0, 0.4)
            angle += turn * 0.5
            point = np.clip(
                point + side * 0.06 * np.array([np.cos(angle), np.sin(angle)]),
                5,
                side - 5,
            )
            points.append(tuple(point))
        width = int(rng.integers(4, 16))
        draw.line(points, fill=int(INK), width=width, joint="curve")
    return np.asarray(image)


def blank_picture(rng, side: int = 200) -> np.ndarray:
    """An empty or nearly empty canvas: white, paper with noise, a dot, a
    faint smudge, or unevenly lit paper."""
    kind = rng.integers(5)
    paper = np.full((side, side), PAPER, dtype=np.float32)
    if kind == 1:
        paper = paper + rng.normal(0, 4, paper.shape)
    elif kind == 2:
        r, c = rng.integers(20, side - 20, 2)
        paper[r : r + rng.integers(2, 6), c : c + rng.integers(2, 6)] = INK
    elif kind == 3:
        rows, cols = np.mgrid[0:side, 0:side]
        r, c = rng.uniform(0.3, 0.7, 2) * side
        blob = np.exp(-((rows - r) ** 2 + (cols - c) ** 2) / (2 * (side / 8) ** 2))
        paper = paper - rng.uniform(15, 40) * blob
    elif kind == 4:
        paper = uneven_light(paper.shape, rng, low=150, high=250)
    return np.clip(np.rint(paper), 0, 255).astype(np.uint8)


def not_digit_pictures(kind: str, fonts: list[Font], n: int, seed: int):
    if kind == "letters":
        return letter_pictures(fonts, n, seed)
    rng = np.random.default_rng([seed, 3 if kind == "scribbles" else 4])
    make = scribble if kind == "scribbles" else blank_picture
    return [make(rng) for _ in range(n)]


# -- evaluating -----------------------------------------------------------------


def prepared(pictures, prepare) -> tuple[np.ndarray, np.ndarray]:
    """The model inputs of ``pictures`` and which ones preparation accepted
    (it refuses a picture without a digit, as ``skdigits predict`` does)."""
    from skdigits.image_io import ImageReadError

    images = np.zeros((len(pictures), 28, 28), dtype=np.uint8)
    accepted = np.zeros(len(pictures), dtype=bool)
    for i, picture in enumerate(pictures):
        try:
            images[i] = prepare(picture)
            accepted[i] = True
        except ImageReadError:
            pass
    return images, accepted


def score(proba, accepted, labels=None, unsure=None) -> dict:
    """One model on one condition: accuracy (a refused picture counts as
    wrong), top probabilities, and the "not sure" rule's effect if any."""
    n = len(accepted)
    top = np.zeros(n)
    top[accepted] = proba.max(axis=1)
    out = {
        "n": n,
        "refused": int((~accepted).sum()),
        "mean_top_probability": float(top[accepted].mean()) if accepted.any() else None,
    }
    for level in SURE_LEVELS:
        out[f"share_top_at_least_{level}"] = float((top >= level).mean())
    if labels is not None:
        predicted = np.full(n, -1)
        predicted[accepted] = proba.argmax(axis=1)
        right = predicted == labels
        out["accuracy"] = float(right.mean())
        wrong = ~right & accepted
        pairs, counts = np.unique(
            np.stack([labels[wrong], predicted[wrong]], axis=1),
            axis=0,
            return_counts=True,
        )
        order = np.argsort(-counts, kind="stable")[:5]
        out["top_confusions"] = [
            {
                "true": int(pairs[k][0]),
                "read": int(pairs[k][1]),
                "count": int(counts[k]),
            }
            for k in order
        ]
    out["error_reject"] = error_reject(proba, accepted, labels)
    if unsure is not None:
        flagged = np.ones(n, dtype=bool)
        flagged[accepted] = unsure(proba)
        out["share_unsure"] = float(flagged.mean())
        if labels is not None:
            kept = ~flagged
            out["accuracy_when_sure"] = (
                float(right[kept].mean()) if kept.any() else None
            )
    return out


def evaluate(models: dict, conditions: dict) -> dict:
    """Every model on every condition: ``conditions[name]`` holds
    ``pictures`` and ``labels`` (None for pictures that are not digits)."""
    out: dict = {}
    for model_name, (model, entry) in models.items():
        prepare = entry.prepare or _prepare_digit()
        rows = {}
        for name, condition in conditions.items():
            key = id(prepare)
            cache = condition.setdefault("_prepared", {})
            if key not in cache:
                cache[key] = prepared(condition["pictures"], prepare)
            images, accepted = cache[key]
            proba = (
                model.predict_proba(images[accepted])
                if accepted.any()
                else np.zeros((0, 10))
            )
            rows[name] = score(proba, accepted, condition["labels"], entry.unsure)
        out[model_name] = rows
    return out


def _prepare_digit():
    from skdigits.image_io import prepare_digit

    return prepare_digit


def worst(rows: dict, conditions: dict) -> dict:
    digit_rows = {
        name: r["accuracy"]
        for name, r in rows.items()
        if "accuracy" in r and conditions[name]["group"] != "reference"
    }
    name = min(digit_rows, key=digit_rows.get)
    return {"condition": name, "accuracy": digit_rows[name]}


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
        return SimpleNamespace(X=X, y=y, source=source, checksum=_data_checksum(X, y))

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


def per_item_accuracy(rows_source: dict, model, entry) -> dict:
    """Accuracy per font (or per drawing style) of one model."""
    out = {}
    for name, condition in rows_source.items():
        if "per_item" not in condition:
            continue
        images, accepted = next(iter(condition["_prepared"].values()))
        predicted = np.full(len(accepted), -1)
        if accepted.any():
            predicted[accepted] = model.predict_proba(images[accepted]).argmax(axis=1)
        right = predicted == condition["labels"]
        items = np.array(condition["per_item"])
        out[name] = {
            str(item): float(right[items == item].mean()) for item in np.unique(items)
        }
    return out


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
        entries = {name: _quick(e) for name, e in entries.items()}
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
        from benchmarks.render.robustness import ERROR_REJECT_FIGURE, plot_error_reject

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
