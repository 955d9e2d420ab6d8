"""Random distortions of training images, applied batch by batch during ``fit``.

Dense networks on MNIST stop improving at about 98.6 % when they see the same
60,000 images every epoch. Trained on freshly distorted copies instead (small
rotations, scalings and shifts, and Simard et al.'s *elastic* distortions, a
smooth random displacement of every pixel), the same network reaches past
99.3 % (see the augmentation page of the docs for the recipes and their cost).

:class:`RandomDistortion` describes the distortions and their strengths. It is
a plain parameter object (it has ``get_params``/``set_params``), so
``GridSearchCV`` can search ``clf__augment__rotation`` like any nested
parameter. :class:`~skdigits.DenseDigitClassifier` takes one as its
``augment`` parameter and applies it inside the compiled train step, on each
batch, never at prediction time (the Keras layer that does so is in
``skdigits._keras.distortion``). :data:`RECIPES` are here too, beside the
distortions they use: the measured parameter sets for full MNIST.

Why this implementation (measured in ``benchmarks/augmentation.py``):

* One sampling grid per image combines the affine map and the elastic field,
  and one vectorised bilinear gather reads all the pixels: four
  ``take_along_axis`` on the flat images, no per-image loop, no Python.
* Simard's elastic field is uniform noise convolved with a Gaussian
  (computed as two small matrix products, ``G @ noise @ G.T``: zero padding
  outside the image, the kernel cut at 4 sigma, as
  ``scipy.ndimage.gaussian_filter``). Drawing and smoothing that noise for
  every image of every batch cost more than the warp, so each fit draws a
  bank of ``FIELD_BANK_SIZE`` fields once and every image picks two.
* Everything runs in the Keras graph next to the network (XLA-compilable,
  random numbers from a seeded ``keras.random.SeedGenerator``), so nothing
  waits for NumPy between batches and ``random_state`` makes fits repeatable.
* Not ``keras.layers.RandomElasticTransform``: its TensorFlow implementation
  (Keras 3.15) draws the x and the y displacement fields with the same seed,
  so every pixel moves along the diagonal (the two fields are nearly
  equal).
  Keras's affine layers (``RandomRotation``, ``RandomZoom``,
  ``RandomTranslation``) each resample the image; together they cost more
  than the network's own epoch (see the benchmark).

Pixels outside the image read as 0: the distortions assume a black (zero)
background, as MNIST and :class:`~skdigits.PixelScaler`'s output have.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

__all__ = [
    "DESKEWED_RECIPES",
    "RECIPES",
    "RandomDistortion",
    "distort_images",
    "get_recipe",
]


class RandomDistortion(BaseEstimator):
    """Random affine and elastic distortions of digit images, for training.

    Each image gets its own random draw. The affine part rotates by an angle
    uniform in ``[-rotation, rotation]`` degrees, scales by a factor uniform
    in ``[1 - scale, 1 + scale]`` and shifts by up to ``shift`` pixels along
    each axis, all about the image centre. The elastic part (Simard, Steinkraus
    and Platt, 2003) moves every pixel by a smooth random field: uniform noise
    in [-1, 1] per pixel and axis, smoothed by a Gaussian of width
    ``elastic_sigma`` pixels and multiplied by ``elastic_alpha``. Pixels are
    read back with bilinear interpolation. After that warp, two kinds change
    the pixels themselves, for digits written with another pen or scanned
    less sharply than MNIST's: ``stroke_width`` makes each image's strokes
    thicker or thinner (grey dilation or erosion) and ``blur`` blurs it with a
    Gaussian of random width. Both keep each image's brightest value, as
    :func:`~skdigits.image_io.prepare_digit` stretches a user's digit to full
    ink.

    Set a strength to 0 to turn that distortion off (``stroke_width`` and
    ``blur`` are off by default).

    Parameters
    ----------
    rotation : float >= 0, default=10.0
        Largest rotation, in degrees.
    scale : float in [0, 1), default=0.1
        Largest relative change of size.
    shift : float >= 0, default=2.0
        Largest shift along each axis, in pixels.
    elastic_alpha : float >= 0, default=34.0
        Strength of the elastic field (Simard et al.'s alpha, for 28x28).
    elastic_sigma : float > 0, default=4.0
        Smoothness of the elastic field: the Gaussian's standard deviation,
        in pixels.
    stroke_width : float >= 0 or (float, float), default=0.0
        Largest change of the stroke width, in pixels: each image's strokes
        grow or shrink by an amount uniform in ``[-stroke_width,
        stroke_width]``, or in ``[-thinner, thicker]`` for a pair
        ``(thinner, thicker)``; half of it on each side of the stroke (2 is
        one 3x3 grey dilation or erosion; fractional amounts blend the
        nearest whole steps). MNIST's strokes are 2 to 3 pixels wide, so
        thinning by more than 1 or 2 erases strokes: a pair such as ``(1, 4)``
        thickens far without doing so.
    blur : float >= 0, default=0.0
        Largest Gaussian blur, in pixels: each image is blurred with a
        standard deviation uniform in ``[0, blur]``.
    printed_digits : float >= 0, default=0.0
        Printed digits to add to the training images, as a share of their
        number (0.05 adds 3,000 to MNIST's 60,000). They are rendered by
        :func:`skdigits.datasets.make_printed_digits` from fonts that
        matplotlib ships, at the training images' scale (ink up to their
        largest value), and are distorted like the others in every epoch.
        MNIST's handwriting rarely has some printed shapes (the closed 4,
        the serifed 1): without them, a model reads a printed 4 as a 9. The
        classes must be digits 0-9; a held-out validation set
        (``early_stopping``) gets none, and each ``partial_fit`` call adds
        its share of its own images. :func:`distort_images` ignores it: it
        distorts the images it is given.
    style_digits : float >= 0, default=0.0
        Handwritten digits in the styles MNIST lacks to add to the training
        images, as a share of their number, the same way as
        ``printed_digits``: drawn from pen strokes by
        :func:`skdigits.datasets.make_style_digits` (a 1 with a flag and a
        base, a barred 7, a closed 4, a looped 2, open and closed 9s, a 3
        with a flat top, a slashed 0), at the training images' scale, and
        distorted like them. A 1 with a long flag and no foot is also a 7
        without a bar: it is added labelled 1 and 7 equally often, so the
        model learns to be unsure between them. Styles of digits that are
        not among the classes are left out (all of them, if none is).
    not_digits : float >= 0, default=0.0
        Pictures that are none of the digits to add to the training images,
        as a share of their number: letters and scribbles made by
        :func:`skdigits.datasets.make_not_digits` (from matplotlib's own
        fonts and a generator of its own), at the training images' scale,
        distorted like them. Each has the same target probability for
        every class (*outlier exposure*), so the model learns to spread its
        probability over such pictures, and its "not sure" threshold catches
        them. The classes must be digits 0-9, as for ``printed_digits``.
    image_shape : (int, int) or None, default=None
        ``(height, width)`` of the images. None takes it from 3-D training
        input, or from flat input whose number of features is a perfect
        square.

    See Also
    --------
    distort_images : Apply the distortions to images, as ``fit`` would.
    skdigits.DenseDigitClassifier : Its ``augment`` parameter takes this.

    Examples
    --------
    >>> from skdigits.augmentation import RandomDistortion
    >>> RandomDistortion(rotation=5, elastic_alpha=0)
    RandomDistortion(elastic_alpha=0, rotation=5)
    >>> RandomDistortion().get_params()["elastic_sigma"]
    4.0

    Each strength is a nested parameter of the classifier, which
    ``GridSearchCV`` can search:

    >>> from sklearn.model_selection import GridSearchCV
    >>> from skdigits import DenseDigitClassifier
    >>> search = GridSearchCV(
    ...     DenseDigitClassifier(augment=RandomDistortion(), epochs=40),
    ...     {"augment__stroke_width": [0, 1.5, 3], "augment__blur": [0, 1]},
    ... )
    >>> search.estimator.get_params()["augment__stroke_width"]
    0.0
    """

    _parameter_constraints: dict = {
        "rotation": [Interval(Real, 0, 180, closed="both")],
        "scale": [Interval(Real, 0, 1, closed="left")],
        "shift": [Interval(Real, 0, None, closed="left")],
        "elastic_alpha": [Interval(Real, 0, None, closed="left")],
        "elastic_sigma": [Interval(Real, 0, None, closed="neither")],
        # A pair (thinner, thicker) is checked in resolve_distortion.
        "stroke_width": [Interval(Real, 0, None, closed="left"), tuple, list],
        "blur": [Interval(Real, 0, None, closed="left")],
        "printed_digits": [Interval(Real, 0, None, closed="left")],
        "style_digits": [Interval(Real, 0, None, closed="left")],
        "not_digits": [Interval(Real, 0, None, closed="left")],
        "image_shape": ["array-like", None],
    }

    def __init__(
        self,
        rotation=10.0,
        scale=0.1,
        shift=2.0,
        elastic_alpha=34.0,
        elastic_sigma=4.0,
        stroke_width=0.0,
        blur=0.0,
        printed_digits=0.0,
        style_digits=0.0,
        not_digits=0.0,
        image_shape=None,
    ):
        self.rotation = rotation
        self.scale = scale
        self.shift = shift
        self.elastic_alpha = elastic_alpha
        self.elastic_sigma = elastic_sigma
        self.stroke_width = stroke_width
        self.blur = blur
        self.printed_digits = printed_digits
        self.style_digits = style_digits
        self.not_digits = not_digits
        self.image_shape = image_shape


#: The strings ``DenseDigitClassifier(augment=...)`` accepts, each a
#: :class:`RandomDistortion` at its default strengths.
PRESETS: dict[str, dict[str, float]] = {
    "affine": {"elastic_alpha": 0.0},
    "elastic": {"rotation": 0.0, "scale": 0.0, "shift": 0.0},
    "affine+elastic": {},
}

#: Measured parameter sets of :class:`~skdigits.DenseDigitClassifier` for
#: full MNIST (see the augmentation page of the docs for their numbers):
#: ``DenseDigitClassifier(**RECIPES["mnist-5min"])``.
RECIPES: dict[str, dict[str, Any]] = {
    # The notebook's widths, >= 99.3 % in under 5 minutes on 2 cores.
    "mnist-5min": {
        "hidden_layer_sizes": (784, 196),
        "augment": "affine+elastic",
        "epochs": 60,
        "batch_size": 500,
        "learning_rate": 3e-3,
        "dropout": 0.1,
    },
    # A wider dense network, trained longer.
    "mnist-15min": {
        "hidden_layer_sizes": (1024, 512),
        "augment": "affine+elastic",
        "epochs": 100,
        "batch_size": 500,
        "learning_rate": 2e-3,
        "dropout": 0.1,
    },
    # Fast to 99 %: milder (affine only) distortions, which a short schedule
    # can learn, at a doubled batch and a higher peak rate. Chosen on a
    # validation split of the training set (the augmentation page).
    "mnist-fast": {
        "hidden_layer_sizes": (784, 196),
        "augment": "affine",
        "epochs": 24,
        "batch_size": 1000,
        "learning_rate": 6e-3,
        "dropout": 0.1,
    },
    # For users' digits: the wider network, with steeper rotations, the
    # pixel kinds (strokes 1 px thinner to 4 px thicker, blur up to 1.5 px),
    # 5 % printed digits (MNIST's 4s are mostly open at the top: without
    # printed ones a printed 4 reads as 9), 5 % handwriting styles MNIST
    # lacks (the European 1, the closed 4, ...) and 5 % pictures of no digit
    # with a uniform target (letters and scribbles, so that "not sure" comes
    # from the model), trained longer, after a Deskew step
    # (DESKEWED_RECIPES).
    # Chosen on the validation split (the augmentation page, and
    # docs/recipe_trials.rst for the styles, pictures of no digit and weight
    # averaging): rotation=30 read rotated digits better but untouched and
    # handwriting-font digits worse; an average of the weights (EMA or the
    # last epochs') read as well as the last weights, no better.
    "robust": {
        "hidden_layer_sizes": (1024, 512),
        "augment": RandomDistortion(
            rotation=22.5,
            stroke_width=(1.0, 4.0),
            blur=1.5,
            printed_digits=0.05,
            style_digits=0.05,
            not_digits=0.05,
        ),
        "epochs": 120,
        "batch_size": 500,
        "learning_rate": 2e-3,
        "dropout": 0.1,
    },
}


#: The recipes chosen for a pipeline that deskews first: train and predict
#: with ``make_digit_pipeline(DenseDigitClassifier(**get_recipe(name)),
#: deskew=True)``; ``skdigits train --recipe`` and the shipped model's build
#: script do so for these.
DESKEWED_RECIPES: frozenset[str] = frozenset({"robust"})


def get_recipe(name: str) -> dict[str, Any]:
    """The classifier parameters of one of :data:`RECIPES`, as a new dict.

    Parameters
    ----------
    name : str
        A key of :data:`RECIPES`, such as ``"mnist-5min"``.

    Returns
    -------
    params : dict
        :class:`~skdigits.DenseDigitClassifier` parameters; a copy (its
        ``augment`` too), free to change.

    Raises
    ------
    ValueError
        There is no such recipe; the message lists those there are.

    Examples
    --------
    >>> from skdigits import DenseDigitClassifier
    >>> from skdigits.augmentation import get_recipe
    >>> clf = DenseDigitClassifier(**{**get_recipe("mnist-5min"), "epochs": 5})
    >>> clf.augment, clf.epochs
    ('affine+elastic', 5)
    >>> get_recipe("mnist-1min")
    Traceback (most recent call last):
    ...
    ValueError: no such recipe: 'mnist-1min'; choose one of mnist-5min, ...
    """
    if name not in RECIPES:
        raise ValueError(
            f"no such recipe: {name!r}; choose one of {', '.join(RECIPES)}."
        )
    # A recipe's RandomDistortion is copied too: the table stays as it is.
    return {
        k: clone(v) if isinstance(v, BaseEstimator) else v
        for k, v in RECIPES[name].items()
    }


def resolve_distortion(
    augment: str | RandomDistortion,
    n_features: int,
    image_shape: tuple[int, int] | None = None,
) -> tuple[RandomDistortion, tuple[int, int]]:
    """Check ``augment`` against the data; return it and the image shape.

    Parameters
    ----------
    augment : {"affine", "elastic", "affine+elastic"} or RandomDistortion
        A preset name, or the distortion itself.
    n_features : int
        Number of features (pixels) per sample of the training data.
    image_shape : (int, int) or None, default=None
        Shape of the training images if they came as a 3-D stack.

    Returns
    -------
    distortion : RandomDistortion
        A validated distortion (a new one for a preset name).
    image_shape : (int, int)
        ``(height, width)`` to distort the rows of pixels as.

    Raises
    ------
    ValueError
        If the samples cannot be read as images, naming the ways to fix it.

    Examples
    --------
    >>> from skdigits._estimators.augmentation import resolve_distortion
    >>> resolve_distortion("affine", 784)
    (RandomDistortion(elastic_alpha=0.0), (28, 28))
    """
    if isinstance(augment, str):
        if augment not in PRESETS:
            raise ValueError(
                f"augment={augment!r} is not a known distortion; use one of "
                f"{sorted(PRESETS)}, a RandomDistortion or None."
            )
        distortion = RandomDistortion(**PRESETS[augment])
    elif isinstance(augment, RandomDistortion):
        distortion = augment
    else:
        raise TypeError(
            f"augment must be None, one of {sorted(PRESETS)} or a "
            f"RandomDistortion; got {type(augment).__name__}."
        )
    distortion._validate_params()
    stroke = distortion.stroke_width
    if isinstance(stroke, (tuple, list)) and not (
        len(stroke) == 2 and all(isinstance(s, Real) and s >= 0 for s in stroke)
    ):
        raise ValueError(
            "RandomDistortion's stroke_width must be a number >= 0 or a pair "
            f"(thinner, thicker) of numbers >= 0; got {stroke!r}."
        )
    if distortion.image_shape is not None:
        explicit = tuple(np.ravel(distortion.image_shape))
        if len(explicit) != 2 or not all(
            isinstance(s, Integral) and s > 0 for s in explicit
        ):
            raise ValueError(
                "RandomDistortion's image_shape must be (height, width), two "
                f"positive integers; got {distortion.image_shape!r}."
            )
        shape = (int(explicit[0]), int(explicit[1]))
        if math.prod(shape) != n_features:
            raise ValueError(
                f"RandomDistortion(image_shape={shape}) needs {math.prod(shape)} "
                f"pixels per sample, but X has {n_features} features."
            )
        return distortion, shape
    if image_shape is not None:
        return distortion, (int(image_shape[0]), int(image_shape[1]))
    side = math.isqrt(n_features)
    if side * side == n_features and side > 1:
        return distortion, (side, side)
    raise ValueError(
        f"augment distorts images, but X has {n_features} features per sample, "
        "which is not a square image. Pass X as a 3-D stack (n_samples, height, "
        "width), or give the shape: augment=RandomDistortion(image_shape=(height, "
        "width)); or set augment=None for data that are not images."
    )


def _digit_of(label: Any) -> int | None:
    """The digit a class label names (3, np.int64(3), 3.0 or "3"), else None."""
    if isinstance(label, (bool, np.bool_)):
        return None
    if isinstance(label, str):
        return int(label) if len(label) == 1 and label in "0123456789" else None
    if isinstance(label, Real) and float(label).is_integer() and 0 <= label <= 9:
        return int(label)
    return None


#: The images a :class:`RandomDistortion` can add to a fit: its parameter,
#: and the seed stream each draws from (so one share does not change the
#: others' images). ``not_digits`` adds pictures of no digit.
ADDED_DIGITS: dict[str, int] = {"printed_digits": 1, "style_digits": 2, "not_digits": 4}

#: The class index :func:`added_digit_rows` gives a picture of no digit:
#: its target is the same probability for every class.
NOT_A_DIGIT = -1


def _made_digits(kind: str, n: int, digits: list[int], random_state):
    """``n`` images of one kind, labelled with digits among ``digits``."""
    from skdigits._estimators.datasets import (
        STYLE_DIGITS,
        make_not_digits,
        make_printed_digits,
        make_style_digits,
    )

    if kind == "not_digits":
        X, _ = make_not_digits(n, random_state=random_state)
        return X, np.full(n, NOT_A_DIGIT, dtype=np.int64)
    if kind == "printed_digits":
        return make_printed_digits(n, digits=digits, random_state=random_state)
    # Only the styles all of whose digits are classes: a shape labelled with
    # a digit the classifier does not have would be taught as the other.
    styles = [s for s, ds in STYLE_DIGITS.items() if set(ds) <= set(digits)]
    if not styles:
        return np.zeros((0, 28, 28), dtype=np.uint8), np.zeros(0, dtype=np.int64)
    return make_style_digits(n, styles=styles, random_state=random_state)


def added_digit_rows(
    distortion: RandomDistortion,
    classes: Any,
    n_images: int,
    image_shape: tuple[int, int],
    *,
    scale: float = 1.0,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The images ``distortion.printed_digits``, ``.style_digits`` and
    ``.not_digits`` add to a fit: printed digits first, then the handwriting
    styles, then the pictures of no digit.

    Parameters
    ----------
    distortion : RandomDistortion
        Its ``printed_digits``, ``style_digits`` and ``not_digits`` shares
        say how many of each kind to make.
    classes : array-like of shape (n_classes,)
        The classifier's classes, each a digit 0-9 (int, or a one-character
        string); the digits are drawn from these.
    n_images : int
        Number of training images the shares apply to.
    image_shape : (int, int)
        Shape of the training images; it must be (28, 28).
    scale : float, default=1.0
        Value of full ink in the training images (1.0 for pixels scaled to
        [0, 1], 255 for raw MNIST).
    random_state : int, RandomState instance or None, default=None
        Seeds the images: each kind draws from its own stream
        (``RandomState([seed, ADDED_DIGITS[kind]])``).

    Returns
    -------
    rows : ndarray of shape (n_added, 784), float32
        The images, flat, from 0 to ``scale``.
    class_index : ndarray of shape (n_added,), int64
        Index into ``classes`` of each image's class; :data:`NOT_A_DIGIT`
        (-1) for a picture of no digit.

    Raises
    ------
    ValueError
        If a share is set and a class is not a digit, or the images are not
        28x28: both named.

    Examples
    --------
    >>> from skdigits.augmentation import RandomDistortion
    >>> from skdigits._estimators.augmentation import added_digit_rows
    >>> rows, index = added_digit_rows(
    ...     RandomDistortion(printed_digits=0.1), ["3", "8"], 40, (28, 28),
    ...     random_state=0)
    >>> rows.shape, rows.max(), index
    ((4, 784), np.float32(1.0), array([0, 1, 0, 1]))
    >>> rows, index = added_digit_rows(
    ...     RandomDistortion(style_digits=0.1), [1, 4, 7], 80, (28, 28),
    ...     random_state=0)
    >>> index  # 1 with a base, "1 or 7", barred 7, closed 4, "1 or 7" as 7
    array([0, 0, 2, 1, 0, 2, 2, 1])
    """
    shares = {
        kind: getattr(distortion, kind)
        for kind in ADDED_DIGITS
        if getattr(distortion, kind) > 0
    }
    n_pixels = math.prod(image_shape)
    if not shares:
        return np.zeros((0, n_pixels), np.float32), np.zeros(0, np.int64)
    what = f"RandomDistortion({next(iter(shares))}=...)"
    classes = np.asarray(classes)
    digits = [_digit_of(c) for c in classes]
    if None in digits:
        raise ValueError(
            f"{what} adds digits 0-9 to the training data, so every class must "
            "be a digit 0-9 (an int or a one-character string); got classes "
            f"{classes.tolist()}. Set {' and '.join(shares)}=0 for other labels."
        )
    if tuple(image_shape) != (28, 28):
        raise ValueError(
            f"{what} renders 28x28 digits, but the training images are "
            f"{image_shape[0]}x{image_shape[1]}."
        )
    if isinstance(random_state, np.random.RandomState):
        random_state = int(random_state.randint(np.iinfo(np.int32).max))
    images, labels = [], []
    for kind, share in shares.items():
        stream = None
        if random_state is not None:
            stream = np.random.RandomState([random_state, ADDED_DIGITS[kind]])
        made = _made_digits(kind, round(share * n_images), digits, stream)
        images.append(made[0].reshape(len(made[0]), n_pixels))  # 0 rows too
        labels.append(made[1])
    class_index = np.asarray(
        [
            NOT_A_DIGIT if d == NOT_A_DIGIT else digits.index(d)
            for d in np.concatenate(labels)
        ],
        dtype=np.int64,
    )
    rows = np.concatenate(images).astype(np.float32) * np.float32(scale / 255)
    return rows, class_index


