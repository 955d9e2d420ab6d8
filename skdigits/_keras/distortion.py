"""The distortion layer: a RandomDistortion applied to each training batch.

Everything runs in the Keras graph next to the network, with random numbers
from a seeded ``keras.random.SeedGenerator``, so nothing waits for NumPy
between batches and ``random_state`` makes fits repeatable. One sampling grid
per image combines the affine map and the elastic field, and one vectorised
bilinear gather reads all the pixels (see the augmentation page of the docs
for why, and ``benchmarks/augmentation.py`` for what the alternatives cost).

After the warp come the pixel kinds of :data:`PIXEL_KINDS` (stroke width,
blur), compiled together with XLA. A new kind is two additions: its strength
as a parameter of :class:`~skdigits.augmentation.RandomDistortion` (0 turns
it off), and its function in :data:`PIXEL_KINDS` under that name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from skdigits._keras.elastic import FIELD_BANK_SIZE, elastic_field_bank

__all__ = [
    "PIXEL_KINDS",
    "BatchDistorter",
    "DistortionLayer",
    "blur",
    "change_stroke_width",
    "distort",
    "draw_warp_numbers",
    "warp",
]


def _keep_peak(before, after):
    """``after`` scaled so that each image keeps its brightest value, as
    :func:`~skdigits.image_io.prepare_digit` stretches a user's digit to full
    ink: a blurred or thinned stroke is wider or narrower, not fainter."""
    peak_before = tf.reduce_max(before, axis=(1, 2), keepdims=True)
    peak_after = tf.reduce_max(after, axis=(1, 2), keepdims=True)
    return after * (peak_before / tf.maximum(peak_after, 1e-6))


def _hat_weights(position, levels):
    """Weights of whole levels ``0..levels`` for a fractional ``position``:
    linear interpolation between the two levels around it."""
    return [tf.nn.relu(1.0 - tf.abs(position - k)) for k in range(levels + 1)]


def _max_filter(images):
    """3x3 grey dilation: a separable max of shifted copies (the zero padding
    is the background), element-wise ops that XLA fuses."""
    x = tf.pad(images, [[0, 0], [0, 0], [1, 1]])
    x = tf.maximum(tf.maximum(x[:, :, :-2], x[:, :, 1:-1]), x[:, :, 2:])
    x = tf.pad(x, [[0, 0], [1, 1], [0, 0]])
    return tf.maximum(tf.maximum(x[:, :-2], x[:, 1:-1]), x[:, 2:])


def change_stroke_width(images, strength, seed_generator):
    """Thicker or thinner strokes: grey dilation or erosion of each image by
    its own random amount.

    Each image's stroke width changes by ``w`` pixels, ``w`` uniform in
    ``[-strength, strength]``, or in ``[-thinner, thicker]`` for a pair
    ``strength = (thinner, thicker)``: half of it on each side of the
    stroke, so one 3x3 grey dilation (a max filter) is ``w = 2`` and one 3x3
    erosion (the max filter of the negative) ``w = -2``. Fractional amounts
    blend the two nearest whole steps."""
    thinner, thicker = np.broadcast_to(np.asarray(strength, dtype=float), (2,))
    steps = max(1, math.ceil(max(thinner, thicker) / 2))
    radius = keras.random.uniform(
        (tf.shape(images)[0], 1, 1), -thinner / 2, thicker / 2, seed=seed_generator
    )
    grown, shrunk = [images], [images]
    for _ in range(steps):
        grown.append(_max_filter(grown[-1]))
        # Erosion is the dilation of the negative; its zero padding is
        # still the background, so ink at the frame erodes too.
        shrunk.append(-_max_filter(-shrunk[-1]))
    grow = _hat_weights(tf.nn.relu(radius), steps)
    shrink = _hat_weights(tf.nn.relu(-radius), steps)
    # Level 0 is the image itself, weighed once: both hats put 1 - |r| there
    # only for r = 0, and one of them always puts 1 there.
    out = (grow[0] + shrink[0] - 1.0) * images
    for k in range(1, steps + 1):
        out = out + grow[k] * grown[k] + shrink[k] * shrunk[k]
    return _keep_peak(images, out)


#: Blur widths computed for a batch: each image's blur blends the two nearest.
BLUR_LEVELS = 4


def _gaussian_blur(images, sigma: float):
    """Separable Gaussian blur of a batch at one fixed width: weighted sums of
    shifted copies (kernel cut at 3 sigma, zero padding), which XLA fuses into
    a few passes; convolution and matrix-product forms measured slower."""
    radius = max(1, math.ceil(3 * sigma))
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-(offsets**2) / (2.0 * sigma**2))
    kernel = kernel / kernel.sum()
    _, height, width = images.shape
    x = tf.pad(images, [[0, 0], [0, 0], [radius, radius]])
    x = sum(float(k) * x[:, :, i : i + width] for i, k in enumerate(kernel))
    x = tf.pad(x, [[0, 0], [radius, radius], [0, 0]])
    return sum(float(k) * x[:, i : i + height] for i, k in enumerate(kernel))


def blur(images, strength, seed_generator):
    """Gaussian blur of each image with its own random width: ``sigma``
    uniform in ``[0, strength]`` pixels.

    The batch is blurred at ``BLUR_LEVELS`` fixed widths ``strength /
    BLUR_LEVELS, ..., strength``, and each image blends the two widths around
    its own ``sigma`` (0 being the image itself): a per-image kernel would
    need per-image sizes, and per-image blur matrices cost several times more
    (small batched matrix products)."""
    sigma = keras.random.uniform(
        (tf.shape(images)[0], 1, 1), 0.0, strength, seed=seed_generator
    )
    widths = np.linspace(0.0, strength, BLUR_LEVELS + 1)
    weights = _hat_weights(sigma * (BLUR_LEVELS / strength), BLUR_LEVELS)
    out = weights[0] * images
    for k in range(1, BLUR_LEVELS + 1):
        out = out + weights[k] * _gaussian_blur(images, widths[k])
    return _keep_peak(images, out)


#: Kinds of distortion applied after the warp, in this order. Each maps the
#: name of its strength parameter on RandomDistortion to a function
#: ``f(images, strength, seed_generator) -> images`` on a float32 batch of
#: shape (n, height, width); a kind whose strength is 0 (all zeros, for a
#: tuple) is skipped. The warp
#: itself (rotation, scale, shift, elastic field) is not among them: it reads
#: every pixel once through one combined grid, which is what makes it cheap.
#: The kinds of a batch run as one XLA-compiled function.
PIXEL_KINDS: dict[str, Callable[[Any, float, Any], Any]] = {
    "stroke_width": change_stroke_width,
    "blur": blur,
}


def draw_warp_numbers(n: Any, seed_generator: Any) -> tuple[Any, Any]:
    """Per-image random numbers of the warp: 6 uniforms in [-1, 1] (angle,
    scale, shift x, shift y, sign of the x field, sign of the y field) and 2
    indices into the elastic field bank."""
    uniforms = keras.random.uniform(
        (n, 6), -1.0, 1.0, seed=seed_generator, dtype="float32"
    )
    picks = keras.random.randint(
        (n, 2), 0, FIELD_BANK_SIZE, seed=seed_generator, dtype="int32"
    )
    return uniforms, picks


def warp(pixels, uniforms, picks, bank, *, distortion, image_shape):
    """Resample each flat image through its own affine + elastic grid."""
    ops = keras.ops
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


def _strength(value: Any) -> float | tuple[float, ...]:
    """A kind's strength as Python floats: a number, or a tuple of them."""
    if np.ndim(value) == 0:
        return float(value)
    return tuple(float(v) for v in np.ravel(value))


