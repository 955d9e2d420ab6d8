"""Seconds per epoch of each way of distorting the training batches.

The augmentation question's ``epoch_cost`` part: the default network
(784, 196) at batch 500, trained one epoch at a time without augmentation
and with each candidate way of distorting the batches, the candidates
interleaved (A B C ... A B C ...) so that a burst of load on this shared
machine hits them all; the first epoch of each (tracing, XLA compilation) is
not counted. Ratios are against the un-augmented epoch of the same run.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import summarize

__all__ = ["measure_epoch_cost"]


def _cost_candidates(n_features: int) -> dict:
    """name -> (description, function returning a compiled Keras model)."""
    from skdigits._keras import keras  # TensorFlow's quiet start
    from skdigits._keras.distortion import DistortionLayer
    from skdigits._keras.network import build_dense_network
    from skdigits.augmentation import RandomDistortion

    side = round(n_features**0.5)
    shape = (side, side)

    def compiled(model):
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    def plain():
        return compiled(build_dense_network(n_features, 10, seed=0))

    def ours(distortion, **options):
        def make():
            layer = DistortionLayer(distortion, shape, seed=0)
            layer.distorter = _make_distorter(distortion, shape, **options)
            inputs = keras.Input(shape=(n_features,))
            network = build_dense_network(n_features, 10, seed=0)
            return compiled(keras.Model(inputs, network(layer(inputs))))

        return make

    def keras_layers():
        # The naive set-up: Keras's own affine layers, on (h, w, 1).
        inputs = keras.Input(shape=(n_features,))
        x = keras.layers.Reshape((*shape, 1))(inputs)
        x = keras.layers.RandomRotation(10 / 360, fill_mode="constant", seed=0)(x)
        x = keras.layers.RandomZoom(0.1, fill_mode="constant", seed=1)(x)
        x = keras.layers.RandomTranslation(
            2 / side, 2 / side, fill_mode="constant", seed=2
        )(x)
        x = keras.layers.Reshape((n_features,))(x)
        network = build_dense_network(n_features, 10, seed=0)
        return compiled(keras.Model(inputs, network(x)))

    full = RandomDistortion()
    affine = RandomDistortion(elastic_alpha=0)
    # The pixel kinds at the robust recipe's strengths (stroke width 1 px
    # thinner to 4 px thicker: two steps each way; blur up to 1.5 px).
    stroke = RandomDistortion(stroke_width=(1.0, 4.0))
    blurred = RandomDistortion(blur=1.5)
    everything = RandomDistortion(rotation=15.0, stroke_width=(1.0, 4.0), blur=1.5)
    return {
        "none": ("no augmentation (reference)", plain),
        "affine+elastic": (
            "skdigits: affine + elastic, field bank, XLA warp (the default)",
            ours(full),
        ),
        "affine": ("skdigits: affine only, XLA warp", ours(affine)),
        "affine+elastic+stroke width": (
            "skdigits: affine + elastic, then stroke width -1 to +4 px (XLA)",
            ours(stroke),
        ),
        "affine+elastic+blur": (
            "skdigits: affine + elastic, then blur 1.5 px (XLA)",
            ours(blurred),
        ),
        "everything": (
            "skdigits: the robust recipe's distortion: affine (15 deg) + elastic "
            "+ stroke width -1 to +4 px + blur 1.5 px",
            ours(everything),
        ),
        "affine+elastic, fresh fields": (
            "skdigits: affine + elastic, a new smoothed field per image",
            ours(full, fresh_fields=True),
        ),
        "affine+elastic, no XLA": (
            "skdigits: affine + elastic, field bank, warp not XLA-compiled",
            ours(full, jit=False),
        ),
        "keras affine layers": (
            "Keras RandomRotation(10 deg) + RandomZoom(0.1) + RandomTranslation(2 px)",
            keras_layers,
        ),
    }


def _make_distorter(distortion, shape, *, jit=True, fresh_fields=False):
    """skdigits's batch distorter, or one of the variants it was chosen over:
    the warp without XLA (``jit=False``), or a new smoothed noise field per
    image and batch instead of the bank (``fresh_fields=True``)."""
    import functools

    import tensorflow as tf

    from skdigits._keras import keras  # TensorFlow's quiet start
    from skdigits._keras.distortion import BatchDistorter, draw_warp_numbers, warp
    from skdigits._keras.elastic import gaussian_smoothing_matrix

    distorter = BatchDistorter(distortion, shape, 0)
    if not jit:
        distorter.warp = tf.function(
            functools.partial(warp, distortion=distortion, image_shape=shape),
            jit_compile=False,
            reduce_retracing=True,
        )
    if not (fresh_fields and distortion.elastic_alpha > 0):
        return distorter
    height, width = shape
    g_rows = gaussian_smoothing_matrix(height, distortion.elastic_sigma)
    g_cols = gaussian_smoothing_matrix(width, distortion.elastic_sigma)
    alpha = float(distortion.elastic_alpha)

    @functools.partial(tf.function, jit_compile=jit)
    def smooth(noise):
        fields = tf.einsum("ij,nckl,ml->ncim", g_rows, noise, g_cols)
        return alpha * tf.reshape(fields, (-1, 2, height * width))

    def fresh(pixels):
        n = tf.shape(pixels)[0]
        uniforms, _ = draw_warp_numbers(n, distorter.seed_generator)
        noise = keras.random.uniform(
            (n, 2, height, width), -1.0, 1.0, seed=distorter.seed_generator
        )
        # This batch's own 2 fields per image: image k picks 2k and 2k + 1.
        bank = tf.reshape(smooth(noise), (-1, height * width))
        picks = tf.reshape(tf.range(2 * n, dtype="int32"), (n, 2))
        return distorter.warp(pixels, uniforms, picks, bank)

    return fresh


def _scipy_epoch_seconds(X: np.ndarray, n: int) -> float | None:
    """Seconds for scipy's map_coordinates to distort ``n`` images, scaled to
    the whole training set: the cost of distorting in NumPy between batches."""
    try:
        from scipy.ndimage import map_coordinates
    except ImportError:  # pragma: no cover - scipy comes with scikit-learn
        return None
    from skdigits._keras.elastic import elastic_field_bank
    from skdigits.augmentation import RandomDistortion

    side = round(X.shape[1] ** 0.5)
    images = X[:n].reshape(n, side, side)
    bank = elastic_field_bank(
        RandomDistortion(), (side, side), size=2 * n, random_state=0
    ).reshape(n, 2, side, side)
    rows, cols = np.mgrid[0:side, 0:side].astype(np.float32)
    t0 = time.perf_counter()
    for i in range(n):
        map_coordinates(images[i], [rows + bank[i, 0], cols + bank[i, 1]], order=1)
    return (time.perf_counter() - t0) * len(X) / n


def measure_epoch_cost(
    data, rounds: int, batch_size: int = 500, only: tuple[str, ...] | None = None
) -> dict:
    """Seconds per epoch of each candidate (``only``: these and the
    un-augmented reference), interleaved; ratios against the reference."""
    candidates = _cost_candidates(data.X_train.shape[1])
    if only is not None:
        candidates = {k: v for k, v in candidates.items() if k == "none" or k in only}
    Y = np.eye(10, dtype=np.float32)[data.y_train]
    models = {}
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for name, (_, make) in candidates.items():
        models[name] = make()
        # The first epoch traces and compiles; it is not timed.
        models[name].fit(data.X_train, Y, batch_size=batch_size, epochs=1, verbose=0)
    for _ in range(rounds):
        for name, model in models.items():
            t0 = time.perf_counter()
            model.fit(data.X_train, Y, batch_size=batch_size, epochs=1, verbose=0)
            times[name].append(time.perf_counter() - t0)
    reference = np.array(times["none"])
    out = {}
    for name, (description, _) in candidates.items():
        t = np.array(times[name])
        out[name] = {
            "description": description,
            **summarize(t),
            "seconds": [float(s) for s in t],
            "ratio_median": float(np.median(t) / np.median(reference)),
            "ratio_min": float(t.min() / reference.min()),
        }
    if only is not None:
        return out
    n_scipy = min(2000, len(data.X_train))
    scipy_seconds = _scipy_epoch_seconds(data.X_train, n_scipy)
    if scipy_seconds is not None:
        out["scipy map_coordinates"] = {
            "description": "scipy.ndimage.map_coordinates per image, in NumPy "
            f"between batches (timed on {n_scipy} images, scaled to the epoch)",
            "added_seconds": scipy_seconds,
            "ratio_median": float(
                (np.median(reference) + scipy_seconds) / np.median(reference)
            ),
        }
    return out
