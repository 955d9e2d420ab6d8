"""Build the model skdigits ships (``skdigits.load_pretrained()``) from full MNIST.

One command, seeded::

    python scripts/build_pretrained.py --data /path/to/mnist   # or SKDIGITS_MNIST

What it does:

1. Loads full MNIST (a keras-layout ``mnist.npz`` or the IDX files) and hashes
   the four arrays (:func:`data_sha256`).
2. Trains ``make_digit_pipeline(DenseDigitClassifier(**RECIPES[recipe],
   random_state=seed), deskew=recipe in DESKEWED_RECIPES)`` (a ``Deskew``
   step, then ``PixelScaler``, then the classifier) on the **first 50,000
   training images**; images
   50,000-59,999 are held out as the validation split (the same split as the
   robustness benchmark's ``split="validation"``), on which the "not sure"
   threshold is calibrated. The test set is only read to report accuracies.
3. Stores the weights as float16 when its predictions agree with float32 on
   at least 99.95 % of the MNIST test set (measured and recorded); refuses
   to write otherwise (``--weights float32`` keeps float32).
4. Calibrates the "not sure" threshold on the validation split
   (:func:`skdigits._prediction.unsure.calibrate_unsure_below`: the lowest top
   probability whose error among accepted answers is at most
   ``--target-error`` with 95 % confidence).
5. Writes the model file into the package (``skdigits/models/``), refusing
   one over 3.5 MB, atomically (a build that fails or is killed leaves the
   old file whole), with its provenance in the manifest's ``about`` entry:
   recipe and parameters, seed, data checksum, skdigits version, training
   time, validation and test accuracy, float16 agreement, and the threshold
   with its calibration in ``unsure``.

``--keep-trained FILE`` also writes the trained float32 model (with its
training provenance); ``--trained FILE`` starts from such a file instead of
training, to redo steps 3-5 only.

``--font-digits SHARE`` (default 0.05, the shipped model's; 0 for none) also
trains on digits rendered from handwriting fonts, SHARE times as many as the
training images: the fonts
are fetched from the npm registry, checked against pinned checksums and
cached outside the package (``--fonts DIR``) by
``scripts/fetch_style_fonts.py``, which says which fonts and why. The
rendered digits (``skdigits.datasets.render_font_digits``, each prepared as
a user's picture) join the training images before the pipeline, so they go
through its Deskew step as a user's digits do; the fonts, their licences
and checksums are recorded in ``about["font_digits"]``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from skdigits import __version__
from skdigits._prediction.model_file import read_model_archive, rewrite_model_archive
from skdigits._prediction.pretrained import MAX_PRETRAINED_BYTES, PRETRAINED_FILE
from skdigits._prediction.unsure import calibrate_unsure_below
from skdigits._prediction.writing import write_atomically
from skdigits.augmentation import DESKEWED_RECIPES, RECIPES
from skdigits.datasets import fetch_mnist
from skdigits.inference import load_inference_model

#: Training images 0 to VALIDATION_START - 1 train; the rest calibrate.
VALIDATION_START = 50_000
#: float16 weights must give the float32 answer on this share of the test set.
MIN_FLOAT16_AGREEMENT = 0.9995
#: The default error rate among accepted answers the threshold aims for.
TARGET_ERROR = 0.002
DEFAULT_RECIPE = "robust" if "robust" in RECIPES else "mnist-5min"
#: The share of handwriting-font digits the shipped model trains on: chosen
#: on the validation split with the recipe's style digits (docs/recipe_trials.rst).
FONT_DIGITS = 0.05


def data_sha256(X_train, y_train, X_test, y_test) -> str:
    """sha256 of the four arrays' bytes (uint8, C order), in that order:
    the same for MNIST read from ``mnist.npz`` or from the IDX files."""
    digest = hashlib.sha256()
    for array in (X_train, y_train, X_test, y_test):
        digest.update(np.ascontiguousarray(array, dtype=np.uint8).tobytes())
    return digest.hexdigest()


def plain_params(params: dict) -> dict:
    """A recipe's parameters as JSON: tuples as lists, a RandomDistortion
    (``augment=``) as its own parameters."""

    def plain(value):
        if hasattr(value, "get_params"):
            return plain_params(value.get_params())
        return [plain(v) for v in value] if isinstance(value, tuple) else value

    return {key: plain(value) for key, value in params.items()}


#: The fonts matplotlib ships that the added printed digits and letters are
#: rendered from, and their licences (neither is a font fontconfig knows).
MATPLOTLIB_FONT_LICENCES = {
    "STIX": "SIL Open Font License 1.1 (matplotlib's mpl-data/fonts/ttf/LICENSE_STIX)",
    "Computer Modern": "the BaKoMa TrueType fonts matplotlib ships (Basil K. "
    "Malyshev's licence: free to use and redistribute unmodified)",
}


def training_sources(params: dict) -> dict:
    """What the recipe adds to MNIST's images, for ``about["sources"]``: each
    kind's share, how it is made and the licences of what it is made from."""
    from skdigits.datasets import NOT_DIGIT_FONTS, PRINTED_FONTS

    augment = params.get("augment")
    shares = augment.get_params() if hasattr(augment, "get_params") else {}
    sources = {}
    if shares.get("printed_digits", 0) > 0:
        sources["printed_digits"] = {
            "share": shares["printed_digits"],
            "how": "skdigits.datasets.make_printed_digits, one-hot targets",
            "fonts": list(PRINTED_FONTS),
            "licences": MATPLOTLIB_FONT_LICENCES,
        }
    if shares.get("style_digits", 0) > 0:
        sources["style_digits"] = {
            "share": shares["style_digits"],
            "how": "skdigits.datasets.make_style_digits: pen strokes drawn by "
            "code, no font or file; the long-flagged 1 labelled 1 and 7 in turn",
        }
    if shares.get("not_digits", 0) > 0:
        sources["not_digits"] = {
            "share": shares["not_digits"],
            "how": "skdigits.datasets.make_not_digits: letters from matplotlib's "
            "fonts and scribbles drawn by code, each with a uniform target "
            "(outlier exposure)",
            "fonts": list(NOT_DIGIT_FONTS),
            "licences": MATPLOTLIB_FONT_LICENCES,
        }
    return sources


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Build skdigits's shipped model from full MNIST."
    )
    parser.add_argument(
        "--data",
        default=os.environ.get("SKDIGITS_MNIST"),
        help="full MNIST: mnist.npz or a folder of it or of the IDX files "
        "(default: $SKDIGITS_MNIST)",
    )
    parser.add_argument(
        "--recipe",
        default=DEFAULT_RECIPE,
        choices=sorted(RECIPES),
        help="a key of skdigits.augmentation.RECIPES (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="default: %(default)s")
    parser.add_argument(
        "--target-error",
        type=float,
        default=TARGET_ERROR,
        help="error rate among accepted answers the 'not sure' threshold "
        "aims for on the validation split (default: %(default)s)",
    )
    parser.add_argument(
        "--weights",
        choices=("float16", "float32"),
        default="float16",
        help="precision of the stored weights (default: %(default)s)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=PRETRAINED_FILE,
        help="the model file to write (default: the package's)",
    )
    parser.add_argument(
        "--font-digits",
        type=float,
        default=FONT_DIGITS,
        metavar="SHARE",
        help="also train on digits rendered from handwriting fonts, this share "
        "of the training images (default: %(default)s, the shipped model's; 0 "
        "for none)",
    )
    parser.add_argument(
        "--fonts",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the fonts are fetched to and cached (default: "
        "~/.cache/skdigits-build/fonts)",
    )
    parser.add_argument("--keep-trained", type=Path, metavar="FILE")
    parser.add_argument("--trained", type=Path, metavar="FILE")
    return parser.parse_args(argv)


def style_fonts_module():
    """``scripts/fetch_style_fonts.py``, beside this script."""
    path = Path(__file__).with_name("fetch_style_fonts.py")
    spec = importlib.util.spec_from_file_location("fetch_style_fonts", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # for its dataclasses
    spec.loader.exec_module(module)
    return module


def add_font_digits(args, X_fit, y_fit):
    """The training images with ``--font-digits`` digits rendered from the
    fetched handwriting fonts added, and what ``about`` records of them
    (None without)."""
    if args.font_digits <= 0:
        return X_fit, y_fit, None
    fonts = style_fonts_module()
    records = fonts.fetch_fonts(args.fonts or fonts.CACHE)
    n = round(args.font_digits * len(y_fit))
    X, y = fonts.font_training_digits(
        records, n, random_state=np.random.RandomState([args.seed, 3])
    )
    record = {
        "share": args.font_digits,
        "images": n,
        "how": "rendered by skdigits.datasets.render_font_digits (size, stroke, "
        "slant and tilt varied, prepared as a user's picture) and added to the "
        "training images before the pipeline; the 1s of fonts whose 1 is also "
        "a 7 without a bar are labelled 1 and 7 in turn",
        "fonts": fonts.provenance(records),
    }
    return np.concatenate([X_fit, X]), np.concatenate([y_fit, y]), record


def train(args, X_fit, y_fit, about: dict, path: Path) -> dict:
    """Train the recipe and save it inference-only, float32, at ``path``."""
    from skdigits import DenseDigitClassifier, make_digit_pipeline, save_model

    params = dict(RECIPES[args.recipe])
    model = make_digit_pipeline(
        DenseDigitClassifier(**params, random_state=args.seed),
        deskew=about["deskew"],
    )
    print(f"Training {args.recipe} (seed {args.seed}) on {len(y_fit):,} images...")
    started = time.perf_counter()
    model.fit(X_fit, y_fit)
    seconds = time.perf_counter() - started
    print(f"Trained in {seconds:.0f} s.")
    about = {
        **about,
        "train_seconds": round(seconds, 1),
        "trained_on": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "train_machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "train_load_average": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory() as folder:
        plain = save_model(model, Path(folder) / "m.skdigits", include_optimizer=False)
        rewrite_model_archive(plain, path, about=about)
    return about


def install(written: Path, output: Path) -> Path:
    """Copy the built model file to ``output`` atomically (see
    :func:`skdigits._prediction.writing.write_atomically`): a build that
    fails or is killed while writing leaves the model there as it was."""
    return write_atomically(output, lambda partial: shutil.copyfile(written, partial))


def accuracy(model, X, y) -> float:
    return float(np.mean(model.predict(X) == y))


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.data is None:
        sys.exit("error: give --data PATH or set SKDIGITS_MNIST (full MNIST).")
    X_train, y_train, X_test, y_test = fetch_mnist(
        args.data, download_if_missing=False, return_X_y=True
    )
    about = {
        "what": "skdigits's shipped model, built by scripts/build_pretrained.py",
        "recipe": args.recipe,
        "params": plain_params(RECIPES[args.recipe]),
        "deskew": args.recipe in DESKEWED_RECIPES,
        "seed": args.seed,
        "data": "MNIST (Yann LeCun and Corinna Cortes, CC BY-SA 3.0)",
        "data_sha256": data_sha256(X_train, y_train, X_test, y_test),
        "data_checksum_of": "sha256 of the bytes of X_train, y_train, X_test, "
        "y_test (uint8, C order), in that order",
        "trained_on_images": f"training images 0-{VALIDATION_START - 1}",
        "validation_images": f"training images {VALIDATION_START}-{len(y_train) - 1}",
        "skdigits_version": __version__,
    }
    sources = training_sources(RECIPES[args.recipe])
    if sources:
        about["sources"] = sources
    X_fit, y_fit = X_train[:VALIDATION_START], y_train[:VALIDATION_START]
    X_val, y_val = X_train[VALIDATION_START:], y_train[VALIDATION_START:]
    X_fit, y_fit, font_digits = add_font_digits(args, X_fit, y_fit)
    if font_digits is not None:
        about["font_digits"] = font_digits

    with tempfile.TemporaryDirectory() as folder:
        trained = Path(folder) / "trained.skdigits"
        if args.trained is not None:
            kept = read_model_archive(args.trained, read_network=False).manifest
            keys = (
                "recipe",
                "params",
                "deskew",
                "seed",
                "data_sha256",
                "font_digits",
                "sources",
            )
            for key in keys:
                if kept["about"].get(key) != about.get(key):
                    sys.exit(f"error: {args.trained} has another {key}.")
            about = kept["about"]
            trained = args.trained
        else:
            about = train(args, X_fit, y_fit, about, trained)
            if args.keep_trained is not None:
                rewrite_model_archive(trained, args.keep_trained)
        full = load_inference_model(trained)
        stored = Path(folder) / "stored.skdigits"
        rewrite_model_archive(trained, stored, weights_dtype=args.weights, about=about)
        model = load_inference_model(stored)

        agreement = float(np.mean(model.predict(X_test) == full.predict(X_test)))
        print(f"{args.weights} agrees with float32 on {100 * agreement:.2f} % of test")
        if args.weights == "float16" and agreement < MIN_FLOAT16_AGREEMENT:
            sys.exit(
                f"error: float16 weights agree with float32 on only "
                f"{100 * agreement:.3f} % of the test set (< 99.95 %); "
                "pass --weights float32."
            )
        calibration = calibrate_unsure_below(
            model.predict_proba(X_val),
            y_val,
            model.classes_,
            target_error=args.target_error,
        )
        if calibration["below"] >= 1:
            sys.exit(
                f"error: no threshold keeps the error among accepted validation "
                f"answers under {args.target_error} (95 % bound); raise "
                "--target-error."
            )
        calibration = {
            **calibration,
            "rule": "unsure when the top probability is below 'below'",
            "calibrated_on": about["validation_images"],
        }
        test_proba = model.predict_proba(X_test)
        test_sure = test_proba.max(axis=1) >= calibration["below"]
        test_right = model.classes_[test_proba.argmax(axis=1)] == y_test
        about = {
            **about,
            "weights": args.weights,
            "float16_agreement_test": agreement if args.weights == "float16" else None,
            "accuracy_float32": {
                "validation": accuracy(full, X_val, y_val),
                "test": accuracy(full, X_test, y_test),
            },
            "accuracy": {
                "validation": accuracy(model, X_val, y_val),
                "test": float(test_right.mean()),
            },
            "test_at_threshold": {
                "share_unsure": float(1 - test_sure.mean()),
                "accuracy_when_sure": float(test_right[test_sure].mean())
                if test_sure.any()
                else None,
            },
        }
        written = rewrite_model_archive(
            trained,
            stored,
            weights_dtype=args.weights,
            about=about,
            unsure=calibration,
        )
        size = written.stat().st_size
        if size > MAX_PRETRAINED_BYTES:
            sys.exit(f"error: the model file is {size:,} bytes, over 3.5 MB.")
        try:
            install(written, args.output)
        except OSError as exc:  # a full disk, say: the old file is unchanged
            sys.exit(f"error: {exc}")
    print(json.dumps({"about": about, "unsure": calibration}, indent=1))
    print(f"Wrote {args.output} ({size:,} bytes).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
