"""``DenseDigitClassifier``: the notebook's network as a scikit-learn classifier."""

from __future__ import annotations

import math
from functools import partial
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from skdigits._tf_env import import_keras
from skdigits.augmentation import PRESETS, RandomDistortion, resolve_distortion
from skdigits.network import (
    ACTIVATIONS,
    OPTIMIZERS,
    build_dense_network,
    dense_forward,
    make_optimizer,
)

__all__ = ["DenseDigitClassifier"]


class DenseDigitClassifier(ClassifierMixin, BaseEstimator):
    """The notebook's dense Keras network as a scikit-learn classifier.

    The network is ``Dropout(dropout)`` on the input pixels, then one
    ``Dense(width, activation)`` layer per entry of ``hidden_layer_sizes``, then
    a softmax ``Dense`` over the classes. It trains with ``optimizer`` on
    categorical cross-entropy; labels of any type are one-hot encoded
    internally. Training runs through SciKeras (see
    :mod:`skdigits._scikeras_compat` for why it is composed, not inherited).

    The usual way from raw ``uint8`` images to predictions is
    ``Pipeline([("scale", PixelScaler()), ("clf", DenseDigitClassifier())])``.

    Parameters
    ----------
    hidden_layer_sizes : sequence of int, default=(784, 196)
        Width of each hidden layer. The default is the notebook's network.
    activation : {"relu", "tanh", "sigmoid", "elu", "selu", "swish", "linear"}, \
            default="relu"
        Activation of the hidden layers.
    dropout : float in [0, 1), default=0.1
        Dropout rate applied to the input pixels during training.
    optimizer : {"adam", "adamw", "nadam", "adamax", "rmsprop", "sgd", \
            "adagrad"}, default="adam"
        Name of the Keras optimizer.
    learning_rate : float > 0, default=3e-3
        Learning rate of the optimizer; with ``lr_schedule="cosine"`` it is the
        peak rate, reached after the warm-up.
    lr_schedule : {"cosine", "constant"}, default="cosine"
        ``"cosine"`` warms the learning rate up linearly from 0 to
        ``learning_rate`` over the first 10 % of the training steps, then
        decays it along a half cosine to 0 at the last step of ``epochs``, so
        the schedule follows whatever ``epochs`` is. ``"constant"`` keeps
        ``learning_rate`` throughout, as the notebook did (with 1e-3).
    batch_size : int >= 1, default=500
        Samples per gradient update. The notebook used 1000; 500 costs about
        the same per epoch on a CPU and, with the cosine schedule, reaches
        98.5 % test accuracy on full MNIST in fewer epochs.
    epochs : int >= 1, default=15
        Number of passes over the training data (an upper bound when
        ``early_stopping=True``). The notebook ran 100 epochs at a constant
        1e-3 and batch 1000; the default schedule reaches a higher test
        accuracy on full MNIST in 15 (see the performance page).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified),
        stop when validation accuracy has not improved for
        ``n_iter_no_change`` epochs, and restore the best epoch's weights.
    validation_fraction : float in (0, 1), default=0.1
        Share of the training data held out when ``early_stopping=True``.
    n_iter_no_change : int >= 1, default=5
        Patience of early stopping, in epochs.
    shuffle : bool, default=True
        Shuffle the training data before each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation
        split, and makes TensorFlow's ops deterministic during ``fit``, so two
        fits with the same int give identical predictions on CPU. ``None`` is
        not reproducible: every fit differs.
    verbose : {0, 1, 2}, default=0
        0 is silent (TensorFlow's start-up notices are silenced too), 1 shows
        Keras's progress bar, 2 one line per epoch.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Extra Keras callbacks for ``fit``.
    augment : {"affine", "elastic", "affine+elastic"}, RandomDistortion or \
            None, default=None
        Distort every training batch on the fly: random rotations, scalings
        and shifts (``"affine"``), Simard's elastic distortions
        (``"elastic"``), or both, at default strengths; or a
        :class:`~skdigits.augmentation.RandomDistortion` with your own
        (``GridSearchCV`` can search ``augment__rotation`` and the like). The
        samples must be images: a 3-D stack, flat rows of a square image, or
        ``RandomDistortion(image_shape=...)``. The distortions are drawn from
        ``random_state`` and act only in training: prediction, validation and
        the saved network see the images as given. Each epoch then shows the
        network new images, so it needs more epochs than without (see
        :data:`skdigits.augmentation.RECIPES` and the augmentation page).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``; ``predict`` returns these.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of pixels per sample (height * width for image input).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.
    image_shape_ : tuple of int or None
        ``(height, width)`` when ``fit`` got a stack of images, else None.
    model_ : keras.Model
        The trained Keras network.
    history_ : dict of str to list of float
        Per-epoch ``loss``, ``accuracy`` and ``learning_rate`` (at the end of
        the epoch), and ``val_loss`` and ``val_accuracy`` with early stopping.
    n_iter_ : int
        Number of epochs actually run.
    best_epoch_ : int or None
        1-based epoch whose weights early stopping restored, else None.

    See Also
    --------
    skdigits.PixelScaler : Scales raw pixels to [0, 1] first.
    sklearn.neural_network.MLPClassifier : scikit-learn's own dense network.

    Notes
    -----
    ``predict_proba`` runs the trained weights through a NumPy forward pass
    (:func:`skdigits.network.dense_forward`), in chunks of 2048 samples to
    bound its memory. For one sample that is a few hundred times faster than
    ``keras.Model.predict``, which costs tens of milliseconds per call
    whatever the batch size, and for 10,000 samples it is still about twice
    as fast (see the performance page). It gives Keras's probabilities to
    float32 rounding.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdigits import DenseDigitClassifier, PixelScaler
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> clf = make_pipeline(
    ...     PixelScaler(),
    ...     DenseDigitClassifier(hidden_layer_sizes=(64,), batch_size=64,
    ...                          epochs=20, random_state=0),
    ... ).fit(X_train, y_train)
    >>> clf.score(X_test, y_test) > 0.9
    True
    >>> clf.predict(X_test[:3])
    array([2, 8, 2])
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like"],  # elements: see _validate_params
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"cosine", "constant"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, 2, closed="both")],
        "callbacks": [list, None],
        "augment": [StrOptions(set(PRESETS)), RandomDistortion, None],
    }

    # predict_proba runs the NumPy forward pass on this many samples at a
    # time: big enough for fast matrix products, small enough that the
    # hidden activations of a huge X never all sit in memory at once.
    _predict_chunk_size = 2048

    def __init__(
        self,
        hidden_layer_sizes=(784, 196),
        *,
        activation="relu",
        dropout=0.1,
        optimizer="adam",
        learning_rate=3e-3,
        lr_schedule="cosine",
        batch_size=500,
        epochs=15,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        shuffle=True,
        random_state=None,
        verbose=0,
        callbacks=None,
        augment=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.augment = augment

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True  # stacks of images, as the notebook
        tags.classifier_tags.multi_label = False
        return tags

    def _validate_params(self) -> None:
        super()._validate_params()
        # _parameter_constraints checks the container; the widths are checked
        # here, still before any data is touched.
        sizes = self.hidden_layer_sizes
        widths = [] if isinstance(sizes, (str, bytes)) else list(np.ravel(sizes))
        if not widths or not all(
            isinstance(w, Integral) and not isinstance(w, bool) and w > 0
            for w in widths
        ):
            raise InvalidParameterError(
                "The 'hidden_layer_sizes' parameter of "
                f"{type(self).__name__} must be a non-empty sequence of positive "
                f"integers such as (784, 196). Got {sizes!r} instead."
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None) -> DenseDigitClassifier:
        """Train a new network on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, height, width)
            Pixels, flat or as a stack of images. Scale them to [0, 1] first
            (see :class:`skdigits.PixelScaler`).
        y : array-like of shape (n_samples,)
            Labels of any type, at least two distinct ones.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights for the loss. Zero-weight samples are dropped.

        Returns
        -------
        self : DenseDigitClassifier
            The fitted classifier. If ``fit`` raises (bad input, or Ctrl-C
            during training), the estimator is left exactly as before the call.
        """
        # All-or-nothing: whatever raises (bad input, a Keras error, Ctrl-C
        # in a callback), the estimator is restored to its state before the
        # call, so a fitted one keeps predicting as it did.
        previous_state = dict(vars(self))
        try:
            self._fit(X, y, sample_weight)
        except BaseException:
            vars(self).clear()
            vars(self).update(previous_state)
            raise
        return self

    def _fit(self, X, y, sample_weight) -> None:
        X, y = self._validate_data(X, y, reset=True)
        # Checked before anything trains: augmenting non-images is an error.
        distortion = None
        if self.augment is not None:
            distortion = resolve_distortion(self.augment, X.shape[1], self.image_shape_)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float32)
        classes, y_index = np.unique(y, return_inverse=True)
        Y = np.eye(len(classes), dtype=np.float32)[y_index]
        seed = self._seed()
        # TensorFlow starts here, not when this module is imported: prediction,
        # loading a saved model and ``skdigits --help`` never need it.
        from skdigits import callbacks as skdigits_callbacks
        from skdigits._scikeras_compat import fit_keras_network

        keras = import_keras()
        callbacks = [*(self.callbacks or []), skdigits_callbacks.LearningRateLogger()]
        validation_data, stopper = None, None
        if self.early_stopping:
            X, Y, sample_weight, validation_data = self._hold_out(
                X, Y, y_index, sample_weight, seed
            )
            stopper = keras.callbacks.EarlyStopping(
                monitor="val_accuracy",
                patience=self.n_iter_no_change,
                restore_best_weights=True,
            )
            callbacks.append(stopper)
        build_fn = partial(
            _build_compiled_network,
            hidden_layer_sizes=tuple(int(w) for w in np.ravel(self.hidden_layer_sizes)),
            activation=self.activation,
            dropout=self.dropout,
            optimizer=self.optimizer,
            learning_rate=self._learning_rate(X, sample_weight),
            seed=seed,
            distortion=distortion,
        )
        model, history = fit_keras_network(
            build_fn,
            X,
            Y,
            sample_weight=sample_weight,
            epochs=self.epochs,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            verbose=self.verbose,
            callbacks=callbacks,
            validation_data=validation_data,
            random_state=seed,
        )
        if distortion is not None:
            model = _without_distortion(model)
        self.classes_ = classes
        self.n_classes_ = len(classes)
        self.model_ = model
        self.history_ = history
        self.n_iter_ = len(history["loss"])
        restored = stopper is not None and stopper.best_weights is not None
        self.best_epoch_ = stopper.best_epoch + 1 if restored else None
        self._forward_spec = (self.activation, _dense_weights(model))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, height, width)
            Pixels, scaled as in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), dtype float32
            Probabilities, in the order of ``classes_``.
        """
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        activation, weights = self._forward_spec
        # NumPy, not keras.Model.predict: measured faster at every batch size
        # on CPU (benchmarks/RESULTS.md, section 3), and far faster for few
        # samples, where Keras's per-call set-up dominates.
        chunk = self._predict_chunk_size
        if X.shape[0] <= chunk:
            return dense_forward(weights, X, activation)
        return np.concatenate(
            [
                dense_forward(weights, X[start : start + chunk], activation)
                for start in range(0, X.shape[0], chunk)
            ]
        )

    def predict(self, X) -> np.ndarray:
        """Most probable class for each sample of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, height, width)
            Pixels, scaled as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def _learning_rate(self, X, sample_weight):
        """The optimizer's learning rate: a number, or the cosine schedule."""
        if self.lr_schedule == "constant":
            return self.learning_rate
        keras = import_keras()
        # SciKeras drops zero-weight samples before training.
        n_train = len(X) if sample_weight is None else np.count_nonzero(sample_weight)
        total_steps = math.ceil(n_train / self.batch_size) * self.epochs
        warmup_steps = int(0.1 * total_steps)
        if warmup_steps == 0:
            return keras.optimizers.schedules.CosineDecay(
                self.learning_rate, total_steps
            )
        return keras.optimizers.schedules.CosineDecay(
            0.0,
            total_steps - warmup_steps,
            warmup_target=self.learning_rate,
            warmup_steps=warmup_steps,
        )

    def _seed(self) -> int | None:
        """An int seed for SciKeras from ``random_state`` (None stays None)."""
        if self.random_state is None:
            return None
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )

    def _validate_data(self, X, y=None, *, reset: bool):
        """scikit-learn's ``validate_data`` on flattened float32 pixels."""
        X = self._flatten_images(X, reset=reset)
        if not reset:
            return validate_data(self, X, reset=False, dtype=np.float32)
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; "
                f"got 1 class: {classes!r}."
            )
        return X, y

    def _flatten_images(self, X, *, reset: bool):
        """Turn a stack of images (n, h, w) into rows of pixels (n, h * w)."""
        if not isinstance(X, np.ndarray):
            if not isinstance(X, (list, tuple)):
                return X  # DataFrames, sparse matrices: validate_data decides
            X = np.asarray(X)
        if X.ndim > 3:
            raise ValueError(
                f"X must be 2-D (n_samples, n_features) or a 3-D stack of images "
                f"(n_samples, height, width); got {X.ndim} dimensions, "
                f"shape {X.shape}."
            )
        if X.ndim != 3:
            if reset:
                self.image_shape_ = None
            return X
        image_shape = tuple(int(s) for s in X.shape[1:])
        if reset:
            self.image_shape_ = image_shape
        elif self.image_shape_ is not None and image_shape != self.image_shape_:
            raise ValueError(
                f"X holds images of shape {image_shape}, but {type(self).__name__} "
                f"was fitted on images of shape {self.image_shape_}."
            )
        return X.reshape(X.shape[0], math.prod(image_shape))

    def _hold_out(self, X, Y, y_index, sample_weight, seed):
        """Stratified train/validation split of the training data."""
        n_samples = len(y_index)
        n_val = max(1, math.ceil(self.validation_fraction * n_samples))
        if n_val >= n_samples:
            raise ValueError(
                f"early_stopping needs more than {n_samples} samples to hold out "
                f"validation_fraction={self.validation_fraction}."
            )
        # Stratify when every class can give a sample to both sides.
        counts = np.bincount(y_index)
        can_stratify = counts.min() >= 2 and len(counts) <= min(
            n_val, n_samples - n_val
        )
        stratify = y_index if can_stratify else None
        train, val = train_test_split(
            np.arange(n_samples), test_size=n_val, stratify=stratify, random_state=seed
        )
        sw_train = None if sample_weight is None else sample_weight[train]
        return X[train], Y[train], sw_train, (X[val], Y[val])


