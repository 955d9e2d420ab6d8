"""scikit-learn's own estimator checks over every skdigits estimator."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdigits.classifier import DenseDigitClassifier
from skdigits.preprocessing import PixelScaler

# One table of the checks expected to fail, each with its reason. Only
# properties of stochastic minibatch training belong here, never a missing
# feature.
EXPECTED_FAILED_CHECKS = {
    "DenseDigitClassifier": {
        "check_sample_weight_equivalence_on_dense_data": (
            "Minibatch SGD: a sample of weight 2 and the same sample twice land "
            "in different batches and shuffles, so the fitted weights differ "
            "(same reason as MLPClassifier and SGDClassifier)."
        ),
    },
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def _small_classifier() -> DenseDigitClassifier:
    # Small and fast, yet accurate enough for the checks' toy problems.
    return DenseDigitClassifier(
        hidden_layer_sizes=(32,),
        batch_size=16,
        epochs=30,
        learning_rate=1e-2,
        random_state=0,
    )


ESTIMATORS = [
    _small_classifier(),
    PixelScaler(),
    PixelScaler(max_value=255),
    PixelScaler(clip=False),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
