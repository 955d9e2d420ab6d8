"""``DenseDigitClassifier``: the notebook's network as a scikit-learn classifier.

The estimator is scikit-learn's contract: its parameters and their
constraints, one input check (``_validate_input``), ``fit`` and
``partial_fit`` through one ``_fit``, and prediction through the NumPy
forward pass. Preparing the training data (one-hot labels, class weights,
the early-stopping hold-out, added digits) is
:mod:`skdigits._estimators.training_data`'s job, training is
:mod:`skdigits._keras.trainer`'s, and holding the Keras network is
:class:`~skdigits._estimators.network_handle.KerasNetworkMixin`'s.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from skdigits._estimators.augmentation import (
    PRESETS,
    RandomDistortion,
    resolve_distortion,
)
from skdigits._estimators.input_checks import (
    check_hidden_layer_sizes,
    continued_classes,
    flatten_images,
    is_valid_float32_rows,
    stream_classes,
    unknown_labels_message,
)
from skdigits._estimators.network_handle import KerasNetworkMixin, NetworkHandle
from skdigits._estimators.training_data import (
    fitted_attributes,
    prepare_training_data,
)
from skdigits._prediction.forward import (
    ACTIVATIONS,
    dense_forward_in_chunks,
    dense_log_proba_in_chunks,
)

__all__ = ["DenseDigitClassifier"]

#: Keras optimizer names that take a ``learning_rate``.
OPTIMIZERS = ("adam", "adamw", "nadam", "adamax", "rmsprop", "sgd", "adagrad")


class DenseDigitClassifier(ClassifierMixin, KerasNetworkMixin, BaseEstimator):
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
    ema_momentum : float in (0, 1) or None, default=None
        Keep an exponential moving average of the weights during training,
        updated after every step with this momentum (0.999 averages over
        about the last 1,000 steps), and end each ``fit`` or ``partial_fit``
        call with the average in place of the weights (Keras's ``use_ema``;
        training itself runs on the raw weights, and a continued fit goes on
        from the average). None (the default) keeps no average. With
        ``early_stopping`` the restored best epoch's weights are its raw
        ones. The network is built with it: a warm fit cannot change it.

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
    ``predict_proba`` runs the trained weights through a NumPy forward pass,
    in chunks of 2048 samples to bound its memory: faster than
    ``keras.Model.predict`` at every batch size, and far faster for one
    sample (see the performance page). It gives Keras's probabilities to
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
        "ema_momentum": [Interval(Real, 0, 1, closed="neither"), None],
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
        ema_momentum=None,
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
        self.ema_momentum = ema_momentum

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True  # stacks of images, as the notebook
        tags.classifier_tags.multi_label = False
        return tags

    def _validate_params(self) -> None:
        super()._validate_params()
        # The constraints check the container; the widths, before any data.
        check_hidden_layer_sizes(self.hidden_layer_sizes, type(self).__name__)

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
        return self._fit(X, y, sample_weight, incremental=False, classes=None)

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
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

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
        X = self._validate_predict_input(X)
        # NumPy, not keras.Model.predict: faster at every batch size on CPU,
        # and far faster for few samples, where Keras's per-call set-up
        # dominates (benchmarks/RESULTS.md, latency).
        return dense_forward_in_chunks(self._weights(), X, self.hidden_activation_)

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
        X = self._validate_predict_input(X)
        return dense_log_proba_in_chunks(self._weights(), X, self.hidden_activation_)

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

    # -- fit helpers ---------------------------------------------------------

    def _fit(self, X, y, sample_weight, *, incremental: bool, classes):
        continuing = (incremental or self.warm_start) and hasattr(self, "classes_")
        # All-or-nothing: whatever raises (bad input, a Keras error, Ctrl-C
        # in a callback), the estimator is left as it was, network included.
        with self._unchanged_on_error(continuing):
            self._train(X, y, sample_weight, classes, incremental, continuing)
        return self

    def _train(self, X, y, sample_weight, classes, incremental, continuing) -> None:
        X, y, classes = self._validate_input(X, y, classes, incremental, continuing)
        # Checked before anything trains: augmenting non-images is an error.
        distortion = None
        if self.augment is not None:
            distortion = resolve_distortion(self.augment, X.shape[1], self.image_shape_)
        params = self.get_params(deep=False)
        steps = self.t_ if continuing else None
        data = prepare_training_data(
            X, y, classes, sample_weight, params, distortion, incremental, steps
        )
        # TensorFlow starts here, not when this module is imported: prediction,
        # loading a saved model and ``skdigits --help`` never need it.
        from skdigits._keras.trainer import train_network

        network = self.model_ if continuing else None
        run = train_network(network, data, params, distortion, incremental)
        fitted = fitted_attributes(
            run,
            classes,
            self.activation,
            before=vars(self) if continuing else None,
            early_stopping=data.validation_data is not None,
        )
        vars(self).update(fitted, _network=NetworkHandle.from_model(run.model))

    def _validate_input(self, X, y, classes, incremental: bool, continuing: bool):
        """``X``, ``y`` and the classes of a ``fit`` or ``partial_fit`` call,
        every check run before any training."""
        name = type(self).__name__
        if continuing:
            self._check_unchanged_network()
            X, _ = flatten_images(X, self.image_shape_, reset=False, name=name)
            X, y = validate_data(self, X, y, reset=False, dtype=np.float32)
            check_classification_targets(y)
            return (
                X,
                y,
                continued_classes(y, classes, self.classes_, incremental=incremental),
            )
        if incremental:
            classes = stream_classes(classes, name)
        X, self.image_shape_ = flatten_images(X, None, reset=True, name=name)
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        if incremental:
            # One chunk of a stream may hold a single class; partial_fit's
            # ``classes`` says how many the network has.
            if not np.isin(y, classes).all():
                raise ValueError(unknown_labels_message(y, classes))
            return X, y, classes
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes in y; "
                f"got 1 class: {classes!r}."
            )
        return X, y, classes

    # -- predict helpers -----------------------------------------------------

    def _validate_predict_input(self, X):
        """Flattened float32 pixels of the fitted shape."""
        if "coefs_" not in vars(self):  # else check_is_fitted passes: skip its scan
            check_is_fitted(self)
        name = type(self).__name__
        X, _ = flatten_images(X, self.image_shape_, reset=False, name=name)
        if is_valid_float32_rows(self, X):
            return X  # what validate_data would return, at a tenth of its cost
        return validate_data(self, X, reset=False, dtype=np.float32)

    def _weights(self) -> list:
        return list(zip(self.coefs_, self.intercepts_, strict=True))
