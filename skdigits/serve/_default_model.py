"""The model served when none is given: trained once on the bundled sample, cached.

``skdigits serve`` without a model should still show something worth
drawing for, without a download and without a long wait. It trains what
``skdigits train --data sample --seed 0`` trains (the default
``Pipeline([PixelScaler(), DenseDigitClassifier()])`` on the 10,000 bundled
MNIST training images, 97.4 % test accuracy) the first time, which took
8.6 s on the project's 2-core machine, and saves it in the user's cache folder;
every later start loads it.

The cache file is ``default_model_path()``: ``$SKDIGITS_CACHE`` if set, else
``$XDG_CACHE_HOME/skdigits`` (``~/.cache/skdigits``) on Linux,
``~/Library/Caches/skdigits`` on macOS and ``%LOCALAPPDATA%\\skdigits\\Cache``
on Windows. Its name holds the skdigits version, so a new version trains its
own. Delete the file, or pass ``refresh=True``, to train it again.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skdigits import __version__

__all__ = ["default_model_path", "load_default_model"]


def default_model_path() -> Path:
    """Where the default model is cached.

    Returns
    -------
    path : pathlib.Path
        The model file (it may not exist yet).

    Examples
    --------
    >>> import os
    >>> from skdigits.serve._default_model import default_model_path
    >>> os.environ["SKDIGITS_CACHE"] = "/tmp/skdigits-cache"
    >>> default_model_path().parent.as_posix()
    '/tmp/skdigits-cache'
    >>> del os.environ["SKDIGITS_CACHE"]
    >>> default_model_path().name  # doctest: +ELLIPSIS
    'serve-default-model-....skdigits'
    """
    if os.environ.get("SKDIGITS_CACHE"):
        folder = Path(os.environ["SKDIGITS_CACHE"]).expanduser()
    elif sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
        folder = Path(local) / "skdigits" / "Cache"
    elif sys.platform == "darwin":
        folder = Path.home() / "Library" / "Caches" / "skdigits"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        # The XDG spec says to ignore a relative path.
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
        folder = base / "skdigits"
    return folder / f"serve-default-model-{__version__}.skdigits"


def _train_default_model() -> Any:
    """Train the default model: ``skdigits train``'s pipeline on the bundled sample.

    Seeded, so every user gets the same model. Imports TensorFlow.

    Returns
    -------
    model : sklearn.pipeline.Pipeline
        ``Pipeline([("scale", PixelScaler()), ("clf", DenseDigitClassifier())])``,
        seeded with ``random_state=0``, fitted on the 10,000 training images of
        :func:`skdigits.datasets.load_mnist_sample`.
    """
    from skdigits.classifier import DenseDigitClassifier
    from skdigits.datasets import load_mnist_sample
    from skdigits.pipeline import make_digit_pipeline

    data = load_mnist_sample()
    model = make_digit_pipeline(DenseDigitClassifier(random_state=0))
    return model.fit(data.X_train, data.y_train)


def load_default_model(
    *,
    refresh: bool = False,
    echo: Callable[[str], Any] = print,
    train: Callable[[], Any] | None = None,
) -> tuple[Any, Path]:
    """Load the cached default model, training and caching it first if needed.

    Parameters
    ----------
    refresh : bool, default=False
        Train the model again even if it is cached.
    echo : callable, default=print
        Receives one line saying what happens (trained or loaded, and where).
    train : callable, default=None
        Returns a fitted model; called when nothing usable is cached. None
        trains what ``skdigits train --data sample --seed 0`` trains.

    Returns
    -------
    model : skdigits.inference.InferenceModel or sklearn.pipeline.Pipeline
        The default model: read from the cache with
        :func:`skdigits.inference.load_inference_model` (NumPy only), or the
        pipeline just trained.
    path : pathlib.Path
        The cache file it lives in.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.datasets import load_digits
    >>> from skdigits import DenseDigitClassifier
    >>> from skdigits.serve._default_model import load_default_model
    >>> os.environ["SKDIGITS_CACHE"] = tempfile.mkdtemp()
    >>> X, y = load_digits(return_X_y=True)
    >>> def tiny():
    ...     return DenseDigitClassifier((8,), epochs=1, random_state=0).fit(X, y)
    >>> model, path = load_default_model(train=tiny, echo=lambda line: None)
    >>> path.exists(), load_default_model(echo=print)[1] == path
    ... # doctest: +ELLIPSIS
    Using the default model, trained on the bundled MNIST sample, from ...
    (True, True)
    >>> del os.environ["SKDIGITS_CACHE"]
    """
    from skdigits.inference import ModelFormatError, load_inference_model

    path = default_model_path()
    if path.exists() and not refresh:
        try:
            # The page only predicts: NumPy alone, no scikit-learn or TensorFlow.
            model = load_inference_model(path)
        except (ModelFormatError, OSError) as exc:
            echo(f"The cached default model cannot be read ({exc}); training it again.")
        else:
            echo(
                "Using the default model, trained on the bundled MNIST sample, "
                f"from {path} (delete it to train it again)."
            )
            return model, path
    echo(
        "No model given: training the default model on the bundled MNIST "
        "sample (10,000 images; once, about 10 s on 2 cores)..."
    )
    from skdigits.persistence import save_model

    model = (train or _train_default_model)()
    save_model(model, path)
    echo(f"Saved it to {path}; later starts load it from there.")
    return model, path
