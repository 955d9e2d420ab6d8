"""What the classifier is measured against, and how epochs are timed.

The notebook's network written directly in Keras, scikit-learn's
``MLPClassifier`` set up as the same training, and the Keras callback that
times epochs apart from evaluating them. Keras is imported inside the
functions, so importing this module does not start TensorFlow.
"""

from __future__ import annotations

import time

import numpy as np


def one_hot(y: np.ndarray, n_classes: int = 10) -> np.ndarray:
    return np.eye(n_classes, dtype=np.float32)[y]


def notebook_network(n_features: int, n_classes: int, hidden=(784, 196)):
    """The notebook's network in plain Keras, uncompiled (no skdigits)."""
    from skdigits._keras import keras  # TensorFlow's quiet start

    return keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dropout(0.1),
            *(keras.layers.Dense(w, activation="relu") for w in hidden),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )


def notebook_model(n_features: int, n_classes: int, hidden=(784, 196), lr=1e-3):
    """The notebook's network compiled as the notebook did (Adam, one-hot CE)."""
    from skdigits._keras import keras  # TensorFlow's quiet start

    model = notebook_network(n_features, n_classes, hidden)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=lr),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def mlp_classifier(**params):
    """MLPClassifier set up as the same training as the notebook's Keras loop.

    ``alpha=0``: the Keras network has no L2 penalty (MLP's default is 1e-4).
    ``epsilon=1e-7``: Keras Adam's default (MLP's is 1e-8); betas are equal.
    ``shuffle=True``: every ``partial_fit`` call is one epoch over a freshly
    shuffled order, like Keras's per-epoch shuffle. There is no dropout.
    """
    from sklearn.neural_network import MLPClassifier

    settings = dict(
        hidden_layer_sizes=(784, 196),
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=1000,
        learning_rate_init=1e-3,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        shuffle=True,
    )
    return MLPClassifier(**{**settings, **params})


def epoch_recorder(X_eval=None, y_eval=None):
    """A Keras callback recording each epoch's training seconds.

    With ``X_eval``, it also records test accuracy after every epoch. The
    clock stops at the top of ``on_epoch_end``, *before* the evaluation, so
    evaluating never counts as training time.
    """
    from skdigits._keras import keras  # TensorFlow's quiet start

    class EpochRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epoch_seconds: list[float] = []
            self.test_accuracy: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.epoch_seconds.append(time.perf_counter() - self._t0)
            if X_eval is not None:
                proba = self.model.predict(X_eval, batch_size=2500, verbose=0)
                self.test_accuracy.append(float(np.mean(proba.argmax(1) == y_eval)))

    return EpochRecorder()
