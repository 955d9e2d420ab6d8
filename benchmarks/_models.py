"""The models the robustness question reads with, and how they are fitted.

A :class:`ModelEntry` is a name's label and a function that returns a fitted
model taking (n, 28, 28) uint8 images: a recipe fitted in the run (cached in
``SKDIGITS_BENCH_MODEL_CACHE`` when set), a saved model file, or the shipped
model with its "not sure" rule.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import REPO, git_commit, loadavg


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


#: The shipped model before issue 32 rebuilt it (printed digits only, no
#: handwriting styles, no pictures of no digit): the commit that last held it
#: and its path there. The robustness question reads it from git's history,
#: so that the previous and the new shipped model stand side by side.
PREVIOUS_SHIPPED = ("852898b", "skdigits/_prediction/models/pretrained.skdigits")


def previous_shipped_model() -> ModelEntry | None:
    """The previous shipped model, with its own "not sure" threshold; None
    where git or the commit is not at hand (an archive, a shallow clone)."""
    from skdigits.inference import load_inference_model

    commit, path = PREVIOUS_SHIPPED
    target = Path(tempfile.gettempdir()) / f"skdigits-shipped-{commit}.skdigits"
    if not target.exists():
        try:
            blob = subprocess.run(
                ["git", "-C", str(REPO), "show", f"{commit}:{path}"],
                capture_output=True,
                check=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
        partial = target.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(blob)
        partial.replace(target)
    below = load_inference_model(target).unsure_below
    entry = file_model(target, f"the shipped model before issue 32 (commit {commit})")
    return dataclasses.replace(
        entry,
        unsure=lambda proba: proba.max(axis=1) < below,
        params={**entry.params, "commit": commit, "unsure_below": below},
    )


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
        **({"shipped-before": before} if (before := previous_shipped_model()) else {}),
    }


def quick_entry(entry: ModelEntry) -> ModelEntry:
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


def data_checksum(X: np.ndarray, y: np.ndarray) -> str:
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