class BatchDistorter:
    """Distorts batches of flat images: one distortion, one seed, one bank.

    Elastic fields come from a bank of ``FIELD_BANK_SIZE`` smoothed fields
    drawn once (see :func:`~skdigits._keras.elastic.elastic_field_bank`). The
    warp's random draws run as ordinary ops; the warp and the pixel kinds are
    compiled with XLA on their own (``tf.function(jit_compile=True)``),
    because Keras does not compile train steps with XLA on CPU and their
    dozens of small element-wise ops cost ten times more without fusion
    (measured in the benchmark).
    """

    def __init__(
        self,
        distortion: Any,
        image_shape: tuple[int, int],
        seed: int | None = None,
    ) -> None:
        self.distortion = distortion
        self.image_shape = tuple(int(s) for s in image_shape)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.bank = None
        if distortion.elastic_alpha > 0:
            bank = elastic_field_bank(
                distortion, self.image_shape, random_state=np.random.RandomState(seed)
            )
            # A tensor once, not a NumPy array converted again at every batch.
            self.bank = tf.constant(bank)
        self.kinds = [
            (kind, strength)
            for name, kind in PIXEL_KINDS.items()
            if np.any(strength := _strength(getattr(distortion, name)))
        ]
        # One XLA function for the warp and the pixel kinds: their small
        # element-wise ops fuse, and a batch makes one call.
        self.warp = tf.function(
            self._warp_and_kinds, jit_compile=True, reduce_retracing=True
        )

    def _warp_and_kinds(self, pixels, uniforms, picks, bank):
        out = warp(
            pixels,
            uniforms,
            picks,
            bank,
            distortion=self.distortion,
            image_shape=self.image_shape,
        )
        if not self.kinds:
            return out
        images = tf.reshape(tf.cast(out, "float32"), (-1, *self.image_shape))
        for kind, strength in self.kinds:
            images = kind(images, strength, self.seed_generator)
        return tf.cast(tf.reshape(images, tf.shape(pixels)), pixels.dtype)

    def __call__(self, pixels):
        uniforms, picks = draw_warp_numbers(tf.shape(pixels)[0], self.seed_generator)
        return self.warp(pixels, uniforms, picks, self.bank)


class DistortionLayer(keras.layers.Layer):
    """Distorts its flat-image input when training; identity otherwise.

    The classifier puts it in front of the network only in the model it
    trains; the network it keeps (and saves) has no distortion layer.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.augmentation import RandomDistortion
    >>> from skdigits._keras.distortion import DistortionLayer
    >>> layer = DistortionLayer(RandomDistortion(), (28, 28), seed=0)
    >>> X = np.random.default_rng(0).random((2, 784)).astype("float32")
    >>> bool(np.array_equal(np.asarray(layer(X, training=False)), X))
    True
    >>> bool(np.array_equal(np.asarray(layer(X, training=True)), X))
    False
    """

    def __init__(self, distortion, image_shape, seed=None, **kwargs):
        kwargs.setdefault("name", "augment")
        super().__init__(**kwargs)
        self.distorter = BatchDistorter(distortion, image_shape, seed)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        return self.distorter(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape


def distort(
    flat: np.ndarray,
    distortion: Any,
    image_shape: tuple[int, int],
    seed: int,
) -> np.ndarray:
    """One training batch's distortion of the rows of ``flat``, as NumPy."""
    out = BatchDistorter(distortion, image_shape, seed)(
        keras.ops.convert_to_tensor(flat)
    )
    return np.asarray(keras.ops.convert_to_numpy(out))
