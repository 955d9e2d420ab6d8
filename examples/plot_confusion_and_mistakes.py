"""
=====================================
Where the network goes wrong
=====================================

Accuracy says how often a digit classifier is right; the confusion matrix
and the misclassified images say where and why it is wrong. This example
trains the notebook's network on the bundled MNIST sample and looks at its
mistakes with :class:`~skdigits.plotting.ConfusionMatrixDisplay` (with a logarithmic
colour scale and :meth:`~skdigits.plotting.ConfusionMatrixDisplay.most_confused`) and
:class:`~skdigits.plotting.MisclassifiedDisplay`.
"""

# %%
# Train a model
# -------------
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import Pipeline

from skdigits import (
    ConfusionMatrixDisplay,
    DenseDigitClassifier,
    MisclassifiedDisplay,
    PixelScaler,
)
from skdigits.datasets import load_mnist_sample

# The test suite sets SKDIGITS_EXAMPLE_FAST=1 for a quick run.
FAST = os.environ.get("SKDIGITS_EXAMPLE_FAST", "0") != "0"
n_train, epochs = (1000, 1) if FAST else (10_000, 5)

data = load_mnist_sample()
model = Pipeline(
    [
        ("scale", PixelScaler()),
        ("clf", DenseDigitClassifier(epochs=epochs, batch_size=100, random_state=0)),
    ]
)
model.fit(data.X_train[:n_train], data.y_train[:n_train])
y_pred = model.predict(data.X_test)
n_wrong = int(np.sum(y_pred != data.y_test))
print(f"{n_wrong} of {len(y_pred)} test images misclassified")

# %%
# Linear or logarithmic colours?
# ------------------------------
# With a linear colour scale (left) the diagonal, about a hundred images per
# digit, takes the whole colour range and the mistakes, a handful per cell,
# all look alike. A logarithmic scale (right) spreads 1, 2, 5 and 10 apart;
# cells without any mistake stay empty.
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.6), layout="constrained")
ConfusionMatrixDisplay.from_predictions(
    data.y_test, y_pred, ax=left, title="Linear colour scale"
)
display = ConfusionMatrixDisplay.from_predictions(
    data.y_test, y_pred, ax=right, log_scale=True, title="Logarithmic colour scale"
)

# %%
# The most confused pairs
# -----------------------
# :meth:`~skdigits.plotting.ConfusionMatrixDisplay.most_confused` adds up the two
# off-diagonal cells of each pair of digits, so a pair the network confuses
# both ways ranks above one it confuses in one direction only.
for pair in display.most_confused(5):
    print(
        f"{pair.label_a}<->{pair.label_b}: {pair.count} "
        f"({pair.a_to_b} {pair.label_a}->{pair.label_b}, "
        f"{pair.b_to_a} {pair.label_b}->{pair.label_a})"
    )

# %%
# Normalised by the true digit, each row shows where that digit's images
# went: the diagonal is the recall of each digit.
recall = ConfusionMatrixDisplay.from_predictions(
    data.y_test, y_pred, normalize="true", log_scale=True, values_format=".0%"
)

# %%
# The mistakes themselves
# -----------------------
# :class:`~skdigits.plotting.MisclassifiedDisplay` shows the misclassified test images,
# the most confident mistakes first. Many of them would puzzle a person too.
mistakes = MisclassifiedDisplay.from_estimator(
    model, data.X_test, data.y_test, n_images=15
)

# %%
# Only the most confused pair: the images of either digit that were taken
# for the other.
top = display.most_confused(1)[0]
pair = np.isin(data.y_test, [top.label_a, top.label_b]) & np.isin(
    y_pred, [top.label_a, top.label_b]
)
pair_mistakes = MisclassifiedDisplay.from_predictions(
    data.y_test[pair],
    y_pred[pair],
    data.X_test[pair],
    title=f"{top.label_a} and {top.label_b} taken for each other",
)

plt.show()
