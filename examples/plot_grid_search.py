"""
=========================================
Tuning the network with a grid search
=========================================

:class:`~skdigits.DenseDigitClassifier` is a scikit-learn classifier, so
:class:`~sklearn.model_selection.GridSearchCV` can tune it inside a
:class:`~sklearn.pipeline.Pipeline`: parameters of the network are addressed
as ``clf__<name>``. Here a small grid over the input dropout and the hidden
layer sizes is searched with stratified 3-fold cross-validation on part of
the bundled MNIST sample, with narrow layers and few epochs to keep it quick.
"""

# %%
# The search
# ----------
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skdigits import DenseDigitClassifier, PixelScaler, TrainingHistoryDisplay
from skdigits.datasets import load_mnist_sample

# The test suite sets SKDIGITS_EXAMPLE_FAST=1 for a quick run.
FAST = os.environ.get("SKDIGITS_EXAMPLE_FAST", "0") != "0"
n_train, epochs, cv = (900, 10, 2) if FAST else (3000, 15, 3)

data = load_mnist_sample()
X, y = data.X_train[:n_train], data.y_train[:n_train]

pipeline = Pipeline(
    [
        ("scale", PixelScaler()),
        ("clf", DenseDigitClassifier(epochs=epochs, batch_size=100, random_state=0)),
    ]
)
param_grid = {
    "clf__dropout": [0.0, 0.2],
    "clf__hidden_layer_sizes": [(32,), (128, 32)],
}
# n_jobs=1: each fit already uses every core through TensorFlow.
search = GridSearchCV(pipeline, param_grid, cv=cv, n_jobs=1)
search.fit(X, y)
print(f"best: {search.best_params_}, cross-validated accuracy {search.best_score_:.2%}")

# %%
# The results as a table
# ----------------------
# ``cv_results_`` holds one entry per candidate: its parameters, the score on
# each fold, their mean and standard deviation, the rank and the timings.
results = search.cv_results_
print("dropout  hidden layers         accuracy  rank  fit time")
for i in np.argsort(results["rank_test_score"], kind="stable"):
    sizes = "-".join(map(str, results["param_clf__hidden_layer_sizes"][i]))
    print(
        f"{results['param_clf__dropout'][i]:>7}  {sizes:<13}  "
        f"{results['mean_test_score'][i]:>7.2%} ± {results['std_test_score'][i]:.2%}  "
        f"{results['rank_test_score'][i]:>4}  {results['mean_fit_time'][i]:>7.1f}s"
    )

# %%
# The same scores as a heat map: one row per dropout rate, one column per
# network.
dropouts = param_grid["clf__dropout"]
networks = param_grid["clf__hidden_layer_sizes"]
scores = np.empty((len(dropouts), len(networks)))
for i, params in enumerate(results["params"]):
    row = dropouts.index(params["clf__dropout"])
    col = networks.index(params["clf__hidden_layer_sizes"])
    scores[row, col] = results["mean_test_score"][i]

fig, ax = plt.subplots(figsize=(5.2, 3.6), layout="constrained")
image = ax.imshow(scores, cmap="viridis")
for (row, col), score in np.ndenumerate(scores):
    # Dark text on the light (yellow) end of viridis, light text on the dark end.
    color = "black" if image.norm(score) > 0.5 else "white"
    ax.text(col, row, f"{score:.1%}", ha="center", va="center", color=color)
ax.set(
    xticks=range(len(networks)),
    xticklabels=["-".join(map(str, n)) for n in networks],
    yticks=range(len(dropouts)),
    yticklabels=dropouts,
    xlabel="hidden layer sizes",
    ylabel="input dropout",
    title="Mean cross-validated accuracy",
)
fig.colorbar(image, ax=ax, label="accuracy", format="{x:.1%}")

# %%
# The best model
# --------------
# ``refit=True`` (the default) retrains the best candidate on all of ``X``;
# the search then predicts with it, and its learning curves are those of the
# refit.
print(f"test accuracy of the best model: {search.score(data.X_test, data.y_test):.2%}")
curves = TrainingHistoryDisplay.from_estimator(search)

plt.show()