def with_added_digits(
    X: np.ndarray,
    Y: np.ndarray,
    sample_weight: np.ndarray | None,
    classes: Any,
    distortion: RandomDistortion,
    image_shape: tuple[int, int],
    seed: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The training data with the images of :func:`added_digit_rows` added.

    What :class:`~skdigits.DenseDigitClassifier` trains on (after its
    early-stopping hold-out, which keeps the user's images only): the rows
    at the images' own ink scale (their largest value), one-hot (a picture
    of no digit: ``1 / n_classes`` for every class), each weighing what its
    class weighs on average (a picture of no digit: the mean weight; 1
    without weights). Returns the data as they are when no share is set.
    """
    if not any(getattr(distortion, kind) > 0 for kind in ADDED_DIGITS):
        return X, Y, sample_weight
    ink = float(X.max()) if X.size else 0.0
    rows, class_index = added_digit_rows(
        distortion,
        classes,
        len(X),
        image_shape,
        scale=ink if ink > 0 else 1.0,
        random_state=seed,
    )
    if sample_weight is not None:
        seen = Y.argmax(axis=1)
        counts = np.bincount(seen, minlength=len(classes))
        totals = np.bincount(seen, weights=sample_weight, minlength=len(classes))
        class_mean = np.divide(
            totals, counts, out=np.ones(len(classes)), where=counts > 0
        )
        class_mean = np.append(class_mean, sample_weight.mean() if len(Y) else 1.0)
        sample_weight = np.concatenate(
            [sample_weight, class_mean[class_index].astype(sample_weight.dtype)]
        )
    # Row -1 of the targets is the uniform one, for pictures of no digit.
    targets = np.vstack(
        [np.eye(len(classes)), np.full((1, len(classes)), 1 / len(classes))]
    ).astype(Y.dtype)
    X = np.concatenate([X, rows.astype(X.dtype, copy=False)])
    Y = np.concatenate([Y, targets[class_index]])
    return X, Y, sample_weight


def distort_images(
    X: Any,
    augment: str | RandomDistortion = "affine+elastic",
    *,
    image_shape: tuple[int, int] | None = None,
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Distort images the way ``DenseDigitClassifier(augment=...)`` does in fit.

    The same function and the same random distributions as a training batch,
    so the result is a sample of what the network saw; for example, to show
    with :class:`~skdigits.plotting.DigitGalleryDisplay`.

    Parameters
    ----------
    X : array-like of shape (n_samples, height, width) or (n_samples, n_pixels)
        Images with a zero background, for example scaled to [0, 1].
    augment : {"affine", "elastic", "affine+elastic"} or RandomDistortion, \
            default="affine+elastic"
        The distortion, as the classifier's ``augment`` parameter.
    image_shape : (int, int) or None, default=None
        ``(height, width)`` of flat ``X`` when it is not square (or set it on
        the RandomDistortion).
    random_state : int, RandomState instance or None, default=None
        Seeds the draws; the same int gives the same images.

    Returns
    -------
    ndarray of the shape of ``X``, float32
        The distorted images.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.augmentation import distort_images
    >>> X = np.zeros((2, 28, 28), dtype=np.float32)
    >>> X[:, 10:18, 12:16] = 1.0
    >>> out = distort_images(X, "affine", random_state=0)
    >>> out.shape, bool(np.allclose(out, X))
    ((2, 28, 28), False)
    >>> np.array_equal(out, distort_images(X, "affine", random_state=0))
    True
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim not in (2, 3):
        raise ValueError(
            "X must be a stack of images (n_samples, height, width) or rows of "
            f"pixels (n_samples, n_pixels); got shape {X.shape}."
        )
    if X.ndim == 3 and image_shape is None:
        image_shape = X.shape[1:]
    flat = X.reshape(len(X), -1)
    distortion, shape = resolve_distortion(augment, flat.shape[1], image_shape)
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    # The same code as a training batch goes through (it starts TensorFlow).
    from skdigits._keras.distortion import distort

    return distort(flat, distortion, shape, seed).reshape(X.shape)
