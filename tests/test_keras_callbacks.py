"""Tests for skdigits._keras.callbacks.TestSetMonitor."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import log_loss

from skdigits.classifier import DenseDigitClassifier


def test_test_set_monitor_logs_the_test_metrics_of_each_epoch(digits300):
    from skdigits._keras.callbacks import TestSetMonitor

    X, y = digits300
    X_train, y_train, X_test, y_test = X[:200], y[:200], X[200:], y[200:]
    # A label the classifier never saw is left out, not mis-indexed.
    y_test = y_test.copy()
    y_test[0] = 42
    monitor = TestSetMonitor(X_test, y_test, classes=np.unique(y_train))
    clf = DenseDigitClassifier(
        hidden_layer_sizes=(16,),
        epochs=3,
        batch_size=50,
        random_state=0,
        callbacks=[monitor],
    ).fit(X_train, y_train)
    history = clf.history_
    assert len(history["test_loss"]) == len(history["test_accuracy"]) == 3
    known = y_test != 42
    proba = clf.predict_proba(X_test[known])
    # The last epoch's values are those of the fitted network.
    assert history["test_accuracy"][-1] == pytest.approx(
        np.mean(clf.predict(X_test[known]) == y_test[known])
    )
    assert history["test_loss"][-1] == pytest.approx(
        log_loss(y_test[known], proba, labels=clf.classes_), rel=1e-4
    )
    assert monitor.seconds > 0


def test_test_set_monitor_preprocesses_once_when_training_begins(digits300):
    from skdigits._keras.callbacks import TestSetMonitor

    X, y = digits300
    calls = []

    def halve(images):
        calls.append(len(images))
        return images / 2

    monitor = TestSetMonitor(X[:50], y[:50], classes=np.unique(y), preprocess=halve)
    DenseDigitClassifier(
        hidden_layer_sizes=(8,), epochs=2, batch_size=100, callbacks=[monitor]
    ).fit(X, y)
    assert calls == [50]