def _build_compiled_network(
    meta: dict[str, Any],
    *,
    hidden_layer_sizes: tuple[int, ...],
    activation: str,
    dropout: float,
    optimizer: str,
    learning_rate: Any,
    seed: int | None,
    distortion: tuple[RandomDistortion, tuple[int, int]] | None = None,
):
    """Model-building function for SciKeras: the network, compiled.

    With a ``distortion``, the model that trains is the network behind a
    layer that distorts each training batch; :func:`_without_distortion`
    takes the plain network back out after ``fit``.
    """
    network = build_dense_network(
        meta["n_features_in_"],
        meta["n_classes_"],
        hidden_layer_sizes=hidden_layer_sizes,
        activation=activation,
        dropout=dropout,
        seed=seed,
    )
    model = network
    if distortion is not None:
        from skdigits.augmentation import make_distortion_layer

        keras = import_keras()
        # Its own seed, so the distortions do not repeat the dropout's draws.
        layer_seed = None if seed is None else (seed + 7919) % (2**31 - 1)
        inputs = keras.Input(shape=(meta["n_features_in_"],), name="pixels")
        distorted = make_distortion_layer(*distortion, seed=layer_seed)(inputs)
        model = keras.Model(inputs, network(distorted), name="augmented_training")
    model.compile(**_compile_kwargs(optimizer, learning_rate))
    return model


def _compile_kwargs(optimizer, learning_rate) -> dict[str, Any]:
    return {
        "optimizer": make_optimizer(optimizer, learning_rate)
        if isinstance(optimizer, str)
        else optimizer,
        "loss": "categorical_crossentropy",
        "metrics": ["accuracy"],
    }


def _without_distortion(training_model):
    """The trained network inside an augmented training model.

    It shares the trained weights and the optimizer (so its state travels
    with ``model_``), and has no distortion layer: prediction and a saved
    model never need the augmentation code.
    """
    network = training_model.get_layer("dense_digit_network")
    network.compile(**_compile_kwargs(training_model.optimizer, None))
    return network


def _dense_weights(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """The dense layers' (kernel, bias), copied out of Keras for NumPy."""
    keras = import_keras()
    return [
        tuple(np.asarray(w, dtype=np.float32) for w in layer.get_weights())
        for layer in model.layers
        if isinstance(layer, keras.layers.Dense)
    ]
