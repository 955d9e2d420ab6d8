"""``DenseDigitClassifier``: the notebook's network as a scikit-learn classifier."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from skdigits._estimators.augmentation import (
    PRESETS,
    RandomDistortion,
    resolve_distortion,
    with_added_digits,
)
from skdigits._estimators.network_handle import NetworkHandle
from skdigits._prediction.forward import (
    ACTIVATIONS,
    PREDICT_CHUNK_SIZE,
    dense_forward_in_chunks,
    dense_logits,
)

__all__ = ["DenseDigitClassifier"]

#: Keras optimizer names that take a ``learning_rate``.
OPTIMIZERS = ("adam", "adamw", "nadam", "adamax", "rmsprop", "sgd", "adagrad")


class DenseDigitClassifier(ClassifierMixin, BaseEstimator):
    """The notebook's dense Keras network as a scikit-learn classifier.

    The network is ``Dropout(dropout)`` on the input pixels, then one
    ``Dense(width, activation)`` layer per entry of ``hidden_layer_sizes``, then
    a softmax ``Dense`` over the classes. It trains with ``optimizer`` on
    categorical cross-entropy; labels of any type are one-hot encoded
    internally. Training runs through SciKeras (see
    the architecture page for why it is composed, not inherited).

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
        ``learning_rate`` throughout.
    batch_size : int >= 1, default=500
        Samples per gradient update.
    epochs : int >= 1, default=15
        Number of passes over the training data (an upper bound when
        ``early_stopping=True``). How the defaults were chosen, and what
        they reach on full MNIST, is on the performance page.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified),
        stop when validation accuracy has not improved for
        ``n_iter_no_change`` epochs, and restore the best epoch's weights.
        ``partial_fit`` refuses it, as ``MLPClassifier``'s does: one chunk
        per call leaves no epoch to stop after.
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
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, ``{label: weight}``; classes not
        in the dict weigh 1. ``"balanced"`` weighs each class by
        ``n_samples / (n_classes * np.bincount(y))`` of the ``y`` given to
        ``fit``, as in :class:`~sklearn.linear_model.LogisticRegression`.
        Multiplied with ``sample_weight`` when both are given. ``partial_fit``
        takes a dict but not ``"balanced"`` (one chunk does not tell the class
        frequencies; pass ``compute_class_weight`` of the whole ``y``).
    warm_start : bool, default=False
        When True and the classifier is fitted, ``fit`` continues training
        the current network: its weights, the optimizer's state (Adam's
        moments and step count) and the history are kept, and ``epochs`` more
        epochs are run with a new learning-rate cycle (see
        :ref:`continued_training`). The network's shape, the optimizer, the
        classes and the number of features must stay the same; changing one
        raises a ``ValueError``. When False, ``fit`` starts anew.
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
        the saved network see the images as given. A RandomDistortion's
        ``printed_digits`` and ``style_digits`` also add printed digits and
        handwriting styles MNIST lacks to the training images.
        Each epoch then shows the network new images, so it needs more
        epochs than without (see :data:`skdigits.augmentation.RECIPES` and
        the augmentation page).
        Continued training (``warm_start``, ``partial_fit``) distorts too.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``; ``predict`` returns these.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of pixels per sample (height * width for image input).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    image_shape_ : tuple of int or None
        ``(height, width)`` when ``fit`` got a stack of images, else None.
    model_ : keras.Model
        The trained Keras network, compiled, with its optimizer's state. A
        classifier loaded with :func:`skdigits.persistence.load_model` predicts without
        it; it is rebuilt from the saved file (starting TensorFlow) the first
        time it is read.
    history_ : dict of str to list of float
        Per-epoch ``loss``, ``accuracy`` and ``learning_rate`` (at the end of
        the epoch), and ``val_loss`` and ``val_accuracy`` with early stopping.
        Continued training (``warm_start``, ``partial_fit``) appends to it, so
        it always covers the whole training.
    n_iter_ : int
        Number of epochs run, over the whole training (each ``partial_fit``
        call counts one), as in ``MLPClassifier``.
    best_epoch_ : int or None
        1-based epoch of ``history_`` whose weights early stopping restored
        in the last ``fit``, else None.
    coefs_ : list of ndarray of shape (n_inputs, n_outputs)
        NumPy copies of the dense layers' kernels, first hidden layer first,
        as in ``MLPClassifier``: the weights ``predict_proba`` runs on.
    intercepts_ : list of ndarray of shape (n_outputs,)
        NumPy copies of the dense layers' biases.
    hidden_activation_ : str
        Activation of the hidden layers as fitted (``activation`` when the
        network was built), which ``predict_proba`` applies.
    loss_ : float
        Training loss (cross-entropy, with dropout active) of the last epoch.
    loss_curve_ : list of float
        Training loss of every epoch, ``history_["loss"]``.
    best_loss_ : float or None
        Smallest value of ``loss_curve_``; None with ``early_stopping``, as in
        ``MLPClassifier``.
    validation_scores_ : list of float or None
        Accuracy on the held-out validation data after every epoch, with
        ``early_stopping``; else None.
    best_validation_score_ : float or None
        Best of ``validation_scores_``; None without ``early_stopping``.
    t_ : int
        Number of training samples seen by the optimizer, over the whole
        training (``MLPClassifier``'s meaning).
    n_layers_ : int
        Number of layers, input and output included (``len(coefs_) + 1``).
    n_outputs_ : int
        Number of output units: ``n_classes_``, also for two classes (the
        output is a softmax, where ``MLPClassifier`` uses one logistic unit).
    out_activation_ : str
        ``"softmax"``.

    See Also
    --------
    skdigits.PixelScaler : Scales raw pixels to [0, 1] first.
    sklearn.neural_network.MLPClassifier : scikit-learn's own dense network.

    Notes
    -----
    ``predict_proba`` runs the trained weights through a NumPy forward pass
    (``skdigits._prediction.forward.dense_forward_in_chunks``), in chunks of
    ``PREDICT_CHUNK_SIZE`` (2048) samples to bound its
    memory. For one sample that is a few hundred times faster than
    ``keras.Model.predict``, which costs tens of milliseconds per call
    whatever the batch size, and for 10,000 samples it is still about twice
    as fast (see the performance page). It gives Keras's probabilities to
    float32 rounding.

    ``partial_fit`` trains at the constant ``learning_rate``: a schedule
    needs the total number of steps in advance, which a stream does not
    give. ``fit`` with ``warm_start=True`` runs a new warm-up and cosine
    cycle over its own ``epochs`` (a warm restart), from the kept weights and
    optimizer state.

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
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "augment": [StrOptions(set(PRESETS)), RandomDistortion, None],
    }

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
        class_weight=None,
        warm_start=False,
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
        self.class_weight = class_weight
        self.warm_start = warm_start
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
        """Train the network on ``(X, y)``: anew, or on from where it is.

        With ``warm_start=False`` (the default) a new network is trained.
        With ``warm_start=True`` and a fitted classifier, training continues
        from the current weights and optimizer state for ``epochs`` more
        epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, height, width)
            Pixels, flat or as a stack of images. Scale them to [0, 1] first
            (see :class:`skdigits.PixelScaler`).
        y : array-like of shape (n_samples,)
            Labels of any type, at least two distinct ones. A warm fit needs
            the same classes as before.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights for the loss, multiplied by ``class_weight``.
            Zero-weight samples are dropped.

        Returns
        -------
        self : DenseDigitClassifier
            The fitted classifier. If ``fit`` raises (bad input, or Ctrl-C
            during training), the estimator is left exactly as before the call,
            network and optimizer state included.
        """
        return self._fit_all_or_nothing(
            X, y, sample_weight, incremental=False, classes=None
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self, X, y, classes=None, sample_weight=None
    ) -> DenseDigitClassifier:
        """One pass over ``(X, y)``, continuing from the current state.

        Each call trains one epoch on the given chunk, keeping the weights and
        the optimizer's state, at the constant ``learning_rate``. Feeding the
        chunks of a data set that does not fit in memory, pass after pass,
        trains on all of it (see :ref:`continued_training`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, height, width)
            One chunk of pixels, scaled as for ``fit``.
        y : array-like of shape (n_samples,)
            Its labels; every label must be one of ``classes``.
        classes : array-like of shape (n_classes,), default=None
            All the labels the stream can hold. Required on the first call,
            which builds the network; on later calls it may be omitted, and if
            given must equal ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights for the loss, multiplied by ``class_weight``.

        Returns
        -------
        self : DenseDigitClassifier
            The updated classifier; left exactly as before if the call raises.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_digits
        >>> from skdigits import DenseDigitClassifier
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = DenseDigitClassifier(hidden_layer_sizes=(32,), batch_size=32,
        ...                            learning_rate=1e-2, random_state=0)
        >>> for _ in range(4):                          # four passes
        ...     for chunk in np.array_split(np.arange(len(X)), 5):
        ...         _ = clf.partial_fit(X[chunk] / 16, y[chunk], classes=np.arange(10))
        >>> clf.n_iter_, clf.t_
        (20, 7188)
        >>> clf.score(X / 16, y) > 0.9
        True
        """
        if self.early_stopping:
            # As MLPClassifier: refused before anything is touched, not
            # silently ignored.
            raise ValueError(
                "partial_fit does not support early_stopping=True: each call "
                "trains one pass over one chunk, so there is no held-out "
                "score to stop on. Set early_stopping=False to train "
                "incrementally, or use fit for early stopping."
            )
        return self._fit_all_or_nothing(
            X, y, sample_weight, incremental=True, classes=classes
        )

    def _fit_all_or_nothing(self, X, y, sample_weight, *, incremental, classes):
        # All-or-nothing: whatever raises (bad input, a Keras error, Ctrl-C
        # in a callback), the estimator is restored to its state before the
        # call, so a fitted one keeps predicting as it did. Continued
        # training changes the Keras network in place, so its variables and
        # the optimizer's are restored too.
        previous_state = dict(vars(self))
        snapshot = None
        try:
            if self._continues(incremental):
                # Before the snapshot reads model_: an inference-only network
                # has no optimizer state to snapshot (or to continue).
                self._check_can_continue_training()
                from skdigits._keras.network import snapshot_training_state

                snapshot = snapshot_training_state(self.model_)
            self._fit(X, y, sample_weight, incremental=incremental, classes=classes)
        except BaseException:
            vars(self).clear()
            vars(self).update(previous_state)
            if snapshot is not None:
                from skdigits._keras.network import restore_training_state

                restore_training_state(*snapshot)
            raise
        return self

    def _continues(self, incremental: bool) -> bool:
        """Whether this call continues the current network."""
        return (incremental or self.warm_start) and hasattr(self, "classes_")

    def _fit(self, X, y, sample_weight, *, incremental: bool, classes) -> None:
        continuing = self._continues(incremental)
        X, y, classes = self._checked_data(X, y, classes, incremental, continuing)
        # Checked before anything trains: augmenting non-images is an error.
        distortion = None
        if self.augment is not None:
            distortion = resolve_distortion(self.augment, X.shape[1], self.image_shape_)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float32)
        y_index = np.searchsorted(classes, y)
        sample_weight = self._weights_with_classes(
            y, y_index, classes, sample_weight, incremental
        )
        Y = np.eye(len(classes), dtype=np.float32)[y_index]
        seed = self._seed()
        early_stopping = self.early_stopping and not incremental
        validation_data = None
        if early_stopping:
            X, Y, sample_weight, validation_data = self._hold_out(
                X, Y, y_index, sample_weight, seed
            )
        if continuing and seed is not None:
            # A new shuffle order for each continued call, yet the same after
            # a pickle round trip: t_ is part of the fitted state.
            seed = int(np.random.SeedSequence([seed, self.t_]).generate_state(1)[0])
        if distortion is not None:
            # Printed and style digits, after the hold-out: early stopping
            # validates on the user's data.
            X, Y, sample_weight = with_added_digits(
                X, Y, sample_weight, classes, *distortion, seed
            )
        # TensorFlow starts here, not when this module is imported: prediction,
        # loading a saved model and ``skdigits --help`` never need it.
        from skdigits._keras.trainer import train_network

        run = train_network(
            self.model_ if continuing else None,
            X,
            Y,
            self._network_settings(),
            sample_weight=sample_weight,
            validation_data=validation_data,
            distortion=distortion,
            seed=seed,
            incremental=incremental,
        )
        self._record_fit(run, classes, continuing, early_stopping)

    def _checked_data(self, X, y, classes, incremental: bool, continuing: bool):
        """``X``, ``y`` and the classes, every check run before any training
        and before anything is set."""
        if continuing:
            self._check_unchanged_network()
            X, y = self._validate_continued_data(X, y)
            return X, y, self._check_classes(y, classes, incremental)
        if incremental:
            classes = self._first_partial_fit_classes(y, classes)
        X, y = self._validate_data(X, y, reset=True, incremental=incremental)
        if not incremental:
            classes = np.unique(y)
        elif not np.isin(y, classes).all():
            raise ValueError(_unknown_labels_message(y, classes))
        return X, y, classes

    def _network_settings(self):
        from skdigits._keras.trainer import NetworkSettings

        return NetworkSettings(
            hidden_layer_sizes=self._hidden_layer_sizes(),
            activation=self.activation,
            dropout=float(self.dropout),
            optimizer=self.optimizer,
            learning_rate=float(self.learning_rate),
            lr_schedule=self.lr_schedule,
            batch_size=int(self.batch_size),
            epochs=int(self.epochs),
            shuffle=bool(self.shuffle),
            verbose=int(self.verbose),
            n_iter_no_change=int(self.n_iter_no_change),
            callbacks=tuple(self.callbacks or ()),
        )

    def _record_fit(self, run, classes, continuing: bool, early_stopping: bool):
        """The fitted attributes, from one training call."""
        from skdigits._keras.network import dense_weights

        previous_epochs = self.n_iter_ if continuing else 0
        history = run.history
        if continuing:
            history = _concatenate_histories(self.history_, history)
        self.classes_ = classes
        self.n_classes_ = len(classes)
        self._network = NetworkHandle.from_model(run.model)
        self.history_ = history
        self.n_iter_ = len(history["loss"])
        epochs_run = self.n_iter_ - previous_epochs
        self.t_ = (self.t_ if continuing else 0) + run.n_train * epochs_run
        self.best_epoch_ = (
            None if run.best_epoch is None else previous_epochs + run.best_epoch + 1
        )
        # The weights prediction runs on, as in MLPClassifier.
        weights = dense_weights(run.model)
        self.coefs_ = [kernel for kernel, _ in weights]
        self.intercepts_ = [bias for _, bias in weights]
        self.hidden_activation_ = self.activation
        self._set_mlp_attributes(len(weights), early_stopping)

    def _set_mlp_attributes(self, n_dense: int, early_stopping: bool) -> None:
        """``MLPClassifier``'s other fitted attributes, with the same meanings."""
        self.n_layers_ = n_dense + 1
        self.n_outputs_ = self.n_classes_
        self.out_activation_ = "softmax"
        self.loss_curve_ = list(self.history_["loss"])
        self.loss_ = self.loss_curve_[-1]
        if early_stopping and "val_accuracy" in self.history_:
            self.validation_scores_ = list(self.history_["val_accuracy"])
            self.best_validation_score_ = float(np.nanmax(self.validation_scores_))
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_)

    def _hidden_layer_sizes(self) -> tuple[int, ...]:
        return tuple(int(w) for w in np.ravel(self.hidden_layer_sizes))

    def _check_unchanged_network(self) -> None:
        """Continuing needs the network and optimizer the model was built with.

        (An inference-only model was refused by ``_fit_all_or_nothing``.)
        """
        from skdigits._keras.network import describe_network

        # The activation as fitted (Keras's own name may differ).
        built = {
            **describe_network(self.model_),
            "activation": self.hidden_activation_,
        }
        wanted = {
            "hidden_layer_sizes": self._hidden_layer_sizes(),
            "activation": self.activation,
            "dropout": float(self.dropout),
            "optimizer": str(self.optimizer).lower(),
        }
        for name, value in wanted.items():
            was = built[name]
            if value != was:
                raise ValueError(
                    f"{type(self).__name__} cannot continue training with "
                    f"{name}={value!r}: the network was built with {name}={was!r}. "
                    "Set it back to continue, or fit with warm_start=False to "
                    "train a new network."
                )

    def _validate_continued_data(self, X, y):
        """``X`` and ``y`` of a continued call, checked against the fit."""
        X = self._flatten_images(X, reset=False)
        X, y = validate_data(self, X, y, reset=False, dtype=np.float32)
        check_classification_targets(y)
        return X, y

    def _check_classes(self, y, classes, incremental: bool) -> np.ndarray:
        """The classes of a continued call: those of the fit, unchanged."""
        if classes is not None and not np.array_equal(
            np.unique(classes), self.classes_
        ):
            raise ValueError(
                f"classes={np.unique(classes)!r} differs from the classes of the "
                f"earlier calls, {self.classes_!r}; a network cannot change its "
                "classes. Call fit with warm_start=False to start anew."
            )
        if incremental:
            if not np.isin(y, self.classes_).all():
                raise ValueError(_unknown_labels_message(y, self.classes_))
        elif not np.array_equal(np.unique(y), self.classes_):
            raise ValueError(
                f"warm_start=True continues a network trained on the classes "
                f"{self.classes_!r}, but y has the classes {np.unique(y)!r}. "
                "Give y the same classes, or set warm_start=False to start anew."
            )
        return self.classes_

    def _first_partial_fit_classes(self, y, classes) -> np.ndarray:
        if classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: the "
                "network needs all the labels the stream can hold, e.g. "
                "classes=np.arange(10)."
            )
        classes = np.unique(np.asarray(classes))
        if classes.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes; partial_fit "
                f"got classes={classes!r}."
            )
        return classes

    def _weights_with_classes(self, y, y_index, classes, sample_weight, incremental):
        """``sample_weight`` times the weight of each sample's class."""
        if self.class_weight is None:
            return sample_weight
        if isinstance(self.class_weight, str) and incremental:
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: one "
                "chunk does not tell the class frequencies. Pass "
                "class_weight=dict(zip(classes, compute_class_weight('balanced', "
                "classes=classes, y=y_all))) computed over all the labels."
            )
        per_class = compute_class_weight(self.class_weight, classes=classes, y=y)
        weights = per_class[y_index].astype(np.float32)
        return weights if sample_weight is None else weights * sample_weight

    # -- the Keras network, built lazily ------------------------------------
    # Prediction runs on coefs_ and intercepts_ in NumPy; the Keras network
    # (which training and saving with the optimizer need) sits behind a
    # NetworkHandle, so that a loaded or unpickled classifier starts
    # TensorFlow only when something reads model_.

    @property
    def model_(self):
        """The trained ``keras.Model`` (rebuilt on first access after loading)."""
        if "_network" not in vars(self):
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute 'model_'"
            )
        return self._network.model()

    def _restore_network(self, network, weights, *, where: str) -> None:
        """Hold the network of a model file: ``network.keras`` as bytes, or
        None for an inference-only file (rebuilt from ``weights``)."""
        self._network = NetworkHandle.from_saved(
            network, weights, self.hidden_activation_, self.dropout, where
        )

    def __dir__(self) -> list[str]:
        # BaseEstimator.__dir__ keeps the names that hasattr finds, and tools
        # that walk dir() (skl2onnx, IDEs) read what it lists. Listing model_
        # before it is built would rebuild a loaded network, starting
        # TensorFlow, just to look: it is listed once it exists.
        network = vars(self).get("_network")
        has_model = network is not None and network.built
        return [
            name
            for name in object.__dir__(self)
            if (has_model if name == "model_" else hasattr(self, name))
        ]

    def _check_can_continue_training(self) -> None:
        """Raise if the network lacks the optimizer state that continuing needs."""
        if self._network.inference_only:
            raise ValueError(
                f"This {type(self).__name__} was loaded from an inference-only "
                "file (saved with include_optimizer=False), which holds no "
                "optimizer state, so training cannot continue from it. Load the "
                "full file (saved with include_optimizer=True), or fit from "
                "scratch."
            )

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
        weights = list(zip(self.coefs_, self.intercepts_, strict=True))
        # NumPy, not keras.Model.predict: measured faster at every batch size
        # on CPU (benchmarks/RESULTS.md, section 3), and far faster for few
        # samples, where Keras's per-call set-up dominates.
        return dense_forward_in_chunks(weights, X, self.hidden_activation_)

    def predict_log_proba(self, X) -> np.ndarray:
        """Log of the class probabilities for ``X``.

        As ``MLPClassifier.predict_log_proba``, ``log(predict_proba(X))``,
        but taken as the log-softmax of the logits, so that it stays finite
        where a float32 probability underflows to 0.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, height, width)
            Pixels, scaled as in ``fit``.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), dtype float32
            Log-probabilities, in the order of ``classes_``.
        """
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        weights = list(zip(self.coefs_, self.intercepts_, strict=True))
        activation = self.hidden_activation_
        # In chunks, as predict_proba, to bound memory.
        logits = np.concatenate(
            [
                dense_logits(weights, X[start : start + PREDICT_CHUNK_SIZE], activation)
                for start in range(0, X.shape[0], PREDICT_CHUNK_SIZE)
            ]
        )
        logits -= logits.max(axis=1, keepdims=True)
        logits -= np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return logits

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

    def _seed(self) -> int | None:
        """An int seed for SciKeras from ``random_state`` (None stays None)."""
        if self.random_state is None:
            return None
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )

    def _validate_data(self, X, y=None, *, reset: bool, incremental: bool = False):
        """scikit-learn's ``validate_data`` on flattened float32 pixels."""
        X = self._flatten_images(X, reset=reset)
        if not reset:
            return validate_data(self, X, reset=False, dtype=np.float32)
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        classes = np.unique(y)
        # One chunk of a stream may hold a single class; partial_fit's
        # ``classes`` says how many the network has.
        if classes.size < 2 and not incremental:
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


def _concatenate_histories(
    before: dict[str, list[float]], after: dict[str, list[float]]
) -> dict[str, list[float]]:
    """One per-epoch history of two training calls, every list one entry per
    epoch: a metric missing from one call (say, ``val_accuracy`` when only the
    second used early stopping) is NaN for that call's epochs."""
    n_before = len(before.get("loss", []))
    n_after = len(after.get("loss", []))
    return {
        key: [
            *before.get(key, [math.nan] * n_before),
            *after.get(key, [math.nan] * n_after),
        ]
        for key in [*before, *(k for k in after if k not in before)]
    }


def _unknown_labels_message(y, classes) -> str:
    unknown = np.setdiff1d(np.unique(y), classes)
    return (
        f"y holds labels {unknown.tolist()} that are not in classes "
        f"{np.asarray(classes).tolist()}. The "
        "network's classes are fixed by the first call to partial_fit (or by fit)."
    )
