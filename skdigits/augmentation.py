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
batch, never at prediction time.

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
  so every pixel moves along the diagonal (their correlation measured 0.998).
  Keras's affine layers (``RandomRotation``, ``RandomZoom``,
  ``RandomTranslation``) each resample the image; together they cost more
  than the network's own epoch (see the benchmark).

Pixels outside the image read as 0: the distortions assume a black (zero)
background, as MNIST and :class:`~skdigits.PixelScaler`'s output have.
"""

from __future__ import annotations

import functools
import math
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

__all__ = [
    "PRESETS",
    "RECIPES",
    "RandomDistortion",
    "distort_images",
    "elastic_field_bank",
    "get_recipe",
    "make_distortion_layer",
    "resolve_distortion",
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
    read back with bilinear interpolation.

    Set a strength to 0 to turn that distortion off.

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
    """

    _parameter_constraints: dict = {
        "rotation": [Interval(Real, 0, 180, closed="both")],
        "scale": [Interval(Real, 0, 1, closed="left")],
        "shift": [Interval(Real, 0, None, closed="left")],
        "elastic_alpha": [Interval(Real, 0, None, closed="left")],
        "elastic_sigma": [Interval(Real, 0, None, closed="neither")],
        "image_shape": ["array-like", None],
    }

    def __init__(
        self,
        rotation=10.0,
        scale=0.1,
        shift=2.0,
        elastic_alpha=34.0,
        elastic_sigma=4.0,
        image_shape=None,
    ):
        self.rotation = rotation
        self.scale = scale
        self.shift = shift
        self.elastic_alpha = elastic_alpha
        self.elastic_sigma = elastic_sigma
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
}


def get_recipe(name: str) -> dict[str, Any]:
    """The classifier parameters of one of :data:`RECIPES`, as a new dict.

    Parameters
    ----------
    name : str
        A key of :data:`RECIPES`, such as ``"mnist-5min"``.

    Returns
    -------
    params : dict
        :class:`~skdigits.DenseDigitClassifier` parameters; a copy, free
        to change.

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
    ValueError: no such recipe: 'mnist-1min'; choose one of mnist-5min, mnist-15min.
    """
    if name not in RECIPES:
        raise ValueError(
            f"no such recipe: {name!r}; choose one of {', '.join(RECIPES)}."
        )
    return dict(RECIPES[name])


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
    >>> from skdigits.augmentation import resolve_distortion
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


