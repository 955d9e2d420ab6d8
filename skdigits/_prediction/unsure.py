"""The "not sure" rule: when a model's answer is not worth naming a digit for.

An answer is *unsure* when its top probability is below a threshold,
``unsure_below``. A model file may carry a threshold calibrated on held-out
data (the manifest's ``unsure`` entry; :func:`calibrate_unsure_below` chooses
it, ``scripts/build_pretrained.py`` records it for the shipped model). A model
without one gets :data:`FALLBACK_UNSURE_BELOW`, and a user may set any
threshold (``skdigits predict --unsure-below``, ``skdigits serve
--unsure-below``).

NumPy only (the calibration's binomial bound imports SciPy when called).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "FALLBACK_UNSURE_BELOW",
    "calibrate_unsure_below",
    "check_unsure_below",
    "model_unsure_below",
]

#: The threshold of a model without a calibrated one: unsure when the answer
#: gets less than half the probability, i.e. when the model finds all the
#: other digits together likelier than the one it names.
FALLBACK_UNSURE_BELOW = 0.5

# The thresholds calibration tries, strictest first (fixed-sequence testing
# needs an order fixed before the data is seen): 0.999 down to 0.5.
_CANDIDATES = np.round(np.arange(999, 499, -1) / 1000, 3)


def check_unsure_below(value: Any) -> float:
    """``value`` as a threshold in (0, 1]; a ValueError naming it otherwise.

    >>> check_unsure_below("0.9")
    0.9
    >>> check_unsure_below(1.5)
    Traceback (most recent call last):
    ...
    ValueError: the "not sure" threshold must be a probability in (0, 1]; got 1.5.
    """
    try:
        below = float(value)
    except (TypeError, ValueError):
        below = float("nan")
    if not 0 < below <= 1:
        raise ValueError(
            f'the "not sure" threshold must be a probability in (0, 1]; got {value}.'
        )
    return below


def model_unsure_below(model: Any, override: float | None = None) -> float:
    """The threshold to use for ``model``: ``override`` if given, else the
    model's calibrated ``unsure_below`` (a model file's), else the fallback.

    >>> model_unsure_below(object())
    0.5
    >>> model_unsure_below(object(), 0.8)
    0.8
    """
    if override is not None:
        return check_unsure_below(override)
    calibrated = getattr(model, "unsure_below", None)
    return FALLBACK_UNSURE_BELOW if calibrated is None else float(calibrated)


def _upper_bound(errors: np.ndarray, n: np.ndarray, confidence: float) -> np.ndarray:
    """Clopper-Pearson upper confidence bound of an error rate."""
    from scipy.stats import beta

    bound = beta.ppf(confidence, errors + 1, np.maximum(n - errors, 1))
    return np.where(errors >= n, 1.0, bound)


def calibrate_unsure_below(
    proba: np.ndarray,
    y_true: np.ndarray,
    classes: np.ndarray,
    *,
    target_error: float,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """The lowest threshold whose error among accepted answers is, with
    ``confidence``, at most ``target_error`` on held-out data.

    The thresholds 0.999, 0.998, ..., 0.5 are tried in that order; each is
    accepted while the Clopper-Pearson upper bound of the error rate among
    the answers it keeps (top probability at or above it) is at most
    ``target_error``, and the first that fails ends the search (fixed-sequence
    testing, as in Angelopoulos et al.'s "Learn then Test", 2021): so with
    probability ``confidence`` over the held-out draw, the chosen threshold's
    error among accepted answers on more digits like these is at most the
    target. The strictest threshold must pass already, which it does when
    many held-out answers are that sure (as a trained network's are).

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        The model's probabilities for held-out digits it was not trained on.
    y_true : ndarray of shape (n_samples,)
        Their labels.
    classes : ndarray of shape (n_classes,)
        The model's classes, in the order of ``proba``'s columns.
    target_error : float
        The error rate among accepted answers to stay under.
    confidence : float, default=0.95
        Confidence of the bound.

    Returns
    -------
    calibration : dict
        ``below`` (the threshold; 1.0 if no candidate passes, so that every
        answer is unsure), and on the held-out digits at that threshold:
        ``share_unsure``, ``error_when_sure``, its ``error_upper_bound``,
        and ``error_all`` (the error rate of all answers).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> top = np.clip(1 - rng.exponential(0.01, 10000), 0.5, 1)  # mostly sure
    >>> right = rng.uniform(size=10000) < top**4  # wrong more often when unsure
    >>> proba = np.stack([top, 1 - top], axis=1)
    >>> y = np.where(right, 0, 1)
    >>> cal = calibrate_unsure_below(proba, y, np.array([0, 1]), target_error=0.02)
    >>> cal["below"], round(cal["error_all"], 3), round(cal["error_when_sure"], 3)
    (0.99, 0.037, 0.016)
    """
    proba = np.asarray(proba)
    top = proba.max(axis=1)
    wrong = np.asarray(classes)[proba.argmax(axis=1)] != np.asarray(y_true)
    accepted = top[np.newaxis, :] >= _CANDIDATES[:, np.newaxis]
    n = accepted.sum(axis=1)
    errors = (accepted & wrong).sum(axis=1)
    bound = _upper_bound(errors, n, confidence)
    passing = np.cumprod(bound <= target_error).astype(bool)
    chosen = int(passing.sum()) - 1  # the last of the passing run
    below = float(_CANDIDATES[chosen]) if chosen >= 0 else 1.0
    kept = top >= below
    return {
        "below": below,
        "target_error": float(target_error),
        "confidence": float(confidence),
        "share_unsure": float(1 - kept.mean()),
        "error_when_sure": float(wrong[kept].mean()) if kept.any() else 0.0,
        "error_upper_bound": float(bound[chosen]) if chosen >= 0 else 1.0,
        "error_all": float(wrong.mean()),
        "n": len(top),
    }
