"""
================================
The classic Keras MNIST notebook
================================

The notebook that skdigits comes from trains a dense network on MNIST in five
steps: look at the data, scale the pixels, train the network, plot the
learning curves, and read the confusion matrix. This example takes the same
steps with skdigits, where each one is a scikit-learn estimator or display.

It runs on the MNIST sample bundled with skdigits, so it works offline;
:func:`~skdigits.datasets.fetch_mnist` gives the full 60,000 + 10,000 images.
The command ``skdigits train`` runs all of this and writes a report folder.
"""

# %%
# Look at the data
# ----------------
# :func:`~skdigits.datasets.describe_dataset` is the first look: how many
# images per split, their shape and pixel range (which says how to scale
# them), and how many images each digit has (to spot an imbalance).
import os

import matplotlib.pyplot as plt
from sklearn.pipeline import Pipeline

from skdigits import DenseDigitClassifier, PixelScaler
from skdigits.datasets import describe_dataset, load_mnist_sample
from skdigits.plotting import (
    ConfusionMatrixDisplay,
    DigitGalleryDisplay,
    TrainingHistoryDisplay,
)

# The test suite sets SKDIGITS_EXAMPLE_FAST=1 for a quick run.
FAST = os.environ.get("SKDIGITS_EXAMPLE_FAST", "0") != "0"

data = load_mnist_sample()
print(describe_dataset(data, title="MNIST sample"))

# %%
# One random training image of each digit: white ink on black, 28x28 pixels.
gallery = DigitGalleryDisplay.from_data(data.X_train, data.y_train, random_state=0)

# %%
# Scale the pixels
# ----------------
# The notebook divides the pixels by their maximum, 255, so that they lie in
# [0, 1]. :class:`~skdigits.PixelScaler` is that step as a transformer: it
# learns the maximum in ``fit`` and flattens each image into a row of 784
# pixels, the input of a dense network.
scaler = PixelScaler().fit(data.X_train)
X_scaled = scaler.transform(data.X_train)
print(
    f"max pixel {scaler.max_value_:g} -> shape {X_scaled.shape}, range "
    f"[{X_scaled.min():g}, {X_scaled.max():g}]"
)

# %%
# Train the network
# -----------------
# :class:`~skdigits.DenseDigitClassifier` is the notebook's network (dropout on
# the input, dense layers of 784 and 196 units, softmax) as a scikit-learn
# classifier. In a :class:`~sklearn.pipeline.Pipeline` after the scaler it
# takes the raw images. ``random_state`` makes the run repeatable.
X_train, y_train = data.X_train, data.y_train
params = {}  # the notebook's settings: DenseDigitClassifier's defaults
if FAST:
    X_train, y_train = X_train[:1000], y_train[:1000]
    params = {"epochs": 1, "batch_size": 100}

model = Pipeline(
    [
        ("scale", PixelScaler()),
        ("clf", DenseDigitClassifier(random_state=0, **params)),
    ]
)
model.fit(X_train, y_train)
print(f"Test accuracy: {model.score(data.X_test, data.y_test):.2%}")

# %%
# Learning curves
# ---------------
# The loss (on a log scale) and the accuracy per epoch, from the classifier's
# ``history_``. The loss keeps falling while the learning rate decays.
curves = TrainingHistoryDisplay.from_estimator(model)

# %%
# The confusion matrix
# --------------------
# Rows are the true digits, columns the predictions. Almost every image sits
# on the diagonal; the logarithmic colour scale makes the few mistakes
# visible next to it, and
# :meth:`~skdigits.plotting.ConfusionMatrixDisplay.most_confused` lists the
# pairs of digits the network mixes up most.
display = ConfusionMatrixDisplay.from_estimator(
    model, data.X_test, data.y_test, log_scale=True
)
for pair in display.most_confused(5):
    print(
        f"{pair.label_a} and {pair.label_b}: {pair.count} mistakes "
        f"({pair.a_to_b} {pair.label_a}s read as {pair.label_b}, "
        f"{pair.b_to_a} {pair.label_b}s read as {pair.label_a})"
    )

plt.show()