def _gaussian_smoothing_matrix(size: int, sigma: float) -> np.ndarray:
    """``G`` such that ``G @ v`` is ``v`` convolved with a Gaussian.

    Zero padding outside, kernel cut at 4 sigma and normalised to sum 1 over
    its full support, as ``scipy.ndimage.gaussian_filter(mode="constant")``.
    """
    radius = int(4.0 * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    index = np.arange(size)
    distance = index[:, None] - index[None, :]
    matrix = np.where(
        np.abs(distance) <= radius, kernel[np.clip(distance + radius, 0, 2 * radius)], 0
    )
    return matrix.astype(np.float32)


#: Elastic fields are drawn from a bank of this many precomputed smoothed
#: fields per fit (a fresh field per image cost more than the network's
#: train step: see the benchmark). Each image picks one field for x and
#: another for y, each with a random sign: 4 * 1024**2 combinations.
FIELD_BANK_SIZE = 1024


def elastic_field_bank(
    distortion: RandomDistortion,
    image_shape: tuple[int, int],
    size: int = FIELD_BANK_SIZE,
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """``size`` elastic displacement fields, flat, in pixels.

    Each is uniform noise in [-1, 1] smoothed by a Gaussian of standard
    deviation ``elastic_sigma`` (zero padding, cut at 4 sigma, as
    ``scipy.ndimage.gaussian_filter(mode="constant")``) and multiplied by
    ``elastic_alpha``: Simard et al.'s recipe.

    Parameters
    ----------
    distortion : RandomDistortion
        Gives ``elastic_alpha`` and ``elastic_sigma``.
    image_shape : (int, int)
        ``(height, width)`` of the fields.
    size : int, default=FIELD_BANK_SIZE
        Number of fields.
    random_state : int, RandomState instance or None, default=None
        Seeds the noise.

    Returns
    -------
    ndarray of shape (size, height * width), float32
        One displacement field per row, in pixels.

    Examples
    --------
    >>> from skdigits.augmentation import RandomDistortion, elastic_field_bank
    >>> bank = elastic_field_bank(RandomDistortion(), (28, 28), size=8, random_state=0)
    >>> bank.shape
    (8, 784)
    >>> 0.5 < float(bank.reshape(8, 28, 28)[:, 8:20, 8:20].std()) < 3
    True
    """
    height, width = image_shape
    rng = check_random_state(random_state)
    noise = rng.uniform(-1.0, 1.0, size=(size, height, width))
    g_rows = _gaussian_smoothing_matrix(height, distortion.elastic_sigma)
    g_cols = _gaussian_smoothing_matrix(width, distortion.elastic_sigma)
    fields = np.einsum("ij,njk,lk->nil", g_rows, noise, g_cols)
    return (distortion.elastic_alpha * fields).reshape(size, -1).astype(np.float32)


def _draw(n: Any, seed: Any) -> tuple[Any, Any]:
    """Per-image random numbers: 6 uniforms in [-1, 1], 2 bank indices."""
    from skdigits._tf_env import import_keras

    random = import_keras().random
    uniforms = random.uniform((n, 6), -1.0, 1.0, seed=seed, dtype="float32")
    picks = random.randint((n, 2), 0, FIELD_BANK_SIZE, seed=seed, dtype="int32")
    return uniforms, picks


def _warp(pixels, uniforms, picks, bank, *, distortion, image_shape):
    """Resample each flat image through its own affine + elastic grid."""
    from skdigits._tf_env import import_keras

    ops = import_keras().ops
    height, width = image_shape
    n = ops.shape(pixels)[0]
    # Output pixel coordinates relative to the image centre.
    rows = np.arange(height, dtype=np.float32) - (height - 1) / 2
    cols = np.arange(width, dtype=np.float32) - (width - 1) / 2
    grid_y = np.repeat(rows, width)[None, :]  # (1, h*w)
    grid_x = np.tile(cols, height)[None, :]
    # Inverse affine map: the output pixel at p reads the input at A^-1 p - t.
    angle = uniforms[:, 0:1] * math.radians(distortion.rotation)
    inv_scale = 1.0 / (1.0 + uniforms[:, 1:2] * distortion.scale)
    cos, sin = ops.cos(angle) * inv_scale, ops.sin(angle) * inv_scale
    shift_x = uniforms[:, 2:3] * distortion.shift
    shift_y = uniforms[:, 3:4] * distortion.shift
    src_x = cos * grid_x - sin * grid_y - shift_x + (width - 1) / 2
    src_y = sin * grid_x + cos * grid_y - shift_y + (height - 1) / 2
    if bank is not None:
        src_x = src_x + ops.sign(uniforms[:, 4:5]) * ops.take(bank, picks[:, 0], 0)
        src_y = src_y + ops.sign(uniforms[:, 5:6]) * ops.take(bank, picks[:, 1], 0)
    # Bilinear read from the image padded with one ring of zeros: indices
    # clipped into the ring read 0, which is the background.
    padded = ops.pad(
        ops.reshape(ops.cast(pixels, "float32"), (n, height, width)),
        [[0, 0], [1, 1], [1, 1]],
    )
    padded = ops.reshape(padded, (n, (height + 2) * (width + 2)))
    x0, y0 = ops.floor(src_x), ops.floor(src_y)
    fx, fy = src_x - x0, src_y - y0

    def column(x):
        return ops.cast(ops.clip(x, -1, width), "int32") + 1

    def row(y):
        return (ops.cast(ops.clip(y, -1, height), "int32") + 1) * (width + 2)

    c0, c1, r0, r1 = column(x0), column(x0 + 1), row(y0), row(y0 + 1)

    def read(index):
        return ops.take_along_axis(padded, index, axis=1)

    top = read(r0 + c0) * (1 - fx) + read(r0 + c1) * fx
    bottom = read(r1 + c0) * (1 - fx) + read(r1 + c1) * fx
    return ops.cast(top * (1 - fy) + bottom * fy, pixels.dtype)


class _BatchDistorter:
    """Distorts batches of flat images: one distortion, one seed, one bank.

    The random draws run as ordinary ops; the warp is compiled with XLA on
    its own (``tf.function(jit_compile=True)``), because Keras does not
    compile train steps with XLA on CPU and the warp's dozens of small
    element-wise ops cost ten times more without fusion (measured).
    ``jit=False`` and ``fresh_fields=True`` (a new smoothed noise field per
    image and batch instead of the bank) exist for the benchmark, which
    measures what they cost.
    """

    def __init__(
        self, distortion, image_shape, seed=None, *, jit=True, fresh_fields=False
    ):
        import tensorflow as tf

        from skdigits._tf_env import import_keras

        keras = import_keras()
        self.distortion = distortion
        self.image_shape = tuple(int(s) for s in image_shape)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.fresh_fields = fresh_fields and distortion.elastic_alpha > 0
        bank = None
        if distortion.elastic_alpha > 0 and not fresh_fields:
            bank = elastic_field_bank(
                distortion,
                self.image_shape,
                random_state=np.random.RandomState(seed),
            )
        # A tensor once, not a NumPy array converted again at every batch.
        self.bank = None if bank is None else tf.constant(bank)
        self._warp = tf.function(
            functools.partial(
                _warp, distortion=distortion, image_shape=self.image_shape
            ),
            jit_compile=jit,
            reduce_retracing=True,
        )
        if self.fresh_fields:
            height, width = self.image_shape
            g_rows = _gaussian_smoothing_matrix(height, distortion.elastic_sigma)
            g_cols = _gaussian_smoothing_matrix(width, distortion.elastic_sigma)
            alpha = float(distortion.elastic_alpha)

            def smooth(noise):
                fields = tf.einsum("ij,nckl,ml->ncim", g_rows, noise, g_cols)
                return alpha * tf.reshape(fields, (-1, 2, height * width))

            self._smooth = tf.function(smooth, jit_compile=jit)

    def __call__(self, pixels):
        import tensorflow as tf

        from skdigits._tf_env import import_keras

        n = tf.shape(pixels)[0]
        uniforms, picks = _draw(n, self.seed_generator)
        if not self.fresh_fields:
            return self._warp(pixels, uniforms, picks, self.bank)
        # The bank becomes this batch's own 2 fields per image: pick i = 2k, 2k+1.
        height, width = self.image_shape
        noise = import_keras().random.uniform(
            (n, 2, height, width), -1.0, 1.0, seed=self.seed_generator
        )
        bank = tf.reshape(self._smooth(noise), (-1, height * width))
        picks = tf.reshape(tf.range(2 * n, dtype="int32"), (n, 2))
        return self._warp(pixels, uniforms, picks, bank)


@functools.cache
def _distortion_layer_class() -> type:
    """The Keras layer, defined on first use (importing Keras starts TF)."""
    from skdigits._tf_env import import_keras

    keras = import_keras()

    class DistortionLayer(keras.layers.Layer):
        """Distorts its flat-image input when training; identity otherwise."""

        def __init__(self, distortion, image_shape, seed=None, **kwargs):
            super().__init__(**kwargs)
            self.distorter = _BatchDistorter(distortion, image_shape, seed)

        def call(self, inputs, training=None):
            if not training:
                return inputs
            return self.distorter(inputs)

        def compute_output_shape(self, input_shape):
            return input_shape

    return DistortionLayer


def make_distortion_layer(
    distortion: RandomDistortion,
    image_shape: tuple[int, int],
    seed: int | None = None,
) -> Any:
    """A Keras layer that applies ``distortion`` to flat images in training.

    At inference (``training=False``) it returns its input unchanged. The
    classifier puts it in front of the network only in the model it trains;
    the network it keeps (and saves) has no distortion layer.

    Parameters
    ----------
    distortion : RandomDistortion
        The distortions and their strengths.
    image_shape : (int, int)
        ``(height, width)`` of the flat input rows.
    seed : int or None, default=None
        Seed of the layer's random draws; None draws a fresh one.

    Returns
    -------
    keras.layers.Layer
        Its ``call(inputs, training)`` distorts only when ``training`` is true.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.augmentation import RandomDistortion, make_distortion_layer
    >>> layer = make_distortion_layer(RandomDistortion(), (28, 28), seed=0)
    >>> X = np.random.default_rng(0).random((2, 784)).astype("float32")
    >>> bool(np.array_equal(np.asarray(layer(X, training=False)), X))
    True
    >>> bool(np.array_equal(np.asarray(layer(X, training=True)), X))
    False
    """
    return _distortion_layer_class()(distortion, image_shape, seed=seed, name="augment")


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
    from skdigits._tf_env import import_keras

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
    keras = import_keras()
    out = _BatchDistorter(distortion, shape, seed)(keras.ops.convert_to_tensor(flat))
    return np.asarray(keras.ops.convert_to_numpy(out)).reshape(X.shape)
